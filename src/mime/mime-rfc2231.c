/* mime-rfc2231.c - structured MIME values and their parameters (RFC 2045
 * 5.1, RFC 2231 continuations and charset'language'value encoding) */
#include "mime/mime-private.h"
#include "lib/hex.h"

#include <stdlib.h>
#include <string.h>

struct piece {
	struct buf name;   /* lowercase base name */
	long section;      /* -1: no section */
	bool ext;          /* ends with '*' */
	struct buf value;
	size_t order;      /* position in the header, for a stable sort */
};

static bool
is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* skip_comment - p[i] is '('; returns the index after the comment */
static size_t
skip_comment(const unsigned char *p, size_t len, size_t i)
{
	int depth = 0;

	for (; i < len; i++) {
		if (p[i] == '\\' && i + 1 < len)
			i++;
		else if (p[i] == '(')
			depth++;
		else if (p[i] == ')' && --depth == 0)
			return i + 1;
	}
	return len;
}

/* read_value - quoted string or token up to ';', comments dropped */
static size_t
read_value(const unsigned char *p, size_t len, size_t i, struct buf *out)
{
	while (i < len && is_ws(p[i]))
		i++;
	if (i < len && p[i] == '"') {
		for (i++; i < len && p[i] != '"'; i++) {
			if (p[i] == '\\' && i + 1 < len)
				i++;
			if (p[i] != '\r' && p[i] != '\n')
				buf_append_byte(out, p[i]);
		}
		if (i < len)
			i++;
		while (i < len && p[i] != ';')
			i = p[i] == '(' ? skip_comment(p, len, i) : i + 1;
		return i;
	}
	while (i < len && p[i] != ';') {
		if (p[i] == '(') {
			i = skip_comment(p, len, i);
			continue;
		}
		if (p[i] != '\r' && p[i] != '\n')
			buf_append_byte(out, p[i]);
		i++;
	}
	while (out->len > 0 && is_ws(out->data[out->len - 1]))
		out->len--;
	return i;
}

static int
piece_cmp(const void *a, const void *b)
{
	const struct piece *x = a, *y = b;
	size_t n = x->name.len < y->name.len ? x->name.len : y->name.len;
	int c = n ? memcmp(x->name.data, y->name.data, n) : 0;

	if (c != 0)
		return c;
	if (x->name.len != y->name.len)
		return x->name.len < y->name.len ? -1 : 1;
	if (x->section != y->section)
		return x->section < y->section ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* the pieces [a, b) of one name; first: its earliest position */
struct group {
	size_t a, b, first;
};

static int
group_cmp(const void *a, const void *b)
{
	const struct group *x = a, *y = b;

	return x->first < y->first ? -1 : x->first > y->first;
}

static void
pct_decode(const unsigned char *p, size_t len, struct buf *out)
{
	for (size_t i = 0; i < len; i++) {
		if (p[i] == '%' && i + 2 < len &&
		    hex_digit(p[i + 1]) >= 0 && hex_digit(p[i + 2]) >= 0) {
			buf_append_byte(out, (unsigned char)(hex_digit(p[i + 1]) << 4 |
							     hex_digit(p[i + 2])));
			i += 2;
		} else {
			buf_append_byte(out, p[i]);
		}
	}
}

/* pct_encode - bytes of a plain continuation inside an extended value */
static void
pct_encode(const unsigned char *p, size_t len, struct buf *out)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = p[i];

		if (c > 0x20 && c < 0x7f && !strchr("*'%()<>@,;:\\\"/[]?=", c))
			buf_append_byte(out, c);
		else
			buf_printf(out, "%%%02X", c);
	}
}

/* merge - pieces[0..n) share one base name: build the parameter */
static void
merge(struct piece *pc, size_t n, struct mime_params *params)
{
	struct mime_param *mp;
	struct buf bytes = BUF_INIT;
	struct slice cs = { NULL, 0 }, lang = { NULL, 0 };
	bool ext = pc[0].ext;
	long want = pc[0].section < 0 ? -1 : 0;

	params->v = mime_grow(params->v, params->n, sizeof(*params->v));
	mp = &params->v[params->n++];
	memset(mp, 0, sizeof(*mp));
	buf_append(&mp->name, pc[0].name.data, pc[0].name.len);
	mp->extended = ext;
	for (size_t i = 0; i < n; i++) {
		const unsigned char *v = pc[i].value.data;
		size_t vlen = pc[i].value.len;

		/* a single unsectioned value, or sections 0, 1, 2... in order;
		 * duplicates and gaps end the value */
		if (want < 0 ? i > 0 : pc[i].section != want)
			break;
		if (want >= 0)
			want++;
		if (i == 0 && ext) {
			const unsigned char *q1 = vlen ? memchr(v, '\'', vlen) : NULL;
			const unsigned char *q2 = q1 ? memchr(q1 + 1, '\'',
				(size_t)(v + vlen - q1 - 1)) : NULL;

			if (q2 != NULL) {
				cs = (struct slice){ v, (size_t)(q1 - v) };
				lang = (struct slice){ q1 + 1, (size_t)(q2 - q1 - 1) };
				vlen -= (size_t)(q2 + 1 - v);
				v = q2 + 1;
			}
			buf_append(&mp->raw, cs.p, cs.len);
			buf_append_byte(&mp->raw, '\'');
			buf_append(&mp->raw, lang.p, lang.len);
			buf_append_byte(&mp->raw, '\'');
		}
		if (ext && pc[i].ext) {
			buf_append(&mp->raw, v, vlen);
			pct_decode(v, vlen, &bytes);
		} else if (ext) {
			pct_encode(v, vlen, &mp->raw);
			buf_append(&bytes, v, vlen);
		} else {
			buf_append(&mp->raw, v, vlen);
			buf_append(&bytes, v, vlen);
		}
	}
	if (ext)
		mime_charset_to_utf8(cs.p, cs.len, bytes.data, bytes.len,
				     &mp->value);
	else
		mime_decode_words(bytes.data, bytes.len, &mp->value);
	buf_free(&bytes);
}

static bool
param_known(const struct mime_params *params, size_t n0, const struct buf *name)
{
	for (size_t k = 0; k < n0; k++)
		if (params->v[k].name.len == name->len &&
		    (name->len == 0 || memcmp(params->v[k].name.data, name->data,
					      name->len) == 0))
			return true;
	return false;
}

void
mime_rfc2231_parse(const unsigned char *p, size_t len, struct buf *value,
		   struct mime_params *params)
{
	struct piece *pc = NULL;
	size_t npc = 0, i = 0, n0 = params ? params->n : 0;

	/* the value before the first ';': whitespace and comments dropped */
	while (i < len && p[i] != ';') {
		if (p[i] == '(') {
			i = skip_comment(p, len, i);
			continue;
		}
		if (p[i] == '"') {
			for (i++; i < len && p[i] != '"'; i++)
				if (value && p[i] != '\\' && p[i] > 0x20 &&
				    p[i] != 0x7f)
					buf_append_byte(value, p[i]);
			i++;
			continue;
		}
		/* a token: whitespace and control bytes (NUL...) dropped */
		if (value && p[i] > 0x20 && p[i] != 0x7f)
			buf_append_byte(value, p[i]);
		i++;
	}
	while (i < len && params != NULL) {
		struct piece x;
		size_t ns, ne;

		i++;    /* ';' */
		while (i < len && (is_ws(p[i]) || p[i] == ';'))
			i++;
		ns = i;
		while (i < len && p[i] != '=' && p[i] != ';')
			i++;
		if (i >= len || p[i] != '=') {
			continue;       /* no '=': junk */
		}
		ne = i++;
		while (ne > ns && is_ws(p[ne - 1]))
			ne--;
		if (ne == ns) {
			struct buf junk = BUF_INIT;

			i = read_value(p, len, i, &junk);
			buf_free(&junk);
			continue;
		}
		memset(&x, 0, sizeof(x));
		x.section = -1;
		x.order = npc;
		if (p[ne - 1] == '*') {
			x.ext = true;
			ne--;
		}
		{
			/* "name*12" */
			size_t k = ne;

			while (k > ns && p[k - 1] >= '0' && p[k - 1] <= '9')
				k--;
			if (k > ns && k < ne && p[k - 1] == '*' && ne - k <= 6) {
				x.section = 0;
				for (size_t d = k; d < ne; d++)
					x.section = x.section * 10 + (p[d] - '0');
				ne = k - 1;
			}
		}
		for (size_t k = ns; k < ne; k++) {
			unsigned char c = p[k];

			if (c >= 'A' && c <= 'Z')
				c += 32;
			if (!is_ws(c))
				buf_append_byte(&x.name, c);
		}
		i = read_value(p, len, i, &x.value);
		pc = mime_grow(pc, npc, sizeof(*pc));
		pc[npc++] = x;
	}
	if (npc > 0)
		qsort(pc, npc, sizeof(*pc), piece_cmp);
	/* group the pieces of each name; the groups keep the header's
	 * order (as clients and Dovecot show them) */
	struct group *g = NULL;
	size_t ng = 0;

	for (size_t a = 0; a < npc;) {
		size_t b = a + 1, first = pc[a].order;

		while (b < npc && pc[b].name.len == pc[a].name.len &&
		       (pc[a].name.len == 0 || memcmp(pc[b].name.data,
			pc[a].name.data, pc[a].name.len) == 0)) {
			if (pc[b].order < first)
				first = pc[b].order;
			b++;
		}
		g = mime_grow(g, ng, sizeof(*g));
		g[ng++] = (struct group){ a, b, first };
		a = b;
	}
	if (ng > 0)
		qsort(g, ng, sizeof(*g), group_cmp);
	for (size_t k = 0; k < ng; k++) {
		/* names are unique within one value (a plain "name=" beats
		 * "name*0="); against earlier values, the first one wins */
		if (!param_known(params, n0, &pc[g[k].a].name))
			merge(pc + g[k].a, g[k].b - g[k].a, params);
	}
	free(g);
	for (size_t k = 0; k < npc; k++) {
		buf_free(&pc[k].name);
		buf_free(&pc[k].value);
	}
	free(pc);
}

const struct mime_param *
mime_params_get(const struct mime_params *params, const char *name)
{
	for (size_t i = 0; i < params->n; i++)
		if (slice_eq_cstr(buf_slice(&params->v[i].name), name))
			return &params->v[i];
	return NULL;
}

void
mime_params_free(struct mime_params *params)
{
	for (size_t i = 0; i < params->n; i++) {
		buf_free(&params->v[i].name);
		buf_free(&params->v[i].raw);
		buf_free(&params->v[i].value);
	}
	free(params->v);
	params->v = NULL;
	params->n = 0;
}
