# expect-line: 3
require ["encoded-character", "fileinto"];
fileinto "a${unicode:D800}b";
