/* jmap-email-build.h - an RFC 5322 message from the JSON of an Email/set
 * create (RFC 8621 4.6), with no store: the blobs come through a
 * callback, so unit tests build messages from plain JSON.
 *
 *   jmap-email-build.c         the message: its top fields, the body
 *                              structure (textBody/htmlBody/attachments
 *                              or bodyStructure), parts and encodings
 *   jmap-email-build-header.c  header fields from the parsed forms
 *                              (addresses, text, dates, message ids,
 *                              URLs, raw), encoded words, folding */
#ifndef TERN_JMAP_EMAIL_BUILD_H
#define TERN_JMAP_EMAIL_BUILD_H

#include <jansson.h>
#include <stdbool.h>
#include <time.h>

#include "lib/buf.h"

/* a blob's bytes appended to out (and its type, malloc'd, when type_r
 * is not NULL and the type is known): 0, -ENOENT, or another -errno */
typedef int jmap_build_blob_fn(void *ctx, const char *blob_id,
			       struct buf *out, char **type_r);

struct jmap_build {
	const char *hostname;		/* the generated Message-ID's right */
	time_t now;			/* the generated Date */
	jmap_build_blob_fn *read_blob;
	void *ctx;
};

/* Build the message of email (an Email object of a create) into out.
 * 0, or -1 with *error_r a SetError: invalidProperties (with the
 * properties) or blobNotFound (with notFound). The Email's
 * metadata (mailboxIds, keywords, receivedAt) is the caller's. */
int jmap_email_build(const struct jmap_build *b, json_t *email,
		     struct buf *out, json_t **error_r);

/* ---- header fields (jmap-email-build-header.c) ---- */

enum jmap_hdr_form {
	JMAP_HDR_RAW,
	JMAP_HDR_TEXT,
	JMAP_HDR_ADDRESSES,
	JMAP_HDR_GROUPED,
	JMAP_HDR_MESSAGEIDS,
	JMAP_HDR_DATE,
	JMAP_HDR_URLS,
};

/* "header:Name[:asForm][:all]" -> its field name (malloc'd), form and
 * :all; false when it is malformed (unknown form, bad field name) */
bool jmap_hdr_property(const char *prop, char **name_r,
		       enum jmap_hdr_form *form_r, bool *all_r);
/* may the field be given in that form (RFC 8621 4.1.2)? */
bool jmap_hdr_form_allowed(const char *name, enum jmap_hdr_form form);
/* append "Name: value\r\n" (folded) for a value of that form (for :all,
 * call it once per element); false when the value is not of the form */
bool jmap_hdr_field(struct buf *out, const char *name,
		    enum jmap_hdr_form form, json_t *value);
/* an RFC 2231 parameter: ";\r\n name=value", quoted, or name*=utf-8''..
 * when value is not plain ASCII */
void jmap_hdr_param(struct buf *out, const char *name, const char *value);
/* "2014-10-30T14:12:00+08:00" -> "Thu, 30 Oct 2014 14:12:00 +0800"
 * appended; false when it is no RFC 3339 date-time */
bool jmap_hdr_date(struct buf *out, const char *jmap_date);

#endif
