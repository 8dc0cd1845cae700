# expect-line: 2
require text:
fileinto
.
;
keep;
