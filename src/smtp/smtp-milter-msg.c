/* smtp-milter-msg.c - the message as the milters see it: the macros of
 * each step as Postfix sends them, the header cut into fields, the body
 * in chunks, the end of the message */
#include "smtp/smtp-milter-private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
smtp_milter_put_macros(struct smtp_milter *m, const struct smtp_milter_filter *f,
		       enum milter_stage stage, struct buf *out)
{
	static const char cmds[MILTER_STAGE_COUNT] = {
		SMFIC_CONNECT, SMFIC_HELO, SMFIC_MAIL, SMFIC_RCPT,
		SMFIC_DATA, SMFIC_BODYEOB, SMFIC_EOH,
	};
	const struct smtp_session *s = m->s;
	const struct smtp_txn *t = &s->txn;
	const char *names[10], *values[10];
	char port[8], lport[8], underscore[96];
	size_t n = 0;

#define MACRO(nm, val) do { names[n] = (nm); values[n] = (val); n++; } while (0)
	switch (stage) {
	case MILTER_STAGE_CONNECT:
		snprintf(port, sizeof(port), "%d", conn_peer_port(s->conn));
		snprintf(lport, sizeof(lport), "%d", conn_local_port(s->conn));
		snprintf(underscore, sizeof(underscore), "unknown [%s]",
			 conn_peer_ip(s->conn));
		MACRO("j", smtp_session_conf(s)->hostname);
		MACRO("{daemon_name}", s->policy->name);
		MACRO("{daemon_addr}", conn_local_ip(s->conn));
		MACRO("{daemon_port}", lport);
		MACRO("v", "tern");
		MACRO("_", underscore);
		MACRO("{client_addr}", conn_peer_ip(s->conn));
		MACRO("{client_port}", port);
		MACRO("{client_name}", "unknown");
		break;
	case MILTER_STAGE_HELO:
		if (!conn_is_tls(s->conn))
			return;
		MACRO("{tls_version}", conn_tls_version(s->conn));
		MACRO("{cipher}", conn_tls_cipher(s->conn));
		break;
	case MILTER_STAGE_MAIL:
		MACRO("i", t->id);
		if (s->auth_address)
			MACRO("{auth_authen}", s->auth_address);
		MACRO("{mail_addr}", t->from.addr);
		MACRO("{mail_host}", t->from.null ? "" : t->from.domain);
		MACRO("{mail_mailer}", "smtp");
		break;
	case MILTER_STAGE_RCPT: {
		const struct smtp_rcpt *rc = &t->rcpts[t->n_rcpts - 1];
		const char *at = strrchr(rc->addr, '@');

		MACRO("i", t->id);
		MACRO("{rcpt_addr}", rc->addr);
		MACRO("{rcpt_host}", at ? at + 1 : "");
		MACRO("{rcpt_mailer}", rc->remote ? "smtp" : "local");
		break;
	}
	default:
		MACRO("i", t->id);
		break;
	}
#undef MACRO
	/* a filter that named its macros (SMFIR_OPTNEG) gets those only */
	if (milter_client_info(f->c)->symlist[stage] != NULL) {
		const char *list = milter_client_info(f->c)->symlist[stage];
		size_t k = 0;

		for (size_t i = 0; i < n; i++)
			if (milter_symlist_has(list, strlen(list), names[i])) {
				names[k] = names[i];
				values[k++] = values[i];
			}
		n = k;
	}
	if (n > 0)
		milter_put_macros(out, cmds[stage], names, values, n);
}

void
smtp_milter_split(struct smtp_milter *m)
{
	const char *p = (const char *)m->msg.data;
	size_t len = m->msg.len, i = 0, cap = 0;

	free(m->fields);
	m->fields = NULL;
	m->n_fields = 0;
	m->body_off = len;
	while (i < len) {
		const char *nl = memchr(p + i, '\n', len - i);
		size_t e = nl ? (size_t)(nl - p) + 1 : len;

		if (e - i <= 2 && (p[i] == '\r' || p[i] == '\n')) {
			m->body_off = e;	/* the blank line */
			return;
		}
		if (p[i] == ' ' || p[i] == '\t') {
			if (m->n_fields > 0)
				m->fields[m->n_fields * 2 - 1] = e;
		} else {
			if (m->n_fields == cap) {
				cap = cap ? cap * 2 : 32;
				m->fields = xrealloc(m->fields,
						     cap * 2 * sizeof(*m->fields));
			}
			m->fields[m->n_fields * 2] = i;
			m->fields[m->n_fields * 2 + 1] = e;
			m->n_fields++;
		}
		i = e;
	}
}

/* one field as SMFIC_HEADER: name, value without the leading blanks
 * (unless the filter asked for them) and the final CRLF, folds as LF */
static void
smtp_milter_put_field(const char *f, size_t n, bool leadspc, struct buf *out)
{
	const char *colon = memchr(f, ':', n);
	size_t nl, v;
	struct buf val = BUF_INIT;

	if (colon == NULL)
		colon = f + n;
	nl = (size_t)(colon - f);
	while (nl > 0 && (f[nl - 1] == ' ' || f[nl - 1] == '\t'))
		nl--;
	v = colon < f + n ? (size_t)(colon - f) + 1 : n;
	while (!leadspc && v < n && (f[v] == ' ' || f[v] == '\t'))
		v++;
	while (n > v && (f[n - 1] == '\n' || f[n - 1] == '\r'))
		n--;
	for (size_t i = v; i < n; i++)
		if (f[i] != '\r')
			buf_append_byte(&val, (unsigned char)f[i]);
	milter_put_header(out, f, nl, (const char *)val.data ? (const char *)val.data : "",
			  val.len);
	buf_free(&val);
}

bool
smtp_milter_msg_packet(struct smtp_milter *m, const struct smtp_milter_filter *f,
		       struct buf *out, char *cmd_r, bool *reply_r)
{
	uint32_t proto = milter_client_info(f->c)->protocol;

	for (;;) {
		size_t k = m->seq;

		if (k == 0) {
			m->seq++;
			m->body_sent = m->body_off;
			m->eom_sent = false;
			if (proto & SMFIP_NODATA)
				continue;
			smtp_milter_put_macros(m, f, MILTER_STAGE_DATA, out);
			milter_put_empty(out, SMFIC_DATA);
			*cmd_r = SMFIC_DATA;
			*reply_r = !(proto & SMFIP_NR_DATA);
			return true;
		}
		if (k <= m->n_fields) {
			size_t s = m->fields[(k - 1) * 2], e = m->fields[(k - 1) * 2 + 1];

			m->seq++;
			if (proto & SMFIP_NOHDRS)
				continue;
			smtp_milter_put_field((const char *)m->msg.data + s, e - s,
					      proto & SMFIP_HDR_LEADSPC, out);
			*cmd_r = SMFIC_HEADER;
			*reply_r = !(proto & SMFIP_NR_HDR);
			return true;
		}
		if (k == m->n_fields + 1) {
			m->seq++;
			if (proto & SMFIP_NOEOH)
				continue;
			smtp_milter_put_macros(m, f, MILTER_STAGE_EOH, out);
			milter_put_empty(out, SMFIC_EOH);
			*cmd_r = SMFIC_EOH;
			*reply_r = !(proto & SMFIP_NR_EOH);
			return true;
		}
		if (!(proto & SMFIP_NOBODY) && m->body_sent < m->msg.len) {
			size_t n = m->msg.len - m->body_sent;

			if (n > MILTER_CHUNK_SIZE)
				n = MILTER_CHUNK_SIZE;
			milter_put_body(out, m->msg.data + m->body_sent, n);
			m->body_sent += n;
			*cmd_r = SMFIC_BODY;
			*reply_r = !(proto & SMFIP_NR_BODY);
			return true;
		}
		if (m->eom_sent)
			return false;
		m->eom_sent = true;
		smtp_milter_put_macros(m, f, MILTER_STAGE_EOM, out);
		milter_put_empty(out, SMFIC_BODYEOB);
		*cmd_r = SMFIC_BODYEOB;
		*reply_r = true;
		return true;
	}
}
