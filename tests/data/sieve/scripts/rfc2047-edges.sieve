require ["fileinto", "variables"];
# RFC 2047 6.2/6.3: a word that does not decode is shown as written;
# white space between two adjacent encoded words is dropped
if header :matches "x-broken" "*" { fileinto "broken-${1}"; }
if header :matches "x-unknown-charset" "*" { fileinto "charset-${1}"; }
if header :matches "x-adjacent" "*" { fileinto "adjacent-${1}"; }
