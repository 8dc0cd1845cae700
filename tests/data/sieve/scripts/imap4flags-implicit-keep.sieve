require ["imap4flags", "fileinto", "copy"];
# RFC 5232 3/5: an action takes the flags current when it runs; the
# implicit keep takes those current at the end of the script
addflag "X-First";
fileinto :copy "Early";
addflag "X-Second";
if header :contains "subject" "e" { removeflag "X-First"; }
