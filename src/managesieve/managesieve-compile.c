/* managesieve-compile.c - compile a script before it is stored
 * (PUTSCRIPT, CHECKSCRIPT, `tern sieve put`): the [sieve] limits, and
 * includes read from the account's scripts and sieve.global_dir */
#include "managesieve/managesieve.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/buf.h"
#include "sieve/sieve.h"
#include "store/store.h"

void
managesieve_limits(const struct tern_conf *conf, struct sieve_limits *lim)
{
	sieve_limits_default(lim);
	lim->max_script_size = conf->sieve.max_script_size;
	lim->max_nesting = (unsigned)conf->sieve.max_nesting;
	lim->max_actions = (unsigned)conf->sieve.max_actions;
	lim->max_redirects = (unsigned)conf->sieve.max_redirects;
	lim->max_cpu_ms = conf->sieve.max_cpu_ms;
	lim->max_includes = (unsigned)conf->sieve.max_includes;
	lim->max_include_depth = (unsigned)conf->sieve.max_include_depth;
	lim->max_variable_size = conf->sieve.max_variable_size;
	lim->max_variables = (unsigned)conf->sieve.max_variables;
	lim->vacation_min_days = (uint32_t)conf->sieve.vacation_min_days;
	lim->vacation_max_days = (uint32_t)conf->sieve.vacation_max_days;
	lim->vacation_default_days =
		(uint32_t)conf->sieve.vacation_default_days;
}

struct includer_ctx {
	const struct tern_conf *conf;
	struct store *store;
	int64_t account_id;
};

/* a global script: a plain file of sieve.global_dir, by a name that
 * cannot leave it */
static int
read_global(const struct tern_conf *conf, const char *name, char **text_r,
	    size_t *len_r)
{
	const char *dir = conf->sieve.global_dir;
	struct buf b = BUF_INIT;
	struct stat st;
	char *path;
	int fd;

	if (dir == NULL || dir[0] == '\0' || name[0] == '\0' ||
	    name[0] == '.' || strchr(name, '/') != NULL)
		return -1;
	path = xasprintf("%s/%s", dir, name);
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

static int
includer_get(void *arg, bool global, const char *name, char **text_r,
	     size_t *len_r)
{
	struct includer_ctx *ctx = arg;

	if (global)
		return read_global(ctx->conf, name, text_r, len_r);
	return store_sieve_get(ctx->store, ctx->account_id, name, text_r,
			       len_r) == 0 ? 0 : -1;
}

/* the diagnostics without the last line end (one line: a quoted
 * string on the wire) */
static char *
diags_text(const struct sieve_diags *d)
{
	char *t = sieve_diags_text(d);
	size_t n = strlen(t);

	while (n > 0 && (t[n - 1] == '\n' || t[n - 1] == '\r'))
		t[--n] = '\0';
	return t;
}

int
managesieve_compile(const struct tern_conf *conf, struct store *store,
		    int64_t account_id, const char *name, const char *text,
		    size_t len, char **errors_r)
{
	struct includer_ctx ctx = { conf, store, account_id };
	struct sieve_includer inc = { includer_get, &ctx };
	struct sieve_diags diags = { 0 };
	struct sieve_limits lim;
	struct sieve_script *sc;

	*errors_r = NULL;
	managesieve_limits(conf, &lim);
	sc = sieve_compile(name, text, len, &lim, &inc, &diags);
	if (sc == NULL) {
		*errors_r = diags.n ? diags_text(&diags) :
				      xstrdup("the script does not compile");
		sieve_diags_free(&diags);
		return -1;
	}
	if (diags.n)		/* warnings */
		*errors_r = diags_text(&diags);
	sieve_script_free(sc);
	sieve_diags_free(&diags);
	return 0;
}
