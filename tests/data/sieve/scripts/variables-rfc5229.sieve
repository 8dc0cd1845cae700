require ["variables", "fileinto"];
# RFC 5229 section 3 and 4 examples
if header :matches "List-ID" "*<*@*" {
    fileinto "INBOX/lists/${2}"; stop;
}
if header :matches "Subject" "[*] *" {
    fileinto "INBOX/lists/${1}"; stop;
}
if address :matches ["To", "Cc"] ["coyote@**.com", "wile@**.com"] {
    fileinto "INBOX/business/${2}"; stop;
}
