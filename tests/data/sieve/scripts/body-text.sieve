require ["body", "fileinto"];
if body :text :contains "invoice" { fileinto "body-invoice"; }
if body :text :contains "secret-html-word" { fileinto "html-in-text"; }
if body :text :contains "pineapple" { fileinto "nested-text"; }
