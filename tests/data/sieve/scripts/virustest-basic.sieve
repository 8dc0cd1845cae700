require ["virustest", "relational", "comparator-i;ascii-numeric", "fileinto"];
if virustest :value "eq" :comparator "i;ascii-numeric" "5" { discard; stop; }
if virustest :value "eq" :comparator "i;ascii-numeric" "1" { fileinto "clean"; }
if virustest :value "eq" :comparator "i;ascii-numeric" "0" { fileinto "not-scanned"; }
