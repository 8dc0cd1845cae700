# expect-line: 4
require "fileinto";
if true {
  vacation "no require";
}
