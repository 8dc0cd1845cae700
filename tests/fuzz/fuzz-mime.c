/* fuzz-mime.c - libFuzzer harness for src/mime: the push parser (whole
 * and chunked), the part map, and the header-value parsers.
 *
 * Byte 0 picks the chunk size and small limits (to reach the cut paths);
 * the rest is the message. Checks: the same summary whatever the
 * chunking; ENVELOPE/BODY/BODYSTRUCTURE are well-formed IMAP (strings,
 * literals, NIL, numbers, lists, all balanced); every part found lies
 * inside the message; streamed decoders equal one-shot ones. The first
 * line of the input is also fed to the address, date, RFC 2047 and
 * RFC 2231 parsers. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mime/mime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
parse(const uint8_t *p, size_t len, size_t chunk,
      const struct mime_limits *lim, struct mime_summary *out)
{
	struct mime_parser *ps = mime_parser_create(lim);

	for (size_t off = 0; off < len; off += chunk)
		mime_parser_feed(ps, p + off, len - off < chunk ? len - off : chunk);
	mime_summary_init(out);
	mime_parser_finish(ps, out);
	mime_parser_destroy(&ps);
}

static bool
same(const struct buf *a, const struct buf *b)
{
	return a->len == b->len && (a->len == 0 ||
				    memcmp(a->data, b->data, a->len) == 0);
}

/* imap_value - skip one IMAP value at *i; false if malformed */
static bool
imap_value(const unsigned char *s, size_t len, size_t *i, int depth)
{
	if (*i >= len || depth > 1000)
		return false;
	if (s[*i] == '(') {
		(*i)++;
		for (;;) {
			if (!imap_value(s, len, i, depth + 1) || *i >= len)
				return false;
			if (s[*i] == ')') {
				(*i)++;
				return true;
			}
			if (s[*i] == ' ')
				(*i)++;
			else if (!(s[*i] == '(' && s[*i - 1] == ')'))
				return false;
		}
	}
	if (s[*i] == '"') {
		for ((*i)++; *i < len && s[*i] != '"'; (*i)++) {
			if (s[*i] == '\r' || s[*i] == '\n' || s[*i] >= 0x80 ||
			    s[*i] == 0)
				return false;
			if (s[*i] == '\\' && ++(*i) >= len)
				return false;
		}
		if (*i >= len)
			return false;
		(*i)++;
		return true;
	}
	if (s[*i] == '{') {
		size_t n = 0;

		for ((*i)++; *i < len && s[*i] >= '0' && s[*i] <= '9'; (*i)++)
			n = n * 10 + (s[*i] - '0');
		if (*i + 3 > len || s[*i] != '}' || s[*i + 1] != '\r' ||
		    s[*i + 2] != '\n' || n > len - *i - 3)
			return false;
		*i += 3;
		if (memchr(s + *i, 0, n) != NULL)
			return false;
		*i += n;
		return true;
	}
	if (len - *i >= 3 && memcmp(s + *i, "NIL", 3) == 0) {
		*i += 3;
		return true;
	}
	if (s[*i] >= '0' && s[*i] <= '9') {
		while (*i < len && s[*i] >= '0' && s[*i] <= '9')
			(*i)++;
		return true;
	}
	return false;
}

/* text for the store: valid UTF-8, no NUL */
static void
check_text(const struct buf *b)
{
	struct buf s = BUF_INIT;

	mime_charset_utf8_sanitize(b->data, b->len, &s);
	if (s.len != b->len || (s.len && memcmp(s.data, b->data, s.len) != 0))
		abort();
	buf_free(&s);
}

static void
check_imap(const struct buf *b)
{
	size_t i = 0;

	if (!imap_value(b->data, b->len, &i, 0) || i != b->len)
		abort();
}

/* A strict reader of the RFC 3501 / RFC 9051 body grammar: what an IMAP
 * client will parse. Each function consumes one item at g->i. */
struct gram {
	const unsigned char *s;
	size_t len, i;
	bool ext;
};

static bool
g_ch(struct gram *g, unsigned char c)
{
	if (g->i < g->len && g->s[g->i] == c) {
		g->i++;
		return true;
	}
	return false;
}

static bool
g_nil(struct gram *g)
{
	if (g->len - g->i >= 3 && memcmp(g->s + g->i, "NIL", 3) == 0) {
		g->i += 3;
		return true;
	}
	return false;
}

/* g_string - quoted or literal; its content (quoted: raw) in p, n */
static bool
g_string(struct gram *g, const unsigned char **p, size_t *n)
{
	size_t i = g->i;

	if (i < g->len && (g->s[i] == '"' || g->s[i] == '{')) {
		if (!imap_value(g->s, g->len, &g->i, 0))
			return false;
		if (g->s[i] == '"') {
			*p = g->s + i + 1;
			*n = g->i - i - 2;
		} else {
			const unsigned char *nl = memchr(g->s + i, '\n', g->i - i);

			*p = nl + 1;
			*n = (size_t)(g->s + g->i - *p);
		}
		return true;
	}
	return false;
}

static bool
g_nstring(struct gram *g)
{
	const unsigned char *p;
	size_t n;

	return g_nil(g) || g_string(g, &p, &n);
}

static bool
g_number(struct gram *g)
{
	size_t i = g->i;

	while (g->i < g->len && g->s[g->i] >= '0' && g->s[g->i] <= '9')
		g->i++;
	return g->i > i;
}

static bool
g_params(struct gram *g)
{
	const unsigned char *p;
	size_t n;

	if (g_nil(g))
		return true;
	if (!g_ch(g, '('))
		return false;
	do {
		if (!g_string(g, &p, &n) || !g_ch(g, ' ') || !g_string(g, &p, &n))
			return false;
	} while (g_ch(g, ' '));
	return g_ch(g, ')');
}

static bool
g_ext(struct gram *g)
{
	const unsigned char *p;
	size_t n;

	/* SP body-fld-dsp SP body-fld-lang SP body-fld-loc */
	if (!g_ch(g, ' '))
		return false;
	if (!g_nil(g)) {
		if (!g_ch(g, '(') || !g_string(g, &p, &n) || !g_ch(g, ' ') ||
		    !g_params(g) || !g_ch(g, ')'))
			return false;
	}
	if (!g_ch(g, ' '))
		return false;
	if (!g_nil(g) && !g_string(g, &p, &n)) {
		if (!g_ch(g, '('))
			return false;
		do {
			if (!g_string(g, &p, &n))
				return false;
		} while (g_ch(g, ' '));
		if (!g_ch(g, ')'))
			return false;
	}
	return g_ch(g, ' ') && g_nstring(g);
}

static bool
g_addresses(struct gram *g)
{
	if (g_nil(g))
		return true;
	if (!g_ch(g, '('))
		return false;
	do {
		if (!g_ch(g, '(') || !g_nstring(g) || !g_ch(g, ' ') ||
		    !g_nstring(g) || !g_ch(g, ' ') || !g_nstring(g) ||
		    !g_ch(g, ' ') || !g_nstring(g) || !g_ch(g, ')'))
			return false;
	} while (g->i < g->len && g->s[g->i] == '(');
	return g_ch(g, ')');
}

static bool
g_envelope(struct gram *g)
{
	if (!g_ch(g, '(') || !g_nstring(g) || !g_ch(g, ' ') || !g_nstring(g))
		return false;
	for (int k = 0; k < 6; k++)
		if (!g_ch(g, ' ') || !g_addresses(g))
			return false;
	return g_ch(g, ' ') && g_nstring(g) && g_ch(g, ' ') && g_nstring(g) &&
	       g_ch(g, ')');
}

static bool
g_eq(const unsigned char *p, size_t n, const char *s)
{
	return n == strlen(s) && strncasecmp((const char *)p, s, n) == 0;
}

static bool
g_body(struct gram *g, int depth)
{
	const unsigned char *tp, *sp;
	size_t tn, sn;

	if (depth > 300 || !g_ch(g, '('))
		return false;
	if (g->i < g->len && g->s[g->i] == '(') {
		/* multipart: 1*body SP subtype [ext] */
		while (g->i < g->len && g->s[g->i] == '(')
			if (!g_body(g, depth + 1))
				return false;
		if (!g_ch(g, ' ') || !g_string(g, &sp, &sn))
			return false;
		if (g->ext && (!g_ch(g, ' ') || !g_params(g) || !g_ext(g)))
			return false;
		return g_ch(g, ')');
	}
	{
		const unsigned char *ep;
		size_t en;

		if (!g_string(g, &tp, &tn) || !g_ch(g, ' ') ||
		    !g_string(g, &sp, &sn) || !g_ch(g, ' ') || !g_params(g) ||
		    !g_ch(g, ' ') || !g_nstring(g) || !g_ch(g, ' ') ||
		    !g_nstring(g) || !g_ch(g, ' ') || !g_string(g, &ep, &en) ||
		    !g_ch(g, ' ') || !g_number(g))
			return false;
	}
	/* the media type decides what follows; multipart is never basic */
	if (g_eq(tp, tn, "multipart"))
		return false;
	if (g_eq(tp, tn, "message") &&
	    (g_eq(sp, sn, "rfc822") || g_eq(sp, sn, "global"))) {
		if (!g_ch(g, ' ') || !g_envelope(g) || !g_ch(g, ' ') ||
		    !g_body(g, depth + 1) || !g_ch(g, ' ') || !g_number(g))
			return false;
	} else if (g_eq(tp, tn, "text")) {
		if (!g_ch(g, ' ') || !g_number(g))
			return false;
	}
	if (g->ext && (!g_ch(g, ' ') || !g_nstring(g) || !g_ext(g)))
		return false;
	return g_ch(g, ')');
}

static void
check_grammar(const struct buf *b, bool ext, bool envelope)
{
	struct gram g = { b->data, b->len, 0, ext };

	if (!(envelope ? g_envelope(&g) : g_body(&g, 0)) || g.i != b->len)
		abort();
}

struct leaf_ctx {
	const uint8_t *msg;
	size_t len;
	unsigned count;
	const struct buf *partmap;
};

static bool
leaf(void *vctx, const uint32_t *section, size_t depth,
     const struct mime_part_loc *loc)
{
	struct leaf_ctx *c = vctx;
	struct buf a = BUF_INIT, b = BUF_INIT;
	struct mime_decoder d;
	size_t n;

	if (loc->header_start > loc->body_start ||
	    loc->body_start > loc->body_end || loc->body_end > c->len ||
	    loc->msg_body_start < loc->body_start ||
	    loc->msg_body_start > loc->body_end)
		abort();
	if (depth == 0 && c->count > 0)
		abort();
	c->count++;
	n = (size_t)(loc->body_end - loc->body_start);
	/* lines: the line ends in the body (RFC 3501 body-fld-lines, as
	 * Dovecot counts: an unterminated last line is not one) */
	{
		uint64_t lf = 0;

		for (size_t k = 0; k < n; k++)
			lf += c->msg[loc->body_start + k] == '\n';
		if (lf != loc->lines)
			abort();
	}
	/* streamed decoding equals one-shot decoding */
	mime_decode(loc->cte, c->msg + loc->body_start, n, &a);
	mime_decoder_init(&d, loc->cte);
	for (size_t off = 0; off < n; off += 5)
		mime_decoder_feed(&d, c->msg + loc->body_start + off,
				  n - off < 5 ? n - off : 5, &b);
	mime_decoder_finish(&d, &b);
	if (!same(&a, &b))
		abort();
	if (mime_decoded_size(loc->cte, c->msg + loc->body_start, n) != b.len)
		abort();
	/* the section number leads back to the same part */
	{
		struct mime_part_loc l2;

		if (!mime_part_find(c->partmap->data, c->partmap->len, section,
				    depth, &l2) ||
		    l2.header_start != loc->header_start ||
		    l2.body_start != loc->body_start ||
		    l2.body_end != loc->body_end || l2.cte != loc->cte ||
		    l2.is_message || l2.is_multipart)
			abort();
	}
	buf_free(&a);
	buf_free(&b);
	return c->count < 2000;
}

static bool
text_cb(void *ctx, const uint32_t *section, size_t depth,
	const unsigned char *utf8, size_t len)
{
	(void)ctx;
	(void)section;
	(void)depth;
	(void)utf8;
	(void)len;
	return true;
}

static void
fuzz_values(const uint8_t *p, size_t len)
{
	struct mime_address_list l = { NULL, 0 };
	struct mime_params ps = { NULL, 0 };
	struct buf out = BUF_INIT, v = BUF_INIT;
	int64_t t;
	int tz;
	struct slice names[] = { SLICE("subject"), SLICE("from") };

	mime_address_parse(p, len, &l);
	for (size_t i = 0; i < l.n; i++)
		if (l.v[i].mailbox == NULL && l.v[i].host != NULL)
			abort();
	mime_address_list_free(&l);
	mime_date_parse(p, len, &t, &tz);
	mime_header_decode(p, len, &out);
	buf_reset(&out);
	mime_rfc2231_parse(p, len, &v, &ps);
	mime_params_free(&ps);
	mime_header_filter(p, len, names, 2, false, &out);
	mime_header_filter(p, len, names, 2, true, &out);
	mime_header_get(p, len, "subject", &out);
	buf_free(&out);
	buf_free(&v);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mime_limits lim;
	struct mime_summary a, b;
	const uint8_t *msg;
	size_t len, chunk;
	const uint8_t *nl;

	if (size < 1)
		return 0;
	mime_limits_default(&lim);
	chunk = (data[0] & 15) + 1;
	if (data[0] & 16) {
		lim.max_depth = 3;
		lim.max_parts = 5;
		lim.max_header_bytes = 64;
	}
	msg = data + 1;
	len = size - 1;

	parse(msg, len, len ? len : 1, &lim, &a);
	parse(msg, len, chunk, &lim, &b);
	if (!same(&a.envelope, &b.envelope) || !same(&a.body, &b.body) ||
	    !same(&a.bodystructure, &b.bodystructure) ||
	    !same(&a.partmap, &b.partmap) || !same(&a.subject, &b.subject) ||
	    !same(&a.sort_subject, &b.sort_subject) ||
	    !same(&a.display_from, &b.display_from) || a.date != b.date ||
	    a.header_len != b.header_len || a.nparts != b.nparts ||
	    a.size != len)
		abort();
	{
		const struct buf *t[] = {
			&a.subject, &a.from, &a.to, &a.cc, &a.bcc, &a.message_id,
			&a.in_reply_to, &a.references, &a.sort_subject,
			&a.sort_from, &a.sort_to, &a.sort_cc, &a.display_from,
			&a.display_to,
		};

		for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
			check_text(t[i]);
	}
	check_imap(&a.envelope);
	check_imap(&a.body);
	check_imap(&a.bodystructure);
	check_grammar(&a.envelope, false, true);
	check_grammar(&a.body, false, false);
	check_grammar(&a.bodystructure, true, false);
	{
		struct leaf_ctx c = { msg, len, 0, &a.partmap };
		struct mime_part_loc loc;
		uint32_t path[4];

		if (!mime_part_foreach_leaf(a.partmap.data, a.partmap.len, leaf,
					    &c))
			abort();
		if (!mime_part_find(a.partmap.data, a.partmap.len, NULL, 0, &loc) ||
		    loc.body_end != len || loc.body_start != a.header_len)
			abort();
		for (uint32_t x = 1; x <= 3; x++) {
			for (uint32_t y = 0; y <= 3; y++) {
				path[0] = x;
				path[1] = y ? y : 1;
				path[2] = 1;
				if (mime_part_find(a.partmap.data, a.partmap.len,
						   path, y ? 2 : 1, &loc) &&
				    (loc.body_end > len ||
				     loc.body_start > loc.body_end))
					abort();
			}
		}
		mime_body_text(a.partmap.data, a.partmap.len, msg, len, text_cb,
			       NULL);
	}
	mime_summary_free(&a);
	mime_summary_free(&b);

	nl = len ? memchr(msg, '\n', len) : NULL;
	fuzz_values(msg, nl ? (size_t)(nl - msg) : len);
	return 0;
}
