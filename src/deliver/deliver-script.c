/* deliver-script.c - an account's active Sieve script, compiled once
 * and kept: a small cache keyed by account and the store's version of
 * its active script, shared by the pool threads (a compiled script is
 * immutable), least recently used out first, never one in use */
#include "deliver/deliver-private.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/conf.h"
#include "lib/log.h"

#define DELIVER_CACHE_SLOTS 128

struct deliver_cached {
	struct store *store;
	char *dir;		/* its data folder: a store opened later at
				   the same address is another one */
	int64_t account_id, version;
	struct sieve_script *script;
	unsigned refs;
	uint64_t used;
};

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct deliver_cached cache[DELIVER_CACHE_SLOTS];
static uint64_t cache_clock;

void
deliver_sieve_limits(const struct tern_conf *conf, struct sieve_limits *lim)
{
	sieve_limits_default(lim);
	lim->max_script_size = (size_t)conf->sieve.max_script_size;
	lim->max_nesting = (unsigned)conf->sieve.max_nesting;
	lim->max_actions = (unsigned)conf->sieve.max_actions;
	lim->max_redirects = (unsigned)conf->sieve.max_redirects;
	lim->max_cpu_ms = conf->sieve.max_cpu_ms;
	lim->max_includes = (unsigned)conf->sieve.max_includes;
	lim->max_include_depth = (unsigned)conf->sieve.max_include_depth;
	lim->max_variable_size = (size_t)conf->sieve.max_variable_size;
	lim->max_variables = (unsigned)conf->sieve.max_variables;
	lim->vacation_min_days = (uint32_t)conf->sieve.vacation_min_days;
	lim->vacation_max_days = (uint32_t)conf->sieve.vacation_max_days;
	lim->vacation_default_days =
		(uint32_t)conf->sieve.vacation_default_days;
}

static const struct sieve_script *
cache_find(struct store *store, int64_t account_id, int64_t version)
{
	const struct sieve_script *s = NULL;

	pthread_mutex_lock(&cache_lock);
	for (size_t i = 0; i < DELIVER_CACHE_SLOTS; i++) {
		struct deliver_cached *c = &cache[i];

		if (c->script && c->store == store &&
		    c->account_id == account_id && c->version == version &&
		    strcmp(c->dir, store_data_dir(store)) == 0) {
			c->refs++;
			c->used = ++cache_clock;
			s = c->script;
			break;
		}
	}
	pthread_mutex_unlock(&cache_lock);
	return s;
}

/* keep a fresh compile (referenced once by the caller); when no slot
 * is free it is not kept and the caller's release frees it */
static void
cache_add(struct store *store, int64_t account_id, int64_t version,
	  struct sieve_script *script)
{
	struct deliver_cached *victim = NULL;
	struct sieve_script *old = NULL;

	pthread_mutex_lock(&cache_lock);
	for (size_t i = 0; i < DELIVER_CACHE_SLOTS; i++) {
		struct deliver_cached *c = &cache[i];

		if (c->refs > 0)
			continue;
		/* an older version of this account's script goes first */
		if (c->script && c->store == store &&
		    c->account_id == account_id) {
			victim = c;
			break;
		}
		if (victim == NULL || c->script == NULL ||
		    (victim->script && c->used < victim->used))
			victim = c;
	}
	if (victim) {
		old = victim->script;
		free(victim->dir);
		victim->dir = xstrdup(store_data_dir(store));
		victim->store = store;
		victim->account_id = account_id;
		victim->version = version;
		victim->script = script;
		victim->refs = 1;
		victim->used = ++cache_clock;
	}
	pthread_mutex_unlock(&cache_lock);
	sieve_script_free(old);
}

void
deliver_script_release(const struct sieve_script *s)
{
	bool cached = false;

	if (s == NULL)
		return;
	pthread_mutex_lock(&cache_lock);
	for (size_t i = 0; i < DELIVER_CACHE_SLOTS; i++) {
		if (cache[i].script == s) {
			cache[i].refs--;
			cached = true;
			break;
		}
	}
	pthread_mutex_unlock(&cache_lock);
	if (!cached)
		sieve_script_free((struct sieve_script *)s);
}

/* :global "name": the file name + ".sieve" in sieve.global_dir, a
 * plain file (a symbolic link is not followed), by a name that cannot
 * leave it, read to at most sieve.max_script_size */
static int
deliver_global_get(const struct tern_conf *conf, const char *name,
		   char **text_r, size_t *len_r)
{
	const char *dir = conf->sieve.global_dir;
	struct buf b = BUF_INIT;
	struct stat st;
	char *path;
	int fd;

	if (dir == NULL || dir[0] == '\0' || name[0] == '\0' ||
	    name[0] == '.' || strchr(name, '/') != NULL)
		return -1;
	path = xasprintf("%s/%s.sieve", dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	free(path);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size > conf->sieve.max_script_size) {
		close(fd);
		return -1;
	}
	for (;;) {
		unsigned char *p = buf_reserve(&b, 8192);
		ssize_t n = read(fd, p, 8192);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			if (n < 0) {
				buf_free(&b);
				return -1;
			}
			break;
		}
		b.len += (size_t)n;
		if (b.len > conf->sieve.max_script_size) {
			close(fd);
			buf_free(&b);
			return -1;
		}
	}
	*len_r = b.len;
	*text_r = buf_steal(&b);
	return 0;
}

int
deliver_sieve_include(const struct tern_conf *conf, struct store *store,
		      int64_t account_id, bool global, const char *name,
		      char **text_r, size_t *len_r)
{
	if (global)
		return deliver_global_get(conf, name, text_r, len_r);
	return store_sieve_get(store, account_id, name, text_r, len_r) == 0 ?
	       0 : -1;
}

struct deliver_includer {
	struct deliver_sieve *d;
	const struct deliver_unit *u;
	bool used;
};

static int
deliver_include_get(void *arg, bool global, const char *name, char **text_r,
		    size_t *len_r)
{
	struct deliver_includer *inc = arg;

	inc->used = true;
	return deliver_sieve_include(inc->d->env.conf, inc->d->env.store,
				     inc->u->account_id, global, name, text_r,
				     len_r);
}

/* "sieve error account=... script=... line=...: why" */
static void
deliver_script_error(struct deliver_sieve *d, const struct deliver_unit *u,
		     const char *script, const struct sieve_diags *diags,
		     const char *why)
{
	const struct sieve_diag *g = diags && diags->n ? &diags->v[0] : NULL;

	log_warn(d->env.log_id, "sieve error account=%s script=%s line=%u: %s",
		 u->address, g && g->script[0] ? g->script : script,
		 g ? g->line : 0, g ? g->msg : why);
}

int
deliver_script_get(struct deliver_sieve *d, struct deliver_unit *u,
		   const struct sieve_script **s_r)
{
	struct deliver_includer inc = { d, u, false };
	struct sieve_includer includer = { deliver_include_get, &inc };
	struct sieve_limits lim;
	struct sieve_diags diags = { NULL, 0 };
	struct sieve_script *script;
	char *name = NULL, *text = NULL;
	size_t len = 0;
	int64_t version = 0;
	int rc;

	rc = store_sieve_active(d->env.store, u->account_id, &name, &text,
				&len, &version);
	if (rc == STORE_ENOTFOUND)
		return 0;
	if (rc != 0) {
		deliver_script_error(d, u, "?", NULL, store_strerror(rc));
		return -1;
	}
	free(u->script);
	u->script = xstrdup(name ? name : "?");
	if ((*s_r = cache_find(d->env.store, u->account_id, version))) {
		free(name);
		free(text);
		return 1;
	}
	deliver_sieve_limits(d->env.conf, &lim);
	script = sieve_compile(name, text, len, &lim, &includer, &diags);
	if (script == NULL) {
		deliver_script_error(d, u, name, &diags, "does not compile");
		sieve_diags_free(&diags);
		free(name);
		free(text);
		return -1;
	}
	sieve_diags_free(&diags);
	free(name);
	free(text);
	/* the version is the active script's: one that includes others
	 * (which may change alone) is compiled each time instead */
	if (!inc.used)
		cache_add(d->env.store, u->account_id, version, script);
	*s_r = script;
	return 1;
}
