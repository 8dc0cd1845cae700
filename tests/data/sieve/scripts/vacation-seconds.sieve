require ["vacation-seconds"];
vacation :seconds 3600 :handle "short-absence" "Back in an hour.";
