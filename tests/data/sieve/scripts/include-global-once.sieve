require ["include", "variables"];
global "tag";
set "tag" "vip";
include :global "glob-tag";
include :global :once "glob-once";
include :global :once "glob-once";
