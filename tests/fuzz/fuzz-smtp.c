/* fuzz-smtp.c - libFuzzer harness for the SMTP server's parsers: the
 * command splitter, RFC 5321 paths (with and without SMTPUTF8), ESMTP
 * parameters, xtext, and the DATA/BDAT receivers.
 *
 * Byte 0 picks the chunk size and limits. Checks: the DATA receiver
 * gives the same result (end position, errors, and the output when no
 * error is set) whatever the chunking; its output never holds a bare CR or LF when no error is
 * set; a path that parses has a NUL-terminated address with the domain
 * inside it; BDAT consumes exactly the chunk; the header watcher finds
 * the same end and fields whatever the chunking. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smtp/smtp-addr.h"
#include "smtp/smtp-cmd.h"
#include "smtp/smtp-data.h"
#include "smtp/smtp-header.h"
#include "smtp/smtp-param.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_line(struct slice line)
{
	struct smtp_cmd cmd;
	struct smtp_path path;
	struct smtp_mail_params mp;
	struct smtp_rcpt_params rp;
	struct slice rest, args;

	if (!smtp_cmd_parse(line, &cmd))
		return;
	args = cmd.args;
	(void)smtp_cmd_strip_prefix(args, "FROM:", &args);
	for (int utf8 = 0; utf8 < 2; utf8++) {
		if (smtp_addr_parse_path(args, true, utf8, &path, &rest) !=
		    SMTP_ADDR_OK)
			continue;
		if (strlen(path.addr) > SMTP_ADDR_MAX ||
		    path.domain < path.addr ||
		    path.domain > path.addr + strlen(path.addr))
			abort();
		(void)smtp_param_mail(rest, true, &mp);
		(void)smtp_param_rcpt(rest, true, &rp);
	}
	(void)smtp_xtext_decode(args, NULL);
	(void)smtp_addr_valid_domain(args, true);
	(void)smtp_addr_valid_literal(args);
}

static bool
run_data(const uint8_t *p, size_t len, size_t chunk, uint64_t max,
	 size_t max_line, struct buf *out, size_t *end, unsigned *errors)
{
	struct smtp_data d;
	size_t off = 0, used;
	bool done = false;

	smtp_data_init(&d, max, max_line);
	while (off < len && !done) {
		size_t n = len - off < chunk ? len - off : chunk;

		done = smtp_data_feed(&d, p + off, n, out, &used);
		if (used > n || (!done && used != n))
			abort();
		off += used;
	}
	*end = off;
	*errors = d.errors;
	return done;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf a = BUF_INIT, b = BUF_INIT;
	size_t end_a, end_b, chunk, max_line;
	unsigned err_a, err_b;
	uint64_t max;
	bool done_a, done_b;

	if (size < 1)
		return 0;
	chunk = (data[0] & 0x0f) + 1;
	max = (data[0] & 0x10) ? 64 : 0;
	max_line = (data[0] & 0x20) ? 16 : 0;
	data++;
	size--;

	/* every line of the input as a command */
	for (size_t start = 0, i = 0; i <= size; i++) {
		if (i == size || data[i] == '\n') {
			fuzz_line((struct slice){ data + start, i - start });
			start = i + 1;
		}
	}

	done_a = run_data(data, size, size ? size : 1, max, max_line, &a,
			  &end_a, &err_a);
	done_b = run_data(data, size, chunk, max, max_line, &b, &end_b, &err_b);
	if (done_a != done_b || end_a != end_b || err_a != err_b)
		abort();
	/* after an error the output is cut where it happened: unused */
	if (err_a == 0 && (a.len != b.len ||
			   (a.len && memcmp(a.data, b.data, a.len) != 0)))
		abort();
	if (err_a == 0) {
		for (size_t i = 0; i < a.len; i++) {
			if (a.data[i] == '\r' && (i + 1 == a.len || a.data[i + 1] != '\n'))
				abort();
			if (a.data[i] == '\n' && (i == 0 || a.data[i - 1] != '\r'))
				abort();
		}
	}

	/* the header watcher over the message, whole and chunked */
	{
		struct smtp_header h1, h2;
		ptrdiff_t e1, e2 = -1;

		smtp_header_init(&h1);
		smtp_header_init(&h2);
		e1 = smtp_header_scan(&h1, data, size);
		for (size_t off = 0; off < size; off += chunk) {
			size_t n = size - off < chunk ? size - off : chunk;
			ptrdiff_t r = smtp_header_scan(&h2, data + off, n);

			if (r >= 0 && e2 < 0)
				e2 = (ptrdiff_t)off + r;
		}
		if (e1 != e2 || h1.seen != h2.seen ||
		    smtp_header_done(&h1) != smtp_header_done(&h2))
			abort();
		for (int i = 0; i < SMTP_HDR_ADDR_N; i++)
			if (h1.addr[i].len != h2.addr[i].len ||
			    h1.addr[i].over != h2.addr[i].over ||
			    memcmp(h1.addr[i].v, h2.addr[i].v, h1.addr[i].len))
				abort();
	}

	/* BDAT: the input as one chunk of half its size, fed in pieces */
	{
		struct smtp_data d;
		struct buf o = BUF_INIT;
		size_t off = 0, used, want = size / 2;

		smtp_data_init(&d, max, max_line);
		smtp_bdat_chunk(&d, want);
		while (off < size) {
			size_t n = size - off < chunk ? size - off : chunk;
			bool done = smtp_bdat_feed(&d, data + off, n, &o, &used);

			off += used;
			if (done)
				break;
		}
		if (off != want && off != size)
			abort();
		smtp_bdat_finish(&d);
		if (d.errors == 0 && o.len != want)
			abort();
		buf_free(&o);
	}
	buf_free(&a);
	buf_free(&b);
	return 0;
}
