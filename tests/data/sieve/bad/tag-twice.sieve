# expect-line: 3
require ["copy", "fileinto"];
fileinto :copy :copy "x";
