/* smtp-client.c - outbound SMTP session: hosts in route order, EHLO/HELO,
 * STARTTLS, AUTH, then each message's transaction on the same connection */
#include "relay/smtp-client.h"
#include "relay/smtp-client-data.h"
#include "lib/base64.h"
#include "lib/log.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SMTP_CLIENT_CHUNK 65536

struct smtp_sess {
	const struct smtp_client_params *p;
	const struct dns_host *host;
	struct smtp_io io;
	struct smtp_ehlo ehlo;
	struct smtp_reply reply;
	struct buf out;
	bool no_tls;		/* retrying this address in plaintext */
	char last_error[512];	/* why the last host failed */
	bool last_error_perm;
};

void
smtp_client_rcpt_set(struct smtp_client_rcpt *r, enum smtp_rcpt_status st,
		     const char *enh, const char *diag, bool remote)
{
	r->status = st;
	snprintf(r->enh, sizeof(r->enh), "%s", enh ? enh : "");
	free(r->diag);
	r->diag = xstrdup(diag ? diag : "");
	r->remote = remote;
}

static void
smtp_sess_error(struct smtp_sess *s, const char *what)
{
	snprintf(s->last_error, sizeof(s->last_error), "%s", what);
}

/* "host mx.b.test[127.0.0.2] said: 550 5.1.1 ..." */
static char *
smtp_sess_diag(struct smtp_sess *s, const char *after)
{
	struct buf b = BUF_INIT;

	smtp_reply_format(&s->reply, &b);
	(void)after;
	return buf_steal(&b);
}

static const char *
smtp_sess_enh(struct smtp_sess *s, const char *fallback_temp,
	      const char *fallback_perm)
{
	if (s->reply.enh[0])
		return s->reply.enh;
	return smtp_reply_class(&s->reply) == 5 ? fallback_perm :
	       fallback_temp;
}

static void
smtp_sess_rcpt_from_reply(struct smtp_sess *s, struct smtp_client_rcpt *r,
			  const char *tf, const char *pf)
{
	char *d = smtp_sess_diag(s, NULL);

	smtp_client_rcpt_set(r, smtp_reply_class(&s->reply) == 5 ?
			     SMTP_RCPT_PERM : SMTP_RCPT_TEMP,
			     smtp_sess_enh(s, tf, pf), d, true);
	r->mta = s->host->name;
	free(d);
}

static int
smtp_sess_send(struct smtp_sess *s, uint64_t timeout)
{
	int r = smtp_io_write(&s->io, s->out.data, s->out.len, timeout);

	buf_reset(&s->out);
	if (r < 0)
		smtp_sess_error(s, s->io.error);
	return r;
}

static int
smtp_sess_read(struct smtp_sess *s, uint64_t timeout)
{
	if (smtp_io_read_reply(&s->io, &s->reply, timeout) < 0) {
		smtp_sess_error(s, s->io.error);
		return -1;
	}
	return 0;
}

/* one command, one reply */
static int
smtp_sess_cmd(struct smtp_sess *s, uint64_t timeout, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
smtp_sess_cmd(struct smtp_sess *s, uint64_t timeout, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&s->out, fmt, ap);
	va_end(ap);
	if (smtp_sess_send(s, s->p->command_ms) < 0)
		return -1;
	return smtp_sess_read(s, timeout);
}

static void
smtp_sess_reply_error(struct smtp_sess *s, const char *when)
{
	struct buf b = BUF_INIT;

	buf_printf(&b, "host %s said after %s: ", s->io.peer, when);
	smtp_reply_format(&s->reply, &b);
	smtp_sess_error(s, buf_cstr(&b));
	buf_free(&b);
}

static int
smtp_sess_ehlo(struct smtp_sess *s)
{
	if (smtp_sess_cmd(s, s->p->command_ms, "EHLO %s\r\n", s->p->helo) < 0)
		return -1;
	if (s->reply.code == 250) {
		smtp_ehlo_parse(&s->reply, &s->ehlo);
		return 0;
	}
	/* RFC 5321 4.1.4: an old server; fall back to HELO */
	memset(&s->ehlo, 0, sizeof(s->ehlo));
	if (smtp_sess_cmd(s, s->p->command_ms, "HELO %s\r\n", s->p->helo) < 0)
		return -1;
	if (s->reply.code != 250) {
		smtp_sess_reply_error(s, "HELO");
		return -1;
	}
	return 0;
}

static int
smtp_sess_auth(struct smtp_sess *s)
{
	struct buf raw = BUF_INIT, b64 = BUF_INIT;
	int ret;

	if (!(s->ehlo.ext & SMTP_EXT_AUTH) || !s->ehlo.auth_plain) {
		smtp_sess_error(s, "relay host offers no AUTH PLAIN");
		return -1;
	}
	buf_append_byte(&raw, 0);
	buf_append_str(&raw, s->p->auth_user);
	buf_append_byte(&raw, 0);
	buf_append_str(&raw, s->p->auth_password);
	base64_encode(&b64, raw.data, raw.len);
	ret = smtp_sess_cmd(s, s->p->command_ms, "AUTH PLAIN %s\r\n",
			    buf_cstr(&b64));
	explicit_bzero(raw.data, raw.len);
	explicit_bzero(b64.data, b64.len);
	buf_free(&raw);
	buf_free(&b64);
	if (ret < 0)
		return -1;
	if (s->reply.code != 235) {
		smtp_sess_reply_error(s, "AUTH");
		return -1;
	}
	return 0;
}

/* greeting through AUTH; 0 ready for MAIL, -1 try the next address,
 * 1 retry this address without TLS */
static int
smtp_sess_open(struct smtp_sess *s)
{
	const struct smtp_client_params *p = s->p;

	if (smtp_sess_read(s, p->command_ms) < 0)
		return -1;
	if (s->reply.code != 220) {
		smtp_sess_reply_error(s, "connect");
		(void)smtp_sess_cmd(s, p->command_ms, "QUIT\r\n");
		return -1;
	}
	if (smtp_sess_ehlo(s) < 0)
		return -1;
	if ((s->ehlo.ext & SMTP_EXT_STARTTLS) && !s->no_tls) {
		if (smtp_sess_cmd(s, p->command_ms, "STARTTLS\r\n") < 0)
			return -1;
		if (s->reply.code == 220) {
			if (smtp_io_starttls(&s->io, s->host->name,
					     p->command_ms) < 0) {
				smtp_sess_error(s, s->io.error);
				return p->require_tls ? -1 : 1;
			}
			if (smtp_sess_ehlo(s) < 0)
				return -1;
		} else if (p->require_tls) {
			smtp_sess_reply_error(s, "STARTTLS");
			return -1;
		}
	}
	if (p->require_tls && !smtp_io_is_tls(&s->io)) {
		char t[200];

		snprintf(t, sizeof(t), "TLS is required but %s offers no "
			 "STARTTLS", s->io.peer);
		smtp_sess_error(s, t);
		(void)smtp_sess_cmd(s, p->command_ms, "QUIT\r\n");
		return -1;
	}
	if (p->auth_user && p->auth_user[0]) {
		/* never a password in clear text off this machine */
		if (!smtp_io_is_tls(&s->io) &&
		    strncmp(s->io.peer, "127.", 4) != 0 &&
		    strncmp(s->io.peer, "[::1]", 5) != 0) {
			smtp_sess_error(s, "AUTH refused without TLS");
			return -1;
		}
		if (smtp_sess_auth(s) < 0)
			return -1;
	}
	return 0;
}

/* xtext (RFC 3461 4): '+', '=', controls and 8-bit as +XX */
static void
smtp_append_xtext(struct buf *b, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 33 || c > 126 || c == '+' || c == '=')
			buf_printf(b, "+%02X", c);
		else
			buf_append_byte(b, c);
	}
}

/* checks before MAIL: what this peer can't take is bounced now */
static bool
smtp_sess_can_take(struct smtp_sess *s, struct smtp_client_msg *m,
		   bool utf8, bool body8)
{
	const char *enh = NULL;
	char why[300];

	if (s->ehlo.size > 0 && m->size > s->ehlo.size) {
		enh = "5.3.4";
		snprintf(why, sizeof(why), "message size %llu exceeds the "
			 "limit %llu of %s", (unsigned long long)m->size,
			 (unsigned long long)s->ehlo.size, s->io.peer);
	} else if (utf8 && !(s->ehlo.ext & SMTP_EXT_SMTPUTF8)) {
		enh = "5.6.7";
		snprintf(why, sizeof(why), "%s does not support SMTPUTF8, "
			 "needed for this message's addresses or headers",
			 s->io.peer);
	} else if (body8 && !(s->ehlo.ext & SMTP_EXT_8BITMIME)) {
		enh = "5.6.3";
		snprintf(why, sizeof(why), "%s does not support 8BITMIME, "
			 "needed for this message's 8-bit body", s->io.peer);
	}
	if (enh == NULL)
		return true;
	for (size_t i = 0; i < m->n; i++)
		smtp_client_rcpt_set(&m->rcpts[i], SMTP_RCPT_PERM, enh, why,
				     false);
	return false;
}

/* scan the body: 8-bit content decides BODY= and SMTPUTF8 */
static int
smtp_msg_scan(struct smtp_client_msg *m, struct smtp_scan *sc)
{
	unsigned char *chunk = xmalloc(SMTP_CLIENT_CHUNK);
	uint64_t off = 0;
	ssize_t n;

	smtp_scan_init(sc);
	while ((n = m->read(m->read_ctx, chunk, SMTP_CLIENT_CHUNK, off)) > 0) {
		smtp_scan_feed(sc, chunk, (size_t)n);
		off += (uint64_t)n;
		if (!sc->in_header && sc->body_8bit)
			break;
	}
	free(chunk);
	return n < 0 ? -1 : 0;
}

static int
smtp_sess_send_body(struct smtp_sess *s, struct smtp_client_msg *m)
{
	unsigned char *chunk = xmalloc(SMTP_CLIENT_CHUNK);
	struct smtp_dot dot;
	uint64_t off = 0;
	ssize_t n;
	int ret = 0;

	smtp_dot_init(&dot);
	while ((n = m->read(m->read_ctx, chunk, SMTP_CLIENT_CHUNK, off)) > 0) {
		smtp_dot_stuff(&dot, chunk, (size_t)n, &s->out);
		off += (uint64_t)n;
		if (s->out.len >= SMTP_CLIENT_CHUNK &&
		    smtp_sess_send(s, s->p->data_block_ms) < 0) {
			ret = -1;
			break;
		}
	}
	free(chunk);
	if (n < 0) {
		smtp_sess_error(s, "cannot read the queued message");
		return -1;
	}
	if (ret < 0)
		return -1;
	smtp_dot_end(&dot, &s->out);
	return smtp_sess_send(s, s->p->data_block_ms);
}

/* Run one transaction. 0: the message's outcome is known (m->done);
 * -1: the connection failed before that (recipients still NONE are
 * left for the next address). */
static int
smtp_sess_transaction(struct smtp_sess *s, struct smtp_client_msg *m)
{
	const struct smtp_client_params *p = s->p;
	bool pipe = s->ehlo.ext & SMTP_EXT_PIPELINING;
	bool dsn = s->ehlo.ext & SMTP_EXT_DSN;
	bool utf8 = smtp_addr_is_utf8(m->sender), mail_ok;
	struct smtp_scan sc;
	size_t accepted = 0, i;

	for (i = 0; i < m->n; i++) {
		m->rcpts[i].status = SMTP_RCPT_NONE;
		if (smtp_addr_is_utf8(m->rcpts[i].address))
			utf8 = true;
	}
	if (smtp_msg_scan(m, &sc) < 0) {
		for (i = 0; i < m->n; i++)
			smtp_client_rcpt_set(&m->rcpts[i], SMTP_RCPT_TEMP,
					     "4.3.0", "cannot read the queued "
					     "message", false);
		m->done = true;
		return 0;
	}
	if (sc.header_8bit)
		utf8 = true;
	if (!smtp_sess_can_take(s, m, utf8, sc.body_8bit)) {
		m->done = true;
		return 0;
	}

	buf_append_str(&s->out, "MAIL FROM:<");
	smtp_addr_put(&s->out, m->sender);
	buf_append_str(&s->out, ">");
	if (s->ehlo.ext & SMTP_EXT_SIZE)
		buf_printf(&s->out, " SIZE=%llu", (unsigned long long)m->size);
	if (sc.body_8bit)
		buf_append_str(&s->out, " BODY=8BITMIME");
	if (utf8)
		buf_append_str(&s->out, " SMTPUTF8");
	if (dsn && m->ret == STORE_RET_FULL)
		buf_append_str(&s->out, " RET=FULL");
	if (dsn && m->ret == STORE_RET_HDRS)
		buf_append_str(&s->out, " RET=HDRS");
	if (dsn && m->envid && m->envid[0])
		buf_printf(&s->out, " ENVID=%s", m->envid);
	buf_append_str(&s->out, "\r\n");
	if (!pipe) {
		if (smtp_sess_send(s, p->command_ms) < 0)
			return -1;
		if (smtp_sess_read(s, p->command_ms) < 0)
			return -1;
		if (smtp_reply_class(&s->reply) != 2)
			goto mail_failed;
	}
	for (i = 0; i < m->n; i++) {
		struct smtp_client_rcpt *r = &m->rcpts[i];

		buf_append_str(&s->out, "RCPT TO:<");
		smtp_addr_put(&s->out, r->address);
		buf_append_str(&s->out, ">");
		if (dsn && r->notify != STORE_NOTIFY_DEFAULT) {
			const char *sep = " NOTIFY=";

			if (r->notify & STORE_NOTIFY_NEVER) {
				buf_append_str(&s->out, " NOTIFY=NEVER");
			} else {
				if (r->notify & STORE_NOTIFY_SUCCESS) {
					buf_printf(&s->out, "%sSUCCESS", sep);
					sep = ",";
				}
				if (r->notify & STORE_NOTIFY_FAILURE) {
					buf_printf(&s->out, "%sFAILURE", sep);
					sep = ",";
				}
				if (r->notify & STORE_NOTIFY_DELAY)
					buf_printf(&s->out, "%sDELAY", sep);
			}
		}
		if (dsn && r->orcpt && r->orcpt[0])
			buf_printf(&s->out, " ORCPT=%s", r->orcpt);
		else if (dsn && !utf8) {
			buf_append_str(&s->out, " ORCPT=rfc822;");
			smtp_append_xtext(&s->out, r->address);
		}
		buf_append_str(&s->out, "\r\n");
		if (!pipe) {
			if (smtp_sess_send(s, p->command_ms) < 0 ||
			    smtp_sess_read(s, p->command_ms) < 0)
				return -1;
			if (smtp_reply_class(&s->reply) == 2)
				accepted++;
			else
				smtp_sess_rcpt_from_reply(s, r, "4.0.0",
							  "5.1.1");
		}
	}
	if (pipe) {
		buf_append_str(&s->out, "DATA\r\n");
		if (smtp_sess_send(s, p->command_ms) < 0)
			return -1;
		if (smtp_sess_read(s, p->command_ms) < 0)
			return -1;
		mail_ok = smtp_reply_class(&s->reply) == 2;
		if (!mail_ok) {
			for (i = 0; i < m->n; i++)
				smtp_sess_rcpt_from_reply(s, &m->rcpts[i],
							  "4.0.0", "5.0.0");
		}
		for (i = 0; i < m->n; i++) {
			if (smtp_sess_read(s, p->command_ms) < 0)
				return -1;
			if (!mail_ok)
				continue;
			if (smtp_reply_class(&s->reply) == 2)
				accepted++;
			else
				smtp_sess_rcpt_from_reply(s, &m->rcpts[i],
							  "4.0.0", "5.1.1");
		}
		if (smtp_sess_read(s, p->data_init_ms) < 0)
			return -1;
		if (s->reply.code == 354 && accepted == 0) {
			/* a server that says 354 with no recipient */
			buf_append_str(&s->out, ".\r\n");
			if (smtp_sess_send(s, p->command_ms) < 0 ||
			    smtp_sess_read(s, p->data_end_ms) < 0)
				return -1;
		}
	} else {
		if (accepted == 0)
			goto rset;
		if (smtp_sess_cmd(s, p->data_init_ms, "DATA\r\n") < 0)
			return -1;
	}
	if (accepted == 0)
		goto rset;
	if (s->reply.code != 354) {
		for (i = 0; i < m->n; i++)
			if (m->rcpts[i].status == SMTP_RCPT_NONE)
				smtp_sess_rcpt_from_reply(s, &m->rcpts[i],
							  "4.0.0", "5.0.0");
		goto rset;
	}
	if (smtp_sess_send_body(s, m) < 0)
		return -1;
	/* from here the peer may have the message: a lost connection is
	 * a temporary failure for these recipients, not a retry now */
	if (smtp_sess_read(s, p->data_end_ms) < 0) {
		for (i = 0; i < m->n; i++)
			if (m->rcpts[i].status == SMTP_RCPT_NONE)
				smtp_client_rcpt_set(&m->rcpts[i],
						     SMTP_RCPT_TEMP, "4.4.2",
						     s->last_error, false);
		m->done = true;
		return -1;
	}
	for (i = 0; i < m->n; i++) {
		struct smtp_client_rcpt *r = &m->rcpts[i];

		if (r->status != SMTP_RCPT_NONE)
			continue;
		if (smtp_reply_class(&s->reply) == 2) {
			char *d = smtp_sess_diag(s, NULL);

			smtp_client_rcpt_set(r, SMTP_RCPT_OK,
					     s->reply.enh[0] ? s->reply.enh :
					     "2.0.0", d, true);
			r->mta = s->host->name;
			free(d);
			if (dsn && r->notify != STORE_NOTIFY_DEFAULT)
				m->dsn_relayed = true;
		} else {
			smtp_sess_rcpt_from_reply(s, r, "4.0.0", "5.0.0");
		}
	}
	m->done = true;
	return smtp_reply_class(&s->reply) == 2 ? 0 : 1;

mail_failed:
	for (i = 0; i < m->n; i++)
		smtp_sess_rcpt_from_reply(s, &m->rcpts[i], "4.0.0", "5.0.0");
rset:
	m->done = true;
	return 1;
}

static void
smtp_sess_log_rcpts(struct smtp_sess *s, struct smtp_client_msg *m)
{
	for (size_t i = 0; i < m->n; i++) {
		struct smtp_client_rcpt *r = &m->rcpts[i];
		struct buf b = BUF_INIT;

		buf_append_escaped(&b, r->diag ? r->diag : "", r->diag ?
				   strlen(r->diag) : 0, 300);
		log_info(s->p->session_id, "relay rcpt queue_id=%lld to=<%s> "
			 "relay=%s[%s] tls=%s status=%s dsn=%s reply=\"%s\"",
			 (long long)m->id, r->address, s->host->name,
			 s->io.peer, smtp_io_is_tls(&s->io) ?
			 smtp_io_tls_version(&s->io) : "no",
			 r->status == SMTP_RCPT_OK ? "sent" :
			 r->status == SMTP_RCPT_PERM ? "bounced" : "deferred",
			 r->enh, buf_cstr(&b));
		buf_free(&b);
	}
}

/* one connection to one address: every undone message that fits */
static void
smtp_sess_run(struct smtp_sess *s, const struct dns_addr *addr,
	      struct smtp_client_msg *msgs, size_t n)
{
	const struct smtp_client_params *p = s->p;
	int r;

again:
	smtp_io_init(&s->io);
	s->io.stop = p->stop;
	memset(&s->ehlo, 0, sizeof(s->ehlo));
	if (smtp_io_connect(&s->io, addr, p->port, p->connect_ms) < 0) {
		smtp_sess_error(s, s->io.error);
		goto out;
	}
	r = smtp_sess_open(s);
	if (r == 1 && !s->no_tls) {
		/* opportunistic TLS failed: this address once in clear */
		log_info(p->session_id, "relay tls_failed peer=%s "
			 "retrying=plaintext", s->io.peer);
		smtp_io_close(&s->io);
		s->no_tls = true;
		goto again;
	}
	if (r != 0)
		goto out;
	log_info(p->session_id, "relay connected host=%s peer=%s tls=%s "
		 "cipher=%s", s->host->name, s->io.peer,
		 smtp_io_is_tls(&s->io) ? smtp_io_tls_version(&s->io) : "no",
		 smtp_io_is_tls(&s->io) ? smtp_io_tls_cipher(&s->io) : "-");
	for (size_t i = 0; i < n; i++) {
		struct smtp_client_msg *m = &msgs[i];

		if (m->done)
			continue;
		r = smtp_sess_transaction(s, m);
		if (m->done) {
			smtp_sess_log_rcpts(s, m);
			if (p->msg_done)
				p->msg_done(p->arg, m);
		}
		if (r < 0)
			goto out;
		if (r == 1 && (smtp_sess_cmd(s, p->command_ms, "RSET\r\n") < 0 ||
			       smtp_reply_class(&s->reply) != 2))
			goto out;
	}
	(void)smtp_sess_cmd(s, p->command_ms, "QUIT\r\n");
out:
	smtp_io_close(&s->io);
}

static bool
smtp_msgs_all_done(struct smtp_client_msg *msgs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!msgs[i].done)
			return false;
	return true;
}

void
smtp_client_deliver(const struct dns_route *route,
		    const struct smtp_client_params *p,
		    struct smtp_client_msg *msgs, size_t n)
{
	struct smtp_sess s;

	memset(&s, 0, sizeof(s));
	s.p = p;
	smtp_reply_init(&s.reply);
	buf_init(&s.out);
	smtp_sess_error(&s, "no host to try");
	for (size_t h = 0; h < route->n; h++) {
		s.host = &route->hosts[h];
		for (size_t a = 0; a < s.host->naddr; a++) {
			if (p->stop && __atomic_load_n(p->stop,
						       __ATOMIC_RELAXED))
				goto out;
			s.no_tls = false;
			smtp_sess_run(&s, &s.host->addrs[a], msgs, n);
			if (smtp_msgs_all_done(msgs, n))
				goto out;
			log_info(p->session_id, "relay host_failed host=%s "
				 "error=\"%s\"", s.host->name, s.last_error);
		}
	}
out:
	/* what no host took: temporary, with the last error */
	for (size_t i = 0; i < n; i++) {
		if (msgs[i].done)
			continue;
		for (size_t k = 0; k < msgs[i].n; k++)
			if (msgs[i].rcpts[k].status == SMTP_RCPT_NONE)
				smtp_client_rcpt_set(&msgs[i].rcpts[k],
						     SMTP_RCPT_TEMP, "4.4.1",
						     s.last_error, false);
	}
	smtp_reply_free(&s.reply);
	buf_free(&s.out);
}
