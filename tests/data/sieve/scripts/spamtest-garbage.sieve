require ["spamtestplus", "relational", "comparator-i;ascii-numeric", "fileinto", "variables"];
# a score field that holds no number: untested (RFC 5235 3.2: spamtest
# "0", and no :percent value at all)
if spamtest :percent :matches "*" { fileinto "percent-${1}"; }
if spamtest :matches "*" { fileinto "score-${1}"; }
