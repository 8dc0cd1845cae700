require "reject";
if header :contains "subject" "WIN" {
    reject text:
Your message was refused.
..dot-stuffed line
Bye.
.
;
}
