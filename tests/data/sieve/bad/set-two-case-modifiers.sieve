# expect-line: 4
require ["variables"];
set "a" "b";
set :lower :upper "c" "d";
