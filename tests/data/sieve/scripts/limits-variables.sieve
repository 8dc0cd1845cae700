require ["variables", "fileinto"];
# RFC 5229 5: at least 4000 octets a variable; both sides keep 4096 and
# cut longer values
if header :matches "x-long" "*" { set "l" "${1}"; }
set "big" "${l}${l}${l}${l}${l}";
set :length "n" "${big}";
if string :is "${n}" "0" { fileinto "no-x-long"; } else { fileinto "len-${n}"; }
