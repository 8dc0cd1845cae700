/* jmap-email-keywords.c - what Email/set and EmailSubmission share:
 * keywords as IMAP flags (RFC 8621 4.1.1: $seen is \Seen ...; other
 * keywords are IMAP keywords), the state string as a C string, the
 * UTCDate parser of Email/set and Email/import */
#include "jmap/jmap-submission.h"
#include "jmap/jmap-mailbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static const struct {
	const char *kw;
	uint32_t flag;
} jmap_kw_flags[] = {
	{ "$seen", STORE_F_SEEN }, { "$flagged", STORE_F_FLAGGED },
	{ "$answered", STORE_F_ANSWERED }, { "$draft", STORE_F_DRAFT },
};

bool
jmap_keyword_valid(const char *k)
{
	size_t len = strlen(k);

	if (len == 0 || len > 255)
		return false;
	/* an IMAP atom: %x21-%x7e but ( ) { ] % * " \ */
	for (size_t i = 0; i < len; i++)
		if (k[i] < 0x21 || k[i] > 0x7e || strchr("(){]%*\"\\", k[i]))
			return false;
	return true;
}

bool
jmap_keywords_parse(json_t *keywords, uint32_t *flags, struct buf *kw)
{
	const char *k;
	json_t *v;

	*flags = 0;
	if (!json_is_object(keywords))
		return false;
	json_object_foreach(keywords, k, v) {
		bool system = false;

		if (!json_is_true(v) || !jmap_keyword_valid(k))
			return false;
		for (size_t i = 0; i < sizeof(jmap_kw_flags) /
		     sizeof(jmap_kw_flags[0]); i++)
			if (strcasecmp(k, jmap_kw_flags[i].kw) == 0) {
				*flags |= jmap_kw_flags[i].flag;
				system = true;
			}
		if (system)
			continue;
		if (kw->len > 0)
			buf_append_byte(kw, ' ');
		/* the JMAP side is lowercase (RFC 8621 4.1.1) */
		for (const char *p = k; *p; p++)
			buf_append_byte(kw, (unsigned char)(*p >= 'A' && *p <= 'Z'
							    ? *p + 32 : *p));
	}
	return true;
}

char *
jmap_account_state(struct jmap_ctx *c)
{
	json_t *err = NULL, *st = jmap_state(c, &err);
	char *s = st ? xstrdup(json_string_value(st)) : NULL;

	json_decref(st);
	json_decref(err);
	return s;
}

bool
jmap_utcdate_parse(const char *s, int64_t *t_r)
{
	struct tm tm = { 0 };
	int n = 0;

	if (s == NULL || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year,
				&tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
				&tm.tm_min, &tm.tm_sec, &n) != 6 || n != 19)
		return false;
	if (s[n] == '.')
		for (n++; s[n] >= '0' && s[n] <= '9'; n++)
			;
	if (strcmp(s + n, "Z") != 0 || tm.tm_mon < 1 || tm.tm_mon > 12 ||
	    tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 ||
	    tm.tm_min > 59 || tm.tm_sec > 60)
		return false;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*t_r = (int64_t)timegm(&tm);
	return true;
}
