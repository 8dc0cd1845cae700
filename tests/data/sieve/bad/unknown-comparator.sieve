# expect-line: 3
require ["fileinto"];
if header :is :comparator "i;nonexistent" "subject" "x" { fileinto "x"; }
