/* jmap-email-parse.c - Email/parse (RFC 8621 4.9): a blob (an upload,
 * a message, a message/rfc822 part) read through jmap_blob_read() and
 * rendered as Email/get renders a stored message */
#include "jmap/jmap-email.h"
#include "jmap/jmap-email-render.h"
#include "mime/mime.h"

#include <errno.h>
#include <string.h>

static const char *const default_props[] = {
	"messageId", "inReplyTo", "references", "sender", "from", "to",
	"cc", "bcc", "replyTo", "subject", "sentAt", "hasAttachment",
	"preview", "bodyValues", "textBody", "htmlBody", "attachments", NULL
};

/* the metadata a blob does not have (4.9: null) and the two it has */
static void
meta(json_t *props, const char *blob_id, size_t size, json_t *o)
{
	for (size_t i = 0; i < json_array_size(props); i++) {
		const char *n = json_string_value(json_array_get(props, i));

		if (strcmp(n, "blobId") == 0)
			json_object_set_new(o, n, json_string(blob_id));
		else if (strcmp(n, "size") == 0)
			json_object_set_new(o, n, json_integer((json_int_t)size));
		else if (strcmp(n, "id") == 0 || strcmp(n, "threadId") == 0 ||
			 strcmp(n, "mailboxIds") == 0 ||
			 strcmp(n, "keywords") == 0 ||
			 strcmp(n, "receivedAt") == 0)
			json_object_set_new(o, n, json_null());
	}
}

/* part blobIds are readable under the blob's own id when it is a
 * stored message's ("B..."): its parts are sections below it */
static json_t *
parse_one(const char *blob_id, const struct buf *b, json_t *props,
	  const struct jmap_body_opts *opt)
{
	struct mime_summary sum;
	json_t *o = json_object();

	mime_summary_init(&sum);
	mime_summarize(b->data, b->len, NULL, &sum);
	struct jmap_msg_src src = {
		b->data, b->len,
		sum.header_len < b->len ? (size_t)sum.header_len : b->len,
		sum.partmap.data, sum.partmap.len, 0,
		blob_id[0] == 'B' ? blob_id : NULL, NULL
	};
	meta(props, blob_id, b->len, o);
	jmap_email_render(&src, props, opt, o);
	mime_summary_free(&sum);
	return o;
}

json_t *
jmap_email_parse(struct jmap_ctx *c, json_t *args, json_t **error_r)
{
	json_t *ids = json_object_get(args, "blobIds");
	json_t *props = json_object_get(args, "properties");
	json_t *parsed, *np, *nf, *res;
	struct jmap_body_opts opt;

	if ((*error_r = jmap_email_props_check(props,
			json_object_get(args, "bodyProperties"))) != NULL ||
	    (*error_r = jmap_body_opts_parse(args, &opt)) != NULL)
		return NULL;
	if (!json_is_array(ids)) {
		*error_r = jmap_error("invalidArguments", "blobIds");
		return NULL;
	}
	if (json_array_size(ids) > jmap_max_objects_in_get(c)) {
		*error_r = jmap_error("requestTooLarge", NULL);
		return NULL;
	}
	if (props == NULL || json_is_null(props)) {
		props = json_array();
		for (size_t i = 0; default_props[i]; i++)
			json_array_append_new(props,
					      json_string(default_props[i]));
	} else {
		json_incref(props);
	}
	parsed = json_object();
	np = json_array();
	nf = json_array();
	for (size_t i = 0; i < json_array_size(ids); i++) {
		const char *id = json_string_value(json_array_get(ids, i));
		struct buf b = BUF_INIT;
		int r;

		if (id == NULL) {
			*error_r = jmap_error("invalidArguments", "blobIds");
			break;
		}
		r = jmap_blob_read(c, id, &b, NULL);
		if (r == -ENOENT)
			json_array_append_new(nf, json_string(id));
		else if (r < 0) {
			*error_r = jmap_error("serverFail", strerror(-r));
			buf_free(&b);
			break;
		} else if (b.len == 0)	/* nothing to parse */
			json_array_append_new(np, json_string(id));
		else
			json_object_set_new(parsed, id,
					    parse_one(id, &b, props, &opt));
		buf_free(&b);
	}
	res = *error_r ? NULL : json_pack(
		"{s:s, s:O, s:O, s:O}", "accountId", c->account_id_str,
		"parsed", parsed, "notParsable", np, "notFound", nf);
	json_decref(parsed);
	json_decref(np);
	json_decref(nf);
	json_decref(props);
	return res;
}
