/* submit-message.c - a whole message in memory sent the way SMTP
 * submission sends one (contract in submit.h): JMAP's EmailSubmission
 * has the complete message, so the checks run on it at once instead of
 * field by field as smtp-deliver.c does while the body streams in */
#include "submit/submit.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "deliver/deliver.h"
#include "lib/conf.h"
#include "lib/log.h"
#include "mailauth/dkim.h"
#include "mime/mime.h"
#include "store/store.h"
#include "submit/submit-dkim-keys.h"

/* the fields whose addresses must be the account's (who sent it) */
static const char *const submit_sender_fields[] = {
	"From", "Sender", "Resent-From", "Resent-Sender",
};

const char *
submit_status_name(enum submit_status st)
{
	static const char *const names[] = {
		[SUBMIT_OK] = "ok",
		[SUBMIT_FORBIDDEN_MAIL_FROM] = "forbidden-mail-from",
		[SUBMIT_FORBIDDEN_FROM] = "forbidden-from",
		[SUBMIT_INVALID_EMAIL] = "invalid-email",
		[SUBMIT_NO_RECIPIENTS] = "no-recipients",
		[SUBMIT_TOO_MANY_RECIPIENTS] = "too-many-recipients",
		[SUBMIT_INVALID_RECIPIENTS] = "invalid-recipients",
		[SUBMIT_TOO_BIG] = "too-big",
		[SUBMIT_TEMPFAIL] = "tempfail",
	};

	return (size_t)st < sizeof(names) / sizeof(names[0]) ? names[st] : "?";
}

void
submit_outcome_free(struct submit_outcome *o)
{
	free(o->bad);
	o->bad = NULL;
}

/* the header's length, its blank line included (all of it: a message
 * that is all header) */
static size_t
submit_header_len(const unsigned char *p, size_t len)
{
	if (len >= 2 && p[0] == '\r' && p[1] == '\n')
		return 2;
	for (size_t i = 0; i + 3 < len; i++)
		if (memcmp(p + i, "\r\n\r\n", 4) == 0)
			return i + 4;
	return len;
}

/* the end of the field starting at p[i] (after its CRLF and folded
 * continuation lines) */
static size_t
submit_field_end(const unsigned char *p, size_t len, size_t i)
{
	for (;;) {
		const unsigned char *nl = memchr(p + i, '\n', len - i);

		if (nl == NULL)
			return len;
		i = (size_t)(nl - p) + 1;
		if (i >= len || (p[i] != ' ' && p[i] != '\t'))
			return i;
	}
}

static bool
submit_field_is(const unsigned char *f, size_t len, const char *name)
{
	size_t n = strlen(name);

	return len > n && f[n] == ':' && strncasecmp((const char *)f, name,
						     n) == 0;
}

/* every sender field's addresses owned: SUBMIT_OK, FORBIDDEN_FROM (bad
 * set), or TEMPFAIL */
static enum submit_status
submit_check_fields(struct store *store, const struct tern_conf *conf,
		    const struct submit_msg *m, size_t hlen,
		    struct submit_outcome *out)
{
	struct buf raw = BUF_INIT, v = BUF_INIT;
	enum submit_status st = SUBMIT_OK;

	for (size_t i = 0; i < sizeof(submit_sender_fields) /
	     sizeof(submit_sender_fields[0]) && st == SUBMIT_OK; i++) {
		int rc;

		buf_reset(&raw);
		if (!mime_header_get(m->data, hlen, submit_sender_fields[i],
				     &raw))
			continue;
		buf_reset(&v);
		mime_header_unfold((const unsigned char *)raw.data, raw.len,
				   &v);
		rc = submit_from_owned(store, conf->store.plus_separator,
				       m->account_id, m->account,
				       (const unsigned char *)v.data, v.len,
				       &out->bad);
		if (rc < 0)
			st = SUBMIT_TEMPFAIL;
		else if (rc == 0)
			st = SUBMIT_FORBIDDEN_FROM;
	}
	buf_free(&raw);
	buf_free(&v);
	return st;
}

/* the message as sent: the added fields, the header without Bcc (RFC
 * 5322 3.6.3: its recipients are not shown), the body */
static void
submit_rewrite(const struct tern_conf *conf, const struct submit_msg *m,
	       size_t hlen, struct buf *msg)
{
	const unsigned char *p = m->data;
	bool date = false, msgid = false;

	for (size_t i = 0; i < hlen && !(p[i] == '\r' || p[i] == '\n');) {
		size_t end = submit_field_end(p, hlen, i);

		if (submit_field_is(p + i, end - i, "Date"))
			date = true;
		else if (submit_field_is(p + i, end - i, "Message-ID"))
			msgid = true;
		i = end;
	}
	if (!date)
		submit_date_field(msg, time(NULL));
	if (!msgid)
		submit_message_id_field(msg, m->id, conf->hostname);
	for (size_t i = 0; i < hlen;) {
		size_t end = (p[i] == '\r' || p[i] == '\n') ? hlen :
			     submit_field_end(p, hlen, i);

		if (!submit_field_is(p + i, end - i, "Bcc"))
			buf_append(msg, p + i, end - i);
		i = end;
	}
	buf_append(msg, p + hlen, m->len - hlen);
}

/* the DKIM-Signature fields for msg, appended to front, when the
 * sender's domain has keys */
static bool
submit_sign(const struct tern_conf *conf, struct submit_dkim_keys *keys,
	    const char *mail_from, const struct buf *msg, struct buf *front)
{
	const char *at = strrchr(mail_from, '@');
	struct dkim_keyset *ks;
	struct dkim_signer *signer;
	char *err = NULL, *sig;

	if (!conf->auth_checks.sign || keys == NULL || at == NULL)
		return false;
	ks = submit_dkim_keys_get(keys, at + 1);
	if (ks == NULL)
		return false;
	signer = dkim_sign_new(ks, 0);
	dkim_sign_message(signer, (const char *)msg->data, msg->len);
	sig = dkim_sign_finish(signer, &err);
	dkim_sign_free(signer);
	dkim_keys_free(ks);
	if (sig == NULL) {
		/* sent unsigned rather than not at all, as SMTP does */
		log_error(0, "dkim sign failed error=\"%s\"", err ? err : "?");
		free(err);
		return false;
	}
	buf_append_str(front, sig);
	free(sig);
	return true;
}

/* the recipients resolved into store rows (locals once per account);
 * bufs keeps the prefixes, filled in after every row is known */
static enum submit_status
submit_resolve(struct store *store, const struct submit_msg *m,
	       struct store_rcpt **rows_r, size_t *n_r,
	       struct store_resolved *res, struct submit_outcome *out)
{
	size_t cap = 0, n = 0;
	struct store_rcpt *rows;

	for (size_t i = 0; i < m->n_rcpts; i++) {
		int rc = store_resolve(store, m->rcpts[i], &res[i]);

		if (rc == STORE_ENOTLOCAL) {
			cap++;
			continue;
		}
		if (rc == STORE_ENOTFOUND || rc == STORE_EBADADDR ||
		    rc == STORE_ELOOP) {
			out->bad = xstrdup(m->rcpts[i]);
			return SUBMIT_INVALID_RECIPIENTS;
		}
		if (rc < 0)
			return SUBMIT_TEMPFAIL;
		cap += res[i].n;
	}
	rows = xcalloc(cap ? cap : 1, sizeof(*rows));
	for (size_t i = 0; i < m->n_rcpts; i++) {
		bool remote = res[i].n == 0;

		for (size_t j = 0; j < (remote ? 1 : res[i].n); j++) {
			const struct store_target *tg = remote ? NULL :
							&res[i].v[j];
			enum store_rcpt_kind kind = tg == NULL ||
				tg->kind != STORE_TARGET_LOCAL ?
				STORE_RCPT_REMOTE : STORE_RCPT_LOCAL;
			const char *addr = tg ? tg->address : m->rcpts[i];
			bool dup = false;

			for (size_t k = 0; k < n && !dup; k++)
				dup = rows[k].kind == kind &&
				      (kind == STORE_RCPT_LOCAL ?
				       rows[k].account_id == tg->account_id :
				       strcasecmp(rows[k].address, addr) == 0);
			if (dup)
				continue;
			rows[n].kind = kind;
			rows[n].account_id = tg && kind == STORE_RCPT_LOCAL ?
					     tg->account_id : 0;
			rows[n].address = addr;
			rows[n].mailbox = tg ? tg->mailbox : NULL;
			rows[n].create_mailbox = rows[n].mailbox != NULL;
			n++;
		}
	}
	*rows_r = rows;
	*n_r = n;
	return SUBMIT_OK;
}

/* the local recipients' Sieve scripts (deliver.h), run here: this is
 * off the loop already. NULL when there are none to run; else the rows
 * to store replace *rows_r (*n_r may become 0: nothing to store) */
static struct deliver_sieve *
submit_sieve(struct store *store, const struct tern_conf *conf,
	     const struct submit_msg *m, struct store_rcpt **rows_r,
	     size_t *n_r, const struct buf *msg, const struct buf *front)
{
	struct deliver_env env = {
		.store = store, .conf = conf, .id = m->id,
		.sender = m->mail_from, .auth = m->account,
		.local_front = front->data, .local_front_len = front->len,
		.remote_front = front->data, .remote_front_len = front->len,
	};
	struct deliver_sieve *d;
	const char *reason;

	if (!deliver_sieve_wanted(conf, store, *rows_r, *n_r))
		return NULL;
	d = deliver_sieve_new(&env, *rows_r, *n_r, NULL);
	deliver_sieve_run(d, NULL, msg->data, msg->len);
	/* JMAP cannot refuse: rejections go back by DSN */
	if (deliver_sieve_outcome(d, false, &reason) == DELIVER_NOTHING)
		*n_r = 0;
	else
		*rows_r = deliver_sieve_rows(d, n_r);
	return d;
}

/* build the rows' prefixes, run the scripts, write the blob and commit */
static enum submit_status
submit_store(struct store *store, const struct tern_conf *conf,
	     const struct submit_msg *m, struct store_rcpt *rows, size_t n,
	     const struct buf *msg, const struct buf *front,
	     struct submit_outcome *out)
{
	struct store_envelope env = { .sender = m->mail_from };
	struct store_blob *blob = NULL;
	struct buf prefixes = BUF_INIT;
	size_t *offs = xcalloc(n * 2 + 1, sizeof(*offs));
	struct deliver_sieve *sieve;
	int rc;

	for (size_t i = 0; i < n; i++) {
		offs[i * 2] = prefixes.len;
		if (rows[i].kind == STORE_RCPT_LOCAL)
			submit_delivery_prefix(&prefixes, m->mail_from,
					       rows[i].address);
		buf_append(&prefixes, front->data, front->len);
		offs[i * 2 + 1] = prefixes.len;
	}
	for (size_t i = 0; i < n; i++) {
		rows[i].prefix = prefixes.data + offs[i * 2];
		rows[i].prefix_len = offs[i * 2 + 1] - offs[i * 2];
	}
	free(offs);
	sieve = submit_sieve(store, conf, m, &rows, &n, msg, front);
	rc = n == 0 ? 0 : store_blob_begin(store, &blob);
	if (rc == 0 && n > 0)
		rc = store_blob_write(blob, msg->data, msg->len);
	if (rc != 0 || n == 0)
		store_blob_abort(&blob);
	else
		rc = store_deliver(store, &blob, &env, rows, n,
				   &out->queue_msg_id, NULL, NULL);
	if (rc == 0 && n == 0)
		out->local++;	/* the scripts took it (discard, reject) */
	for (size_t i = 0; rc == 0 && i < n; i++) {
		if (rows[i].status != 0)
			log_warn(0, "submit rcpt not delivered id=%s "
				 "account=%lld error=%s", m->id,
				 (long long)rows[i].account_id,
				 store_strerror(rows[i].status));
		else if (rows[i].kind == STORE_RCPT_LOCAL)
			out->local++;
		else
			out->remote++;
	}
	if (sieve && rc == 0)
		deliver_sieve_followup(sieve);
	deliver_sieve_free(&sieve);
	buf_free(&prefixes);
	if (rc == STORE_ETOOBIG)
		return SUBMIT_TOO_BIG;
	if (rc != 0) {
		log_error(0, "submit deliver failed id=%s error=%s", m->id,
			  store_strerror(rc));
		return SUBMIT_TEMPFAIL;
	}
	return out->local + out->remote > 0 ? SUBMIT_OK : SUBMIT_TEMPFAIL;
}

enum submit_status
submit_message(struct store *store, const struct tern_conf *conf,
	       struct submit_dkim_keys *keys, const struct submit_msg *m,
	       struct submit_outcome *out)
{
	struct store_resolved *res = NULL;
	struct store_rcpt *rows = NULL;
	struct buf msg = BUF_INIT, front = BUF_INIT, from = BUF_INIT;
	size_t hlen = submit_header_len(m->data, m->len), n = 0;
	enum submit_status st = SUBMIT_OK;
	int rc;

	memset(out, 0, sizeof(*out));
	if (m->n_rcpts == 0)
		return SUBMIT_NO_RECIPIENTS;
	if (conf->smtp.max_recipients && m->n_rcpts > conf->smtp.max_recipients)
		return SUBMIT_TOO_MANY_RECIPIENTS;
	if (hlen == 0 || !mime_header_get(m->data, hlen, "From", &from))
		st = SUBMIT_INVALID_EMAIL;
	buf_free(&from);
	/* the header first: what the reader sees names who sent it */
	if (st == SUBMIT_OK && !conf->smtp.allow_sender_mismatch)
		st = submit_check_fields(store, conf, m, hlen, out);
	if (st == SUBMIT_OK && !conf->smtp.allow_sender_mismatch) {
		rc = m->mail_from[0] == '\0' ? 0 :
		     submit_sender_owned(store, conf->store.plus_separator,
					 m->account_id, m->account,
					 m->mail_from);
		if (rc < 0) {
			st = SUBMIT_TEMPFAIL;
		} else if (rc == 0) {
			out->bad = xstrdup(m->mail_from);
			st = SUBMIT_FORBIDDEN_MAIL_FROM;
		}
	}
	if (st == SUBMIT_OK) {
		res = xcalloc(m->n_rcpts, sizeof(*res));
		st = submit_resolve(store, m, &rows, &n, res, out);
	}
	if (st == SUBMIT_OK) {
		submit_rewrite(conf, m, hlen, &msg);
		out->signed_dkim = submit_sign(conf, keys, m->mail_from, &msg,
					       &front);
		st = submit_store(store, conf, m, rows, n, &msg, &front, out);
	}
	log_info(0, "submit message id=%s user=%s rcpts=%zu local=%zu "
		 "remote=%zu dkim=%s result=%s", m->id, m->account, m->n_rcpts,
		 out->local, out->remote, out->signed_dkim ? "yes" : "no",
		 submit_status_name(st));
	for (size_t i = 0; res != NULL && i < m->n_rcpts; i++)
		store_resolved_free(&res[i]);
	free(res);
	free(rows);
	buf_free(&msg);
	buf_free(&front);
	return st;
}
