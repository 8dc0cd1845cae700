require ["date", "index", "variables", "fileinto"];
# RFC 5260 section 7 example: the first (nearest) Received
if date :index 1 :zone "+0000" :matches "received" "hour" "*" { fileinto "first-received-${1}"; }
if header :index 2 :is "x-tag" "second" { fileinto "second-tag"; }
if header :index 1 :last :is "x-tag" "third" { fileinto "last-tag"; }
if address :index 2 :is "to" "second-to@example.org" { fileinto "second-to"; }
