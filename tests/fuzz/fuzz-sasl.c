/* fuzz-sasl.c - libFuzzer: SASL mechanisms, SCRAM secrets, name and
 * password prep.
 *
 * Input: byte 0 picks the mechanism (bits 0-1), whether there is an
 * initial response (bit 2), what the store answers for SCRAM (bits 3-4:
 * the RFC 7677 secret, none, or the fuzz data as a secret string) and
 * whether the password "matches" (bit 5). Then records of one length
 * byte and that many bytes: the client's responses, in order. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "auth/password.h"
#include "auth/sasl.h"
#include "auth/scram.h"

#define RFC_SECRET "SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==" \
	"$WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=" \
	":wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU="

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const mechs[] = {
	"PLAIN", "LOGIN", "SCRAM-SHA-256", "scram-sha-256"
};

/* the next record, or false at the end */
static bool
next_record(const uint8_t **p, const uint8_t *end, const uint8_t **rec,
	    size_t *len)
{
	size_t n;

	if (*p >= end)
		return false;
	n = **p;
	(*p)++;
	if (n > (size_t)(end - *p))
		n = (size_t)(end - *p);
	*rec = *p;
	*len = n;
	*p += n;
	return true;
}

static void
fuzz_other_parsers(const uint8_t *data, size_t size)
{
	struct scram_secret sec;
	struct buf b = BUF_INIT;
	char *str = malloc(size + 1), *n;

	memcpy(str, data, size);
	str[size] = '\0';
	if (scram_secret_parse(str, &sec)) {
		char *again = scram_secret_format(&sec);

		/* a parsed secret formats back to a string that parses */
		if (!scram_secret_parse(again, &sec))
			__builtin_trap();
		free(again);
	}
	free(str);
	n = auth_normalize_username(data, size);
	if (n != NULL && (strlen(n) > size || strlen(n) == 0))
		__builtin_trap();
	free(n);
	if (password_prep((const char *)data, size, &b) && b.len > size)
		__builtin_trap();
	buf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p, *end = data + size, *rec = NULL;
	struct sasl_session *s;
	struct buf ch = BUF_INIT;
	enum sasl_result r;
	size_t len = 0;
	char *secret = NULL;
	uint8_t ctl;
	int guard = 0;

	fuzz_other_parsers(data, size);
	if (size == 0)
		return 0;
	ctl = data[0];
	p = data + 1;
	s = sasl_create(mechs[ctl & 3]);
	sasl_test_set_nonce(s, "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0");
	if (ctl & 4) {
		if (!next_record(&p, end, &rec, &len))
			rec = NULL, len = 0;
		r = sasl_start(s, true, rec, len, &ch);
	} else {
		r = sasl_start(s, false, NULL, 0, &ch);
	}
	while (r != SASL_OK && r != SASL_FAIL) {
		if (++guard > 100)
			__builtin_trap();	/* the exchange must end */
		if (r != SASL_CONTINUE && ch.len != 0)
			__builtin_trap();
		buf_reset(&ch);
		if (r == SASL_NEED_PASSWORD) {
			const char *pw = sasl_password(s, &len);

			if (pw == NULL || len == 0 || memchr(pw, 0, len) != NULL ||
			    sasl_username(s) == NULL)
				__builtin_trap();
			r = sasl_set_password_result(s, (ctl & 32) != 0);
		} else if (r == SASL_NEED_SCRAM_SECRET) {
			if (sasl_username(s) == NULL)
				__builtin_trap();
			switch ((ctl >> 3) & 3) {
			case 0:
			case 3:
				r = sasl_set_scram_secret(s, RFC_SECRET, &ch);
				break;
			case 1:
				r = sasl_set_scram_secret(s, NULL, &ch);
				break;
			default:
				secret = malloc(size + 1);
				memcpy(secret, data, size);
				secret[size] = '\0';
				r = sasl_set_scram_secret(s, secret, &ch);
				free(secret);
				break;
			}
		} else if (next_record(&p, end, &rec, &len)) {
			r = sasl_step(s, rec, len, &ch);
		} else {
			break;	/* the client went away */
		}
	}
	if (r == SASL_OK && sasl_username(s) == NULL)
		__builtin_trap();
	if (r == SASL_FAIL && sasl_error(s) == NULL)
		__builtin_trap();
	sasl_destroy(&s);
	buf_free(&ch);
	return 0;
}
