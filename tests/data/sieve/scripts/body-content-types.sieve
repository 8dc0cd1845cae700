require ["body", "fileinto"];
# RFC 5173 5.2: "" in the :content list is every part; a type without a
# subtype is every subtype; message/rfc822 tests the embedded header
if body :content "" :contains "Codeword" { fileinto "any-part"; }
if body :content "message/rfc822" :contains "oscar@example.org" { fileinto "embedded-header"; }
if body :content "text/plain" :contains "€ 250" { fileinto "qp-utf8-decoded"; }
if body :content "application" :contains "EICAR" { fileinto "base64-decoded"; }
if body :text :contains "Voilà le résumé" { fileinto "latin1-qp-html"; }
