require "fileinto";
if header :contains "subject" ["invoice", "order"] { fileinto "Finance"; }
else { fileinto "INBOX/Other"; }
