# expect-line: 4
if true {
  keep;
  }}
