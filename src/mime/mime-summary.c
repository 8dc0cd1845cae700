/* mime-summary.c - decoded header values and SORT keys of a message
 * (RFC 5256 base subject, RFC 5957 display names) */
#include "mime/mime-private.h"

#include <string.h>

void
mime_summary_init(struct mime_summary *s)
{
	memset(s, 0, sizeof(*s));
	s->date = INT64_MIN;
}

void
mime_summary_free(struct mime_summary *s)
{
	struct buf *bufs[] = {
		&s->envelope, &s->body, &s->bodystructure, &s->partmap,
		&s->subject, &s->from, &s->to, &s->cc, &s->bcc,
		&s->message_id, &s->in_reply_to, &s->references,
		&s->sort_subject, &s->sort_from, &s->sort_to, &s->sort_cc,
		&s->display_from, &s->display_to,
	};

	for (size_t i = 0; i < sizeof(bufs) / sizeof(bufs[0]); i++)
		buf_free(bufs[i]);
	mime_summary_init(s);
}

static bool
is_wsp(unsigned char c)
{
	return c == ' ' || c == '\t';
}

/* strip_blob - "[...]" WSP* at the start; false if there is none */
static bool
strip_blob(struct buf *s, size_t *i)
{
	size_t j = *i;

	if (j >= s->len || s->data[j] != '[')
		return false;
	for (j++; j < s->len && s->data[j] != ']'; j++)
		if (s->data[j] == '[')
			return false;
	if (j >= s->len)
		return false;
	for (j++; j < s->len && is_wsp(s->data[j]); j++)
		;
	*i = j;
	return true;
}

/* strip_refwd - subj-refwd: ("re" / "fw" / "fwd") *WSP [blob] ":" */
static bool
strip_refwd(struct buf *s, size_t *i)
{
	size_t j = *i;

	if (j + 2 <= s->len && strncasecmp((char *)s->data + j, "re", 2) == 0)
		j += 2;
	else if (j + 3 <= s->len &&
		 strncasecmp((char *)s->data + j, "fwd", 3) == 0)
		j += 3;
	else if (j + 2 <= s->len &&
		 strncasecmp((char *)s->data + j, "fw", 2) == 0)
		j += 2;
	else
		return false;
	while (j < s->len && is_wsp(s->data[j]))
		j++;
	strip_blob(s, &j);
	if (j >= s->len || s->data[j] != ':')
		return false;
	*i = j + 1;
	return true;
}

void
mime_summary_base_subject(const unsigned char *p, size_t len,
			  struct buf *out)
{
	(void)mime_summary_base_subject_reply(p, len, out);
}

bool
mime_summary_base_subject_reply(const unsigned char *p, size_t len,
				struct buf *out)
{
	struct buf s = BUF_INIT, d = BUF_INIT;
	bool changed, reply = false;

	/* (1) decode, unfold, one space for each run of whitespace */
	mime_header_decode(p, len, &d);
	for (size_t i = 0; i < d.len; i++) {
		if (is_wsp(d.data[i])) {
			if (s.len > 0 && s.data[s.len - 1] == ' ')
				continue;
			buf_append_byte(&s, ' ');
		} else {
			buf_append_byte(&s, d.data[i]);
		}
	}
	buf_free(&d);
	for (;;) {
		/* (2) trailing "(fwd)" and whitespace */
		for (;;) {
			if (s.len > 0 && s.data[s.len - 1] == ' ')
				s.len--;
			else if (s.len >= 5 && strncasecmp((char *)s.data +
					s.len - 5, "(fwd)", 5) == 0) {
				s.len -= 5;
				reply = true;
			}
			else
				break;
		}
		/* (3)-(5) leading subj-leader and subj-blob */
		do {
			size_t k = 0;

			changed = false;
			for (;;) {
				size_t j = 0;

				while (j < s.len && is_wsp(s.data[j]))
					j++;
				if (j == 0) {
					while (strip_blob(&s, &j))
						;
					if (!strip_refwd(&s, &j))
						break;
					reply = true;
				}
				buf_consume(&s, j);
				changed = true;
			}
			if (strip_blob(&s, &k) && k < s.len) {
				buf_consume(&s, k);
				changed = true;
			}
		} while (changed);
		/* (6) "[fwd:" subject "]" */
		if (s.len >= 6 && strncasecmp((char *)s.data, "[fwd:", 5) == 0 &&
		    s.data[s.len - 1] == ']') {
			s.len--;
			buf_consume(&s, 5);
			reply = true;
			continue;
		}
		break;
	}
	buf_append(out, s.data, s.len);
	buf_free(&s);
	return reply;
}

/* first_address - the sort keys of the first address: its mailbox
 * (RFC 5256) and display name (RFC 5957); for a group, both are the
 * group's name (its ENVELOPE addr-mailbox), as in Dovecot */
static void
first_address(const struct mime_node *n, enum mime_field f,
	      struct buf *mailbox, struct buf *display)
{
	struct mime_address_list l = { NULL, 0 };

	if (!n->has[f])
		return;
	mime_address_parse(n->field[f].data, n->field[f].len, &l);
	for (size_t i = 0; i < l.n; i++) {
		const struct mime_address *a = &l.v[i];

		if (a->host == NULL && a->mailbox == NULL)
			continue;       /* a group's end */
		if (a->host == NULL) {
			if (mailbox != NULL)
				mime_charset_utf8_sanitize(
					(const unsigned char *)a->mailbox,
					strlen(a->mailbox), mailbox);
			if (display != NULL)
				mime_header_decode((const unsigned char *)a->mailbox,
						   strlen(a->mailbox), display);
			break;
		}
		if (mailbox != NULL)
			mime_charset_utf8_sanitize((const unsigned char *)a->mailbox,
						   strlen(a->mailbox), mailbox);
		if (display != NULL) {
			if (a->name != NULL && a->name[0] != '\0')
				mime_header_decode((const unsigned char *)a->name,
						   strlen(a->name), display);
			if (display->len == 0) {
				struct buf tmp = BUF_INIT;

				buf_printf(&tmp, "%s@%s", a->mailbox, a->host);
				mime_charset_utf8_sanitize(tmp.data, tmp.len,
							   display);
				buf_free(&tmp);
			}
		}
		break;
	}
	mime_address_list_free(&l);
}

/* search_addresses - the addresses of field f as SEARCH FROM/TO/CC/BCC
 * match them: the ENVELOPE's display name (decoded), local part and
 * domain as "name <local@domain>", one address a line, so that a key
 * never spans two; comments (but the one ENVELOPE takes as a name),
 * group names and the raw header text are left out */
static void
search_addresses(const struct mime_node *n, enum mime_field f, struct buf *out)
{
	struct mime_address_list l = { NULL, 0 };
	struct buf tmp = BUF_INIT;

	if (!n->has[f])
		return;
	mime_address_parse(n->field[f].data, n->field[f].len, &l);
	for (size_t i = 0; i < l.n; i++) {
		const struct mime_address *a = &l.v[i];
		bool named = a->name != NULL && a->name[0] != '\0';

		if (a->host == NULL)
			continue;       /* a group's start or end */
		if (out->len > 0)
			buf_append_byte(out, '\n');
		if (named) {
			mime_header_decode((const unsigned char *)a->name,
					   strlen(a->name), out);
			buf_append_str(out, " <");
		}
		buf_reset(&tmp);
		buf_append_str(&tmp, a->mailbox);
		/* "From: heidi" has no domain: ENVELOPE's placeholder is
		 * no part of the address */
		if (strcmp(a->host, "MISSING_DOMAIN") != 0)
			buf_printf(&tmp, "@%s", a->host);
		mime_charset_utf8_sanitize(tmp.data, tmp.len, out);
		if (named)
			buf_append_byte(out, '>');
	}
	buf_free(&tmp);
	mime_address_list_free(&l);
}

void
mime_summary_fill(const struct mime_tree *t, struct mime_summary *out)
{
	const struct mime_node *n = &t->nodes[0];
	const struct {
		enum mime_field f;
		struct buf *b;
		bool decode;
	} fields[] = {
		{ MIME_F_SUBJECT, &out->subject, true },
		{ MIME_F_MESSAGE_ID, &out->message_id, false },
		{ MIME_F_IN_REPLY_TO, &out->in_reply_to, false },
		{ MIME_F_REFERENCES, &out->references, false },
	};

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		const struct buf *v = &n->field[fields[i].f];

		if (!n->has[fields[i].f])
			continue;
		if (fields[i].decode) {
			mime_header_decode(v->data, v->len, fields[i].b);
		} else {
			struct buf tmp = BUF_INIT;

			/* ids are not decoded, only made safe text */
			mime_header_unfold(v->data, v->len, &tmp);
			mime_charset_utf8_sanitize(tmp.data, tmp.len, fields[i].b);
			buf_free(&tmp);
		}
	}
	if (n->has[MIME_F_SUBJECT])
		mime_summary_base_subject(n->field[MIME_F_SUBJECT].data,
					  n->field[MIME_F_SUBJECT].len,
					  &out->sort_subject);
	search_addresses(n, MIME_F_FROM, &out->from);
	search_addresses(n, MIME_F_TO, &out->to);
	search_addresses(n, MIME_F_CC, &out->cc);
	search_addresses(n, MIME_F_BCC, &out->bcc);
	first_address(n, MIME_F_FROM, &out->sort_from, &out->display_from);
	first_address(n, MIME_F_TO, &out->sort_to, &out->display_to);
	first_address(n, MIME_F_CC, &out->sort_cc, NULL);
	if (n->has[MIME_F_DATE]) {
		struct buf v = BUF_INIT;
		int64_t utc;
		int tz;

		mime_header_unfold(n->field[MIME_F_DATE].data,
				   n->field[MIME_F_DATE].len, &v);
		if (mime_date_parse(v.data, v.len, &utc, &tz)) {
			out->date = utc;
			out->date_tz = tz;
		}
		buf_free(&v);
	}
	out->size = t->size;
	out->header_len = n->body_start;
	out->nparts = t->n;
	out->truncated = t->truncated;
}
