/* dkim-cache.c - every domain's active DKIM keys in memory. Loaded
 * once at start; a scan (off the loop) stats each data/dkim/<domain>/
 * folder and its "active" file and reloads only the domains whose
 * stamp changed: `tern dkim rotate` writes new key files and renames
 * "active", which changes both. */
#include "mailauth/dkim-private.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/log.h"

struct stamp {
	struct timespec dir_mtime, act_mtime;
	ino_t act_ino;
	off_t act_size;
	bool act;		/* "active" exists */
};

struct entry {
	char *domain;
	struct stamp st;
	struct dkim_keyset *ks;	/* NULL: the folder has no usable keys */
	bool changed;		/* scan: loaded anew */
};

struct dkim_cache {
	char *data_dir;
	struct entry *e;	/* sorted by domain */
	size_t n;
};

struct dkim_cache_scan {
	char *data_dir;
	bool force;
	struct entry *known;	/* copies of the cache's domains and stamps */
	size_t nknown;
	struct entry *found;	/* every domain folder now, sorted; ks
				   loaded when changed */
	size_t nfound;
	bool failed;		/* data/dkim unreadable: keep the cache */
};

static int
cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->domain,
		      ((const struct entry *)b)->domain);
}

static struct entry *
find(struct entry *e, size_t n, const char *domain)
{
	struct entry key = { .domain = (char *)domain };

	return n ? bsearch(&key, e, n, sizeof(*e), cmp_entry) : NULL;
}

static bool
same(const struct stamp *a, const struct stamp *b)
{
	return a->dir_mtime.tv_sec == b->dir_mtime.tv_sec &&
	       a->dir_mtime.tv_nsec == b->dir_mtime.tv_nsec &&
	       a->act == b->act && a->act_ino == b->act_ino &&
	       a->act_size == b->act_size &&
	       a->act_mtime.tv_sec == b->act_mtime.tv_sec &&
	       a->act_mtime.tv_nsec == b->act_mtime.tv_nsec;
}

struct dkim_cache *
dkim_cache_new(const char *data_dir)
{
	struct dkim_cache *c = xcalloc(1, sizeof(*c));

	c->data_dir = xstrdup(data_dir);
	return c;
}

static void
entries_free(struct entry *e, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(e[i].domain);
		dkim_keys_free(e[i].ks);
	}
	free(e);
}

void
dkim_cache_free(struct dkim_cache *c)
{
	if (c == NULL)
		return;
	entries_free(c->e, c->n);
	free(c->data_dir);
	free(c);
}

struct dkim_cache_scan *
dkim_cache_scan_prepare(struct dkim_cache *c, bool force)
{
	struct dkim_cache_scan *sc = xcalloc(1, sizeof(*sc));

	sc->data_dir = xstrdup(c->data_dir);
	sc->force = force;
	sc->known = xcalloc(c->n ? c->n : 1, sizeof(*sc->known));
	for (size_t i = 0; i < c->n; i++) {
		sc->known[i].domain = xstrdup(c->e[i].domain);
		sc->known[i].st = c->e[i].st;
	}
	sc->nknown = c->n;
	return sc;
}

static bool
stamp_of(const char *dir, struct stamp *st)
{
	char *act = xasprintf("%s/active", dir);
	struct stat sb;
	bool ok = false;

	memset(st, 0, sizeof(*st));
	if (stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		ok = true;
		st->dir_mtime = sb.st_mtim;
		if (stat(act, &sb) == 0) {
			st->act = true;
			st->act_mtime = sb.st_mtim;
			st->act_ino = sb.st_ino;
			st->act_size = sb.st_size;
		}
	}
	free(act);
	return ok;
}

void
dkim_cache_scan_run(struct dkim_cache_scan *sc)
{
	char *top = xasprintf("%s/dkim", sc->data_dir);
	DIR *d = opendir(top);
	struct dirent *de;
	size_t cap = 0;

	if (d == NULL) {
		/* no folder: no keys anywhere; anything else: keep what we have */
		sc->failed = errno != ENOENT;
		free(top);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		struct entry e = { 0 };
		struct entry *k;
		char *dir;
		char *err = NULL;

		if (de->d_name[0] == '.')
			continue;
		dir = xasprintf("%s/%s", top, de->d_name);
		if (!stamp_of(dir, &e.st)) {
			free(dir);
			continue;
		}
		free(dir);
		e.domain = xstrdup(de->d_name);
		k = find(sc->known, sc->nknown, e.domain);
		if (sc->nfound == cap) {
			cap = cap ? cap * 2 : 16;
			sc->found = xrealloc(sc->found, cap * sizeof(*sc->found));
		}
		e.changed = sc->force || k == NULL || !same(&k->st, &e.st);
		if (e.changed &&
		    dkim_keys_load(sc->data_dir, e.domain, &e.ks, &err) < 0) {
			/* said once per change of the folder; the keys
			 * loaded before (if any) keep signing */
			log_warn(0, "dkim keys domain=%s error=\"%s\"", e.domain,
				 err ? err : "?");
			free(err);
			e.changed = false;
		}
		sc->found[sc->nfound++] = e;
	}
	closedir(d);
	free(top);
	if (sc->nfound > 1)
		qsort(sc->found, sc->nfound, sizeof(*sc->found), cmp_entry);
}

void
dkim_cache_scan_free(struct dkim_cache_scan *sc)
{
	if (sc == NULL)
		return;
	entries_free(sc->known, sc->nknown);
	entries_free(sc->found, sc->nfound);
	free(sc->data_dir);
	free(sc);
}

size_t
dkim_cache_scan_apply(struct dkim_cache *c, struct dkim_cache_scan *sc)
{
	size_t nchanged = 0;

	if (sc->failed) {
		dkim_cache_scan_free(sc);
		return 0;
	}
	/* found becomes the cache; unchanged domains keep their sets */
	for (size_t i = 0; i < sc->nfound; i++) {
		struct entry *f = &sc->found[i];

		if (f->changed) {
			nchanged++;
			continue;
		}
		struct entry *old = find(c->e, c->n, f->domain);

		if (old != NULL)
			f->ks = dkim_keys_ref(old->ks);
	}
	for (size_t i = 0; i < c->n; i++)
		if (find(sc->found, sc->nfound, c->e[i].domain) == NULL)
			nchanged++;	/* a domain folder gone */
	entries_free(c->e, c->n);
	c->e = sc->found;
	c->n = sc->nfound;
	sc->found = NULL;
	sc->nfound = 0;
	dkim_cache_scan_free(sc);
	return nchanged;
}

size_t
dkim_cache_load(struct dkim_cache *c, bool force)
{
	struct dkim_cache_scan *sc = dkim_cache_scan_prepare(c, force);

	dkim_cache_scan_run(sc);
	return dkim_cache_scan_apply(c, sc);
}

struct dkim_keyset *
dkim_cache_get(const struct dkim_cache *c, const char *domain)
{
	struct entry *e = find(c->e, c->n, domain);

	return e ? dkim_keys_ref(e->ks) : NULL;
}

size_t
dkim_cache_domains(const struct dkim_cache *c)
{
	return c->n;
}
