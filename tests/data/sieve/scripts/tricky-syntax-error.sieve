require ["fileinto", "envelope"];
if envelope :comparator "i;octet" :is "from" "x" { fileinto "x"; }
if size :over 1K { fileinto "y" }
