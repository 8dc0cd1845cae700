require ["variables", "vacation"];
# RFC 5229 section 3 example: variables inside a multi-line string
set "honorific"  "Mr";
set "first_name" "Wile";
set "last_name"  "Coyote";
set "vacation" text:
Dear ${HONORIFIC} ${last_name},
I'm out, please leave a message after the meep.
.
;
if header :matches "subject" "*" { set "subj" "${1}"; }
vacation :subject "Re: ${subj}" :handle "meep" "${vacation}";
