require ["envelope", "subaddress", "fileinto"];
# RFC 5233 section 4 example
if envelope :user "to" "me" {
    if envelope :detail "to" "orders" { fileinto "orders"; }
    elsif envelope :detail "to" "" { fileinto "empty-detail"; }
}
if address :detail "to" "orders" { fileinto "hdr-orders"; }
if address :user "to" "me" { fileinto "hdr-user-me"; }
