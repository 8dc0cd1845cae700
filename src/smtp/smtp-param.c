/* smtp-param.c - ESMTP parameter parsing (contract in smtp-param.h) */
#include "smtp/smtp-param.h"

#include <string.h>

static const struct smtp_status smtp_param_syntax = {
	501, "5.5.4", "Syntax error in parameters"
};
static const struct smtp_status smtp_param_unknown = {
	555, "5.5.4", "Unsupported parameter"
};
static const struct smtp_status smtp_param_dup = {
	501, "5.5.4", "Duplicate parameter"
};
static const struct smtp_status smtp_param_body = {
	555, "5.5.4", "Unsupported BODY type"
};

static int
smtp_param_hex(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool
smtp_xtext_decode(struct slice s, struct buf *out)
{
	for (size_t i = 0; i < s.len; i++) {
		unsigned char c = s.p[i];

		if (c == '+') {
			int hi, lo;

			if (i + 2 >= s.len)
				return false;
			hi = smtp_param_hex(s.p[i + 1]);
			lo = smtp_param_hex(s.p[i + 2]);
			if (hi < 0 || lo < 0)
				return false;
			if (out)
				buf_append_byte(out, (unsigned char)(hi << 4 | lo));
			i += 2;
		} else if (c < 33 || c > 126 || c == '=') {
			return false;
		} else if (out) {
			buf_append_byte(out, c);
		}
	}
	return true;
}

/* next "KEY[=VALUE]" token; false at the end */
static bool
smtp_param_next(struct slice *s, struct slice *key, struct slice *val,
		bool *has_val)
{
	size_t i = 0, start;

	while (i < s->len && s->p[i] == ' ')
		i++;
	if (i == s->len)
		return false;
	start = i;
	while (i < s->len && s->p[i] != ' ' && s->p[i] != '=')
		i++;
	*key = (struct slice){ s->p + start, i - start };
	*has_val = false;
	*val = (struct slice){ s->p + i, 0 };
	if (i < s->len && s->p[i] == '=') {
		start = ++i;
		while (i < s->len && s->p[i] != ' ')
			i++;
		*val = (struct slice){ s->p + start, i - start };
		*has_val = true;
	}
	s->p += i;
	s->len -= i;
	return true;
}

/* esmtp-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-");
 * esmtp-value = 1*(%d33-60 / %d62-126) (UTF-8 allowed with SMTPUTF8,
 * which we accept in any case: the value is checked per keyword) */
static bool
smtp_param_valid(struct slice key, struct slice val, bool has_val)
{
	if (key.len == 0 || key.p[0] == '-')
		return false;
	for (size_t i = 0; i < key.len; i++) {
		unsigned char c = key.p[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-'))
			return false;
	}
	if (has_val && val.len == 0)
		return false;
	for (size_t i = 0; i < val.len; i++)
		if (val.p[i] < 33 || val.p[i] == '=' || val.p[i] == 127)
			return false;
	return true;
}

static bool
smtp_param_copy(char *dst, size_t cap, struct slice v)
{
	if (v.len >= cap)
		return false;
	memcpy(dst, v.p, v.len);
	dst[v.len] = '\0';
	return true;
}

const struct smtp_status *
smtp_param_mail(struct slice s, bool dsn, struct smtp_mail_params *p)
{
	struct slice key, val;
	bool has_val, seen_ret = false;

	memset(p, 0, sizeof(*p));
	while (smtp_param_next(&s, &key, &val, &has_val)) {
		if (!smtp_param_valid(key, val, has_val))
			return &smtp_param_syntax;
		if (slice_case_eq_cstr(key, "SIZE")) {
			if (p->has_size)
				return &smtp_param_dup;
			if (!has_val || val.len > 20 ||
			    !slice_to_u64(val, &p->size))
				return &smtp_param_syntax;
			p->has_size = true;
		} else if (slice_case_eq_cstr(key, "BODY")) {
			if (p->body != SMTP_BODY_NONE)
				return &smtp_param_dup;
			if (slice_case_eq_cstr(val, "7BIT"))
				p->body = SMTP_BODY_7BIT;
			else if (slice_case_eq_cstr(val, "8BITMIME"))
				p->body = SMTP_BODY_8BITMIME;
			else if (has_val)
				return &smtp_param_body;
			else
				return &smtp_param_syntax;
		} else if (slice_case_eq_cstr(key, "SMTPUTF8")) {
			if (p->smtputf8)
				return &smtp_param_dup;
			if (has_val)
				return &smtp_param_syntax;
			p->smtputf8 = true;
		} else if (dsn && slice_case_eq_cstr(key, "RET")) {
			if (seen_ret)
				return &smtp_param_dup;
			seen_ret = true;
			if (slice_case_eq_cstr(val, "FULL"))
				p->ret = STORE_RET_FULL;
			else if (slice_case_eq_cstr(val, "HDRS"))
				p->ret = STORE_RET_HDRS;
			else
				return &smtp_param_syntax;
		} else if (dsn && slice_case_eq_cstr(key, "ENVID")) {
			struct buf dec = BUF_INIT;
			bool ok;

			if (p->envid[0])
				return &smtp_param_dup;
			ok = has_val && smtp_xtext_decode(val, &dec) &&
			     dec.len <= SMTP_ENVID_MAX &&
			     smtp_param_copy(p->envid, sizeof(p->envid), val);
			buf_free(&dec);
			if (!ok)
				return &smtp_param_syntax;
		} else if (slice_case_eq_cstr(key, "AUTH")) {
			if (p->auth[0])
				return &smtp_param_dup;
			if (!has_val || !smtp_xtext_decode(val, NULL) ||
			    !smtp_param_copy(p->auth, sizeof(p->auth), val))
				return &smtp_param_syntax;
		} else {
			return &smtp_param_unknown;
		}
	}
	return NULL;
}

static bool
smtp_param_notify(struct slice v, unsigned *notify)
{
	unsigned bits = 0;

	while (v.len > 0) {
		ptrdiff_t comma = slice_find(v, ',');
		struct slice w = { v.p, comma < 0 ? v.len : (size_t)comma };
		unsigned bit;

		if (slice_case_eq_cstr(w, "NEVER"))
			bit = STORE_NOTIFY_NEVER;
		else if (slice_case_eq_cstr(w, "SUCCESS"))
			bit = STORE_NOTIFY_SUCCESS;
		else if (slice_case_eq_cstr(w, "FAILURE"))
			bit = STORE_NOTIFY_FAILURE;
		else if (slice_case_eq_cstr(w, "DELAY"))
			bit = STORE_NOTIFY_DELAY;
		else
			return false;
		if (bits & bit)
			return false;
		bits |= bit;
		if (comma < 0)
			break;
		v.p += comma + 1;
		v.len -= (size_t)comma + 1;
		if (v.len == 0)
			return false;
	}
	/* NEVER stands alone (RFC 3461 4.1) */
	if (bits == 0 || ((bits & STORE_NOTIFY_NEVER) && bits != STORE_NOTIFY_NEVER))
		return false;
	*notify = bits;
	return true;
}

const struct smtp_status *
smtp_param_rcpt(struct slice s, bool dsn, struct smtp_rcpt_params *p)
{
	struct slice key, val;
	bool has_val;

	memset(p, 0, sizeof(*p));
	while (smtp_param_next(&s, &key, &val, &has_val)) {
		if (!smtp_param_valid(key, val, has_val))
			return &smtp_param_syntax;
		if (dsn && slice_case_eq_cstr(key, "NOTIFY")) {
			if (p->notify)
				return &smtp_param_dup;
			if (!smtp_param_notify(val, &p->notify))
				return &smtp_param_syntax;
		} else if (dsn && slice_case_eq_cstr(key, "ORCPT")) {
			ptrdiff_t semi = slice_find(val, ';');

			if (p->orcpt[0])
				return &smtp_param_dup;
			struct slice type = { val.p, semi < 0 ? 0 : (size_t)semi };
			struct slice addr = { val.p + semi + 1,
					      val.len - (size_t)(semi + 1) };

			/* utf-8 type (RFC 6533) carries utf-8-addr-xtext or
			 * unitext: passed through as received */
			if (semi <= 0 || addr.len == 0 ||
			    (!slice_case_eq_cstr(type, "utf-8") &&
			     !smtp_xtext_decode(addr, NULL)) ||
			    !smtp_param_copy(p->orcpt, sizeof(p->orcpt), val))
				return &smtp_param_syntax;
			for (ptrdiff_t i = 0; i < semi; i++) {
				unsigned char c = val.p[i];
				if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
				      (c >= '0' && c <= '9') || c == '-'))
					return &smtp_param_syntax;
			}
		} else {
			return &smtp_param_unknown;
		}
	}
	return NULL;
}
