/* dkim-crypto.c - the signature over the header hash input, from
 * OpenSSL's EVP (RSA and, since 3.0, Ed25519 in one interface).
 *
 * rsa-sha256 (RFC 6376 3.3.1): RSASSA-PKCS1-v1_5 with SHA-256 over the
 * data. ed25519-sha256 (RFC 8463 3): PureEdDSA over the SHA-256 of the
 * data (the digest is what Ed25519 signs). */
#include "mailauth/dkim-private.h"

#include <openssl/err.h>

static bool
ed_input(const void *data, size_t len, unsigned char h[32])
{
	unsigned int n = 32;

	return EVP_Digest(data, len, h, &n, EVP_sha256(), NULL) == 1;
}

bool
dkim_crypto_sign(EVP_PKEY *key, enum dkim_alg alg, const void *data,
		 size_t len, struct buf *sig)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char h[32];
	size_t n = 0;
	bool ok = false;

	if (ctx == NULL)
		return false;
	if (alg == DKIM_ED25519_SHA256) {
		if (ed_input(data, len, h) &&
		    EVP_DigestSignInit(ctx, NULL, NULL, NULL, key) == 1 &&
		    EVP_DigestSign(ctx, NULL, &n, h, 32) == 1) {
			unsigned char *p = buf_reserve(sig, n);

			ok = EVP_DigestSign(ctx, p, &n, h, 32) == 1;
		}
	} else if (EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, key) == 1 &&
		   EVP_DigestSignUpdate(ctx, data, len) == 1 &&
		   EVP_DigestSignFinal(ctx, NULL, &n) == 1) {
		unsigned char *p = buf_reserve(sig, n);

		ok = EVP_DigestSignFinal(ctx, p, &n) == 1;
	}
	if (ok)
		sig->len += n;
	EVP_MD_CTX_free(ctx);
	return ok;
}

bool
dkim_crypto_verify(EVP_PKEY *key, enum dkim_alg alg, const void *data,
		   size_t len, const unsigned char *sig, size_t siglen)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char h[32];
	bool ok = false;

	if (ctx == NULL)
		return false;
	if (alg == DKIM_ED25519_SHA256)
		ok = ed_input(data, len, h) &&
		     EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, key) == 1 &&
		     EVP_DigestVerify(ctx, sig, siglen, h, 32) == 1;
	else
		ok = EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, key) == 1 &&
		     EVP_DigestVerifyUpdate(ctx, data, len) == 1 &&
		     EVP_DigestVerifyFinal(ctx, sig, siglen) == 1;
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	return ok;
}
