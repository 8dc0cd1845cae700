require ["include"];
include :optional "does-not-exist";
include :personal "inc-return";
discard;
