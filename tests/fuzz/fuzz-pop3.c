/* fuzz-pop3.c - libFuzzer harness for the POP3 parsers: command lines
 * (pop3-parse.c) and the RETR/TOP writer (pop3-dot.c).
 *
 * The first byte picks the chunk size used to feed the writer and a TOP
 * line count; the rest is split into lines for the command parser and
 * fed whole to the writer. Checks: the writer's output is the same
 * whatever the chunking, every LF in it follows a CR, no line starts with
 * a single '.', and the counted size matches the bytes sent. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pop3/pop3-dot.h"
#include "pop3/pop3-parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_writer(const uint8_t *p, size_t len, size_t step, const uint64_t *top)
{
	struct buf a = BUF_INIT, b = BUF_INIT;
	struct pop3_dot d1, d2, d3;
	size_t off, i, dots = 0;

	pop3_dot_init(&d1, top);
	pop3_dot_feed(&d1, p, len, &a);
	pop3_dot_finish(&d1, &a);
	pop3_dot_init(&d2, top);
	for (off = 0; off < len; off += step)
		pop3_dot_feed(&d2, p + off, len - off < step ? len - off : step, &b);
	pop3_dot_finish(&d2, &b);
	if (a.len != b.len || memcmp(a.data, b.data, a.len) != 0)
		abort();
	if (d1.octets != d2.octets)
		abort();
	if (a.len < 3 || memcmp(a.data + a.len - 3, ".\r\n", 3) != 0)
		abort();
	for (i = 0; i < a.len; i++) {
		if (a.data[i] == '\n' && (i == 0 || a.data[i - 1] != '\r'))
			abort();
		if ((i == 0 || a.data[i - 1] == '\n') && a.data[i] == '.') {
			if (i + 3 == a.len)
				break;		/* the terminator */
			if (i + 1 >= a.len || a.data[i + 1] != '.')
				abort();
			dots++;
		}
	}
	if (top == NULL) {
		if (d1.octets != a.len - 3 - dots)
			abort();
		pop3_dot_init(&d3, NULL);
		pop3_dot_feed(&d3, p, len, NULL);
		pop3_dot_finish(&d3, NULL);
		if (d3.octets != d1.octets)
			abort();
	}
	buf_free(&a);
	buf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p, *end;
	uint64_t top;
	size_t step;

	if (size == 0)
		return 0;
	step = (size_t)(data[0] & 0x1f) + 1;
	top = data[0] >> 5;
	data++;
	size--;

	p = data;
	end = data + size;
	while (p < end) {
		const uint8_t *lf = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((lf ? lf : end) - p);
		struct pop3_command cmd;
		uint32_t msgno;
		uint64_t lines;

		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (pop3_parse_command((struct slice){ p, n }, &cmd) ==
		    POP3_PARSE_OK) {
			if (cmd.nargs > POP3_MAX_ARGS || cmd.def == NULL)
				abort();
			if (cmd.nargs > 0) {
				pop3_parse_msgno(cmd.args[0], 1000, &msgno);
				pop3_parse_lines(cmd.args[0], &lines);
			}
		}
		p = lf ? lf + 1 : end;
	}
	fuzz_writer(data, size, step, NULL);
	fuzz_writer(data, size, step, &top);
	return 0;
}
