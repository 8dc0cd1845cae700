/* test-dkim-cache.c - the DKIM key cache: loaded once, a scan reloads
 * only the domains whose folder changed (rotation), drops removed ones,
 * and a set a signer holds stays valid after a scan replaces it. */
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/buf.h"
#include "mailauth/dkim.h"

static char *
sign_one(struct dkim_keyset *ks)
{
	static const char m[] = "From: a@a.test\r\nSubject: x\r\n\r\nhi\r\n";
	struct dkim_signer *s = dkim_sign_new(ks, 1796313600);
	char *err = NULL, *sig;

	dkim_sign_message(s, m, sizeof(m) - 1);
	sig = dkim_sign_finish(s, &err);
	dkim_sign_free(s);
	free(err);
	return sig;
}

TEST(dkim_cache_scan_and_rotate)
{
	const char *dir = test_tmpdir();
	char r1[32], e1[32], r2[32], e2[32], *err = NULL, *sig;
	struct dkim_cache *c = dkim_cache_new(dir);
	struct dkim_keyset *a, *b, *held;

	/* nothing yet: no folder at all */
	CHECK_INT(dkim_cache_load(c, false), 0);
	CHECK(dkim_cache_get(c, "a.test") == NULL);
	CHECK_INT(dkim_keys_generate(dir, "a.test", 1796313600, (uid_t)-1,
				     (gid_t)-1, r1, e1, &err), 0);
	CHECK_INT(dkim_keys_generate(dir, "b.test", 1796313600, (uid_t)-1,
				     (gid_t)-1, NULL, NULL, &err), 0);
	CHECK_INT(dkim_cache_load(c, false), 2);
	CHECK_INT(dkim_cache_domains(c), 2);
	held = dkim_cache_get(c, "a.test");
	CHECK(held != NULL);
	/* nothing changed: the same sets, nothing read again */
	CHECK_INT(dkim_cache_load(c, false), 0);
	a = dkim_cache_get(c, "a.test");
	CHECK(a == held);
	dkim_keys_free(a);
	b = dkim_cache_get(c, "b.test");
	/* rotate a.test: only it is read again */
	CHECK_INT(dkim_keys_generate(dir, "a.test", 1796313600, (uid_t)-1,
				     (gid_t)-1, r2, e2, &err), 0);
	CHECK_INT(dkim_cache_load(c, false), 1);
	a = dkim_cache_get(c, "a.test");
	CHECK(a != NULL && a != held);
	{
		struct dkim_keyset *b2 = dkim_cache_get(c, "b.test");

		CHECK(b2 == b);
		dkim_keys_free(b2);
	}
	sig = sign_one(a);
	CHECK(sig != NULL && strstr(sig, r2) && strstr(sig, e2));
	free(sig);
	/* the set held from before the scan still signs, with the old keys */
	sig = sign_one(held);
	CHECK(sig != NULL && strstr(sig, r1) && strstr(sig, e1));
	free(sig);
	dkim_keys_free(held);
	dkim_keys_free(a);
	dkim_keys_free(b);
	/* a forced scan reads every domain again */
	CHECK_INT(dkim_cache_load(c, true), 2);
	dkim_cache_free(c);
	free(err);
}

TEST(dkim_cache_removed_domain_and_case)
{
	const char *dir = test_tmpdir();
	char *err = NULL, path[512];
	struct dkim_cache *c = dkim_cache_new(dir);
	struct dkim_keyset *ks;

	CHECK_INT(dkim_keys_generate(dir, "c.test", 1796313600, (uid_t)-1,
				     (gid_t)-1, NULL, NULL, &err), 0);
	CHECK_INT(dkim_cache_load(c, false), 1);
	ks = dkim_cache_get(c, "c.test");
	CHECK(ks != NULL);
	/* the folder goes: the domain goes, the held set stays usable */
	snprintf(path, sizeof(path), "rm -rf '%s/dkim/c.test'", dir);
	CHECK_INT(system(path), 0);
	CHECK_INT(dkim_cache_load(c, false), 1);
	CHECK(dkim_cache_get(c, "c.test") == NULL);
	CHECK_INT(dkim_cache_domains(c), 0);
	{
		char *sig = sign_one(ks);

		CHECK(sig != NULL);
		free(sig);
	}
	dkim_keys_free(ks);
	dkim_cache_free(c);
	free(err);
}
