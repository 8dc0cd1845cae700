/* fuzz-jmap-request.c - libFuzzer harness for the JMAP request parse
 * and result references (src/jmap/jmap-request.c), no store.
 *
 * Input: an API request body. It is parsed with small limits; each of
 * its calls then has its result references resolved against the
 * responses so far, and its response is the resolved arguments (as
 * Core/echo would answer) or the error. Checks: a refused request has
 * a problem with a type; a resolved argument never keeps a "#" name;
 * every call gets exactly one response; the response writes out within
 * the size budget. The input is also taken as a JSON Pointer into the
 * last response. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jmap/jmap-request.h"
#include "jmap/jmap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct jmap_limits lim = {
	.max_size_request = 1 << 16,
	.max_calls_in_request = 16,
	.max_json_depth = 32,
	.max_objects_in_get = 10,
	.max_objects_in_set = 10,
	.max_query_results = 10,
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jmap_request req;
	json_t *problem, *call, *err, *res, *v;
	const char *k;
	char *path, *out;
	size_t i;

	if (jmap_request_parse(&req, (const char *)data, size, &lim, &problem) < 0) {
		if (!json_is_string(json_object_get(problem, "type")))
			abort();
		json_decref(problem);
		return 0;
	}
	json_array_foreach(req.calls, i, call) {
		json_t *id = json_array_get(call, 2);

		res = jmap_request_resolve(&req, json_array_get(call, 1), &err);
		if (res == NULL) {
			if (err == NULL)
				abort();
			json_array_append_new(req.responses,
					      json_pack("[s,o,O]", "error", err, id));
			continue;
		}
		json_object_foreach(res, k, v)
			if (k[0] == '#')
				abort();
		json_array_append_new(req.responses,
				      json_pack("[O,o,O]", json_array_get(call, 0),
						res, id));
	}
	if (json_array_size(req.responses) != json_array_size(req.calls))
		abort();
	/* each response is bounded by the budget, the whole by calls x it */
	out = json_dumps(req.responses, JSON_COMPACT);
	if (out == NULL ||
	    strlen(out) > (lim.max_calls_in_request + 1) * lim.max_size_request * 2)
		abort();
	free(out);
	path = strndup((const char *)data, size);
	if (path != NULL) {
		json_t *last = json_array_get(req.responses,
					      json_array_size(req.responses) - 1);

		json_decref(jmap_pointer_eval(last, path));
		free(path);
	}
	jmap_request_free(&req);
	return 0;
}
