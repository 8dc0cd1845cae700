/* smtp-milter-edit.c - the changes milters ask for at the end of the
 * message, carried out: added fields go in front of the message (as
 * Authentication-Results does), changed/inserted/deleted fields and a
 * replaced body need the blob written again from the kept copy */
#include "smtp/smtp-milter-private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/log.h"

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

	/* what filters add is bounded as the message is: a filter past it
	 * is broken */
	m->edit_bytes += r->name_len + r->text_len + r->body_len + 64;
	if (max && m->edit_bytes > max)
		return false;
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
	m->edit_bytes = 0;
	m->quarantine = false;
	free(m->quarantine_reason);
	m->quarantine_reason = NULL;
}
