require "copy";
# RFC 5228 4.4/2.10.2: discard only cancels the implicit keep; an
# explicit keep after it still keeps, and a :copy redirect keeps nothing
discard;
if header :contains "subject" "e" { keep; }
redirect :copy "copy@example.org";
discard;
