if header :contains "subject" "sale" { discard; stop; }
if header :contains "from" "alice" { keep; stop; }
discard;
