/* dkim-util.c - small helpers verify and sign share: field names,
 * result names, the header hash input. */
#include "mailauth/dkim-private.h"

#include <string.h>
#include <strings.h>

const char *
dkim_result_name(enum dkim_result r)
{
	switch (r) {
	case DKIM_PASS: return "pass";
	case DKIM_FAIL: return "fail";
	case DKIM_NEUTRAL: return "neutral";
	case DKIM_POLICY: return "policy";
	case DKIM_TEMPERROR: return "temperror";
	case DKIM_PERMERROR: return "permerror";
	case DKIM_NONE: break;
	}
	return "none";
}

bool
dkim_field_is(const char *field, size_t len, const char *name, size_t nlen)
{
	const char *colon = memchr(field, ':', len);
	size_t n;

	if (colon == NULL)
		return false;
	n = (size_t)(colon - field);
	while (n > 0 && (field[n - 1] == ' ' || field[n - 1] == '\t'))
		n--;
	return n == nlen && !strncasecmp(field, name, n);
}

void
dkim_fields_add(struct dkim_fields *fs, const char *field, size_t len)
{
	if (fs->n == fs->cap) {
		fs->cap = fs->cap ? fs->cap * 2 : 32;
		fs->f = xrealloc(fs->f, fs->cap * sizeof(*fs->f));
	}
	fs->f[fs->n].off = fs->text.len;
	fs->f[fs->n].len = len;
	fs->f[fs->n].used = false;
	fs->n++;
	buf_append(&fs->text, field, len);
}

void
dkim_fields_free(struct dkim_fields *fs)
{
	buf_free(&fs->text);
	free(fs->f);
	memset(fs, 0, sizeof(*fs));
}

/* RFC 6376 5.4.2: each name in h= takes the last instance not yet
 * taken; a name with none left contributes nothing. */
void
dkim_fields_hash_input(struct dkim_fields *fs, const char *h, bool relaxed,
		       struct buf *out)
{
	const char *p = h;

	for (size_t i = 0; i < fs->n; i++)
		fs->f[i].used = false;
	while (*p) {
		size_t n = strcspn(p, ":");

		for (size_t i = fs->n; n > 0 && i-- > 0;) {
			const char *f = (const char *)fs->text.data + fs->f[i].off;

			if (!fs->f[i].used &&
			    dkim_field_is(f, fs->f[i].len, p, n)) {
				fs->f[i].used = true;
				dkim_canon_header(out, relaxed, f, fs->f[i].len,
						  true);
				break;
			}
		}
		p += n;
		if (*p == ':')
			p++;
	}
}

/* Split msg into fields (a field goes on while the next line starts
 * with WSP) and body. */
void
dkim_message_split(const char *m, size_t len, void (*field)(void *, const char *, size_t),
      void (*end)(void *), void (*body)(void *, const void *, size_t),
      void *obj)
{
	size_t i = 0;

	while (i < len) {
		size_t start = i, stop;

		if (len - i >= 2 && m[i] == '\r' && m[i + 1] == '\n') {
			i += 2;
			break;	/* the empty line */
		}
		for (;;) {
			const char *crlf = memmem(m + i, len - i, "\r\n", 2);

			if (crlf == NULL) {
				stop = i = len;
				break;
			}
			i = (size_t)(crlf - m) + 2;
			if (i >= len || (m[i] != ' ' && m[i] != '\t')) {
				stop = i - 2;
				break;
			}
		}
		field(obj, m + start, stop - start);
	}
	end(obj);
	if (i < len)
		body(obj, m + i, len - i);
}

static void vf(void *o, const char *f, size_t n) { dkim_verify_header(o, f, n); }
static void ve(void *o) { dkim_verify_end_header(o); }
static void vb(void *o, const void *p, size_t n) { dkim_verify_body(o, p, n); }
static void sf(void *o, const char *f, size_t n) { dkim_sign_header(o, f, n); }
static void se(void *o) { dkim_sign_end_header(o); }
static void sb(void *o, const void *p, size_t n) { dkim_sign_body(o, p, n); }

void
dkim_verify_message(struct dkim_verifier *v, const char *msg, size_t len)
{
	dkim_message_split(msg, len, vf, ve, vb, v);
}

void
dkim_sign_message(struct dkim_signer *s, const char *msg, size_t len)
{
	dkim_message_split(msg, len, sf, se, sb, s);
}
