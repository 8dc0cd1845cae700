/* jmap-request.c - parse of an API request, its limits, result
 * references (RFC 8620 3.3, 3.6.1, 3.7) */
#include "jmap/jmap-request.h"
#include "jmap/jmap.h"

#include "lib/buf.h"

#include <string.h>

json_t *
jmap_problem(const char *type, const char *limit, const char *detail)
{
	json_t *p = json_pack("{s:s, s:i}", "type", type, "status", 400);

	if (limit != NULL)
		json_object_set_new(p, "limit", json_string(limit));
	if (detail != NULL)
		json_object_set_new(p, "detail", json_string(detail));
	return p;
}

/* the deepest nesting of [ and { outside strings, counted no further
 * than max + 1: a 10,000-deep request costs one pass, no recursion */
size_t
jmap_json_depth(const char *p, size_t len, size_t max)
{
	size_t depth = 0, deepest = 0;
	bool in_string = false;

	for (size_t i = 0; i < len; i++) {
		char c = p[i];

		if (in_string) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = false;
			continue;
		}
		if (c == '"') {
			in_string = true;
		} else if (c == '[' || c == '{') {
			if (++depth > deepest && (deepest = depth) > max)
				return deepest;
		} else if ((c == ']' || c == '}') && depth > 0) {
			depth--;
		}
	}
	return deepest;
}

static bool
call_is_valid(json_t *call)
{
	return json_is_array(call) && json_array_size(call) == 3 &&
	       json_is_string(json_array_get(call, 0)) &&
	       json_is_object(json_array_get(call, 1)) &&
	       json_is_string(json_array_get(call, 2));
}

static json_t *
check_shape(json_t *root, const struct jmap_limits *lim)
{
	json_t *using = json_object_get(root, "using");
	json_t *calls = json_object_get(root, "methodCalls");
	json_t *created = json_object_get(root, "createdIds");
	size_t i;
	json_t *v;

	if (!json_is_object(root))
		return jmap_problem(JMAP_ERR_NOT_REQUEST, NULL,
				    "the request is not a JSON object");
	if (!json_is_array(using) || !json_is_array(calls))
		return jmap_problem(JMAP_ERR_NOT_REQUEST, NULL,
				    "\"using\" and \"methodCalls\" must be arrays");
	if (json_array_size(calls) > lim->max_calls_in_request)
		return jmap_problem(JMAP_ERR_LIMIT, "maxCallsInRequest",
				    "too many method calls");
	json_array_foreach(using, i, v)
		if (!json_is_string(v))
			return jmap_problem(JMAP_ERR_NOT_REQUEST, NULL,
					    "\"using\" must hold strings");
	json_array_foreach(calls, i, v)
		if (!call_is_valid(v))
			return jmap_problem(JMAP_ERR_NOT_REQUEST, NULL,
					    "a method call is not [name, arguments, id]");
	if (created != NULL) {
		const char *k;

		if (!json_is_object(created))
			return jmap_problem(JMAP_ERR_NOT_REQUEST, NULL,
					    "\"createdIds\" must be an object");
		json_object_foreach(created, k, v)
			if (!json_is_string(v))
				return jmap_problem(JMAP_ERR_NOT_REQUEST, NULL,
						    "\"createdIds\" values must be ids");
	}
	return NULL;
}

int
jmap_request_parse(struct jmap_request *req, const char *body, size_t len,
		   const struct jmap_limits *lim, json_t **problem_r)
{
	json_error_t jerr;
	json_t *root, *created;
	char *detail;

	memset(req, 0, sizeof(*req));
	req->lim = *lim;
	*problem_r = NULL;
	if (len > lim->max_size_request) {
		*problem_r = jmap_problem(JMAP_ERR_LIMIT, "maxSizeRequest",
					  "the request is too large");
		return -1;
	}
	if (jmap_json_depth(body, len, lim->max_json_depth) > lim->max_json_depth) {
		detail = xasprintf("arrays and objects nest deeper than %zu",
				   lim->max_json_depth);
		*problem_r = jmap_problem(JMAP_ERR_LIMIT, "maxJsonDepth", detail);
		free(detail);
		return -1;
	}
	root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		detail = xasprintf("%s at line %d column %d", jerr.text,
				   jerr.line, jerr.column);
		*problem_r = jmap_problem(JMAP_ERR_NOT_JSON, NULL, detail);
		free(detail);
		return -1;
	}
	if ((*problem_r = check_shape(root, lim)) != NULL) {
		json_decref(root);
		return -1;
	}
	req->root = root;
	req->using = json_object_get(root, "using");
	req->calls = json_object_get(root, "methodCalls");
	created = json_object_get(root, "createdIds");
	req->echo_created_ids = created != NULL;
	req->created_ids = created ? json_deep_copy(created) : json_object();
	req->responses = json_array();
	return 0;
}

void
jmap_request_free(struct jmap_request *req)
{
	json_decref(req->root);
	json_decref(req->created_ids);
	json_decref(req->responses);
	json_decref(req->implicit);
	memset(req, 0, sizeof(*req));
}

/* one reference token of a pointer, ~1 and ~0 undone; *end_r is the
 * rest of the path ("" or "/...") */
static char *
pointer_token(const char *p, const char **end_r)
{
	size_t n = strcspn(p, "/");
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < n; i++) {
		if (p[i] == '~' && i + 1 < n && (p[i + 1] == '0' || p[i + 1] == '1')) {
			buf_append_byte(&b, p[i + 1] == '0' ? '~' : '/');
			i++;
		} else {
			buf_append_byte(&b, (unsigned char)p[i]);
		}
	}
	*end_r = p + n;
	return buf_steal(&b);
}

/* an array index: digits, no leading zero */
static bool
pointer_index(const char *t, size_t *idx)
{
	size_t v = 0;

	if (t[0] == '\0' || (t[0] == '0' && t[1] != '\0'))
		return false;
	for (; *t; t++) {
		if (*t < '0' || *t > '9' || v > (SIZE_MAX - 9) / 10)
			return false;
		v = v * 10 + (size_t)(*t - '0');
	}
	*idx = v;
	return true;
}

/* each step goes one level down v, so the recursion is no deeper than
 * the value */
json_t *
jmap_pointer_eval(json_t *v, const char *path)
{
	const char *rest;
	json_t *out = NULL;
	char *tok;
	size_t idx;

	if (*path == '\0')
		return json_incref(v);
	if (*path != '/' || v == NULL)
		return NULL;
	tok = pointer_token(path + 1, &rest);
	if (json_is_array(v) && !strcmp(tok, "*")) {
		json_t *item, *r;
		size_t i;

		out = json_array();
		json_array_foreach(v, i, item) {
			if ((r = jmap_pointer_eval(item, rest)) == NULL) {
				json_decref(out);
				out = NULL;
				break;
			}
			if (json_is_array(r))
				json_array_extend(out, r);
			else
				json_array_append(out, r);
			json_decref(r);
		}
	} else if (json_is_array(v)) {
		if (pointer_index(tok, &idx) && idx < json_array_size(v))
			out = jmap_pointer_eval(json_array_get(v, idx), rest);
	} else if (json_is_object(v)) {
		out = jmap_pointer_eval(json_object_get(v, tok), rest);
	}
	free(tok);
	return out;
}

/* the first earlier response with that call id, if its name matches */
static json_t *
reference_value(struct jmap_request *req, json_t *ref)
{
	json_t *of = json_object_get(ref, "resultOf");
	json_t *name = json_object_get(ref, "name");
	json_t *path = json_object_get(ref, "path");
	json_t *resp;
	size_t i;

	if (!json_is_object(ref) || !json_is_string(of) ||
	    !json_is_string(name) || !json_is_string(path) ||
	    json_object_size(ref) != 3)
		return NULL;
	json_array_foreach(req->responses, i, resp) {
		if (strcmp(json_string_value(json_array_get(resp, 2)),
			   json_string_value(of)))
			continue;
		if (strcmp(json_string_value(json_array_get(resp, 0)),
			   json_string_value(name)))
			return NULL;
		return jmap_pointer_eval(json_array_get(resp, 1),
					 json_string_value(path));
	}
	return NULL;
}

/* Does v stay within *budget bytes (roughly, as JSON)? References share
 * values (echo of echo of ...): the tree they stand for can be
 * exponentially larger than memory, and a response is written out in
 * full, so this walks the tree, stopping as soon as the budget is gone. */
static bool
json_within(json_t *v, size_t *budget)
{
	const char *k;
	json_t *x;
	size_t i, n;

	n = json_is_string(v) ? json_string_length(v) + 2 : 8;
	if (n > *budget)
		return false;
	*budget -= n;
	if (json_is_object(v)) {
		json_object_foreach(v, k, x) {
			size_t kn = strlen(k) + 3;

			if (kn > *budget)
				return false;
			*budget -= kn;
			if (!json_within(x, budget))
				return false;
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, x)
			if (!json_within(x, budget))
				return false;
	}
	return true;
}

json_t *
jmap_request_resolve(struct jmap_request *req, json_t *args, json_t **error_r)
{
	size_t budget = req->lim.max_size_request;
	json_t *out = json_object(), *v, *r;
	const char *k;

	*error_r = NULL;
	json_object_foreach(args, k, v) {
		if (k[0] != '#') {
			if (json_object_get(out, k) == NULL)
				json_object_set(out, k, v);
			continue;
		}
		if (json_object_get(args, k + 1) != NULL) {
			*error_r = jmap_error("invalidArguments",
					      "an argument is given both directly and as a result reference");
			break;
		}
		if ((r = reference_value(req, v)) == NULL) {
			*error_r = jmap_error("invalidResultReference",
					      "the result reference does not resolve");
			break;
		}
		json_object_set_new(out, k + 1, r);
	}
	if (*error_r == NULL && !json_within(out, &budget))
		*error_r = jmap_error("requestTooLarge",
				      "the arguments with their result references are too large");
	if (*error_r != NULL) {
		json_decref(out);
		return NULL;
	}
	return out;
}
