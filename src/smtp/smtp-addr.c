/* smtp-addr.c - RFC 5321 path parsing (contract in smtp-addr.h) */
#include "smtp/smtp-addr.h"

#include <arpa/inet.h>
#include <string.h>

static bool
smtp_addr_atext(unsigned char c, bool utf8)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return true;
	if (c >= 0x80)
		return utf8;
	return c != 0 && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

static bool
smtp_addr_letdig(unsigned char c, bool utf8)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || (utf8 && c >= 0x80);
}

bool
smtp_addr_valid_utf8(const unsigned char *p, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned char c = p[i];
		size_t n;
		unsigned cp;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		if (len - i <= n)
			return false;
		for (size_t k = 1; k <= n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += n + 1;
	}
	return true;
}

bool
smtp_addr_valid_domain(struct slice d, bool utf8)
{
	size_t label = 0;

	if (d.len == 0 || d.len > SMTP_DOMAIN_MAX)
		return false;
	for (size_t i = 0; i < d.len; i++) {
		unsigned char c = d.p[i];

		if (c == '.') {
			/* a label ends in a let-dig */
			if (label == 0 || d.p[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (c == '-') {
			if (label == 0)
				return false;
		} else if (!smtp_addr_letdig(c, utf8)) {
			return false;
		}
		if (++label > 63)
			return false;
	}
	if (label == 0 || d.p[d.len - 1] == '-')
		return false;
	return !utf8 || smtp_addr_valid_utf8(d.p, d.len);
}

bool
smtp_addr_valid_literal(struct slice d)
{
	char tmp[128];
	unsigned char addr[16];
	size_t n;

	if (d.len < 3 || d.p[0] != '[' || d.p[d.len - 1] != ']')
		return false;
	n = d.len - 2;
	if (n >= sizeof(tmp))
		return false;
	memcpy(tmp, d.p + 1, n);
	tmp[n] = '\0';
	if (n > 5 && strncasecmp(tmp, "IPv6:", 5) == 0)
		return inet_pton(AF_INET6, tmp + 5, addr) == 1;
	if (inet_pton(AF_INET, tmp, addr) == 1)
		return true;
	/* General-address-literal = Standardized-tag ":" 1*dcontent */
	const char *colon = strchr(tmp, ':');
	if (colon == NULL || colon == tmp || colon[1] == '\0')
		return false;
	for (const char *p = tmp; p < colon; p++)
		if (!smtp_addr_letdig((unsigned char)*p, false) && *p != '-')
			return false;
	for (const char *p = colon + 1; *p; p++)
		if (*p < 33 || *p > 126 || *p == '[' || *p == ']' || *p == '\\')
			return false;
	return true;
}

/* skip "@dom,@dom:" (RFC 5321 4.1.2: MUST accept, SHOULD ignore) */
static bool
smtp_addr_skip_route(struct slice s, size_t *i)
{
	size_t j = *i;

	while (j < s.len && s.p[j] == '@') {
		size_t start = ++j;

		while (j < s.len && s.p[j] != ',' && s.p[j] != ':')
			j++;
		if (j == s.len)
			return false;
		struct slice dom = { s.p + start, j - start };
		if (!smtp_addr_valid_domain(dom, false) &&
		    !smtp_addr_valid_literal(dom))
			return false;
		if (s.p[j++] == ':') {
			*i = j;
			return true;
		}
	}
	return false;
}

/* Quoted-string: copies the raw text (quotes included) into out;
 * *plain_r says if its content is a Dot-string that needs no quotes */
static enum smtp_addr_result
smtp_addr_quoted(struct slice s, size_t *i, bool utf8, struct buf *raw,
		 struct buf *content)
{
	size_t j = *i + 1;

	buf_append_byte(raw, '"');
	for (;;) {
		if (j >= s.len)
			return SMTP_ADDR_SYNTAX;
		unsigned char c = s.p[j];
		if (c == '"')
			break;
		if (c == '\\') {
			if (j + 1 >= s.len || s.p[j + 1] < 32 || s.p[j + 1] > 126)
				return SMTP_ADDR_SYNTAX;
			buf_append(raw, s.p + j, 2);
			buf_append_byte(content, s.p[j + 1]);
			j += 2;
			continue;
		}
		if (c >= 0x80) {
			if (!utf8)
				return SMTP_ADDR_NEED_UTF8;
		} else if (c < 32 || c > 126) {
			return SMTP_ADDR_SYNTAX;
		}
		buf_append_byte(raw, c);
		buf_append_byte(content, c);
		j++;
	}
	buf_append_byte(raw, '"');
	*i = j + 1;
	return SMTP_ADDR_OK;
}

static bool
smtp_addr_is_dot_string(const unsigned char *p, size_t len, bool utf8)
{
	if (len == 0 || p[0] == '.' || p[len - 1] == '.')
		return false;
	for (size_t i = 0; i < len; i++) {
		if (p[i] == '.') {
			if (p[i - 1] == '.')
				return false;
		} else if (!smtp_addr_atext(p[i], utf8)) {
			return false;
		}
	}
	return true;
}

static bool
smtp_addr_has_8bit(const unsigned char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] >= 0x80)
			return true;
	return false;
}

static enum smtp_addr_result
smtp_addr_mailbox(struct slice s, size_t *i, bool utf8, struct smtp_path *path)
{
	struct buf local = BUF_INIT, content = BUF_INIT;
	enum smtp_addr_result r = SMTP_ADDR_SYNTAX;
	size_t j = *i, start;

	if (j < s.len && s.p[j] == '"') {
		r = smtp_addr_quoted(s, &j, utf8, &local, &content);
		if (r != SMTP_ADDR_OK)
			goto out;
		r = SMTP_ADDR_SYNTAX;
		if (smtp_addr_is_dot_string(content.data, content.len, utf8)) {
			buf_reset(&local);
			buf_append(&local, content.data, content.len);
		}
	} else {
		start = j;
		while (j < s.len && (s.p[j] == '.' || s.p[j] >= 0x80 ||
				     smtp_addr_atext(s.p[j], true)))
			j++;
		buf_append(&local, s.p + start, j - start);
		if (!smtp_addr_is_dot_string(local.data, local.len, true))
			goto out;
	}
	if (smtp_addr_has_8bit(local.data, local.len) && !utf8) {
		r = SMTP_ADDR_NEED_UTF8;
		goto out;
	}
	if (local.len > SMTP_LOCAL_MAX) {
		r = SMTP_ADDR_TOO_LONG;
		goto out;
	}
	if (j >= s.len || s.p[j] != '@') {
		/* "<Postmaster>" (RFC 5321 4.5.1) has no domain */
		if (j < s.len && s.p[j] == '>' &&
		    slice_case_eq_cstr(buf_slice(&local), "postmaster")) {
			path->postmaster = true;
			memcpy(path->addr, "postmaster", 11);
			path->local_len = 10;
			path->domain = path->addr + 10;
			*i = j;
			r = SMTP_ADDR_OK;
		}
		goto out;
	}
	start = ++j;
	if (j < s.len && s.p[j] == '[') {
		while (j < s.len && s.p[j] != ']')
			j++;
		if (j < s.len)
			j++;
		if (!smtp_addr_valid_literal((struct slice){ s.p + start, j - start }))
			goto out;
		path->literal = true;
	} else {
		while (j < s.len && s.p[j] != '>')
			j++;
		struct slice dom = { s.p + start, j - start };
		if (dom.len > SMTP_DOMAIN_MAX) {
			r = SMTP_ADDR_TOO_LONG;
			goto out;
		}
		if (smtp_addr_has_8bit(dom.p, dom.len) && !utf8) {
			r = SMTP_ADDR_NEED_UTF8;
			goto out;
		}
		if (!smtp_addr_valid_domain(dom, utf8))
			goto out;
	}
	if (utf8 && !smtp_addr_valid_utf8(local.data, local.len))
		goto out;
	memcpy(path->addr, local.data, local.len);
	path->local_len = local.len;
	path->addr[local.len] = '@';
	memcpy(path->addr + local.len + 1, s.p + start, j - start);
	path->addr[local.len + 1 + (j - start)] = '\0';
	path->domain = path->addr + local.len + 1;
	path->utf8 = smtp_addr_has_8bit((const unsigned char *)path->addr,
					strlen(path->addr));
	*i = j;
	r = SMTP_ADDR_OK;
out:
	buf_free(&local);
	buf_free(&content);
	return r;
}

enum smtp_addr_result
smtp_addr_parse_path(struct slice s, bool allow_null, bool smtputf8,
		     struct smtp_path *path, struct slice *rest_r)
{
	enum smtp_addr_result r;
	size_t i = 1;

	memset(path, 0, sizeof(*path));
	path->domain = path->addr;
	if (s.len < 2 || s.p[0] != '<')
		return SMTP_ADDR_SYNTAX;
	if (s.p[1] == '>') {
		if (!allow_null)
			return SMTP_ADDR_SYNTAX;
		path->null = true;
		i = 2;
		goto done;
	}
	if (s.p[1] == '@' && !smtp_addr_skip_route(s, &i))
		return SMTP_ADDR_SYNTAX;
	r = smtp_addr_mailbox(s, &i, smtputf8, path);
	if (r != SMTP_ADDR_OK)
		return r;
	if (i >= s.len || s.p[i] != '>')
		return SMTP_ADDR_SYNTAX;
	i++;
done:
	/* parameters are separated from the path by a space */
	if (i < s.len && s.p[i] != ' ')
		return SMTP_ADDR_SYNTAX;
	rest_r->p = s.p + i;
	rest_r->len = s.len - i;
	return SMTP_ADDR_OK;
}

const char *
smtp_addr_strerror(enum smtp_addr_result r)
{
	switch (r) {
	case SMTP_ADDR_OK:
		return "ok";
	case SMTP_ADDR_SYNTAX:
		return "syntax error in address";
	case SMTP_ADDR_TOO_LONG:
		return "address too long";
	case SMTP_ADDR_NEED_UTF8:
		return "non-ASCII address needs SMTPUTF8";
	}
	return "?";
}
