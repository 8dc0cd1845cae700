# expect-line: 3
require ["vacation"];
vacation :days "seven" "away";
