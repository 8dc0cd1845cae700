/* arc-chain.c - the ARC fields of a header, sorted into sets by their
 * instance (RFC 8617 4.2, 5.2): the structure both the verifier and the
 * sealer start from. */
#include "mailauth/arc-private.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

static const char *const kind_name[] = {
	"ARC-Authentication-Results", "ARC-Message-Signature", "ARC-Seal",
};

int
arc_field_kind(const char *f, size_t len)
{
	for (int k = 0; k < 3; k++)
		if (dkim_field_is(f, len, kind_name[k], strlen(kind_name[k])))
			return k;
	return -1;
}

/* FWS (WSP, CRLF followed by WSP) */
static size_t
skip_fws(const char *s, size_t len, size_t i)
{
	while (i < len) {
		if (s[i] == ' ' || s[i] == '\t')
			i++;
		else if (i + 2 < len && s[i] == '\r' && s[i + 1] == '\n' &&
			 (s[i + 2] == ' ' || s[i + 2] == '\t'))
			i += 3;
		else
			break;
	}
	return i;
}

/* digits only, 1..ARC_MAX_INSTANCE + 1 (bigger is kept as 51) */
static bool
instance_num(const char *s, size_t len, unsigned *out)
{
	unsigned n = 0;

	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		if (n <= ARC_MAX_INSTANCE)
			n = n * 10 + (unsigned)(s[i] - '0');
	}
	*out = n > ARC_MAX_INSTANCE ? ARC_MAX_INSTANCE + 1 : n;
	return true;
}

/* the i= of one ARC field; false when it has none that parses */
static bool
field_instance(const char *f, size_t len, int kind, unsigned *out)
{
	const char *colon = memchr(f, ':', len);
	const char *v = colon + 1;
	size_t vlen = len - (size_t)(v - f), i, d;
	struct dkim_tags tl;
	const struct dkim_tag *t;
	const char *err;

	if (kind != ARC_AAR) {
		if (!dkim_tags_parse(v, vlen, &tl, &err) ||
		    (t = dkim_tags_get(&tl, "i")) == NULL)
			return false;
		return instance_num(t->value, t->value_len, out);
	}
	/* AAR: "i=" instance ";" authres-payload (4.1.1) */
	i = skip_fws(v, vlen, 0);
	if (i == vlen || v[i] != 'i')
		return false;
	i = skip_fws(v, vlen, i + 1);
	if (i == vlen || v[i] != '=')
		return false;
	i = skip_fws(v, vlen, i + 1);
	d = i;
	while (i < vlen && isdigit((unsigned char)v[i]))
		i++;
	if (!instance_num(v + d, i - d, out))
		return false;
	i = skip_fws(v, vlen, i);
	return i < vlen && v[i] == ';';
}

void
arc_chain_parse(const struct dkim_fields *fs, struct arc_chain *c)
{
	memset(c, 0, sizeof(*c));
	for (unsigned i = 0; i <= ARC_MAX_INSTANCE; i++)
		c->set[i].f[0] = c->set[i].f[1] = c->set[i].f[2] = -1;
	for (size_t j = 0; j < fs->n; j++) {
		const char *f = (const char *)fs->text.data + fs->f[j].off;
		int k = arc_field_kind(f, fs->f[j].len);
		unsigned i;

		if (k < 0)
			continue;
		if (++c->fields > ARC_MAX_FIELDS) {
			c->err = "too many ARC fields";
			c->n = ARC_MAX_INSTANCE + 1;
			return;
		}
		if (!field_instance(f, fs->f[j].len, k, &i)) {
			if (!c->err)
				c->err = "ARC field without a valid i=";
			continue;
		}
		if (i > c->n)
			c->n = i;
		if (i == 0 || i > ARC_MAX_INSTANCE) {
			if (!c->err)
				c->err = "ARC instance out of range 1..50";
			continue;
		}
		if (c->set[i].f[k] >= 0) {
			if (!c->err)
				c->err = "two ARC fields of one kind in one set";
			continue;
		}
		c->set[i].f[k] = (long)j;
	}
	if (c->err || c->fields == 0)
		return;
	for (unsigned i = 1; i <= c->n; i++)
		for (int k = 0; k < 3; k++)
			if (c->set[i].f[k] < 0) {
				c->err = "ARC set missing or incomplete";
				return;
			}
}

const char *
arc_chain_field(const struct dkim_fields *fs, const struct arc_chain *c,
		unsigned i, enum arc_kind k, size_t *len)
{
	long j;

	if (i == 0 || i > ARC_MAX_INSTANCE || (j = c->set[i].f[k]) < 0)
		return NULL;
	*len = fs->f[j].len;
	return (const char *)fs->text.data + fs->f[j].off;
}

int
arc_seal_cv(const char *field, size_t len)
{
	const char *colon = memchr(field, ':', len);
	struct dkim_tags tl;
	const struct dkim_tag *t;
	const char *err;

	if (colon == NULL ||
	    !dkim_tags_parse(colon + 1, len - (size_t)(colon + 1 - field), &tl,
			     &err) ||
	    (t = dkim_tags_get(&tl, "cv")) == NULL)
		return -1;
	if (t->value_len == 4 && !strncasecmp(t->value, "none", 4))
		return ARC_NONE;
	if (t->value_len == 4 && !strncasecmp(t->value, "pass", 4))
		return ARC_PASS;
	if (t->value_len == 4 && !strncasecmp(t->value, "fail", 4))
		return ARC_FAIL;
	return -1;
}

void
arc_chain_input(const struct dkim_fields *fs, const struct arc_chain *c,
		unsigned upto, struct buf *out)
{
	for (unsigned i = 1; i <= upto; i++)
		for (int k = 0; k < 3; k++) {
			size_t len;
			const char *f = arc_chain_field(fs, c, i, k, &len);

			if (f)
				dkim_canon_header(out, true, f, len, true);
		}
}
