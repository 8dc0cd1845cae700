/* smtp-milter-private.h - state shared by smtp-milter.c (the steps),
 * smtp-milter-msg.c (what the filters are sent) and smtp-milter-edit.c
 * (the changes they ask for) */
#ifndef TERN_SMTP_MILTER_PRIVATE_H
#define TERN_SMTP_MILTER_PRIVATE_H

#include "milter/milter-client.h"
#include "smtp/smtp-milter.h"
#include "smtp/smtp-session.h"

struct smtp_milter_filter {
	const struct milter_spec *spec;
	struct milter_client *c;
	bool off;		/* accepted (or failed open) for the session */
	bool msg_off;		/* accepted this message */
	bool in_msg;		/* got MAIL: an ABORT is due if no EOM */
};

/* a header change asked at the end of the message */
struct smtp_milter_edit {
	char op;		/* SMFIR_CHGHEADER or SMFIR_INSHEADER */
	uint32_t index;
	char *name, *value;
};

struct smtp_milter {
	struct smtp_session *s;
	struct milter_specs specs;
	struct smtp_milter_filter *f;
	size_t n;
	/* the step running */
	enum milter_stage stage;
	size_t cur;		/* its filter */
	size_t seq;		/* its packet in the filter's sequence */
	char awaited;		/* the command whose reply is awaited */
	bool running;		/* a step is under way */
	bool eom_sent;
	struct smtp_milter_verdict v;
	/* command steps: the reply when the filters accept */
	char *arg;
	char *params;		/* MAIL/RCPT: ESMTP parameters */
	int ok_code;
	char ok_enh[16];
	char *ok_text;
	void (*undo)(struct smtp_session *);
	void (*msg_done)(struct smtp_session *,
			 const struct smtp_milter_verdict *);
	/* the message: a copy of the blob, its header split in fields */
	bool copy;
	struct buf msg;
	size_t body_off;	/* where the body starts in msg */
	size_t *fields;		/* offsets of fields: start, end pairs */
	size_t n_fields;
	size_t body_sent;
	/* the changes asked */
	struct buf front;	/* added fields (in front of the message) */
	struct smtp_milter_edit *edits;
	size_t n_edits;
	bool replbody;
	uint64_t edit_bytes;	/* all the changes asked, in bytes */
	struct buf body;
	bool quarantine;
	bool quarantine_session;	/* a down filter's default: every message */
	char *quarantine_reason;
};

/* smtp-milter-msg.c */
/* split m->msg's header into fields (after the copy is complete) */
void smtp_milter_split(struct smtp_milter *m);
/* the next packet of the message for filter f (m->seq counts); false
 * when the sequence is over. *reply: the filter answers it */
bool smtp_milter_msg_packet(struct smtp_milter *m,
			    const struct smtp_milter_filter *f,
			    struct buf *out, char *cmd_r, bool *reply_r);
/* the macros of a stage for filter f, as Postfix sends them by default
 * (or those of them the filter asked for) */
void smtp_milter_put_macros(struct smtp_milter *m,
			    const struct smtp_milter_filter *f,
			    enum milter_stage stage, struct buf *out);

/* smtp-milter-edit.c */
/* one change reply at the end of the message; false: a bad one */
bool smtp_milter_record(struct smtp_milter *m,
			const struct milter_reply *r, uint32_t actions);
/* carry out the changes into the transaction; 0 or -1 (store error) */
int smtp_milter_apply(struct smtp_milter *m);
/* forget the message's copy and changes */
void smtp_milter_msg_clear(struct smtp_milter *m);

#endif
