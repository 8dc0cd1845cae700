/* jmap-email-header.c - header fields as RFC 8621 4.1.2 parses them:
 * Raw, Text, Addresses, GroupedAddresses, MessageIds, Date, URLs, on
 * src/mime's header, address, message-id and date parsers. */
#include "jmap/jmap-email-render.h"
#include "mime/mime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* the convenience properties (RFC 8621 4.1.3) */
static const struct {
	const char *prop, *field;
	enum jmap_hform form;
} conv[] = {
	{ "messageId", "Message-ID", JMAP_HF_MSGIDS },
	{ "inReplyTo", "In-Reply-To", JMAP_HF_MSGIDS },
	{ "references", "References", JMAP_HF_MSGIDS },
	{ "sender", "Sender", JMAP_HF_ADDRESSES },
	{ "from", "From", JMAP_HF_ADDRESSES },
	{ "to", "To", JMAP_HF_ADDRESSES },
	{ "cc", "Cc", JMAP_HF_ADDRESSES },
	{ "bcc", "Bcc", JMAP_HF_ADDRESSES },
	{ "replyTo", "Reply-To", JMAP_HF_ADDRESSES },
	{ "subject", "Subject", JMAP_HF_TEXT },
	{ "sentAt", "Date", JMAP_HF_DATE },
};

/* known fields allow Raw and their own form only (4.1.2.x lists them);
 * any other field allows every form */
static const struct {
	const char *field;
	enum jmap_hform form;
} known[] = {
	{ "Subject", JMAP_HF_TEXT }, { "Comments", JMAP_HF_TEXT },
	{ "Keywords", JMAP_HF_TEXT }, { "List-Id", JMAP_HF_TEXT },
	{ "From", JMAP_HF_ADDRESSES }, { "Sender", JMAP_HF_ADDRESSES },
	{ "Reply-To", JMAP_HF_ADDRESSES }, { "To", JMAP_HF_ADDRESSES },
	{ "Cc", JMAP_HF_ADDRESSES }, { "Bcc", JMAP_HF_ADDRESSES },
	{ "Resent-From", JMAP_HF_ADDRESSES },
	{ "Resent-Sender", JMAP_HF_ADDRESSES },
	{ "Resent-Reply-To", JMAP_HF_ADDRESSES },
	{ "Resent-To", JMAP_HF_ADDRESSES }, { "Resent-Cc", JMAP_HF_ADDRESSES },
	{ "Resent-Bcc", JMAP_HF_ADDRESSES },
	{ "Message-ID", JMAP_HF_MSGIDS }, { "In-Reply-To", JMAP_HF_MSGIDS },
	{ "References", JMAP_HF_MSGIDS },
	{ "Resent-Message-ID", JMAP_HF_MSGIDS },
	{ "Date", JMAP_HF_DATE }, { "Resent-Date", JMAP_HF_DATE },
	{ "List-Help", JMAP_HF_URLS }, { "List-Unsubscribe", JMAP_HF_URLS },
	{ "List-Subscribe", JMAP_HF_URLS }, { "List-Post", JMAP_HF_URLS },
	{ "List-Owner", JMAP_HF_URLS }, { "List-Archive", JMAP_HF_URLS },
};

static const char *const form_names[] = {
	[JMAP_HF_RAW] = "asRaw", [JMAP_HF_TEXT] = "asText",
	[JMAP_HF_ADDRESSES] = "asAddresses",
	[JMAP_HF_GROUPED] = "asGroupedAddresses",
	[JMAP_HF_MSGIDS] = "asMessageIds", [JMAP_HF_DATE] = "asDate",
	[JMAP_HF_URLS] = "asURLs",
};

static bool
form_allowed(const char *field, enum jmap_hform form)
{
	if (form == JMAP_HF_RAW)
		return true;
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		if (strcasecmp(known[i].field, field) != 0)
			continue;
		if (known[i].form == JMAP_HF_ADDRESSES)
			return form == JMAP_HF_ADDRESSES ||
			       form == JMAP_HF_GROUPED;
		return form == known[i].form;
	}
	return true;
}

/* a field name: printable US-ASCII but ':' (RFC 5322 2.2) */
static bool
field_name_ok(const char *p, size_t n)
{
	if (n == 0 || n >= JMAP_HNAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (p[i] < 33 || p[i] > 126 || p[i] == ':')
			return false;
	return true;
}

int
jmap_hprop_parse(const char *prop, struct jmap_hprop *out)
{
	const char *p, *c;
	size_t n;

	for (size_t i = 0; i < sizeof(conv) / sizeof(conv[0]); i++) {
		if (strcmp(prop, conv[i].prop) == 0) {
			snprintf(out->name, sizeof(out->name), "%s",
				 conv[i].field);
			out->form = conv[i].form;
			out->all = false;
			return 1;
		}
	}
	if (strncmp(prop, "header:", 7) != 0)
		return 0;
	p = prop + 7;
	c = strchr(p, ':');
	n = c ? (size_t)(c - p) : strlen(p);
	if (!field_name_ok(p, n))
		return -1;
	memcpy(out->name, p, n);
	out->name[n] = '\0';
	out->form = JMAP_HF_RAW;
	out->all = false;
	if (c != NULL && strcmp(c + 1, "all") == 0) {
		out->all = true;
	} else if (c != NULL) {
		const char *f = c + 1, *e = strchr(f, ':');
		size_t fl = e ? (size_t)(e - f) : strlen(f);
		bool found = false;

		for (size_t i = 0; i < sizeof(form_names) / sizeof(form_names[0]);
		     i++) {
			if (strlen(form_names[i]) == fl &&
			    strncmp(form_names[i], f, fl) == 0) {
				out->form = (enum jmap_hform)i;
				found = true;
			}
		}
		if (!found || (e != NULL && strcmp(e + 1, "all") != 0))
			return -1;
		out->all = e != NULL;
	}
	return form_allowed(out->name, out->form) ? 1 : -1;
}

void
jmap_date_format(int64_t t, int tz, bool utc_z, char out[32])
{
	struct tm tm;
	time_t lt = (time_t)(t + (utc_z ? 0 : (int64_t)tz * 60));
	int a = tz < 0 ? -tz : tz;

	gmtime_r(&lt, &tm);
	if (utc_z || tz == 0) {
		strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
		return;
	}
	size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, 32 - n, "%c%02d:%02d", tz < 0 ? '-' : '+', a / 60,
		 a % 60);
}

json_t *
jmap_jstr(const unsigned char *p, size_t len)
{
	struct buf b = BUF_INIT;
	json_t *j;

	mime_charset_utf8_sanitize(p, len, &b);
	j = json_stringn(b.data ? (const char *)b.data : "", b.len);
	buf_free(&b);
	return j;
}

static json_t *
decoded(const char *s)
{
	struct buf b = BUF_INIT;
	json_t *j;

	if (s == NULL)
		return json_null();
	mime_decode_words((const unsigned char *)s, strlen(s), &b);
	j = jmap_jstr(b.data, b.len);
	buf_free(&b);
	return j;
}

static json_t *
email_address(const struct mime_address *a)
{
	char *email;
	json_t *o;

	if (a->host == NULL || a->host[0] == '\0' ||
	    strcmp(a->host, "MISSING_DOMAIN") == 0)
		email = xstrdup(a->mailbox);
	else
		email = xasprintf("%s@%s", a->mailbox, a->host);
	o = json_pack("{s:o, s:o}", "name",
		      a->name && a->name[0] ? decoded(a->name) : json_null(),
		      "email",
		      jmap_jstr((const unsigned char *)email, strlen(email)));
	free(email);
	return o;
}

/* Addresses (grouped=false: groups flattened) or GroupedAddresses */
static json_t *
addresses(const unsigned char *p, size_t len, bool grouped)
{
	struct mime_address_list l = { NULL, 0 };
	json_t *out = json_array(), *cur = NULL;	/* cur: ungrouped run */
	json_t *group = NULL;

	mime_address_parse(p, len, &l);
	for (size_t i = 0; i < l.n; i++) {
		const struct mime_address *a = &l.v[i];

		if (a->host == NULL) {	/* group start / end marker */
			if (!grouped)
				continue;
			if (a->mailbox != NULL) {
				group = json_array();
				json_array_append_new(out, json_pack(
					"{s:o, s:o}", "name",
					decoded(a->mailbox), "addresses",
					group));
			} else {
				group = NULL;
			}
			cur = NULL;
			continue;
		}
		if (!grouped) {
			json_array_append_new(out, email_address(a));
		} else if (group != NULL) {
			json_array_append_new(group, email_address(a));
		} else {
			if (cur == NULL) {
				cur = json_array();
				json_array_append_new(out, json_pack(
					"{s:n, s:o}", "name", "addresses",
					cur));
			}
			json_array_append_new(cur, email_address(a));
		}
	}
	mime_address_list_free(&l);
	return out;
}

static json_t *
msgids(const unsigned char *p, size_t len)
{
	struct mime_msgids l = { NULL, 0 };
	json_t *out;

	mime_msgid_parse(p, len, &l);
	if (l.n == 0) {
		mime_msgid_free(&l);
		return json_null();
	}
	out = json_array();
	for (size_t i = 0; i < l.n; i++)
		json_array_append_new(out, jmap_jstr(
			(const unsigned char *)l.v[i], strlen(l.v[i])));
	mime_msgid_free(&l);
	return out;
}

/* URLs: the <...> items of a comma-separated list (RFC 2369),
 * whitespace inside removed */
static json_t *
urls(const unsigned char *p, size_t len)
{
	json_t *out = json_array();
	size_t i = 0;

	while (i < len) {
		const unsigned char *lt = memchr(p + i, '<', len - i), *gt;

		if (lt == NULL)
			break;
		gt = memchr(lt, '>', len - (size_t)(lt - p));
		if (gt == NULL)
			break;
		struct buf u = BUF_INIT;

		for (const unsigned char *q = lt + 1; q < gt; q++)
			if (*q != ' ' && *q != '\t' && *q != '\r' && *q != '\n')
				buf_append_byte(&u, *q);
		json_array_append_new(out, jmap_jstr(u.data, u.len));
		buf_free(&u);
		i = (size_t)(gt - p) + 1;
	}
	if (json_array_size(out) == 0) {
		json_decref(out);
		return json_null();
	}
	return out;
}

/* Text (RFC 8621 4.1.2.2): unfolded, the SP at the start removed (not
 * the whitespace at the end), encoded words decoded */
static void
as_text(const unsigned char *raw, size_t len, struct buf *out)
{
	struct buf u = BUF_INIT;
	size_t i = 0;

	while (i < len && raw[i] == ' ')
		i++;
	for (; i < len; i++)
		if (raw[i] != '\r' && raw[i] != '\n')
			buf_append_byte(&u, raw[i]);
	mime_decode_words(u.data, u.len, out);
	buf_free(&u);
}

json_t *
jmap_hform_value(const unsigned char *raw, size_t len, enum jmap_hform form)
{
	struct buf b = BUF_INIT;
	json_t *j = NULL;
	int64_t t;
	int tz;

	switch (form) {
	case JMAP_HF_RAW:
		return jmap_jstr(raw, len);
	case JMAP_HF_TEXT:
		as_text(raw, len, &b);
		j = jmap_jstr(b.data, b.len);
		break;
	case JMAP_HF_ADDRESSES:
	case JMAP_HF_GROUPED:
		mime_header_unfold(raw, len, &b);
		j = addresses(b.data, b.len, form == JMAP_HF_GROUPED);
		break;
	case JMAP_HF_MSGIDS:
		mime_header_unfold(raw, len, &b);
		j = msgids(b.data, b.len);
		break;
	case JMAP_HF_DATE:
		mime_header_unfold(raw, len, &b);
		if (mime_date_parse(b.data, b.len, &t, &tz)) {
			char d[32];

			jmap_date_format(t, tz, false, d);
			j = json_string(d);
		} else {
			j = json_null();
		}
		break;
	case JMAP_HF_URLS:
		mime_header_unfold(raw, len, &b);
		j = urls(b.data, b.len);
		break;
	}
	buf_free(&b);
	return j;
}

json_t *
jmap_hprop_value(const unsigned char *hdr, size_t len,
		 const struct jmap_hprop *p)
{
	struct slice name, value;
	size_t pos = 0;
	json_t *all = p->all ? json_array() : NULL;
	struct slice last = { NULL, 0 };
	bool found = false;

	while (mime_header_next(hdr, len, &pos, &name, &value)) {
		if (!slice_case_eq_cstr(name, p->name))
			continue;
		if (all != NULL)
			json_array_append_new(all, jmap_hform_value(
				value.p, value.len, p->form));
		last = value;
		found = true;
	}
	if (all != NULL)
		return all;
	if (!found)
		return json_null();
	return jmap_hform_value(last.p, last.len, p->form);
}

json_t *
jmap_headers_all(const unsigned char *hdr, size_t len)
{
	struct slice name, value;
	size_t pos = 0;
	json_t *out = json_array();

	while (mime_header_next(hdr, len, &pos, &name, &value))
		json_array_append_new(out, json_pack(
			"{s:o, s:o}", "name", jmap_jstr(name.p, name.len),
			"value", jmap_jstr(value.p, value.len)));
	return out;
}
