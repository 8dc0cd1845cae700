require "ereject";
if exists "X-Spam-Flag" { ereject "Spam is refused here."; }
