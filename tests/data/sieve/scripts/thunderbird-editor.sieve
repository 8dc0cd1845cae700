require ["fileinto", "reject", "vacation", "imap4flags"];

# Thunderbird sieve add-on: graphical editor output, CRLF lines
if header :contains "Subject" "Spring sale"
{
  fileinto "INBOX.Newsletters";
  stop;
}

if anyof (address :domain :is "from" "spam.example", header :contains "X-Spam-Flag" "YES")
{
  setflag "\\Seen";
  fileinto "INBOX.Spam";
}
