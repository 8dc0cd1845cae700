require ["relational", "comparator-i;ascii-numeric", "fileinto"];
# RFC 5231 section 6 examples
if header :value "lt" :comparator "i;ascii-numeric" "x-priority" "3" { fileinto "urgent"; }
if header :value "gt" :comparator "i;ascii-numeric" "x-spam-score" "10" { fileinto "very-spammy"; }
if header :value "ge" "subject" "T" { fileinto "subject-ge-T"; }
if address :value "gt" :all :comparator "i;ascii-casemap" "from" "m" { fileinto "from-after-m"; }
