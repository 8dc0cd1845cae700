require "fileinto";
if header :contains "subject" "x" {
    vacation "missing require";
}
