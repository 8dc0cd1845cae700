require ["vacation", "fileinto", "imap4flags"];
if not exists "list-id" {
    vacation :days 2 :handle "v" "Away.";
}
fileinto :flags "\\Seen" "Archive";
