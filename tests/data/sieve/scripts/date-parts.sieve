require ["date", "variables", "fileinto"];
if date :zone "+0000" :matches "date" "julian" "*" { set "j" "${1}"; }
if date :zone "+0000" :matches "date" "std11" "*" { set "s" "${1}"; }
if date :zone "+0000" :matches "date" "month" "*" { set "m" "${1}"; }
if date :zone "+0000" :matches "date" "day" "*" { set "d" "${1}"; }
if date :zone "+0000" :matches "date" "minute" "*" { set "mi" "${1}"; }
if date :zone "+0000" :matches "date" "second" "*" { set "se" "${1}"; }
fileinto "j${j}-m${m}-d${d}-${mi}${se}";
fileinto "std11 ${s}";
