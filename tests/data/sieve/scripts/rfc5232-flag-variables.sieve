require ["imap4flags", "variables", "fileinto"];
# RFC 5232 section 6 example (sizes and addresses fitted to the corpus)
if size :over 50K {
    addflag "MyFlags" "Big";
    if header :is "From" "kate@example.com" {
        # marked "\Flagged Big" when filed into "Big messages"
        addflag "MyFlags" "\\Flagged";
    }
    fileinto :flags "${MyFlags}" "Big messages";
}
if header :contains "From" "example.org" {
    addflag "MyFlags" ["\\Answered", "$MDNSent"];
    fileinto :flags "${MyFlags}" "Org";
}
fileinto :flags "${MyFlags}" "Everything";
