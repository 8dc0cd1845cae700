require ["body","copy","fileinto","imap4flags","relational","comparator-i;ascii-numeric"];
# rule:[Work]
if allof (header :contains "subject" "report", address :is "from" "alice@example.com")
{
	fileinto "Work";
	addflag "\\Flagged";
	stop;
}
# rule:[lists]
if anyof (header :contains "list-id" "dev.lists", header :contains "precedence" "list")
{
	fileinto :copy "Lists";
}
# rule:[big]
if size :over 100K
{
	fileinto "Big";
}
# rule:[disabled]
if false # header :contains "subject" "x"
{
	discard;
}
# rule:[score]
if header :value "ge" :comparator "i;ascii-numeric" "x-spam-score" "10"
{
	setflag "\\Seen";
	fileinto "Junk";
	stop;
}
