/* fuzz-smtp-client-reply.c - libFuzzer: SMTP client reply and EHLO parser */
#include <stddef.h>
#include <stdint.h>

#include "relay/smtp-client-reply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smtp_reply r;
	struct smtp_ehlo e;
	struct buf out = BUF_INIT;
	size_t pos = 0, used;

	smtp_reply_init(&r);
	/* a stream of replies, as a client reads them */
	while (pos < size &&
	       smtp_reply_parse(data + pos, size - pos, &r, &used) ==
	       SMTP_REPLY_OK) {
		if (used == 0 || used > size - pos)
			__builtin_trap();
		smtp_ehlo_parse(&r, &e);
		smtp_reply_format(&r, &out);
		buf_reset(&out);
		pos += used;
	}
	buf_free(&out);
	smtp_reply_free(&r);
	return 0;
}
