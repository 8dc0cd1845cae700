/* fuzz-imap-fetch-args.c - libFuzzer harness for the FETCH item parser
 * (fetch-parse.c): the input is the argument of "t FETCH 1 <input>",
 * read by the command parser (literals accepted) as a client sends it.
 * Checks: every section item has a label that names it, a depth within
 * FETCH_MAX_DEPTH and no zero part number, and is printable but for a
 * field name sent back as a literal; an error comes with a message. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "imap/imap-fetch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* the label goes into the response as is: no control characters
 * except in a whole literal (a field name sent back as an astring) */
static void
check_label(const char *p)
{
	while (*p) {
		if (*p == '{') {
			char *e;
			unsigned long long n = strtoull(p + 1, &e, 10);

			if (e != p + 1 && strncmp(e, "}\r\n", 3) == 0 &&
			    strlen(e + 3) >= n) {
				p = e + 3 + n;
				continue;
			}
		}
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			abort();
		p++;
	}
}

static void
check_items(const struct fetch_items *fi)
{
	for (size_t i = 0; i < fi->n; i++) {
		const struct fetch_item *it = &fi->v[i];

		if (it->kind != FETCH_SECTION && it->kind != FETCH_BINARY_SIZE)
			continue;
		if (it->label == NULL || it->label[0] == '\0' ||
		    it->depth > FETCH_MAX_DEPTH)
			abort();
		for (size_t d = 0; d < it->depth; d++)
			if (it->path[d] == 0)
				abort();
		check_label(it->label);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct imap_parser_limits lim = {
		.max_line = 8192, .max_literal = 1024, .max_args = 200,
		.max_depth = 16,
	};
	struct imap_parser *p = imap_parser_create(&lim);
	struct buf line = BUF_INIT;
	size_t pos = 0, used;
	enum imap_parse_result r;

	buf_append_str(&line, "t FETCH 1 ");
	buf_append(&line, data, size);
	buf_append_str(&line, "\r\n");
	for (unsigned turns = 0; turns < 1000 && pos < line.len; turns++) {
		r = imap_parser_feed(p, line.data + pos, line.len - pos, &used);
		pos += used;
		if (r == IMAP_PARSE_LITERAL) {
			(void)imap_parser_literal_accept(p);
			continue;
		}
		if (r == IMAP_PARSE_DONE) {
			const struct imap_arg *a = imap_parser_args(p);
			struct fetch_items fi;
			const char *err = NULL;

			if (a[0].type != IMAP_ARG_EOL &&
			    a[1].type != IMAP_ARG_EOL) {
				memset(&fi, 0, sizeof(fi));
				if (fetch_items_parse(&a[1], &fi, &err)) {
					check_items(&fi);
					fetch_items_free(&fi);
				} else if (err == NULL || err[0] == '\0') {
					abort();
				}
			}
			break;
		}
		if (r != IMAP_PARSE_NEED_MORE || used == 0)
			break;
	}
	imap_parser_destroy(&p);
	buf_free(&line);
	return 0;
}
