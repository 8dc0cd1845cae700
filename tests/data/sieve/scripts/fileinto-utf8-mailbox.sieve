require "fileinto";
fileinto "Rechnungen/März";
