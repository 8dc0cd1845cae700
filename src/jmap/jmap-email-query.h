/* jmap-email-query.h - the Email filter (RFC 8621 4.4.1) and sort
 * (4.4.2) that Email/query, Email/queryChanges and SearchSnippet/get
 * share */
#ifndef TERN_JMAP_EMAIL_QUERY_H
#define TERN_JMAP_EMAIL_QUERY_H

#include "jmap/jmap-email-store.h"

/* one Email of a query: its rows (adjacent in the sorted rows) */
struct qmail {
	const struct jmap_erow *rows;	/* rows[0]: lowest mailbox id */
	size_t n;
	size_t thread;			/* its thread group (qset.threads) */
	int att;			/* hasAttachment: -1 not known yet */
};

/* the Emails a query looks at */
struct qset {
	struct jmap_ctx *c;
	struct jmap_erows rows;		/* sorted by (emailid, mailbox) */
	struct qmail *v;
	size_t n;
	/* with JMAP_ER_THREADS: the emails by thread, groups of equal
	 * threadid; v[i].thread indexes thread_start */
	size_t *by_thread, *thread_start;	/* thread_start[g..g+1) */
	size_t nthreads;
};

struct jfilter;

/* Parse a FilterOperator/FilterCondition: NULL and *out set, or a
 * method error (unsupportedFilter, invalidArguments) */
json_t *jmap_filter_parse(struct jmap_ctx *c, const struct jmap_mboxes *mb,
			  json_t *filter, struct jfilter **out);
void jmap_filter_free(struct jfilter *f);
/* the JMAP_ER_* fields the filter reads */
unsigned jmap_filter_needs(const struct jfilter *f);
/* the one mailbox every match is in (0: none such; -1: no Email can
 * match), when the filter does not look at other mailboxes or threads
 * (then only that mailbox's rows need loading) */
int64_t jmap_filter_mailbox(const struct jfilter *f);
/* a filter a walk of one mailbox in receivedAt order can answer
 * (jmap-email-qwalk.c): inMailbox, alone or ANDed with hasKeyword and
 * notKeyword conditions */
#define JFILTER_WALK_KW 8
struct jfilter_walk {
	int64_t mailbox;
	const char *has[JFILTER_WALK_KW], *not[JFILTER_WALK_KW];
	size_t n_has, n_not;
};
/* is f such a filter? (*out then says what it asks) */
bool jmap_filter_walk(const struct jfilter *f, struct jfilter_walk *out);
/* does m match (f NULL: yes)? <0 on a store error */
int jmap_filter_match(struct qset *q, struct jfilter *f, struct qmail *m);
/* the text the filter searches for (text, subject, body conditions
 * not under NOT), for SearchSnippet/get: appended, casefolded */
void jmap_filter_terms(const struct jfilter *f, json_t *terms);

/* Load the Emails of mailbox_id (0: all) with what (JMAP_ER_*) */
int qset_load(struct qset *q, struct jmap_ctx *c, int64_t mailbox_id,
	      unsigned what);
void qset_free(struct qset *q);

/* sort (jmap-email-sort.c) */
struct jsort;
json_t *jmap_sort_parse(json_t *sort, struct jsort **out);
void jmap_sort_free(struct jsort *s);
unsigned jmap_sort_needs(const struct jsort *s);
/* is the sort receivedAt alone? (*asc_r: ascending) */
bool jmap_sort_by_received(const struct jsort *s, bool *asc_r);
/* sort the Email pointers v[0..n) */
void jmap_sort_apply(struct qset *q, const struct jsort *s,
		     struct qmail **v, size_t n);

/* has the row's message keyword kw (lowercase JMAP keyword)? */
bool jmap_row_has_keyword(const struct jmap_erow *r, const char *kw);
/* "M" + 16 hex of an Email */
void jmap_qmail_id(const struct qmail *m, char out[STORE_OBJECTID_MAX]);

/* Email/query's first page by a walk of the mailbox in receivedAt
 * order (jmap-email-qwalk.c), when filter and sort allow it: the
 * EMAILIDs of the results [0, pos + limit) in order into *out and, with
 * total, their number into *total_r. 1 when done so, 0 when the query
 * needs the general path, <0 on a store error */
struct qresult;
int jmap_email_qwalk(struct jmap_ctx *c, const struct jfilter *f,
		     const struct jsort *s, bool collapse, size_t pos,
		     size_t limit, bool total, struct qresult *out,
		     size_t *total_r);

#endif
