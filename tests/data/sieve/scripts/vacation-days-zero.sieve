require ["vacation", "vacation-seconds"];
# RFC 5230 4.1: the minimum :days is greater than 0, a site clamps;
# RFC 6131 2: :seconds 0 is allowed
if header :contains "subject" ["a", "e"] {
    vacation :days 0 :handle "zero-days" "Zero days.";
} else {
    vacation :seconds 0 :handle "zero-seconds" "Zero seconds.";
}
