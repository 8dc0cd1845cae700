/* dkim-verify.c - check a message's DKIM signatures (RFC 6376 6),
 * streaming: the header fields are kept, the body only hashed.
 *
 * Signatures are read at the end of the header (at most
 * max_signatures of them, top first); each gets a body hash (shared
 * between signatures with the same canonicalization and l=). At
 * finish, a signature whose body hash already fails needs no key; the
 * others look theirs up, all at once, and the callback runs when the
 * last answer is in. */
#include "mailauth/dkim-private.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "lib/base64.h"

#define DKIM_TIME_SKEW 300	/* t= this far in the future is fine */

struct vsig {
	struct dkim_sig_result res;
	bool done;
	bool hrelaxed, brelaxed;
	enum dkim_alg alg;
	int64_t limit;		/* l=, -1 none */
	size_t bhi;		/* index in v->bh */
	char *h;		/* h=, whitespace removed */
	struct buf bh;		/* bh=, decoded */
	struct buf b;		/* b=, decoded */
	struct buf input;	/* the header hash input */
	void *q;		/* pending lookup */
	struct dkim_verifier *v;
};

struct dkim_verifier {
	struct dkim_verify_opts o;
	struct dkim_fields fs;
	bool in_body;
	size_t n;
	struct vsig *s;
	size_t nbh;
	struct dkim_bh *bh;
	struct {
		bool relaxed;
		int64_t limit;
	} *bhkey;
	unsigned pending;
	const struct mauth_resolver *r;
	dkim_verify_cb *cb;
	void *arg;
};

struct dkim_verifier *
dkim_verify_new(const struct dkim_verify_opts *opts)
{
	struct dkim_verifier *v = xcalloc(1, sizeof(*v));

	if (opts)
		v->o = *opts;
	if (v->o.max_signatures == 0)
		v->o.max_signatures = DKIM_MAX_SIGNATURES;
	if (v->o.max_rsa_bits == 0)
		v->o.max_rsa_bits = DKIM_RSA_MAX_BITS;
	return v;
}

void
dkim_verify_header(struct dkim_verifier *v, const char *field, size_t len)
{
	if (!v->in_body)
		dkim_fields_add(&v->fs, field, len);
}

static void
set(struct vsig *s, enum dkim_result r, const char *reason)
{
	s->res.result = r;
	snprintf(s->res.reason, sizeof(s->res.reason), "%s", reason);
	s->done = true;
}

static bool
tag_eq(const struct dkim_tag *t, const char *v)
{
	return t->value_len == strlen(v) && !memcmp(t->value, v, t->value_len);
}

static void
tag_copy(char *dst, size_t size, const struct dkim_tag *t, bool lower)
{
	size_t n = t->value_len < size - 1 ? t->value_len : size - 1;

	for (size_t i = 0; i < n; i++)
		dst[i] = lower ? (char)tolower((unsigned char)t->value[i]) :
				 t->value[i];
	dst[n] = '\0';
}

/* decimal, at most 18 digits (l= bigger than that is beyond any body) */
static bool
tag_num(const struct dkim_tag *t, int64_t *out)
{
	int64_t n = 0;

	if (t->value_len == 0)
		return false;
	for (size_t i = 0; i < t->value_len; i++) {
		if (!isdigit((unsigned char)t->value[i]))
			return false;
		if (i < 18)
			n = n * 10 + (t->value[i] - '0');
		else
			n = INT64_MAX;
	}
	*out = n;
	return true;
}

static bool
name_ok(const char *s, bool selector)
{
	if (*s == '\0' || strlen(s) > 253)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '.' &&
		    !(selector && *s == '_'))
			return false;
	return true;
}

static bool
b64_tag(const struct dkim_tag *t, struct buf *out)
{
	char *p = dkim_tag_nows(t);
	bool ok = base64_decode(out, p, strlen(p));

	free(p);
	return ok;
}

static size_t
body_hash_for(struct dkim_verifier *v, bool relaxed, int64_t limit)
{
	for (size_t i = 0; i < v->nbh; i++)
		if (v->bhkey[i].relaxed == relaxed && v->bhkey[i].limit == limit)
			return i;
	v->bh = xrealloc(v->bh, (v->nbh + 1) * sizeof(*v->bh));
	v->bhkey = xrealloc(v->bhkey, (v->nbh + 1) * sizeof(*v->bhkey));
	v->bhkey[v->nbh].relaxed = relaxed;
	v->bhkey[v->nbh].limit = limit;
	dkim_bh_init(&v->bh[v->nbh], relaxed, limit);
	return v->nbh++;
}

/* h= (whitespace removed) names From (RFC 6376 5.4) */
static bool
signs_from(const char *h)
{
	for (const char *p = h; *p;) {
		size_t n = strcspn(p, ":");

		if (n == 4 && !strncasecmp(p, "from", 4))
			return true;
		p += n;
		if (*p)
			p++;
	}
	return false;
}

/* the field itself, its b= value (from '=' to the ';' or the end)
 * removed, canonicalized without the ending CRLF (3.7) */
static void
self_input(struct vsig *s, const char *field, size_t off,
	   const struct dkim_tag *tb, size_t vlen)
{
	struct buf self = BUF_INIT;

	buf_append(&self, field, off + tb->value_off);
	buf_append(&self, field + off + tb->end_off, vlen - tb->end_off);
	dkim_canon_header(&s->input, s->hrelaxed, (const char *)self.data,
			  self.len, false);
	buf_free(&self);
}

/* Read one DKIM-Signature field; false: s is done (permerror/fail). */
static bool
parse_sig(struct dkim_verifier *v, struct vsig *s, const char *field,
	  size_t len)
{
	const char *colon = memchr(field, ':', len);
	const char *val = colon + 1;
	size_t vlen = len - (size_t)(val - field);
	struct dkim_tags tl;
	const struct dkim_tag *t, *tb;
	const char *err;
	time_t now = v->o.now ? v->o.now : time(NULL);
	int64_t ts = -1, x;

	if (!dkim_tags_parse(val, vlen, &tl, &err)) {
		set(s, DKIM_PERMERROR, err);
		return false;
	}
	if ((t = dkim_tags_get(&tl, "d")) != NULL)
		tag_copy(s->res.domain, sizeof(s->res.domain), t, true);
	if ((t = dkim_tags_get(&tl, "s")) != NULL)
		tag_copy(s->res.selector, sizeof(s->res.selector), t, true);
	if ((t = dkim_tags_get(&tl, "a")) != NULL)
		tag_copy(s->res.algorithm, sizeof(s->res.algorithm), t, false);
	if ((tb = dkim_tags_get(&tl, "b")) != NULL) {
		char *b = dkim_tag_nows(tb);

		snprintf(s->res.b, sizeof(s->res.b), "%.12s", b);
		free(b);
	}
	if ((t = dkim_tags_get(&tl, "v")) == NULL || !tag_eq(t, "1")) {
		set(s, DKIM_PERMERROR, "v= is not 1");
		return false;
	}
	if (tb == NULL || dkim_tags_get(&tl, "bh") == NULL ||
	    dkim_tags_get(&tl, "d") == NULL || dkim_tags_get(&tl, "h") == NULL ||
	    dkim_tags_get(&tl, "s") == NULL || dkim_tags_get(&tl, "a") == NULL) {
		set(s, DKIM_PERMERROR, "required tag missing");
		return false;
	}
	if (!name_ok(s->res.domain, false) || !name_ok(s->res.selector, true)) {
		set(s, DKIM_PERMERROR, "bad d= or s=");
		return false;
	}
	t = dkim_tags_get(&tl, "a");
	if (tag_eq(t, "rsa-sha256")) {
		s->alg = DKIM_RSA_SHA256;
	} else if (tag_eq(t, "ed25519-sha256")) {
		s->alg = DKIM_ED25519_SHA256;
	} else if (tag_eq(t, "rsa-sha1")) {
		set(s, DKIM_FAIL, "rsa-sha1 is not accepted (RFC 8301)");
		return false;
	} else {
		set(s, DKIM_PERMERROR, "unknown algorithm");
		return false;
	}
	if ((t = dkim_tags_get(&tl, "c")) != NULL) {
		char c[32];
		char *slash;

		tag_copy(c, sizeof(c), t, false);
		slash = strchr(c, '/');
		if (slash)
			*slash++ = '\0';
		if (strcmp(c, "simple") && strcmp(c, "relaxed")) {
			set(s, DKIM_PERMERROR, "unknown canonicalization");
			return false;
		}
		s->hrelaxed = !strcmp(c, "relaxed");
		if (slash && strcmp(slash, "simple") && strcmp(slash, "relaxed")) {
			set(s, DKIM_PERMERROR, "unknown canonicalization");
			return false;
		}
		s->brelaxed = slash && !strcmp(slash, "relaxed");
	}
	if ((t = dkim_tags_get(&tl, "q")) != NULL && !tag_eq(t, "dns/txt")) {
		set(s, DKIM_PERMERROR, "unknown query method");
		return false;
	}
	s->limit = -1;
	if ((t = dkim_tags_get(&tl, "l")) != NULL && !tag_num(t, &s->limit)) {
		set(s, DKIM_PERMERROR, "bad l=");
		return false;
	}
	if ((t = dkim_tags_get(&tl, "t")) != NULL) {
		if (!tag_num(t, &ts)) {
			set(s, DKIM_PERMERROR, "bad t=");
			return false;
		}
		if (ts > (int64_t)now + DKIM_TIME_SKEW) {
			set(s, DKIM_FAIL, "signed in the future (t=)");
			return false;
		}
	}
	if ((t = dkim_tags_get(&tl, "x")) != NULL) {
		if (!tag_num(t, &x) || (ts >= 0 && x < ts)) {
			set(s, DKIM_PERMERROR, "bad x=");
			return false;
		}
		if (x < (int64_t)now) {
			set(s, DKIM_FAIL, "signature expired (x=)");
			return false;
		}
	}
	/* i= is in d= or a subdomain of it (6.1.1) */
	if ((t = dkim_tags_get(&tl, "i")) != NULL) {
		const char *at = memchr(t->value, '@', t->value_len);
		size_t dl = strlen(s->res.domain), il;

		tag_copy(s->res.identity, sizeof(s->res.identity), t, false);
		if (at == NULL) {
			set(s, DKIM_PERMERROR, "bad i=");
			return false;
		}
		il = t->value_len - (size_t)(at + 1 - t->value);
		if (!(il == dl && !strncasecmp(at + 1, s->res.domain, dl)) &&
		    !(il > dl && at[il - dl] == '.' &&
		      !strncasecmp(at + 1 + il - dl, s->res.domain, dl))) {
			set(s, DKIM_PERMERROR, "i= not within d=");
			return false;
		}
	} else {
		snprintf(s->res.identity, sizeof(s->res.identity), "@%.250s",
			 s->res.domain);
	}
	s->h = dkim_tag_nows(dkim_tags_get(&tl, "h"));
	if (!signs_from(s->h)) {
		set(s, DKIM_PERMERROR, "From not signed");
		return false;
	}
	if (!b64_tag(dkim_tags_get(&tl, "bh"), &s->bh) || !b64_tag(tb, &s->b) ||
	    s->b.len == 0) {
		set(s, DKIM_PERMERROR, "bad bh= or b=");
		return false;
	}
	/* the hash input: the signed fields, then this one with b= empty */
	dkim_fields_hash_input(&v->fs, s->h, s->hrelaxed, &s->input);
	self_input(s, field, (size_t)(val - field), tb, vlen);
	s->bhi = body_hash_for(v, s->brelaxed, s->limit);
	return true;
}

void
dkim_verify_end_header(struct dkim_verifier *v)
{
	static const char name[] = "DKIM-Signature";

	if (v->in_body)
		return;
	v->in_body = true;
	for (size_t i = 0; i < v->fs.n && v->n < v->o.max_signatures; i++) {
		const char *f = (const char *)v->fs.text.data + v->fs.f[i].off;
		size_t len = v->fs.f[i].len;

		if (!dkim_field_is(f, len, name, sizeof(name) - 1))
			continue;
		if (v->s == NULL)
			v->s = xcalloc(v->o.max_signatures, sizeof(*v->s));
		v->s[v->n].v = v;
		parse_sig(v, &v->s[v->n], f, len);
		v->n++;
	}
}

void
dkim_verify_body(struct dkim_verifier *v, const void *data, size_t len)
{
	if (!v->in_body)
		dkim_verify_end_header(v);
	for (size_t i = 0; i < v->nbh; i++)
		dkim_bh_update(&v->bh[i], data, len);
}

static void
deliver(struct dkim_verifier *v)
{
	struct dkim_sig_result *res = xcalloc(v->n ? v->n : 1, sizeof(*res));
	dkim_verify_cb *cb = v->cb;
	void *arg = v->arg;
	size_t n = v->n;

	for (size_t i = 0; i < n; i++)
		res[i] = v->s[i].res;
	v->cb = NULL;
	cb(arg, res, n);	/* may free v */
	free(res);
}

static void
check_with_key(struct vsig *s, const struct mauth_dns_answer *a)
{
	struct dkim_pubkey k;
	const char *err;
	int have = dkim_key_from_answer(a, &k, &err);

	if (have != 0) {
		set(s, have > 0 ? DKIM_TEMPERROR : DKIM_PERMERROR,
		    have > 0 ? "key lookup failed" : err);
		return;
	}
	if (k.kalg != s->alg) {
		set(s, DKIM_PERMERROR, "key type does not match a=");
	} else if (k.strict && strcasecmp(strchr(s->res.identity, '@') + 1,
					  s->res.domain)) {
		set(s, DKIM_PERMERROR, "key t=s: i= must be d=");
	} else if (s->alg == DKIM_RSA_SHA256 &&
		   EVP_PKEY_get_bits(k.pkey) < DKIM_RSA_MIN_BITS) {
		set(s, DKIM_FAIL, "RSA key shorter than 1024 bits (RFC 8301)");
	} else if (s->alg == DKIM_RSA_SHA256 &&
		   (unsigned)EVP_PKEY_get_bits(k.pkey) > s->v->o.max_rsa_bits) {
		set(s, DKIM_PERMERROR, "RSA key too large");
	} else if (!dkim_crypto_verify(k.pkey, s->alg, s->input.data,
				       s->input.len, s->b.data, s->b.len)) {
		set(s, DKIM_FAIL, "signature did not verify");
	} else {
		set(s, DKIM_PASS, k.testing ? "good signature (key in testing, t=y)" :
			       "good signature");
	}
	dkim_key_free(&k);
}

static void
key_cb(void *arg, const struct mauth_dns_answer *a)
{
	struct vsig *s = arg;
	struct dkim_verifier *v = s->v;

	s->q = NULL;
	check_with_key(s, a);
	if (--v->pending == 0)
		deliver(v);
}

void
dkim_verify_finish(struct dkim_verifier *v, const struct mauth_resolver *r,
		   dkim_verify_cb *cb, void *arg)
{
	unsigned char (*hash)[32];

	if (!v->in_body)
		dkim_verify_end_header(v);
	v->r = r;
	v->cb = cb;
	v->arg = arg;
	hash = xcalloc(v->nbh ? v->nbh : 1, sizeof(*hash));
	for (size_t i = 0; i < v->nbh; i++)
		dkim_bh_final(&v->bh[i], hash[i]);
	for (size_t i = 0; i < v->n; i++) {
		struct vsig *s = &v->s[i];

		if (s->done)
			continue;
		if (s->limit >= 0 && v->bh[s->bhi].total < (uint64_t)s->limit)
			set(s, DKIM_FAIL, "body shorter than l=");
		else if (s->bh.len != 32 || memcmp(s->bh.data, hash[s->bhi], 32))
			set(s, DKIM_FAIL, "body hash did not verify");
	}
	free(hash);
	/* count first: no answer can come inside lookup(), but a failed
	 * ask must not reach zero early */
	for (size_t i = 0; i < v->n; i++)
		if (!v->s[i].done)
			v->pending++;
	v->pending++;
	for (size_t i = 0; i < v->n; i++) {
		struct vsig *s = &v->s[i];
		char name[600];

		if (s->done)
			continue;
		snprintf(name, sizeof(name), "%s._domainkey.%s", s->res.selector,
			 s->res.domain);
		s->q = r->lookup(r->ctx, name, MAUTH_DNS_TXT, key_cb, s);
		if (s->q == NULL) {
			set(s, DKIM_TEMPERROR, "key lookup could not be asked");
			v->pending--;
		}
	}
	if (--v->pending == 0)
		deliver(v);
}

void
dkim_verify_free(struct dkim_verifier *v)
{
	if (v == NULL)
		return;
	for (size_t i = 0; i < v->n; i++) {
		struct vsig *s = &v->s[i];

		if (s->q && v->r && v->r->cancel)
			v->r->cancel(v->r->ctx, s->q);
		free(s->h);
		buf_free(&s->bh);
		buf_free(&s->b);
		buf_free(&s->input);
	}
	for (size_t i = 0; i < v->nbh; i++)
		dkim_bh_free(&v->bh[i]);
	free(v->s);
	free(v->bh);
	free(v->bhkey);
	dkim_fields_free(&v->fs);
	free(v);
}
