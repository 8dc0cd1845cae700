/* jmap-submission.h - the submission area's method functions
 * (jmap-methods.c lists them) and what its files share:
 *
 *   jmap-email-set.c       Email/set (RFC 8621 4.6)
 *   jmap-email-build*.c    the message of a create (jmap-email-build.h)
 *   jmap-email-keywords.c  keywords <-> IMAP flags, the state string
 *   jmap-records.c         Identity/EmailSubmission records as METADATA
 *   jmap-identity.c        Identity/get, /changes, /set (RFC 8621 6)
 *   jmap-submission.c      EmailSubmission/get, /changes, /set (RFC
 *                          8621 7), through src/submit as SMTP
 *                          submission
 *   jmap-submission-query.c  EmailSubmission/query, /queryChanges */
#ifndef TERN_JMAP_SUBMISSION_H
#define TERN_JMAP_SUBMISSION_H

#include "jmap/jmap.h"
#include "jmap/jmap-mailbox.h"
#include "lib/buf.h"
#include "store/store.h"

json_t *jmap_email_set(struct jmap_ctx *c, json_t *args, json_t **error_r);
json_t *jmap_identity_get(struct jmap_ctx *c, json_t *args, json_t **error_r);
json_t *jmap_identity_changes(struct jmap_ctx *c, json_t *args,
			      json_t **error_r);
json_t *jmap_identity_set(struct jmap_ctx *c, json_t *args, json_t **error_r);
json_t *jmap_submission_get(struct jmap_ctx *c, json_t *args,
			    json_t **error_r);
json_t *jmap_submission_changes(struct jmap_ctx *c, json_t *args,
				json_t **error_r);
json_t *jmap_submission_query(struct jmap_ctx *c, json_t *args,
			      json_t **error_r);
json_t *jmap_submission_query_changes(struct jmap_ctx *c, json_t *args,
				      json_t **error_r);
json_t *jmap_submission_set(struct jmap_ctx *c, json_t *args,
			    json_t **error_r);

/* a keywords object ({"$seen": true, "work": true}) as IMAP flags and
 * keywords (space-separated, appended to kw); false when a name is no
 * valid keyword or a value is not true (RFC 8621 4.1.1) */
bool jmap_keywords_parse(json_t *keywords, uint32_t *flags, struct buf *kw);
/* is name a valid keyword? */
bool jmap_keyword_valid(const char *name);

/* a UTCDate (RFC 8620 1.4: "2014-10-30T06:12:00Z", fractions of a
 * second allowed and dropped) as seconds since the epoch */
bool jmap_utcdate_parse(const char *s, int64_t *t_r);

/* the account's state string (jmap_state), malloc'd; NULL on error */
char *jmap_account_state(struct jmap_ctx *c);

/* Email/set's update of one Email (also EmailSubmission's
 * onSuccessUpdateEmail): patch applied to every row; NULL, or a
 * SetError */
json_t *jmap_email_update(struct jmap_ctx *c, const char *id, json_t *patch);
/* every row of the Email expunged; NULL or a SetError */
json_t *jmap_email_destroy(struct jmap_ctx *c, const char *id);

/* records of a kind ("identity", "submission") in the account's
 * METADATA (jmap-records.c): *out an object id -> record; rec NULL
 * deletes; each put moves the kind's state */
int jmap_rec_list(struct jmap_ctx *c, const char *kind, json_t **out);
int jmap_rec_put(struct jmap_ctx *c, const char *kind, const char *id,
		 json_t *rec);
char *jmap_rec_state(struct jmap_ctx *c, const char *kind);
json_t *jmap_rec_changes(struct jmap_ctx *c, const char *kind, json_t *args,
			 json_t **error_r);
/* Foo/get (RFC 8620 5.1) of a kind: load gives the records (id ->
 * record, NULL on a store error), view what a client sees of one (a new
 * reference); ids may be "#creation ids" */
json_t *jmap_rec_get(struct jmap_ctx *c, const char *kind, json_t *args,
		     json_t *(*load)(struct jmap_ctx *c),
		     json_t *(*view)(struct jmap_ctx *c, json_t *rec),
		     json_t **error_r);

/* the account's identities (id -> Identity), NULL on a store error */
json_t *jmap_identities(struct jmap_ctx *c);

/* a /set's result maps, null when empty (RFC 8620 5.3); v is taken */
void jmap_set_result(json_t *res, const char *key, json_t *v);
/* a whole /set response of the account's states and the six maps
 * (created, updated, destroyed, notCreated, notUpdated, notDestroyed:
 * each taken) */
json_t *jmap_set_response(struct jmap_ctx *c, const char *old_state,
			  const char *new_state, json_t *created,
			  json_t *updated, json_t *destroyed,
			  json_t *not_created, json_t *not_updated,
			  json_t *not_destroyed);

#endif
