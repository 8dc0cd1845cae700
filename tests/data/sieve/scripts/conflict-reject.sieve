require ["reject", "fileinto", "vacation"];
# RFC 5429 2.1/2.2: reject cannot go with an action that delivers or
# answers: a runtime error, and the message is kept (RFC 5228 2.10.6)
if header :contains "subject" "meeting" { fileinto "Meetings"; }
if header :contains "subject" "report" { vacation :handle "r" "Away."; }
if not exists "list-id" { reject "Not from a list."; }
