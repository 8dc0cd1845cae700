require ["date", "variables", "fileinto"];
# RFC 5322 4.3 obsolete zones ("EST" is -0500) and 2-digit years, and a
# time without seconds: still dates (RFC 5260 2.4: the Date syntax)
if date :zone "+0000" :matches "resent-date" "iso8601" "*" { fileinto "resent-${1}"; }
if date :originalzone :matches "resent-date" "zone" "*" { fileinto "resent-zone-${1}"; }
if date :zone "+0000" :matches "date" "second" "*" { fileinto "second-${1}"; }
