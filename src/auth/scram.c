/* scram.c - SCRAM-SHA-256 stored secrets and their primitives */
#include "auth/scram.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <sodium.h>

#include "auth/password.h"
#include "lib/base64.h"
#include "lib/buf.h"

#define SCRAM_PREFIX "SCRAM-SHA-256$"

static void
scram_fatal(const char *what)
{
	fprintf(stderr, "tern: %s failed\n", what);
	abort();
}

void
scram_hmac(const void *key, size_t key_len, const void *data, size_t len,
	   unsigned char out[SCRAM_KEY_LEN])
{
	size_t out_len = 0;

	if (EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, key_len,
		      data, len, out, SCRAM_KEY_LEN, &out_len) == NULL ||
	    out_len != SCRAM_KEY_LEN)
		scram_fatal("HMAC-SHA-256");
}

void
scram_hash(const void *data, size_t len, unsigned char out[SCRAM_KEY_LEN])
{
	unsigned int out_len = 0;

	if (EVP_Digest(data, len, out, &out_len, EVP_sha256(), NULL) != 1 ||
	    out_len != SCRAM_KEY_LEN)
		scram_fatal("SHA-256");
}

/* SaltedPassword = Hi(password_prep(pw), salt, i); NULL or error */
static const char *
scram_salted_password(const char *pw, size_t len, unsigned iterations,
		      const unsigned char *salt, size_t salt_len,
		      unsigned char out[SCRAM_KEY_LEN])
{
	struct buf prep = BUF_INIT;
	const char *err;
	int ok;

	if ((err = password_prep_reason(pw, len, &prep)) != NULL) {
		buf_free(&prep);
		return err;
	}
	ok = PKCS5_PBKDF2_HMAC((const char *)prep.data, (int)prep.len,
			       salt, (int)salt_len, (int)iterations,
			       EVP_sha256(), SCRAM_KEY_LEN, out);
	sodium_memzero(prep.data, prep.cap);
	buf_free(&prep);
	if (ok != 1)
		scram_fatal("PBKDF2-HMAC-SHA-256");
	return NULL;
}

int
scram_secret_derive(const char *pw, size_t len, unsigned iterations,
		    const unsigned char *salt, size_t salt_len,
		    struct scram_secret *out, const char **error_r)
{
	unsigned char salted[SCRAM_KEY_LEN], client_key[SCRAM_KEY_LEN];
	const char *err;

	memset(out, 0, sizeof(*out));
	if (iterations < 1 || iterations > SCRAM_ITERATIONS_MAX) {
		*error_r = "iteration count out of range";
		return -1;
	}
	if (salt_len < 1 || salt_len > SCRAM_SALT_MAX) {
		*error_r = "salt length out of range";
		return -1;
	}
	err = scram_salted_password(pw, len, iterations, salt, salt_len,
				    salted);
	if (err != NULL) {
		*error_r = err;
		return -1;
	}
	out->iterations = iterations;
	out->salt_len = salt_len;
	memcpy(out->salt, salt, salt_len);
	scram_hmac(salted, sizeof(salted), "Client Key", 10, client_key);
	scram_hash(client_key, sizeof(client_key), out->stored_key);
	scram_hmac(salted, sizeof(salted), "Server Key", 10, out->server_key);
	sodium_memzero(salted, sizeof(salted));
	sodium_memzero(client_key, sizeof(client_key));
	return 0;
}

int
scram_secret_make(const char *pw, size_t len, unsigned iterations,
		  char **secret_r, const char **error_r)
{
	struct scram_secret secret;
	unsigned char salt[SCRAM_SALT_LEN];

	*secret_r = NULL;
	if (iterations == 0)
		iterations = SCRAM_ITERATIONS_DEFAULT;
	if (iterations < SCRAM_ITERATIONS_MIN ||
	    iterations > SCRAM_ITERATIONS_MAX) {
		*error_r = "iteration count out of range";
		return -1;
	}
	if (sodium_init() < 0)
		scram_fatal("sodium_init()");
	randombytes_buf(salt, sizeof(salt));
	if (scram_secret_derive(pw, len, iterations, salt, sizeof(salt),
				&secret, error_r) < 0)
		return -1;
	*secret_r = scram_secret_format(&secret);
	scram_secret_wipe(&secret);
	return 0;
}

char *
scram_secret_format(const struct scram_secret *secret)
{
	struct buf b = BUF_INIT;

	buf_printf(&b, SCRAM_PREFIX "%u:", secret->iterations);
	base64_encode(&b, secret->salt, secret->salt_len);
	buf_append_byte(&b, '$');
	base64_encode(&b, secret->stored_key, SCRAM_KEY_LEN);
	buf_append_byte(&b, ':');
	base64_encode(&b, secret->server_key, SCRAM_KEY_LEN);
	return buf_steal(&b);
}

/* decode base64 text p[0..len) into out[min..max] bytes; false if not */
static bool
scram_decode(const char *p, size_t len, unsigned char *out, size_t min,
	     size_t max, size_t *len_r)
{
	struct buf b = BUF_INIT;
	bool ok;

	ok = base64_decode(&b, p, len) && b.len >= min && b.len <= max;
	if (ok) {
		memcpy(out, b.data, b.len);
		*len_r = b.len;
	}
	if (b.data != NULL)
		sodium_memzero(b.data, b.cap);
	buf_free(&b);
	return ok;
}

bool
scram_secret_parse(const char *str, struct scram_secret *out)
{
	const char *p, *colon, *dollar, *colon2;
	unsigned long iter = 0;
	size_t n;

	memset(out, 0, sizeof(*out));
	if (str == NULL || strncmp(str, SCRAM_PREFIX, strlen(SCRAM_PREFIX)) != 0)
		return false;
	p = str + strlen(SCRAM_PREFIX);
	if (*p < '1' || *p > '9')
		return false;
	for (; *p >= '0' && *p <= '9'; p++) {
		iter = iter * 10 + (unsigned long)(*p - '0');
		if (iter > SCRAM_ITERATIONS_MAX)
			return false;
	}
	if (*p != ':')
		return false;
	colon = p;
	if ((dollar = strchr(colon + 1, '$')) == NULL ||
	    (colon2 = strchr(dollar + 1, ':')) == NULL)
		goto bad;
	if (!scram_decode(colon + 1, (size_t)(dollar - colon - 1), out->salt,
			  1, SCRAM_SALT_MAX, &out->salt_len))
		goto bad;
	if (!scram_decode(dollar + 1, (size_t)(colon2 - dollar - 1),
			  out->stored_key, SCRAM_KEY_LEN, SCRAM_KEY_LEN, &n) ||
	    !scram_decode(colon2 + 1, strlen(colon2 + 1), out->server_key,
			  SCRAM_KEY_LEN, SCRAM_KEY_LEN, &n))
		goto bad;
	out->iterations = (unsigned)iter;
	return true;
bad:
	scram_secret_wipe(out);
	return false;
}

bool
scram_secret_verify_password(const struct scram_secret *secret,
			     const char *pw, size_t len)
{
	struct scram_secret derived;
	const char *err;
	bool ok;

	if (scram_secret_derive(pw, len, secret->iterations, secret->salt,
				secret->salt_len, &derived, &err) < 0)
		return false;
	ok = sodium_memcmp(derived.stored_key, secret->stored_key,
			   SCRAM_KEY_LEN) == 0;
	scram_secret_wipe(&derived);
	return ok;
}

void
scram_secret_wipe(struct scram_secret *secret)
{
	sodium_memzero(secret, sizeof(*secret));
}
