/* jmap-request.h - one JMAP API request (RFC 8620 3.3): its parse, the
 * limits checked on the way, result references (3.7) and creation ids.
 * No store and no I/O: jmap-core.c runs the calls, the fuzz harness
 * drives the parse and the references alone. */
#ifndef TERN_JMAP_REQUEST_H
#define TERN_JMAP_REQUEST_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct jmap_limits {
	size_t max_size_request;
	size_t max_calls_in_request;
	size_t max_json_depth;
	size_t max_objects_in_get;
	size_t max_objects_in_set;
	size_t max_query_results;
};

struct jmap_request {
	json_t *root;		/* the parsed request: owns what follows */
	json_t *using;		/* array of capability strings */
	json_t *calls;		/* methodCalls: [[name, args, id], ...] */
	json_t *created_ids;	/* creation id -> id (owned) */
	bool echo_created_ids;	/* the request had createdIds */
	json_t *responses;	/* methodResponses so far (owned) */
	json_t *call_id;	/* the id of the call running (borrowed) */
	json_t *implicit;	/* its implicit responses (jmap_response_add) */
	struct jmap_limits lim;
};

/* the request-level error types (RFC 8620 3.6.1) */
#define JMAP_ERR_NOT_JSON "urn:ietf:params:jmap:error:notJSON"
#define JMAP_ERR_NOT_REQUEST "urn:ietf:params:jmap:error:notRequest"
#define JMAP_ERR_LIMIT "urn:ietf:params:jmap:error:limit"
#define JMAP_ERR_UNKNOWN_CAPABILITY "urn:ietf:params:jmap:error:unknownCapability"

/* jmap_problem - a request-level error (RFC 7807 problem details, status
 * 400); limit: the limit's name for JMAP_ERR_LIMIT, else NULL */
json_t *jmap_problem(const char *type, const char *limit, const char *detail);

/* the deepest nesting of arrays and objects in the JSON text, counted
 * up to max + 1 (one pass, no recursion) */
size_t jmap_json_depth(const char *p, size_t len, size_t max);

/* jmap_request_parse - body -> req. The size, the nesting depth (before
 * jansson sees it: its own bound is 2048, far past what a stack of a
 * pool thread should recurse) and the number of calls are checked
 * against lim; every call must be [string, object, string]. Returns 0,
 * or -1 with *problem_r (a new reference) and req left empty. */
int jmap_request_parse(struct jmap_request *req, const char *body, size_t len,
		       const struct jmap_limits *lim, json_t **problem_r);

/* jmap_request_free - what parse made; NULL-safe members */
void jmap_request_free(struct jmap_request *req);

/* jmap_request_resolve - args of a call with every "#name" result
 * reference replaced by "name": its value (RFC 8620 3.7). Returns a new
 * reference, or NULL with *error_r a method error (invalidArguments when
 * "name" and "#name" are both there, invalidResultReference when a
 * reference is malformed, names no earlier response or its path does
 * not evaluate, requestTooLarge when the arguments would be larger than
 * maxSizeRequest written out: references can double them call after
 * call). */
json_t *jmap_request_resolve(struct jmap_request *req, json_t *args,
			     json_t **error_r);

/* jmap_pointer_eval - RFC 6901 JSON Pointer with RFC 8620's "*" (every
 * item of an array, arrays in the results flattened); a new reference,
 * or NULL when the path does not evaluate */
json_t *jmap_pointer_eval(json_t *v, const char *path);

#endif
