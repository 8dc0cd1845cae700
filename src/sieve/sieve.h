/* sieve.h - Sieve (RFC 5228 and its extensions): compile a script, run it
 * against one message for one recipient, get the actions to take.
 *
 * I/O-free: the module reads no files and no store. The caller hands in
 * the script text (and, through a callback, the text of included
 * scripts), the message bytes and the envelope; it gets back a list of
 * actions that it carries out itself (src/smtp, src/submit deliver; the
 * caller sends vacation replies and redirects). A compiled script is
 * immutable and may be shared by threads; sieve_run may run on any
 * thread. */
#ifndef TERN_SIEVE_H
#define TERN_SIEVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* every limit comes from tern.conf ([sieve] keys) through this; a 0
 * takes sieve_limits_default()'s value, but for max_cpu_ms and the
 * vacation_min/max_days, where 0 is no limit */
struct sieve_limits {
	size_t max_script_size;		/* bytes of one script */
	unsigned max_nesting;		/* blocks and tests nested */
	unsigned max_actions;		/* actions of one run */
	unsigned max_redirects;		/* redirect actions of one run */
	uint64_t max_cpu_ms;		/* CPU time of one run */
	unsigned max_includes;		/* include commands run, all scripts */
	unsigned max_include_depth;
	size_t max_variable_size;	/* bytes of one variable's value */
	unsigned max_variables;
	unsigned max_match_values;	/* ${N} match variables */
	uint32_t vacation_min_days;	/* :days is clamped to [min, max] */
	uint32_t vacation_max_days;
	uint32_t vacation_default_days;
};
void sieve_limits_default(struct sieve_limits *l);

/* one compile or run problem, pointing at the script */
struct sieve_diag {
	char script[64];	/* script name ("" for the main one) */
	unsigned line, col;	/* 1-based; 0 when not tied to a place */
	char msg[200];
};
struct sieve_diags {
	struct sieve_diag *v;
	size_t n;
};
void sieve_diags_free(struct sieve_diags *d);
/* "name:line:col: msg" per line, malloc'd */
char *sieve_diags_text(const struct sieve_diags *d);

/* include (RFC 6609): the text of a script by location and name; 0 and
 * *text_r malloc'd, or -1 when it does not exist */
struct sieve_includer {
	int (*get)(void *arg, bool global, const char *name,
		   char **text_r, size_t *len_r);
	void *arg;
};

struct sieve_script;

/* Compile; includes are read through inc (NULL: include is an error)
 * and compiled in, with loops and depth refused. NULL on any error,
 * every error in *diags (the caller frees diags either way). */
struct sieve_script *sieve_compile(const char *name, const char *text,
				   size_t len, const struct sieve_limits *lim,
				   const struct sieve_includer *inc,
				   struct sieve_diags *diags);
void sieve_script_free(struct sieve_script *s);

/* the capability strings for ManageSieve's SIEVE line, e.g.
 * "fileinto reject envelope ..." (static) */
const char *sieve_extensions(void);

/* The message and its delivery, as the script sees them */
struct sieve_msg {
	const unsigned char *data;	/* the whole message as stored: */
	size_t len;			/* header and body, CRLF lines */
	const char *env_from;		/* MAIL FROM, "" for <> */
	const char *env_to;		/* the recipient (the account's
					   address the mail was resolved to) */
	const char *env_orig_to;	/* the RCPT address as given */
	const char *auth;		/* SASL authenticated sender or NULL */
	time_t now;			/* currentdate, vacation Date */
	int local_offset;		/* seconds east of UTC (date :zone) */
	/* the recipient's own addresses, for vacation's checks (RFC 5230
	 * 4.5: "the user's addresses"); NULL-terminated, may be NULL */
	const char *const *own_addresses;
	/* mailbox (RFC 5490) mailboxexists; NULL: never exists */
	bool (*mailbox_exists)(void *arg, const char *name);
	void *arg;
	/* spamtest/virustest (RFC 5235): the header fields that hold the
	 * scores, from tern.conf; NULL or "": the test is untested ("0") */
	const char *spam_header;	/* first decimal number in it */
	double spam_max;		/* that score maps to 10 / 100% */
	const char *virus_header;	/* "clean"/"infected" words or 1-5 */
};

enum sieve_action_kind {
	SIEVE_KEEP,		/* into INBOX (explicit or implicit) */
	SIEVE_FILEINTO,		/* into mailbox */
	SIEVE_REDIRECT,		/* to address */
	SIEVE_REJECT,		/* refuse with reason (RFC 5429 reject) */
	SIEVE_EREJECT,		/* refuse at protocol level (ereject) */
	SIEVE_DISCARD,
	SIEVE_VACATION,		/* send the reply below */
};

struct sieve_action {
	enum sieve_action_kind kind;
	unsigned line;			/* where in the script (logs) */
	const char *mailbox;		/* FILEINTO: UTF-8 name as written */
	bool create;			/* FILEINTO :create (RFC 5490) */
	bool copy;			/* FILEINTO/REDIRECT :copy (RFC 3894) */
	const char *const *flags;	/* KEEP/FILEINTO: IMAP flags and
					   keywords (imap4flags), NULL-term. */
	const char *address;		/* REDIRECT: the new recipient */
	const char *reason;		/* REJECT/EREJECT text; VACATION body */
	/* VACATION (RFC 5230), already decided as eligible by the RFC's
	 * checks but for the once-per-period check, which is the caller's
	 * (it keeps the record): */
	uint32_t vacation_seconds;	/* :days / :seconds, clamped */
	const char *vacation_handle;	/* :handle or one made from the
					   arguments (same reply: same handle) */
	const char *vacation_to;	/* the address to reply to */
	const char *vacation_from;	/* :from or NULL: the recipient */
	const char *vacation_subject;	/* :subject or "Auto: " + Subject */
	bool vacation_mime;		/* :mime: reason is a MIME entity */
};

struct sieve_result {
	struct sieve_action *v;		/* in the order they ran */
	size_t n;
	bool implicit_keep;		/* a SIEVE_KEEP is in v when true */
	struct sieve_diags diags;	/* runtime errors and warnings */
	void *mem;			/* owned strings; sieve_result_free */
};
void sieve_result_free(struct sieve_result *r);

/* Run. 0: r holds the actions (at least one: an implicit keep when
 * nothing cancelled it). -1: a runtime error or a limit hit; r->diags
 * says which and where, r->v is empty, and the caller must keep the
 * message in INBOX (mail is never lost to a bad script). */
int sieve_run(const struct sieve_script *s, const struct sieve_msg *m,
	      const struct sieve_limits *lim, struct sieve_result *r);

#endif
