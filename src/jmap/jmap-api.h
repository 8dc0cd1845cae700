/* jmap-api.h - what src/http asks of src/jmap: the API endpoint, the
 * session resource, bearer tokens, uploads and downloads, push. h2o
 * stays in src/http; these calls see bytes and accounts only. */
#ifndef TERN_JMAP_API_H
#define TERN_JMAP_API_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf;
struct service_env;
struct tern_conf;

#define JMAP_CAP_CORE "urn:ietf:params:jmap:core"
#define JMAP_CAP_MAIL "urn:ietf:params:jmap:mail"
#define JMAP_CAP_SUBMISSION "urn:ietf:params:jmap:submission"
#define JMAP_CAP_WEBSOCKET "urn:ietf:params:jmap:websocket"

/* the authenticated user of a request */
struct jmap_account {
	int64_t id;
	const char *address;
};

/* jmap_api_run - one API request (RFC 8620 3.3), synchronous: a pool
 * thread (the store's reads and blocking writes). Writes the JSON
 * response (or a request-level problem) to out and returns the HTTP
 * status; *content_type_r is a static string. */
int jmap_api_run(struct service_env *env, const struct jmap_account *acct,
		 const char *body, size_t len, struct buf *out,
		 const char **content_type_r);

/* the same, the response as JSON (a new reference): the Response
 * object (200) or the problem details (400) */
int jmap_api_run_json(struct service_env *env, const struct jmap_account *acct,
		      const char *body, size_t len, json_t **resp_r);

/* jmap_ws_message - one WebSocket message (RFC 8887 4): a Request
 * (answered with a Response or RequestError object in out), or
 * WebSocketPushEnable (*mask_r: the data types, *push_state_r: the
 * client's pushState or NULL, malloc'd) or WebSocketPushDisable. Pool
 * thread. */
enum jmap_ws_action { JMAP_WS_REPLY, JMAP_WS_PUSH_ENABLE, JMAP_WS_PUSH_DISABLE };
enum jmap_ws_action jmap_ws_message(struct service_env *env,
				    const struct jmap_account *acct,
				    const char *msg, size_t len, struct buf *out,
				    unsigned *mask_r, char **push_state_r);

/* jmap_blob_fetch - jmap_blob_read() for a download: the blob of the
 * account (pool thread) */
int jmap_blob_fetch(struct service_env *env, const struct jmap_account *acct,
		    const char *blob_id, struct buf *out, char **type_r);

/* jmap_session_state - the session object's state string (changes when
 * what the session lists changes: capabilities, limits) */
char *jmap_session_state(const struct tern_conf *conf);

/* jmap_session_json - the session object (RFC 8620 2) for the user,
 * with URLs under url_base ("https://host:port"); malloc'd JSON text */
char *jmap_session_json(const struct tern_conf *conf,
			const struct jmap_account *acct, const char *url_base);

/* jmap-auth.c: login tokens, loop thread only: bearer tokens
 * (/jmap/login) and webmail sessions (/webmail/login's cookie), one
 * store. A token is 256 random bits (43 characters, base64url); only its
 * SHA-256 is kept, in memory and in the store (a restart keeps them).
 * store may be NULL (memory only: unit tests). */
struct store;
enum jmap_token_kind { JMAP_TOKEN_BEARER = 0, JMAP_TOKEN_SESSION = 1 };
/* a new token for the account (malloc'd), valid until *expires_r (unix
 * seconds): jmap.token_lifetime or jmap.session_lifetime */
char *jmap_token_issue(struct store *store, const struct tern_conf *conf,
		       enum jmap_token_kind kind, int64_t account_id,
		       const char *address, int64_t *expires_r);
/* the account of a valid token of that kind: true, *acct's address
 * borrowed until the token is revoked. Once per auth.cache_ttl the
 * account is looked up: removed, disabled or a new password ends it. */
bool jmap_token_check(struct store *store, const struct tern_conf *conf,
		      const char *token, enum jmap_token_kind kind,
		      struct jmap_account *acct);
/* forget a token; true if it was valid */
bool jmap_token_revoke(struct store *store, const char *token);
/* a session's CSRF token (base64url of an HMAC keyed by the token) */
#define JMAP_CSRF_LEN 44
void jmap_token_csrf(const char *token, char out[JMAP_CSRF_LEN]);
/* every token (exit) */
void jmap_tokens_free(void);

#endif
