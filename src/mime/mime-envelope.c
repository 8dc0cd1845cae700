/* mime-envelope.c - IMAP ENVELOPE (RFC 3501 / RFC 9051 7.5.2) */
#include "mime/mime-private.h"

#include <string.h>

/* nstring of an unfolded header value; NIL if the field is absent */
static void
write_text(const struct mime_node *n, enum mime_field f, struct buf *out)
{
	struct buf v = BUF_INIT;

	if (!n->has[f]) {
		buf_append(out, "NIL", 3);
		return;
	}
	mime_header_unfold(n->field[f].data, n->field[f].len, &v);
	mime_imap_string(out, v.data ? v.data : (const unsigned char *)"",
			 v.len);
	buf_free(&v);
}

static void
cstr_nstring(struct buf *out, const char *s)
{
	if (s == NULL)
		buf_append(out, "NIL", 3);
	else
		mime_imap_string(out, (const unsigned char *)s, strlen(s));
}

/* write_addresses - "((name adl mailbox host)...)" or NIL; false if the
 * field is absent or holds no address */
static bool
write_addresses(const struct mime_node *n, enum mime_field f,
		struct buf *out)
{
	struct mime_address_list l = { NULL, 0 };

	if (!n->has[f])
		return false;
	mime_address_parse(n->field[f].data, n->field[f].len, &l);
	if (l.n == 0)
		return false;
	buf_append_byte(out, '(');
	for (size_t i = 0; i < l.n; i++) {
		buf_append_byte(out, '(');
		cstr_nstring(out, l.v[i].name);
		buf_append_byte(out, ' ');
		cstr_nstring(out, l.v[i].route);
		buf_append_byte(out, ' ');
		cstr_nstring(out, l.v[i].mailbox);
		buf_append_byte(out, ' ');
		cstr_nstring(out, l.v[i].host);
		buf_append_byte(out, ')');
	}
	buf_append_byte(out, ')');
	mime_address_list_free(&l);
	return true;
}

void
mime_envelope_write(const struct mime_node *msg, struct buf *out)
{
	static const enum mime_field addr_fields[] = {
		MIME_F_FROM, MIME_F_SENDER, MIME_F_REPLY_TO, MIME_F_TO,
		MIME_F_CC, MIME_F_BCC,
	};

	buf_append_byte(out, '(');
	write_text(msg, MIME_F_DATE, out);
	buf_append_byte(out, ' ');
	write_text(msg, MIME_F_SUBJECT, out);
	for (size_t i = 0; i < sizeof(addr_fields) / sizeof(addr_fields[0]);
	     i++) {
		enum mime_field f = addr_fields[i];

		buf_append_byte(out, ' ');
		if (write_addresses(msg, f, out))
			continue;
		/* absent or empty Sender and Reply-To: the From value */
		if ((f == MIME_F_SENDER || f == MIME_F_REPLY_TO) &&
		    write_addresses(msg, MIME_F_FROM, out))
			continue;
		buf_append(out, "NIL", 3);
	}
	buf_append_byte(out, ' ');
	write_text(msg, MIME_F_IN_REPLY_TO, out);
	buf_append_byte(out, ' ');
	write_text(msg, MIME_F_MESSAGE_ID, out);
	buf_append_byte(out, ')');
}
