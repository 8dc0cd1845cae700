/* fuzz-srs.c - libFuzzer harness for SRS (src/mailauth/srs.c).
 *
 * The input is an address. Checks: reversing it never reads or writes
 * out of bounds whatever its '=' parts; forwarding an ordinary address
 * (no SRS tag, a domain without '=' that is not the forwarder's) and
 * reversing the result gives the input back, with any age that fits
 * and with a rotated secret list. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mailauth/srs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW ((time_t)1764720000)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const secrets[] = { "new-secret", "fuzz-secret" };
	char in[1024], fwd[SRS_ADDR_MAX + 1], back[SRS_ADDR_MAX + 1];
	const char *at;
	int rc;

	if (size >= sizeof(in) || memchr(data, '\0', size))
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	srs_reverse(secrets, 2, NOW, SRS_MAX_AGE_DEFAULT, in, back, sizeof(back));
	srs_reverse(secrets, 2, NOW, SRS_MAX_AGE_DEFAULT, in, back, 8);
	rc = srs_forward("fuzz-secret", NOW, in, "fwd.example", fwd, sizeof(fwd));
	if (rc != SRS_OK)
		return 0;
	at = strrchr(in, '@');
	if (srs_is_srs(in) || strchr(at, '=') || strcmp(fwd, in) == 0)
		return 0;
	if (srs_reverse(secrets, 2, NOW + 86400 * SRS_MAX_AGE_DEFAULT,
			SRS_MAX_AGE_DEFAULT, fwd, back, sizeof(back)) != SRS_OK ||
	    strcmp(back, in) != 0)
		abort();
	return 0;
}
