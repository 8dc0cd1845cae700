require "vacation";
# RFC 5230 4.5: no reply to the user's own addresses, :addresses included
vacation :addresses ["alice@example.com", "me@example.net"] :handle "own" "Away.";
