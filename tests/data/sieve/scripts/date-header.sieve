require ["date", "relational", "fileinto"];
# RFC 5260 section 4 examples
if date :is "date" "weekday" "0" { fileinto "sunday"; }
if date :value "ge" :originalzone "date" "hour" "22" { fileinto "late-original"; }
if date :zone "+0000" :is "date" "date" "2026-03-15" { fileinto "utc-next-day"; }
if date :is "date" "year" "2026" { fileinto "y2026"; }
