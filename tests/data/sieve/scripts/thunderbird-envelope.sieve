require ["envelope", "fileinto", "copy"];

if envelope :domain :is "from" ["example.com", "example.org"]
{
  fileinto :copy "INBOX.Known";
}
else
{
  keep;
}
