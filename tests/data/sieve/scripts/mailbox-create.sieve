require ["mailbox", "fileinto", "imap4flags"];
fileinto :create :flags "\\Seen" "New/Folder";
