/* sasl-scram.c - the SCRAM-SHA-256 mechanism (RFC 5802, RFC 7677),
 * without channel binding (SCRAM-SHA-256-PLUS is not offered) */
#include "auth/sasl-private.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "auth/scram.h"
#include "lib/base64.h"

#define SASL_SCRAM_NONCE_MAX 512	/* client nonce, in characters */
#define SASL_SCRAM_SNONCE_BYTES 18	/* random bytes: 24 base64 chars */
#define SASL_SCRAM_FAKE_KEY_MAX 64

enum sasl_scram_state {
	SASL_SCRAM_CLIENT_FIRST,	/* waiting for client-first-message */
	SASL_SCRAM_NEED_SECRET,		/* waiting for the stored secret */
	SASL_SCRAM_CLIENT_FINAL,	/* server-first sent */
	SASL_SCRAM_CLIENT_ACK,		/* server-final (v=) sent */
};

struct sasl_scram {
	struct buf gs2_header;		/* "n,," / "y,a=...," as sent */
	struct buf client_first_bare;
	struct buf server_first;
	struct buf nonce;		/* client nonce + server nonce */
	struct scram_secret secret;
	unsigned char server_signature[SCRAM_KEY_LEN];
};

static pthread_once_t sasl_scram_once = PTHREAD_ONCE_INIT;
static unsigned char sasl_scram_fake_key[SASL_SCRAM_FAKE_KEY_MAX];
static size_t sasl_scram_fake_key_len;
static unsigned sasl_scram_fake_iterations = SCRAM_ITERATIONS_DEFAULT;

static void
sasl_scram_init_once(void)
{
	if (sodium_init() < 0) {
		fputs("tern: sodium_init() failed\n", stderr);
		abort();
	}
	if (sasl_scram_fake_key_len == 0) {
		randombytes_buf(sasl_scram_fake_key, 32);
		sasl_scram_fake_key_len = 32;
	}
}

void
sasl_set_fake_scram(const unsigned char *key, size_t key_len,
		    unsigned iterations)
{
	if (key != NULL && key_len > 0) {
		if (key_len > SASL_SCRAM_FAKE_KEY_MAX)
			key_len = SASL_SCRAM_FAKE_KEY_MAX;
		memcpy(sasl_scram_fake_key, key, key_len);
		sasl_scram_fake_key_len = key_len;
	}
	if (iterations >= 1 && iterations <= SCRAM_ITERATIONS_MAX)
		sasl_scram_fake_iterations = iterations;
}

static struct sasl_scram *
sasl_scram_data(struct sasl_session *s)
{
	if (s->mech_data == NULL)
		s->mech_data = xcalloc(1, sizeof(struct sasl_scram));
	return s->mech_data;
}

/* a value-char run: up to the next ',' or the end */
static size_t
sasl_scram_field_len(const unsigned char *p, size_t len)
{
	const unsigned char *comma = memchr(p, ',', len);

	return comma != NULL ? (size_t)(comma - p) : len;
}

/* saslname -> out: "=2C" is ',', "=3D" is '=', any other '=' or a NUL
 * is malformed; false then */
static bool
sasl_scram_unescape(const unsigned char *p, size_t len, struct buf *out)
{
	for (size_t i = 0; i < len; i++) {
		if (p[i] == '\0')
			return false;
		if (p[i] != '=') {
			buf_append_byte(out, p[i]);
			continue;
		}
		if (i + 2 >= len)
			return false;
		if (p[i + 1] == '2' && (p[i + 2] == 'C' || p[i + 2] == 'c'))
			buf_append_byte(out, ',');
		else if (p[i + 1] == '3' && (p[i + 2] == 'D' || p[i + 2] == 'd'))
			buf_append_byte(out, '=');
		else
			return false;
		i += 2;
	}
	return true;
}

/* client-first-message = gs2-header client-first-message-bare */
static enum sasl_result
sasl_scram_client_first(struct sasl_session *s, const unsigned char *p,
			size_t len)
{
	struct sasl_scram *sc = sasl_scram_data(s);
	struct buf name = BUF_INIT, authzid = BUF_INIT;
	const unsigned char *bare, *end = p + len, *q;
	size_t n;
	bool ok;

	if (len == 0)
		return sasl_fail(s, "SCRAM: empty client-first-message");
	if (len >= 2 && p[0] == 'p' && p[1] == '=')
		return sasl_fail(s, "SCRAM: channel binding not supported");
	if (len < 2 || (p[0] != 'n' && p[0] != 'y') || p[1] != ',')
		return sasl_fail(s, "SCRAM: bad gs2 header");
	q = p + 2;
	if (end - q >= 2 && q[0] == 'a' && q[1] == '=') {
		n = sasl_scram_field_len(q + 2, (size_t)(end - q - 2));
		if (n == 0 || !sasl_scram_unescape(q + 2, n, &authzid)) {
			buf_free(&authzid);
			return sasl_fail(s, "SCRAM: bad authzid");
		}
		q += 2 + n;
	}
	if (q >= end || *q != ',') {
		buf_free(&authzid);
		return sasl_fail(s, "SCRAM: bad gs2 header");
	}
	bare = ++q;
	buf_append(&sc->gs2_header, p, (size_t)(bare - p));

	/* client-first-message-bare = [m=...,] n=saslname,r=nonce[,ext] */
	if (end - q >= 2 && q[0] == 'm' && q[1] == '=') {
		buf_free(&authzid);
		return sasl_fail(s, "SCRAM: mandatory extension not supported");
	}
	if (end - q < 2 || q[0] != 'n' || q[1] != '=') {
		buf_free(&authzid);
		return sasl_fail(s, "SCRAM: missing username");
	}
	n = sasl_scram_field_len(q + 2, (size_t)(end - q - 2));
	ok = n > 0 && sasl_scram_unescape(q + 2, n, &name);
	q += 2 + n;
	if (!ok) {
		buf_free(&name);
		buf_free(&authzid);
		return sasl_fail(s, "SCRAM: bad username");
	}
	ok = sasl_set_username(s, name.data, name.len) &&
	     sasl_check_authzid(s, authzid.data, authzid.len);
	buf_free(&name);
	buf_free(&authzid);
	if (!ok)
		return SASL_FAIL;

	if (end - q < 3 || q[0] != ',' || q[1] != 'r' || q[2] != '=')
		return sasl_fail(s, "SCRAM: missing nonce");
	q += 3;
	n = sasl_scram_field_len(q, (size_t)(end - q));
	if (n == 0 || n > SASL_SCRAM_NONCE_MAX)
		return sasl_fail(s, "SCRAM: bad nonce length");
	for (size_t i = 0; i < n; i++) {
		if (q[i] < 0x21 || q[i] > 0x7e)
			return sasl_fail(s, "SCRAM: bad nonce character");
	}
	buf_append(&sc->nonce, q, n);
	q += n;
	/* optional extensions: ",attr=value" each, ignored */
	while (q < end) {
		if (end - q < 3 || q[0] != ',' || !((q[1] >= 'a' && q[1] <= 'z') ||
		    (q[1] >= 'A' && q[1] <= 'Z')) || q[2] != '=')
			return sasl_fail(s, "SCRAM: bad extension");
		q += 3;
		q += sasl_scram_field_len(q, (size_t)(end - q));
	}
	buf_append(&sc->client_first_bare, bare, (size_t)(end - bare));
	s->state = SASL_SCRAM_NEED_SECRET;
	return SASL_NEED_SCRAM_SECRET;
}

/* a secret for an unknown user: salt = HMAC(fake key, username), keys
 * random, so the exchange looks the same and the proof never matches */
static void
sasl_scram_fake_secret(struct sasl_session *s, struct scram_secret *secret)
{
	unsigned char mac[SCRAM_KEY_LEN];
	struct buf msg = BUF_INIT;

	buf_append_str(&msg, "tern fake SCRAM salt:");
	buf_append_str(&msg, s->username);
	scram_hmac(sasl_scram_fake_key, sasl_scram_fake_key_len,
		   msg.data, msg.len, mac);
	buf_free(&msg);
	memset(secret, 0, sizeof(*secret));
	secret->iterations = sasl_scram_fake_iterations;
	secret->salt_len = SCRAM_SALT_LEN;
	memcpy(secret->salt, mac, SCRAM_SALT_LEN);
	randombytes_buf(secret->stored_key, SCRAM_KEY_LEN);
	randombytes_buf(secret->server_key, SCRAM_KEY_LEN);
}

static enum sasl_result
sasl_scram_set_secret(struct sasl_session *s, const char *secret,
		      struct buf *out)
{
	struct sasl_scram *sc = sasl_scram_data(s);
	unsigned char snonce[SASL_SCRAM_SNONCE_BYTES];

	if (s->state != SASL_SCRAM_NEED_SECRET)
		return sasl_fail(s, "SCRAM: secret out of turn");
	if (secret == NULL)
		sasl_scram_fake_secret(s, &sc->secret);
	else if (!scram_secret_parse(secret, &sc->secret))
		return sasl_fail(s, "SCRAM: stored secret does not parse");

	if (s->test_nonce != NULL) {
		buf_append_str(&sc->nonce, s->test_nonce);
	} else {
		randombytes_buf(snonce, sizeof(snonce));
		base64_encode(&sc->nonce, snonce, sizeof(snonce));
	}
	buf_append_str(&sc->server_first, "r=");
	buf_append(&sc->server_first, sc->nonce.data, sc->nonce.len);
	buf_append_str(&sc->server_first, ",s=");
	base64_encode(&sc->server_first, sc->secret.salt, sc->secret.salt_len);
	buf_printf(&sc->server_first, ",i=%u", sc->secret.iterations);
	buf_append(out, sc->server_first.data, sc->server_first.len);
	s->state = SASL_SCRAM_CLIENT_FINAL;
	return SASL_CONTINUE;
}

/* client-final-message = c=<b64 gs2 header>,r=<nonce>[,ext],p=<proof> */
static enum sasl_result
sasl_scram_client_final(struct sasl_session *s, const unsigned char *p,
			size_t len, struct buf *out)
{
	struct sasl_scram *sc = sasl_scram_data(s);
	const unsigned char *end = p + len, *q = p, *proof_at = NULL;
	unsigned char sig[SCRAM_KEY_LEN], key[SCRAM_KEY_LEN];
	unsigned char stored[SCRAM_KEY_LEN];
	struct buf tmp = BUF_INIT, msg = BUF_INIT;
	size_t n;
	bool ok;

	if (len < 2 || q[0] != 'c' || q[1] != '=')
		return sasl_fail(s, "SCRAM: missing channel binding");
	n = sasl_scram_field_len(q + 2, len - 2);
	ok = base64_decode(&tmp, q + 2, n) && tmp.len == sc->gs2_header.len &&
	     memcmp(tmp.data, sc->gs2_header.data, tmp.len) == 0;
	buf_free(&tmp);
	if (!ok)
		return sasl_fail(s, "SCRAM: channel binding mismatch");
	q += 2 + n;
	if (end - q < 3 || q[0] != ',' || q[1] != 'r' || q[2] != '=')
		return sasl_fail(s, "SCRAM: missing nonce");
	q += 3;
	n = sasl_scram_field_len(q, (size_t)(end - q));
	if (n != sc->nonce.len || memcmp(q, sc->nonce.data, n) != 0)
		return sasl_fail(s, "SCRAM: nonce mismatch");
	q += n;
	/* extensions, then ",p=" as the last attribute */
	while (q < end) {
		if (end - q < 3 || q[0] != ',' || !((q[1] >= 'a' && q[1] <= 'z') ||
		    (q[1] >= 'A' && q[1] <= 'Z')) || q[2] != '=')
			return sasl_fail(s, "SCRAM: bad attribute");
		if (q[1] == 'p') {
			proof_at = q;
			q += 3;
			n = sasl_scram_field_len(q, (size_t)(end - q));
			if (q + n != end)
				return sasl_fail(s, "SCRAM: proof is not last");
			break;
		}
		q += 3;
		q += sasl_scram_field_len(q, (size_t)(end - q));
	}
	if (proof_at == NULL)
		return sasl_fail(s, "SCRAM: missing proof");
	if (!base64_decode(&tmp, proof_at + 3, (size_t)(end - proof_at - 3)) ||
	    tmp.len != SCRAM_KEY_LEN) {
		buf_free(&tmp);
		return sasl_fail(s, "SCRAM: bad proof");
	}

	/* AuthMessage = client-first-bare "," server-first ","
	 *               client-final-without-proof */
	buf_append(&msg, sc->client_first_bare.data, sc->client_first_bare.len);
	buf_append_byte(&msg, ',');
	buf_append(&msg, sc->server_first.data, sc->server_first.len);
	buf_append_byte(&msg, ',');
	buf_append(&msg, p, (size_t)(proof_at - p));

	/* ClientKey = ClientProof XOR HMAC(StoredKey, AuthMessage) */
	scram_hmac(sc->secret.stored_key, SCRAM_KEY_LEN, msg.data, msg.len,
		   sig);
	for (size_t i = 0; i < SCRAM_KEY_LEN; i++)
		key[i] = tmp.data[i] ^ sig[i];
	scram_hash(key, SCRAM_KEY_LEN, stored);
	ok = sodium_memcmp(stored, sc->secret.stored_key, SCRAM_KEY_LEN) == 0;
	if (ok)
		scram_hmac(sc->secret.server_key, SCRAM_KEY_LEN, msg.data,
			   msg.len, sc->server_signature);
	sodium_memzero(key, sizeof(key));
	sodium_memzero(sig, sizeof(sig));
	sodium_memzero(tmp.data, tmp.cap);
	buf_free(&tmp);
	buf_free(&msg);
	if (!ok)
		return sasl_fail(s, "invalid credentials");
	buf_append_str(out, "v=");
	base64_encode(out, sc->server_signature, SCRAM_KEY_LEN);
	s->state = SASL_SCRAM_CLIENT_ACK;
	return SASL_CONTINUE;
}

static enum sasl_result
sasl_scram_start(struct sasl_session *s, bool has_ir,
		 const unsigned char *ir, size_t len, struct buf *out)
{
	pthread_once(&sasl_scram_once, sasl_scram_init_once);
	s->state = SASL_SCRAM_CLIENT_FIRST;
	if (!has_ir)
		return SASL_CONTINUE;	/* empty challenge */
	return sasl_scram_client_first(s, ir, len);
}

static enum sasl_result
sasl_scram_step(struct sasl_session *s, const unsigned char *data,
		size_t len, struct buf *out)
{
	switch (s->state) {
	case SASL_SCRAM_CLIENT_FIRST:
		return sasl_scram_client_first(s, data, len);
	case SASL_SCRAM_CLIENT_FINAL:
		return sasl_scram_client_final(s, data, len, out);
	case SASL_SCRAM_CLIENT_ACK:
		if (len != 0)
			return sasl_fail(s, "SCRAM: unexpected final response");
		return SASL_OK;
	default:
		return sasl_fail(s, "SCRAM: unexpected response");
	}
}

/* wipe a buffer and free it */
static void
sasl_scram_buf_wipe(struct buf *b)
{
	if (b->data != NULL)
		sodium_memzero(b->data, b->cap);
	buf_free(b);
}

static void
sasl_scram_free(struct sasl_session *s)
{
	struct sasl_scram *sc = s->mech_data;

	if (sc == NULL)
		return;
	sasl_scram_buf_wipe(&sc->gs2_header);
	sasl_scram_buf_wipe(&sc->client_first_bare);
	sasl_scram_buf_wipe(&sc->server_first);
	sasl_scram_buf_wipe(&sc->nonce);
	sodium_memzero(sc, sizeof(*sc));
	free(sc);
	s->mech_data = NULL;
}

const struct sasl_mech sasl_scram_mech = {
	.name = "SCRAM-SHA-256",
	.start = sasl_scram_start,
	.step = sasl_scram_step,
	.set_scram_secret = sasl_scram_set_secret,
	.free = sasl_scram_free,
};
