require "fileinto";
if address :localpart :is "from" "alice" { fileinto "from-alice"; }
if address :domain :is "to" "EXAMPLE.NET" { fileinto "to-example-net"; }
if address :all :is "from" "erin@example.com" { fileinto "erin"; }
