/* dkim-private.h - the pieces dkim-verify.c, dkim-sign.c and
 * dkim-keys.c share: canonicalization (dkim-canon.c), tag lists
 * (dkim-tags.c), key records (dkim-key.c). */
#ifndef TERN_DKIM_PRIVATE_H
#define TERN_DKIM_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "lib/buf.h"
#include "mailauth/dkim.h"

#define DKIM_MAX_TAGS 64
#define DKIM_RSA_MIN_BITS 1024		/* RFC 8301 3.2 */

/* ---- dkim-canon.c ---- */

/* Append the canonical form of one header field (without its ending
 * CRLF) to out; crlf: end it with CRLF (every field but the
 * DKIM-Signature being checked). */
void dkim_canon_header(struct buf *out, bool relaxed, const char *field,
		       size_t len, bool crlf);

/* Streaming body canonicalizer and hash, stopping at limit bytes. */
struct dkim_bh {
	bool relaxed;
	bool cr;		/* last byte was CR */
	bool wsp;		/* relaxed: WSP seen since the last byte out */
	bool any;		/* something went out */
	uint64_t crlfs;		/* line ends held back (maybe trailing) */
	int64_t limit;		/* l=, or -1 */
	uint64_t total;		/* canonical body length (up to limit + 1) */
	EVP_MD_CTX *md;
	size_t n;
	unsigned char out[2048];
};

void dkim_bh_init(struct dkim_bh *bh, bool relaxed, int64_t limit);
void dkim_bh_update(struct dkim_bh *bh, const unsigned char *p, size_t len);
/* the SHA-256 into hash[32]; frees the context */
void dkim_bh_final(struct dkim_bh *bh, unsigned char hash[32]);
void dkim_bh_free(struct dkim_bh *bh);

/* ---- dkim-tags.c ---- */

struct dkim_tag {
	const char *name;	/* points into the parsed text */
	size_t name_len;
	const char *value;	/* tag-value, without surrounding FWS */
	size_t value_len;
	size_t value_off;	/* offset of the byte after '=' */
	size_t end_off;		/* offset of the ';' ending it (or the end) */
};

struct dkim_tags {
	size_t n;
	struct dkim_tag t[DKIM_MAX_TAGS];
};

/* Parse a tag-list (RFC 6376 3.2) strictly: syntax errors, duplicate
 * tags and more than DKIM_MAX_TAGS tags give false with *err set to a
 * static reason. */
bool dkim_tags_parse(const char *s, size_t len, struct dkim_tags *tl,
		     const char **err);
const struct dkim_tag *dkim_tags_get(const struct dkim_tags *tl,
				     const char *name);
/* value copied with all whitespace removed (for b=, bh=, p=, h=) */
char *dkim_tag_nows(const struct dkim_tag *t);

/* ---- dkim-key.c ---- */

struct dkim_pubkey {
	enum dkim_alg kalg;	/* k= */
	bool revoked;		/* p= empty */
	bool testing;		/* t=y */
	bool strict;		/* t=s: i= must be exactly d= */
	EVP_PKEY *pkey;
};

/* Parse a key record (RFC 6376 3.6.1). false with *err on a record
 * that cannot be used. */
bool dkim_key_parse(const char *rec, size_t len, struct dkim_pubkey *k,
		    const char **err);
void dkim_key_free(struct dkim_pubkey *k);
struct mauth_dns_answer;
/* the first usable key of a key lookup's answer (DKIM's and ARC's):
 * 0 found (*k set: dkim_key_free it), 1 the lookup failed for now,
 * -1 no usable key (*err says why) */
int dkim_key_from_answer(const struct mauth_dns_answer *a,
			 struct dkim_pubkey *k, const char **err);

/* "v=DKIM1; k=rsa; p=..." for a private or public key */
char *dkim_key_record(EVP_PKEY *pkey);

/* ---- dkim-sig.c (cryptography) ---- */

/* Sign / verify the header hash input data (RFC 6376 3.7 for RSA:
 * PKCS#1 v1.5 over SHA-256; RFC 8463 3: Ed25519 over its SHA-256). */
bool dkim_crypto_sign(EVP_PKEY *key, enum dkim_alg alg, const void *data,
		      size_t len, struct buf *sig);
bool dkim_crypto_verify(EVP_PKEY *key, enum dkim_alg alg, const void *data,
			size_t len, const unsigned char *sig, size_t siglen);

/* ---- dkim-util.c ---- */

/* the header fields of one message, as fed */
struct dkim_fields {
	struct buf text;
	size_t n, cap;
	struct {
		size_t off, len;
		bool used;
	} *f;
};

/* is field's name (before ':', case-insensitive) name[0..nlen)? */
bool dkim_field_is(const char *field, size_t len, const char *name,
		   size_t nlen);
void dkim_fields_add(struct dkim_fields *fs, const char *field, size_t len);
void dkim_fields_free(struct dkim_fields *fs);
/* the canonical fields h= (colon list, no whitespace) selects */
void dkim_fields_hash_input(struct dkim_fields *fs, const char *h,
			    bool relaxed, struct buf *out);

/* a whole message (CRLF lines) into its fields, the end of header
 * and the body, for the *_message() helpers */
void dkim_message_split(const char *m, size_t len,
			void (*field)(void *, const char *, size_t),
			void (*end)(void *),
			void (*body)(void *, const void *, size_t), void *obj);

/* ---- dkim-sign.c, shared with ARC sealing (arc-seal.c) ---- */

/* a field the signer covers (From, Subject, ..., List-*) */
bool dkim_sign_wanted(const char *field, size_t len);
/* the h= list of the fields kept: bottom up, From once more */
void dkim_sign_h_list(const struct dkim_fields *fs, struct buf *h);
/* append " text;" (no ';' when last), folding before it past 78 */
void dkim_fold_add(struct buf *out, size_t *col, const char *text, bool last);
/* append a base64 value folded into lines of 76 */
void dkim_fold_b64(struct buf *out, const char *b64, size_t col);

/* ---- dkim-keys.c ---- */

struct dkim_keyset {
	unsigned refs;
	char *domain;
	size_t n;
	struct {
		char selector[64];
		enum dkim_alg alg;
		EVP_PKEY *pkey;
	} key[2];
};

#endif
