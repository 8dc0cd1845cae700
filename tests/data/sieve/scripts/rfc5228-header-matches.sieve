require "fileinto";
if header :matches "Subject" "*[dev]*" { fileinto "wrong-not-glob-class"; }
if header :matches "Subject" "[dev] *" { fileinto "dev"; }
if header :matches "subject" "*\\*" { fileinto "backslash-star"; }
