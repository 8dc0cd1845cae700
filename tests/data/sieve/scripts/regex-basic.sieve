require ["regex", "variables", "fileinto"];
if header :regex "subject" "^\\[([a-z]+)\\] (.*)$" { fileinto "re-${1}"; }
if address :regex :domain "from" "^example\\.(com|org)$" { fileinto "re-domain-${1}"; }
if header :regex "subject" "order [0-9]{5}" { fileinto "re-order"; }
