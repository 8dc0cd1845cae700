/* jmap-email-build-header.c - header fields from JMAP's parsed forms
 * (RFC 8621 4.1.2) written as RFC 5322 wants them: non-ASCII text in
 * RFC 2047 encoded words, lines folded near 78 columns (contract in
 * jmap-email-build.h) */
#include "jmap/jmap-email-build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/base64.h"
#include "lib/utf8.h"

#define HDR_FOLD 78

/* a field being written: where its current line started */
struct hdr_line {
	struct buf *out;
	size_t line;		/* offset of the current line in out */
};

static size_t
hdr_col(const struct hdr_line *h)
{
	return h->out->len - h->line;
}

/* a token, after sep (" " or "" ) or, when the line would grow past
 * HDR_FOLD, after a fold (the separator's space becomes the fold's) */
static void
hdr_token(struct hdr_line *h, const char *sep, const char *t, size_t len)
{
	size_t seplen = strlen(sep);

	if (seplen > 0 && sep[seplen - 1] == ' ' &&
	    hdr_col(h) + seplen + len > HDR_FOLD && hdr_col(h) > 1) {
		buf_append(h->out, sep, seplen - 1);
		buf_append(h->out, "\r\n", 2);
		h->line = h->out->len;
		buf_append_byte(h->out, ' ');
	} else {
		buf_append(h->out, sep, seplen);
	}
	buf_append(h->out, t, len);
}

static bool
hdr_is_ascii(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] >= 0x80 || s[i] == '\0' ||
		    s[i] == '\r' || s[i] == '\n')
			return false;
	return true;
}

static bool
hdr_valid_utf8(const char *s, size_t len)
{
	uint32_t cp;

	for (size_t i = 0, n; i < len; i += n) {
		n = utf8_next((const unsigned char *)s + i, len - i, &cp);
		if (n == 0 || cp == 0 || cp == '\r' || cp == '\n')
			return false;
	}
	return true;
}

/* s as "=?UTF-8?B?...?=" words of at most 75 characters (RFC 2047 2),
 * cut between characters, one token each */
static void
hdr_encoded_words(struct hdr_line *h, const char *sep, const char *s,
		  size_t len)
{
	struct buf w = BUF_INIT;
	uint32_t cp;

	for (size_t i = 0; i < len;) {
		size_t n = 0, c;

		/* 45 bytes make 60 base64 characters: 72 with the frame */
		while (i + n < len && (c = utf8_next((const unsigned char *)s +
						     i + n, len - i - n,
						     &cp)) > 0 && n + c <= 45)
			n += c;
		if (n == 0)
			n = 1;		/* not UTF-8: checked before */
		buf_reset(&w);
		buf_append_str(&w, "=?UTF-8?B?");
		base64_encode(&w, s + i, n);
		buf_append_str(&w, "?=");
		hdr_token(h, sep, (const char *)w.data, w.len);
		sep = " ";
		i += n;
	}
	buf_free(&w);
}

/* unstructured text (Subject): words folded, or encoded words when it
 * is not ASCII */
static void
hdr_text(struct hdr_line *h, const char *s, size_t len)
{
	const char *sep = " ";

	if (!hdr_is_ascii(s, len)) {
		hdr_encoded_words(h, sep, s, len);
		return;
	}
	/* ASCII: fold at the spaces, keeping every character */
	for (size_t i = 0; i < len;) {
		size_t n = 0;

		while (i + n < len && s[i + n] != ' ')
			n++;
		hdr_token(h, sep, s + i, n);
		sep = " ";
		i += n + (i + n < len);
	}
}

/* a display name: an atom sequence as is, else a quoted string, or
 * encoded words outside ASCII (RFC 2047 5 (3)) */
static void
hdr_phrase(struct hdr_line *h, const char *sep, const char *s)
{
	size_t len = strlen(s);
	struct buf q = BUF_INIT;
	bool plain = true;

	if (!hdr_is_ascii(s, len)) {
		hdr_encoded_words(h, sep, s, len);
		return;
	}
	for (size_t i = 0; i < len && plain; i++)
		plain = (s[i] >= 'a' && s[i] <= 'z') ||
			(s[i] >= 'A' && s[i] <= 'Z') ||
			(s[i] >= '0' && s[i] <= '9') ||
			strchr(" !#$%&'*+-/=?^_`{|}~", s[i]) != NULL;
	if (plain && len > 0 && s[0] != ' ' && s[len - 1] != ' ' &&
	    strstr(s, "  ") == NULL) {
		hdr_text(h, s, len);
		buf_free(&q);
		return;
	}
	buf_append_byte(&q, '"');
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '"' || s[i] == '\\')
			buf_append_byte(&q, '\\');
		buf_append_byte(&q, (unsigned char)s[i]);
	}
	buf_append_byte(&q, '"');
	hdr_token(h, sep, (const char *)q.data, q.len);
	buf_free(&q);
}

/* an addr-spec a reader will parse back as it is: something@domain,
 * with no space, angle bracket, comma or control character */
static bool
hdr_addr_ok(const char *a)
{
	const char *at = strrchr(a, '@');

	if (at == NULL || at == a || at[1] == '\0' || !hdr_valid_utf8(a,
								 strlen(a)))
		return false;
	for (const char *p = a; *p; p++)
		if ((unsigned char)*p <= ' ' || strchr("<>,;()[]\\", *p) ||
		    *p == 0x7f)
			return false;
	return true;
}

/* {name, email} */
static bool
hdr_address(struct hdr_line *h, const char *sep, json_t *a)
{
	json_t *name = json_object_get(a, "name");
	const char *email = json_string_value(json_object_get(a, "email"));
	struct buf b = BUF_INIT;

	if (!json_is_object(a) || email == NULL || !hdr_addr_ok(email) ||
	    (name != NULL && !json_is_null(name) && !json_is_string(name)))
		return false;
	if (json_is_string(name) && json_string_length(name) > 0) {
		if (!hdr_valid_utf8(json_string_value(name),
				    json_string_length(name)))
			return false;
		hdr_phrase(h, sep, json_string_value(name));
		sep = " ";
		buf_printf(&b, "<%s>", email);
	} else {
		buf_append_str(&b, email);
	}
	hdr_token(h, sep, (const char *)b.data, b.len);
	buf_free(&b);
	return true;
}

static bool
hdr_addresses(struct hdr_line *h, const char *sep, json_t *list)
{
	size_t i;
	json_t *a;

	if (!json_is_array(list))
		return false;
	json_array_foreach(list, i, a) {
		if (i > 0)
			buf_append_byte(h->out, ',');
		if (!hdr_address(h, i > 0 ? " " : sep, a))
			return false;
	}
	return true;
}

/* [{name, addresses}]: a named group "name: a, b;", a null name the
 * addresses as they are */
static bool
hdr_grouped(struct hdr_line *h, json_t *groups)
{
	size_t i;
	json_t *g;

	if (!json_is_array(groups))
		return false;
	json_array_foreach(groups, i, g) {
		json_t *name = json_object_get(g, "name");
		json_t *list = json_object_get(g, "addresses");

		if (i > 0)
			buf_append_byte(h->out, ',');
		if (!json_is_object(g) || !json_is_array(list))
			return false;
		if (json_is_string(name)) {
			if (!hdr_valid_utf8(json_string_value(name),
					    json_string_length(name)))
				return false;
			hdr_phrase(h, " ", json_string_value(name));
			buf_append_byte(h->out, ':');
			if (!hdr_addresses(h, " ", list))
				return false;
			buf_append_byte(h->out, ';');
		} else if (json_is_null(name) || name == NULL) {
			if (!hdr_addresses(h, " ", list))
				return false;
		} else {
			return false;
		}
	}
	return true;
}

/* ["id@host"] -> "<id@host>" each */
static bool
hdr_bracketed(struct hdr_line *h, json_t *list, bool ids)
{
	size_t i;
	json_t *v;
	struct buf b = BUF_INIT;
	bool ok = json_is_array(list);

	json_array_foreach(list, i, v) {
		const char *s = json_string_value(v);

		ok = s != NULL && s[0] != '\0' && hdr_is_ascii(s, strlen(s)) &&
		     strpbrk(s, "<> \t") == NULL && (!ids || strchr(s, '@'));
		if (!ok)
			break;
		buf_reset(&b);
		buf_printf(&b, "<%s>", s);
		if (i > 0 && !ids)
			buf_append_byte(h->out, ',');
		hdr_token(h, " ", (const char *)b.data, b.len);
	}
	buf_free(&b);
	return ok;
}

/* a raw value: folded lines only (each CRLF followed by a space or a
 * tab), no other CR, LF or NUL */
static bool
hdr_raw_ok(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\0' || (s[i] == '\n' && (i == 0 ||
						      s[i - 1] != '\r')))
			return false;
		if (s[i] == '\r' && (i + 2 >= len || s[i + 1] != '\n' ||
				     (s[i + 2] != ' ' && s[i + 2] != '\t')))
			return false;
	}
	return true;
}

bool
jmap_hdr_date(struct buf *out, const char *d)
{
	static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr", "May",
		"Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	static const char *const wday[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
		"Fri", "Sat" };
	int y, mo, da, hh, mi, ss, oh = 0, om = 0, n = 0;
	char sign = '+';
	const char *z;
	struct tm tm = { 0 };
	time_t t;

	if (d == NULL || sscanf(d, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &da,
				&hh, &mi, &ss, &n) != 6 || n != 19)
		return false;
	z = d + n;
	if (*z == '.') {
		for (z++; *z >= '0' && *z <= '9'; z++)
			;
	}
	if ((*z == 'Z' || *z == 'z') && z[1] == '\0') {
		/* UTC */
	} else if ((*z == '+' || *z == '-') && strlen(z) == 6 &&
		   sscanf(z + 1, "%2d:%2d", &oh, &om) == 2 && z[3] == ':') {
		sign = *z;
	} else {
		return false;
	}
	if (mo < 1 || mo > 12 || da < 1 || da > 31 || hh > 23 || mi > 59 ||
	    ss > 60 || oh > 23 || om > 59 || y < 1900)
		return false;
	/* the weekday: timegm normalises a UTC struct tm */
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = da;
	tm.tm_hour = 12;
	t = timegm(&tm);
	gmtime_r(&t, &tm);
	if (tm.tm_mday != da)
		return false;	/* 31 February */
	buf_printf(out, "%s, %d %s %04d %02d:%02d:%02d %c%02d%02d",
		   wday[tm.tm_wday], da, mon[mo - 1], y, hh, mi, ss, sign, oh,
		   om);
	return true;
}

/* field names: printable ASCII without ':' (RFC 5322 2.2) */
static bool
hdr_name_ok(const char *s, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++)
		if (s[i] < 33 || s[i] > 126 || s[i] == ':')
			return false;
	return true;
}

bool
jmap_hdr_property(const char *prop, char **name_r, enum jmap_hdr_form *form_r,
		  bool *all_r)
{
	static const struct {
		const char *s;
		enum jmap_hdr_form f;
	} forms[] = {
		{ "asRaw", JMAP_HDR_RAW }, { "asText", JMAP_HDR_TEXT },
		{ "asAddresses", JMAP_HDR_ADDRESSES },
		{ "asGroupedAddresses", JMAP_HDR_GROUPED },
		{ "asMessageIds", JMAP_HDR_MESSAGEIDS },
		{ "asDate", JMAP_HDR_DATE }, { "asURLs", JMAP_HDR_URLS },
	};
	const char *name, *p;
	size_t nlen;

	if (strncmp(prop, "header:", 7) != 0)
		return false;
	name = prop + 7;
	nlen = strcspn(name, ":");
	if (!hdr_name_ok(name, nlen))
		return false;
	*form_r = JMAP_HDR_RAW;
	*all_r = false;
	p = name + nlen;
	if (*p == ':' && strncmp(p + 1, "as", 2) == 0) {
		size_t flen = strcspn(p + 1, ":");
		bool found = false;

		for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++)
			if (strlen(forms[i].s) == flen &&
			    strncmp(p + 1, forms[i].s, flen) == 0) {
				*form_r = forms[i].f;
				found = true;
			}
		if (!found)
			return false;
		p += 1 + flen;
	}
	if (strcmp(p, ":all") == 0)
		*all_r = true;
	else if (*p != '\0')
		return false;
	*name_r = xstrndup(name, nlen);
	return true;
}

/* the fields RFC 5322 and RFC 2369 define, with the forms they allow
 * besides raw; any other field allows every form */
bool
jmap_hdr_form_allowed(const char *name, enum jmap_hdr_form form)
{
	static const struct {
		const char *name;
		enum jmap_hdr_form form;
	} known[] = {
		{ "From", JMAP_HDR_ADDRESSES }, { "Sender", JMAP_HDR_ADDRESSES },
		{ "Reply-To", JMAP_HDR_ADDRESSES }, { "To", JMAP_HDR_ADDRESSES },
		{ "Cc", JMAP_HDR_ADDRESSES }, { "Bcc", JMAP_HDR_ADDRESSES },
		{ "Resent-From", JMAP_HDR_ADDRESSES },
		{ "Resent-Sender", JMAP_HDR_ADDRESSES },
		{ "Resent-Reply-To", JMAP_HDR_ADDRESSES },
		{ "Resent-To", JMAP_HDR_ADDRESSES },
		{ "Resent-Cc", JMAP_HDR_ADDRESSES },
		{ "Resent-Bcc", JMAP_HDR_ADDRESSES },
		{ "Subject", JMAP_HDR_TEXT }, { "Comments", JMAP_HDR_TEXT },
		{ "Keywords", JMAP_HDR_TEXT }, { "List-Id", JMAP_HDR_TEXT },
		{ "Message-ID", JMAP_HDR_MESSAGEIDS },
		{ "In-Reply-To", JMAP_HDR_MESSAGEIDS },
		{ "References", JMAP_HDR_MESSAGEIDS },
		{ "Resent-Message-ID", JMAP_HDR_MESSAGEIDS },
		{ "Date", JMAP_HDR_DATE }, { "Resent-Date", JMAP_HDR_DATE },
		{ "List-Help", JMAP_HDR_URLS }, { "List-Unsubscribe", JMAP_HDR_URLS },
		{ "List-Subscribe", JMAP_HDR_URLS }, { "List-Post", JMAP_HDR_URLS },
		{ "List-Owner", JMAP_HDR_URLS }, { "List-Archive", JMAP_HDR_URLS },
		{ "Return-Path", JMAP_HDR_RAW }, { "Received", JMAP_HDR_RAW },
	};
	bool is_known = false;

	if (form == JMAP_HDR_RAW)
		return true;
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		if (strcasecmp(known[i].name, name) != 0)
			continue;
		is_known = true;
		if (known[i].form == form || (form == JMAP_HDR_GROUPED &&
					      known[i].form ==
					      JMAP_HDR_ADDRESSES))
			return true;
	}
	return !is_known;
}

bool
jmap_hdr_field(struct buf *out, const char *name, enum jmap_hdr_form form,
	       json_t *v)
{
	size_t start = out->len;
	struct hdr_line h = { out, out->len };
	struct buf d = BUF_INIT;
	bool ok = true;
	const char *s = json_string_value(v);

	buf_printf(out, "%s:", name);
	switch (form) {
	case JMAP_HDR_RAW:
		/* the value as given, after the colon */
		ok = s != NULL && hdr_raw_ok(s, json_string_length(v));
		if (ok)
			buf_append(out, s, json_string_length(v));
		break;
	case JMAP_HDR_TEXT:
		ok = s != NULL && hdr_valid_utf8(s, json_string_length(v));
		if (ok)
			hdr_text(&h, s, json_string_length(v));
		break;
	case JMAP_HDR_ADDRESSES:
		ok = hdr_addresses(&h, " ", v);
		break;
	case JMAP_HDR_GROUPED:
		ok = hdr_grouped(&h, v);
		break;
	case JMAP_HDR_MESSAGEIDS:
		ok = hdr_bracketed(&h, v, true);
		break;
	case JMAP_HDR_URLS:
		ok = hdr_bracketed(&h, v, false);
		break;
	case JMAP_HDR_DATE:
		ok = jmap_hdr_date(&d, s);
		if (ok)
			hdr_token(&h, " ", (const char *)d.data, d.len);
		break;
	}
	buf_free(&d);
	if (!ok) {
		buf_truncate(out, start);
		return false;
	}
	buf_append(out, "\r\n", 2);
	return true;
}

void
jmap_hdr_param(struct buf *out, const char *name, const char *value)
{
	size_t len = strlen(value);

	buf_printf(out, ";\r\n %s", name);
	if (hdr_is_ascii(value, len)) {
		buf_append_str(out, "=\"");
		for (size_t i = 0; i < len; i++) {
			if (value[i] == '"' || value[i] == '\\')
				buf_append_byte(out, '\\');
			buf_append_byte(out, (unsigned char)value[i]);
		}
		buf_append_byte(out, '"');
		return;
	}
	/* RFC 2231 4: charset''percent-encoded */
	buf_append_str(out, "*=utf-8''");
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)value[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("!#$&+-.^_`|~", c))
			buf_append_byte(out, c);
		else
			buf_printf(out, "%%%02X", c);
	}
}
