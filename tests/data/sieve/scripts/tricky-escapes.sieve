require ["fileinto"];
if header :contains "subject" "\"" { fileinto "quote"; }
if header :is "subject" "Meeting tomorro\w" { fileinto "backslash-w-is-w"; }
fileinto "a\\b";
