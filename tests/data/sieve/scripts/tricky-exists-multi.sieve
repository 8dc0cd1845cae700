require "fileinto";
# RFC 5228 5.5: true only if every named header exists
if exists ["From", "To", "Subject"] { fileinto "all-three"; }
if exists ["From", "X-Not-There"] { fileinto "never"; }
if header :contains "subject" "" { fileinto "contains-empty"; }
if header :contains ["x-nothing", "subject"] "" { fileinto "one-of-two"; }
if not size :over 100 { fileinto "tiny"; }
