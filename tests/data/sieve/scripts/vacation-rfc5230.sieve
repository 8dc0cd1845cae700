require ["vacation", "fileinto"];
# RFC 5230 section 4.7 / 7 style
if header :contains "subject" "cyrus" {
    vacation "I'm out -- send mail to cyrus-bugs";
} else {
    vacation :days 23 :addresses ["me@example.net", "jörg@example.net"]
             :subject "Gone fishing" "I'm out -- call me at +1 304 555 0123";
}
