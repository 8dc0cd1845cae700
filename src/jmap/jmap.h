/* jmap.h - JMAP (RFC 8620 Core, RFC 8621 Mail) over the store.
 *
 * src/http hands a JMAP request (the API endpoint, the session
 * resource, uploads, downloads, push) to src/jmap; src/jmap never sees
 * h2o. An API request runs as ONE job on libuv's thread pool, through
 * the work gate of its account: the methods are plain synchronous
 * functions that read the store directly (reads are synchronous and
 * thread-safe) and make blocking writes (store calls with cb == NULL,
 * which return once committed). So a method's code reads top to bottom
 * and a write is durable when the method returns.
 *
 * JSON is jansson (Debian libjansson-dev): objects keep insertion order,
 * so responses read as the RFC's examples do.
 *
 * Ids (the same strings IMAP's OBJECTID gives, RFC 8474):
 *   accountId  "A" + the account's row id in decimal
 *   Mailbox    MAILBOXID "F..."      (store_mailbox_objectid)
 *   Email      EMAILID   "M..."      (store_msg_emailid): every message
 *              row of the account with that EMAILID is the one Email,
 *              its mailboxIds are those rows' mailboxes
 *   Thread     THREADID  "T..."      (store_msg_threadid)
 * States: the account's modseq (one counter per account, which every
 * mailbox's modseqs are drawn from) in decimal, the same for every type. */
#ifndef TERN_JMAP_H
#define TERN_JMAP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct service_env;
struct store;
struct jmap_request;

/* what a method sees; valid for the call */
struct jmap_ctx {
	struct service_env *env;	/* env->conf: the config of the request */
	struct store *store;
	int64_t account_id;		/* the authenticated account */
	const char *address;		/* its address (login name) */
	const char *account_id_str;	/* "A<id>" */
	struct jmap_request *req;	/* creation ids, limits */
};

/* A method: args (borrowed; the core has checked that "accountId", when
 * the method takes one, is this account's, else accountNotFound) ->
 * the response arguments (a new reference), or NULL with *error_r set
 * to a method-level error (jmap_error()). Runs on a pool thread. */
typedef json_t *jmap_method_fn(struct jmap_ctx *c, json_t *args,
			       json_t **error_r);

struct jmap_method {
	const char *name;		/* "Mailbox/get" */
	const char *capability;		/* "urn:ietf:params:jmap:mail" */
	jmap_method_fn *fn;
};

/* The method tables (NULL name ends each), all in jmap-methods.c, one
 * section per area; the dispatcher looks a name up in all of them. */
extern const struct jmap_method jmap_core_methods[];	/* Core/echo */
/* Mailbox/..., Thread/..., Email/changes, Email/copy, Email/import */
extern const struct jmap_method jmap_mailbox_methods[];
/* Email/get, Email/query, Email/queryChanges, Email/parse,
 * SearchSnippet/get */
extern const struct jmap_method jmap_email_methods[];
/* Email/set, Identity/..., EmailSubmission/... */
extern const struct jmap_method jmap_submission_methods[];

/* a method-level error object {"type": type, "description": ...};
 * description may be NULL */
json_t *jmap_error(const char *type, const char *description);
/* a SetError (RFC 8620 5.3) with the invalid property names (may be
 * NULL) */
json_t *jmap_set_error(const char *type, const char *description,
		       json_t *properties);

/* Creation ids (RFC 8620 5.3 and 3.3 createdIds): a /set that creates
 * records registers "creation id -> id"; an id argument of the form
 * "#creationId" resolves through it. jmap_resolve_id returns the id
 * (borrowed from the request), or NULL for an unknown "#..." reference;
 * an id not starting with '#' is returned as is. */
void jmap_created_id_add(struct jmap_ctx *c, const char *creation_id,
			 const char *id);
const char *jmap_resolve_id(struct jmap_ctx *c, const char *id);

/* An implicit response (RFC 8621 7.5: EmailSubmission/set's
 * onSuccess* answer as an Email/set): name and args (reference taken)
 * are added with the current call's id, right AFTER the current call's
 * own response. */
void jmap_response_add(struct jmap_ctx *c, const char *name, json_t *args);

/* the server's limits (core capability), from [jmap] in tern.conf */
size_t jmap_max_objects_in_get(const struct jmap_ctx *c);
size_t jmap_max_objects_in_set(const struct jmap_ctx *c);
/* the most ids a /query returns in one response (a larger "limit" is
 * cut to it, RFC 8620 5.5) */
size_t jmap_max_query_results(const struct jmap_ctx *c);

/* Blobs (RFC 8620 6): "U<hex>" an upload of this account (jmap-blob.c),
 * "B<16 hex>" an Email's whole message, "B<16 hex>.<partId>" a body
 * part's decoded content (jmap-email-blob.c). The bytes go to out
 * (appended); *type_r (may be NULL) gets the media type when known
 * (malloc'd, or NULL). 0, -ENOENT (unknown, or not this account's) or
 * another -errno. Pool threads. */
struct buf;
int jmap_blob_read(struct jmap_ctx *c, const char *blob_id, struct buf *out,
		   char **type_r);
int jmap_email_blob_read(struct jmap_ctx *c, const char *blob_id,
			 struct buf *out, char **type_r);

#endif
