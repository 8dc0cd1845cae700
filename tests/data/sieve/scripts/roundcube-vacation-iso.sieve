require ["date","fileinto","relational","vacation"];
# rule:[Vacation]
if allof (currentdate :value "ge" "iso8601" "2020-01-01T00:00:00Z", currentdate :value "le" "iso8601" "2199-01-01T00:00:00Z", not header :contains "X-Spam-Flag" "YES")
{
	vacation :days 1 :subject "Out of office" :addresses ["me@example.net","me+orders@example.net"] "I am on vacation.";
}
# rule:[junk]
if header :contains "x-spam-flag" "YES"
{
	fileinto "Junk";
	stop;
}
