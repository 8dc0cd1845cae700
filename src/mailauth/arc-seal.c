/* arc-seal.c - RFC 8617 5.1: add this hop's ARC set to a message.
 *
 * The fields are kept as they stream (the ARC sets already there and
 * the ones the AMS signs), the body only hashed (relaxed). At finish:
 *   ARC-Authentication-Results  i=N; and this hop's A-R payload
 *   ARC-Message-Signature       i=N; rsa-sha256, relaxed/relaxed, the
 *                               DKIM signer's field list (From
 *                               oversigned; no A-R, no ARC field)
 *   ARC-Seal                    i=N; cv=; over sets 1..N in order (only
 *                               its own set when cv=fail, as no
 *                               verifier reads past a failed seal)
 * N is one more than the highest instance on the message. */
#include "mailauth/arc-private.h"

#include <string.h>
#include <strings.h>

#include "lib/base64.h"

struct arc_sealer {
	const struct dkim_keyset *ks;
	time_t now;
	struct dkim_fields fs;		/* ARC fields */
	struct dkim_fields signed_fs;	/* the fields the AMS covers */
	bool in_body;
	struct dkim_bh bh;
};

struct arc_sealer *
arc_seal_new(const struct dkim_keyset *ks, time_t now)
{
	struct arc_sealer *s = xcalloc(1, sizeof(*s));

	s->ks = ks;
	s->now = now ? now : time(NULL);
	dkim_bh_init(&s->bh, true, -1);
	return s;
}

void
arc_seal_header(struct arc_sealer *s, const char *field, size_t len)
{
	if (s->in_body)
		return;
	if (arc_field_kind(field, len) >= 0)
		dkim_fields_add(&s->fs, field, len);
	else if (dkim_sign_wanted(field, len))
		dkim_fields_add(&s->signed_fs, field, len);
}

void
arc_seal_end_header(struct arc_sealer *s)
{
	s->in_body = true;
}

void
arc_seal_body(struct arc_sealer *s, const void *data, size_t len)
{
	s->in_body = true;
	dkim_bh_update(&s->bh, data, len);
}

/* sign input with the RSA key and append b= folded, then CRLF */
static bool
sign_into(const struct arc_sealer *s, size_t k, struct buf *field,
	  size_t col, const struct buf *input)
{
	struct buf sig = BUF_INIT, b64 = BUF_INIT;
	bool ok = dkim_crypto_sign(s->ks->key[k].pkey, DKIM_RSA_SHA256,
				   input->data, input->len, &sig);

	if (ok) {
		base64_encode(&b64, sig.data, sig.len);
		dkim_fold_b64(field, buf_cstr(&b64), col);
	}
	buf_free(&sig);
	buf_free(&b64);
	return ok;
}

/* " name=value;" */
static void
add_tag(struct buf *f, size_t *col, const char *name, const char *v)
{
	char *t = xasprintf("%s=%s", name, v);

	dkim_fold_add(f, col, t, false);
	free(t);
}

/* ARC-Message-Signature (without its final CRLF) */
static bool
make_ams(struct arc_sealer *s, size_t k, unsigned inst, struct buf *f)
{
	struct buf h = BUF_INIT, bh = BUF_INIT, input = BUF_INIT;
	unsigned char hash[32];
	size_t col = 22;
	char num[32];
	bool ok;

	dkim_bh_final(&s->bh, hash);
	base64_encode(&bh, hash, 32);
	dkim_sign_h_list(&s->signed_fs, &h);
	buf_append_str(f, "ARC-Message-Signature:");
	snprintf(num, sizeof(num), "%u", inst);
	add_tag(f, &col, "i", num);
	dkim_fold_add(f, &col, "a=rsa-sha256", false);
	dkim_fold_add(f, &col, "c=relaxed/relaxed", false);
	add_tag(f, &col, "d", s->ks->domain);
	add_tag(f, &col, "s", s->ks->key[k].selector);
	snprintf(num, sizeof(num), "%lld", (long long)s->now);
	add_tag(f, &col, "t", num);
	/* h= folded before its colons */
	buf_append_str(f, "\r\n\th=");
	col = 10;
	for (const char *p = buf_cstr(&h); *p;) {
		size_t c = *p == ':', n = c + strcspn(p + c, ":");

		if (col + n > 76) {
			buf_append_str(f, "\r\n\t");
			col = 8;
		}
		buf_append(f, p, n);
		col += n;
		p += n;
	}
	buf_append_byte(f, ';');
	col++;
	add_tag(f, &col, "bh", buf_cstr(&bh));
	dkim_fold_add(f, &col, "b=", true);
	dkim_fields_hash_input(&s->signed_fs, buf_cstr(&h), true, &input);
	dkim_canon_header(&input, true, (const char *)f->data, f->len, false);
	ok = sign_into(s, k, f, col, &input);
	buf_free(&h);
	buf_free(&bh);
	buf_free(&input);
	return ok;
}

/* ARC-Authentication-Results: i=N; and the A-R's payload (no CRLF) */
static bool
make_aar(unsigned inst, const char *authres, struct buf *f)
{
	const char *v = authres ? strchr(authres, ':') : NULL;
	size_t n;

	if (v == NULL)
		return false;
	v++;
	while (*v == ' ' || *v == '\t')
		v++;
	n = strlen(v);
	while (n > 0 && (v[n - 1] == '\r' || v[n - 1] == '\n'))
		n--;
	buf_printf(f, "ARC-Authentication-Results: i=%u; ", inst);
	buf_append(f, v, n);
	return true;
}

/* ARC-Seal (no CRLF) over the chain, aar and ams */
static bool
make_as(struct arc_sealer *s, size_t k, unsigned inst, enum arc_result cv,
	const struct arc_chain *c, const struct buf *aar,
	const struct buf *ams, struct buf *f)
{
	struct buf input = BUF_INIT;
	size_t col = 9;
	char num[32];
	bool ok;

	buf_append_str(f, "ARC-Seal:");
	snprintf(num, sizeof(num), "%u", inst);
	add_tag(f, &col, "i", num);
	dkim_fold_add(f, &col, "a=rsa-sha256", false);
	snprintf(num, sizeof(num), "%lld", (long long)s->now);
	add_tag(f, &col, "t", num);
	add_tag(f, &col, "cv", arc_result_name(cv));
	add_tag(f, &col, "d", s->ks->domain);
	add_tag(f, &col, "s", s->ks->key[k].selector);
	dkim_fold_add(f, &col, "b=", true);
	if (cv != ARC_FAIL)
		arc_chain_input(&s->fs, c, inst - 1, &input);
	dkim_canon_header(&input, true, (const char *)aar->data, aar->len, true);
	dkim_canon_header(&input, true, (const char *)ams->data, ams->len, true);
	dkim_canon_header(&input, true, (const char *)f->data, f->len, false);
	ok = sign_into(s, k, f, col, &input);
	buf_free(&input);
	return ok;
}

char *
arc_seal_finish(struct arc_sealer *s, enum arc_result cv, const char *authres,
		char **err)
{
	struct arc_chain c;
	struct buf aar = BUF_INIT, ams = BUF_INIT, as = BUF_INIT;
	struct buf out = BUF_INIT;
	const char *top;
	size_t k, len;
	unsigned inst;
	bool ok;

	*err = NULL;
	for (k = 0; k < s->ks->n && s->ks->key[k].alg != DKIM_RSA_SHA256; k++)
		;
	if (k == s->ks->n || cv == ARC_TEMPERROR)
		return NULL;
	arc_chain_parse(&s->fs, &c);
	/* 5.1 step 1: a chain a seal already failed is not sealed again */
	top = arc_chain_field(&s->fs, &c, c.n, ARC_AS, &len);
	if (top && arc_seal_cv(top, len) == ARC_FAIL)
		return NULL;
	inst = c.n + 1;
	if (inst > ARC_MAX_INSTANCE)
		return NULL;
	/* the chain's form decides before any verdict: none only when
	 * there is none, a malformed one is failed */
	if (c.fields == 0)
		cv = ARC_NONE;
	else if (c.err || cv == ARC_NONE)
		cv = ARC_FAIL;
	ok = make_aar(inst, authres, &aar) && make_ams(s, k, inst, &ams) &&
	     make_as(s, k, inst, cv, &c, &aar, &ams, &as);
	if (ok) {
		buf_append(&out, as.data, as.len);
		buf_append_str(&out, "\r\n");
		buf_append(&out, ams.data, ams.len);
		buf_append_str(&out, "\r\n");
		buf_append(&out, aar.data, aar.len);
		buf_append_str(&out, "\r\n");
	} else {
		*err = xasprintf("ARC sealing with %s failed",
				 s->ks->key[k].selector);
	}
	buf_free(&aar);
	buf_free(&ams);
	buf_free(&as);
	return ok ? buf_steal(&out) : NULL;
}

void
arc_seal_free(struct arc_sealer *s)
{
	if (s == NULL)
		return;
	dkim_bh_free(&s->bh);
	dkim_fields_free(&s->fs);
	dkim_fields_free(&s->signed_fs);
	free(s);
}

static void sf(void *o, const char *f, size_t n) { arc_seal_header(o, f, n); }
static void se(void *o) { arc_seal_end_header(o); }
static void sb(void *o, const void *p, size_t n) { arc_seal_body(o, p, n); }

void
arc_seal_message(struct arc_sealer *s, const char *msg, size_t len)
{
	dkim_message_split(msg, len, sf, se, sb, s);
}
