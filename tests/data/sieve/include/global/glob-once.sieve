require ["include", "variables", "imap4flags"];
global "tag";
addflag "${tag}";
