require ["date","relational","vacation"];
# rule:[Out of office]
if allof (currentdate :value "ge" "date" "2020-01-01", currentdate :value "le" "date" "2199-12-31")
{
	vacation :days 7 :addresses "me@example.net" :subject "Out of office" :from "me@example.net" "I am out of the office until further notice.";
}
