require ["relational", "comparator-i;ascii-numeric", "fileinto"];
if header :count "ge" :comparator "i;ascii-numeric" "Received" "3" { fileinto "many-hops"; }
if address :count "eq" :comparator "i;ascii-numeric" ["to", "cc"] "6" { fileinto "six-addrs"; }
if header :count "gt" :comparator "i;ascii-numeric" "X-Tag" ["4", "2"] { fileinto "tags"; }
