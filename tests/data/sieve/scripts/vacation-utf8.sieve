require ["vacation", "variables"];
# RFC 5230 4.5: :subject and the reason are UTF-8; the subject of the
# reply is made from the decoded original subject
if header :matches "subject" "*" { set "s" "${1}"; }
vacation :subject "Abwesend: ${s} — zurück am Montag" :from "Jörg <me@example.net>" :handle "utf8"
    "Ich bin bis Montag nicht im Büro.";
