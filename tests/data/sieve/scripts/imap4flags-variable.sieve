require ["imap4flags", "variables", "fileinto"];
set "myflags" "";
addflag "myflags" "\\Seen Custom1";
addflag "myflags" "\\Seen";
if hasflag :contains "myflags" "Custom" { addflag "myflags" "HasCustom"; }
if hasflag "myflags" "\\seen" { fileinto :flags "${myflags}" "Flagged-in"; }
keep :flags "\\Deleted";
