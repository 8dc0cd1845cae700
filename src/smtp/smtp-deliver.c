/* smtp-deliver.c - a message's way into the store: the blob opened with
 * our Received header, the body streamed in as it arrives (header fields
 * noticed on the way, and handed one by one to the mail checks or the
 * DKIM signer), the checks' verdict awaited, per-recipient Return-Path
 * and Delivered-To plus the front fields (Authentication-Results,
 * DKIM-Signature), one store_deliver() commit, and the final reply from
 * its completion */
#include "smtp/smtp-session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "deliver/deliver.h"
#include "lib/log.h"
#include "lib/metrics.h"
#include "mailauth/authres.h"
#include "mailauth/dkim.h"
#include "smtp/smtp-arc.h"
#include "smtp/smtp-auth.h"
#include "smtp/smtp-bounce.h"
#include "smtp/smtp-milter.h"
#include "submit/submit-dkim-keys.h"
#include "submit/submit.h"
#include "smtp/smtp-srs.h"

const struct smtp_status smtp_deliver_tempfail = {
	451, "4.3.0", "Temporary failure, please try again later"
};
static const struct smtp_status smtp_deliver_toobig = {
	552, "5.3.4", "Message size exceeds fixed maximum message size"
};
static const struct smtp_status smtp_deliver_quota = {
	452, "4.2.2", "Mailbox full"
};
/* RFC 3463 X.4.6; Postfix answers the same way */
static const struct smtp_status smtp_deliver_hops = {
	554, "5.4.6", "Too many hops: mail loop?"
};
static const struct smtp_status smtp_deliver_looped = {
	554, "5.4.6", "Mail forwarding loop: already delivered to a recipient"
};

/* RFC 6531 3.7.3 / RFC 3848 "with" protocol names */
static const char *
smtp_deliver_protocol(const struct smtp_session *s)
{
	static const char *const names[2][2][2] = {
		{ { "ESMTP", "ESMTPA" }, { "ESMTPS", "ESMTPSA" } },
		{ { "UTF8SMTP", "UTF8SMTPA" }, { "UTF8SMTPS", "UTF8SMTPSA" } },
	};

	if (!s->esmtp)
		return "SMTP";
	return names[s->txn.mail.smtputf8][conn_is_tls(s->conn)]
		    [s->auth_account_id != 0];
}

static void
smtp_deliver_received(struct smtp_session *s, struct buf *b)
{
	const struct smtp_txn *t = &s->txn;
	char date[64];
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S %z", &tm);
	buf_printf(b, "Received: from %s ([%s])\r\n\tby %s (tern) with %s id %s",
		   s->helo[0] ? s->helo : "unknown", conn_peer_ip(s->conn),
		   smtp_session_conf(s)->hostname, smtp_deliver_protocol(s),
		   t->id);
	if (conn_is_tls(s->conn))
		buf_printf(b, "\r\n\t(using %s with cipher %s)",
			   conn_tls_version(s->conn), conn_tls_cipher(s->conn));
	if (t->n_rcpts == 1)
		buf_printf(b, "\r\n\tfor <%s>", t->rcpts[0].addr);
	buf_printf(b, ";\r\n\t%s\r\n", date);
}

/* MAIL accepted: port 25's SPF check starts now and runs while the
 * client sends RCPT and the message */
void
smtp_deliver_mail(struct smtp_session *s)
{
	if (s->policy->mail_checks && smtp_session_conf(s)->auth_checks.enable)
		s->txn.auth = smtp_auth_start(s);
}

/* submission: a signer when the sender's domain has DKIM keys (the
 * envelope sender, which submission has checked is the user's) */
static void
smtp_deliver_signer(struct smtp_session *s)
{
	const struct tern_conf *conf = smtp_session_conf(s);
	struct smtp_txn *t = &s->txn;
	const char *domain = NULL, *at;

	if (!s->policy->dkim_sign || !conf->auth_checks.sign ||
	    s->auth_account_id == 0)
		return;
	if (!t->from.null && t->from.domain[0] && !t->from.literal)
		domain = t->from.domain;
	else if (s->auth_address && (at = strrchr(s->auth_address, '@')))
		domain = at + 1;
	if (domain == NULL)
		return;
	/* the keys in memory: no file I/O on the loop (no keys: unsigned) */
	t->dkim_keys = submit_dkim_keys_get(s->env->dkim_keys, domain);
	if (t->dkim_keys != NULL)
		t->signer = dkim_sign_new(t->dkim_keys, 0);
}

bool
smtp_deliver_begin(struct smtp_session *s)
{
	struct smtp_txn *t = &s->txn;
	struct buf b = BUF_INIT;
	int rc;

	rc = store_blob_begin(s->env->store, &t->blob);
	if (rc != 0) {
		log_error(s->id, "smtp blob begin failed id=%s error=%s", t->id,
			  store_strerror(rc));
		return false;
	}
	smtp_deliver_received(s, &b);
	rc = store_blob_write(t->blob, b.data, b.len);
	smtp_milter_copy(s, b.data, b.len);
	buf_free(&b);
	if (rc != 0) {
		log_error(s->id, "smtp blob write failed id=%s error=%s", t->id,
			  store_strerror(rc));
		store_blob_abort(&t->blob);
		return false;
	}
	smtp_header_init(&t->hdr);
	t->field_bol = true;
	t->body_skip = 2;
	smtp_deliver_signer(s);
	t->arc = smtp_arc_begin(s);
	return true;
}

static void
smtp_deliver_blob(struct smtp_session *s, const void *p, size_t n)
{
	struct smtp_txn *t = &s->txn;
	int rc;

	if (n == 0 || t->store_error)
		return;
	rc = store_blob_write(t->blob, p, n);
	smtp_milter_copy(s, p, n);
	if (rc != 0) {
		t->store_error = rc;
		if (rc != STORE_ETOOBIG)
			log_error(s->id, "smtp blob write failed id=%s error=%s",
				  t->id, store_strerror(rc));
	}
}

/* the header goes field by field: the checks and the signer see each
 * whole field, forged Authentication-Results stay out of the blob */
static bool
smtp_deliver_by_field(const struct smtp_session *s)
{
	return s->policy->mail_checks || s->policy->dkim_sign;
}

/* one whole field (CRLF-ended unless the header ends without one) to
 * the checks and the signer, without its final CRLF */
static void
smtp_deliver_see_field(struct smtp_session *s, const char *f, size_t len)
{
	struct smtp_txn *t = &s->txn;

	if (len >= 2 && f[len - 2] == '\r' && f[len - 1] == '\n')
		len -= 2;
	if (t->auth)
		smtp_auth_field(t->auth, f, len);
	if (t->signer)
		dkim_sign_header(t->signer, f, len);
	smtp_arc_field(t->arc, f, len);
}

static bool
smtp_deliver_is_authres(const unsigned char *f, size_t len)
{
	static const char name[] = "authentication-results";
	size_t n = sizeof(name) - 1;

	if (len < n || strncasecmp((const char *)f, name, n) != 0)
		return false;
	while (n < len && (f[n] == ' ' || f[n] == '\t'))
		n++;
	return n < len && f[n] == ':';
}

/* RFC 8601 5: a field claiming our authserv-id did not come from us */
static bool
smtp_deliver_forged(struct smtp_session *s, const char *f, size_t len)
{
	const char *id = smtp_session_conf(s)->hostname;

	if (!authres_claims(f, len, id))
		return false;
	log_info(s->id, "smtp removed forged Authentication-Results id=%s",
		 s->txn.id);
	return true;
}

/* port 25: the sender's own spam/virus verdict fields (RFC 5235's
 * spamtest reads them) are removed before the milters add ours */
static bool
smtp_deliver_verdict_field(struct smtp_session *s, const char *f, size_t len)
{
	const struct tern_conf *conf = smtp_session_conf(s);
	const char *names[2] = { conf->sieve.spamtest_header,
				 conf->sieve.virustest_header };

	if (!s->policy->mail_checks)
		return false;
	for (int i = 0; i < 2; i++) {
		size_t n = strlen(names[i]), k = n;

		if (n == 0 || len <= n || strncasecmp(f, names[i], n) != 0)
			continue;
		while (k < len && (f[k] == ' ' || f[k] == '\t'))
			k++;
		if (k < len && f[k] == ':') {
			log_info(s->id, "smtp removed sender's %s id=%s",
				 names[i], s->txn.id);
			return true;
		}
	}
	return false;
}

static void
smtp_deliver_field_flush(struct smtp_session *s)
{
	struct smtp_txn *t = &s->txn;

	if (!t->field_long && !t->field_drop && t->field.len > 0 &&
	    !smtp_deliver_forged(s, (const char *)t->field.data, t->field.len) &&
	    !smtp_deliver_verdict_field(s, (const char *)t->field.data,
					t->field.len)) {
		smtp_deliver_see_field(s, (const char *)t->field.data,
				       t->field.len);
		smtp_deliver_blob(s, t->field.data, t->field.len);
	}
	buf_reset(&t->field);
	t->field_long = false;
	t->field_drop = false;
}

/* a field over smtp.max_header_field: stored as it is, unseen by DKIM;
 * an Authentication-Results that long is dropped (it may claim us), and
 * so is a verdict field */
static void
smtp_deliver_field_long(struct smtp_session *s)
{
	struct smtp_txn *t = &s->txn;

	t->field_long = true;
	t->field_drop = smtp_deliver_is_authres(t->field.data, t->field.len);
	log_info(s->id, "smtp header field over %llu bytes id=%s%s",
		 (unsigned long long)smtp_session_conf(s)->smtp.max_header_field,
		 t->id, t->field_drop ? " dropped=authentication-results" : "");
	/* nor may a long one carry the sender's own spam verdict */
	t->field_drop = t->field_drop ||
			smtp_deliver_verdict_field(s, (const char *)t->field.data,
						   t->field.len);
	if (!t->field_drop)
		smtp_deliver_blob(s, t->field.data, t->field.len);
	buf_reset(&t->field);
}

static void
smtp_deliver_fields(struct smtp_session *s, const unsigned char *p, size_t n)
{
	struct smtp_txn *t = &s->txn;
	uint64_t max = smtp_session_conf(s)->smtp.max_header_field;
	size_t i = 0;

	while (i < n) {
		const unsigned char *nl;
		size_t e;

		/* a line not starting with WSP starts the next field */
		if (t->field_bol && p[i] != ' ' && p[i] != '\t' &&
		    (t->field.len > 0 || t->field_long))
			smtp_deliver_field_flush(s);
		nl = memchr(p + i, '\n', n - i);
		e = nl ? (size_t)(nl - p) + 1 : n;
		if (t->field_long) {
			if (!t->field_drop)
				smtp_deliver_blob(s, p + i, e - i);
		} else {
			buf_append(&t->field, p + i, e - i);
			if (max && t->field.len > max)
				smtp_deliver_field_long(s);
		}
		t->field_bol = nl != NULL;
		i = e;
	}
}

/* the policy's added fields: whole fields, seen by the signer too */
static void
smtp_deliver_added(struct smtp_session *s, const struct buf *add)
{
	const char *p = (const char *)add->data;
	size_t start = 0;

	for (size_t i = 0; i + 1 < add->len; i++) {
		if (p[i] != '\r' || p[i + 1] != '\n' ||
		    (i + 2 < add->len && (p[i + 2] == ' ' || p[i + 2] == '\t')))
			continue;
		smtp_deliver_see_field(s, p + start, i + 2 - start);
		start = i + 2;
	}
}

/* the header is over: let the policy add fields, before the blank line */
static void
smtp_deliver_header_end(struct smtp_session *s)
{
	struct smtp_txn *t = &s->txn;
	struct buf add = BUF_INIT;

	if (smtp_deliver_by_field(s))
		smtp_deliver_field_flush(s);
	smtp_header_end(&t->hdr);
	if (s->policy->header_end != NULL) {
		s->policy->header_end(s, t->hdr.seen, &add);
		smtp_deliver_blob(s, add.data, add.len);
		smtp_deliver_added(s, &add);
		buf_free(&add);
	}
	if (t->auth)
		smtp_auth_end_header(t->auth);
	if (t->signer)
		dkim_sign_end_header(t->signer);
	smtp_arc_end_header(t->arc);
}

/* body bytes (the blank line's CRLF first) to the blob and to DKIM */
static void
smtp_deliver_body(struct smtp_session *s, const unsigned char *p, size_t n)
{
	struct smtp_txn *t = &s->txn;
	size_t skip = 0;

	smtp_deliver_blob(s, p, n);
	while (t->body_skip > 0 && skip < n) {
		t->body_skip--;
		skip++;
	}
	if (skip == n)
		return;
	if (t->auth)
		smtp_auth_body(t->auth, p + skip, n - skip);
	if (t->signer)
		dkim_sign_body(t->signer, p + skip, n - skip);
	smtp_arc_body(t->arc, p + skip, n - skip);
}

void
smtp_deliver_write(struct smtp_session *s)
{
	struct smtp_txn *t = &s->txn;
	const unsigned char *p = t->chunk.data;
	size_t n = t->chunk.len, start = 0;

	if (t->blob == NULL || t->data.errors || t->store_error) {
		buf_reset(&t->chunk);
		return;
	}
	if (!smtp_header_done(&t->hdr)) {
		ptrdiff_t blank = smtp_header_scan(&t->hdr, p, n);
		size_t hlen = blank >= 0 ? (size_t)blank : n;

		if (smtp_deliver_by_field(s))
			smtp_deliver_fields(s, p, hlen);
		else
			smtp_deliver_blob(s, p, hlen);
		start = hlen;
		/* the blank line: added fields go in before it */
		if (blank >= 0)
			smtp_deliver_header_end(s);
	}
	if (start < n)
		smtp_deliver_body(s, p + start, n - start);
	buf_reset(&t->chunk);
}

/* one line per transaction: id, from, rcpts, size, tls, result */
static void
smtp_deliver_log(struct smtp_session *s, int code, const char *enh,
		 const char *detail)
{
	struct smtp_txn *t = &s->txn;
	struct buf b = BUF_INIT;

	if (code / 100 == 2)
		metrics.smtp_accepted++;
	else if (code / 100 == 4)
		metrics.smtp_tempfailed++;
	else
		metrics.smtp_rejected++;
	buf_printf(&b, "smtp txn id=%s from=<", t->id);
	buf_append_escaped(&b, t->from.addr, strlen(t->from.addr), 256);
	buf_append_str(&b, "> to=");
	for (size_t i = 0; i < t->n_rcpts && i < 10; i++) {
		buf_append_str(&b, i ? ",<" : "<");
		buf_append_escaped(&b, t->rcpts[i].addr,
				   strlen(t->rcpts[i].addr), 256);
		buf_append_str(&b, ">");
	}
	if (t->n_rcpts > 10)
		buf_printf(&b, ",...");
	buf_printf(&b, " rcpts=%zu refused=%zu size=%llu body=%s%s tls=%s",
		   t->n_rcpts, t->n_rejected, (unsigned long long)t->data.size,
		   t->bdat ? "bdat" : "data", t->mail.smtputf8 ? " smtputf8=yes" : "",
		   s->conn && conn_is_tls(s->conn) ?
		   conn_tls_version(s->conn) : s->conn ? "no" : "-");
	buf_printf(&b, " result=%d%s%s", code, enh ? " status=" : "", enh ? enh : "");
	if (detail)
		buf_printf(&b, " detail=%s", detail);
	log_info(s->id, "%s", buf_cstr(&b));
	buf_free(&b);
}

/* after the final reply: next transaction, or goodbye */
static void
smtp_deliver_next(struct smtp_session *s)
{
	smtp_session_reset(s);
	if (s->shutdown) {
		smtp_session_close(s, "4.3.2", "Service shutting down", "shutdown");
		return;
	}
	smtp_session_timeout(s);
}

static const struct smtp_status *
smtp_deliver_error(struct smtp_session *s)
{
	struct smtp_txn *t = &s->txn;
	const struct smtp_status *st = smtp_data_status(&t->data);

	if (t->failed)
		return t->failed;
	if (st)
		return st;
	if (t->store_error == STORE_ETOOBIG)
		return &smtp_deliver_toobig;
	if (t->store_error)
		return &smtp_deliver_tempfail;
	return NULL;
}

/* RFC 5321 6.3: a message that went round too often, or that already
 * carries our Delivered-To: for one of its local recipients (a forward
 * that came back), is refused instead of passed on again */
static const struct smtp_status *
smtp_deliver_loop(struct smtp_session *s)
{
	const struct smtp_txn *t = &s->txn;

	if (t->hdr.received >= smtp_session_conf(s)->smtp.max_hops)
		return &smtp_deliver_hops;
	for (size_t i = 0; i < t->n_rcpts; i++) {
		const struct smtp_rcpt *rc = &t->rcpts[i];

		if (rc->remote)
			continue;
		if (smtp_header_delivered_to(&t->hdr, rc->addr))
			return &smtp_deliver_looped;
		for (size_t j = 0; j < rc->targets.n; j++)
			if (rc->targets.v[j].kind == STORE_TARGET_LOCAL &&
			    smtp_header_delivered_to(&t->hdr,
						     rc->targets.v[j].address))
				return &smtp_deliver_looped;
	}
	return NULL;
}

/* one store row per distinct target: locals by account, remotes by
 * address (an alias and its account named twice get one copy) */
static void
smtp_deliver_add(struct smtp_txn *t, size_t *offs, enum store_rcpt_kind kind,
		 int64_t account_id, const char *address,
		 const struct smtp_rcpt *rc)
{
	struct store_rcpt *r;

	for (size_t i = 0; i < t->n_srcpts; i++) {
		r = &t->srcpts[i];
		if (r->kind == kind && (kind == STORE_RCPT_LOCAL ?
					r->account_id == account_id :
					strcmp(r->address, address) == 0))
			return;
	}
	r = &t->srcpts[t->n_srcpts];
	memset(r, 0, sizeof(*r));
	r->kind = kind;
	r->account_id = account_id;
	r->address = address;
	r->orcpt = rc->params.orcpt[0] ? rc->params.orcpt : NULL;
	r->notify = rc->params.notify;
	offs[t->n_srcpts * 2] = t->prefixes.len;
	if (kind == STORE_RCPT_REMOTE)
		smtp_arc_prefix(t->arc, &t->prefixes);	/* forwards only */
	if (kind == STORE_RCPT_LOCAL) {
		submit_delivery_prefix(&t->prefixes,
				       t->from.null ? "" : t->from.addr, address);
		if (t->junk)
			r->special_use = STORE_SU_JUNK;
	}
	/* Authentication-Results, DKIM-Signature: local copies and the
	 * queued one alike */
	buf_append(&t->prefixes, t->front.data, t->front.len);
	offs[t->n_srcpts * 2 + 1] = t->prefixes.len;
	t->n_srcpts++;
}

static void
smtp_deliver_build(struct smtp_txn *t)
{
	size_t cap = 0, *offs;

	for (size_t i = 0; i < t->n_rcpts; i++)
		cap += t->rcpts[i].remote ? 1 : t->rcpts[i].targets.n;
	t->srcpts = xcalloc(cap ? cap : 1, sizeof(*t->srcpts));
	offs = xcalloc(cap ? cap * 2 : 2, sizeof(*offs));
	for (size_t i = 0; i < t->n_rcpts; i++) {
		const struct smtp_rcpt *rc = &t->rcpts[i];

		if (rc->remote) {
			smtp_deliver_add(t, offs, STORE_RCPT_REMOTE, 0, rc->addr, rc);
			continue;
		}
		for (size_t j = 0; j < rc->targets.n; j++) {
			const struct store_target *tg = &rc->targets.v[j];
			size_t at = t->n_srcpts;

			smtp_deliver_add(t, offs, tg->kind == STORE_TARGET_LOCAL ?
					 STORE_RCPT_LOCAL : STORE_RCPT_REMOTE,
					 tg->account_id, tg->address, rc);
			/* a role's own mailbox (DMARC reports) */
			if (tg->mailbox && t->n_srcpts > at) {
				t->srcpts[at].mailbox = tg->mailbox;
				t->srcpts[at].create_mailbox = true;
			}
		}
	}
	/* the prefix buffer has stopped moving: point into it */
	for (size_t i = 0; i < t->n_srcpts; i++) {
		t->srcpts[i].prefix = t->prefixes.data + offs[i * 2];
		t->srcpts[i].prefix_len = offs[i * 2 + 1] - offs[i * 2];
	}
	free(offs);
}

/* after the final reply (the commit's, or one without a commit): the
 * next command */
static void
smtp_deliver_over(struct smtp_session *s)
{
	smtp_deliver_next(s);
	if (s->state != SMTP_S_QUIT)
		conn_resume(s->conn);
}

static void
smtp_deliver_done(void *arg, int ret)
{
	struct smtp_session *s = arg;
	struct smtp_txn *t = &s->txn;
	size_t failed = 0, quota = 0;

	for (size_t i = 0; ret == 0 && i < t->n_srcpts; i++) {
		if (t->srcpts[i].status == 0)
			continue;
		failed++;
		if (t->srcpts[i].status == STORE_EQUOTA)
			quota++;
		log_warn(s->id, "smtp rcpt not delivered id=%s account=%lld error=%s",
			 t->id, (long long)t->srcpts[i].account_id,
			 store_strerror(t->srcpts[i].status));
	}
	if (ret == 0 && failed > 0 && failed < t->n_srcpts)
		/* accepted for the others: these get a bounce */
		smtp_bounce_failed(s);
	/* stored: the scripts' vacation replies and rejections now */
	if (ret == 0)
		deliver_sieve_finish(&t->sieve, s->env->loop);
	if (s->conn_gone) {
		/* the client left; the message is stored all the same */
		smtp_deliver_log(s, ret == 0 ? 250 : 451, NULL, "client-gone");
		smtp_session_release(s);
		return;
	}
	if (ret == 0 && failed < t->n_srcpts) {
		smtp_session_reply(s, 250, "2.0.0", "Ok: queued as %s", t->id);
		s->junk = 0;
		smtp_deliver_log(s, 250, "2.0.0", failed ? "partial" : NULL);
	} else {
		const struct smtp_status *st = &smtp_deliver_tempfail;

		if (ret == STORE_ETOOBIG)
			st = &smtp_deliver_toobig;
		else if (ret == STORE_EQUOTA || (ret == 0 && quota > 0))
			st = &smtp_deliver_quota;
		if (ret != 0)
			log_error(s->id, "smtp deliver failed id=%s error=%s",
				  t->id, store_strerror(ret));
		smtp_session_status(s, st);
		smtp_deliver_log(s, st->code, st->enh, NULL);
	}
	smtp_deliver_over(s);
}

/* the rows (and the Sieve step's, when it ran) into one commit */
static void
smtp_deliver_store(struct smtp_session *s)
{
	struct smtp_txn *t = &s->txn;
	const struct smtp_status *st;
	struct store_envelope env;
	char srs[SRS_ADDR_MAX + 1];
	int rc;

	memset(&env, 0, sizeof(env));
	/* the queued copy's sender; local copies keep theirs (Return-Path) */
	env.sender = smtp_srs_queue_sender(s, srs, sizeof(srs));
	env.envid = t->mail.envid[0] ? t->mail.envid : NULL;
	env.ret = t->mail.ret;
	s->state = SMTP_S_DELIVER;
	smtp_session_timeout(s);
	rc = store_deliver(s->env->store, &t->blob, &env, t->srcpts, t->n_srcpts,
			   &t->queue_msg_id, smtp_deliver_done, s);
	if (rc != 0) {
		log_error(s->id, "smtp deliver refused id=%s error=%s", t->id,
			  store_strerror(rc));
		st = rc == STORE_ETOOBIG ? &smtp_deliver_toobig :
		     &smtp_deliver_tempfail;
		smtp_session_status(s, st);
		smtp_deliver_log(s, st->code, st->enh, NULL);
		smtp_deliver_over(s);
		return;
	}
	conn_pause(s->conn);
}

/* the Sieve step is done (deliver.h): refuse, answer, or commit */
static void
smtp_deliver_sieved(void *arg)
{
	struct smtp_session *s = arg;
	struct smtp_txn *t = &s->txn;
	struct store_rcpt *rows;
	const char *reason;
	size_t n;

	if (s->conn_gone) {
		/* nobody to answer: nothing is stored, the client retries */
		smtp_deliver_log(s, 451, NULL, "client-gone");
		smtp_session_release(s);
		return;
	}
	switch (deliver_sieve_outcome(t->sieve, true, &reason)) {
	case DELIVER_REJECT:
		/* RFC 5429 2.1: every recipient refused it, at protocol level */
		store_blob_abort(&t->blob);
		smtp_session_reply(s, 550, "5.7.1", "%s", reason);
		smtp_deliver_log(s, 550, "5.7.1", "sieve-reject");
		smtp_deliver_over(s);
		return;
	case DELIVER_NOTHING:
		/* discarded (or refused by some, who get their DSN) */
		store_blob_abort(&t->blob);
		smtp_session_reply(s, 250, "2.0.0", "Ok: queued as %s", t->id);
		smtp_deliver_log(s, 250, "2.0.0", "sieve-nothing-stored");
		deliver_sieve_finish(&t->sieve, s->env->loop);
		smtp_deliver_over(s);
		return;
	case DELIVER_STORE:
		break;
	}
	rows = deliver_sieve_rows(t->sieve, &n);
	free(t->srcpts);
	t->srcpts = xcalloc(n, sizeof(*rows));
	memcpy(t->srcpts, rows, n * sizeof(*rows));
	t->n_srcpts = n;
	smtp_deliver_store(s);
}

/* the RCPT a local row came from (Sieve's envelope :orig) */
static const char *
smtp_deliver_orig_to(const struct smtp_txn *t, const struct store_rcpt *r)
{
	for (size_t i = 0; i < t->n_rcpts; i++)
		for (size_t j = 0; j < t->rcpts[i].targets.n; j++)
			if (t->rcpts[i].targets.v[j].kind == STORE_TARGET_LOCAL &&
			    t->rcpts[i].targets.v[j].account_id == r->account_id)
				return t->rcpts[i].addr;
	return r->address;
}

/* start the recipients' Sieve scripts on the pool; false: none to run */
static bool
smtp_deliver_sieve(struct smtp_session *s)
{
	const struct tern_conf *conf = smtp_session_conf(s);
	struct smtp_txn *t = &s->txn;
	struct deliver_env env;
	struct buf remote = BUF_INIT;
	const char **orig;

	if (!deliver_sieve_wanted(conf, s->env->store, t->srcpts,
				  t->n_srcpts))
		return false;
	orig = xcalloc(t->n_srcpts, sizeof(*orig));
	for (size_t i = 0; i < t->n_srcpts; i++)
		orig[i] = smtp_deliver_orig_to(t, &t->srcpts[i]);
	/* a redirected copy's prefix is an alias forward's */
	smtp_arc_prefix(t->arc, &remote);
	buf_append(&remote, t->front.data, t->front.len);
	memset(&env, 0, sizeof(env));
	env.store = s->env->store;
	env.conf = conf;
	env.log_id = s->id;
	env.id = t->id;
	env.sender = t->from.null ? "" : t->from.addr;
	env.auth = s->auth_address;
	env.envid = t->mail.envid[0] ? t->mail.envid : NULL;
	env.ret = (int)t->mail.ret;
	env.local_front = t->front.data;
	env.local_front_len = t->front.len;
	env.remote_front = remote.data;
	env.remote_front_len = remote.len;
	t->sieve = deliver_sieve_new(&env, t->srcpts, t->n_srcpts, orig);
	free(orig);
	buf_free(&remote);
	if (deliver_sieve_start(t->sieve, s->env->loop, s->env->work_gate,
				t->blob, smtp_deliver_sieved, s) != 0) {
		/* without the scripts rather than not at all: INBOX */
		log_error(s->id, "sieve error id=%s: could not start: kept",
			  t->id);
		deliver_sieve_free(&t->sieve);
		return false;
	}
	s->state = SMTP_S_DELIVER;
	smtp_session_timeout(s);
	conn_pause(s->conn);
	return true;
}

/* the checks are decided (or there were none): the scripts, commit */
static void
smtp_deliver_commit(struct smtp_session *s)
{
	smtp_deliver_build(&s->txn);
	if (!smtp_deliver_sieve(s))
		smtp_deliver_store(s);
}

/* the milters are through: refuse, discard, or commit (their changes
 * are in the transaction already) */
static void
smtp_deliver_milter_done(struct smtp_session *s,
			 const struct smtp_milter_verdict *v)
{
	struct smtp_txn *t = &s->txn;

	if (s->conn_gone) {
		smtp_deliver_log(s, 451, NULL, "client-gone");
		smtp_session_release(s);
		return;
	}
	if (v->action == SMTP_MILTER_CONTINUE) {
		smtp_deliver_commit(s);
		return;
	}
	if (v->action == SMTP_MILTER_DISCARD) {
		/* the client is told it was taken: it must not retry */
		smtp_session_reply(s, 250, "2.0.0", "Ok: queued as %s", t->id);
		smtp_deliver_log(s, 250, "2.0.0", "milter-discard");
	} else {
		smtp_session_reply(s, v->code, v->enh[0] ? v->enh : NULL, "%s",
				   v->text);
		smtp_deliver_log(s, v->code, v->enh[0] ? v->enh : NULL, "milter");
	}
	store_blob_abort(&t->blob);
	smtp_deliver_over(s);
}

/* after the mail checks, before the commit: the milters see the message */
static void
smtp_deliver_filter(struct smtp_session *s)
{
	if (!smtp_milter_active(s)) {
		smtp_deliver_commit(s);
		return;
	}
	if (s->state != SMTP_S_CHECK) {
		s->state = SMTP_S_CHECK;
		smtp_session_timeout(s);
		conn_pause(s->conn);
	}
	if (!smtp_milter_message(s, smtp_deliver_milter_done))
		smtp_deliver_commit(s);
}

/* the checks' verdict (smtp-auth.h) */
static void
smtp_deliver_checked(struct smtp_session *s)
{
	struct smtp_txn *t = &s->txn;
	const char *ar = smtp_auth_results(t->auth);

	if (s->conn_gone) {
		/* nobody to answer: nothing is stored, the client retries */
		smtp_deliver_log(s, 451, NULL, "client-gone");
		smtp_session_release(s);
		return;
	}
	if (smtp_auth_action(t->auth) == SMTP_AUTH_REFUSE) {
		const struct smtp_status *st = smtp_auth_status(t->auth);

		smtp_session_status(s, st);
		smtp_deliver_log(s, st->code, st->enh, "auth-checks");
		store_blob_abort(&t->blob);
		smtp_deliver_over(s);
		return;
	}
	t->junk = smtp_auth_action(t->auth) == SMTP_AUTH_JUNK;
	if (ar)
		buf_append_str(&t->front, ar);
	smtp_arc_seal(s, t->arc, ar);
	smtp_deliver_filter(s);
}

/* submission: the DKIM-Signature fields go in front of the message */
static void
smtp_deliver_sign(struct smtp_session *s)
{
	struct smtp_txn *t = &s->txn;
	char *err = NULL, *sig = dkim_sign_finish(t->signer, &err);

	if (sig == NULL) {
		/* sent unsigned rather than not at all; said in the log */
		log_error(s->id, "dkim sign failed id=%s error=\"%s\"", t->id,
			  err ? err : "?");
		free(err);
		return;
	}
	buf_append_str(&t->front, sig);
	free(sig);
}

void
smtp_deliver_finish(struct smtp_session *s)
{
	struct smtp_txn *t = &s->txn;
	const struct smtp_status *st = smtp_deliver_error(s);

	if (st == NULL && !smtp_header_done(&t->hdr) &&
	    (s->policy->header_end || smtp_deliver_by_field(s))) {
		/* a message that is all header: fields go at its end, after
		 * a line break if it ends inside a line (BDAT) */
		if (!smtp_header_at_bol(&t->hdr)) {
			if (smtp_deliver_by_field(s))
				buf_append(&t->field, "\r\n", 2);
			else
				smtp_deliver_blob(s, "\r\n", 2);
		}
		smtp_deliver_header_end(s);
		st = smtp_deliver_error(s);
	}
	if (st == NULL && (st = smtp_deliver_loop(s)) != NULL)
		log_warn(s->id, "smtp loop id=%s hops=%u", t->id, t->hdr.received);
	if (st != NULL) {
		smtp_session_status(s, st);
		smtp_deliver_log(s, st->code, st->enh, NULL);
		store_blob_abort(&t->blob);
		if (t->bdat && !t->chunk_last) {
			/* BDAT: chunks up to LAST get this answer too */
			t->failed = st;
			s->state = SMTP_S_RCPT;
			return;
		}
		smtp_deliver_next(s);
		return;
	}
	if (t->signer)
		smtp_deliver_sign(s);
	if (t->auth) {
		/* wait for SPF, DKIM's keys, DMARC; the loop serves others */
		s->state = SMTP_S_CHECK;
		smtp_session_timeout(s);
		conn_pause(s->conn);
		smtp_auth_finish(t->auth, smtp_deliver_checked);
		return;
	}
	smtp_deliver_filter(s);
}
