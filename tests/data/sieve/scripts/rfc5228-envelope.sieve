require ["envelope", "fileinto"];
if envelope :all :is "from" "alice@example.com" { fileinto "env-alice"; }
elsif envelope :domain :is "from" "lists.example.org" { fileinto "env-lists"; }
elsif envelope :localpart :matches "to" "me*" { fileinto "env-me"; }
