/* srs.c - SRS0/SRS1 addresses made and taken apart, bit for bit as
 * libsrs2 and postsrsd do (see srs.h) so that either side can reverse
 * what the other made with the same secret */
#include "mailauth/srs.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "lib/buf.h"

#define SRS_HASH_LEN 4
#define SRS_DAY (60 * 60 * 24)
#define SRS_TIME_SLOTS 1024	/* two base32 characters */

static const char srs_b64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char srs_b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/* a piece of the address: start and length, not NUL-terminated */
struct srs_part {
	const char *p;
	size_t n;
};

const char *
srs_strerror(int status)
{
	switch (status) {
	case SRS_OK:
		return "ok";
	case SRS_NOT_SRS:
		return "not-srs";
	case SRS_EMALFORMED:
		return "malformed";
	case SRS_EHASH:
		return "bad-hash";
	case SRS_EEXPIRED:
		return "expired";
	case SRS_ETOOLONG:
		return "too-long";
	case SRS_ENOSECRET:
		return "no-secret";
	}
	return "?";
}

/* "SRS0" or "SRS1" (tag) then a separator, as libsrs2 accepts them */
static bool
srs_tag(const char *local, size_t n, const char *tag)
{
	return n >= 5 && strncasecmp(local, tag, 4) == 0 &&
	       (local[4] == '=' || local[4] == '-' || local[4] == '+');
}

bool
srs_is_srs(const char *address)
{
	const char *at = strrchr(address, '@');
	size_t n = at ? (size_t)(at - address) : strlen(address);

	return srs_tag(address, n, "SRS0") || srs_tag(address, n, "SRS1");
}

/* HMAC-SHA1 over the parts lowercased (ASCII), its first 24 bits in
 * base64: the four characters libsrs2 writes */
static void
srs_hash(const char *secret, const struct srs_part *parts, size_t n,
	 char out[SRS_HASH_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < parts[i].n; j++) {
			char c = parts[i].p[j];

			if (c >= 'A' && c <= 'Z')
				c = (char)(c - 'A' + 'a');
			buf_append(&b, &c, 1);
		}
	HMAC(EVP_sha1(), secret, (int)strlen(secret), b.data, b.len, md,
	     &mdlen);
	buf_free(&b);
	out[0] = srs_b64[md[0] >> 2];
	out[1] = srs_b64[((md[0] & 0x03) << 4) | (md[1] >> 4)];
	out[2] = srs_b64[((md[1] & 0x0f) << 2) | (md[2] >> 6)];
	out[3] = srs_b64[md[2] & 0x3f];
	out[4] = '\0';
}

/* true when one of the secrets makes this hash (case-insensitively) */
static bool
srs_hash_ok(const char *const *secrets, size_t n, struct srs_part hash,
	    const struct srs_part *parts, size_t n_parts)
{
	char want[SRS_HASH_LEN + 1];

	if (hash.n != SRS_HASH_LEN)
		return false;
	for (size_t i = 0; i < n; i++) {
		srs_hash(secrets[i], parts, n_parts, want);
		if (strncasecmp(want, hash.p, SRS_HASH_LEN) == 0)
			return true;
	}
	return false;
}

static void
srs_stamp(time_t now, char out[3])
{
	uint64_t day = (uint64_t)now / SRS_DAY;

	out[0] = srs_b32[(day >> 5) & 31];
	out[1] = srs_b32[day & 31];
	out[2] = '\0';
}

/* -1 malformed, else the stamp's day (mod 1024) */
static int
srs_stamp_day(struct srs_part s)
{
	int day = 0;

	if (s.n != 2)
		return -1;
	for (size_t i = 0; i < 2; i++) {
		char c = s.p[i];
		const char *q;

		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		q = c ? strchr(srs_b32, c) : NULL;
		if (q == NULL)
			return -1;
		day = day << 5 | (int)(q - srs_b32);
	}
	return day;
}

static bool
srs_fresh(int then, time_t now, unsigned max_age)
{
	long today = (long)(((uint64_t)now / SRS_DAY) % SRS_TIME_SLOTS);

	while (today < then)
		today += SRS_TIME_SLOTS;
	return today - then <= (long)max_age;
}

/* the next '='-ended field of [*p, end): false when there is no '=' */
static bool
srs_field(const char **p, const char *end, struct srs_part *f)
{
	const char *q = memchr(*p, '=', (size_t)(end - *p));

	if (q == NULL)
		return false;
	f->p = *p;
	f->n = (size_t)(q - *p);
	*p = q + 1;
	return true;
}

/* out = the formatted address, refused when its local part or the whole
 * would not fit an address our RCPT takes */
static int
srs_put(char *out, size_t outlen, size_t local_len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int
srs_put(char *out, size_t outlen, size_t local_len, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (local_len > SRS_LOCAL_MAX)
		return SRS_ETOOLONG;
	va_start(ap, fmt);
	n = vsnprintf(out, outlen, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= outlen || n > SRS_ADDR_MAX) {
		if (outlen)
			out[0] = '\0';
		return SRS_ETOOLONG;
	}
	return SRS_OK;
}

int
srs_forward(const char *secret, time_t now, const char *sender,
	    const char *domain, char *out, size_t outlen)
{
	const char *at = strrchr(sender, '@');
	struct srs_part local, host, parts[3];
	char hash[SRS_HASH_LEN + 1], stamp[3];

	if (secret == NULL || secret[0] == '\0')
		return SRS_ENOSECRET;
	if (at == NULL || at == sender || at[1] == '\0' || domain == NULL ||
	    domain[0] == '\0')
		return SRS_EMALFORMED;
	if (strcasecmp(at + 1, domain) == 0)
		return srs_put(out, outlen, (size_t)(at - sender), "%s", sender);
	local = (struct srs_part){ sender, (size_t)(at - sender) };
	host = (struct srs_part){ at + 1, strlen(at + 1) };
	if (srs_tag(local.p, local.n, "SRS1")) {
		/* SRS1=hash=first-forwarder=rest: a new hash, the rest kept */
		const char *p = local.p + 5, *end = local.p + local.n;
		struct srs_part old;

		if (!srs_field(&p, end, &old) || !srs_field(&p, end, &parts[0]) ||
		    parts[0].n == 0 || p == end)
			return SRS_EMALFORMED;
		parts[1] = (struct srs_part){ p, (size_t)(end - p) };
	} else if (srs_tag(local.p, local.n, "SRS0")) {
		/* another forwarder's SRS0: its domain and the part after
		 * "SRS0" (separator included) */
		parts[0] = host;
		parts[1] = (struct srs_part){ local.p + 4, local.n - 4 };
	} else {
		srs_stamp(now, stamp);
		parts[0] = (struct srs_part){ stamp, 2 };
		parts[1] = host;
		parts[2] = local;
		srs_hash(secret, parts, 3, hash);
		return srs_put(out, outlen, 5 + 4 + 1 + 2 + 1 + host.n + 1 + local.n,
			       "SRS0=%s=%s=%.*s=%.*s@%s", hash, stamp,
			       (int)host.n, host.p, (int)local.n, local.p, domain);
	}
	srs_hash(secret, parts, 2, hash);
	return srs_put(out, outlen, 5 + 4 + 1 + parts[0].n + 1 + parts[1].n,
		       "SRS1=%s=%.*s=%.*s@%s", hash, (int)parts[0].n, parts[0].p,
		       (int)parts[1].n, parts[1].p, domain);
}

int
srs_reverse(const char *const *secrets, size_t n, time_t now,
	    unsigned max_age, const char *address, char *out, size_t outlen)
{
	const char *at = strrchr(address, '@');
	const char *p, *end;
	struct srs_part hash, stamp, parts[3];
	int day;

	if (at == NULL)
		return SRS_EMALFORMED;
	if (!srs_is_srs(address))
		return SRS_NOT_SRS;
	if (n == 0)
		return SRS_ENOSECRET;
	p = address + 5;
	end = at;
	if (address[3] == '1') {
		/* SRS1=hash=host=rest back to SRS0<rest>@host */
		if (!srs_field(&p, end, &hash) || !srs_field(&p, end, &parts[0]) ||
		    parts[0].n == 0 || p == end)
			return SRS_EMALFORMED;
		parts[1] = (struct srs_part){ p, (size_t)(end - p) };
		if (!srs_hash_ok(secrets, n, hash, parts, 2))
			return SRS_EHASH;
		return srs_put(out, outlen, 4 + parts[1].n, "SRS0%.*s@%.*s",
			       (int)parts[1].n, parts[1].p, (int)parts[0].n,
			       parts[0].p);
	}
	/* SRS0=hash=tt=host=local back to local@host */
	if (!srs_field(&p, end, &hash) || !srs_field(&p, end, &stamp) ||
	    !srs_field(&p, end, &parts[1]) || parts[1].n == 0 || p == end)
		return SRS_EMALFORMED;
	if ((day = srs_stamp_day(stamp)) < 0)
		return SRS_EMALFORMED;
	parts[0] = stamp;
	parts[2] = (struct srs_part){ p, (size_t)(end - p) };
	/* the hash first: a forgery is told as one, not as expired */
	if (!srs_hash_ok(secrets, n, hash, parts, 3))
		return SRS_EHASH;
	if (!srs_fresh(day, now, max_age))
		return SRS_EEXPIRED;
	return srs_put(out, outlen, parts[2].n, "%.*s@%.*s", (int)parts[2].n,
		       parts[2].p, (int)parts[1].n, parts[1].p);
}
