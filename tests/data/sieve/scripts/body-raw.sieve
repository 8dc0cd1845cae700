require ["body", "fileinto"];
if body :raw :contains "M=FCnchen" { fileinto "raw-qp"; }
if body :raw :contains "--outer" { fileinto "raw-boundary"; }
