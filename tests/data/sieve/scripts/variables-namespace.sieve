require ["variables", "fileinto"];
set "Name" "One";
set "name" "Two";
fileinto "${NAME}";
fileinto "${${name}}";
fileinto "${na${name}me}";
