require ["fileinto", "variables"];
# raw UTF-8 in a header (RFC 6532 style) and an empty group in Cc
if header :contains "X-Raw" "Köln" { fileinto "raw-utf8"; }
if header :contains "X-Keywords" "Grüße" { fileinto "encoded-keyword"; }
if address :all :is "cc" "" { fileinto "empty-group-address"; }
if exists "cc" { if not address :contains "cc" "@" { fileinto "cc-without-address"; } }
if header :matches "cc" "*:;" { fileinto "group-syntax"; }
