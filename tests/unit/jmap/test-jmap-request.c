/* test-jmap-request.c - the API request parse (limits, shape) and
 * result references (RFC 8620 3.7 paths with "*") without a server */
#include "test.h"

#include <stdlib.h>
#include <string.h>

#include "jmap/jmap-api.h"
#include "jmap/jmap-request.h"
#include "jmap/jmap.h"
#include "lib/buf.h"
#include "lib/conf.h"
#include "lib/service.h"

static const struct jmap_limits lim = {
	.max_size_request = 4096, .max_calls_in_request = 3,
	.max_json_depth = 8, .max_objects_in_get = 10,
	.max_objects_in_set = 10, .max_query_results = 10,
};

/* the problem's type (and limit) of a refused body; "" when accepted */
static char *
refusal(const char *body)
{
	struct jmap_request req;
	json_t *p;
	char *out;

	if (jmap_request_parse(&req, body, strlen(body), &lim, &p) == 0) {
		jmap_request_free(&req);
		return xstrdup("");
	}
	out = xasprintf("%s%s%s", json_string_value(json_object_get(p, "type")) +
			strlen("urn:ietf:params:jmap:error:"),
			json_object_get(p, "limit") ? " " : "",
			json_object_get(p, "limit") ?
			json_string_value(json_object_get(p, "limit")) : "");
	json_decref(p);
	return out;
}

#define CHECK_REFUSAL(body, want)                                          \
	do {                                                               \
		char *got_ = refusal(body);                                \
		CHECK_STR(got_, want);                                     \
		free(got_);                                                \
	} while (0)

TEST(jmap_request_parse_limits_and_shape)
{
	CHECK_REFUSAL("{\"using\":[],\"methodCalls\":[]}", "");
	CHECK_REFUSAL("{\"using\":[],\"methodCalls\":[[\"a\",{},\"1\"]],"
		      "\"createdIds\":{\"k\":\"M1\"}}", "");
	CHECK_REFUSAL("{nope", "notJSON");
	CHECK_REFUSAL("{\"using\":[],\"using\":[],\"methodCalls\":[]}", "notJSON");
	CHECK_REFUSAL("[]", "notRequest");
	CHECK_REFUSAL("{\"using\":{},\"methodCalls\":[]}", "notRequest");
	CHECK_REFUSAL("{\"using\":[1],\"methodCalls\":[]}", "notRequest");
	CHECK_REFUSAL("{\"using\":[],\"methodCalls\":[[\"a\",{}]]}", "notRequest");
	CHECK_REFUSAL("{\"using\":[],\"methodCalls\":[[\"a\",[],\"1\"]]}", "notRequest");
	CHECK_REFUSAL("{\"using\":[],\"methodCalls\":[[1,{},\"1\"]]}", "notRequest");
	CHECK_REFUSAL("{\"using\":[],\"methodCalls\":[],\"createdIds\":{\"k\":1}}",
		      "notRequest");
	CHECK_REFUSAL("{\"using\":[],\"methodCalls\":[[\"a\",{},\"1\"],"
		      "[\"a\",{},\"2\"],[\"a\",{},\"3\"],[\"a\",{},\"4\"]]}",
		      "limit maxCallsInRequest");
	/* depth 8 is fine, 9 is not; brackets in strings do not count */
	CHECK_REFUSAL("{\"using\":[],\"methodCalls\":[[\"a\",{\"x\":[[[[1]]]]},\"1\"]]}", "");
	CHECK_REFUSAL("{\"using\":[],\"methodCalls\":[[\"a\",{\"x\":[[[[[1]]]]]},\"1\"]]}",
		      "limit maxJsonDepth");
	CHECK_REFUSAL("{\"using\":[],\"methodCalls\":[[\"a\",{\"x\":\"[[[[[[[[[[\\\"[[\"},\"1\"]]}", "");
	{
		char *big = xmalloc(5000);

		memset(big, ' ', 4999);
		big[4999] = '\0';
		big[0] = '{';
		big[4998] = '}';
		CHECK_REFUSAL(big, "limit maxSizeRequest");
		free(big);
	}
}

static char *
eval(const char *doc, const char *path)
{
	json_t *v = json_loads(doc, 0, NULL), *r = jmap_pointer_eval(v, path);
	char *out = r ? json_dumps(r, JSON_COMPACT | JSON_ENCODE_ANY) : xstrdup("FAIL");

	json_decref(r);
	json_decref(v);
	return out;
}

#define CHECK_EVAL(doc, path, want)                                        \
	do {                                                               \
		char *got_ = eval(doc, path);                              \
		CHECK_STR(got_, want);                                     \
		free(got_);                                                \
	} while (0)

TEST(jmap_pointer_eval_paths)
{
	const char *d = "{\"list\":[{\"id\":\"a\",\"n\":[1,2]},{\"id\":\"b\",\"n\":[3]}],"
			"\"o\":{\"x/y\":1,\"t~\":2,\"\":3,\"*\":4}}";

	CHECK_EVAL(d, "/list/*/id", "[\"a\",\"b\"]");
	CHECK_EVAL(d, "/list/*/n", "[1,2,3]");
	CHECK_EVAL(d, "/list/1/n/0", "3");
	CHECK_EVAL(d, "/o/x~1y", "1");
	CHECK_EVAL(d, "/o/t~0", "2");
	CHECK_EVAL(d, "/o/", "3");
	CHECK_EVAL(d, "/o/*", "4");
	CHECK_EVAL(d, "", d);
	CHECK_EVAL(d, "list", "FAIL");
	CHECK_EVAL(d, "/list/2", "FAIL");
	CHECK_EVAL(d, "/list/01", "FAIL");
	CHECK_EVAL(d, "/list/-1", "FAIL");
	CHECK_EVAL(d, "/list/*/missing", "FAIL");
	CHECK_EVAL(d, "/o/x~1y/deeper", "FAIL");
	CHECK_EVAL(d, "/list/99999999999999999999999", "FAIL");
	CHECK_EVAL("[]", "/*/id", "[]");
}

TEST(jmap_request_resolve_references)
{
	struct jmap_request req;
	json_t *p, *err, *args, *res;
	const char *body = "{\"using\":[],\"methodCalls\":[]}";

	CHECK_INT(jmap_request_parse(&req, body, strlen(body), &lim, &p), 0);
	json_array_append_new(req.responses,
			      json_loads("[\"X/get\",{\"ids\":[\"a\",\"b\"]},\"c0\"]", 0, NULL));
	json_array_append_new(req.responses,
			      json_loads("[\"error\",{\"type\":\"x\"},\"c1\"]", 0, NULL));
	args = json_loads("{\"#ids\":{\"resultOf\":\"c0\",\"name\":\"X/get\",\"path\":\"/ids\"},"
			  "\"keep\":1}", 0, NULL);
	res = jmap_request_resolve(&req, args, &err);
	CHECK(res != NULL && err == NULL);
	CHECK(json_equal(json_object_get(res, "ids"),
			 json_object_get(json_array_get(json_array_get(req.responses, 0), 1),
					 "ids")));
	CHECK_INT((int)json_integer_value(json_object_get(res, "keep")), 1);
	CHECK(json_object_get(res, "#ids") == NULL);
	json_decref(res);
	json_decref(args);

	static const char *const bad[][2] = {
		{ "{\"ids\":1,\"#ids\":{\"resultOf\":\"c0\",\"name\":\"X/get\",\"path\":\"/ids\"}}",
		  "invalidArguments" },
		{ "{\"#ids\":{\"resultOf\":\"c0\",\"name\":\"Y/get\",\"path\":\"/ids\"}}",
		  "invalidResultReference" },
		{ "{\"#ids\":{\"resultOf\":\"c9\",\"name\":\"X/get\",\"path\":\"/ids\"}}",
		  "invalidResultReference" },
		{ "{\"#ids\":{\"resultOf\":\"c1\",\"name\":\"X/get\",\"path\":\"\"}}",
		  "invalidResultReference" },
		{ "{\"#ids\":{\"resultOf\":\"c0\",\"name\":\"X/get\"}}",
		  "invalidResultReference" },
		{ "{\"#ids\":{\"resultOf\":\"c0\",\"name\":\"X/get\",\"path\":\"/ids\",\"x\":1}}",
		  "invalidResultReference" },
		{ "{\"#ids\":[1]}", "invalidResultReference" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		args = json_loads(bad[i][0], 0, NULL);
		res = jmap_request_resolve(&req, args, &err);
		CHECK(res == NULL && err != NULL);
		if (err != NULL)
			CHECK_STR(json_string_value(json_object_get(err, "type")), bad[i][1]);
		json_decref(err);
		json_decref(args);
	}
	jmap_request_free(&req);
}

/* the whole dispatcher on Core/echo (no store needed) */
TEST(jmap_api_run_echo_pipeline)
{
	struct tern_conf *conf = conf_defaults();
	struct service_env env = { .conf = conf };
	struct jmap_account acct = { 7, "a@example.test" };
	const char *body =
		"{\"using\":[\"urn:ietf:params:jmap:core\"],\"methodCalls\":["
		"[\"Core/echo\",{\"l\":[{\"id\":\"x\"}]},\"c0\"],"
		"[\"Nope/get\",{},\"c1\"],"
		"[\"Core/echo\",{\"#ids\":{\"resultOf\":\"c0\",\"name\":\"Core/echo\","
		"\"path\":\"/l/*/id\"}},\"c2\"]],\"createdIds\":{}}";
	json_t *resp, *r;

	CHECK_INT(jmap_api_run_json(&env, &acct, body, strlen(body), &resp), 200);
	r = json_object_get(resp, "methodResponses");
	CHECK_INT((int)json_array_size(r), 3);
	CHECK_STR(json_string_value(json_array_get(json_array_get(r, 1), 0)), "error");
	CHECK_STR(json_string_value(json_object_get(
		json_array_get(json_array_get(r, 1), 1), "type")), "unknownMethod");
	CHECK_STR(json_string_value(json_array_get(json_object_get(
		json_array_get(json_array_get(r, 2), 1), "ids"), 0)), "x");
	CHECK(json_is_object(json_object_get(resp, "createdIds")));
	CHECK(json_is_string(json_object_get(resp, "sessionState")));
	json_decref(resp);
	body = "{\"using\":[\"urn:x\"],\"methodCalls\":[]}";
	CHECK_INT(jmap_api_run_json(&env, &acct, body, strlen(body), &resp), 400);
	CHECK_STR(json_string_value(json_object_get(resp, "type")),
		  "urn:ietf:params:jmap:error:unknownCapability");
	json_decref(resp);
	conf_free(&conf);
}
