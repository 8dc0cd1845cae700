require ["variables", "fileinto"];
if header :matches "subject" "*\\?*" { fileinto "literal-question"; }
if header :matches "subject" "Meeting?tomorrow" { fileinto "q-matches-space"; }
if header :matches "subject" "***tomorrow" { fileinto "stars"; }
if header :matches "subject" "*o*o*" { fileinto "${1}|${2}|${3}"; }
