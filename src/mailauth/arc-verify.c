/* arc-verify.c - RFC 8617 5.2: validate the chain a message arrives
 * with, streaming. The header's fields are kept; at its end the sets
 * are sorted and checked for form (arc-chain.c), the newest
 * ARC-Message-Signature is read and its body hash started, and every
 * ARC-Seal's hash input is built. At finish the keys are looked up all
 * at once (the newest AMS's and each seal's) and checked as they come. */
#include "mailauth/arc-private.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "lib/base64.h"

/* distinct body canonicalizations (c=, l=) hashed: the newest AMS's
 * always; older AMSs beyond these count as not verifying */
#define ARC_MAX_BODY_HASHES 4

/* one signature to check with a key: an AMS or a seal */
struct asig {
	bool ams;
	size_t bhi;		/* AMS: its body hash in v->bh */
	struct buf bh;		/* AMS: bh=, decoded */
	int64_t limit;		/* AMS: l=, or -1 */
	enum dkim_alg alg;
	char d[256], s[256];
	struct buf b;		/* b=, decoded */
	struct buf input;	/* the header hash input */
	enum arc_result r;
	char reason[96];
	bool done;
	void *q;		/* pending lookup */
	struct arc_verifier *v;
};

struct arc_verifier {
	time_t now;
	unsigned max_rsa_bits;	/* bigger keys fail unverified (CPU) */
	struct dkim_fields fs;
	bool in_body;
	struct arc_chain c;
	struct arc_verdict res;
	bool decided;		/* the verdict needs no key */
	/* sig[0]: the newest AMS; sig[i]: seal i; sig[n + i]: AMS i < n
	 * (checked only for oldest-pass) */
	struct asig *sig;
	size_t nsig;
	/* body hashes, one per canonicalization and l= */
	size_t nbh;
	struct dkim_bh *bh;
	struct {
		bool relaxed;
		int64_t limit;
	} *bhkey;
	unsigned pending;
	const struct mauth_resolver *r;
	arc_verify_cb *cb;
	void *arg;
};

const char *
arc_result_name(enum arc_result r)
{
	switch (r) {
	case ARC_PASS: return "pass";
	case ARC_FAIL: return "fail";
	case ARC_TEMPERROR: return "temperror";
	case ARC_NONE: break;
	}
	return "none";
}

struct arc_verifier *
arc_verify_new(time_t now)
{
	struct arc_verifier *v = xcalloc(1, sizeof(*v));

	v->now = now ? now : time(NULL);
	v->max_rsa_bits = DKIM_RSA_MAX_BITS;
	return v;
}

void
arc_verify_set_max_rsa_bits(struct arc_verifier *v, unsigned bits)
{
	v->max_rsa_bits = bits ? bits : DKIM_RSA_MAX_BITS;
}

void
arc_verify_header(struct arc_verifier *v, const char *field, size_t len)
{
	if (!v->in_body)
		dkim_fields_add(&v->fs, field, len);
}

static void
sig_set(struct asig *g, enum arc_result r, const char *what, const char *why)
{
	g->r = r;
	g->done = true;
	snprintf(g->reason, sizeof(g->reason), "%s: %s", what, why);
}

static void
decide(struct arc_verifier *v, enum arc_result r, const char *reason)
{
	v->decided = true;
	v->res.result = r;
	snprintf(v->res.reason, sizeof(v->res.reason), "%s", reason);
}

static bool
tag_eq(const struct dkim_tag *t, const char *s)
{
	return t->value_len == strlen(s) && !memcmp(t->value, s, t->value_len);
}

static void
tag_lower(char *dst, size_t size, const struct dkim_tag *t)
{
	size_t n = t->value_len < size - 1 ? t->value_len : size - 1;

	for (size_t i = 0; i < n; i++)
		dst[i] = (char)tolower((unsigned char)t->value[i]);
	dst[n] = '\0';
}

static bool
name_ok(const char *s)
{
	if (*s == '\0' || strlen(s) > 253)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '.' &&
		    *s != '_')
			return false;
	return true;
}

static bool
b64_tag(const struct dkim_tag *t, struct buf *out)
{
	char *p = dkim_tag_nows(t);
	bool ok = base64_decode(out, p, strlen(p)) && out->len > 0;

	free(p);
	return ok;
}

/* a=, d=, s=, b= of an AMS or AS; NULL or why it cannot be used */
static const char *
parse_common(const struct dkim_tags *tl, struct asig *g)
{
	const struct dkim_tag *a = dkim_tags_get(tl, "a");
	const struct dkim_tag *d = dkim_tags_get(tl, "d");
	const struct dkim_tag *s = dkim_tags_get(tl, "s");
	const struct dkim_tag *b = dkim_tags_get(tl, "b");

	if (!a || !d || !s || !b)
		return "required tag missing";
	tag_lower(g->d, sizeof(g->d), d);
	tag_lower(g->s, sizeof(g->s), s);
	if (!name_ok(g->d) || !name_ok(g->s))
		return "bad d= or s=";
	if (tag_eq(a, "rsa-sha256"))
		g->alg = DKIM_RSA_SHA256;
	else if (tag_eq(a, "ed25519-sha256"))
		g->alg = DKIM_ED25519_SHA256;
	else
		return "unknown or refused algorithm";
	if (!b64_tag(b, &g->b))
		return "bad b=";
	return NULL;
}

/* the field with its b= value removed, relaxed, no final CRLF */
static void
self_input(struct buf *out, bool relaxed, const char *field, size_t len,
	   const char *val, const struct dkim_tag *b)
{
	struct buf self = BUF_INIT;
	size_t off = (size_t)(val - field);

	buf_append(&self, field, off + b->value_off);
	buf_append(&self, field + off + b->end_off, len - off - b->end_off);
	dkim_canon_header(out, relaxed, (const char *)self.data, self.len,
			  false);
	buf_free(&self);
}

/* seal i (4.1.3): tags, cv=, no h=, and its hash input */
static const char *
parse_seal(struct arc_verifier *v, unsigned i)
{
	struct asig *g = &v->sig[i];
	size_t len;
	const char *f = arc_chain_field(&v->fs, &v->c, i, ARC_AS, &len);
	const char *val = (const char *)memchr(f, ':', len) + 1;
	struct dkim_tags tl;
	const char *err;
	int cv;

	if (!dkim_tags_parse(val, len - (size_t)(val - f), &tl, &err))
		return "malformed ARC-Seal";
	if ((err = parse_common(&tl, g)) != NULL)
		return err;
	if (i == v->c.n)
		snprintf(v->res.sealer, sizeof(v->res.sealer), "%s", g->d);
	if (dkim_tags_get(&tl, "h"))
		return "h= in an ARC-Seal";
	cv = arc_seal_cv(f, len);
	if (cv < 0)
		return "ARC-Seal without a valid cv=";
	if (cv == ARC_FAIL)
		return "an ARC-Seal says cv=fail";
	if ((i == 1) != (cv == ARC_NONE))
		return i == 1 ? "ARC-Seal i=1 without cv=none" :
			"ARC-Seal i>1 without cv=pass";
	arc_chain_input(&v->fs, &v->c, i - 1, &g->input);
	for (int k = ARC_AAR; k < ARC_AS; k++) {
		size_t n;
		const char *p = arc_chain_field(&v->fs, &v->c, i, k, &n);

		dkim_canon_header(&g->input, true, p, n, true);
	}
	self_input(&g->input, true, f, len, val, dkim_tags_get(&tl, "b"));
	return NULL;
}

/* the body hash for this canonicalization and l=; SIZE_MAX when there
 * are ARC_MAX_BODY_HASHES already (each costs a pass over the body) */
static size_t
body_hash_for(struct arc_verifier *v, bool relaxed, int64_t limit)
{
	for (size_t i = 0; i < v->nbh; i++)
		if (v->bhkey[i].relaxed == relaxed && v->bhkey[i].limit == limit)
			return i;
	if (v->nbh == ARC_MAX_BODY_HASHES)
		return SIZE_MAX;
	v->bh = xrealloc(v->bh, (v->nbh + 1) * sizeof(*v->bh));
	v->bhkey = xrealloc(v->bhkey, (v->nbh + 1) * sizeof(*v->bhkey));
	v->bhkey[v->nbh].relaxed = relaxed;
	v->bhkey[v->nbh].limit = limit;
	dkim_bh_init(&v->bh[v->nbh], relaxed, limit);
	return v->nbh++;
}

/* AMS inst (4.1.2): a DKIM signature with i= for v= */
static const char *
parse_ams(struct arc_verifier *v, unsigned inst, struct asig *g)
{
	size_t len;
	const char *f = arc_chain_field(&v->fs, &v->c, inst, ARC_AMS, &len);
	const char *val = (const char *)memchr(f, ':', len) + 1;
	struct dkim_tags tl;
	const struct dkim_tag *t;
	const char *err;
	bool hrelaxed = false, brelaxed = false;
	char *h;

	if (!dkim_tags_parse(val, len - (size_t)(val - f), &tl, &err))
		return "malformed ARC-Message-Signature";
	if ((err = parse_common(&tl, g)) != NULL)
		return err;
	if (!dkim_tags_get(&tl, "bh") || !dkim_tags_get(&tl, "h"))
		return "required tag missing";
	if ((t = dkim_tags_get(&tl, "c")) != NULL) {
		char c[32], *slash;

		tag_lower(c, sizeof(c), t);
		slash = strchr(c, '/');
		if (slash)
			*slash++ = '\0';
		if ((strcmp(c, "simple") && strcmp(c, "relaxed")) ||
		    (slash && strcmp(slash, "simple") && strcmp(slash, "relaxed")))
			return "unknown canonicalization";
		hrelaxed = !strcmp(c, "relaxed");
		brelaxed = slash && !strcmp(slash, "relaxed");
	}
	g->limit = -1;
	if ((t = dkim_tags_get(&tl, "l")) != NULL) {
		g->limit = 0;
		for (size_t i = 0; i < t->value_len; i++) {
			if (!isdigit((unsigned char)t->value[i]) || i >= 18)
				return "bad l=";
			g->limit = g->limit * 10 + (t->value[i] - '0');
		}
	}
	if (!b64_tag(dkim_tags_get(&tl, "bh"), &g->bh) || g->bh.len != 32)
		return "bad bh=";
	h = dkim_tag_nows(dkim_tags_get(&tl, "h"));
	for (const char *p = h; *p;) {
		size_t n = strcspn(p, ":");

		if (n == 8 && !strncasecmp(p, "arc-seal", 8)) {
			free(h);
			return "ARC-Message-Signature signs ARC-Seal";
		}
		p += n + (p[n] == ':');
	}
	g->bhi = body_hash_for(v, brelaxed, g->limit);
	if (g->bhi == SIZE_MAX) {
		free(h);
		return "too many body hash variants";
	}
	dkim_fields_hash_input(&v->fs, h, hrelaxed, &g->input);
	free(h);
	self_input(&g->input, hrelaxed, f, len, val, dkim_tags_get(&tl, "b"));
	return NULL;
}

void
arc_verify_end_header(struct arc_verifier *v)
{
	const char *err;
	size_t len;
	const char *top;

	if (v->in_body)
		return;
	v->in_body = true;
	arc_chain_parse(&v->fs, &v->c);
	if (v->c.fields == 0) {
		decide(v, ARC_NONE, "no ARC sets");
		return;
	}
	v->res.instance = v->c.n;
	if (v->c.err) {
		/* a seal is added with cv=fail, unless that is over 50 or
		 * the top seal failed the chain already */
		top = arc_chain_field(&v->fs, &v->c, v->c.n, ARC_AS, &len);
		v->res.sealable = v->c.n < ARC_MAX_INSTANCE &&
				  !(top && arc_seal_cv(top, len) == ARC_FAIL);
		decide(v, ARC_FAIL, v->c.err);
		return;
	}
	top = arc_chain_field(&v->fs, &v->c, v->c.n, ARC_AS, &len);
	v->res.sealable = v->c.n < ARC_MAX_INSTANCE &&
			  arc_seal_cv(top, len) != ARC_FAIL;
	v->nsig = 2 * (size_t)v->c.n;
	v->sig = xcalloc(v->nsig, sizeof(*v->sig));
	for (size_t i = 0; i < v->nsig; i++) {
		v->sig[i].v = v;
		v->sig[i].ams = i == 0 || i > v->c.n;
	}
	/* newest first, so the reason names the newest problem */
	for (unsigned i = v->c.n; i >= 1; i--)
		if ((err = parse_seal(v, i)) != NULL) {
			decide(v, ARC_FAIL, err);
			return;
		}
	if ((err = parse_ams(v, v->c.n, &v->sig[0])) != NULL) {
		decide(v, ARC_FAIL, err);
		return;
	}
	/* the older AMSs, for oldest-pass: their failure fails nothing */
	for (unsigned i = 1; i < v->c.n; i++)
		if ((err = parse_ams(v, i, &v->sig[v->c.n + i])) != NULL)
			sig_set(&v->sig[v->c.n + i], ARC_FAIL,
				"ARC-Message-Signature", err);
}

void
arc_verify_body(struct arc_verifier *v, const void *data, size_t len)
{
	if (!v->in_body)
		arc_verify_end_header(v);
	for (size_t i = 0; i < v->nbh; i++)
		dkim_bh_update(&v->bh[i], data, len);
}

static void
deliver(struct arc_verifier *v)
{
	arc_verify_cb *cb = v->cb;

	if (!v->decided) {
		enum arc_result r = ARC_PASS;
		const char *reason = "chain verified";

		unsigned n = v->c.n;

		/* a temporary error could hide a pass; else the first
		 * failure (the newest AMS, then the seals newest first) */
		for (size_t i = 0; i <= n; i++)
			if (v->sig[i].r == ARC_TEMPERROR) {
				r = ARC_TEMPERROR;
				reason = v->sig[i].reason;
			}
		for (size_t k = 0; r == ARC_PASS && k <= n; k++) {
			size_t i = k == 0 ? 0 : n + 1 - k;

			if (v->sig[i].r != ARC_PASS) {
				r = ARC_FAIL;
				reason = v->sig[i].reason;
			}
		}
		/* 5.2 step 6: the oldest instance from which every AMS up
		 * to the newest verifies; 0 when all do */
		for (unsigned i = n - 1; r == ARC_PASS && i >= 1; i--)
			if (v->sig[n + i].r != ARC_PASS) {
				v->res.oldest_pass = i + 1;
				break;
			}
		decide(v, r, reason);
	}
	v->cb = NULL;
	cb(v->arg, &v->res);	/* may free v */
}


static void
check_with_key(struct asig *g, const struct mauth_dns_answer *a)
{
	const char *what = g->ams ? "ARC-Message-Signature" : "ARC-Seal";
	struct dkim_pubkey k;
	const char *err;
	int have = dkim_key_from_answer(a, &k, &err);

	if (have != 0) {
		sig_set(g, have > 0 ? ARC_TEMPERROR : ARC_FAIL, what,
			have > 0 ? "key lookup failed" : err);
		return;
	}
	if (k.kalg != g->alg)
		sig_set(g, ARC_FAIL, what, "key type does not match a=");
	else if (g->alg == DKIM_RSA_SHA256 &&
		 EVP_PKEY_get_bits(k.pkey) < DKIM_RSA_MIN_BITS)
		sig_set(g, ARC_FAIL, what, "RSA key shorter than 1024 bits");
	else if (g->alg == DKIM_RSA_SHA256 &&
		 (unsigned)EVP_PKEY_get_bits(k.pkey) > g->v->max_rsa_bits)
		sig_set(g, ARC_FAIL, what, "RSA key too large");
	else if (!dkim_crypto_verify(k.pkey, g->alg, g->input.data,
				     g->input.len, g->b.data, g->b.len))
		sig_set(g, ARC_FAIL, what, "signature did not verify");
	else
		sig_set(g, ARC_PASS, what, "good signature");
	dkim_key_free(&k);
}

static void
key_cb(void *arg, const struct mauth_dns_answer *a)
{
	struct asig *g = arg;
	struct arc_verifier *v = g->v;

	g->q = NULL;
	check_with_key(g, a);
	if (--v->pending == 0)
		deliver(v);
}

void
arc_verify_finish(struct arc_verifier *v, const struct mauth_resolver *r,
		  arc_verify_cb *cb, void *arg)
{
	unsigned char (*hash)[32];

	if (!v->in_body)
		arc_verify_end_header(v);
	v->r = r;
	v->cb = cb;
	v->arg = arg;
	hash = xcalloc(v->nbh ? v->nbh : 1, sizeof(*hash));
	for (size_t i = 0; i < v->nbh; i++)
		dkim_bh_final(&v->bh[i], hash[i]);
	for (size_t i = 0; !v->decided && i < v->nsig; i++) {
		struct asig *g = &v->sig[i];

		if (!g->ams || g->done)
			continue;
		if (g->limit >= 0 && v->bh[g->bhi].total < (uint64_t)g->limit)
			sig_set(g, ARC_FAIL, "ARC-Message-Signature",
				"body shorter than l=");
		else if (memcmp(g->bh.data, hash[g->bhi], 32))
			sig_set(g, ARC_FAIL, "ARC-Message-Signature",
				"body hash did not verify");
		if (i == 0 && g->done)
			decide(v, ARC_FAIL, g->reason);
	}
	free(hash);
	if (v->decided) {
		deliver(v);
		return;
	}
	/* count first: a failed ask must not reach zero early */
	v->pending = 1;
	for (size_t i = 0; i < v->nsig; i++)
		v->pending += !v->sig[i].done;
	for (size_t i = 0; i < v->nsig; i++) {
		struct asig *g = &v->sig[i];
		char name[600];

		if (g->done)
			continue;

		snprintf(name, sizeof(name), "%s._domainkey.%s", g->s, g->d);
		g->q = r->lookup(r->ctx, name, MAUTH_DNS_TXT, key_cb, g);
		if (g->q == NULL) {
			sig_set(g, ARC_TEMPERROR, "key", "lookup could not be asked");
			v->pending--;
		}
	}
	if (--v->pending == 0)
		deliver(v);
}

void
arc_verify_free(struct arc_verifier *v)
{
	if (v == NULL)
		return;
	for (size_t i = 0; i < v->nsig; i++) {
		struct asig *g = &v->sig[i];

		if (g->q && v->r && v->r->cancel)
			v->r->cancel(v->r->ctx, g->q);
		buf_free(&g->b);
		buf_free(&g->bh);
		buf_free(&g->input);
	}
	for (size_t i = 0; i < v->nbh; i++)
		dkim_bh_free(&v->bh[i]);
	free(v->sig);
	free(v->bh);
	free(v->bhkey);
	dkim_fields_free(&v->fs);
	free(v);
}

static void vf(void *o, const char *f, size_t n) { arc_verify_header(o, f, n); }
static void ve(void *o) { arc_verify_end_header(o); }
static void vb(void *o, const void *p, size_t n) { arc_verify_body(o, p, n); }

void
arc_verify_message(struct arc_verifier *v, const char *msg, size_t len)
{
	dkim_message_split(msg, len, vf, ve, vb, v);
}
