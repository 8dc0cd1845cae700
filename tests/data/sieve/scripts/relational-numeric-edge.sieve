require ["relational", "comparator-i;ascii-numeric", "fileinto"];
if header :value "eq" :comparator "i;ascii-numeric" "subject" "" { fileinto "nonnumeric-equals-empty"; }
if header :value "gt" :comparator "i;ascii-numeric" "x-count" "abc" { fileinto "num-gt-positive-infinity"; }
if header :count "eq" :comparator "i;ascii-numeric" "X-Nonexistent" "0" { fileinto "zero-count"; }
