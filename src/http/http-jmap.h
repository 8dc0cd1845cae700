/* http-jmap.h - what the JMAP endpoints of src/http share (http-jmap.c
 * and the upload, download and push files): one authenticated request
 * in progress. */
#ifndef TERN_HTTP_JMAP_H
#define TERN_HTTP_JMAP_H

#include "http/http-private.h"
#include "jmap/jmap-api.h"
#include "lib/buf.h"
#include "lib/work-gate.h"

struct auth_check_req;
struct holder;

struct jmap_http {
	h2o_req_t *req;			/* NULL once h2o disposed it */
	struct service_env *env;
	struct holder *holder;		/* in req's pool: tells us of disposal */
	struct auth_check_req *auth;	/* a Basic check in flight */
	void (*fn)(struct jmap_http *r);	/* run once authenticated */
	int64_t account_id;
	char *address;
	struct jmap_account acct;	/* the two above */
	bool basic;			/* authenticated by password */
	char *token;			/* authenticated by this bearer token
					   or session cookie */
	bool cookie;			/* by the webmail's session cookie (or
					   tried): no Basic challenge, which
					   would make a browser prompt */
	bool busy;			/* a pool job holds r: not freed at disposal */
	struct work_gate_job job;
	char *body;			/* copy of the entity for the job */
	size_t body_len;
	struct buf out;
	int status;
	const char *ct;
	void *ext;			/* the endpoint's own state */
	void (*ext_free)(void *ext);
};

/* a request for fn, or NULL when answered already (plain http: 403) */
struct jmap_http *jmap_http_new(h2o_req_t *req, struct service_env *env,
				void (*fn)(struct jmap_http *r));
/* Basic or Bearer, then r->fn(r); or 401/429/503 */
void jmap_http_authenticate(struct jmap_http *r);
/* a password check (the throttle and cache of IMAP), then r->fn(r)
 * with r->basic set; or 401/429/503 */
void jmap_http_password(struct jmap_http *r, const char *user,
			const char *password, size_t password_len);
/* answer (if the client is still there) and free r */
void jmap_http_finish(struct jmap_http *r, int status, const char *reason,
		      const char *ct, const void *body, size_t len);
/* answer with a problem-details JSON (type, limit and detail must need
 * no JSON escaping: they are ours) and free r */
void jmap_http_problem(struct jmap_http *r, int status, const char *reason,
		       const char *type, const char *limit, const char *detail);
void jmap_http_free(struct jmap_http *r);
/* requests of an account in progress, by kind (the limits
 * maxConcurrentRequests, maxConcurrentUpload) */
enum jmap_inflight {
	JMAP_INFLIGHT_API, JMAP_INFLIGHT_UPLOAD, JMAP_INFLIGHT_PUSH,
	JMAP_INFLIGHT_KINDS,
	JMAP_INFLIGHT_NONE = JMAP_INFLIGHT_KINDS	/* not counted */
};
/* count one in, unless limit are there already (false) */
bool jmap_http_inflight_take(int64_t account_id, enum jmap_inflight kind,
			     uint64_t limit);
void jmap_http_inflight_done(int64_t account_id, enum jmap_inflight kind);
/* run work on the pool through the account's work gate, then after on
 * the loop (r is busy meanwhile: kept when the client goes away); if it
 * cannot be queued: 503, the inflight count of kind (unless NONE)
 * returned */
void jmap_http_queue(struct jmap_http *r, uv_work_cb work,
		     uv_after_work_cb after, enum jmap_inflight kind);
/* "https://host[:port]" as the client reached us (malloc'd) */
char *jmap_http_url_base(struct jmap_http *r);

#endif
