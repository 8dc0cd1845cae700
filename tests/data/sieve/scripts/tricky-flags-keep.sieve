require ["imap4flags"];
addflag "\\Seen";
keep;
removeflag "\\Seen";
addflag "\\Flagged";
