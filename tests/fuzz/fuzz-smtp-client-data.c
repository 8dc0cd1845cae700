/* fuzz-smtp-client-data.c - libFuzzer: dot-stuffing never lets message
 * bytes end the DATA early, whatever the chunking; every line ends CRLF */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "relay/smtp-client-data.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smtp_dot d;
	struct smtp_scan sc;
	struct buf out = BUF_INIT;
	size_t chunk = size ? (size_t)data[0] % 7 + 1 : 1;
	const unsigned char *end;

	smtp_dot_init(&d);
	smtp_scan_init(&sc);
	for (size_t i = 0; i < size; i += chunk) {
		size_t n = size - i < chunk ? size - i : chunk;

		smtp_dot_stuff(&d, data + i, n, &out);
		smtp_scan_feed(&sc, data + i, n);
	}
	smtp_dot_end(&d, &out);
	/* the only "CRLF . CRLF" is the terminator at the very end */
	end = memmem(out.data, out.len, "\r\n.\r\n", 5);
	if (out.len == 3) {
		if (memcmp(out.data, ".\r\n", 3) != 0)
			__builtin_trap();
	} else if (end == NULL || (size_t)(end - out.data) != out.len - 5) {
		__builtin_trap();
	}
	if (out.len >= 3 && out.data[0] == '.' && out.len != 3 &&
	    out.data[1] != '.')
		__builtin_trap();
	/* no bare CR or LF */
	for (size_t i = 0; i < out.len; i++) {
		if (out.data[i] == '\n' && (i == 0 || out.data[i - 1] != '\r'))
			__builtin_trap();
		if (out.data[i] == '\r' &&
		    (i + 1 >= out.len || out.data[i + 1] != '\n'))
			__builtin_trap();
	}
	buf_free(&out);
	return 0;
}
