require ["date", "variables", "fileinto"];
if date :zone "-0500" :matches "date" "iso8601" "*" { fileinto "iso-${1}"; }
if date :originalzone :matches "date" "zone" "*" { fileinto "zone-${1}"; }
if date :zone "+0530" :matches "date" "time" "*" { fileinto "time-${1}"; }
