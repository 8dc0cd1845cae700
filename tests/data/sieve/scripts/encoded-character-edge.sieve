require ["encoded-character", "fileinto"];
# RFC 5228 2.4.2.4: an encoding that is not valid stays as written
fileinto "a${hex:zz}b";
fileinto "c${hex:}d";
fileinto "${hex: 41 42 }${unicode: 43 }";
fileinto "e${HEX:46}${Unicode:47}";
fileinto "h${hex:4}";
