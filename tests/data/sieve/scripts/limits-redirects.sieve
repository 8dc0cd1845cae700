require ["variables", "copy"];
# five redirects pass the limit of four (both sides configured so) for
# messages with a Cc; an address made at run time must still be valid
redirect :copy "one@example.org";
redirect :copy "two@example.org";
redirect :copy "three@example.org";
if exists "cc" {
    redirect :copy "four@example.org";
    redirect :copy "five@example.org";
}
if header :matches "subject" "Your order *" { set "a" "not an address ${1}"; redirect "${a}"; }
