/* dkim-key.c - DKIM key records (RFC 6376 3.6.1, RFC 8463 4): parse
 * the TXT a verifier gets, write the one a domain publishes. */
#include "mailauth/dkim-private.h"

#include <string.h>

#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "lib/base64.h"

static bool
tag_is(const struct dkim_tag *t, const char *v)
{
	return t->value_len == strlen(v) && !memcmp(t->value, v, t->value_len);
}

/* colon-separated list (h=, s=) holding item, or containing "*" */
static bool
list_has(const struct dkim_tag *t, const char *item, bool star)
{
	char *v = dkim_tag_nows(t);
	bool found = false;

	for (char *save = NULL, *w = strtok_r(v, ":", &save); w;
	     w = strtok_r(NULL, ":", &save))
		if (!strcmp(w, item) || (star && !strcmp(w, "*")))
			found = true;
	free(v);
	return found;
}

static EVP_PKEY *
decode_pubkey(enum dkim_alg alg, const struct buf *der)
{
	const unsigned char *p = der->data;

	if (alg == DKIM_ED25519_SHA256)
		return der->len == 32 ?
			EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL,
						    der->data, 32) : NULL;
	/* SubjectPublicKeyInfo (3.6.1), or a bare RSAPublicKey as some
	 * publish */
	EVP_PKEY *k = d2i_PUBKEY(NULL, &p, (long)der->len);

	if (k == NULL) {
		p = der->data;
		k = d2i_PublicKey(EVP_PKEY_RSA, NULL, &p, (long)der->len);
	}
	if (k != NULL && EVP_PKEY_get_base_id(k) != EVP_PKEY_RSA) {
		EVP_PKEY_free(k);
		k = NULL;
	}
	return k;
}

bool
dkim_key_parse(const char *rec, size_t len, struct dkim_pubkey *k,
	       const char **err)
{
	struct dkim_tags tl;
	const struct dkim_tag *t;
	struct buf der = BUF_INIT;
	char *p;

	memset(k, 0, sizeof(*k));
	if (!dkim_tags_parse(rec, len, &tl, err))
		return false;
	/* v=, when present, is DKIM1 and first */
	if ((t = dkim_tags_get(&tl, "v")) != NULL &&
	    (t != &tl.t[0] || !tag_is(t, "DKIM1"))) {
		*err = "bad key record version";
		return false;
	}
	k->kalg = DKIM_RSA_SHA256;
	if ((t = dkim_tags_get(&tl, "k")) != NULL) {
		if (tag_is(t, "ed25519"))
			k->kalg = DKIM_ED25519_SHA256;
		else if (!tag_is(t, "rsa")) {
			*err = "unknown key type";
			return false;
		}
	}
	if ((t = dkim_tags_get(&tl, "h")) != NULL && !list_has(t, "sha256", false)) {
		*err = "key does not allow sha256";
		return false;
	}
	if ((t = dkim_tags_get(&tl, "s")) != NULL && !list_has(t, "email", true)) {
		*err = "key not for email";
		return false;
	}
	if ((t = dkim_tags_get(&tl, "t")) != NULL) {
		k->testing = list_has(t, "y", false);
		k->strict = list_has(t, "s", false);
	}
	if ((t = dkim_tags_get(&tl, "p")) == NULL) {
		*err = "key record without p=";
		return false;
	}
	p = dkim_tag_nows(t);
	if (*p == '\0') {
		free(p);
		k->revoked = true;
		*err = "key revoked";
		return false;
	}
	if (!base64_decode(&der, p, strlen(p))) {
		free(p);
		buf_free(&der);
		*err = "key not base64";
		return false;
	}
	free(p);
	k->pkey = decode_pubkey(k->kalg, &der);
	buf_free(&der);
	if (k->pkey == NULL) {
		*err = "key does not decode";
		return false;
	}
	if (k->kalg == DKIM_RSA_SHA256 &&
	    EVP_PKEY_get_bits(k->pkey) > DKIM_RSA_HARD_MAX_BITS) {
		dkim_key_free(k);
		*err = "RSA key too large";
		return false;
	}
	return true;
}

int
dkim_key_from_answer(const struct mauth_dns_answer *a,
		     struct dkim_pubkey *k, const char **err)
{
	*err = "no key record";
	if (a->rcode == MAUTH_DNS_TEMPFAIL)
		return 1;
	/* the first record that is a usable key */
	for (size_t i = 0; a->rcode == MAUTH_DNS_DATA && i < a->n; i++)
		if (dkim_key_parse(a->rr[i].text, a->rr[i].len, k, err))
			return 0;
	return -1;
}

void
dkim_key_free(struct dkim_pubkey *k)
{
	EVP_PKEY_free(k->pkey);
	k->pkey = NULL;
}

char *
dkim_key_record(EVP_PKEY *pkey)
{
	struct buf out = BUF_INIT;

	if (EVP_PKEY_get_base_id(pkey) == EVP_PKEY_ED25519) {
		unsigned char raw[32];
		size_t n = sizeof(raw);

		if (!EVP_PKEY_get_raw_public_key(pkey, raw, &n))
			return NULL;
		buf_append_str(&out, "v=DKIM1; k=ed25519; p=");
		base64_encode(&out, raw, n);
	} else {
		unsigned char *der = NULL;
		int n = i2d_PUBKEY(pkey, &der);

		if (n <= 0)
			return NULL;
		buf_append_str(&out, "v=DKIM1; k=rsa; p=");
		base64_encode(&out, der, (size_t)n);
		OPENSSL_free(der);
	}
	return buf_steal(&out);
}
