/* dkim-keys.c - a domain's DKIM keys on disk: data/dkim/<domain>/
 * holds <selector>.key (PEM, 0600) for every published selector and
 * "active", the selectors that sign, one per line. Rotation adds a
 * dated pair and points "active" at it; the old pair stays published
 * (mail signed with it may still be in flight) until retired. */
#include "mailauth/dkim-private.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/pem.h>

#include "lib/idn.h"

#define DKIM_RSA_BITS 2048

static bool
domain_ok(const char *d)
{
	size_t n = strlen(d);

	if (n == 0 || n > 253 || d[0] == '.' || d[0] == '-' || strstr(d, ".."))
		return false;
	for (; *d; d++)
		if (!islower((unsigned char)*d) && !isdigit((unsigned char)*d) &&
		    *d != '-' && *d != '.')
			return false;
	return true;
}

static bool
selector_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 63)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_')
			return false;
	return true;
}

/* the domain's key folder, named by its A-label form (an IDN's d= is
 * that form, RFC 6376 3.5; *ascii_r, if asked, is set to it) */
static char *
key_dir_ascii(const char *data_dir, const char *domain, char **ascii_r,
	      char **err)
{
	char *a = idn_to_ascii(domain), *dir;

	if (a == NULL || !domain_ok(a)) {
		*err = xasprintf("'%s' is not a domain name", domain);
		free(a);
		return NULL;
	}
	dir = xasprintf("%s/dkim/%s", data_dir, a);
	if (ascii_r != NULL)
		*ascii_r = a;
	else
		free(a);
	return dir;
}

static char *
key_dir(const char *data_dir, const char *domain, char **err)
{
	return key_dir_ascii(data_dir, domain, NULL, err);
}

/* the selectors in "active"; 0 none (missing file), -1 error */
static int
read_active(const char *dir, char sel[2][64], char **err)
{
	char *path = xasprintf("%s/active", dir);
	FILE *f = fopen(path, "r");
	char line[128];
	int n = 0;

	if (f == NULL) {
		int e = errno;

		if (e == ENOENT) {
			free(path);
			return 0;
		}
		*err = xasprintf("%s: %s", path, strerror(e));
		free(path);
		return -1;
	}
	while (n < 2 && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0')
			continue;
		if (!selector_ok(line)) {
			*err = xasprintf("%s: bad selector '%s'", path, line);
			fclose(f);
			free(path);
			return -1;
		}
		snprintf(sel[n++], 64, "%.63s", line);
	}
	fclose(f);
	free(path);
	return n;
}

static EVP_PKEY *
read_key(const char *dir, const char *sel, char **err)
{
	char *path = xasprintf("%s/%s.key", dir, sel);
	FILE *f = fopen(path, "r");
	EVP_PKEY *k = NULL;

	if (f == NULL) {
		*err = xasprintf("%s: %s", path, strerror(errno));
	} else {
		k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
		fclose(f);
		if (k == NULL)
			*err = xasprintf("%s: not a PEM private key", path);
		else if (EVP_PKEY_get_base_id(k) != EVP_PKEY_RSA &&
			 EVP_PKEY_get_base_id(k) != EVP_PKEY_ED25519) {
			*err = xasprintf("%s: neither RSA nor Ed25519", path);
			EVP_PKEY_free(k);
			k = NULL;
		}
	}
	free(path);
	return k;
}

static enum dkim_alg
alg_of(EVP_PKEY *k)
{
	return EVP_PKEY_get_base_id(k) == EVP_PKEY_ED25519 ?
		DKIM_ED25519_SHA256 : DKIM_RSA_SHA256;
}

int
dkim_keys_load(const char *data_dir, const char *domain,
	       struct dkim_keyset **out, char **err)
{
	char sel[2][64];
	char *ascii = NULL;
	char *dir = key_dir_ascii(data_dir, domain, &ascii, err);
	struct dkim_keyset *ks;
	int n;

	*out = NULL;
	if (dir == NULL)
		return -1;
	n = read_active(dir, sel, err);
	if (n <= 0) {
		free(dir);
		free(ascii);
		return n == 0 ? 1 : -1;
	}
	ks = xcalloc(1, sizeof(*ks));
	ks->refs = 1;
	ks->domain = ascii;
	for (int i = 0; i < n; i++) {
		EVP_PKEY *k = read_key(dir, sel[i], err);

		if (k == NULL) {
			free(dir);
			dkim_keys_free(ks);
			return -1;
		}
		memcpy(ks->key[ks->n].selector, sel[i], sizeof(sel[i]));
		ks->key[ks->n].alg = alg_of(k);
		ks->key[ks->n].pkey = k;
		ks->n++;
	}
	free(dir);
	*out = ks;
	return 0;
}

struct dkim_keyset *
dkim_keys_ref(struct dkim_keyset *ks)
{
	if (ks != NULL)
		ks->refs++;
	return ks;
}

void
dkim_keys_free(struct dkim_keyset *ks)
{
	if (ks == NULL || --ks->refs > 0)
		return;
	for (size_t i = 0; i < ks->n; i++)
		EVP_PKEY_free(ks->key[i].pkey);
	free(ks->domain);
	free(ks);
}

static int
make_dir(const char *path, uid_t uid, gid_t gid, char **err)
{
	if (mkdir(path, 0700) < 0 && errno != EEXIST) {
		*err = xasprintf("%s: %s", path, strerror(errno));
		return -1;
	}
	if ((uid != (uid_t)-1 || gid != (gid_t)-1) && chown(path, uid, gid) < 0) {
		*err = xasprintf("%s: chown: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* write key to dir/sel.key, which must not exist yet */
static int
write_key(const char *dir, const char *sel, EVP_PKEY *k, uid_t uid,
	  gid_t gid, char **err)
{
	char *path = xasprintf("%s/%s.key", dir, sel);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	FILE *f;
	int rc = -1;

	if (fd < 0) {
		*err = xasprintf("%s: %s", path, strerror(errno));
		free(path);
		return -1;
	}
	if ((uid != (uid_t)-1 || gid != (gid_t)-1) && fchown(fd, uid, gid) < 0) {
		*err = xasprintf("%s: chown: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		free(path);
		return -1;
	}
	f = fdopen(fd, "w");
	if (f != NULL && PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL) &&
	    fflush(f) == 0 && fsync(fd) == 0)
		rc = 0;
	if (f != NULL ? fclose(f) != 0 : close(fd) != 0)
		rc = -1;
	if (rc < 0) {
		*err = xasprintf("%s: could not write the key", path);
		unlink(path);
	}
	free(path);
	return rc;
}

static int
write_active(const char *dir, const char *a, const char *b, uid_t uid,
	     gid_t gid, char **err)
{
	char *tmp = xasprintf("%s/active.tmp", dir);
	char *path = xasprintf("%s/active", dir);
	FILE *f = fopen(tmp, "w");
	int rc = -1;

	if (f == NULL) {
		*err = xasprintf("%s: %s", tmp, strerror(errno));
	} else {
		bool ok = fprintf(f, "%s\n%s\n", a, b) > 0 && fflush(f) == 0 &&
			  fsync(fileno(f)) == 0;

		if (fclose(f) != 0)
			ok = false;
		if (ok && (uid != (uid_t)-1 || gid != (gid_t)-1) &&
		    chown(tmp, uid, gid) < 0)
			ok = false;
		if (ok && rename(tmp, path) == 0)
			rc = 0;
		else {
			*err = xasprintf("%s: %s", path, strerror(errno));
			unlink(tmp);
		}
	}
	free(tmp);
	free(path);
	return rc;
}

static bool
exists(const char *dir, const char *sel)
{
	char *path = xasprintf("%s/%s.key", dir, sel);
	bool e = access(path, F_OK) == 0;

	free(path);
	return e;
}

int
dkim_keys_generate(const char *data_dir, const char *domain, time_t now,
		   uid_t uid, gid_t gid, char *sel_rsa, char *sel_ed,
		   char **err)
{
	char *top = xasprintf("%s/dkim", data_dir);
	char *dir = key_dir(data_dir, domain, err);
	char date[16], rsa[32], ed[32];
	struct tm tm;
	EVP_PKEY *kr = NULL, *ke = NULL;
	int rc = -1;

	if (now == 0)
		now = time(NULL);
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%Y%m%d", &tm);
	if (dir == NULL || make_dir(top, uid, gid, err) < 0 ||
	    make_dir(dir, uid, gid, err) < 0)
		goto out;
	/* t20261203r, t20261203e; then t20261203r2 ... the same day */
	for (int i = 1;; i++) {
		if (i > 99) {
			*err = xasprintf("too many DKIM keys made on %s", date);
			goto out;
		}
		snprintf(rsa, sizeof(rsa), i == 1 ? "t%sr" : "t%sr%d", date, i);
		snprintf(ed, sizeof(ed), i == 1 ? "t%se" : "t%se%d", date, i);
		if (!exists(dir, rsa) && !exists(dir, ed))
			break;
	}
	kr = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)DKIM_RSA_BITS);
	ke = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	if (kr == NULL || ke == NULL) {
		*err = xstrdup("OpenSSL could not make a key");
		goto out;
	}
	if (write_key(dir, rsa, kr, uid, gid, err) < 0)
		goto out;
	if (write_key(dir, ed, ke, uid, gid, err) < 0 ||
	    write_active(dir, rsa, ed, uid, gid, err) < 0) {
		char *p = xasprintf("%s/%s.key", dir, rsa);

		unlink(p);
		free(p);
		p = xasprintf("%s/%s.key", dir, ed);
		unlink(p);
		free(p);
		goto out;
	}
	if (sel_rsa)
		snprintf(sel_rsa, 32, "%s", rsa);
	if (sel_ed)
		snprintf(sel_ed, 32, "%s", ed);
	rc = 0;
out:
	EVP_PKEY_free(kr);
	EVP_PKEY_free(ke);
	free(top);
	free(dir);
	return rc;
}

int
dkim_keys_retire(const char *data_dir, const char *domain,
		 const char *selector, char **err)
{
	char sel[2][64];
	char *dir = key_dir(data_dir, domain, err);
	char *path = NULL;
	int n, rc = -1;

	if (dir == NULL)
		return -1;
	if (!selector_ok(selector)) {
		*err = xasprintf("'%s' is not a selector", selector);
		goto out;
	}
	if ((n = read_active(dir, sel, err)) < 0)
		goto out;
	for (int i = 0; i < n; i++)
		if (!strcmp(sel[i], selector)) {
			*err = xasprintf("%s is active: rotate first", selector);
			goto out;
		}
	path = xasprintf("%s/%s.key", dir, selector);
	if (unlink(path) < 0) {
		*err = xasprintf("%s: %s", path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	free(path);
	free(dir);
	return rc;
}

static int
cmp_rec(const void *a, const void *b)
{
	const struct dkim_dns_record *x = a, *y = b;

	return strcmp(x->selector, y->selector);
}

static int
dns_records_of(const char *data_dir, const char *domain,
	       struct dkim_dns_record **out, size_t *n, char **err)
{
	char sel[2][64];
	char *dir = key_dir(data_dir, domain, err);
	struct dkim_dns_record *r = NULL;
	size_t nr = 0;
	struct dirent *de;
	DIR *d;
	int na;

	*out = NULL;
	*n = 0;
	if (dir == NULL)
		return -1;
	if ((d = opendir(dir)) == NULL) {
		int e = errno;

		free(dir);
		if (e == ENOENT)
			return 0;
		*err = xasprintf("%s/dkim/%s: %s", data_dir, domain, strerror(e));
		return -1;
	}
	if ((na = read_active(dir, sel, err)) < 0) {
		closedir(d);
		free(dir);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		char s[64];
		EVP_PKEY *k;

		if (len < 5 || len - 4 >= sizeof(s) ||
		    strcmp(de->d_name + len - 4, ".key"))
			continue;
		memcpy(s, de->d_name, len - 4);
		s[len - 4] = '\0';
		if (!selector_ok(s))
			continue;
		if ((k = read_key(dir, s, err)) == NULL) {
			closedir(d);
			free(dir);
			dkim_dns_records_free(r, nr);
			return -1;
		}
		r = xrealloc(r, (nr + 1) * sizeof(*r));
		r[nr].name = xasprintf("%s._domainkey.%s", s, domain);
		r[nr].value = dkim_key_record(k);
		r[nr].selector = xstrdup(s);
		r[nr].alg = alg_of(k);
		r[nr].active = false;
		for (int i = 0; i < na; i++)
			if (!strcmp(sel[i], s))
				r[nr].active = true;
		EVP_PKEY_free(k);
		if (r[nr].value == NULL)
			r[nr].value = xstrdup("");
		nr++;
	}
	closedir(d);
	free(dir);
	if (nr > 1)
		qsort(r, nr, sizeof(*r), cmp_rec);
	*out = r;
	*n = nr;
	return 0;
}

/* the records are named by the A-label form, as DNS holds them */
int
dkim_dns_records(const char *data_dir, const char *domain,
		 struct dkim_dns_record **out, size_t *n, char **err)
{
	char *ascii = idn_to_ascii(domain);
	int rc;

	*out = NULL;
	*n = 0;
	if (ascii == NULL) {
		*err = xasprintf("'%s' is not a domain name", domain);
		return -1;
	}
	rc = dns_records_of(data_dir, ascii, out, n, err);
	free(ascii);
	return rc;
}

void
dkim_dns_records_free(struct dkim_dns_record *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(r[i].name);
		free(r[i].value);
		free(r[i].selector);
	}
	free(r);
}
