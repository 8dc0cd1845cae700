require ["spamtestplus", "relational", "comparator-i;ascii-numeric", "fileinto"];
if spamtest :percent :value "gt" :comparator "i;ascii-numeric" "80" { fileinto "spam80"; }
elsif spamtest :percent :value "gt" :comparator "i;ascii-numeric" "0" { fileinto "some"; }
