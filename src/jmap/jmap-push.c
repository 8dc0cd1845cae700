/* jmap-push.c - StateChange objects (RFC 8620 7.1) */
#include "jmap/jmap-push.h"
#include "jmap/jmap-api.h"
#include "jmap/jmap-core.h"
#include "jmap/jmap-request.h"

#include "lib/buf.h"
#include "lib/service.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* EmailDelivery changes with every change too: the account's one
 * counter does not tell a delivery from a flag change, and a spurious
 * "new mail?" check is cheaper than a missed one */
const char *const jmap_push_type_names[] = {
	"Mailbox", "Email", "Thread", "EmailDelivery", NULL
};

static unsigned
type_bit(const char *name, size_t n)
{
	for (unsigned i = 0; jmap_push_type_names[i]; i++)
		if (strlen(jmap_push_type_names[i]) == n &&
		    !memcmp(jmap_push_type_names[i], name, n))
			return 1u << i;
	return 0;
}

unsigned
jmap_push_types_parse(const char *types)
{
	unsigned mask = 0;

	if (types == NULL || !strcmp(types, "*"))
		return JMAP_PUSH_ALL;
	for (const char *p = types; *p;) {
		size_t n = strcspn(p, ",");

		mask |= type_bit(p, n);
		p += n;
		if (*p == ',')
			p++;
	}
	return mask;
}

bool
jmap_push_types_json(json_t *types, unsigned *mask_r)
{
	json_t *v;
	size_t i;

	if (types == NULL || json_is_null(types)) {
		*mask_r = JMAP_PUSH_ALL;
		return true;
	}
	if (!json_is_array(types))
		return false;
	*mask_r = 0;
	json_array_foreach(types, i, v) {
		if (!json_is_string(v))
			return false;
		*mask_r |= type_bit(json_string_value(v), json_string_length(v));
	}
	return true;
}

json_t *
jmap_push_state_change(int64_t account_id, uint64_t modseq, unsigned mask)
{
	json_t *types = json_object();
	char acct[32], state[32];

	snprintf(acct, sizeof(acct), "A%" PRId64, account_id);
	snprintf(state, sizeof(state), "%" PRIu64, modseq);
	for (unsigned i = 0; jmap_push_type_names[i]; i++)
		if (mask & (1u << i))
			json_object_set_new(types, jmap_push_type_names[i],
					    json_string(state));
	return json_pack("{s:s, s:{s:o}}", "@type", "StateChange", "changed",
			 acct, types);
}

/* ---- WebSocket messages (RFC 8887 4) ---- */

static void
reply(struct buf *out, json_t *obj)
{
	char *s = json_dumps(obj, JSON_COMPACT);

	buf_append_str(out, s);
	free(s);
	json_decref(obj);
}

/* a RequestError: the problem details with @type and the request id */
static void
request_error(struct buf *out, json_t *problem, json_t *id)
{
	json_object_set_new(problem, "@type", json_string("RequestError"));
	if (json_is_string(id))
		json_object_set(problem, "requestId", id);
	reply(out, problem);
}

enum jmap_ws_action
jmap_ws_message(struct service_env *env, const struct jmap_account *acct,
		const char *msg, size_t len, struct buf *out, unsigned *mask_r,
		char **push_state_r)
{
	struct jmap_limits lim;
	json_t *root, *type, *id, *resp, *ps;
	enum jmap_ws_action act = JMAP_WS_REPLY;
	const char *t;

	*push_state_r = NULL;
	jmap_limits_from_conf(&lim, env->conf);
	if (len > lim.max_size_request) {
		request_error(out, jmap_problem(JMAP_ERR_LIMIT, "maxSizeRequest",
						"the request is too large"), NULL);
		return act;
	}
	if (jmap_json_depth(msg, len, lim.max_json_depth) > lim.max_json_depth) {
		request_error(out, jmap_problem(JMAP_ERR_LIMIT, "maxJsonDepth",
						"nested too deep"), NULL);
		return act;
	}
	if ((root = json_loadb(msg, len, JSON_REJECT_DUPLICATES, NULL)) == NULL) {
		request_error(out, jmap_problem(JMAP_ERR_NOT_JSON, NULL,
						"not JSON"), NULL);
		return act;
	}
	type = json_object_get(root, "@type");
	id = json_object_get(root, "id");
	t = json_is_string(type) ? json_string_value(type) : "";
	if (!strcmp(t, "Request")) {
		if (jmap_api_run_json(env, acct, msg, len, &resp) == 200) {
			json_object_set_new(resp, "@type", json_string("Response"));
			if (json_is_string(id))
				json_object_set(resp, "requestId", id);
			reply(out, resp);
		} else {
			request_error(out, resp, id);
		}
	} else if (!strcmp(t, "WebSocketPushEnable") &&
		   jmap_push_types_json(json_object_get(root, "dataTypes"), mask_r) &&
		   (ps = json_object_get(root, "pushState"), ps == NULL ||
		    json_is_null(ps) || json_is_string(ps))) {
		if (json_is_string(ps))
			*push_state_r = xstrdup(json_string_value(ps));
		act = JMAP_WS_PUSH_ENABLE;
	} else if (!strcmp(t, "WebSocketPushDisable")) {
		act = JMAP_WS_PUSH_DISABLE;
	} else {
		request_error(out, jmap_problem(JMAP_ERR_NOT_REQUEST, NULL,
						"not a Request, WebSocketPushEnable or WebSocketPushDisable object"),
			      id);
	}
	json_decref(root);
	return act;
}
