require ["envelope", "subaddress", "variables", "fileinto"];
# RFC 5228 5.4: envelope "to" is the recipient of this delivery; the
# original recipient (RCPT TO before aliasing) is only what the server
# resolved it from
if envelope :matches "to" "*" { fileinto "env-to-${1}"; }
if envelope :detail :matches "to" "*" { fileinto "detail-${1}"; }
