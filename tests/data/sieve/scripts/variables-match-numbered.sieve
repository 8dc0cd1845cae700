require ["variables", "fileinto"];
if header :matches "subject" "*order * has*" {
    fileinto "order-${2}";
}
if address :matches "from" "*@*" { fileinto "dom-${2}-user-${1}-${3}"; }
if header :matches "from" "*" { set "f" "${0}"; }
if string :matches "${f}" "Shop*" { fileinto "shop"; }
