/* fuzz-imap-parser.c - libFuzzer harness for the IMAP command parser:
 * the input is fed in pieces whose sizes come from the first byte;
 * literals are accepted, refused or taken as extern in turn. */
#include <stddef.h>
#include <stdint.h>

#include "imap/imap-parser.h"
#include "imap/imap-seqset.h"
#include "imap/imap-utf7.h"
#include "lib/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct imap_parser_limits lim = {
		.max_line = 4096, .max_literal = 1024, .max_args = 100,
		.max_depth = 8,
	};
	struct imap_parser *p;
	struct buf in = BUF_INIT, tmp = BUF_INIT;
	size_t step, i = 0, used;
	unsigned n = 0;

	if (size < 1)
		return 0;
	step = (data[0] % 16) + 1;
	data++;
	size--;
	p = imap_parser_create(&lim);
	while (i < size || in.len > 0) {
		size_t k = size - i < step ? size - i : step;
		enum imap_parse_result r;

		buf_append(&in, data + i, k);
		i += k;
		r = imap_parser_feed(p, in.data, in.len, &used);
		buf_consume(&in, used);
		if (r == IMAP_PARSE_LITERAL) {
			uint64_t sz = imap_parser_literal_size(p);

			switch (n++ % 3) {
			case 0:
				(void)imap_parser_literal_accept(p);
				break;
			case 1:
				imap_parser_fail(p, "TOOBIG", "no");
				break;
			default:
				/* the caller reads it: drop what is there */
				imap_parser_literal_extern(p);
				if (sz > in.len)
					sz = in.len;
				buf_consume(&in, (size_t)sz);
				break;
			}
		} else if (r == IMAP_PARSE_DONE) {
			const struct imap_arg *a = imap_parser_args(p);

			for (; a->type != IMAP_ARG_EOL; a++) {
				struct imap_seqset set;

				if (a->type != IMAP_ARG_ATOM)
					continue;
				if (imap_seqset_parse(a->u.str, &set)) {
					imap_seqset_resolve(&set, 100);
					imap_seqset_free(&set);
				}
				buf_reset(&tmp);
				(void)imap_utf7_decode(&tmp, a->u.str, a->len);
			}
			imap_parser_reset(p);
		} else if (r == IMAP_PARSE_NEED_MORE && i >= size) {
			break;
		}
	}
	imap_parser_destroy(&p);
	buf_free(&in);
	buf_free(&tmp);
	return 0;
}
