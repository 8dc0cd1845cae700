require ["vacation", "variables"];
if header :matches "subject" "*" { set "s" "${1}"; }
vacation :from "Me <me@example.net>" :handle "h1" :subject "Re: ${s}" "I will reply later.";
