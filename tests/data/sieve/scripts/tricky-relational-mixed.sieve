require ["relational", "comparator-i;ascii-numeric", "variables", "fileinto"];
if header :count "ne" :comparator "i;ascii-numeric" "received" "1" { fileinto "received-not-1"; }
if header :value "ne" "subject" "Meeting tomorrow" { fileinto "subject-ne"; }
if address :count "ge" :comparator "i;ascii-numeric" "from" "2" { fileinto "two-from"; }
if address :all :is "from" "ALICE@EXAMPLE.COM" { fileinto "casemap-address"; }
if header :matches :comparator "i;octet" "subject" "meeting*" { fileinto "octet-matches-lower"; }
if string :matches ["${nothing}", "abc"] "a?c" { fileinto "string-list"; }
if header :value "lt" :comparator "i;ascii-numeric" "x-spam-score" "5" { fileinto "score-lt-5"; }
