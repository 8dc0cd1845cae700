# expect-line: 2
if header :is "subject" "x" { keep; } else { discard; } else { keep; }
