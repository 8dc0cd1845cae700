/* fuzz-imap-fetch-render.c - libFuzzer harness for FETCH rendering of
 * hostile messages: the message is parsed by src/mime as the store does
 * at delivery, then BODY[...], BINARY[...] and BINARY.SIZE[...] items
 * are rendered by fetch_body_section / fetch_binary_size, the code FETCH
 * uses, from a reader over the bytes (store_reader_mem).
 *
 * Input: byte 0 picks a delivery prefix and a partial range; then an
 * optional line of FETCH items ("BODY[1.2.MIME]<3.9> ..."), ended by LF
 * when the input starts with '(' ; the rest is the message. Besides those
 * items, every leaf part found gets BODY[p], BODY[p.MIME], BINARY[p],
 * BINARY[p]<partial> and BINARY.SIZE[p].
 *
 * Checks, per item: the data is "LABEL SP value" with value NIL or a
 * literal whose announced length is exactly what follows; an ordinary
 * literal holds no NUL (RFC 9051 4.3: literals are CHAR8), only a
 * literal8 "~{n}" may (RFC 3516); BINARY.SIZE[p] equals the length of
 * BINARY[p]. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imap/imap-fetch.h"
#include "mime/mime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct imap_parser_limits lim = {
	.max_line = 8192, .max_literal = 1024, .max_args = 200,
	.max_depth = 16,
};

struct ctx {
	struct store_msg m;
	struct store_reader *r;
	uint8_t flags;
	unsigned leaves;
};

/* the whole response data of one item, stream segments read in */
static void
render_one(struct ctx *c, const struct fetch_item *it, struct buf *out)
{
	struct fetch_out o = { 0 };

	if (it->kind == FETCH_BINARY_SIZE)
		fetch_binary_size(&o, it, &c->m, c->r);
	else
		fetch_body_section(&o, it, &c->m, c->r);
	for (size_t i = 0; i < o.n; i++) {
		uint64_t off = o.v[i].off, n = o.v[i].len;

		buf_append(out, o.v[i].text.data, o.v[i].text.len);
		while (n > 0) {
			unsigned char *d = buf_reserve(out, (size_t)n);
			ssize_t got = store_reader_pread(c->r, d, (size_t)n, off);

			if (got <= 0)
				abort();	/* a promised range is missing */
			out->len += (size_t)got;
			off += (uint64_t)got;
			n -= (uint64_t)got;
		}
	}
	fetch_out_clear(&o);
}

/* the value after "LABEL ": NIL, a number, or a literal; its length
 * (literal content or number) in *n; -1 if malformed */
static int
check_value(const struct fetch_item *it, const struct buf *b, uint64_t *n)
{
	size_t ll = strlen(it->label), i;
	const unsigned char *p = b->data;
	bool lit8 = false;

	if (b->len < ll + 2 || memcmp(p, it->label, ll) != 0 || p[ll] != ' ')
		return -1;
	i = ll + 1;
	*n = 0;
	if (it->kind == FETCH_BINARY_SIZE) {
		if (i >= b->len)
			return -1;
		for (; i < b->len; i++) {
			if (p[i] < '0' || p[i] > '9')
				return -1;
			*n = *n * 10 + (p[i] - '0');
		}
		return 0;
	}
	if (b->len - i == 3 && memcmp(p + i, "NIL", 3) == 0)
		return 0;
	if (p[i] == '~') {
		if (!it->binary)
			return -1;	/* literal8 only for BINARY (RFC 3516) */
		lit8 = true;
		i++;
	}
	if (i >= b->len || p[i++] != '{')
		return -1;
	if (i >= b->len || p[i] < '0' || p[i] > '9')
		return -1;
	for (; i < b->len && p[i] >= '0' && p[i] <= '9'; i++)
		*n = *n * 10 + (p[i] - '0');
	if (b->len - i < 3 || memcmp(p + i, "}\r\n", 3) != 0)
		return -1;
	i += 3;
	if (b->len - i != *n)
		return -1;
	if (!lit8 && *n > 0 && memchr(p + i, '\0', (size_t)*n) != NULL)
		return -1;	/* NUL in an ordinary literal */
	return 0;
}

static bool
parse_items(const char *items, struct fetch_items *fi)
{
	struct imap_parser *p = imap_parser_create(&lim);
	struct buf line = BUF_INIT;
	size_t pos = 0, used;
	bool ok = false;

	buf_printf(&line, "t FETCH 1 %s\r\n", items);
	for (unsigned turns = 0; turns < 1000 && pos < line.len; turns++) {
		enum imap_parse_result r = imap_parser_feed(
			p, line.data + pos, line.len - pos, &used);
		const char *err;

		pos += used;
		if (r == IMAP_PARSE_LITERAL) {
			(void)imap_parser_literal_accept(p);
			continue;
		}
		if (r == IMAP_PARSE_DONE) {
			const struct imap_arg *a = imap_parser_args(p);

			ok = a[0].type != IMAP_ARG_EOL &&
			     a[1].type != IMAP_ARG_EOL &&
			     fetch_items_parse(&a[1], fi, &err);
			break;
		}
		if (r != IMAP_PARSE_NEED_MORE || used == 0)
			break;
	}
	imap_parser_destroy(&p);
	buf_free(&line);
	return ok;
}

static void
run_items(struct ctx *c, const char *items)
{
	struct fetch_items fi;
	uint64_t bin_len = UINT64_MAX;
	const struct fetch_item *bin = NULL;

	memset(&fi, 0, sizeof(fi));
	if (!parse_items(items, &fi))
		return;
	for (size_t i = 0; i < fi.n; i++) {
		const struct fetch_item *it = &fi.v[i];
		struct buf b = BUF_INIT;
		uint64_t n;

		if (it->kind != FETCH_SECTION && it->kind != FETCH_BINARY_SIZE)
			continue;
		render_one(c, it, &b);
		if (check_value(it, &b, &n) < 0) {
			fprintf(stderr, "bad FETCH data for %s: %.*s\n",
				it->label, (int)(b.len > 200 ? 200 : b.len),
				(const char *)b.data);
			abort();
		}
		/* BINARY.SIZE[p] right after BINARY[p] (as generated) */
		if (it->kind == FETCH_SECTION && it->binary && !it->partial) {
			bin_len = n;
			bin = it;
		} else if (it->kind == FETCH_BINARY_SIZE) {
			if (bin_len != UINT64_MAX && bin_len != n &&
			    bin->depth == it->depth &&
			    memcmp(bin->path, it->path,
				   it->depth * sizeof(it->path[0])) == 0)
				abort();
			bin_len = UINT64_MAX;
		} else {
			bin_len = UINT64_MAX;
		}
		buf_free(&b);
	}
	fetch_items_free(&fi);
}

static bool
leaf(void *vctx, const uint32_t *section, size_t depth,
     const struct mime_part_loc *loc)
{
	struct ctx *c = vctx;
	struct buf path = BUF_INIT, items = BUF_INIT;
	const char *s;

	(void)loc;
	for (size_t i = 0; i < depth; i++)
		buf_printf(&path, "%s%" PRIu32, i ? "." : "", section[i]);
	buf_append_byte(&path, '\0');
	s = (const char *)path.data;
	buf_printf(&items, "(BODY.PEEK[%s] BODY.PEEK[%s.MIME] BINARY.PEEK[%s]"
		   " BINARY.SIZE[%s] BINARY.PEEK[%s]<%u.%u>)", s, s, s, s, s,
		   c->flags >> 4, (c->flags & 7) * 3);
	buf_append_byte(&items, '\0');
	run_items(c, (const char *)items.data);
	buf_free(&path);
	buf_free(&items);
	return ++c->leaves < 64;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char prefix[] =
		"Return-Path: <x@example.net>\r\nDelivered-To: a@example.org\r\n";
	struct ctx c;
	struct mime_summary ms;
	struct buf items = BUF_INIT;
	size_t plen;

	if (size < 1)
		return 0;
	memset(&c, 0, sizeof(c));
	c.flags = data[0];
	data++;
	size--;
	if (size > 0 && data[0] == '(') {
		const uint8_t *nl = memchr(data, '\n', size > 512 ? 512 : size);

		if (nl != NULL) {
			buf_append(&items, data, (size_t)(nl - data));
			buf_append_byte(&items, '\0');
			size -= (size_t)(nl - data) + 1;
			data = nl + 1;
		}
	}
	plen = c.flags & 8 ? sizeof(prefix) - 1 : 0;
	mime_summary_init(&ms);
	mime_summarize(data, size, NULL, &ms);
	c.m.size = plen + size;
	c.m.prefix_len = (uint32_t)plen;
	c.m.parse.header_len = ms.header_len;
	c.m.parse.partmap = ms.partmap.len ? ms.partmap.data : NULL;
	c.m.parse.partmap_len = ms.partmap.len;
	c.r = store_reader_mem(prefix, plen, data, size);

	if (items.len > 0 && memchr(items.data, '\0', items.len - 1) == NULL)
		run_items(&c, (const char *)items.data);
	run_items(&c, "(BODY.PEEK[] BODY.PEEK[HEADER] BODY.PEEK[TEXT] "
		  "BINARY.PEEK[] BINARY.SIZE[] "
		  "BODY.PEEK[HEADER.FIELDS (SUBJECT FROM)] "
		  "BODY.PEEK[HEADER.FIELDS.NOT (SUBJECT)]<2.40> RFC822 "
		  "BODY.PEEK[1.HEADER] BODY.PEEK[1.TEXT] BODY.PEEK[2.1.MIME])");
	if (ms.partmap.len)
		(void)mime_part_foreach_leaf(ms.partmap.data, ms.partmap.len,
					     leaf, &c);
	store_reader_close(&c.r);
	mime_summary_free(&ms);
	buf_free(&items);
	return 0;
}
