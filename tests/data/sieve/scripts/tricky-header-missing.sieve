require "fileinto";
if header :contains "X-Not-There" "" { fileinto "empty-on-missing"; }
if not header :matches "subject" "*" { fileinto "no-subject"; }
if header :is "subject" "" { fileinto "empty-subject"; }
if exists "subject" { fileinto "has-subject"; }
