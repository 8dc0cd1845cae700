# expect-line: 3
require ["vacation"];
vacation :from "no address here" :addresses ["me@example.net"] "away";
