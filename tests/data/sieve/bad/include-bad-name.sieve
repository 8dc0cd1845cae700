# expect-line: 3
require "include";
include :personal "../etc/passwd";
