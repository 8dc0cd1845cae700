require ["copy", "fileinto"];
# RFC 3894: keep a copy, redirect another
if header :contains "to" "me@example.net" {
    redirect :copy "archive@example.org";
    fileinto :copy "Copies";
}
