# expect-line: 3
require "relational";
if header :value "like" "subject" "x" { discard; }
