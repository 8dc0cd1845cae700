require ["imap4flags", "fileinto"];
# RFC 5232 example 1 style
if header :contains "from" "boss@example.com" {
    setflag "\\Flagged";
    fileinto "From Boss";
}
if header :contains "subject" ["meeting", "planning"] {
    addflag ["\\Answered", "$Work"];
}
removeflag "\\Answered";
keep;
