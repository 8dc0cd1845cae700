/* managesieve-compile.c - compile a script before it is stored
 * (PUTSCRIPT, CHECKSCRIPT, `tern sieve put`) under the [sieve] limits
 * and with the includes delivery reads (src/deliver's, one of each) */
#include "managesieve/managesieve.h"

#include <string.h>

#include "deliver/deliver.h"
#include "sieve/sieve.h"

struct includer_ctx {
	const struct tern_conf *conf;
	struct store *store;
	int64_t account_id;
};

static int
includer_get(void *arg, bool global, const char *name, char **text_r,
	     size_t *len_r)
{
	struct includer_ctx *ctx = arg;

	return deliver_sieve_include(ctx->conf, ctx->store, ctx->account_id,
				     global, name, text_r, len_r);
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
	deliver_sieve_limits(conf, &lim);
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
