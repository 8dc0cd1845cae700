/* smtp-milter.c - the steps of a session's milters: connect, HELO, MAIL,
 * RCPT, the message; filters in order, each reply awaited on the loop
 * (contract in smtp-milter.h) */
#include "smtp/smtp-milter-private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"

static void smtp_milter_run(struct smtp_milter *m);

static const struct {
	char cmd;
	uint32_t skip, noreply;
} smtp_milter_cmds[] = {
	[MILTER_STAGE_CONNECT] = { SMFIC_CONNECT, SMFIP_NOCONNECT, SMFIP_NR_CONN },
	[MILTER_STAGE_HELO] = { SMFIC_HELO, SMFIP_NOHELO, SMFIP_NR_HELO },
	[MILTER_STAGE_MAIL] = { SMFIC_MAIL, SMFIP_NOMAIL, SMFIP_NR_MAIL },
	[MILTER_STAGE_RCPT] = { SMFIC_RCPT, SMFIP_NORCPT, SMFIP_NR_RCPT },
};

static const char *
smtp_milter_list(const struct smtp_session *s)
{
	const struct tern_conf *conf = smtp_session_conf(s);

	return strcmp(s->policy->name, "smtp") == 0 ? conf->milter.smtp :
	       conf->milter.submission;
}

char *
smtp_milter_check_conf(const char *list, const struct tern_conf *conf)
{
	struct milter_specs specs;
	char *err = NULL;

	if (milter_specs_parse(list, conf, &specs, &err) != 0)
		return err;
	milter_specs_free(&specs);
	return NULL;
}

bool
smtp_milter_active(const struct smtp_session *s)
{
	return s->milter != NULL;
}

static bool
smtp_milter_msg_stage(enum milter_stage st)
{
	return st != MILTER_STAGE_CONNECT && st != MILTER_STAGE_HELO;
}

/* the filter's default_action, when it is down, slow or talks nonsense */
static void
smtp_milter_default(struct smtp_milter *m, struct smtp_milter_filter *f,
		    const char *why)
{
	struct smtp_milter_verdict *v = &m->v;

	log_warn(m->s->id, "milter %s unavailable: default_action=%s (%s)",
		 f->spec->name, milter_default_name(f->spec->default_action),
		 why);
	switch (f->spec->default_action) {
	case MILTER_DEFAULT_QUARANTINE:
		if (m->stage == MILTER_STAGE_EOM)
			m->quarantine = true;
		else
			m->quarantine_session = true;
		free(m->quarantine_reason);
		m->quarantine_reason = xasprintf("milter %s unavailable",
						 f->spec->name);
		/* fall through */
	case MILTER_DEFAULT_ACCEPT:
		f->off = true;
		return;
	case MILTER_DEFAULT_TEMPFAIL:
		v->action = SMTP_MILTER_REFUSE;
		v->code = m->stage == MILTER_STAGE_CONNECT ? 421 : 451;
		snprintf(v->enh, sizeof(v->enh), "4.7.1");
		snprintf(v->text, sizeof(v->text),
			 "Service unavailable - try again later");
		break;
	case MILTER_DEFAULT_REJECT:
		v->action = SMTP_MILTER_REFUSE;
		v->code = m->stage == MILTER_STAGE_CONNECT ? 554 : 550;
		snprintf(v->enh, sizeof(v->enh), "5.7.1");
		snprintf(v->text, sizeof(v->text), "Command rejected");
		break;
	}
	v->filter = f->spec->name;
}

/* a REPLYCODE's first line: "550 5.7.1 text" */
static void
smtp_milter_replycode(struct smtp_milter_verdict *v,
		      const struct milter_reply *r)
{
	const char *t = r->text + 3, *end = r->text + r->text_len;
	const char *nl = memchr(t, '\n', (size_t)(end - t));

	if (nl)
		end = nl;
	if (end > t && end[-1] == '\r')
		end--;
	if (t < end)
		t++;
	if (r->enh[0] && (size_t)(end - t) >= strlen(r->enh)) {
		t += strlen(r->enh);
		if (t < end && *t == ' ')
			t++;
	}
	v->action = SMTP_MILTER_REFUSE;
	v->code = r->code;
	snprintf(v->enh, sizeof(v->enh), "%s", r->enh);
	snprintf(v->text, sizeof(v->text), "%.*s", (int)(end - t), t);
	if (v->text[0] == '\0')
		snprintf(v->text, sizeof(v->text), "Command rejected");
}

static void
smtp_milter_refuse(struct smtp_milter *m, const struct smtp_milter_filter *f,
		   int code, const char *enh, const char *text)
{
	m->v.action = SMTP_MILTER_REFUSE;
	m->v.code = code;
	snprintf(m->v.enh, sizeof(m->v.enh), "%s", enh);
	snprintf(m->v.text, sizeof(m->v.text), "%s", text);
	m->v.filter = f->spec->name;
}

/* the filter's reply to the packet awaited */
static void
smtp_milter_on_reply(void *arg, enum milter_status st,
		     const struct milter_reply *r)
{
	struct smtp_milter *m = arg;
	struct smtp_milter_filter *f = &m->f[m->cur];
	bool eom = m->awaited == SMFIC_BODYEOB;

	if (st == MILTER_OK)
		log_debug(m->s->id, "milter %s reply '%c' to '%c'", f->spec->name,
			  r->cmd, m->awaited);
	if (st != MILTER_OK) {
		smtp_milter_default(m, f, st == MILTER_ETIMEOUT ? "timeout" :
				    milter_client_info(f->c)->error);
		goto next_filter;
	}
	switch (r->cmd) {
	case SMFIR_CONTINUE:
		if (eom)
			goto next_filter;
		smtp_milter_run(m);
		return;
	case SMFIR_ACCEPT:
		if (smtp_milter_msg_stage(m->stage))
			f->msg_off = true;
		else
			f->off = true;
		goto next_filter;
	case SMFIR_REJECT:
		smtp_milter_refuse(m, f, m->stage == MILTER_STAGE_CONNECT ? 554 :
				   550, "5.7.1", "Command rejected");
		goto next_filter;
	case SMFIR_TEMPFAIL:
		smtp_milter_refuse(m, f, m->stage == MILTER_STAGE_CONNECT ? 421 :
				   451, "4.7.1",
				   "Service unavailable - try again later");
		goto next_filter;
	case SMFIR_REPLYCODE:
		smtp_milter_replycode(&m->v, r);
		m->v.filter = f->spec->name;
		goto next_filter;
	case SMFIR_DISCARD:
		if (smtp_milter_msg_stage(m->stage)) {
			m->v.action = SMTP_MILTER_DISCARD;
			m->v.filter = f->spec->name;
		} else {
			f->off = true;	/* Postfix: as accept */
		}
		goto next_filter;
	case SMFIR_SKIP:
		if (m->awaited == SMFIC_BODY) {
			m->body_sent = m->msg.len;	/* on to EOM */
			smtp_milter_run(m);
			return;
		}
		break;
	case SMFIR_PROGRESS:
		if (eom) {
			milter_client_await(f->c, f->spec->eom_ms,
					    smtp_milter_on_reply, m);
			return;
		}
		break;
	default:
		if (eom && smtp_milter_record(m, r,
					      milter_client_info(f->c)->actions)) {
			milter_client_await(f->c, f->spec->eom_ms,
					    smtp_milter_on_reply, m);
			return;
		}
		break;
	}
	/* a reply that does not fit here: the filter is broken, and is
	 * treated as down from now on */
	log_warn(m->s->id, "milter %s: reply '%c' to '%c' refused (out of "
		 "place, not negotiated or over the size limit)", f->spec->name,
		 r->cmd, m->awaited);
	milter_client_close(f->c);
	f->c = NULL;
	smtp_milter_default(m, f, "protocol error");
next_filter:
	if (eom)
		f->in_msg = false;
	m->cur++;
	m->seq = 0;
	smtp_milter_run(m);
}

static void
smtp_milter_on_open(void *arg, enum milter_status st,
		    const struct milter_reply *r)
{
	struct smtp_milter *m = arg;
	struct smtp_milter_filter *f = &m->f[m->cur];

	(void)r;
	if (st != MILTER_OK) {
		smtp_milter_default(m, f, milter_client_info(f->c)->error);
		m->cur++;
		m->seq = 0;
	}
	smtp_milter_run(m);
}

/* HELO, MAIL, RCPT, CONNECT: macros and the command */
static bool
smtp_milter_cmd_packet(struct smtp_milter *m, const struct smtp_milter_filter *f,
		       struct buf *out, char *cmd_r, bool *reply_r)
{
	const struct smtp_session *s = m->s;
	uint32_t proto = milter_client_info(f->c)->protocol;
	char cmd = smtp_milter_cmds[m->stage].cmd;

	if (m->seq++ > 0 || (proto & smtp_milter_cmds[m->stage].skip))
		return false;
	smtp_milter_put_macros(m, f, m->stage, out);
	if (m->stage == MILTER_STAGE_CONNECT) {
		const char *ip = conn_peer_ip(s->conn);

		milter_put_connect(out, "unknown", strchr(ip, ':') ? '6' : '4',
				   (uint16_t)conn_peer_port(s->conn), ip);
	} else {
		/* the path, then each ESMTP parameter as its own string */
		const char *v[16] = { m->arg };
		char *params = xstrdup(m->params), *save = NULL;
		size_t n = 1;

		for (char *p = strtok_r(params, " ", &save); p && n < 16;
		     p = strtok_r(NULL, " ", &save))
			v[n++] = p;
		milter_put_strings(out, cmd, v, n);
		free(params);
	}
	*cmd_r = cmd;
	*reply_r = !(proto & smtp_milter_cmds[m->stage].noreply);
	return true;
}

static void
smtp_milter_finish(struct smtp_milter *m);

/* send the step's packets, filter after filter, until a reply is due */
static void
smtp_milter_run(struct smtp_milter *m)
{
	struct buf b = BUF_INIT;

	while (m->v.action == SMTP_MILTER_CONTINUE && m->cur < m->n) {
		struct smtp_milter_filter *f = &m->f[m->cur];
		bool msg = m->stage == MILTER_STAGE_EOM, reply = false, more;
		char cmd = 0;

		if (f->off || (smtp_milter_msg_stage(m->stage) && f->msg_off)) {
			m->cur++;
			m->seq = 0;
			continue;
		}
		if (f->c == NULL && m->stage == MILTER_STAGE_CONNECT) {
			f->c = milter_client_open(m->s->env->loop, f->spec,
						  (uint32_t)smtp_session_conf(m->s)->milter.max_reply_size,
						  m->s->id, smtp_milter_on_open, m);
			return;
		}
		if (f->c == NULL) {
			smtp_milter_default(m, f, "broken earlier");
			m->cur++;
			m->seq = 0;
			continue;
		}
		buf_reset(&b);
		more = msg ? smtp_milter_msg_packet(m, f, &b, &cmd, &reply) :
		       smtp_milter_cmd_packet(m, f, &b, &cmd, &reply);
		if (!more) {
			m->cur++;
			m->seq = 0;
			continue;
		}
		milter_client_send(f->c, b.data, b.len);
		if (cmd == SMFIC_MAIL)
			f->in_msg = true;
		if (!reply)
			continue;
		m->awaited = cmd;
		milter_client_await(f->c, cmd == SMFIC_BODYEOB ? f->spec->eom_ms :
				    f->spec->command_ms, smtp_milter_on_reply, m);
		buf_free(&b);
		return;
	}
	buf_free(&b);
	smtp_milter_finish(m);
}

static void
smtp_milter_step(struct smtp_milter *m, enum milter_stage stage)
{
	memset(&m->v, 0, sizeof(m->v));
	m->running = true;
	m->stage = stage;
	m->cur = 0;
	m->seq = 0;
	smtp_milter_run(m);
}

static void
smtp_milter_log(struct smtp_milter *m)
{
	static const char *const names[] = {
		"connect", "helo", "mail", "rcpt", "data", "eom", "eoh"
	};

	if (m->v.action == SMTP_MILTER_REFUSE)
		log_info(m->s->id, "milter %s refused %s id=%s reply=%d %s",
			 m->v.filter, names[m->stage], m->s->txn.id, m->v.code,
			 m->v.enh);
	else if (m->v.action == SMTP_MILTER_DISCARD)
		log_info(m->s->id, "milter %s discarded id=%s", m->v.filter,
			 m->s->txn.id);
}

static void
smtp_milter_finish(struct smtp_milter *m)
{
	struct smtp_session *s = m->s;

	m->running = false;
	smtp_milter_log(m);
	if (m->stage == MILTER_STAGE_EOM) {
		if (m->v.action == SMTP_MILTER_CONTINUE &&
		    !s->conn_gone && smtp_milter_apply(m) != 0) {
			m->v.action = SMTP_MILTER_REFUSE;
			m->v.code = 451;
			snprintf(m->v.enh, sizeof(m->v.enh), "4.3.0");
			snprintf(m->v.text, sizeof(m->v.text),
				 "Temporary failure, please try again later");
		}
		for (size_t i = 0; i < m->n; i++)
			m->f[i].in_msg = false;
		m->msg_done(s, &m->v);
		return;
	}
	if (s->conn_gone) {
		smtp_session_continue(s);	/* frees s */
		return;
	}
	if (m->stage == MILTER_STAGE_CONNECT) {
		if (m->v.action == SMTP_MILTER_REFUSE) {
			smtp_session_reply(s, m->v.code, m->v.enh, "%s %s",
					   smtp_session_conf(s)->hostname,
					   m->v.text);
			s->state = SMTP_S_QUIT;
			conn_close(s->conn, "milter");
			smtp_session_continue(s);
			return;
		}
		s->suspended = false;
		smtp_session_begin(s);
		conn_resume(s->conn);
		return;
	}
	if (m->v.action == SMTP_MILTER_REFUSE) {
		m->undo(s);
		smtp_session_reply(s, m->v.code, m->v.enh[0] ? m->v.enh : NULL,
				   "%s", m->v.text);
	} else {
		smtp_session_reply(s, m->ok_code, m->ok_enh[0] ? m->ok_enh : NULL,
				   "%s", m->ok_text);
	}
	/* input resumes on the next loop turn (pipelined commands wait) */
	smtp_session_continue(s);
}

bool
smtp_milter_start(struct smtp_session *s)
{
	const char *list = smtp_milter_list(s);
	struct smtp_milter *m;
	char *err = NULL;

	if (list[0] == '\0')
		return false;
	m = xcalloc(1, sizeof(*m));
	m->s = s;
	if (milter_specs_parse(list, smtp_session_conf(s), &m->specs, &err) != 0) {
		/* startup checked it; a bad reload must not let mail past */
		log_error(s->id, "milter list refused: %s", err);
		free(err);
		free(m);
		smtp_session_reply(s, 421, "4.7.1", "%s Service unavailable - "
				   "try again later", smtp_session_conf(s)->hostname);
		s->state = SMTP_S_QUIT;
		conn_close(s->conn, "milter-config");
		return true;
	}
	if (m->specs.n == 0) {
		free(m);
		return false;
	}
	m->n = m->specs.n;
	m->f = xcalloc(m->n, sizeof(*m->f));
	for (size_t i = 0; i < m->n; i++)
		m->f[i].spec = &m->specs.v[i];
	s->milter = m;
	smtp_session_suspend(s);
	smtp_milter_step(m, MILTER_STAGE_CONNECT);
	return true;
}

bool
smtp_milter_command(struct smtp_session *s, enum milter_stage stage,
		    const char *arg, struct slice line, int code,
		    const char *enh,
		    const char *text, void (*undo)(struct smtp_session *))
{
	struct smtp_milter *m = s->milter;
	bool any = false;

	if (m == NULL)
		return false;
	for (size_t i = 0; i < m->n; i++)
		any |= !m->f[i].off && !(stage != MILTER_STAGE_HELO &&
					 m->f[i].msg_off);
	if (!any)
		return false;
	if (stage == MILTER_STAGE_MAIL)
		m->copy = true;
	free(m->arg);
	free(m->params);
	free(m->ok_text);
	m->arg = xstrdup(arg);
	/* what follows the path's '>' */
	{
		ptrdiff_t gt = slice_find(line, '>');

		m->params = gt < 0 ? xstrdup("") :
			    slice_dup(slice_trim((struct slice){
				    line.p + gt + 1, line.len - (size_t)gt - 1 }));
	}
	m->ok_code = code;
	snprintf(m->ok_enh, sizeof(m->ok_enh), "%s", enh ? enh : "");
	m->ok_text = xstrdup(text);
	m->undo = undo;
	smtp_session_suspend(s);
	smtp_milter_step(m, stage);
	return true;
}

void
smtp_milter_copy(struct smtp_session *s, const void *p, size_t n)
{
	if (s->milter && s->milter->copy)
		buf_append(&s->milter->msg, p, n);
}

bool
smtp_milter_message(struct smtp_session *s,
		    void (*done)(struct smtp_session *,
				 const struct smtp_milter_verdict *))
{
	struct smtp_milter *m = s->milter;
	bool any = false;

	if (m == NULL)
		return false;
	for (size_t i = 0; i < m->n && m->copy; i++)
		any |= !m->f[i].off && !m->f[i].msg_off;
	if (!any) {
		/* no filter to ask; a down one may still want quarantine */
		if (m->quarantine_session) {
			s->txn.junk = true;
			log_info(s->id, "milter quarantine id=%s reason=\"filter "
				 "unavailable\"", s->txn.id);
		}
		return false;
	}
	m->msg_done = done;
	smtp_milter_split(m);
	smtp_milter_step(m, MILTER_STAGE_EOM);
	return true;
}

bool
smtp_milter_abandon(struct smtp_session *s)
{
	struct smtp_milter *m = s->milter;

	if (m == NULL || !m->running)
		return false;
	/* nobody to answer: the filters' connections go, the step ends */
	for (size_t i = 0; i < m->n; i++) {
		milter_client_close(m->f[i].c);
		m->f[i].c = NULL;
		m->f[i].off = true;
	}
	smtp_milter_finish(m);
	return true;
}

void
smtp_milter_txn_end(struct smtp_session *s)
{
	struct smtp_milter *m = s->milter;
	struct buf b = BUF_INIT;

	if (m == NULL)
		return;
	milter_put_empty(&b, SMFIC_ABORT);
	for (size_t i = 0; i < m->n; i++) {
		struct smtp_milter_filter *f = &m->f[i];

		if (f->in_msg && f->c && !f->off)
			milter_client_send(f->c, b.data, b.len);
		f->in_msg = false;
		f->msg_off = false;
	}
	buf_free(&b);
	m->copy = false;
	smtp_milter_msg_clear(m);
}

void
smtp_milter_free(struct smtp_session *s)
{
	struct smtp_milter *m = s->milter;

	if (m == NULL)
		return;
	for (size_t i = 0; i < m->n; i++)
		milter_client_close(m->f[i].c);
	smtp_milter_msg_clear(m);
	buf_free(&m->msg);
	free(m->f);
	milter_specs_free(&m->specs);
	free(m->arg);
	free(m->params);
	free(m->ok_text);
	free(m);
	s->milter = NULL;
}
