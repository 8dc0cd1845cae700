require "vacation";
# the message To is not the recipient: only :addresses makes it eligible
vacation :addresses ["someone-else@example.org", "other@example.org"] :handle "alias" "Alias away.";
