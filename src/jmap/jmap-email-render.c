/* jmap-email-render.c - which Email properties exist, and the header
 * and body properties of one Email (the metadata ones, id, mailboxIds,
 * keywords ..., come from the store: jmap-email-get.c) */
#include "jmap/jmap-email-render.h"

#include <string.h>

static const char *const meta_props[] = {
	"id", "blobId", "threadId", "mailboxIds", "keywords", "size",
	"receivedAt", NULL
};

static const char *const default_props[] = {
	"id", "blobId", "threadId", "mailboxIds", "keywords", "size",
	"receivedAt", "messageId", "inReplyTo", "references", "sender",
	"from", "to", "cc", "bcc", "replyTo", "subject", "sentAt",
	"hasAttachment", "preview", "bodyValues", "textBody", "htmlBody",
	"attachments", NULL
};

json_t *
jmap_email_default_props(void)
{
	json_t *a = json_array();

	for (size_t i = 0; default_props[i]; i++)
		json_array_append_new(a, json_string(default_props[i]));
	return a;
}

bool
jmap_email_prop_valid(const char *name)
{
	struct jmap_hprop hp;

	for (size_t i = 0; meta_props[i]; i++)
		if (strcmp(name, meta_props[i]) == 0)
			return true;
	if (strcmp(name, "headers") == 0 || jmap_email_body_prop(name))
		return true;
	return jmap_hprop_parse(name, &hp) == 1;
}

void
jmap_email_render(const struct jmap_msg_src *src, json_t *props,
		  const struct jmap_body_opts *opt, json_t *email)
{
	bool body = false;

	for (size_t i = 0; i < json_array_size(props); i++) {
		const char *n = json_string_value(json_array_get(props, i));
		struct jmap_hprop hp;

		if (n == NULL)
			continue;
		if (strcmp(n, "headers") == 0)
			json_object_set_new(email, n, jmap_headers_all(
				src->msg, src->header_len));
		else if (jmap_hprop_parse(n, &hp) == 1)
			json_object_set_new(email, n, jmap_hprop_value(
				src->msg, src->header_len, &hp));
		else if (jmap_email_body_prop(n))
			body = true;
	}
	if (body)
		jmap_email_render_body(src, props, opt, email);
}
