require ["include", "fileinto"];
if header :contains "subject" "Meeting" { fileinto "Returned"; return; }
fileinto "NotReturned";
