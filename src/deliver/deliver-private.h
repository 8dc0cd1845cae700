/* deliver-private.h - the Sieve step's state, shared by the files of
 * src/deliver (see deliver.h) */
#ifndef TERN_DELIVER_PRIVATE_H
#define TERN_DELIVER_PRIVATE_H

#include <uv.h>

#include "deliver/deliver.h"
#include "lib/buf.h"
#include "lib/work-gate.h"
#include "sieve/sieve.h"

/* a redirect chain longer than this is cut (kept where it stops) */
#define DELIVER_MAX_CHAIN 8
/* accounts one delivery may reach through local redirects */
#define DELIVER_MAX_UNITS 256

/* one account's copy: an original local row, or one a local redirect
 * made */
struct deliver_unit {
	int64_t account_id;
	char *address;		/* the account's address (Delivered-To) */
	char *orig_to;		/* the address the mail came to */
	char *script;		/* the active script's name (logs) */
	size_t src;		/* the original row (DSN notify, orcpt) */
	bool original;		/* src's own row: its prefix */
	unsigned depth;		/* redirects that led here */
	size_t parent;		/* the unit that redirected (SIZE_MAX) */
	bool ran;		/* res holds the script's actions */
	struct sieve_result res;
};

struct deliver_vacation {
	size_t unit;
	const struct sieve_action *a;	/* in units[unit].res */
};

struct deliver_reject {
	size_t unit;
	const char *reason;		/* in the unit's result */
};

struct deliver_sieve {
	struct deliver_env env;		/* strings below own the copies */
	char *id, *sender, *auth, *envid;
	struct buf local_front, remote_front;
	struct store_rcpt *in;		/* the rows without Sieve */
	size_t n_in;
	char **orig_to;
	/* the message: msg.data + headroom, len bytes (room in front
	 * for a local copy's prefix, which the script sees too) */
	struct buf msg;
	size_t headroom, len;
	bool loaded;
	struct deliver_unit *units;
	size_t n_units;
	/* the planned rows; pre_off[2i], [2i+1]: their prefix in pre
	 * (SIZE_MAX: an original row's own prefix) */
	struct store_rcpt *out;
	size_t n_out, cap_out;
	struct buf pre;
	size_t *pre_off;
	char **strs;			/* strings the rows point to */
	size_t n_strs;
	struct deliver_vacation *vac;
	size_t n_vac;
	struct deliver_reject *rej;
	size_t n_rej;
	bool *row_rejected;		/* per original row: every copy */
	char *srs_domain;
	struct buf reply;		/* the SMTP rejection text */
	/* on the loop (deliver-async.c) */
	struct work_gate_job job;
	uv_work_t follow;
	struct store_blob *blob;
	deliver_sieve_cb *cb;
	void *cb_arg;
};

/* deliver-script.c: the account's active script, compiled (cached by
 * account and version). 1 and *s_r (release it), 0 no active script,
 * -1 an error (logged; the caller keeps the message) */
int deliver_script_get(struct deliver_sieve *d, struct deliver_unit *u,
		       const struct sieve_script **s_r);
void deliver_script_release(const struct sieve_script *s);

/* deliver-plan.c: the unit's actions (or a keep) into rows; a row
 * that is not local as it was */
void deliver_plan_unit(struct deliver_sieve *d, size_t unit);
void deliver_plan_copy(struct deliver_sieve *d, size_t row);
/* deliver-sieve.c: the prefix of a unit's local copy */
void deliver_unit_prefix(const struct deliver_sieve *d,
			 const struct deliver_unit *u, struct buf *out);
/* a copy of s owned by d */
const char *deliver_str(struct deliver_sieve *d, const char *s);

/* deliver-header.c: does the message carry "Delivered-To: addr"? */
bool deliver_delivered_to(const unsigned char *msg, size_t len,
			  const char *addr);
/* the first header field name of the message, raw value unfolded into
 * out; false when absent */
bool deliver_header(const unsigned char *msg, size_t len, const char *name,
		    struct buf *out);

/* deliver-reply.c: the vacation reply (RFC 5230 5) into out */
void deliver_reply_build(const struct deliver_sieve *d,
			 const struct deliver_vacation *v, struct buf *out);

#endif
