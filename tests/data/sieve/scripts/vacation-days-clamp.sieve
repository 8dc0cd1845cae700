require "vacation";
vacation :days 365 :handle "long" "Sabbatical.";
