if header :contains "subject" ["meeting", "planning"] {
    redirect "assistant@example.org";
}
if address :is "from" "carol@example.com" {
    redirect "accounting@example.org";
    keep;
}
