/* sieve-date.c - the date parts of RFC 5260 4.2 and zones */
#include "sieve/sieve-private.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

bool
sieve_zone_parse(const char *s, int *min_r)
{
	if (strlen(s) != 5 || (s[0] != '+' && s[0] != '-'))
		return false;
	for (int i = 1; i < 5; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	int h = (s[1] - '0') * 10 + (s[2] - '0');
	int m = (s[3] - '0') * 10 + (s[4] - '0');
	if (h > 23 || m > 59)
		return false;
	*min_r = (s[0] == '-' ? -1 : 1) * (h * 60 + m);
	return true;
}

bool
sieve_date_part(int64_t t, int zone_min, const char *part, struct buf *out)
{
	static const char *const wd[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
					  "Fri", "Sat" };
	static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr", "May",
					   "Jun", "Jul", "Aug", "Sep", "Oct",
					   "Nov", "Dec" };
	time_t lt = (time_t)(t + (int64_t)zone_min * 60);
	struct tm tm;
	int az = abs(zone_min);
	char zs = zone_min < 0 ? '-' : '+';

	if (!gmtime_r(&lt, &tm))
		return false;
	buf_reset(out);
	if (strcasecmp(part, "year") == 0)
		buf_printf(out, "%04d", tm.tm_year + 1900);
	else if (strcasecmp(part, "month") == 0)
		buf_printf(out, "%02d", tm.tm_mon + 1);
	else if (strcasecmp(part, "day") == 0)
		buf_printf(out, "%02d", tm.tm_mday);
	else if (strcasecmp(part, "date") == 0)
		buf_printf(out, "%04d-%02d-%02d", tm.tm_year + 1900,
			   tm.tm_mon + 1, tm.tm_mday);
	else if (strcasecmp(part, "julian") == 0) {
		/* Modified Julian Day: days since 1858-11-17 */
		int64_t days = (int64_t)lt / 86400;
		if ((int64_t)lt < 0 && (int64_t)lt % 86400)
			days--;
		buf_printf(out, "%lld", (long long)(days + 40587));
	} else if (strcasecmp(part, "hour") == 0)
		buf_printf(out, "%02d", tm.tm_hour);
	else if (strcasecmp(part, "minute") == 0)
		buf_printf(out, "%02d", tm.tm_min);
	else if (strcasecmp(part, "second") == 0)
		buf_printf(out, "%02d", tm.tm_sec);
	else if (strcasecmp(part, "time") == 0)
		buf_printf(out, "%02d:%02d:%02d", tm.tm_hour, tm.tm_min, tm.tm_sec);
	else if (strcasecmp(part, "iso8601") == 0) {
		buf_printf(out, "%04d-%02d-%02dT%02d:%02d:%02d",
			   tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
			   tm.tm_hour, tm.tm_min, tm.tm_sec);
		/* RFC 3339: UTC as "Z" (as Pigeonhole) */
		if (zone_min == 0)
			buf_append_byte(out, 'Z');
		else
			buf_printf(out, "%c%02d:%02d", zs, az / 60, az % 60);
	}
	else if (strcasecmp(part, "std11") == 0)
		buf_printf(out, "%s, %02d %s %04d %02d:%02d:%02d %c%02d%02d",
			   wd[tm.tm_wday], tm.tm_mday, mon[tm.tm_mon],
			   tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec,
			   zs, az / 60, az % 60);
	else if (strcasecmp(part, "zone") == 0)
		buf_printf(out, "%c%02d%02d", zs, az / 60, az % 60);
	else if (strcasecmp(part, "weekday") == 0)
		buf_printf(out, "%d", tm.tm_wday);
	else
		return false;
	buf_cstr(out);
	return true;
}
