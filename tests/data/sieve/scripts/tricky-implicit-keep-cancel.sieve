require ["fileinto", "copy"];
fileinto :copy "CopyOnly";
if true { redirect :copy "x@example.org"; }
