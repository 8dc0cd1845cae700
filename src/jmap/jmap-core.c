/* jmap-core.c - the method dispatcher: one API request's calls in
 * order, each through the four method tables, with result references,
 * the accountId check and the method errors of RFC 8620 3.6.2; the
 * helpers of jmap.h; Core/echo. */
#include "jmap/jmap-core.h"
#include "jmap/jmap-api.h"
#include "jmap/jmap-request.h"

#include "lib/buf.h"
#include "lib/log.h"
#include "lib/service.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static const struct jmap_method *const method_tables[] = {
	jmap_core_methods, jmap_mailbox_methods, jmap_email_methods,
	jmap_submission_methods, NULL
};

json_t *
jmap_error(const char *type, const char *description)
{
	json_t *e = json_pack("{s:s}", "type", type);

	if (description != NULL)
		json_object_set_new(e, "description", json_string(description));
	return e;
}

json_t *
jmap_set_error(const char *type, const char *description, json_t *properties)
{
	json_t *e = jmap_error(type, description);

	if (properties != NULL)
		json_object_set_new(e, "properties", properties);
	return e;
}

void
jmap_created_id_add(struct jmap_ctx *c, const char *creation_id, const char *id)
{
	json_object_set_new(c->req->created_ids, creation_id, json_string(id));
}

void
jmap_response_add(struct jmap_ctx *c, const char *name, json_t *args)
{
	json_t *id = c->req->call_id ? json_incref(c->req->call_id) :
		     json_string("");

	if (c->req->implicit == NULL)
		c->req->implicit = json_array();
	json_array_append_new(c->req->implicit,
			      json_pack("[s,o,o]", name, args, id));
}

const char *
jmap_resolve_id(struct jmap_ctx *c, const char *id)
{
	if (id == NULL || id[0] != '#')
		return id;
	return json_string_value(json_object_get(c->req->created_ids, id + 1));
}

size_t
jmap_max_objects_in_get(const struct jmap_ctx *c)
{
	return c->req->lim.max_objects_in_get;
}

size_t
jmap_max_objects_in_set(const struct jmap_ctx *c)
{
	return c->req->lim.max_objects_in_set;
}

size_t
jmap_max_query_results(const struct jmap_ctx *c)
{
	return c->req->lim.max_query_results;
}

/* Core/echo (RFC 8620 4): the arguments back */
json_t *
jmap_core_echo(struct jmap_ctx *c, json_t *args, json_t **error_r)
{
	(void)c;
	(void)error_r;
	return json_deep_copy(args);
}

const struct jmap_method *
jmap_method_find(const char *name)
{
	for (size_t t = 0; method_tables[t]; t++)
		for (const struct jmap_method *m = method_tables[t]; m->name; m++)
			if (!strcmp(m->name, name))
				return m;
	return NULL;
}

bool
jmap_capability_served(const char *cap)
{
	if (!strcmp(cap, JMAP_CAP_CORE))
		return true;
	for (size_t t = 0; method_tables[t]; t++)
		for (const struct jmap_method *m = method_tables[t]; m->name; m++)
			if (!strcmp(m->capability, cap))
				return true;
	return false;
}

void
jmap_limits_from_conf(struct jmap_limits *lim, const struct tern_conf *conf)
{
	lim->max_size_request = (size_t)conf->jmap.max_size_request;
	lim->max_calls_in_request = (size_t)conf->jmap.max_calls_in_request;
	/* the bound stays below jansson's own (2048): see jmap-request.h */
	lim->max_json_depth = conf->jmap.max_json_depth > 2000 ? 2000 :
			      (size_t)conf->jmap.max_json_depth;
	lim->max_objects_in_get = (size_t)conf->jmap.max_objects_in_get;
	lim->max_objects_in_set = (size_t)conf->jmap.max_objects_in_set;
	lim->max_query_results = (size_t)conf->jmap.max_query_results;
}

static bool
using_has(struct jmap_request *req, const char *cap)
{
	json_t *v;
	size_t i;

	json_array_foreach(req->using, i, v)
		if (!strcmp(json_string_value(v), cap))
			return true;
	return false;
}

/* every method but the core's (Core/echo) names the account it works
 * on: it must be the user's own (no shared accounts over JMAP) */
static json_t *
check_account(const struct jmap_method *m, json_t *args, const char *mine)
{
	json_t *a = json_object_get(args, "accountId");

	if (!strcmp(m->capability, JMAP_CAP_CORE))
		return NULL;	/* Core/echo echoes whatever it is given */
	if (a == NULL)
		return jmap_error("invalidArguments", "accountId is missing");
	if (!json_is_string(a))
		return jmap_error("invalidArguments", "accountId is not a string");
	if (strcmp(json_string_value(a), mine))
		return jmap_error("accountNotFound", NULL);
	return NULL;
}

/* one call -> its response args, or NULL with *error_r */
static json_t *
run_call(struct jmap_ctx *c, const char *name, json_t *args, json_t **error_r)
{
	const struct jmap_method *m = jmap_method_find(name);
	json_t *resolved, *res;

	*error_r = NULL;
	if (m == NULL || !using_has(c->req, m->capability)) {
		*error_r = jmap_error("unknownMethod", NULL);
		return NULL;
	}
	if ((resolved = jmap_request_resolve(c->req, args, error_r)) == NULL)
		return NULL;
	if ((*error_r = check_account(m, resolved, c->account_id_str)) != NULL) {
		json_decref(resolved);
		return NULL;
	}
	res = m->fn(c, resolved, error_r);
	json_decref(resolved);
	if (res == NULL && *error_r == NULL) {
		log_error(0, "jmap method=%s returned neither result nor error", name);
		*error_r = jmap_error("serverFail", NULL);
	}
	if (res != NULL && *error_r != NULL) {
		json_decref(*error_r);
		*error_r = NULL;
	}
	return res;
}

int
jmap_api_run_json(struct service_env *env, const struct jmap_account *acct,
		  const char *body, size_t len, json_t **resp_r)
{
	struct jmap_request req;
	struct jmap_limits lim;
	struct jmap_ctx c;
	json_t *problem, *call, *resp, *v;
	char *acct_str, *state;
	size_t i;

	jmap_limits_from_conf(&lim, env->conf);
	if (jmap_request_parse(&req, body, len, &lim, &problem) < 0) {
		*resp_r = problem;
		return 400;
	}
	json_array_foreach(req.using, i, v)
		if (!jmap_capability_served(json_string_value(v)) &&
		    strcmp(json_string_value(v), JMAP_CAP_WEBSOCKET)) {
			char *d = xasprintf("unknown capability %s",
					    json_string_value(v));

			*resp_r = jmap_problem(JMAP_ERR_UNKNOWN_CAPABILITY, NULL, d);
			free(d);
			jmap_request_free(&req);
			return 400;
		}
	acct_str = xasprintf("A%" PRId64, acct->id);
	c = (struct jmap_ctx){ .env = env, .store = env->store,
			       .account_id = acct->id, .address = acct->address,
			       .account_id_str = acct_str, .req = &req };
	json_array_foreach(req.calls, i, call) {
		const char *name = json_string_value(json_array_get(call, 0));
		json_t *id = json_array_get(call, 2), *err, *res;

		req.call_id = id;
		res = run_call(&c, name, json_array_get(call, 1), &err);
		if (res != NULL)
			json_array_append_new(req.responses,
					      json_pack("[s,o,O]", name, res, id));
		else
			json_array_append_new(req.responses,
					      json_pack("[s,o,O]", "error", err, id));
		if (req.implicit != NULL) {
			json_array_extend(req.responses, req.implicit);
			json_decref(req.implicit);
			req.implicit = NULL;
		}
	}
	state = jmap_session_state(env->conf);
	resp = json_pack("{s:O}", "methodResponses", req.responses);
	if (req.echo_created_ids)
		json_object_set(resp, "createdIds", req.created_ids);
	json_object_set_new(resp, "sessionState", json_string(state));
	free(state);
	jmap_request_free(&req);
	free(acct_str);
	*resp_r = resp;
	return 200;
}

int
jmap_api_run(struct service_env *env, const struct jmap_account *acct,
	     const char *body, size_t len, struct buf *out, const char **ct)
{
	json_t *resp;
	int status = jmap_api_run_json(env, acct, body, len, &resp);
	char *s = json_dumps(resp, JSON_COMPACT);

	buf_append_str(out, s);
	free(s);
	json_decref(resp);
	*ct = status == 200 ? "application/json" : "application/problem+json";
	return status;
}

int
jmap_blob_fetch(struct service_env *env, const struct jmap_account *acct,
		const char *blob_id, struct buf *out, char **type_r)
{
	/* a request with no calls: the limits and an empty id map, for a
	 * reader that looks at them */
	struct jmap_request req = { .created_ids = json_object() };
	char *acct_str = xasprintf("A%" PRId64, acct->id);
	struct jmap_ctx c = { .env = env, .store = env->store,
			      .account_id = acct->id, .address = acct->address,
			      .account_id_str = acct_str, .req = &req };
	int r;

	jmap_limits_from_conf(&req.lim, env->conf);
	r = jmap_blob_read(&c, blob_id, out, type_r);
	json_decref(req.created_ids);
	free(acct_str);
	return r;
}
