require "fileinto";
if header :contains "subject" "für März" { fileinto "decoded-subject"; }
if address :is "from" "dieter@example.de" { fileinto "dieter"; }
if header :contains "from" "Müller" { fileinto "decoded-from"; }
if header :contains "to" "Jörg" { fileinto "latin1-name"; }
