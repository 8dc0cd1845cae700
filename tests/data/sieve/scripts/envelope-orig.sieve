require ["envelope", "subaddress", "fileinto"];
if envelope :detail "to" "orders" { fileinto "Orders"; }
if envelope :user "to" "me" { fileinto "user-me"; }
