/* mime-preview.c - the PREVIEW text of a message (RFC 8970): the start
 * of its first text/plain or text/html part, decoded to UTF-8, HTML
 * turned into text, quoted lines left out, whitespace collapsed, at most
 * MIME_PREVIEW_MAX characters */
#include "mime/mime-private.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/utf8.h"

struct pv_find {
	struct mime_part_loc *loc;
	size_t skip;		/* candidates to pass over */
	bool found;
};

static bool
pv_find_cb(void *ctx, const uint32_t *section, size_t depth,
	   const struct mime_part_loc *loc)
{
	struct pv_find *f = ctx;

	(void)section;
	(void)depth;
	/* text to show: plain or HTML, in an encoding we can read, and
	 * not empty (a multipart without parts has an empty one) */
	if (!slice_eq_cstr(loc->type, "text") ||
	    (!slice_eq_cstr(loc->subtype, "plain") &&
	     !slice_eq_cstr(loc->subtype, "html")) ||
	    loc->cte == MIME_CTE_UNKNOWN || loc->body_end <= loc->body_start)
		return true;
	if (f->skip > 0) {
		f->skip--;
		return true;
	}
	*f->loc = *loc;
	f->found = true;
	return false;
}

bool
mime_preview_part(const unsigned char *partmap, size_t len, size_t n,
		  struct mime_part_loc *loc)
{
	struct pv_find f = { loc, n, false };

	mime_part_foreach_leaf(partmap, len, pv_find_cb, &f);
	return f.found;
}

bool
mime_preview(const unsigned char *partmap, size_t len,
	     const struct mime_preview_limits *lim, mime_read_fn *rd,
	     void *ctx, struct buf *out)
{
	struct mime_part_loc loc;
	unsigned char *win = NULL;

	/* the first candidate that gives any text */
	for (size_t n = 0; n < lim->parts && out->len == 0 &&
	     mime_preview_part(partmap, len, n, &loc); n++) {
		uint64_t want = loc.body_end - loc.body_start;
		ssize_t got;

		if (want > lim->read)
			want = lim->read;
		if (win == NULL)
			win = xmalloc(lim->read ? (size_t)lim->read : 1);
		got = rd(ctx, win, (size_t)want, loc.body_start);
		if (got < 0) {
			free(win);
			return false;
		}
		mime_preview_make(win, (size_t)got, loc.cte, loc.charset.p,
				  loc.charset.len,
				  slice_eq_cstr(loc.subtype, "html"), out);
	}
	free(win);
	return true;
}

/* ---- the output: collapsed whitespace, counted characters ---- */

struct pv_out {
	struct buf *out;
	size_t chars;
	bool space;		/* whitespace seen since the last character */
	bool full;
	size_t max;		/* characters at most */
};

static void
pv_put_utf8(struct buf *b, uint32_t cp)
{
	unsigned char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (unsigned char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (unsigned char)(0xc0 | (cp >> 6));
		u[1] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (unsigned char)(0xe0 | (cp >> 12));
		u[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (unsigned char)(0xf0 | (cp >> 18));
		u[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	buf_append(b, u, n);
}

static bool
pv_is_space(uint32_t cp)
{
	/* controls, NBSP and the Unicode spaces: one space in a preview */
	return cp <= 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) ||
	       cp == 0xa0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200b) ||
	       cp == 0x2028 || cp == 0x2029 || cp == 0x202f ||
	       cp == 0x205f || cp == 0x3000 || cp == 0xfeff;
}

/* one code point of text */
static void
pv_char(struct pv_out *o, uint32_t cp)
{
	if (o->full)
		return;
	if (pv_is_space(cp)) {
		o->space = true;
		return;
	}
	if (o->space && o->chars > 0) {
		if (o->chars + 1 >= o->max) {
			o->full = true;
			return;
		}
		buf_append_byte(o->out, ' ');
		o->chars++;
	}
	o->space = false;
	pv_put_utf8(o->out, cp);
	if (++o->chars >= o->max)
		o->full = true;
}

/* ---- text/plain: lines quoting another message are left out ---- */

static void
pv_plain(struct pv_out *o, const unsigned char *p, size_t len)
{
	bool bol = true, quoted = false;
	size_t i = 0;

	while (i < len && !o->full) {
		uint32_t cp;
		size_t n = utf8_next(p + i, len - i, &cp);

		if (n == 0) {
			cp = 0xfffd;
			n = 1;
		}
		i += n;
		if (cp == '\n') {
			bol = true;
			quoted = false;
			o->space = true;
			continue;
		}
		if (bol && cp == '>')
			quoted = true;
		bol = false;
		if (!quoted)
			pv_char(o, cp);
	}
}

/* ---- text/html: tags out, entities in, script/style skipped ---- */

static const struct {
	const char *name;
	uint32_t cp;
} pv_entities[] = {
	{ "amp", '&' }, { "lt", '<' }, { "gt", '>' }, { "quot", '"' },
	{ "apos", '\'' }, { "nbsp", 0xa0 }, { "copy", 0xa9 },
	{ "reg", 0xae }, { "hellip", 0x2026 }, { "mdash", 0x2014 },
	{ "ndash", 0x2013 }, { "lsquo", 0x2018 }, { "rsquo", 0x2019 },
	{ "ldquo", 0x201c }, { "rdquo", 0x201d }, { "euro", 0x20ac },
	{ "zwnj", 0x200c }, { "shy", 0xad },
};

/* an entity at p ('&' at p[0]); its length (0: not one) and *cp_r */
static size_t
pv_entity(const unsigned char *p, size_t len, uint32_t *cp_r)
{
	size_t i = 1, start;
	uint32_t v = 0;

	if (i < len && p[i] == '#') {
		bool hex = i + 1 < len && (p[i + 1] == 'x' || p[i + 1] == 'X');

		i += hex ? 2 : 1;
		start = i;
		for (; i < len && i - start < 8; i++) {
			unsigned char c = p[i];
			unsigned d;

			if (c >= '0' && c <= '9')
				d = c - '0';
			else if (hex && (c | 0x20) >= 'a' && (c | 0x20) <= 'f')
				d = (unsigned)((c | 0x20) - 'a' + 10);
			else
				break;
			v = v * (hex ? 16 : 10) + d;
		}
		if (i == start)
			return 0;
		if (i < len && p[i] == ';')
			i++;
		if (v == 0 || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
			v = 0xfffd;
		*cp_r = v;
		return i;
	}
	start = i;
	while (i < len && i - start < 10 &&
	       (((p[i] | 0x20) >= 'a' && (p[i] | 0x20) <= 'z') ||
		(p[i] >= '0' && p[i] <= '9')))
		i++;
	if (i == start || i >= len || p[i] != ';')
		return 0;
	for (size_t k = 0; k < sizeof(pv_entities) / sizeof(pv_entities[0]);
	     k++) {
		if (strlen(pv_entities[k].name) == i - start &&
		    strncmp(pv_entities[k].name, (const char *)p + start,
			    i - start) == 0) {
			*cp_r = pv_entities[k].cp;
			return i + 1;
		}
	}
	return 0;
}

/* the tag at p ('<' at p[0]): its end (past '>', or len), its name
 * (lowercased into name) and whether it closes */
static size_t
pv_tag(const unsigned char *p, size_t len, char *name, size_t name_max,
       bool *closing)
{
	size_t i = 1, n = 0;
	unsigned char q = 0;

	*closing = i < len && p[i] == '/';
	if (*closing)
		i++;
	while (i < len && (((p[i] | 0x20) >= 'a' && (p[i] | 0x20) <= 'z') ||
			   (p[i] >= '0' && p[i] <= '9'))) {
		if (n + 1 < name_max)
			name[n++] = (char)(p[i] | 0x20);
		i++;
	}
	name[n] = '\0';
	for (; i < len; i++) {
		if (q) {
			if (p[i] == q)
				q = 0;
		} else if (p[i] == '"' || p[i] == '\'') {
			q = p[i];
		} else if (p[i] == '>') {
			return i + 1;
		}
	}
	return len;
}

/* the end of the element skipped whole (script, style, title, head)
 * from i: past its closing tag, or len */
static size_t
pv_skip_element(const unsigned char *p, size_t len, size_t i,
		const char *name)
{
	size_t n = strlen(name);

	for (; i + 2 + n <= len; i++)
		if (p[i] == '<' && p[i + 1] == '/' &&
		    strncasecmp((const char *)p + i + 2, name, n) == 0) {
			char tn[16];
			bool cl;

			return i + pv_tag(p + i, len - i, tn, sizeof(tn), &cl);
		}
	return len;
}

static void
pv_html(struct pv_out *o, const unsigned char *p, size_t len)
{
	size_t i = 0;

	while (i < len && !o->full) {
		uint32_t cp;
		size_t n;

		if (p[i] == '<' && i + 1 < len &&
		    (((p[i + 1] | 0x20) >= 'a' && (p[i + 1] | 0x20) <= 'z') ||
		     p[i + 1] == '/' || p[i + 1] == '!' || p[i + 1] == '?')) {
			char name[16];
			bool closing;

			if (len - i >= 4 && memcmp(p + i, "<!--", 4) == 0) {
				const unsigned char *e =
					memmem(p + i + 4, len - i - 4, "-->", 3);

				i = e ? (size_t)(e - p) + 3 : len;
				continue;
			}
			i += pv_tag(p + i, len - i, name, sizeof(name),
				    &closing);
			if (!closing && (strcmp(name, "script") == 0 ||
					 strcmp(name, "style") == 0 ||
					 strcmp(name, "title") == 0 ||
					 strcmp(name, "head") == 0))
				i = pv_skip_element(p, len, i, name);
			/* a tag separates words unless it is inline markup */
			if (strcmp(name, "b") != 0 && strcmp(name, "i") != 0 &&
			    strcmp(name, "u") != 0 && strcmp(name, "a") != 0 &&
			    strcmp(name, "span") != 0 &&
			    strcmp(name, "strong") != 0 &&
			    strcmp(name, "em") != 0 && strcmp(name, "font") != 0)
				o->space = true;
			continue;
		}
		if (p[i] == '&' && (n = pv_entity(p + i, len - i, &cp)) > 0) {
			i += n;
			pv_char(o, cp);
			continue;
		}
		n = utf8_next(p + i, len - i, &cp);
		if (n == 0) {
			cp = 0xfffd;
			n = 1;
		}
		i += n;
		pv_char(o, cp);
	}
}

void
mime_preview_text(const unsigned char *text, size_t len, bool html,
		  struct buf *out)
{
	struct pv_out o = { out, 0, false, false, MIME_PREVIEW_MAX };

	if (html)
		pv_html(&o, text, len);
	else
		pv_plain(&o, text, len);
}

void
mime_html_text(const unsigned char *html, size_t len, struct buf *out)
{
	struct pv_out o = { out, 0, false, false, SIZE_MAX };

	pv_html(&o, html, len);
}

void
mime_preview_make(const unsigned char *raw, size_t len, enum mime_cte cte,
		  const unsigned char *charset, size_t charset_len, bool html,
		  struct buf *out)
{
	struct mime_decoder d;
	struct mime_charset_stream *cs;
	struct buf dec = BUF_INIT, text = BUF_INIT;

	mime_decoder_init(&d, cte);
	mime_decoder_feed(&d, raw, len, &dec);
	mime_decoder_finish(&d, &dec);
	cs = mime_charset_stream_create(charset, charset_len, NULL);
	mime_charset_stream_feed(cs, dec.data, dec.len, &text);
	mime_charset_stream_finish(&cs, &text);
	mime_preview_text(text.data, text.len, html, out);
	buf_free(&dec);
	buf_free(&text);
}
