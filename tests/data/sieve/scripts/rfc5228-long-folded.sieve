require "fileinto";
if header :contains "subject" "on and on This is" { fileinto "unfolded"; }
if header :contains "references" "<ref-39@example.com>" { fileinto "refs"; }
if header :matches "X-Long" "x*x" { fileinto "xlong"; }
