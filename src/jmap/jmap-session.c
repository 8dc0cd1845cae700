/* jmap-session.c - the session resource (RFC 8620 2, RFC 8621 1.3,
 * RFC 8887 4): capabilities with the [jmap] limits, the user's one
 * account, the URLs. A capability is listed only when the method tables
 * serve it (jmap_capability_served). */
#include "jmap/jmap-api.h"
#include "jmap/jmap-core.h"
#include "jmap/jmap.h"

#include "lib/buf.h"
#include "lib/conf.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static json_t *
core_capability(const struct tern_conf *conf)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:[s,s,s]}",
			 "maxSizeUpload", (json_int_t)conf->jmap.max_size_upload,
			 "maxConcurrentUpload", (json_int_t)conf->jmap.max_concurrent_upload,
			 "maxSizeRequest", (json_int_t)conf->jmap.max_size_request,
			 "maxConcurrentRequests", (json_int_t)conf->jmap.max_concurrent_requests,
			 "maxCallsInRequest", (json_int_t)conf->jmap.max_calls_in_request,
			 "maxObjectsInGet", (json_int_t)conf->jmap.max_objects_in_get,
			 "maxObjectsInSet", (json_int_t)conf->jmap.max_objects_in_set,
			 "collationAlgorithms", "i;ascii-numeric", "i;ascii-casemap",
			 "i;unicode-casemap");
}

/* the server-wide capabilities; url_base "https://host" or NULL (the
 * state's input: the URLs do not change it) */
static json_t *
capabilities(const struct tern_conf *conf, const char *url_base)
{
	json_t *caps = json_object();

	json_object_set_new(caps, JMAP_CAP_CORE, core_capability(conf));
	if (jmap_capability_served(JMAP_CAP_MAIL))
		json_object_set_new(caps, JMAP_CAP_MAIL, json_object());
	if (jmap_capability_served(JMAP_CAP_SUBMISSION))
		json_object_set_new(caps, JMAP_CAP_SUBMISSION, json_object());
	/* RFC 8887 (http-jmap-push.c) */
	{
		char *ws = xasprintf("wss://%s/jmap/ws",
				     url_base ? url_base + strlen("https://") : "");

		json_object_set_new(caps, JMAP_CAP_WEBSOCKET,
				    json_pack("{s:s, s:b}", "url", ws,
					      "supportsPush", 1));
		free(ws);
	}
	return caps;
}

static json_t *
account_capabilities(const struct tern_conf *conf)
{
	json_t *caps = json_object();

	if (jmap_capability_served(JMAP_CAP_MAIL))
		json_object_set_new(caps, JMAP_CAP_MAIL, json_pack(
			"{s:n, s:n, s:i, s:I, s:[s,s,s,s,s,s,s,s,s], s:b}",
			"maxMailboxesPerEmail", "maxMailboxDepth",
			"maxSizeMailboxName", 490,
			"maxSizeAttachmentsPerEmail",
			(json_int_t)conf->smtp.max_message_size,
			"emailQuerySortOptions", "receivedAt", "sentAt", "size",
			"from", "to", "subject", "hasKeyword",
			"allInThreadHaveKeyword", "someInThreadHaveKeyword",
			"mayCreateTopLevelMailbox", 1));
	if (jmap_capability_served(JMAP_CAP_SUBMISSION))
		json_object_set_new(caps, JMAP_CAP_SUBMISSION, json_pack(
			"{s:i, s:{}}", "maxDelayedSend", 0,
			"submissionExtensions"));
	return caps;
}

char *
jmap_session_state(const struct tern_conf *conf)
{
	json_t *caps = capabilities(conf, NULL);
	char *s = json_dumps(caps, JSON_COMPACT | JSON_SORT_KEYS);
	unsigned char h[crypto_hash_sha256_BYTES];
	char hex[17];

	crypto_hash_sha256(h, (const unsigned char *)s, strlen(s));
	sodium_bin2hex(hex, sizeof(hex), h, 8);
	free(s);
	json_decref(caps);
	return xstrdup(hex);
}

char *
jmap_session_json(const struct tern_conf *conf, const struct jmap_account *acct,
		  const char *url_base)
{
	char *id = xasprintf("A%" PRId64, acct->id);
	char *state = jmap_session_state(conf);
	json_t *caps = capabilities(conf, url_base), *primary = json_object();
	json_t *accounts, *s;
	char *out, *api, *dl, *ul, *es;
	const char *k;
	json_t *v;

	accounts = json_pack("{s:{s:s, s:b, s:b, s:o}}", id, "name", acct->address,
			     "isPersonal", 1, "isReadOnly", 0,
			     "accountCapabilities", account_capabilities(conf));
	json_object_foreach(caps, k, v)
		if (strcmp(k, JMAP_CAP_CORE) && strcmp(k, JMAP_CAP_WEBSOCKET))
			json_object_set_new(primary, k, json_string(id));
	api = xasprintf("%s/jmap/api/", url_base);
	dl = xasprintf("%s/jmap/download/{accountId}/{blobId}/{name}?accept={type}",
		       url_base);
	ul = xasprintf("%s/jmap/upload/{accountId}/", url_base);
	es = xasprintf("%s/jmap/eventsource/?types={types}&closeafter={closeafter}&ping={ping}",
		       url_base);
	s = json_pack("{s:o, s:o, s:o, s:s, s:s, s:s, s:s, s:s, s:s}",
		      "capabilities", caps, "accounts", accounts,
		      "primaryAccounts", primary, "username", acct->address,
		      "apiUrl", api, "downloadUrl", dl, "uploadUrl", ul,
		      "eventSourceUrl", es, "state", state);
	out = json_dumps(s, JSON_INDENT(2));
	json_decref(s);
	free(api);
	free(dl);
	free(ul);
	free(es);
	free(state);
	free(id);
	return out;
}
