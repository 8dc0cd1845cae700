require ["fileinto", "comparator-i;ascii-numeric"];
if header :is :comparator "i;octet" "subject" "meeting tomorrow" { fileinto "octet-wrong"; }
if header :is :comparator "i;ascii-casemap" "subject" "MEETING TOMORROW" { fileinto "casemap"; }
if header :is :comparator "i;ascii-numeric" "X-Count" "042" { fileinto "numeric"; }
