/* password.c - argon2id password hashes (libsodium) and password prep */
#include "auth/password.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "auth/auth.h"

static pthread_once_t password_sodium_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t password_dummy_lock = PTHREAD_MUTEX_INITIALIZER;

static unsigned long long password_opslimit = PASSWORD_OPSLIMIT_DEFAULT;
static size_t password_memlimit = PASSWORD_MEMLIMIT_DEFAULT;

/* hash of a random password, verified for unknown users */
static char password_dummy[crypto_pwhash_STRBYTES];
static unsigned long long password_dummy_ops;
static size_t password_dummy_mem;

static void
password_sodium_init_once(void)
{
	if (sodium_init() < 0) {
		fputs("tern: sodium_init() failed\n", stderr);
		abort();
	}
}

static void
password_sodium_init(void)
{
	pthread_once(&password_sodium_once, password_sodium_init_once);
}

void
password_set_params(unsigned long long opslimit, size_t memlimit)
{
	if (opslimit < crypto_pwhash_argon2id_OPSLIMIT_MIN)
		opslimit = crypto_pwhash_argon2id_OPSLIMIT_MIN;
	if (opslimit > 64)
		opslimit = 64;
	if (memlimit < crypto_pwhash_argon2id_MEMLIMIT_MIN)
		memlimit = crypto_pwhash_argon2id_MEMLIMIT_MIN;
	if (memlimit > (size_t)4096 * 1024 * 1024)
		memlimit = (size_t)4096 * 1024 * 1024;
	pthread_mutex_lock(&password_dummy_lock);
	password_opslimit = opslimit;
	password_memlimit = memlimit;
	pthread_mutex_unlock(&password_dummy_lock);
}

/* RFC 3454 table C.1.2: non-ASCII space characters */
static bool
password_is_space(uint32_t cp)
{
	return cp == 0x00a0 || cp == 0x1680 ||
	       (cp >= 0x2000 && cp <= 0x200b) || cp == 0x202f ||
	       cp == 0x205f || cp == 0x3000;
}

/* RFC 3454 table B.1: commonly mapped to nothing */
static bool
password_is_nothing(uint32_t cp)
{
	return cp == 0x00ad || cp == 0x034f || cp == 0x1806 ||
	       (cp >= 0x180b && cp <= 0x180d) ||
	       (cp >= 0x200b && cp <= 0x200d) || cp == 0x2060 ||
	       (cp >= 0xfe00 && cp <= 0xfe0f) || cp == 0xfeff;
}

/* RFC 3454 tables C.2.1 and C.2.2: control characters */
static bool
password_is_control(uint32_t cp)
{
	return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) ||
	       cp == 0x06dd || cp == 0x070f || cp == 0x180e ||
	       cp == 0x200c || cp == 0x200d || cp == 0x2028 ||
	       cp == 0x2029 || (cp >= 0x2060 && cp <= 0x2063) ||
	       (cp >= 0x206a && cp <= 0x206f) || cp == 0xfeff ||
	       (cp >= 0xfff9 && cp <= 0xfffc) ||
	       (cp >= 0x1d173 && cp <= 0x1d17a);
}

const char *
password_prep_reason(const char *pw, size_t len, struct buf *out)
{
	const unsigned char *p = (const unsigned char *)pw;
	size_t start = out->len;

	if (len == 0)
		return "password is empty";
	if (len > PASSWORD_MAX_LEN)
		return "password too long";
	/* room for the whole output and a NUL: no realloc leaves a copy */
	buf_reserve(out, len + 1);
	if (!auth_utf8_valid(p, len)) {
		/* opaque bytes: only ASCII controls are refused */
		for (size_t i = 0; i < len; i++) {
			if (p[i] < 0x20 || p[i] == 0x7f)
				return "password contains a control character";
		}
		buf_append(out, p, len);
		return NULL;
	}
	for (size_t i = 0; i < len; ) {
		uint32_t cp;
		size_t n = utf8_next(p + i, len - i, &cp);

		if (password_is_space(cp)) {
			buf_append_byte(out, ' ');
		} else if (password_is_nothing(cp)) {
			/* dropped */
		} else if (password_is_control(cp)) {
			sodium_memzero(out->data + start, out->len - start);
			buf_truncate(out, start);
			return "password contains a control character";
		} else {
			buf_append(out, p + i, n);
		}
		i += n;
	}
	if (out->len == start)
		return "password is empty";
	return NULL;
}

bool
password_prep(const char *pw, size_t len, struct buf *out)
{
	return password_prep_reason(pw, len, out) == NULL;
}

/* wipe and free a buffer that held a password */
static void
password_buf_wipe(struct buf *b)
{
	if (b->data != NULL)
		sodium_memzero(b->data, b->cap);
	buf_free(b);
}

int
password_hash(const char *pw, size_t len, char **hash_r,
	      const char **error_r)
{
	struct buf prep = BUF_INIT;
	char out[crypto_pwhash_STRBYTES];
	unsigned long long ops;
	size_t mem;
	const char *err;

	*hash_r = NULL;
	password_sodium_init();
	if ((err = password_prep_reason(pw, len, &prep)) != NULL) {
		password_buf_wipe(&prep);
		*error_r = err;
		return -1;
	}
	pthread_mutex_lock(&password_dummy_lock);
	ops = password_opslimit;
	mem = password_memlimit;
	pthread_mutex_unlock(&password_dummy_lock);
	if (crypto_pwhash_str_alg(out, (const char *)prep.data, prep.len,
				  ops, mem, crypto_pwhash_ALG_ARGON2ID13) != 0) {
		password_buf_wipe(&prep);
		*error_r = "out of memory";
		return -1;
	}
	password_buf_wipe(&prep);
	*hash_r = xstrdup(out);
	return 0;
}

/* the dummy hash for the current parameters, made on first use; copied
 * into out so that no lock is held during the verification */
static void
password_dummy_get(char out[crypto_pwhash_STRBYTES])
{
	pthread_mutex_lock(&password_dummy_lock);
	if (password_dummy[0] == '\0' ||
	    password_dummy_ops != password_opslimit ||
	    password_dummy_mem != password_memlimit) {
		unsigned char rnd[16];
		char pw[33];

		randombytes_buf(rnd, sizeof(rnd));
		sodium_bin2hex(pw, sizeof(pw), rnd, sizeof(rnd));
		if (crypto_pwhash_str_alg(password_dummy, pw, strlen(pw),
					  password_opslimit, password_memlimit,
					  crypto_pwhash_ALG_ARGON2ID13) != 0) {
			fputs("tern: cannot make the dummy password hash\n",
			      stderr);
			abort();
		}
		sodium_memzero(pw, sizeof(pw));
		password_dummy_ops = password_opslimit;
		password_dummy_mem = password_memlimit;
	}
	memcpy(out, password_dummy, crypto_pwhash_STRBYTES);
	pthread_mutex_unlock(&password_dummy_lock);
}

bool
password_verify(const char *hash, const char *pw, size_t len)
{
	struct buf prep = BUF_INIT;
	char dummy[crypto_pwhash_STRBYTES];
	bool real, ok;

	password_sodium_init();
	if (!password_prep(pw, len, &prep)) {
		password_buf_wipe(&prep);
		return false;
	}
	real = hash != NULL && strncmp(hash, "$argon2", 7) == 0;
	if (!real) {
		password_dummy_get(dummy);
		hash = dummy;
	}
	ok = crypto_pwhash_str_verify(hash, (const char *)prep.data,
				      prep.len) == 0;
	password_buf_wipe(&prep);
	return real && ok;
}

bool
password_needs_rehash(const char *hash)
{
	unsigned long long ops;
	size_t mem;

	password_sodium_init();
	pthread_mutex_lock(&password_dummy_lock);
	ops = password_opslimit;
	mem = password_memlimit;
	pthread_mutex_unlock(&password_dummy_lock);
	if (hash == NULL || strncmp(hash, "$argon2id$", 10) != 0)
		return true;
	return crypto_pwhash_argon2id_str_needs_rehash(hash, ops, mem) != 0;
}
