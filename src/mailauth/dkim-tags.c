/* dkim-tags.c - the tag=value lists of DKIM-Signature fields and key
 * records (RFC 6376 3.2), parsed strictly per the ABNF:
 *
 *   tag-list  = tag-spec *( ";" tag-spec ) [ ";" ]
 *   tag-spec  = [FWS] tag-name [FWS] "=" [FWS] tag-value [FWS]
 *   tag-name  = ALPHA *ALNUMPUNC          (ALNUMPUNC: ALPHA DIGIT "_")
 *   tag-value = [ tval *( 1*(WSP / FWS) tval ) ]
 *   tval      = 1*VALCHAR                 (VALCHAR: %x21-3A / %x3C-7E)
 *
 * A tag seen twice is an error (3.2: "Tags with duplicate names MUST
 * NOT occur"), so is an empty tag-spec (";;"). */
#include "mailauth/dkim-private.h"

#include <ctype.h>
#include <string.h>

/* skip FWS (WSP, and CRLF when WSP follows); a CR or LF that is not
 * folding stays for the caller to refuse */
static size_t
skip_fws(const char *s, size_t len, size_t i)
{
	for (;;) {
		if (i < len && (s[i] == ' ' || s[i] == '\t')) {
			i++;
		} else if (i + 2 < len && s[i] == '\r' && s[i + 1] == '\n' &&
			   (s[i + 2] == ' ' || s[i + 2] == '\t')) {
			i += 3;
		} else {
			return i;
		}
	}
}

static bool
valchar(unsigned char c)
{
	return c >= 0x21 && c <= 0x7e && c != ';';
}

bool
dkim_tags_parse(const char *s, size_t len, struct dkim_tags *tl,
		const char **err)
{
	size_t i = 0;

	tl->n = 0;
	for (;;) {
		struct dkim_tag *t;
		size_t name, vend;

		i = skip_fws(s, len, i);
		if (i == len) {
			/* a trailing ";" is fine; no tag at all is not */
			if (tl->n == 0) {
				*err = "empty tag list";
				return false;
			}
			return true;
		}
		if (!isalpha((unsigned char)s[i])) {
			*err = s[i] == ';' ? "empty tag" : "bad tag name";
			return false;
		}
		name = i;
		while (i < len && (isalnum((unsigned char)s[i]) || s[i] == '_'))
			i++;
		if (tl->n == DKIM_MAX_TAGS) {
			*err = "too many tags";
			return false;
		}
		t = &tl->t[tl->n];
		t->name = s + name;
		t->name_len = i - name;
		i = skip_fws(s, len, i);
		if (i == len || s[i] != '=') {
			*err = "tag without '='";
			return false;
		}
		i++;
		t->value_off = i;
		i = skip_fws(s, len, i);
		t->value = s + i;
		vend = i;
		/* tvals separated by FWS */
		while (i < len && s[i] != ';') {
			if (valchar((unsigned char)s[i])) {
				i++;
				vend = i;
				continue;
			}
			size_t j = skip_fws(s, len, i);

			if (j == i) {
				*err = "bad character in tag value";
				return false;
			}
			i = j;
		}
		t->value_len = vend - (size_t)(t->value - s);
		t->end_off = i;
		for (size_t k = 0; k < tl->n; k++)
			if (tl->t[k].name_len == t->name_len &&
			    !memcmp(tl->t[k].name, t->name, t->name_len)) {
				*err = "duplicate tag";
				return false;
			}
		tl->n++;
		if (i == len)
			return true;
		i++;	/* ';' */
	}
}

const struct dkim_tag *
dkim_tags_get(const struct dkim_tags *tl, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < tl->n; i++)
		if (tl->t[i].name_len == n && !memcmp(tl->t[i].name, name, n))
			return &tl->t[i];
	return NULL;
}

char *
dkim_tag_nows(const struct dkim_tag *t)
{
	char *out = xmalloc(t->value_len + 1);
	size_t n = 0;

	for (size_t i = 0; i < t->value_len; i++)
		if (!isspace((unsigned char)t->value[i]))
			out[n++] = t->value[i];
	out[n] = '\0';
	return out;
}
