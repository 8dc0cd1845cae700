# expect-line: 2
if header :is "subject" {
  keep;
}
