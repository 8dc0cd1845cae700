require ["subaddress", "variables", "fileinto"];
if address :detail :matches "to" "*" { fileinto "detail/${1}"; }
