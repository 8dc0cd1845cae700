require ["variables", "fileinto", "relational", "comparator-i;ascii-numeric", "imap4flags"];
# RFC 5229 3.2: the match variables come from the value that matched,
# the first one in header order
if header :matches "x-tag" "s*" { fileinto "tag-${1}"; }
if address :localpart :matches ["to", "cc"] "*r*" { fileinto "local-${1}-${2}"; }
if header :matches ["subject", "from"] "*a*" { fileinto "first-list-${1}"; }
set "list" "a b c";
if string :count "eq" :comparator "i;ascii-numeric" ["${list}", "", "x"] "2" { fileinto "count-nonempty"; }
if hasflag :count "eq" :comparator "i;ascii-numeric" "0" { fileinto "no-flags"; }
