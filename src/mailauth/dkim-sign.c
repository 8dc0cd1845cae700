/* dkim-sign.c - sign a message with a domain's active keys, one
 * DKIM-Signature per key (rsa-sha256 and ed25519-sha256 side by side,
 * RFC 8463 5), relaxed/relaxed, with t=.
 *
 * Signed fields: the ones below that the message has, each as often as
 * it occurs; From once more than it occurs (oversigned: nobody can add
 * a second From that verifiers would show). */
#include "mailauth/dkim-private.h"

#include <string.h>
#include <strings.h>

#include "lib/base64.h"

static const char *const sign_fields[] = {
	"From", "Reply-To", "Subject", "Date", "To", "Cc", "Message-ID",
	"In-Reply-To", "References", "MIME-Version", "Content-Type",
	"Content-Transfer-Encoding", "Sender", NULL,
};

struct dkim_signer {
	const struct dkim_keyset *ks;
	time_t now;
	struct dkim_fields fs;
	bool in_body;
	struct dkim_bh bh;
};

struct dkim_signer *
dkim_sign_new(const struct dkim_keyset *ks, time_t now)
{
	struct dkim_signer *s = xcalloc(1, sizeof(*s));

	s->ks = ks;
	s->now = now ? now : time(NULL);
	dkim_bh_init(&s->bh, true, -1);
	return s;
}

bool
dkim_sign_wanted(const char *field, size_t len)
{
	for (size_t i = 0; sign_fields[i]; i++)
		if (dkim_field_is(field, len, sign_fields[i],
				  strlen(sign_fields[i])))
			return true;
	/* RFC 2369 and 2919 list fields */
	return len > 5 && !strncasecmp(field, "List-", 5) &&
	       memchr(field, ':', len) != NULL;
}

void
dkim_sign_header(struct dkim_signer *s, const char *field, size_t len)
{
	if (!s->in_body && dkim_sign_wanted(field, len))
		dkim_fields_add(&s->fs, field, len);
}

void
dkim_sign_end_header(struct dkim_signer *s)
{
	s->in_body = true;
}

void
dkim_sign_body(struct dkim_signer *s, const void *data, size_t len)
{
	s->in_body = true;
	dkim_bh_update(&s->bh, data, len);
}

/* the h= list: the fields kept, bottom up as the verifier takes them,
 * plus one more From */
void
dkim_sign_h_list(const struct dkim_fields *fs, struct buf *h)
{
	for (size_t i = fs->n; i-- > 0;) {
		const char *f = (const char *)fs->text.data + fs->f[i].off;
		size_t n = strcspn(f, ": \t");

		if (n > fs->f[i].len)
			n = fs->f[i].len;
		if (h->len)
			buf_append_byte(h, ':');
		for (size_t j = 0; j < n; j++)
			buf_append_byte(h, (unsigned char)(f[j] >= 'A' && f[j] <= 'Z' ?
							   f[j] + 32 : f[j]));
	}
	buf_append_str(h, h->len ? ":from" : "from");
}

/* append " tag=value;" folding before it when the line would pass 78 */
void
dkim_fold_add(struct buf *out, size_t *col, const char *text, bool last)
{
	size_t n = strlen(text);

	if (*col + n + 2 > 78) {
		buf_append_str(out, "\r\n\t");
		*col = 8;
	} else {
		buf_append_byte(out, ' ');
		(*col)++;
	}
	buf_append_str(out, text);
	*col += n;
	if (!last) {
		buf_append_byte(out, ';');
		(*col)++;
	}
}

/* the base64 value folded into lines of 72 */
void
dkim_fold_b64(struct buf *out, const char *b64, size_t col)
{
	size_t n = strlen(b64);

	for (size_t i = 0; i < n;) {
		size_t room = col >= 76 ? 0 : 76 - col;

		if (room == 0) {
			buf_append_str(out, "\r\n\t");
			col = 8;
			continue;
		}
		if (room > n - i)
			room = n - i;
		buf_append(out, b64 + i, room);
		i += room;
		col += room;
	}
}

/* one DKIM-Signature field for key k, appended to out */
static bool
sign_one(const struct dkim_signer *s, size_t k, const char *h,
	 const char *bh, const struct buf *base, struct buf *out)
{
	struct buf field = BUF_INIT, input = BUF_INIT, sig = BUF_INIT;
	struct buf b64 = BUF_INIT;
	size_t col = 15;
	char *t;
	bool ok;

	buf_append_str(&field, "DKIM-Signature:");
	dkim_fold_add(&field, &col, "v=1", false);
	dkim_fold_add(&field, &col, s->ks->key[k].alg == DKIM_ED25519_SHA256 ?
		 "a=ed25519-sha256" : "a=rsa-sha256", false);
	dkim_fold_add(&field, &col, "c=relaxed/relaxed", false);
	t = xasprintf("d=%s", s->ks->domain);
	dkim_fold_add(&field, &col, t, false);
	free(t);
	t = xasprintf("s=%s", s->ks->key[k].selector);
	dkim_fold_add(&field, &col, t, false);
	free(t);
	t = xasprintf("t=%lld", (long long)s->now);
	dkim_fold_add(&field, &col, t, false);
	free(t);
	/* h= on a line of its own, folded before its colons */
	buf_append_str(&field, "\r\n\th=");
	col = 10;
	for (const char *p = h; *p;) {
		size_t c = *p == ':', n = c + strcspn(p + c, ":");

		if (col + n > 76) {
			buf_append_str(&field, "\r\n\t");
			col = 8;
		}
		buf_append(&field, p, n);
		col += n;
		p += n;
	}
	buf_append_byte(&field, ';');
	col++;
	t = xasprintf("bh=%s", bh);
	dkim_fold_add(&field, &col, t, false);
	free(t);
	dkim_fold_add(&field, &col, "b=", true);

	/* sign the fields, then this one with b= empty (no CRLF) */
	buf_append(&input, base->data, base->len);
	dkim_canon_header(&input, true, (const char *)field.data, field.len,
			  false);
	ok = dkim_crypto_sign(s->ks->key[k].pkey, s->ks->key[k].alg,
			      input.data, input.len, &sig);
	if (ok) {
		base64_encode(&b64, sig.data, sig.len);
		dkim_fold_b64(&field, buf_cstr(&b64), col);
		buf_append_str(&field, "\r\n");
		buf_append(out, field.data, field.len);
	}
	buf_free(&field);
	buf_free(&input);
	buf_free(&sig);
	buf_free(&b64);
	return ok;
}

char *
dkim_sign_finish(struct dkim_signer *s, char **err)
{
	struct buf out = BUF_INIT, h = BUF_INIT, bh = BUF_INIT;
	struct buf base = BUF_INIT;
	unsigned char hash[32];
	bool failed = false;

	dkim_bh_final(&s->bh, hash);
	base64_encode(&bh, hash, 32);
	dkim_sign_h_list(&s->fs, &h);
	dkim_fields_hash_input(&s->fs, buf_cstr(&h), true, &base);
	for (size_t k = 0; k < s->ks->n; k++) {
		if (!sign_one(s, k, buf_cstr(&h), buf_cstr(&bh), &base, &out)) {
			*err = xasprintf("DKIM signing with %s failed",
					 s->ks->key[k].selector);
			buf_free(&out);
			failed = true;
			break;
		}
	}
	buf_free(&h);
	buf_free(&bh);
	buf_free(&base);
	if (failed)
		return NULL;
	return out.data ? buf_steal(&out) : xstrdup("");
}

void
dkim_sign_free(struct dkim_signer *s)
{
	if (s == NULL)
		return;
	dkim_bh_free(&s->bh);
	dkim_fields_free(&s->fs);
	free(s);
}
