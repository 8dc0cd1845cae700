require "fileinto";
if allof (header :contains "from" "example.com", not header :contains "subject" "invoice",
          anyof (exists "Cc", size :over 10K)) {
    fileinto "a";
} elsif anyof (true, false) {
    fileinto "b";
}
