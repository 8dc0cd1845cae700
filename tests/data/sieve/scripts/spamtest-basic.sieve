require ["spamtest", "relational", "comparator-i;ascii-numeric", "fileinto"];
# RFC 5235 section 5 example
if spamtest :value "ge" :comparator "i;ascii-numeric" "6" { fileinto "Junk"; }
elsif spamtest :value "eq" :comparator "i;ascii-numeric" "0" { fileinto "untested"; }
