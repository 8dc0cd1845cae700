require ["date", "variables", "fileinto", "index"];
# RFC 5260 2.4: a Date that does not parse matches nothing
if date :matches "x-bad-date" "year" "*" { fileinto "bad-date-${1}"; }
if date :matches "resent-date" "year" "*" { fileinto "resent-${1}"; }
if date :index 2 :matches "received" "date" "*" { fileinto "second-received-${1}"; }
if date :index 1 :last :matches "received" "date" "*" { fileinto "last-received-${1}"; }
