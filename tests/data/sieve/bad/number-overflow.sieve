# expect-line: 3
require "fileinto";
if size :over 99999999999999999999G { discard; }
