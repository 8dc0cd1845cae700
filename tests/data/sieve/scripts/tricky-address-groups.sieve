require "fileinto";
if address :all :contains "to" "grace" { fileinto "grace-in-quoted"; }
if address :localpart :is "to" "frank" { fileinto "frank"; }
if header :contains "to" "Grace, G." { fileinto "raw-group-name"; }
