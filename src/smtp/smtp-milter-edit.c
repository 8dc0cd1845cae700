/* smtp-milter-edit.c - the message as the milters see it (macros,
 * header fields, body chunks, end of message) and the changes they ask
 * for, carried out: added fields go in front of the message (as
 * Authentication-Results does), changed/inserted/deleted fields and a
 * replaced body need the blob written again from the kept copy */
#include "smtp/smtp-milter-private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/log.h"

void
smtp_milter_put_macros(struct smtp_milter *m, enum milter_stage stage,
		       struct buf *out)
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
			smtp_milter_put_macros(m, MILTER_STAGE_DATA, out);
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
			smtp_milter_put_macros(m, MILTER_STAGE_EOH, out);
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
		smtp_milter_put_macros(m, MILTER_STAGE_EOM, out);
		milter_put_empty(out, SMFIC_BODYEOB);
		*cmd_r = SMFIC_BODYEOB;
		*reply_r = true;
		return true;
	}
}

/* "Name: value\r\n" from a filter's name and value: folds kept (LF ->
 * CRLF), a line break not followed by a blank gets one (no field can be
 * smuggled in) */
static void
smtp_milter_format(struct buf *out, const char *name, size_t name_len,
		   const char *v, size_t n)
{
	buf_append(out, name, name_len);
	buf_append_byte(out, ':');
	if (n == 0 || (v[0] != ' ' && v[0] != '\t'))
		buf_append_byte(out, ' ');
	for (size_t i = 0; i < n; i++) {
		if (v[i] == '\r')
			continue;
		if (v[i] != '\n') {
			buf_append_byte(out, (unsigned char)v[i]);
			continue;
		}
		buf_append_str(out, "\r\n");
		if (i + 1 < n && v[i + 1] != ' ' && v[i + 1] != '\t')
			buf_append_byte(out, '\t');
	}
	buf_append_str(out, "\r\n");
}

bool
smtp_milter_record(struct smtp_milter *m, const struct milter_reply *r,
		   uint32_t actions)
{
	uint64_t max = smtp_session_conf(m->s)->smtp.max_message_size;
	struct smtp_milter_edit *e;

	switch (r->cmd) {
	case SMFIR_ADDHEADER:
		if (!(actions & SMFIF_ADDHDRS))
			return false;
		smtp_milter_format(&m->front, r->name, r->name_len, r->text,
				   r->text_len);
		return true;
	case SMFIR_INSHEADER:
		if (!(actions & SMFIF_ADDHDRS))
			return false;
		if (r->index == 0) {
			smtp_milter_format(&m->front, r->name, r->name_len,
					   r->text, r->text_len);
			return true;
		}
		break;
	case SMFIR_CHGHEADER:
		if (!(actions & SMFIF_CHGHDRS))
			return false;
		break;
	case SMFIR_REPLBODY:
		if (!(actions & SMFIF_CHGBODY))
			return false;
		if (max && m->body.len + r->body_len > max)
			return false;
		m->replbody = true;
		buf_append(&m->body, r->body, r->body_len);
		return true;
	case SMFIR_QUARANTINE:
		if (!(actions & SMFIF_QUARANTINE))
			return false;
		m->quarantine = true;
		free(m->quarantine_reason);
		m->quarantine_reason = xstrndup(r->text, r->text_len);
		return true;
	default:
		return false;
	}
	m->edits = xrealloc(m->edits, (m->n_edits + 1) * sizeof(*m->edits));
	e = &m->edits[m->n_edits++];
	e->op = r->cmd;
	e->index = r->index;
	e->name = xstrndup(r->name, r->name_len);
	e->value = xstrndup(r->text, r->text_len);
	return true;
}

/* the header as a list of fields that edits change */
struct smtp_milter_field {
	const char *p;
	size_t n;
	struct buf own;		/* a new or changed field */
};

static bool
smtp_milter_field_is(const struct smtp_milter_field *f, const char *name)
{
	size_t nl = strlen(name), i = nl;

	if (f->n < nl || strncasecmp(f->p, name, nl) != 0)
		return false;
	while (i < f->n && (f->p[i] == ' ' || f->p[i] == '\t'))
		i++;
	return i < f->n && f->p[i] == ':';
}

static void
smtp_milter_field_set(struct smtp_milter_field *f, const char *name,
		      const char *value)
{
	buf_reset(&f->own);
	smtp_milter_format(&f->own, name, strlen(name), value, strlen(value));
	f->p = (const char *)f->own.data;
	f->n = f->own.len;
}

static void
smtp_milter_edit_one(struct smtp_milter_field **v, size_t *n,
		     const struct smtp_milter_edit *e)
{
	size_t at = *n, seen = 0;

	if (e->op == SMFIR_CHGHEADER) {
		for (size_t i = 0; i < *n; i++)
			if ((*v)[i].n > 0 && smtp_milter_field_is(&(*v)[i], e->name) &&
			    ++seen == (e->index ? e->index : 1)) {
				if (e->value[0] == '\0') {
					(*v)[i].n = 0;	/* deleted */
				} else {
					smtp_milter_field_set(&(*v)[i], e->name,
							      e->value);
				}
				return;
			}
		if (e->value[0] == '\0')
			return;
	} else {
		/* INSHEADER: before the index-th live field */
		for (size_t i = 0; i < *n; i++)
			if ((*v)[i].n > 0 && seen++ == e->index) {
				at = i;
				break;
			}
	}
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	memmove(*v + at + 1, *v + at, (*n - at) * sizeof(**v));
	memset(&(*v)[at], 0, sizeof(**v));
	smtp_milter_field_set(&(*v)[at], e->name, e->value);
	(*n)++;
}

/* the new blob: edited header, blank line, the (replaced) body */
static int
smtp_milter_rewrite(struct smtp_milter *m)
{
	struct smtp_txn *t = &m->s->txn;
	struct smtp_milter_field *v = xcalloc(m->n_fields + 1, sizeof(*v));
	struct store_blob *blob = NULL;
	struct buf out = BUF_INIT;
	size_t n = m->n_fields;
	int rc;

	for (size_t i = 0; i < n; i++) {
		v[i].p = (const char *)m->msg.data + m->fields[i * 2];
		v[i].n = m->fields[i * 2 + 1] - m->fields[i * 2];
	}
	for (size_t i = 0; i < m->n_edits; i++)
		smtp_milter_edit_one(&v, &n, &m->edits[i]);
	for (size_t i = 0; i < n; i++) {
		buf_append(&out, v[i].p, v[i].n);
		buf_free(&v[i].own);
	}
	free(v);
	buf_append_str(&out, "\r\n");
	if (m->replbody) {
		/* the filter's body, in CRLF lines */
		for (size_t i = 0; i < m->body.len; i++) {
			if (m->body.data[i] == '\n' &&
			    (i == 0 || m->body.data[i - 1] != '\r'))
				buf_append_byte(&out, '\r');
			buf_append_byte(&out, m->body.data[i]);
		}
	} else if (m->body_off < m->msg.len) {
		buf_append(&out, m->msg.data + m->body_off,
			   m->msg.len - m->body_off);
	}
	rc = store_blob_begin(m->s->env->store, &blob);
	if (rc == 0)
		rc = store_blob_write(blob, out.data, out.len);
	buf_free(&out);
	if (rc != 0) {
		log_error(m->s->id, "milter rewrite failed id=%s error=%s",
			  t->id, store_strerror(rc));
		store_blob_abort(&blob);
		return -1;
	}
	store_blob_abort(&t->blob);
	t->blob = blob;
	return 0;
}

int
smtp_milter_apply(struct smtp_milter *m)
{
	struct smtp_txn *t = &m->s->txn;

	if (m->quarantine || m->quarantine_session) {
		t->junk = true;
		log_info(m->s->id, "milter quarantine id=%s reason=\"%s\"", t->id,
			 m->quarantine_reason ? m->quarantine_reason : "");
	}
	buf_append(&t->front, m->front.data, m->front.len);
	if (m->n_edits > 0 || m->replbody)
		return smtp_milter_rewrite(m);
	return 0;
}

void
smtp_milter_msg_clear(struct smtp_milter *m)
{
	for (size_t i = 0; i < m->n_edits; i++) {
		free(m->edits[i].name);
		free(m->edits[i].value);
	}
	free(m->edits);
	m->edits = NULL;
	m->n_edits = 0;
	free(m->fields);
	m->fields = NULL;
	m->n_fields = 0;
	buf_free(&m->front);
	buf_free(&m->body);
	buf_free(&m->msg);
	m->replbody = false;
	m->quarantine = false;
	free(m->quarantine_reason);
	m->quarantine_reason = NULL;
}
