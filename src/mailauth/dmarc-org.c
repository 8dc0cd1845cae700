/* dmarc-org.c - organizational domains (RFC 7489 3.2) and identifier
 * alignment (3.1), from the Public Suffix List.
 *
 * The list is libpsl's psl_latest(NULL): Debian's publicsuffix data file
 * (/usr/share/publicsuffix/public_suffix_list.dafsa) when it is newer
 * than the copy built into libpsl, else the built-in one; psl_builtin()
 * only when no file loads. Both the ICANN and the private sections count
 * (a blogspot.com name is its own organization), as opendmarc does. The
 * list is loaded once, on first use (by any thread), and kept for the
 * process. */
#include "mailauth/dmarc.h"
#include "lib/buf.h"
#include "lib/idn.h"

#include <ctype.h>
#include <libpsl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const psl_ctx_t *psl;
static char psl_source[256];
static pthread_once_t psl_once = PTHREAD_ONCE_INIT;

/* once per process, whichever thread asks first */
static void
psl_load(void)
{
	psl = psl_latest(NULL);
	if (psl != NULL) {
		snprintf(psl_source, sizeof psl_source, "libpsl %s, psl_latest: %s",
			 psl_get_version(), psl_dist_filename() ? psl_dist_filename() : "");
	} else {
		psl = psl_builtin();
		snprintf(psl_source, sizeof psl_source, "libpsl %s, built-in list",
			 psl_get_version());
	}
}

static const psl_ctx_t *
psl_get(void)
{
	pthread_once(&psl_once, psl_load);
	return psl;
}

const char *
dmarc_psl_source(void)
{
	psl_get();
	return psl_source;
}

static char *
normalize_ascii(const char *d)
{
	size_t n = strlen(d);
	char *s;

	if (n > 0 && d[n - 1] == '.')
		n--;
	if (n == 0 || n > 253 || d[0] == '.')
		return NULL;
	s = xstrndup(d, n);
	for (size_t i = 0; i < n; i++) {
		s[i] = (char)tolower((unsigned char)s[i]);
		if ((s[i] == '.' && s[i + 1] == '.') || (unsigned char)s[i] <= ' ') {
			free(s);
			return NULL;
		}
	}
	return s;
}

/* lowercase copy without the trailing dot, an IDN in its A-label form
 * (a From in U-labels aligns with d= in A-labels); NULL when the name is
 * empty, too long, has an empty label or is not a valid IDN */
static char *
normalize(const char *d)
{
	if (d != NULL && idn_is_idn(d)) {
		char *a = idn_to_ascii(d);
		char *out = a ? normalize_ascii(a) : NULL;

		free(a);
		return out;
	}
	return d != NULL ? normalize_ascii(d) : NULL;
}

char *
dmarc_org_domain(const char *domain)
{
	char *d = normalize(domain);
	const char *reg;
	char *org;

	if (d == NULL)
		return NULL;
	reg = psl_get() ? psl_registrable_domain(psl, d) : NULL;
	/* NULL: the name is itself a public suffix, its own organization */
	if (reg == NULL)
		return d;
	org = xstrdup(reg);
	free(d);
	return org;
}

bool
dmarc_aligned(const char *from_domain, const char *id_domain,
	      enum dmarc_align mode)
{
	char *a, *b;
	bool ok;

	if (mode == DMARC_ALIGN_STRICT) {
		a = normalize(from_domain);
		b = normalize(id_domain);
	} else {
		a = dmarc_org_domain(from_domain);
		b = dmarc_org_domain(id_domain);
	}
	ok = a && b && strcmp(a, b) == 0;
	free(a);
	free(b);
	return ok;
}
