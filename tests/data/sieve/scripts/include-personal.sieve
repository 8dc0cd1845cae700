require ["include"];
include :personal "inc-spam";
include "inc-lists";
keep;
