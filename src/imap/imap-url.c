/* imap-url.c - IMAP URL parser (RFC 5092 sections 3, 11) for the URLs
 * CATENATE and URLFETCH name: one message or part, with URLAUTH's
 * ";EXPIRE=" and ";URLAUTH=" (RFC 4467 section 3) on absolute ones */
#include "imap/imap-url.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "lib/buf.h"
#include "lib/hex.h"

/* longest URL taken: a mailbox name and a section fit easily */
#define IMAP_URL_MAX 8192

static bool
is_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		(c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
		c == '~';
}

/* bchar (RFC 5092): achar / ":" / "@" / "/", achar = uchar / "&" / "=" /
 * "~", uchar = unreserved / pct-encoded / sub-delims-sh; pct-encoded is
 * handled by the caller */
static bool
is_bchar(unsigned char c)
{
	if (is_unreserved(c))
		return true;
	return strchr("!$'()*+,&=:@/", c) != NULL && c != '\0';
}

/* decode bchars from s[*pos] up to a byte not a bchar or a "/" right
 * before ";" (the next URL component); NULL if empty, on a bad %XX or a
 * decoded NUL (*bad set for those two) */
static char *
take_enc(const char *s, size_t len, size_t *pos, bool *bad)
{
	struct buf b = BUF_INIT;
	size_t i = *pos;

	while (i < len) {
		unsigned char c = (unsigned char)s[i];

		if (c == '/' && i + 1 < len && s[i + 1] == ';')
			break;
		if (c == '%') {
			int h, l;

			if (i + 2 >= len ||
			    (h = hex_digit((unsigned char)s[i + 1])) < 0 ||
			    (l = hex_digit((unsigned char)s[i + 2])) < 0 ||
			    (h == 0 && l == 0)) {
				*bad = true;
				break;
			}
			buf_append_byte(&b, (unsigned char)(h * 16 + l));
			i += 3;
			continue;
		}
		if (!is_bchar(c))
			break;
		buf_append_byte(&b, c);
		i++;
	}
	*pos = i;
	if (*bad || b.len == 0) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

/* ";NAME=" at s[*pos], case-insensitive */
static bool
take_key(const char *s, size_t len, size_t *pos, const char *name)
{
	size_t n = strlen(name);

	if (*pos + n > len || strncasecmp(s + *pos, name, n) != 0)
		return false;
	*pos += n;
	return true;
}

/* number (nz: no leading zero, > 0) */
static bool
take_number(const char *s, size_t len, size_t *pos, bool nz, uint32_t *out)
{
	uint64_t v = 0;
	size_t i = *pos;

	if (i >= len || s[i] < '0' || s[i] > '9')
		return false;
	if (nz && s[i] == '0')
		return false;
	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
		v = v * 10 + (uint64_t)(s[i] - '0');
		if (v > UINT32_MAX)
			return false;
	}
	*pos = i;
	*out = (uint32_t)v;
	return true;
}

/* iserver = [iuserinfo "@"] host [":" port]; *pos after "imap://" */
static bool
parse_server(const char *s, size_t len, size_t *pos, struct imap_url *u,
	     const char **err)
{
	size_t i = *pos, end = i, at = len;
	bool bad = false;

	while (end < len && s[end] != '/')
		end++;
	for (size_t k = i; k < end; k++)
		if (s[k] == '@')
			at = k;
	if (at < end) {
		size_t p = i, semi = i;

		while (semi < at && s[semi] != ';')
			semi++;
		if (semi < at && !take_key(s, at, &(size_t){ semi }, ";AUTH=")) {
			*err = "Invalid userinfo";
			return false;
		}
		if (semi > i) {
			char *tmp;

			/* enc-user: achars (no "/", ":" or "@") */
			for (size_t k = i; k < semi; k++)
				if (strchr("/:@", s[k]) != NULL) {
					*err = "Invalid user name";
					return false;
				}
			tmp = take_enc(s, semi, &p, &bad);
			if (tmp == NULL || p != semi) {
				free(tmp);
				*err = "Invalid user name";
				return false;
			}
			u->user = tmp;
		}
		i = at + 1;
	}
	/* host: reg-name or [IPv6]; no percent-decoding needed for a match */
	size_t h0 = i, colon = end;

	if (i < end && s[i] == '[') {
		while (i < end && s[i] != ']')
			i++;
		if (i == end) {
			*err = "Invalid host";
			return false;
		}
		i++;
		colon = i;
	} else {
		while (i < end && s[i] != ':') {
			if (!is_unreserved((unsigned char)s[i]) &&
			    strchr("!$&'()*+,;=%", s[i]) == NULL) {
				*err = "Invalid host";
				return false;
			}
			i++;
		}
		colon = i;
	}
	if (colon == h0) {
		*err = "Missing host";
		return false;
	}
	u->host = xstrndup(s + h0, colon - h0);
	if (colon < end) {
		uint32_t port;
		size_t p = colon + 1;

		if (s[colon] != ':' || !take_number(s, end, &p, false, &port) ||
		    p != end || port > 65535) {
			*err = "Invalid port";
			return false;
		}
		u->port = (uint16_t)port;
	}
	*pos = end;
	return true;
}

/* n digits at s[*pos] */
static bool
take_digits(const char *s, size_t len, size_t *pos, int n, int *out)
{
	int v = 0;

	for (int k = 0; k < n; k++, (*pos)++) {
		if (*pos >= len || s[*pos] < '0' || s[*pos] > '9')
			return false;
		v = v * 10 + (s[*pos] - '0');
	}
	*out = v;
	return true;
}

/* RFC 3339 date-time, up to the end of s[..len) */
static bool
parse_datetime(const char *s, size_t len, int64_t *out)
{
	struct tm tm = { 0 };
	size_t i = 0;
	int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;

	if (!take_digits(s, len, &i, 4, &y) || i >= len || s[i++] != '-' ||
	    !take_digits(s, len, &i, 2, &mo) || i >= len || s[i++] != '-' ||
	    !take_digits(s, len, &i, 2, &d) || i >= len ||
	    (s[i] != 'T' && s[i] != 't'))
		return false;
	i++;
	if (!take_digits(s, len, &i, 2, &h) || i >= len || s[i++] != ':' ||
	    !take_digits(s, len, &i, 2, &mi) || i >= len || s[i++] != ':' ||
	    !take_digits(s, len, &i, 2, &sec))
		return false;
	if (i < len && s[i] == '.') {
		size_t f = ++i;

		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == f)
			return false;
	}
	if (i < len && (s[i] == 'Z' || s[i] == 'z')) {
		i++;
	} else if (i < len && (s[i] == '+' || s[i] == '-')) {
		sign = s[i++] == '+' ? 1 : -1;
		if (!take_digits(s, len, &i, 2, &oh) || i >= len ||
		    s[i++] != ':' || !take_digits(s, len, &i, 2, &om) ||
		    oh > 23 || om > 59)
			return false;
	} else {
		return false;
	}
	if (i != len || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 ||
	    mi > 59 || sec > 60)
		return false;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	*out = (int64_t)timegm(&tm) - sign * (oh * 3600 + om * 60);
	return true;
}

/* [";EXPIRE=" date-time] ";URLAUTH=" access [":" mech ":" token] at
 * s[*pos], to the end of the URL (RFC 5092 11, RFC 4467 3) */
static bool
parse_urlauth(const char *s, size_t len, size_t *pos, struct imap_url *u,
	      const char **err)
{
	size_t i = *pos, e, colon;
	bool bad = false;

	if (take_key(s, len, &i, ";EXPIRE=")) {
		for (e = i; e < len && s[e] != ';'; e++)
			;
		if (!parse_datetime(s + i, e - i, &u->expire)) {
			*err = "Invalid EXPIRE";
			return false;
		}
		u->has_expire = true;
		i = e;
	}
	if (!take_key(s, len, &i, ";URLAUTH=")) {
		*err = u->has_expire ? "EXPIRE without URLAUTH" :
			"Unexpected data in the URL";
		return false;
	}
	for (colon = i; colon < len && s[colon] != ':'; colon++)
		;
	if (colon - i == 9 && strncasecmp(s + i, "anonymous", 9) == 0) {
		u->access = IMAP_URL_ACCESS_ANONYMOUS;
	} else if (colon - i == 8 && strncasecmp(s + i, "authuser", 8) == 0) {
		u->access = IMAP_URL_ACCESS_AUTHUSER;
	} else {
		size_t p = i;

		if (take_key(s, colon, &p, "submit+"))
			u->access = IMAP_URL_ACCESS_SUBMIT;
		else if (take_key(s, colon, &p, "user+"))
			u->access = IMAP_URL_ACCESS_USER;
		else {
			*err = "Invalid URLAUTH access identifier";
			return false;
		}
		/* enc-user: achars only (take_enc allows "/", "@" too) */
		for (size_t k = p; k < colon; k++)
			if (s[k] == '/' || s[k] == '@') {
				*err = "Invalid URLAUTH user";
				return false;
			}
		u->access_user = take_enc(s, colon, &p, &bad);
		if (u->access_user == NULL || p != colon) {
			*err = "Invalid URLAUTH user";
			return false;
		}
	}
	u->rump_len = colon;
	if (colon < len) {
		/* ":" mechanism ":" enc-urlauth (32*HEXDIG) */
		size_t m = colon + 1, t;

		for (t = m; t < len && s[t] != ':'; t++)
			if (!is_unreserved((unsigned char)s[t]) || s[t] == '_' ||
			    s[t] == '~') {
				*err = "Invalid URLAUTH mechanism";
				return false;
			}
		if (t == m || t == len) {
			*err = "Invalid URLAUTH mechanism";
			return false;
		}
		for (size_t k = t + 1; k < len; k++)
			if (hex_digit((unsigned char)s[k]) < 0) {
				*err = "Invalid URLAUTH token";
				return false;
			}
		if (len - (t + 1) < 32) {
			*err = "Invalid URLAUTH token";
			return false;
		}
		u->mech = xstrndup(s + m, t - m);
		u->token = xstrndup(s + t + 1, len - (t + 1));
	}
	*pos = len;
	return true;
}

void
imap_url_clear(struct imap_url *u)
{
	free(u->access_user);
	free(u->mech);
	free(u->token);
	free(u->user);
	free(u->host);
	free(u->mailbox);
	free(u->section);
	memset(u, 0, sizeof(*u));
}

bool
imap_url_parse(const char *s, size_t len, struct imap_url *u,
	       const char **error_r)
{
	size_t i = 0;
	bool bad = false, need_uid;
	const char *err = "Invalid IMAP URL";

	memset(u, 0, sizeof(*u));
	if (len == 0 || len > IMAP_URL_MAX || memchr(s, '\0', len) != NULL)
		goto fail;
	if (len >= 7 && strncasecmp(s, "imap://", 7) == 0) {
		u->absolute = true;
		i = 7;
		if (!parse_server(s, len, &i, u, &err))
			goto fail;
		if (i == len || s[i] != '/') {
			err = "No message in the URL";
			goto fail;
		}
	}
	if (i < len && s[i] == '/') {
		/* "/" enc-mailbox [";UIDVALIDITY=" n] "/;UID=" n */
		i++;
		u->mailbox = take_enc(s, len, &i, &bad);
		if (u->mailbox == NULL) {
			err = bad ? "Invalid %-encoding" : "Missing mailbox";
			goto fail;
		}
		if (take_key(s, len, &i, ";UIDVALIDITY=") &&
		    !take_number(s, len, &i, true, &u->uidvalidity)) {
			err = "Invalid UIDVALIDITY";
			goto fail;
		}
		if (i >= len || s[i] != '/') {
			err = "No message in the URL";
			goto fail;
		}
		i++;
		need_uid = true;
	} else {
		/* relative to the selected mailbox: ";UID=" n ... */
		need_uid = true;
	}
	if (need_uid && (!take_key(s, len, &i, ";UID=") ||
			 !take_number(s, len, &i, true, &u->uid))) {
		err = "Invalid or missing UID";
		goto fail;
	}
	if (i + 1 < len && s[i] == '/' &&
	    take_key(s, len, &(size_t){ i + 1 }, ";SECTION=")) {
		i += 1 + strlen(";SECTION=");
		u->section = take_enc(s, len, &i, &bad);
		if (u->section == NULL) {
			err = bad ? "Invalid %-encoding" : "Empty section";
			goto fail;
		}
	}
	if (i + 1 < len && s[i] == '/' &&
	    take_key(s, len, &(size_t){ i + 1 }, ";PARTIAL=")) {
		i += 1 + strlen(";PARTIAL=");
		u->partial = true;
		if (!take_number(s, len, &i, false, &u->p_off)) {
			err = "Invalid PARTIAL";
			goto fail;
		}
		if (i < len && s[i] == '.') {
			i++;
			if (!take_number(s, len, &i, true, &u->p_len)) {
				err = "Invalid PARTIAL";
				goto fail;
			}
		}
	}
	if (i < len && s[i] == ';') {
		if (!u->absolute) {
			err = "URLAUTH needs an absolute URL";
			goto fail;
		}
		if (!parse_urlauth(s, len, &i, u, &err))
			goto fail;
	}
	if (i < len) {
		err = "Unexpected data in the URL";
		goto fail;
	}
	return true;
fail:
	imap_url_clear(u);
	*error_r = err;
	return false;
}
