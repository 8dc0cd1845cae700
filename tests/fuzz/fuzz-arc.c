/* fuzz-arc.c - libFuzzer harness for ARC (RFC 8617) over a whole
 * message: the input's first line is the key record every lookup gets,
 * the rest the message (the body fed in chunks whose size the first
 * byte picks). The first lookup is answered with the record, the
 * second with TEMPFAIL. The same message is then sealed (a fixed
 * 1024-bit RSA key, made once). Checks: the callback runs exactly
 * once with a known result and a terminated reason; a seal is either
 * absent or three CRLF-ended fields starting with ARC-Seal. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "mailauth/arc.h"
#include "mailauth/dkim-private.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAXQ 64

struct fres {
	char *rec;
	size_t len;
	unsigned nq;
	struct q {
		mauth_dns_cb *cb;
		void *arg;
		bool live;
	} q[MAXQ];
};

static void *
lookup(void *ctx, const char *name, enum mauth_dns_type type,
       mauth_dns_cb *cb, void *arg)
{
	struct fres *f = ctx;

	(void)name;
	(void)type;
	if (f->nq == MAXQ)
		return NULL;
	f->q[f->nq] = (struct q){ cb, arg, true };
	return &f->q[f->nq++];
}

static void
cancel(void *ctx, void *h)
{
	(void)ctx;
	((struct q *)h)->live = false;
}

static int calls;
static enum arc_result got;

static void
done(void *arg, const struct arc_verdict *v)
{
	(void)arg;
	calls++;
	got = v->result;
	if (v->result > ARC_TEMPERROR || v->instance > ARC_MAX_INSTANCE + 1)
		abort();
	if (strnlen(v->reason, sizeof(v->reason)) == sizeof(v->reason) ||
	    strnlen(v->sealer, sizeof(v->sealer)) == sizeof(v->sealer))
		abort();
}

static struct dkim_keyset *
keyset(void)
{
	static struct dkim_keyset ks;

	if (ks.n == 0) {
		ks.domain = "example.org";
		ks.key[0].alg = DKIM_RSA_SHA256;
		strcpy(ks.key[0].selector, "fuzz");
		ks.key[0].pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA",
						   (size_t)1024);
		if (ks.key[0].pkey == NULL)
			abort();
		ks.n = 1;
	}
	return &ks;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t klen = nl ? (size_t)(nl - data) : size;
	struct fres f = { (char *)data, klen, 0, { { 0 } } };
	struct mauth_resolver r = { &f, lookup, cancel };
	struct arc_verifier *v;
	struct arc_sealer *s;
	size_t chunk = size ? (size_t)data[0] % 64 + 1 : 1;
	const char *msg = nl ? (const char *)nl + 1 : "";
	size_t mlen = nl ? size - klen - 1 : 0;
	const char *body = memmem(msg, mlen, "\r\n\r\n", 4);
	size_t hlen = body ? (size_t)(body - msg) + 4 : mlen;
	char *err = NULL, *set;

	calls = 0;
	v = arc_verify_new(1800000000);
	arc_verify_message(v, msg, hlen);
	for (size_t i = hlen; i < mlen; i += chunk)
		arc_verify_body(v, msg + i, mlen - i < chunk ? mlen - i : chunk);
	arc_verify_finish(v, &r, done, NULL);
	for (unsigned i = 0; i < f.nq; i++) {
		struct mauth_rr rr = { NULL, f.len, 0 };
		struct mauth_dns_answer a = { MAUTH_DNS_DATA, 1, &rr, false };
		char *copy = malloc(f.len + 1);

		memcpy(copy, f.rec, f.len);
		copy[f.len] = '\0';
		rr.text = copy;
		if (i == 1)
			a.rcode = MAUTH_DNS_TEMPFAIL;
		if (f.q[i].live) {
			f.q[i].live = false;
			f.q[i].cb(f.q[i].arg, &a);
		}
		free(copy);
	}
	if (calls != 1)
		abort();
	arc_verify_free(v);

	s = arc_seal_new(keyset(), 1800000000);
	arc_seal_message(s, msg, mlen);
	set = arc_seal_finish(s, got == ARC_TEMPERROR ? ARC_PASS : got,
			      "Authentication-Results: mx.example.org; arc=none",
			      &err);
	if (set && (strncmp(set, "ARC-Seal: i=", 12) != 0 ||
		    strlen(set) < 2 || strcmp(set + strlen(set) - 2, "\r\n")))
		abort();
	free(set);
	free(err);
	arc_seal_free(s);
	return 0;
}
