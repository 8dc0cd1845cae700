/* smtp-cmd-data.c - DATA and BDAT: switch to raw input and stream the
 * message through the receivers (smtp-data.h) into the blob */
#include "smtp/smtp-session.h"

#include <string.h>

#include "lib/log.h"

static const struct smtp_status smtp_no_rcpt = {
	554, "5.5.1", "No valid recipients"
};
static const struct smtp_status smtp_need_mail = {
	503, "5.5.1", "Need MAIL and RCPT first"
};

/* the receivers are set for a new message */
static void
smtp_cmd_data_start(struct smtp_session *s)
{
	const struct tern_conf *conf = smtp_session_conf(s);

	smtp_data_init(&s->txn.data, conf->smtp.max_message_size,
		       conf->smtp.max_data_line);
}

bool
smtp_cmd_data(struct smtp_session *s, struct slice args)
{
	/* check */
	if (s->txn.bdat) {
		smtp_session_reply(s, 503, "5.5.1", "DATA inside a BDAT transaction");
		return false;
	}
	if (s->state == SMTP_S_MAIL) {
		smtp_session_status(s, &smtp_no_rcpt);
		return false;
	}
	if (s->state != SMTP_S_RCPT) {
		smtp_session_status(s, &smtp_need_mail);
		return false;
	}
	/* proceed */
	if (!smtp_deliver_begin(s)) {
		smtp_session_status(s, &smtp_deliver_tempfail);
		return true;
	}
	smtp_cmd_data_start(s);
	s->state = SMTP_S_DATA;
	smtp_session_reply(s, 354, NULL, "End data with <CR><LF>.<CR><LF>");
	smtp_session_timeout(s);
	return true;
}

/* "BDAT n [LAST]" */
static bool
smtp_cmd_bdat_args(struct slice args, uint64_t *n, bool *last)
{
	ptrdiff_t sp = slice_find(args, ' ');
	struct slice num = { args.p, sp < 0 ? args.len : (size_t)sp };

	*last = false;
	if (num.len == 0 || num.len > 19 || !slice_to_u64(num, n))
		return false;
	if (sp < 0)
		return true;
	struct slice rest = { args.p + sp + 1, args.len - (size_t)sp - 1 };
	if (!slice_case_eq_cstr(rest, "LAST"))
		return false;
	*last = true;
	return true;
}

/* a whole chunk has been read */
static void
smtp_cmd_bdat_done(struct smtp_session *s)
{
	struct smtp_txn *t = &s->txn;
	const struct smtp_status *st;

	s->state = SMTP_S_RCPT;
	if (t->chunk_reply != NULL) {
		/* refused before it started: no transaction was touched */
		st = t->chunk_reply;
		t->chunk_reply = NULL;
		if (!t->bdat)
			s->state = t->n_rcpts ? SMTP_S_RCPT :
				   t->id[0] ? SMTP_S_MAIL : SMTP_S_HELO;
		smtp_session_status(s, st);
		if (t->chunk_last && t->bdat)
			smtp_session_reset(s);
		return;
	}
	smtp_deliver_write(s);
	if (t->chunk_last) {
		smtp_bdat_finish(&t->data);
		smtp_deliver_finish(s);
		return;
	}
	st = smtp_data_status(&t->data);
	if (st != NULL || t->store_error) {
		/* fail now; later chunks get the same answer until LAST */
		smtp_deliver_finish(s);
		return;
	}
	smtp_session_reply(s, 250, "2.0.0", "%llu octets received",
			   (unsigned long long)t->chunk_size);
}

bool
smtp_cmd_bdat(struct smtp_session *s, struct slice args)
{
	struct smtp_txn *t = &s->txn;
	uint64_t n;
	bool last, ok;

	if (!smtp_cmd_bdat_args(args, &n, &last)) {
		/* the chunk's end is unknown: no way to stay in sync */
		smtp_session_reply(s, 501, "5.5.4", "Syntax: BDAT size [LAST]");
		s->state = SMTP_S_QUIT;
		conn_close(s->conn, "bdat-syntax");
		return false;
	}
	t->chunk_last = last;
	t->chunk_size = n;
	t->chunk_reply = NULL;
	/* check: a refused chunk is still read (RFC 3030 2), then answered */
	if (t->failed != NULL)
		t->chunk_reply = t->failed;
	else if (s->state == SMTP_S_MAIL)
		t->chunk_reply = &smtp_no_rcpt;
	else if (s->state != SMTP_S_RCPT)
		t->chunk_reply = &smtp_need_mail;
	if (t->chunk_reply == NULL && !t->bdat) {
		/* proceed: the first chunk opens the message */
		if (!smtp_deliver_begin(s))
			t->chunk_reply = &smtp_deliver_tempfail;
		else {
			smtp_cmd_data_start(s);
			t->bdat = true;
		}
	}
	/* a refused chunk counts as an error, a failed transaction's
	 * later chunks do not (the client could not know) */
	ok = t->chunk_reply == NULL || t->failed != NULL;
	smtp_bdat_chunk(&t->data, n);
	s->state = SMTP_S_BDAT;
	smtp_session_timeout(s);
	if (n == 0)
		smtp_cmd_bdat_done(s);
	return ok;
}

bool
smtp_cmd_data_input(struct smtp_session *s)
{
	struct smtp_txn *t = &s->txn;
	struct slice in = conn_input(s->conn);
	size_t used = 0;
	bool done;

	if (in.len == 0)
		return false;
	if (s->state == SMTP_S_DATA) {
		done = smtp_data_feed(&t->data, in.p, in.len, &t->chunk, &used);
		conn_consume(s->conn, used);
		smtp_deliver_write(s);
		if (!done)
			return false;
		smtp_deliver_finish(s);
	} else {
		done = smtp_bdat_feed(&t->data, in.p, in.len, &t->chunk, &used);
		conn_consume(s->conn, used);
		if (t->chunk_reply != NULL)
			buf_reset(&t->chunk);
		else
			smtp_deliver_write(s);
		if (!done)
			return false;
		smtp_cmd_bdat_done(s);
	}
	return s->state != SMTP_S_CHECK && s->state != SMTP_S_DELIVER &&
	       s->state != SMTP_S_QUIT;
}
