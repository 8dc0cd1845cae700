require ["date", "relational", "fileinto"];
if currentdate :value "ge" "year" "2020" { fileinto "after-2020"; }
if currentdate :value "lt" "date" "2200-01-01" { fileinto "before-2200"; }
if currentdate :zone "+0000" :matches "zone" "*" { fileinto "zone-given"; }
