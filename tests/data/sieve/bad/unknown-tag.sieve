# expect-line: 3
require "fileinto";
fileinto :bogus "x";
