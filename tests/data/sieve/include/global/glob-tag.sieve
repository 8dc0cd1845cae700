require ["include", "variables", "fileinto"];
global "tag";
fileinto "tagged-${tag}";
set "tag" "changed";
