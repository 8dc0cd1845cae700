/* dsn-sign.c - tern's own reports carry DKIM signatures like the mail
 * its users send, so receivers that check DMARC take them. */
#include "relay/dsn.h"
#include "lib/log.h"
#include "mailauth/dkim.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* the domain of the report's From: (dsn_build writes it first) */
static char *
from_domain(const struct buf *report)
{
	const char *p = (const char *)report->data;
	const char *end = memmem(p, report->len, "\r\n\r\n", 4);

	if (end == NULL)
		return NULL;
	for (const char *line = p; line < end;) {
		const char *eol = memmem(line, (size_t)(end + 2 - line), "\r\n", 2);
		const char *at, *gt;

		if (eol == NULL)
			break;
		if (eol - line > 5 && !strncasecmp(line, "From:", 5) &&
		    (gt = memchr(line, '>', (size_t)(eol - line))) != NULL &&
		    (at = memrchr(line, '@', (size_t)(gt - line))) != NULL) {
			char *d = xstrndup(at + 1, (size_t)(gt - at - 1));

			for (char *c = d; *c; c++)
				*c = (char)tolower((unsigned char)*c);
			return d;
		}
		line = eol + 2;
	}
	return NULL;
}

bool
dsn_sign(const char *data_dir, const struct buf *report, int64_t now,
	 struct buf *out)
{
	char *domain = from_domain(report), *err = NULL, *sig;
	struct dkim_keyset *ks = NULL;
	struct dkim_signer *s;
	const char *d = domain;

	if (domain == NULL || data_dir == NULL) {
		free(domain);
		return false;
	}
	/* mail.example.org, then example.org; never a top-level name */
	while (d && strchr(d, '.')) {
		int rc = dkim_keys_load(data_dir, d, &ks, &err);

		if (rc == 0)
			break;
		if (rc < 0) {
			log_warn(0, "dsn not signed domain=%s reason=\"%s\"", d, err);
			free(err);
			free(domain);
			return false;
		}
		d = strchr(d, '.') + 1;
	}
	if (ks == NULL) {
		free(domain);
		return false;
	}
	s = dkim_sign_new(ks, (time_t)now);
	dkim_sign_message(s, (const char *)report->data, report->len);
	sig = dkim_sign_finish(s, &err);
	dkim_sign_free(s);
	dkim_keys_free(ks);
	if (sig == NULL) {
		log_warn(0, "dsn not signed domain=%s reason=\"%s\"", d, err);
		free(err);
		free(domain);
		return false;
	}
	log_debug(0, "dsn signed d=%s", d);
	buf_append_str(out, sig);
	buf_append(out, report->data, report->len);
	free(sig);
	free(domain);
	return true;
}
