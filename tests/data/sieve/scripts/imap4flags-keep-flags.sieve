require ["imap4flags", "fileinto"];
# RFC 5232 5: :flags replaces the internal variable for that action only
addflag "\\Seen";
fileinto :flags "\\Flagged" "Flagged";
fileinto "Plain";
setflag "";
keep;
if header :contains "subject" "a" { addflag ["\\Answered", "\\Answered"]; fileinto "Twice"; }
