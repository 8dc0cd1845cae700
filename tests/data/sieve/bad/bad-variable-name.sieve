# expect-line: 4
require ["variables"];
set "a" "b";
set "1bad" "c";
