/* smtp-milter.h - the milters of an SMTP session (milter.smtp for port
 * 25, milter.submission for submission): each command and the message
 * go to the filters in order before tern answers (src/milter speaks the
 * protocol). Every step is asynchronous: the session waits, the loop
 * serves others; a filter that is down or slow gets its default_action.
 *
 * Hooks: smtp_milter_start() at the session's start (the greeting
 * waits); smtp_milter_command() from HELO/EHLO, MAIL, RCPT before their
 * reply; smtp_milter_copy() sees the bytes of the blob (a copy is kept
 * for the filters and for rewriting); smtp_milter_message() at the end
 * of the message, after the mail checks and before the commit; the
 * transaction's end (smtp_session_reset) calls smtp_milter_txn_end(). */
#ifndef TERN_SMTP_MILTER_H
#define TERN_SMTP_MILTER_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/conf.h"
#include "milter/milter-proto.h"

struct smtp_session;

/* what the filters decided */
enum smtp_milter_action {
	SMTP_MILTER_CONTINUE,	/* go on (with any changes applied) */
	SMTP_MILTER_REFUSE,	/* answer code/enh/text */
	SMTP_MILTER_DISCARD,	/* accept and store nowhere */
};

struct smtp_milter_verdict {
	enum smtp_milter_action action;
	int code;
	char enh[16];
	char text[512];
	const char *filter;	/* whose verdict (logs) */
};

/* the session's filters; false when there are none (or the list is
 * bad: logged, and then every message is tempfailed). True: the
 * greeting is written by smtp_milter after the CONNECT step (or the
 * session is refused and closed). */
bool smtp_milter_start(struct smtp_session *s);
bool smtp_milter_active(const struct smtp_session *s);
/* A command tern accepted: the filters see it before the reply (arg:
 * the HELO name or the <path>; line: the command's arguments, whose
 * ESMTP parameters after the path go along, as Postfix sends them).
 * False: no filter wants it, reply now. True: the session is
 * suspended; the reply (code, enh (may be NULL), text: lines separated
 * by \n) or the filters' refusal is written later, and undo(s) runs on
 * a refusal. */
bool smtp_milter_command(struct smtp_session *s, enum milter_stage stage,
			 const char *arg, struct slice line, int code,
			 const char *enh,
			 const char *text, void (*undo)(struct smtp_session *));
/* the message bytes as written to the blob */
void smtp_milter_copy(struct smtp_session *s, const void *p, size_t n);
/* the message to the filters; done(s, v) when they are through: for
 * CONTINUE the changes are applied already (t->front, t->junk, a
 * rewritten t->blob). Returns false (done is not called) when no filter
 * takes part. */
bool smtp_milter_message(struct smtp_session *s,
			 void (*done)(struct smtp_session *,
				      const struct smtp_milter_verdict *));
/* the client left (s->conn_gone) while a step ran: stop it now rather
 * than at the filters' timeout (which would also hold up a shutdown);
 * the session is freed (true) or no step ran (false) */
bool smtp_milter_abandon(struct smtp_session *s);
/* the transaction ended or was reset: SMFIC_ABORT when a filter is in
 * the middle of one, the copy dropped */
void smtp_milter_txn_end(struct smtp_session *s);
/* the session is gone */
void smtp_milter_free(struct smtp_session *s);
/* check a milter list at startup; NULL or a malloc'd message */
char *smtp_milter_check_conf(const char *list, const struct tern_conf *conf);

#endif
