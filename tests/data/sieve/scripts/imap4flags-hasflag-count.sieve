require ["imap4flags", "relational", "comparator-i;ascii-numeric"];
setflag ["a", "b", "c b"];
if hasflag :count "eq" :comparator "i;ascii-numeric" "3" { addflag "three"; }
removeflag "b";
