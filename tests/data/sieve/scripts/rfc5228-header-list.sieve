require "fileinto";
if header :contains ["To", "Cc"] ["team@", "second-to"] { fileinto "team"; }
if header :is "X-Tag" "third" { fileinto "tag-third"; }
if address :is ["to", "cc"] "grace@example.org" { fileinto "grace"; }
