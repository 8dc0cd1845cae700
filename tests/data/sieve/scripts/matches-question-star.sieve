require "fileinto";
# RFC 5228 2.7.1: "?" matches exactly one character, "*" zero or more;
# "?eeting*" matches "Meeting tomorrow" and nothing without "eeting" at
# the second character
if header :matches "subject" "?eeting*" { fileinto "q-meetings"; }
if header :matches "subject" "?x*" { fileinto "q-x"; }
if header :matches "subject" "?eeting" { fileinto "q-exact"; }
