/* jmap-snippet.c - SearchSnippet/get (RFC 8621 5.1): the subject and
 * a piece of the body with what the filter searched for marked
 * <mark>...</mark>, HTML-escaped */
#include "jmap/jmap-email.h"
#include "jmap/jmap-email-query.h"
#include "lib/casefold.h"
#include "mime/mime.h"

#include <stdlib.h>
#include <string.h>

#define SNIPPET_CHARS 255	/* characters of body around the first hit */
#define SNIPPET_BEFORE 40	/* of them before it */
#define SNIPPET_READ 65536	/* body text bytes looked at */

static size_t
cp_len(const char *s, size_t i, size_t n)
{
	size_t k = 1;

	while (i + k < n && ((unsigned char)s[i + k] & 0xC0) == 0x80)
		k++;
	return k;
}

/* the length of s[i..] whose fold is one of terms, or 0 */
static size_t
match_at(const char *s, size_t i, size_t n, json_t *terms)
{
	struct buf f = BUF_INIT;
	size_t best = 0;

	for (size_t t = 0; t < json_array_size(terms); t++) {
		const char *term = json_string_value(json_array_get(terms, t));
		size_t tl = strlen(term);

		for (size_t j = i; j < n;) {
			j += cp_len(s, j, n);
			buf_reset(&f);
			casefold(s + i, j - i, &f);
			if (f.len >= tl) {
				if (f.len == tl && memcmp(f.data, term, tl) == 0 &&
				    j - i > best)
					best = j - i;
				break;
			}
			if (memcmp(f.data, term, f.len) != 0)
				break;
		}
	}
	buf_free(&f);
	return best;
}

static void
escape(struct buf *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		switch (s[i]) {
		case '<': buf_append_str(out, "&lt;"); break;
		case '>': buf_append_str(out, "&gt;"); break;
		case '&': buf_append_str(out, "&amp;"); break;
		case '"': buf_append_str(out, "&quot;"); break;
		default: buf_append_byte(out, (unsigned char)s[i]);
		}
	}
}

/* s[0..n) escaped with the terms marked; NULL when none is in it */
static json_t *
marked(const char *s, size_t n, json_t *terms)
{
	struct buf out = BUF_INIT;
	bool any = false;
	json_t *j;

	for (size_t i = 0; i < n;) {
		size_t m = match_at(s, i, n, terms);

		if (m > 0) {
			buf_append_str(&out, "<mark>");
			escape(&out, s + i, m);
			buf_append_str(&out, "</mark>");
			i += m;
			any = true;
			continue;
		}
		size_t k = cp_len(s, i, n);

		escape(&out, s + i, k);
		i += k;
	}
	j = any ? json_stringn(out.data ? (const char *)out.data : "",
			       out.len) : json_null();
	buf_free(&out);
	return j;
}

#define SNIPPET_DEPTH 16	/* part nesting followed */

/* what text_cb gathers: the text of the parts a reader sees (of a
 * multipart/alternative only the first part with text, HTML without
 * its markup), whitespace runs as one space */
struct snip_text {
	struct buf *b;
	const unsigned char *partmap;
	size_t partmap_len;
	uint32_t cur[SNIPPET_DEPTH];	/* the part being read */
	size_t cur_depth;
	bool skip, html, in_tag;
	uint32_t alt[SNIPPET_DEPTH];	/* the alternative already read */
	size_t alt_depth;
	bool have_alt;
};

static void
snip_byte(struct buf *b, unsigned char ch)
{
	bool ws = ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';

	if (ws && (b->len == 0 || b->data[b->len - 1] == ' '))
		return;
	buf_append_byte(b, ws ? ' ' : ch);
}

/* a new part begins: is it HTML, and is it an alternative to a part
 * already read? */
static void
snip_part(struct snip_text *st, const uint32_t *section, size_t depth)
{
	struct mime_part_loc loc, parent;

	memcpy(st->cur, section, depth * sizeof(*section));
	st->cur_depth = depth;
	st->skip = st->html = st->in_tag = false;
	if (mime_part_find(st->partmap, st->partmap_len, section, depth, &loc))
		st->html = loc.subtype.len == 4 &&
			   memcmp(loc.subtype.p, "html", 4) == 0;
	if (depth == 0 || !mime_part_find(st->partmap, st->partmap_len,
					  section, depth - 1, &parent) ||
	    !parent.is_multipart || parent.subtype.len != 11 ||
	    memcmp(parent.subtype.p, "alternative", 11) != 0)
		return;
	if (st->have_alt && st->alt_depth == depth - 1 &&
	    memcmp(st->alt, section, (depth - 1) * sizeof(*section)) == 0) {
		st->skip = true;
		return;
	}
	memcpy(st->alt, section, (depth - 1) * sizeof(*section));
	st->alt_depth = depth - 1;
	st->have_alt = true;
}

static bool
text_cb(void *ctx, const uint32_t *section, size_t depth,
	const unsigned char *utf8, size_t len)
{
	struct snip_text *st = ctx;
	struct buf *b = st->b;

	if (depth > SNIPPET_DEPTH)
		return true;
	if (depth != st->cur_depth ||
	    memcmp(section, st->cur, depth * sizeof(*section)) != 0)
		snip_part(st, section, depth);
	if (st->skip)
		return true;
	for (size_t i = 0; i < len && b->len < SNIPPET_READ; i++) {
		unsigned char ch = utf8[i];

		if (st->html && st->in_tag) {
			if (ch == '>') {
				st->in_tag = false;
				snip_byte(b, ' ');
			}
			continue;
		}
		if (st->html && ch == '<') {
			st->in_tag = true;
			continue;
		}
		snip_byte(b, ch);
	}
	if (b->len > 0 && b->data[b->len - 1] != ' ')
		buf_append_byte(b, ' ');
	return b->len < SNIPPET_READ;
}

/* the body piece around the first hit, marked; null without one */
static json_t *
body_snippet(const char *s, size_t n, json_t *terms)
{
	size_t hit = SIZE_MAX, start, end, chars = 0;

	for (size_t i = 0; i < n; i += cp_len(s, i, n))
		if (match_at(s, i, n, terms) > 0) {
			hit = i;
			break;
		}
	if (hit == SIZE_MAX)
		return json_null();
	start = hit;
	for (size_t k = 0; k < SNIPPET_BEFORE && start > 0; k++) {
		start--;
		while (start > 0 && ((unsigned char)s[start] & 0xC0) == 0x80)
			start--;
	}
	for (end = start; end < n && chars < SNIPPET_CHARS; chars++)
		end += cp_len(s, end, n);
	while (end > start && s[end - 1] == ' ')
		end--;
	while (start < end && s[start] == ' ')
		start++;
	return marked(s + start, end - start, terms);
}

static int
snippet(struct jmap_ctx *c, const char *id, json_t *terms, json_t **out)
{
	struct jmap_email e;
	struct buf msg = BUF_INIT, text = BUF_INIT;
	struct snip_text st;
	const char *subj;
	int r;

	if ((r = jmap_email_load(c, id, STORE_MSG_PARSE, &e)) < 0)
		return r;
	subj = e.msg.parse.subject ? e.msg.parse.subject : "";
	*out = json_pack("{s:s, s:o, s:n}", "emailId", id, "subject",
			 marked(subj, strlen(subj), terms), "preview");
	if ((r = jmap_email_read(c, &e, SIZE_MAX, &msg)) == 0 &&
	    msg.len >= e.msg.prefix_len) {
		memset(&st, 0, sizeof(st));
		st.b = &text;
		st.partmap = e.msg.parse.partmap;
		st.partmap_len = e.msg.parse.partmap_len;
		st.cur_depth = SIZE_MAX;
		mime_body_text(e.msg.parse.partmap, e.msg.parse.partmap_len,
			       msg.data + e.msg.prefix_len,
			       msg.len - e.msg.prefix_len, text_cb, &st);
		json_object_set_new(*out, "preview", body_snippet(
			text.data ? (const char *)text.data : "", text.len,
			terms));
	}
	buf_free(&msg);
	buf_free(&text);
	jmap_email_clear(&e);
	return r;
}

json_t *
jmap_snippet_get(struct jmap_ctx *c, json_t *args, json_t **error_r)
{
	json_t *ids = json_object_get(args, "emailIds");
	json_t *res = NULL, *list, *nf, *terms;
	struct jfilter *f = NULL;
	struct jmap_mboxes mb;

	if (!json_is_array(ids)) {
		*error_r = jmap_error("invalidArguments", "emailIds");
		return NULL;
	}
	if (json_array_size(ids) > jmap_max_objects_in_get(c)) {
		*error_r = jmap_error("requestTooLarge", NULL);
		return NULL;
	}
	if (jmap_mboxes_load(c, &mb, error_r) < 0)
		return NULL;
	if ((*error_r = jmap_filter_parse(c, &mb, json_object_get(args, "filter"),
					  &f)) != NULL) {
		jmap_mboxes_free(&mb);
		return NULL;
	}
	terms = json_array();
	jmap_filter_terms(f, terms);
	list = json_array();
	nf = json_array();
	for (size_t i = 0; i < json_array_size(ids); i++) {
		const char *id = json_string_value(json_array_get(ids, i));
		json_t *o = NULL;
		int r;

		if (id == NULL) {
			*error_r = jmap_error("invalidArguments", "emailIds");
			break;
		}
		r = snippet(c, id, terms, &o);
		if (r == STORE_ENOTFOUND) {
			json_array_append(nf, json_array_get(ids, i));
		} else if (r < 0) {
			json_decref(o);
			*error_r = jmap_error("serverFail", store_strerror(r));
			break;
		} else {
			json_array_append_new(list, o);
		}
	}
	if (*error_r == NULL)
		res = json_pack("{s:s, s:O, s:O}", "accountId",
				c->account_id_str, "list", list, "notFound",
				nf);
	json_decref(list);
	json_decref(nf);
	json_decref(terms);
	jmap_filter_free(f);
	jmap_mboxes_free(&mb);
	return res;
}
