/* fuzz-dkim-verify.c - libFuzzer harness for the DKIM verifier over a
 * whole message: the input's first line is the key record every lookup
 * gets, the rest the message (fed in chunks whose size the first byte
 * picks). The line is also parsed as a tag list and a key record.
 * The first lookup is answered with the record, the second with
 * TEMPFAIL. Checks: the callback runs exactly once, with at most
 * max_signatures results, each a known value with a terminated reason. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mailauth/dkim-private.h"
#include "mailauth/dkim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAXQ 16

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

	if (f->nq == MAXQ)
		return NULL;
	f->q[f->nq] = (struct q){ cb, arg, true };
	return &f->q[f->nq++];
}

static void
cancel(void *ctx, void *h)
{
	((struct q *)h)->live = false;
}

static int calls;
static size_t nres;

static void
done(void *arg, const struct dkim_sig_result *r, size_t n)
{
	calls++;
	nres = n;
	for (size_t i = 0; i < n; i++) {
		if (r[i].result < DKIM_NONE || r[i].result > DKIM_PERMERROR)
			abort();
		if (strnlen(r[i].reason, sizeof(r[i].reason)) == sizeof(r[i].reason))
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t klen = nl ? (size_t)(nl - data) : size;
	struct fres f = { (char *)data, klen, 0, { { 0 } } };
	struct mauth_resolver r = { &f, lookup, cancel };
	struct dkim_verify_opts o = { 4, 1800000000 };
	struct dkim_verifier *v;
	struct dkim_tags tl;
	struct dkim_pubkey k;
	const char *err;
	size_t chunk = size ? (size_t)data[0] % 64 + 1 : 1;
	const char *msg = nl ? (const char *)nl + 1 : "";
	size_t mlen = nl ? size - klen - 1 : 0;

	(void)dkim_tags_parse((const char *)data, klen, &tl, &err);
	if (dkim_key_parse((const char *)data, klen, &k, &err))
		dkim_key_free(&k);

	calls = 0;
	v = dkim_verify_new(&o);
	/* header fields split as the SMTP side would; then the body */
	{
		size_t i = 0;

		while (i < mlen) {
			const char *e = memmem(msg + i, mlen - i, "\r\n", 2);
			size_t s = i;

			if (e == NULL || e == msg + i) {
				i = e ? i + 2 : i;
				break;
			}
			while (e && e + 2 < msg + mlen && (e[2] == ' ' || e[2] == '\t'))
				e = memmem(e + 2, (size_t)(msg + mlen - e - 2), "\r\n", 2);
			if (e == NULL) {
				dkim_verify_header(v, msg + s, mlen - s);
				i = mlen;
				break;
			}
			dkim_verify_header(v, msg + s, (size_t)(e - msg) - s);
			i = (size_t)(e - msg) + 2;
		}
		dkim_verify_end_header(v);
		for (; i < mlen; i += chunk)
			dkim_verify_body(v, msg + i, mlen - i < chunk ? mlen - i : chunk);
	}
	dkim_verify_finish(v, &r, done, NULL);
	for (unsigned i = 0; i < f.nq; i++) {
		struct mauth_rr rr = { f.rec, f.len, 0 };
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
	if (calls != 1 || nres > 4)
		abort();
	dkim_verify_free(v);
	return 0;
}
