require "reject";
if header :contains "from" "spam.example" { reject "Go away."; }
