/* imap-util.c - small helpers: strings, flags, dates, mailbox names,
 * store errors as IMAP responses */
#include "imap/imap-private.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "auth/auth.h"
#include "imap/imap-utf7.h"
#include "store/store.h"

static void
imap_append_string8(struct buf *out, const char *s, size_t len, bool utf8)
{
	size_t i;
	bool literal = false;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\r' || c == '\n' || c == '\0' || (c >= 0x80 && !utf8))
			literal = true;
	}
	if (literal) {
		buf_printf(out, "{%zu}\r\n", len);
		buf_append(out, s, len);
		return;
	}
	buf_append_byte(out, '"');
	for (i = 0; i < len; i++) {
		if (s[i] == '"' || s[i] == '\\')
			buf_append_byte(out, '\\');
		buf_append_byte(out, (unsigned char)s[i]);
	}
	buf_append_byte(out, '"');
}

void
imap_append_astring(struct buf *out, const char *s, size_t len)
{
	imap_append_string8(out, s, len, false);
}

static const struct {
	uint32_t bit;
	const char *name;
} imap_sys_flags[] = {
	{ STORE_F_ANSWERED, "\\Answered" },
	{ STORE_F_FLAGGED, "\\Flagged" },
	{ STORE_F_DELETED, "\\Deleted" },
	{ STORE_F_SEEN, "\\Seen" },
	{ STORE_F_DRAFT, "\\Draft" },
};

void
imap_append_flags(struct buf *out, uint32_t flags, const char *kw)
{
	bool first = true;
	size_t i;

	buf_append_byte(out, '(');
	for (i = 0; i < sizeof(imap_sys_flags) / sizeof(imap_sys_flags[0]);
	     i++) {
		if (!(flags & imap_sys_flags[i].bit))
			continue;
		if (!first)
			buf_append_byte(out, ' ');
		buf_append_str(out, imap_sys_flags[i].name);
		first = false;
	}
	if (flags & IMAP_F_RECENT) {
		buf_append_str(out, first ? "\\Recent" : " \\Recent");
		first = false;
	}
	if (kw != NULL && kw[0] != '\0') {
		if (!first)
			buf_append_byte(out, ' ');
		buf_append_str(out, kw);
	}
	buf_append_byte(out, ')');
}

static bool
imap_flag_one(const struct imap_arg *a, uint32_t *flags, struct buf *kw)
{
	size_t i;
	const char *s;

	if (a->type != IMAP_ARG_ATOM)
		return false;
	s = a->u.str;
	if (s[0] == '\\') {
		for (i = 0; i < sizeof(imap_sys_flags) /
			    sizeof(imap_sys_flags[0]); i++) {
			if (strcasecmp(s, imap_sys_flags[i].name) == 0) {
				*flags |= imap_sys_flags[i].bit;
				return true;
			}
		}
		return false;
	}
	for (i = 0; s[i]; i++) {
		unsigned char c = (unsigned char)s[i];

		/* keyword = atom: no list-wildcards, quoted or resp specials */
		if (c == '%' || c == '*' || c == ']' || c == '\\' ||
		    c >= 0x80)
			return false;
	}
	if (kw->len > 0)
		buf_append_byte(kw, ' ');
	buf_append_str(kw, s);
	return true;
}

bool
imap_parse_flags(const struct imap_arg *a, uint32_t *flags_r,
		 struct buf *keywords)
{
	*flags_r = 0;
	if (a->type != IMAP_ARG_LIST)
		return imap_flag_one(a, flags_r, keywords);
	for (a = a->u.list; a->type != IMAP_ARG_EOL; a++) {
		if (!imap_flag_one(a, flags_r, keywords))
			return false;
	}
	return true;
}

static const char imap_months[12][4] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

void
imap_append_date(struct buf *out, int64_t t, int32_t tz)
{
	time_t lt = (time_t)(t + (int64_t)tz * 60);
	struct tm tm;
	int32_t az = tz < 0 ? -tz : tz;

	char d[32];
	int y;

	gmtime_r(&lt, &tm);
	y = tm.tm_year + 1900;
	if (y < 0 || y > 9999 || az / 60 > 99) {
		buf_printf(out, "\"%2d-%s-%04d %02d:%02d:%02d %c%02d%02d\"",
			   tm.tm_mday, imap_months[tm.tm_mon], y,
			   tm.tm_hour, tm.tm_min, tm.tm_sec,
			   tz < 0 ? '-' : '+', az / 60, az % 60);
		return;
	}
	/* by hand: FETCH answers a thousand of these at a time */
	memcpy(d, "\"dd-Mon-yyyy hh:mm:ss +hhmm\"", 28);
	d[1] = tm.tm_mday >= 10 ? (char)('0' + tm.tm_mday / 10) : ' ';
	d[2] = (char)('0' + tm.tm_mday % 10);
	memcpy(d + 4, imap_months[tm.tm_mon], 3);
	d[8] = (char)('0' + y / 1000);
	d[9] = (char)('0' + y / 100 % 10);
	d[10] = (char)('0' + y / 10 % 10);
	d[11] = (char)('0' + y % 10);
	d[13] = (char)('0' + tm.tm_hour / 10);
	d[14] = (char)('0' + tm.tm_hour % 10);
	d[16] = (char)('0' + tm.tm_min / 10);
	d[17] = (char)('0' + tm.tm_min % 10);
	d[19] = (char)('0' + tm.tm_sec / 10);
	d[20] = (char)('0' + tm.tm_sec % 10);
	d[22] = tz < 0 ? '-' : '+';
	d[23] = (char)('0' + az / 60 / 10);
	d[24] = (char)('0' + az / 60 % 10);
	d[25] = (char)('0' + az % 60 / 10);
	d[26] = (char)('0' + az % 60 % 10);
	buf_append(out, d, 28);
}

/* "7-Jul-1996" at s: fills *tm's date; returns the rest or NULL */
static const char *
imap_parse_day(const char *s, struct tm *tm)
{
	int d = 0, n = 0, m, y = 0;

	while (*s >= '0' && *s <= '9' && n < 2) {
		d = d * 10 + (*s++ - '0');
		n++;
	}
	if (n == 0 || d < 1 || d > 31 || *s++ != '-')
		return NULL;
	for (m = 0; m < 12; m++)
		if (strncasecmp(s, imap_months[m], 3) == 0)
			break;
	if (m == 12 || s[3] != '-')
		return NULL;
	s += 4;
	for (n = 0; n < 4; n++) {
		if (s[n] < '0' || s[n] > '9')
			return NULL;
		y = y * 10 + (s[n] - '0');
	}
	memset(tm, 0, sizeof(*tm));
	tm->tm_mday = d;
	tm->tm_mon = m;
	tm->tm_year = y - 1900;
	return s + 4;
}

bool
imap_parse_date(const char *s, int64_t *t_r)
{
	struct tm tm;
	const char *e = imap_parse_day(s, &tm);

	if (e == NULL || *e != '\0')
		return false;
	*t_r = (int64_t)timegm(&tm);
	return true;
}

bool
imap_parse_datetime(const char *s, int64_t *t_r, int32_t *tz_r)
{
	struct tm tm;
	int hh, mm, ss, zh, zm;
	char sign;
	const char *e;

	if (*s == ' ')
		s++;
	e = imap_parse_day(s, &tm);
	if (e == NULL || strlen(e) != 15 ||
	    sscanf(e, " %2d:%2d:%2d %c%2d%2d", &hh, &mm, &ss, &sign, &zh,
		   &zm) != 6 || (sign != '+' && sign != '-') || hh > 23 ||
	    mm > 59 || ss > 60 || zm > 59)
		return false;
	tm.tm_hour = hh;
	tm.tm_min = mm;
	tm.tm_sec = ss;
	*tz_r = (sign == '-' ? -1 : 1) * (zh * 60 + zm);
	*t_r = (int64_t)timegm(&tm) - (int64_t)*tz_r * 60;
	return true;
}

const char *
imap_arg_str(const struct imap_arg *a)
{
	if (imap_arg_is_astring(a))
		return a->u.str;
	return NULL;
}

char *
imap_mailbox_arg(struct imap_session *s, const struct imap_arg *a)
{
	struct buf b = BUF_INIT;

	if (!imap_arg_is_astring(a) || memchr(a->u.str, '\0', a->len))
		return NULL;
	if (s->utf8) {
		if (!auth_utf8_valid(a->u.str, a->len))
			return NULL;
		return xstrndup(a->u.str, a->len);
	}
	if (!imap_utf7_decode(&b, a->u.str, a->len)) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

void
imap_append_mailbox(struct imap_session *s, struct buf *out,
		    const char *name)
{
	struct buf b = BUF_INIT;

	if (s->utf8 || !imap_utf7_encode(&b, name, strlen(name))) {
		buf_reset(&b);
		buf_append_str(&b, name);
	}
	/* RFC 6855 3: UTF-8 names in quoted strings once enabled */
	imap_append_string8(out, (const char *)b.data, b.len,
			    s->utf8 && auth_utf8_valid(b.data, b.len));
	buf_free(&b);
}
