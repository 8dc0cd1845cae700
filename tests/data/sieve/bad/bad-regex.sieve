# expect-line: 3
require ["regex"];
if header :regex "subject" "a(b" { discard; }
