# sieve-bench.sieve - the "typical" per-user script of bench/sieve-bench.py:
# 20 rules of header, address, envelope and size tests, fileinto (with
# :create, as a client's generated folders need), flags, and a vacation
# that never fires (its header is in no bench message). Both servers
# run this same file for every user.
require ["fileinto", "mailbox", "imap4flags", "envelope", "subaddress",
         "relational", "comparator-i;ascii-numeric", "vacation"];

# 1. the spam filter's verdict (rspamd adds X-Spam: Yes)
if header :is "X-Spam" "Yes" { fileinto :create "Junk"; stop; }
# 2. out-of-office, on only when the user says so
if header :contains "X-Bench-Vacation" "on" {
  vacation :days 7 :subject "Away" "I am away until Monday.";
}
# 3-5. mailing lists, by List-Id
if exists "List-Id" {
  if header :contains "List-Id" "news.example.org" { fileinto :create "Lists/News"; stop; }
  if header :contains "List-Id" "dev.example.org" { fileinto :create "Lists/Dev"; stop; }
  fileinto :create "Lists"; stop;
}
# 6. very large mail
if size :over 10M { fileinto :create "Large"; stop; }
# 7. work mail, flagged
if address :is :domain "from" "work.example" {
  addflag "\\Flagged";
  fileinto :create "Work";
}
# 8. people who matter
if address :is "from" ["boss@corp.example", "ceo@corp.example"] { addflag "\\Flagged"; }
# 9. invoices
if header :matches "subject" ["*invoice*", "*receipt*"] { fileinto :create "Invoices"; stop; }
# 10. plus-addressing
if envelope :detail "to" "shop" { fileinto :create "Shopping"; stop; }
# 11. social networks
if address :domain :is "from" ["facebook.com", "twitter.com", "linkedin.com"] {
  fileinto :create "Social"; stop;
}
# 12. promotions
if header :contains "subject" ["newsletter", "% off", "sale ends"] { fileinto :create "Promotions"; stop; }
# 13. bulk mail
if anyof (header :is "Precedence" ["bulk", "list"], header :contains "X-Mailer" "MassMailer") {
  fileinto :create "Bulk"; stop;
}
# 14. urgent mail flagged
if header :value "le" :comparator "i;ascii-numeric" "X-Priority" "2" { addflag "\\Flagged"; }
# 15. notifications from a code host
if address :is "from" "notifications@git.example" { fileinto :create "Git"; stop; }
# 16. calendar invitations
if header :contains "content-type" "text/calendar" { fileinto :create "Calendar"; }
# 17. mail to the team alias
if address :is ["to", "cc"] "team@corp.example" { fileinto :create "Team"; }
# 18. a sender the user never wants to read
if address :is "from" "pest@annoying.example" { discard; stop; }
# 19. many recipients: probably not personal
if address :count "ge" :comparator "i;ascii-numeric" ["to", "cc"] "10" { addflag "Crowd"; }
# 20. read receipts auto-read
if header :contains "subject" "Read:" { addflag "\\Seen"; }
