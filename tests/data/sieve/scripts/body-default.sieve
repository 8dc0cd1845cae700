require ["body", "fileinto"];
if body :contains "München" { fileinto "decoded-latin1"; }
if body :contains ["parser", "report"] { fileinto "words"; }
if body :matches "*diploma*" { fileinto "diploma"; }
