# expect-line: 3
require ["encoded-character", "fileinto"];
fileinto "a${unicode:110000}b";
