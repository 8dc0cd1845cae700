require "vacation";
vacation :mime :handle "mime1" text:
Content-Type: text/plain; charset=utf-8

Ich bin nicht da.
.
;
