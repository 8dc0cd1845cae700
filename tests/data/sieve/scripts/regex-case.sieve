require ["regex", "fileinto"];
if header :regex :comparator "i;octet" "subject" "WIN" { fileinto "case-sensitive"; }
if header :regex "subject" "win" { fileinto "case-insensitive"; }
