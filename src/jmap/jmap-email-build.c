/* jmap-email-build.c - the message of an Email/set create (RFC 8621
 * 4.6): the top header fields from the Email's properties, then the body
 * from bodyStructure, or from textBody/htmlBody/attachments made into
 * one (multipart/alternative, /related, /mixed as needed), each leaf in
 * the encoding its bytes need (contract in jmap-email-build.h) */
#include "jmap/jmap-email-build.h"

#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/base64.h"
#include "submit/submit.h"

/* the key a part made from textBody, htmlBody or attachments carries
 * to name that property in errors (no JMAP property looks like it) */
#define BUILD_WHERE "\x01where"

/* a build in progress: the first invalid property wins */
struct build {
	const struct jmap_build *b;
	json_t *email;
	json_t *bad;		/* invalid property names */
	json_t *not_found;	/* blob ids that are not there */
	int depth;
};

/* a part given with subParts (null, as Email/get answers for a leaf,
 * is none) */
static bool
has_subparts(json_t *part)
{
	json_t *sp = json_object_get(part, "subParts");

	return sp != NULL && !json_is_null(sp);
}

static void
build_bad(struct build *bd, const char *prop)
{
	json_array_append_new(bd->bad, json_string(prop));
}

/* the Email properties a create may set (RFC 8621 4.6); the metadata
 * ones are the caller's */
static bool
build_email_prop_known(const char *k)
{
	static const char *const props[] = {
		"mailboxIds", "keywords", "receivedAt", "messageId",
		"inReplyTo", "references", "sender", "from", "to", "cc", "bcc",
		"replyTo", "subject", "sentAt", "bodyStructure", "bodyValues",
		"textBody", "htmlBody", "attachments",
	};

	for (size_t i = 0; i < sizeof(props) / sizeof(props[0]); i++)
		if (strcmp(props[i], k) == 0)
			return true;
	return strncmp(k, "header:", 7) == 0;
}

/* the convenience properties and the field each stands for */
static const struct {
	const char *prop, *field;
	enum jmap_hdr_form form;
} build_fields[] = {
	{ "from", "From", JMAP_HDR_ADDRESSES },
	{ "sender", "Sender", JMAP_HDR_ADDRESSES },
	{ "replyTo", "Reply-To", JMAP_HDR_ADDRESSES },
	{ "to", "To", JMAP_HDR_ADDRESSES },
	{ "cc", "Cc", JMAP_HDR_ADDRESSES },
	{ "bcc", "Bcc", JMAP_HDR_ADDRESSES },
	{ "subject", "Subject", JMAP_HDR_TEXT },
	{ "sentAt", "Date", JMAP_HDR_DATE },
	{ "messageId", "Message-ID", JMAP_HDR_MESSAGEIDS },
	{ "inReplyTo", "In-Reply-To", JMAP_HDR_MESSAGEIDS },
	{ "references", "References", JMAP_HDR_MESSAGEIDS },
};

/* names already written at this level, lowercase, "\n"-separated */
static bool
build_seen(struct buf *seen, const char *name)
{
	struct buf k = BUF_INIT;
	bool dup;

	buf_printf(&k, "\n%s\n", name);
	for (size_t i = 0; i < k.len; i++)
		if (k.data[i] >= 'A' && k.data[i] <= 'Z')
			k.data[i] += 'a' - 'A';
	dup = seen->len > 0 && memmem(seen->data, seen->len, k.data,
				      k.len) != NULL;
	if (!dup)
		buf_append(seen, k.data, k.len);
	buf_free(&k);
	return dup;
}

/* one "header:..." property of an object (the Email or a part) */
static void
build_header_prop(struct build *bd, const char *prop, json_t *v, bool part,
		  struct buf *seen, struct buf *out)
{
	enum jmap_hdr_form form;
	char *name = NULL;
	bool all, ok;

	ok = jmap_hdr_property(prop, &name, &form, &all) &&
	     jmap_hdr_form_allowed(name, form) && !build_seen(seen, name) &&
	     /* Content-* belong to parts; the encoding is ours to choose */
	     (part ? strcasecmp(name, "Content-Transfer-Encoding") != 0 :
	      strncasecmp(name, "Content-", 8) != 0);
	if (ok && all) {
		size_t i;
		json_t *e;

		ok = json_is_array(v);
		json_array_foreach(v, i, e)
			if (ok)
				ok = jmap_hdr_field(out, name, form, e);
	} else if (ok) {
		ok = jmap_hdr_field(out, name, form, v);
	}
	if (!ok)
		build_bad(bd, prop);
	free(name);
}

/* the top fields, in the order given; Date, Message-ID and MIME-Version
 * when missing */
static void
build_top(struct build *bd, struct buf *out, struct buf *seen)
{
	const char *k;
	json_t *v;

	json_object_foreach(bd->email, k, v) {
		if (!build_email_prop_known(k)) {
			build_bad(bd, k);
			continue;
		}
		if (strncmp(k, "header:", 7) == 0) {
			build_header_prop(bd, k, v, false, seen, out);
			continue;
		}
		for (size_t i = 0; i < sizeof(build_fields) /
		     sizeof(build_fields[0]); i++) {
			if (strcmp(build_fields[i].prop, k) != 0 ||
			    json_is_null(v))
				continue;
			if (build_seen(seen, build_fields[i].field) ||
			    !jmap_hdr_field(out, build_fields[i].field,
					    build_fields[i].form, v))
				build_bad(bd, k);
		}
	}
	if (!build_seen(seen, "Date"))
		submit_date_field(out, bd->b->now);
	if (!build_seen(seen, "Message-ID"))
		submit_message_id_field(out, "jmap", bd->b->hostname);
	if (!build_seen(seen, "MIME-Version"))
		buf_append_str(out, "MIME-Version: 1.0\r\n");
}

/* ---- leaves ---- */

static bool
build_is_text(const char *type)
{
	return strncasecmp(type, "text/", 5) == 0;
}

/* 7bit: ASCII without NUL, CR only in CRLF, lines of at most 998 */
static bool
build_7bit(const unsigned char *p, size_t len)
{
	size_t line = 0;

	for (size_t i = 0; i < len; i++) {
		if (p[i] == 0 || p[i] >= 0x80 ||
		    (p[i] == '\r' && (i + 1 >= len || p[i + 1] != '\n')) ||
		    (p[i] == '\n' && (i == 0 || p[i - 1] != '\r')))
			return false;
		line = p[i] == '\n' ? 0 : line + 1;
		if (line > 998)
			return false;
	}
	return true;
}

/* text: CRLF, CR and LF are line breaks, written as CRLF; quoted-
 * printable otherwise (RFC 2045 6.7), lines of at most 76 */
static void
build_qp(const unsigned char *p, size_t len, struct buf *out)
{
	size_t col = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = p[i];
		bool eol;
		char enc[4];
		size_t n;

		if (c == '\r' || c == '\n') {
			if (c == '\r' && i + 1 < len && p[i + 1] == '\n')
				i++;
			buf_append(out, "\r\n", 2);
			col = 0;
			continue;
		}
		eol = i + 1 == len || p[i + 1] == '\r' || p[i + 1] == '\n';
		if ((c >= 33 && c <= 126 && c != '=') ||
		    ((c == ' ' || c == '\t') && !eol)) {
			enc[0] = (char)c;
			n = 1;
		} else {
			snprintf(enc, sizeof(enc), "=%02X", c);
			n = 3;
		}
		/* a soft break keeps the line within 76 with its '=' */
		if (col + n > (eol ? 76 : 75)) {
			buf_append(out, "=\r\n", 3);
			col = 0;
		}
		buf_append(out, enc, n);
		col += n;
	}
}

/* text's line breaks are CRLF (RFC 2046 4.1.1): a lone CR or LF too */
static void
build_crlf(struct buf *b)
{
	struct buf o = BUF_INIT;

	for (size_t i = 0; i < b->len; i++) {
		if (b->data[i] == '\r' || b->data[i] == '\n') {
			if (b->data[i] == '\r' && i + 1 < b->len &&
			    b->data[i + 1] == '\n')
				i++;
			buf_append(&o, "\r\n", 2);
		} else {
			buf_append_byte(&o, b->data[i]);
		}
	}
	buf_free(b);
	*b = o;
}

static void
build_base64(const unsigned char *p, size_t len, struct buf *out)
{
	/* 57 bytes: one 76-character line */
	for (size_t i = 0; i < len; i += 57) {
		base64_encode(out, p + i, len - i < 57 ? len - i : 57);
		buf_append(out, "\r\n", 2);
	}
}

/* the part's bytes: a body value (partId) or a blob (blobId) */
static bool
build_content(struct build *bd, json_t *part, const char *where,
	      struct buf *content, char **blob_type)
{
	const char *part_id = json_string_value(json_object_get(part,
								"partId"));
	const char *blob_id = json_string_value(json_object_get(part,
								"blobId"));
	json_t *value;
	int rc;

	if ((part_id == NULL) == (blob_id == NULL)) {
		build_bad(bd, where);
		return false;
	}
	if (part_id != NULL) {
		value = json_object_get(json_object_get(bd->email,
							"bodyValues"), part_id);
		/* a value's flags must not say it is cut or broken */
		if (!json_is_string(json_object_get(value, "value")) ||
		    json_is_true(json_object_get(value, "isTruncated")) ||
		    json_is_true(json_object_get(value, "isEncodingProblem")) ||
		    json_object_get(part, "charset") != NULL ||
		    json_object_get(part, "size") != NULL) {
			build_bad(bd, where);
			return false;
		}
		value = json_object_get(value, "value");
		buf_append(content, json_string_value(value),
			   json_string_length(value));
		return true;
	}
	rc = bd->b->read_blob(bd->b->ctx, blob_id, content, blob_type);
	if (rc == -ENOENT) {
		json_array_append_new(bd->not_found, json_string(blob_id));
		return false;
	}
	if (rc < 0) {
		build_bad(bd, where);
		return false;
	}
	return true;
}

static const char *
build_str(json_t *part, const char *key)
{
	return json_string_value(json_object_get(part, key));
}

/* a type/subtype token pair without parameters */
static bool
build_type_ok(const char *t)
{
	const char *slash = t ? strchr(t, '/') : NULL;

	if (slash == NULL || slash == t || slash[1] == '\0')
		return false;
	for (const char *p = t; *p; p++)
		if (*p <= ' ' || *p >= 0x7f ||
		    strchr("()<>@,;:\\\"[]?=", *p) != NULL ||
		    (*p == '/' && p != slash))
			return false;
	return true;
}

/* a header value we write as is: printable ASCII, no CR or LF */
static bool
build_token_ok(const char *s, bool spaces)
{
	if (s == NULL || s[0] == '\0')
		return false;
	for (; *s; s++)
		if ((unsigned char)*s >= 0x7f || *s < ' ' ||
		    (!spaces && (*s == ' ' || strchr("<>;\"", *s))))
			return false;
	return true;
}

/* the properties a part may have (RFC 8621 4.1.4) */
static bool
build_part_props_ok(json_t *part)
{
	static const char *const props[] = {
		"partId", "blobId", "size", "name", "type", "charset",
		"disposition", "cid", "language", "location", "subParts",
	};
	const char *k, *t;
	json_t *v;

	json_object_foreach(part, k, v) {
		bool known = strncmp(k, "header:", 7) == 0 ||
			     strcmp(k, BUILD_WHERE) == 0;

		for (size_t i = 0; i < sizeof(props) / sizeof(props[0]); i++)
			known = known || strcmp(props[i], k) == 0;
		if (!known)
			return false;
		if (json_is_null(v) || strncmp(k, "header:", 7) == 0 ||
		    strcmp(k, BUILD_WHERE) == 0 ||
		    strcmp(k, "size") == 0 || strcmp(k, "subParts") == 0 ||
		    strcmp(k, "language") == 0)
			continue;
		if (!json_is_string(v))
			return false;
		t = json_string_value(v);
		if (strcmp(k, "type") == 0 && !build_type_ok(t))
			return false;
		if ((strcmp(k, "disposition") == 0 || strcmp(k, "charset") == 0) &&
		    !build_token_ok(t, false))
			return false;
		if ((strcmp(k, "cid") == 0 || strcmp(k, "location") == 0) &&
		    !build_token_ok(t, strcmp(k, "location") == 0))
			return false;
	}
	v = json_object_get(part, "language");
	if (v != NULL && !json_is_null(v)) {
		size_t i;
		json_t *l;

		if (!json_is_array(v))
			return false;
		json_array_foreach(v, i, l)
			if (!build_token_ok(json_string_value(l), false))
				return false;
	}
	return true;
}

/* the Content-* fields of a part made from its properties (type,
 * charset, name, disposition, cid, language, location); a field the
 * part gave as header:Content-... is not made again */
static void
build_part_fields(json_t *part, const char *type, const char *charset,
		  const char *cte, struct buf *seen, struct buf *out)
{
	const char *name = build_str(part, "name");
	const char *disp = build_str(part, "disposition");
	const char *cid = build_str(part, "cid");
	const char *loc = build_str(part, "location");
	json_t *lang = json_object_get(part, "language");

	if (!build_seen(seen, "Content-Type")) {
		buf_printf(out, "Content-Type: %s", type);
		if (charset)
			jmap_hdr_param(out, "charset", charset);
		if (name)
			jmap_hdr_param(out, "name", name);
		buf_append(out, "\r\n", 2);
	}
	if (cte && !build_seen(seen, "Content-Transfer-Encoding"))
		buf_printf(out, "Content-Transfer-Encoding: %s\r\n", cte);
	if ((disp || name) && !build_seen(seen, "Content-Disposition")) {
		buf_printf(out, "Content-Disposition: %s",
			   disp ? disp : "attachment");
		if (name)
			jmap_hdr_param(out, "filename", name);
		buf_append(out, "\r\n", 2);
	}
	if (cid && !build_seen(seen, "Content-ID"))
		buf_printf(out, "Content-ID: <%s>\r\n", cid);
	if (json_array_size(lang) > 0 && !build_seen(seen, "Content-Language")) {
		size_t i;
		json_t *l;

		buf_append_str(out, "Content-Language:");
		json_array_foreach(lang, i, l)
			buf_printf(out, "%s %s", i ? "," : "",
				   json_string_value(l));
		buf_append(out, "\r\n", 2);
	}
	if (loc && !build_seen(seen, "Content-Location"))
		buf_printf(out, "Content-Location: %s\r\n", loc);
}

/* the part's own header:... fields */
static void
build_part_headers(struct build *bd, json_t *part, const char *where,
		   struct buf *seen, struct buf *out)
{
	size_t nbad = json_array_size(bd->bad);
	const char *k;
	json_t *v;

	json_object_foreach(part, k, v)
		if (strncmp(k, "header:", 7) == 0)
			build_header_prop(bd, k, v, true, seen, out);
	/* a part's bad header is named by where the part is */
	if (json_array_size(bd->bad) > nbad) {
		while (json_array_size(bd->bad) > nbad)
			json_array_remove(bd->bad, nbad);
		build_bad(bd, where);
	}
}

static void build_part(struct build *bd, json_t *part, const char *where,
		       struct buf *out);

static void
build_multipart(struct build *bd, json_t *part, const char *where,
		const char *type, struct buf *seen, struct buf *out)
{
	json_t *subs = json_object_get(part, "subParts");
	unsigned char rnd[12];
	char hex[sizeof(rnd) * 2 + 1];
	size_t i;
	json_t *sub;

	if (!json_is_array(subs) || json_array_size(subs) == 0 ||
	    json_object_get(part, "partId") || json_object_get(part, "blobId") ||
	    ++bd->depth > 32) {
		build_bad(bd, where);
		return;
	}
	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(hex, sizeof(hex), rnd, sizeof(rnd));
	if (build_seen(seen, "Content-Type")) {
		build_bad(bd, where);	/* its own would lack our boundary */
		return;
	}
	buf_printf(out, "Content-Type: %s;\r\n boundary=\"=_%s\"\r\n",
		   type, hex);
	build_part_fields(part, type, NULL, NULL, seen, out);
	buf_append(out, "\r\n", 2);
	json_array_foreach(subs, i, sub) {
		buf_printf(out, "--=_%s\r\n", hex);
		build_part(bd, sub, where, out);
		buf_append(out, "\r\n", 2);
	}
	buf_printf(out, "--=_%s--\r\n", hex);
	bd->depth--;
}

/* one part (its fields, a blank line, its body), at "where" for errors */
static void
build_part(struct build *bd, json_t *part, const char *where,
	   struct buf *out)
{
	struct buf seen = BUF_INIT, content = BUF_INIT;
	const char *type = build_str(part, "type");
	const char *charset = build_str(part, "charset");
	char *blob_type = NULL;
	const char *cte;
	bool text, msg;

	/* a part made from textBody/htmlBody/attachments says which */
	if (build_str(part, BUILD_WHERE))
		where = build_str(part, BUILD_WHERE);
	if (!json_is_object(part) || !build_part_props_ok(part)) {
		build_bad(bd, where);
		return;
	}
	build_part_headers(bd, part, where, &seen, out);
	if (type && strncasecmp(type, "multipart/", 10) == 0) {
		build_multipart(bd, part, where, type, &seen, out);
		buf_free(&seen);
		return;
	}
	if (has_subparts(part) ||
	    !build_content(bd, part, where, &content, &blob_type)) {
		if (has_subparts(part))
			build_bad(bd, where);
		buf_free(&seen);
		buf_free(&content);
		return;
	}
	if (type == NULL)
		type = blob_type && build_type_ok(blob_type) ? blob_type :
		       build_str(part, "partId") ? "text/plain" :
		       "application/octet-stream";
	text = build_is_text(type);
	msg = strncasecmp(type, "message/", 8) == 0;
	if (text)
		build_crlf(&content);
	/* a body value is UTF-8 text (RFC 8621 4.6: the server picks the
	 * encoding) */
	if (build_str(part, "partId") && text)
		charset = "utf-8";
	if (msg)
		cte = build_7bit(content.data, content.len) ? NULL : "8bit";
	else if (build_7bit(content.data, content.len))
		cte = NULL;
	else
		cte = text ? "quoted-printable" : "base64";
	build_part_fields(part, type, charset, cte, &seen, out);
	buf_append(out, "\r\n", 2);
	if (cte == NULL || msg)
		buf_append(out, content.data, content.len);
	else if (text)
		build_qp(content.data, content.len, out);
	else
		build_base64(content.data, content.len, out);
	free(blob_type);
	buf_free(&seen);
	buf_free(&content);
}

/* ---- textBody/htmlBody/attachments -> one structure (RFC 8621 4.6) */

/* the one part of textBody or htmlBody, of the type it must have */
static json_t *
build_body_one(struct build *bd, const char *prop, const char *want)
{
	json_t *l = json_object_get(bd->email, prop), *p;
	const char *t;

	if (l == NULL || json_is_null(l))
		return NULL;
	p = json_array_get(l, 0);
	t = json_is_object(p) ? build_str(p, "type") : NULL;
	if (!json_is_array(l) || json_array_size(l) != 1 ||
	    !json_is_object(p) || (t && strcasecmp(t, want) != 0) ||
	    has_subparts(p)) {
		build_bad(bd, prop);
		return NULL;
	}
	p = json_deep_copy(p);
	json_object_set_new(p, BUILD_WHERE, json_string(prop));
	if (t == NULL)
		json_object_set_new(p, "type", json_string(want));
	return p;
}

static json_t *
build_multi(const char *type, json_t *subs)
{
	if (json_array_size(subs) == 1) {
		json_t *one = json_incref(json_array_get(subs, 0));

		json_decref(subs);
		return one;
	}
	return json_pack("{s:s, s:o}", "type", type, "subParts", subs);
}

static json_t *
build_structure(struct build *bd)
{
	json_t *text = build_body_one(bd, "textBody", "text/plain");
	json_t *html = build_body_one(bd, "htmlBody", "text/html");
	json_t *att = json_object_get(bd->email, "attachments");
	json_t *related = json_array(), *mixed = json_array(), *body = NULL;
	size_t i;
	json_t *a;

	if (att != NULL && !json_is_null(att) && !json_is_array(att))
		build_bad(bd, "attachments");
	/* inline parts with a cid go with the HTML they illustrate */
	json_array_foreach(att, i, a) {
		bool inl = html && json_is_object(a) && build_str(a, "cid") &&
			   build_str(a, "disposition") &&
			   strcasecmp(build_str(a, "disposition"), "inline") == 0;

		json_t *copy = json_is_object(a) ? json_deep_copy(a) :
			       json_object();

		/* not an object: an empty part, reported as attachments */
		json_object_set_new(copy, BUILD_WHERE,
				    json_string("attachments"));
		json_array_append_new(inl ? related : mixed, copy);
	}
	if (html && json_array_size(related) > 0) {
		json_array_insert_new(related, 0, html);
		html = build_multi("multipart/related", related);
		related = NULL;
	}
	json_decref(related);
	if (text && html)
		body = build_multi("multipart/alternative",
				   json_pack("[o,o]", text, html));
	else
		body = text ? text : html;
	if (body)
		json_array_insert_new(mixed, 0, body);
	if (json_array_size(mixed) == 0) {
		json_decref(mixed);
		return NULL;	/* no body at all */
	}
	return build_multi("multipart/mixed", mixed);
}

int
jmap_email_build(const struct jmap_build *b, json_t *email, struct buf *out,
		 json_t **error_r)
{
	struct build bd = { b, email, json_array(), json_array(), 0 };
	struct buf seen = BUF_INIT;
	json_t *body = json_object_get(email, "bodyStructure");
	json_t *values = json_object_get(email, "bodyValues");
	json_t *made = NULL;
	int rc = 0;

	*error_r = NULL;
	if (json_object_get(email, "headers"))
		build_bad(&bd, "headers");
	if (values != NULL && !json_is_object(values))
		build_bad(&bd, "bodyValues");
	build_top(&bd, out, &seen);
	if (body != NULL && (json_object_get(email, "textBody") ||
			     json_object_get(email, "htmlBody") ||
			     json_object_get(email, "attachments")))
		build_bad(&bd, "bodyStructure");
	if (body == NULL)
		body = made = build_structure(&bd);
	if (body != NULL)
		build_part(&bd, body, made ? "textBody" : "bodyStructure", out);
	else	/* no body given: an empty text */
		buf_append_str(out, "Content-Type: text/plain; charset=utf-8"
			       "\r\n\r\n");
	if (json_array_size(bd.bad) > 0) {
		*error_r = json_pack("{s:s, s:O}", "type", "invalidProperties",
				     "properties", bd.bad);
		rc = -1;
	} else if (json_array_size(bd.not_found) > 0) {
		*error_r = json_pack("{s:s, s:O}", "type", "blobNotFound",
				     "notFound", bd.not_found);
		rc = -1;
	}
	json_decref(made);
	json_decref(bd.bad);
	json_decref(bd.not_found);
	buf_free(&seen);
	return rc;
}
