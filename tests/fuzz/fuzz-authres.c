/* fuzz-authres.c - libFuzzer harness for the Authentication-Results
 * code and the DMARC record parser.
 *
 * Input: the whole input is (1) a received header field for
 * authres_claims(), against a fixed id and against its own first
 * token, (2) a DMARC TXT record for dmarc_record_parse(). Then it is cut
 * at NULs into strings that fill an authres_input; the field built from
 * them must be claimed by its own authserv-id, contain no NUL and no CR
 * or LF except "\r\n\t" folds and the final CRLF. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mailauth/authres.h"
#include "mailauth/dmarc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_field(const char *f, const char *id)
{
	size_t n = strlen(f);

	if (!authres_claims(f, n, id))
		abort();
	if (n < 2 || f[n - 2] != '\r' || f[n - 1] != '\n')
		abort();
	for (size_t i = 0; i + 2 < n; i++) {
		if (f[i] == '\r' && (f[i + 1] != '\n' || f[i + 2] != '\t'))
			abort();
		if (f[i] == '\n' && f[i - 1] != '\r')
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dmarc_record r;
	char *s[12] = { 0 };
	char *copy;
	size_t k = 0;

	(void)authres_claims((const char *)data, size, "mx.example.com");
	if (dmarc_record_parse((const char *)data, size, &r) == 0) {
		if (r.pct > 100 || r.p > DMARC_POLICY_REJECT)
			abort();
		for (size_t i = 0; i < r.n_rua; i++) {
			uint64_t max;
			char *u = dmarc_uri_split(r.rua[i], &max);

			if (strlen(u) > strlen(r.rua[i]))
				abort();
			free(u);
		}
		dmarc_record_free(&r);
	}

	copy = malloc(size + 1);
	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	for (char *p = copy; k < 12 && p <= copy + size; p += strlen(p) + 1)
		s[k++] = p;
	if (k >= 2 && s[0][0] != '\0') {
		struct authres_spf spf = { s[1], k > 2 ? s[2] : NULL,
					   k > 3 ? s[3] : NULL, k > 4 ? s[4] : NULL };
		struct authres_dkim dk = { k > 5 ? s[5] : NULL, k > 6 ? s[6] : NULL,
					   k > 7 ? s[7] : NULL, NULL,
					   k > 8 ? s[8] : NULL, NULL };
		struct authres_dmarc dm = { k > 9 ? s[9] : NULL, k > 10 ? s[10] : NULL,
					    NULL, k > 11 ? s[11] : NULL };
		struct authres_input in = { &spf, &dk, 1, true, &dm };
		char *f = authres_build(s[0], &in);
		bool ctl = false;

		for (const char *p = s[0]; *p; p++)
			ctl = ctl || (unsigned char)*p < ' ' || *p == 0x7f;
		if ((f == NULL) != ctl)
			abort();
		if (f == NULL) {
			free(copy);
			return 0;
		}
		check_field(f, s[0]);
		free(f);
	}
	free(copy);
	return 0;
}
