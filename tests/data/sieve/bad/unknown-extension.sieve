# expect-line: 2
require ["fileinto", "x-no-such-extension"];
fileinto "x";
