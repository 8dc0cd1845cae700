/* dkim.h - DKIM (RFC 6376) signatures: verify, sign, and the per-domain
 * keys (rsa-sha256 per RFC 8301, ed25519-sha256 per RFC 8463).
 *
 * Both directions stream: feed each header field as received (the raw
 * bytes on the wire, folding CRLF+WSP inside it kept, without the CRLF
 * that ends the field), then dkim_*_end_header(), then the body in
 * chunks of any size (CRLF lines, as after SMTP dot-unstuffing). The
 * body is never buffered, only hashed.
 *
 * Keys live under the data folder in dkim/<domain>/: one
 * <selector>.key (PEM private key, mode 0600) per published selector,
 * and "active" naming the selectors that sign (one RSA-2048, one
 * Ed25519). Selectors are dated: t20261203r (RSA), t20261203e (Ed25519);
 * a second pair made the same day gets t20261203r2 etc. */
#ifndef TERN_DKIM_H
#define TERN_DKIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "mailauth/mauth-dns.h"

/* RFC 8601 2.7.1 result names */
enum dkim_result {
	DKIM_NONE = 0,
	DKIM_PASS,
	DKIM_FAIL,
	DKIM_NEUTRAL,
	DKIM_POLICY,
	DKIM_TEMPERROR,
	DKIM_PERMERROR,
};

/* "pass", "fail", ... as written in Authentication-Results */
const char *dkim_result_name(enum dkim_result r);

#define DKIM_MAX_SIGNATURES 10	/* checked by default; more are ignored */
#define DKIM_RSA_MAX_BITS 8192	/* bigger keys by default: not worth the CPU */
#define DKIM_RSA_HARD_MAX_BITS 16384	/* never more, whatever the config */

/* One signature's outcome. Strings are NUL-terminated, empty when the
 * signature did not say (or was too broken to say). */
struct dkim_sig_result {
	enum dkim_result result;
	char domain[256];	/* d= (lowercase) */
	char selector[256];	/* s= */
	char algorithm[32];	/* a= */
	char identity[256];	/* i= (or "@" d= when absent) */
	char b[16];		/* first 12 characters of b=, for header.b */
	char reason[128];	/* for logs and the AR comment */
};

struct dkim_verify_opts {
	unsigned max_signatures;	/* 0: DKIM_MAX_SIGNATURES */
	unsigned max_rsa_bits;		/* 0: DKIM_RSA_MAX_BITS; bigger keys permerror */
	time_t now;			/* 0: time(NULL); for x= */
};

struct dkim_verifier;

/* opts may be NULL */
struct dkim_verifier *dkim_verify_new(const struct dkim_verify_opts *opts);
void dkim_verify_header(struct dkim_verifier *v, const char *field,
			size_t len);
void dkim_verify_end_header(struct dkim_verifier *v);
void dkim_verify_body(struct dkim_verifier *v, const void *data, size_t len);

/* Every checked signature, in header order; n == 0: the message has no
 * DKIM-Signature (dkim=none). The array is valid only during the call. */
typedef void dkim_verify_cb(void *arg, const struct dkim_sig_result *res,
			    size_t n);

/* Look up the keys and check. cb runs once: later, from the resolver's
 * callbacks, or inside this call when no lookup is needed (no
 * signature, or none that got as far as its key). The verifier may be
 * freed inside cb. */
void dkim_verify_finish(struct dkim_verifier *v, const struct mauth_resolver *r,
			dkim_verify_cb *cb, void *arg);
/* cancels lookups still pending (their cb never runs) */
void dkim_verify_free(struct dkim_verifier *v);

/* ---- keys ---- */

enum dkim_alg {
	DKIM_RSA_SHA256 = 1,
	DKIM_ED25519_SHA256 = 2,
};

struct dkim_keyset;	/* a domain's active private keys */

/* Load the active keys of domain. 0: loaded; 1: the domain has no keys
 * (*out NULL, not an error); -1: error, *err set (free it). */
int dkim_keys_load(const char *data_dir, const char *domain,
		   struct dkim_keyset **out, char **err);
/* Drops one reference (a loaded set has one); the last frees it.
 * References are not atomic: share a set on one thread only. */
void dkim_keys_free(struct dkim_keyset *ks);
struct dkim_keyset *dkim_keys_ref(struct dkim_keyset *ks);

/* The keys of every domain under data_dir/dkim, kept in memory so a
 * signer needs no file I/O (dkim-cache.c). A scan runs in three steps
 * so the file I/O can run on another thread: _prepare (on the cache's
 * thread) copies what is known, _run (any thread) stats each domain's
 * folder and its "active" and loads the keys of those that changed,
 * _apply (the cache's thread) swaps them in. Sets in use by a signer
 * stay valid (references) after a scan replaces them. */
struct dkim_cache;
struct dkim_cache_scan;
struct dkim_cache *dkim_cache_new(const char *data_dir);
void dkim_cache_free(struct dkim_cache *c);
struct dkim_cache_scan *dkim_cache_scan_prepare(struct dkim_cache *c,
						bool force);
void dkim_cache_scan_run(struct dkim_cache_scan *sc);
/* the number of domains whose keys changed; frees sc */
size_t dkim_cache_scan_apply(struct dkim_cache *c, struct dkim_cache_scan *sc);
void dkim_cache_scan_free(struct dkim_cache_scan *sc);
/* prepare + run + apply at once (startup, tools) */
size_t dkim_cache_load(struct dkim_cache *c, bool force);
/* a new reference to domain's keys (dkim_keys_free it), NULL: none */
struct dkim_keyset *dkim_cache_get(const struct dkim_cache *c,
				   const char *domain);
size_t dkim_cache_domains(const struct dkim_cache *c);

/* Make a new dated selector pair (RSA-2048 + Ed25519) for domain and
 * make it the active one; older pairs stay published. Files are owned
 * by uid/gid (-1: unchanged). Writes the new selectors' names into
 * sel_rsa/sel_ed (each >= 32 bytes) when not NULL. 0 or -1 + *err. */
int dkim_keys_generate(const char *data_dir, const char *domain,
		       time_t now, uid_t uid, gid_t gid,
		       char *sel_rsa, char *sel_ed, char **err);
/* Stop publishing selector (delete its key). An active selector
 * cannot be retired. 0 or -1 + *err. */
int dkim_keys_retire(const char *data_dir, const char *domain,
		     const char *selector, char **err);

struct dkim_dns_record {
	char *name;	/* "t20261203r._domainkey.example.org" */
	char *value;	/* "v=DKIM1; k=rsa; p=MIIB..." (one string;
			   split into 255-byte character-strings when
			   writing a zone) */
	char *selector;
	enum dkim_alg alg;
	bool active;
};

/* The TXT records to publish for every published selector of domain.
 * 0 (n may be 0: no keys) or -1 + *err. Free with dkim_dns_records_free. */
int dkim_dns_records(const char *data_dir, const char *domain,
		     struct dkim_dns_record **out, size_t *n, char **err);
void dkim_dns_records_free(struct dkim_dns_record *r, size_t n);

/* ---- signing ---- */

struct dkim_signer;

/* now: the t= (0: time(NULL)) */
struct dkim_signer *dkim_sign_new(const struct dkim_keyset *ks, time_t now);
void dkim_sign_header(struct dkim_signer *s, const char *field, size_t len);
void dkim_sign_end_header(struct dkim_signer *s);
void dkim_sign_body(struct dkim_signer *s, const void *data, size_t len);
/* The DKIM-Signature fields (one per active key, each folded and
 * CRLF-terminated) to prepend to the message, malloc'd; NULL + *err on
 * failure. */
char *dkim_sign_finish(struct dkim_signer *s, char **err);
void dkim_sign_free(struct dkim_signer *s);

/* ---- whole messages in memory (the CLI, DSNs) ---- */

/* Feed a message (CRLF lines; header, empty line, body) to a verifier
 * or a signer: its fields one by one, the end of header, the body. */
void dkim_verify_message(struct dkim_verifier *v, const char *msg, size_t len);
void dkim_sign_message(struct dkim_signer *s, const char *msg, size_t len);

#endif
