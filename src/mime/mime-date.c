/* mime-date.c - RFC 5322 3.3 date-time, with the obsolete forms of 4.3
 * (2- and 3-digit years, alphabetic zones, comments, missing seconds) */
#include "mime/mime.h"

#include <string.h>

struct dtok {
	const unsigned char *p;
	size_t len;
	unsigned char sep;   /* ':' '+' '-' ',' or 0 for a word/number */
};

#define DATE_MAX_TOKENS 16

static bool
is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* tokenize - words, numbers and the separators : + - , ; comments go */
static size_t
tokenize(const unsigned char *p, size_t len, struct dtok *t)
{
	size_t n = 0, i = 0;

	while (i < len && n < DATE_MAX_TOKENS) {
		unsigned char c = p[i];

		if (c == '(') {
			int depth = 0;

			for (; i < len; i++) {
				if (p[i] == '\\')
					i++;
				else if (p[i] == '(')
					depth++;
				else if (p[i] == ')' && --depth == 0)
					break;
			}
			i++;
		} else if (c == ':' || c == '+' || c == '-' || c == ',') {
			t[n++] = (struct dtok){ p + i, 1, c };
			i++;
		} else if (is_alpha(c)) {
			size_t s = i;

			while (i < len && is_alpha(p[i]))
				i++;
			t[n++] = (struct dtok){ p + s, i - s, 0 };
		} else if (is_digit(c)) {
			size_t s = i;

			while (i < len && is_digit(p[i]))
				i++;
			t[n++] = (struct dtok){ p + s, i - s, 0 };
		} else {
			i++;    /* whitespace, '.', junk */
		}
	}
	return n;
}

static bool
num(const struct dtok *t, size_t maxlen, int *v)
{
	if (t->sep != 0 || t->len == 0 || t->len > maxlen || !is_digit(t->p[0]))
		return false;
	*v = 0;
	for (size_t i = 0; i < t->len; i++)
		*v = *v * 10 + (t->p[i] - '0');
	return true;
}

static int
month(const struct dtok *t)
{
	static const char names[] = "janfebmaraprmayjunjulaugsepoctnovdec";
	char m[3];

	if (t->sep != 0 || t->len < 3 || !is_alpha(t->p[0]))
		return -1;
	for (int i = 0; i < 3; i++)
		m[i] = (char)(t->p[i] | 0x20);
	for (int i = 0; i < 12; i++)
		if (memcmp(names + 3 * i, m, 3) == 0)
			return i + 1;
	return -1;
}

/* zone - an alphabetic zone (RFC 5322 4.3); military zones count as 0 */
static int
zone_alpha(const struct dtok *t)
{
	static const struct {
		const char *name;
		int min;
	} zones[] = {
		{ "ut", 0 }, { "gmt", 0 }, { "utc", 0 }, { "z", 0 },
		{ "est", -300 }, { "edt", -240 }, { "cst", -360 },
		{ "cdt", -300 }, { "mst", -420 }, { "mdt", -360 },
		{ "pst", -480 }, { "pdt", -420 },
	};

	for (size_t i = 0; i < sizeof(zones) / sizeof(zones[0]); i++)
		if (slice_case_eq_cstr((struct slice){ t->p, t->len },
				       zones[i].name))
			return zones[i].min;
	return 0;
}

/* days_from_civil - days since 1970-01-01 (Howard Hinnant's algorithm) */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

bool
mime_date_parse(const unsigned char *p, size_t len, int64_t *utc,
		int *tz_minutes)
{
	struct dtok t[DATE_MAX_TOKENS];
	size_t n = tokenize(p, len, t), i = 0;
	int day, mon, year, hh, mm, ss = 0, tz = 0;

	/* optional day of week, with or without its comma */
	if (i < n && t[i].sep == 0 && is_alpha(t[i].p[0]))
		i++;
	if (i < n && t[i].sep == ',')
		i++;
	if (i + 2 >= n || !num(&t[i], 2, &day) || (mon = month(&t[i + 1])) < 0 ||
	    !num(&t[i + 2], 4, &year))
		return false;
	i += 3;
	if (t[i - 1].len == 2)
		year += year < 50 ? 2000 : 1900;
	else if (t[i - 1].len == 3)
		year += 1900;
	if (i + 2 >= n || !num(&t[i], 2, &hh) || t[i + 1].sep != ':' ||
	    !num(&t[i + 2], 2, &mm))
		return false;
	i += 3;
	if (i + 1 < n && t[i].sep == ':' && num(&t[i + 1], 2, &ss))
		i += 2;
	if (i + 1 < n && (t[i].sep == '+' || t[i].sep == '-') &&
	    t[i + 1].sep == 0 && t[i + 1].len == 4 && is_digit(t[i + 1].p[0])) {
		int z;

		num(&t[i + 1], 4, &z);
		if (z % 100 >= 60)
			return false;
		tz = (z / 100) * 60 + z % 100;
		if (t[i].sep == '-')
			tz = -tz;
	} else if (i < n && t[i].sep == 0 && is_alpha(t[i].p[0])) {
		tz = zone_alpha(&t[i]);
	}
	if (day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60 ||
	    year < 1900 || year > 9999)
		return false;
	*utc = days_from_civil(year, mon, day) * 86400 + hh * 3600 + mm * 60 +
	       ss - (int64_t)tz * 60;
	*tz_minutes = tz;
	return true;
}
