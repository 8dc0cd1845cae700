require ["encoded-character", "fileinto"];
if header :contains "subject" "${hex:4d 65 65 74}" { fileinto "${unicode:4d}eetings"; }
if header :contains "subject" "${unicode:00fc}r" { fileinto "umlaut-${hex:21}"; }
