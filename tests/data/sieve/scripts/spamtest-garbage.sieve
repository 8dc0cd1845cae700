require ["spamtestplus", "relational", "comparator-i;ascii-numeric", "fileinto", "variables"];
# a score field that holds no number: untested (RFC 5235 3.1: 0)
if spamtest :percent :matches "*" { fileinto "percent-${1}"; }
if spamtest :matches "*" { fileinto "score-${1}"; }
