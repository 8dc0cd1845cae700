require ["variables", "fileinto"];
# RFC 5229 3.2: match variables change only when a :matches succeeds
if header :matches "subject" "*" { set "s" "${1}"; }
if header :matches "from" "nomatch-*" { fileinto "never"; }
fileinto "kept-${1}";
if anyof (header :matches "x-nothing" "*", address :matches :domain "from" "*.*") {
    fileinto "anyof-${1}-${2}";
}
if not header :matches "subject" "zzz*" { fileinto "not-${1}"; }
