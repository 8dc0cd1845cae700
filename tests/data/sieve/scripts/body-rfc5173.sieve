require ["body", "fileinto"];
# RFC 5173 section 6 style
if body :raw :contains "MAKE MONEY FAST" { discard; }
elsif body :text :contains ["missile", "coordinates"] { fileinto "secrets"; }
elsif body :content "text" :contains "Voilà" { fileinto "french"; }
