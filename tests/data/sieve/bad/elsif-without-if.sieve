# expect-line: 3
require "fileinto";
elsif true { keep; }
