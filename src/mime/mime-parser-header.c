/* mime-parser-header.c - header fields of a part, as the parser reads
 * them: which fields are kept, within which budgets, and what a part's
 * Content-Type and Content-Transfer-Encoding make of it */
#include "mime/mime-private.h"

#include <string.h>

static const char *const field_names[MIME_F_COUNT] = {
	"content-type", "content-transfer-encoding", "content-id",
	"content-description", "content-disposition", "content-language",
	"content-location", "content-md5", "date", "subject", "from",
	"sender", "reply-to", "to", "cc", "bcc", "in-reply-to",
	"message-id", "references",
};

/* the structure needs Content-Type and the CTE: their first KB is kept
 * whatever the budgets say */
#define STRUCTURE_FLOOR 1024

void
mime_parser_header_field(struct mime_fields *f)
{
	f->fs = MIME_FS_NAME;
	f->nlen = 0;
	f->name_long = false;
}

/* name_end - the ':' ends the name: keep the field if it is wanted */
static void
name_end(struct mime_fields *f, struct mime_node *n)
{
	size_t nl = f->nlen;

	while (nl > 0 && (f->name[nl - 1] == ' ' || f->name[nl - 1] == '\t'))
		nl--;
	f->fs = MIME_FS_SKIP;
	if (f->name_long)
		return;
	for (int i = 0; i < MIME_F_COUNT; i++) {
		if (i >= MIME_F_FIRST_MESSAGE && !n->message_header)
			return;
		if (strlen(field_names[i]) == nl &&
		    memcmp(field_names[i], f->name, nl) == 0) {
			/* the first occurrence wins */
			if (!n->has[i]) {
				n->has[i] = true;
				f->field = (enum mime_field)i;
				f->fs = MIME_FS_VALUE;
			}
			return;
		}
	}
}

/* value_room - how many more bytes the current field may keep: a field
 * gets at most an eighth of the part's budget, so that one huge field
 * cannot hide the others, and all parts share a total budget */
static size_t
value_room(const struct mime_fields *f, const struct mime_node *n,
	   const struct mime_limits *lim, size_t kept_total)
{
	const struct buf *v = &n->field[f->field];
	size_t cap = lim->max_header_bytes / 8 + 1;
	size_t room = lim->max_header_bytes > n->kept ?
		      lim->max_header_bytes - n->kept : 0;

	if (kept_total >= lim->max_total_header_bytes)
		room = 0;
	else if (lim->max_total_header_bytes - kept_total < room)
		room = lim->max_total_header_bytes - kept_total;
	if (v->len >= cap)
		room = 0;
	else if (cap - v->len < room)
		room = cap - v->len;
	if ((f->field == MIME_F_CONTENT_TYPE || f->field == MIME_F_CTE) &&
	    v->len < STRUCTURE_FLOOR && room < STRUCTURE_FLOOR - v->len)
		room = STRUCTURE_FLOOR - v->len;
	return room;
}

void
mime_parser_header_data(struct mime_fields *f, struct mime_node *n,
			const struct mime_limits *lim, size_t *kept_total,
			bool *truncated, const unsigned char *d, size_t len)
{
	size_t i = 0;

	while (i < len && f->fs == MIME_FS_NAME) {
		unsigned char c = d[i++];

		if (c == '\n') {
			f->fs = MIME_FS_SKIP;   /* a line without ':' */
		} else if (c == ':') {
			name_end(f, n);
		} else if (f->nlen < MIME_FIELD_NAME_MAX) {
			f->name[f->nlen++] = c >= 'A' && c <= 'Z' ?
					     (unsigned char)(c + 32) : c;
		} else {
			f->name_long = true;
		}
	}
	if (i < len && f->fs == MIME_FS_VALUE) {
		size_t room = value_room(f, n, lim, *kept_total);
		size_t take = len - i;

		if (take > room) {
			take = room;
			*truncated = true;
			f->fs = MIME_FS_SKIP;
		}
		buf_append(&n->field[f->field], d + i, take);
		n->kept += take;
		*kept_total += take;
	}
}

static void
lower(struct buf *b)
{
	for (size_t i = 0; i < b->len; i++)
		if (b->data[i] >= 'A' && b->data[i] <= 'Z')
			b->data[i] += 32;
}

void
mime_parser_header_derive(struct mime_node *n, bool digest_child)
{
	struct buf ct = BUF_INIT;
	ptrdiff_t slash;

	if (n->has[MIME_F_CONTENT_TYPE])
		mime_rfc2231_parse(n->field[MIME_F_CONTENT_TYPE].data,
				   n->field[MIME_F_CONTENT_TYPE].len, &ct,
				   &n->params);
	slash = slice_find(buf_slice(&ct), '/');
	if (slash > 0 && (size_t)slash + 1 < ct.len) {
		buf_append(&n->type, ct.data, (size_t)slash);
		buf_append(&n->subtype, ct.data + slash + 1,
			   ct.len - (size_t)slash - 1);
		lower(&n->type);
		lower(&n->subtype);
	} else {
		/* absent or invalid: the default (RFC 2045 5.2) */
		buf_append_str(&n->type, digest_child ? "message" : "text");
		buf_append_str(&n->subtype, digest_child ? "rfc822" : "plain");
	}
	buf_free(&ct);
	if (slice_eq_cstr(buf_slice(&n->type), "text") &&
	    mime_params_get(&n->params, "charset") == NULL) {
		/* RFC 2045 5.2: text defaults to us-ascii, as IMAP shows it */
		struct mime_param *cs;

		n->params.v = mime_grow(n->params.v, n->params.n,
					sizeof(*n->params.v));
		cs = &n->params.v[n->params.n++];
		memset(cs, 0, sizeof(*cs));
		buf_append_str(&cs->name, "charset");
		buf_append_str(&cs->raw, "us-ascii");
		buf_append_str(&cs->value, "us-ascii");
	}
	n->cte = n->has[MIME_F_CTE] ?
		 mime_cte_parse(n->field[MIME_F_CTE].data,
				n->field[MIME_F_CTE].len) : MIME_CTE_7BIT;
}
