# expect-line: 4   (the string that never ends starts on line 4: the one on line 3 ends at the first quote of line 4)
require "fileinto";
if header :is "subject" "unterminated {
  fileinto "x";
}
