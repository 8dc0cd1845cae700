/* jmap-email-render.h - an Email object (RFC 8621 4.1) from message
 * bytes and src/mime's part map: header fields in every parsed form,
 * the body structure, textBody/htmlBody/attachments, body values.
 * No store here: Email/get, Email/parse and the unit tests feed it. */
#ifndef TERN_JMAP_EMAIL_RENDER_H
#define TERN_JMAP_EMAIL_RENDER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"

/* ---- header fields (jmap-email-header.c) ---- */

enum jmap_hform {
	JMAP_HF_RAW = 0,
	JMAP_HF_TEXT,
	JMAP_HF_ADDRESSES,
	JMAP_HF_GROUPED,
	JMAP_HF_MSGIDS,
	JMAP_HF_DATE,
	JMAP_HF_URLS,
};

#define JMAP_HNAME_MAX 128

/* a header property: "header:Name[:asForm][:all]" or a convenience
 * property (from, subject, sentAt ...) */
struct jmap_hprop {
	char name[JMAP_HNAME_MAX];	/* field name as asked */
	enum jmap_hform form;
	bool all;
};

/* 1: prop is a header property (*out filled); 0: it is not one;
 * -1: it starts "header:" but is malformed or asks a form the field
 * does not allow (RFC 8621 4.1.2: invalidArguments) */
int jmap_hprop_parse(const char *prop, struct jmap_hprop *out);
/* its value in header block hdr (JSON null, or [] with :all, when the
 * field is absent) */
json_t *jmap_hprop_value(const unsigned char *hdr, size_t len,
			 const struct jmap_hprop *p);
/* "headers": every field in order, [{"name", "value"(raw)}] */
json_t *jmap_headers_all(const unsigned char *hdr, size_t len);
/* one raw value in a parsed form (the value after the ':') */
json_t *jmap_hform_value(const unsigned char *raw, size_t len,
			 enum jmap_hform form);
/* RFC 3339 date-time: with the zone offset (tz minutes east) or, for
 * utc_z, "...Z" in UTC (UTCDate) */
void jmap_date_format(int64_t t, int tz, bool utc_z, char out[32]);

/* ---- body (jmap-email-body.c) ---- */

/* the message to render: msg[0..len) is the message as served; its
 * top-level header is msg[0..header_len). partmap (mime's serialized
 * map) locates the parts at offsets + pm_off in msg; NULL: the
 * renderer makes one from msg (pm_off then unused). */
struct jmap_msg_src {
	const unsigned char *msg;
	size_t len;
	size_t header_len;
	const unsigned char *partmap;
	size_t partmap_len;
	uint64_t pm_off;
	/* part blobIds are blob_base + "." + partId; NULL: null blobIds */
	const char *blob_base;
	/* the message's preview when known (the store keeps one) */
	const char *preview;
};

struct jmap_body_opts {
	json_t *body_props;	/* names (validated), NULL: the default */
	bool fetch_text, fetch_html, fetch_all;
	size_t max_bytes;	/* maxBodyValueBytes, 0: no limit */
};

/* is name a body part property (bodyProperties)? header:... included */
bool jmap_body_prop_valid(const char *name);
/* is name one of the Email body properties (bodyStructure, textBody,
 * htmlBody, attachments, hasAttachment, preview, bodyValues)? */
bool jmap_email_body_prop(const char *name);

/* Add the body properties named in props (a JSON array of validated
 * names; the others are skipped) to email. */
void jmap_email_render_body(const struct jmap_msg_src *src, json_t *props,
			    const struct jmap_body_opts *opt, json_t *email);

/* ---- the stored BODYSTRUCTURE read back (jmap-email-bs.c) ---- */

enum jmap_bs_kind { JMAP_BS_NIL, JMAP_BS_STR, JMAP_BS_ATOM, JMAP_BS_LIST };
struct jmap_bsval {
	enum jmap_bs_kind kind;
	char *s;			/* STR, ATOM: NUL-terminated */
	size_t len;
	struct jmap_bsval *kids;	/* LIST */
	size_t n;
};
/* parse an IMAP BODYSTRUCTURE "(...)": false when it is not one */
bool jmap_bs_parse(const char *s, struct jmap_bsval *out);
void jmap_bs_free(struct jmap_bsval *v);

/* hasAttachment (RFC 8621 4.1.4) from the message's stored
 * BODYSTRUCTURE, by the same parseStructure as the rendered body, no
 * body read: 1, 0, or -1 when there is none or it cannot be read */
int jmap_email_has_attachment(const char *bodystructure);

/* ---- the whole Email (jmap-email-render.c) ---- */

/* Check Email/get's "properties" and "bodyProperties": NULL when all
 * are known, else a message-level error (invalidArguments). */
json_t *jmap_email_props_check(json_t *props, json_t *body_props);
/* is name an Email property (RFC 8621 4.1, header:... included)? */
bool jmap_email_prop_valid(const char *name);
/* the default properties of Email/get and Email/parse */
json_t *jmap_email_default_props(void);
/* Add the header and body properties named in props to email (the
 * metadata ones, id, mailboxIds ..., are the caller's). */
void jmap_email_render(const struct jmap_msg_src *src, json_t *props,
		       const struct jmap_body_opts *opt, json_t *email);
/* body options from Email/get or Email/parse arguments; NULL or an
 * invalidArguments error */
json_t *jmap_body_opts_parse(json_t *args, struct jmap_body_opts *opt);

/* a UTF-8 string for JSON (invalid bytes -> U+FFFD):
 * jmap-email-header.c */
json_t *jmap_jstr(const unsigned char *p, size_t len);

#endif
