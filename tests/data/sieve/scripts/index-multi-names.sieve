require ["index", "variables", "fileinto"];
# RFC 5260 6: :index counts the named fields; with several names the
# fields of the first name come first, then the next name's (Pigeonhole)
if header :index 2 :matches ["x-priority", "x-tag"] "*" { fileinto "second-${1}"; }
if header :index 1 :last :matches ["x-tag", "x-count"] "*" { fileinto "last-${1}"; }
if header :index 3 :matches "received" "*" { fileinto "received3-${1}"; }
if header :matches "received" "*by hop3*" { fileinto "tab-folded-${1}"; }
