require "fileinto";
fileinto "Work";
fileinto "Work";
keep;
keep;
