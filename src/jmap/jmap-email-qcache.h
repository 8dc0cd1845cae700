/* jmap-email-qcache.h - the last Email/query results, by account, state
 * and query: a webmail asks for the same list again and again while
 * nothing changes, and each answer otherwise reads every row of the
 * mailbox. A result is only ever served for the state it was made in
 * (the account's modseq grows with every change), so it is exact. */
#ifndef TERN_JMAP_EMAIL_QCACHE_H
#define TERN_JMAP_EMAIL_QCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* a query's whole result: the EMAILIDs in order */
struct qresult {
	uint64_t *ids;
	size_t n;
};

/* a copy of the result of query key (a canonical string of filter,
 * sort, collapse) made at modseq for account; false when none */
bool jmap_qcache_get(int64_t account, uint64_t modseq, const char *key,
		     struct qresult *out);
/* keep a copy of r (the oldest entry makes room) */
void jmap_qcache_put(int64_t account, uint64_t modseq, const char *key,
		     const struct qresult *r);
void jmap_qresult_free(struct qresult *r);

#endif
