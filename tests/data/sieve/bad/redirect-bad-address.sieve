# expect-line: 4
require ["vacation"];
if true {
  redirect "not an address";
}
