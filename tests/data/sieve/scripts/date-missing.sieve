require ["date", "fileinto"];
if date :matches "date" "date" "*" { fileinto "has-date"; }
if not date :matches "x-nodate" "date" "*" { fileinto "no-x-nodate"; }
if date :matches "received" "date" "*" { fileinto "received-date"; }
