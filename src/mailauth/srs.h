/* srs.h - the Sender Rewriting Scheme (Shevek's paper, libsrs2 and
 * postsrsd's format), so mail forwarded to another domain keeps passing
 * SPF and its bounces find their way back.
 *
 *   SRS0=HHHH=TT=orig-domain=orig-local@forward-domain
 *   SRS1=HHHH=first-forwarder==HHHH=TT=orig-domain=orig-local@forward-domain
 *
 * HHHH: the first four base64 characters of HMAC-SHA1(secret, ...) over
 * the fields lowercased (TT, domain, local for SRS0; the first
 * forwarder's domain and the SRS0 part after "SRS0" for SRS1), compared
 * case-insensitively since some hops fold local parts. TT: days since
 * the epoch mod 1024 in base32, two characters. Pure functions: the
 * caller brings the secrets and the time. */
#ifndef TERN_SRS_H
#define TERN_SRS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define SRS_MAX_AGE_DEFAULT 21	/* days a reverse is accepted, libsrs2's */
#define SRS_LOCAL_MAX 256	/* what our RCPT parser takes (smtp-addr.h) */
#define SRS_ADDR_MAX (SRS_LOCAL_MAX + 1 + 255)

enum srs_status {
	SRS_OK = 0,
	SRS_NOT_SRS,		/* reverse: no SRS0=/SRS1= local part */
	SRS_EMALFORMED,		/* too few '=' parts, bad timestamp, no '@' */
	SRS_EHASH,		/* no secret makes this hash */
	SRS_EEXPIRED,		/* timestamp older than max_age days */
	SRS_ETOOLONG,		/* the result would not fit an address */
	SRS_ENOSECRET,
};

/* "bad-hash", "expired", ... for logs */
const char *srs_strerror(int status);

/* true when the local part of address starts "SRS0" or "SRS1" and a
 * separator ('=', '-', '+'), case-insensitively */
bool srs_is_srs(const char *address);

/* sender "local@domain" forwarded by domain: SRS0 of it, or SRS1 when
 * sender is an SRS0/SRS1 address of another forwarder; a sender already
 * in domain is copied unchanged. out holds SRS_ADDR_MAX + 1 bytes. */
int srs_forward(const char *secret, time_t now, const char *sender,
		const char *domain, char *out, size_t outlen);

/* address (SRS0 or SRS1, any domain: the caller checks it is ours)
 * back to what it stands for: the original sender for SRS0, the first
 * forwarder's SRS0 address for SRS1. Any of the n secrets verifies. */
int srs_reverse(const char *const *secrets, size_t n, time_t now,
		unsigned max_age, const char *address, char *out,
		size_t outlen);

/* The secrets: <data_dir>/srs.secret, one per line (mode 0600); the
 * first signs, all verify, so a new first line rotates the secret. */
struct srs_secrets {
	size_t n;
	char **v;
};

#define SRS_SECRETS_MAX 16
#define SRS_SECRET_FILE "srs.secret"

/* 0 loaded (n >= 1), -1 missing, unreadable or empty (*err set) */
int srs_secrets_load(const char *data_dir, struct srs_secrets *s, char **err);
/* the file with one fresh random secret when it is missing: 0 ok (made
 * or already there), -1 error (*err set) */
int srs_secrets_ensure(const char *data_dir, char **err);
void srs_secrets_free(struct srs_secrets *s);
/* srs_secrets_load into a new struct (free with srs_secrets_free + free);
 * NULL on error (*err set) */
struct srs_secrets *srs_secrets_read(const char *data_dir, char **err);
/* srs_reverse() with the secrets of data_dir's file (SRS_ENOSECRET when
 * it cannot be read, *err set when err is not NULL). max_age
 * SRS_MAX_AGE_ANY: an address our own queue holds, made by us. */
#define SRS_MAX_AGE_ANY 1023
int srs_reverse_file(const char *data_dir, time_t now, unsigned max_age,
		     const char *address, char *out, size_t outlen, char **err);

#endif
