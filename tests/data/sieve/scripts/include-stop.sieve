require ["include", "fileinto"];
# RFC 6609 3.2: stop in an included script ends everything; return only it
include :personal "inc-return";
fileinto "after-return";
if header :contains "subject" "sale" { stop; }
include :personal "inc-stop";
fileinto "never-after-stop";
