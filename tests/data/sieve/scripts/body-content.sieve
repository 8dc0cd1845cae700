require ["body", "fileinto"];
if body :content "text/html" :contains "secret-html-word" { fileinto "html-part"; }
if body :content "text" :contains "signed" { fileinto "text-any"; }
if body :content "application/pdf" :contains "PDF" { fileinto "pdf"; }
if body :content "multipart" :contains "forwarded" { fileinto "multipart-prologue"; }
