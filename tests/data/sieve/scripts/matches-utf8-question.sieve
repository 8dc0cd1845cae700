require ["fileinto", "variables"];
# "?" against a multi-octet UTF-8 character (the decoded Subject "für März")
if header :matches "subject" "*f?r M?rz*" { fileinto "q-one"; }
if header :matches "subject" "*f??r M??rz*" { fileinto "q-two"; }
if header :matches "subject" "Rechnung f*r *" { fileinto "star-${1}-${2}"; }
