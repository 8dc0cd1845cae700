/* sieve-testlib.h - run a Sieve script on a message in one call, the
 * actions as one line ("keep; fileinto:Work[\Seen]; ...") */
#ifndef TERN_SIEVE_TESTLIB_H
#define TERN_SIEVE_TESTLIB_H

#include "sieve/sieve.h"

/* the envelope and options of a run (zeroed: sender@example.com ->
 * rcpt@example.com, a fixed date) */
struct stl_env {
	const char *from, *to;
	const char *const *own;
	const char *const *mailboxes;	/* that exist */
	const char *inc_name, *inc_text;	/* one includable script */
	const char *inc2_name, *inc2_text;
	/* more includable scripts: name, text, name, text, ..., NULL; a
	 * name "global:x" is the global script x (include :global) */
	const char *const *scripts;
	struct sieve_limits *lim;
	/* vacation also prints "|handle|from|mime|reason" */
	bool vacation_detail;
};

/* compile + run; malloc'd result: the actions, or "error L:C: msg" of
 * the first compile error, or "runtime L: msg" */
char *stl_run(const char *script, const char *msg, const struct stl_env *env);

/* check the result of a run (in a TEST) */
#define RUN(script, msg, env, want)                                       \
	do {                                                              \
		char *got_ = stl_run(script, msg, env);                   \
		CHECK_STR(got_, want);                                    \
		free(got_);                                               \
	} while (0)

#endif
