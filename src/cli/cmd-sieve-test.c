/* cmd-sieve-test.c - `tern sieve check FILE` and `tern sieve test ...
 * SCRIPT MESSAGE`: compile a script, or run it on a message file and
 * print the actions it decides, one line each (a stable format that the
 * differential test against Pigeonhole reads). No config or store. */
#include "cli/cli.h"
#include "lib/buf.h"
#include "sieve/sieve.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define SIEVE_TEST_USAGE \
	"usage: tern sieve check FILE\n" \
	"       tern sieve test [--from ADDR] [--to ADDR] [--orig-to ADDR]\n" \
	"                       [--date UNIXTIME] [--global-dir DIR]\n" \
	"                       [--personal-dir DIR] [--mailbox NAME]...\n" \
	"                       SCRIPT MESSAGEFILE\n" \
	"check: prints \"error LINE:COL: message\" lines, exit 1 on errors.\n" \
	"test: one line per action, in the order they ran (exit 0):\n" \
	"  keep flags=F1,F2\n" \
	"  fileinto mailbox=\"NAME\" flags=F1,F2 create=0|1 copy=0|1\n" \
	"  redirect address=\"ADDR\" copy=0|1\n" \
	"  reject reason=\"TEXT\"     ereject reason=\"TEXT\"     discard\n" \
	"  vacation to=\"ADDR\" handle=\"H\" seconds=N from=\"ADDR\" subject=\"S\"\n" \
	"           mime=0|1 reason=\"TEXT\"\n" \
	"  (strings quoted with \\\" \\\\ \\r \\n escapes; flags comma-separated);\n" \
	"  or \"error LINE:COL: message\" lines and exit 1 (a runtime error:\n" \
	"  the message would be kept in INBOX). The envelope defaults to\n" \
	"  sender@example.com -> recipient@example.com; --mailbox names a\n" \
	"  mailbox that exists (mailboxexists); includes are read from\n" \
	"  DIR/NAME.sieve (or DIR/NAME); the personal folder defaults to the\n" \
	"  script's.\n"

/* whole file; NULL after printing why */
static char *
slurp(const char *path, size_t *len_r)
{
	FILE *f = fopen(path, "rb");
	struct buf b = BUF_INIT;
	char chunk[8192];
	size_t n;

	if (!f) {
		fprintf(stderr, "tern sieve: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&b, chunk, n);
	fclose(f);
	*len_r = b.len;
	buf_cstr(&b);
	if (!b.data)
		return xstrdup("");
	return buf_steal(&b);
}

struct dirs {
	const char *personal, *global;
};

static int
include_get(void *arg, bool global, const char *name, char **text_r,
	    size_t *len_r)
{
	const struct dirs *d = arg;
	const char *dir = global ? d->global : d->personal;

	if (!dir)
		return -1;
	char *p = xasprintf("%s/%s.sieve", dir, name);
	FILE *f = fopen(p, "rb");
	if (!f) {
		free(p);
		p = xasprintf("%s/%s", dir, name);
		f = fopen(p, "rb");
	}
	if (!f) {
		free(p);
		return -1;
	}
	fclose(f);
	*text_r = slurp(p, len_r);
	free(p);
	return *text_r ? 0 : -1;
}

/* "error LINE:COL: msg"; an included script's name before msg */
static void
print_diags(const struct sieve_diags *d, const char *main_name)
{
	for (size_t i = 0; i < d->n; i++) {
		if (d->v[i].script[0] && strcmp(d->v[i].script, main_name) != 0)
			printf("error %u:%u: %s: %s\n", d->v[i].line, d->v[i].col,
			       d->v[i].script, d->v[i].msg);
		else
			printf("error %u:%u: %s\n", d->v[i].line, d->v[i].col,
			       d->v[i].msg);
	}
}

static void
put_quoted(const char *key, const char *s)
{
	printf(" %s=\"", key);
	for (; s && *s; s++) {
		switch (*s) {
		case '"': fputs("\\\"", stdout); break;
		case '\\': fputs("\\\\", stdout); break;
		case '\r': fputs("\\r", stdout); break;
		case '\n': fputs("\\n", stdout); break;
		default: putchar(*s);
		}
	}
	putchar('"');
}

static void
put_flags(const char *const *f)
{
	fputs(" flags=", stdout);
	for (size_t i = 0; f && f[i]; i++)
		printf("%s%s", i ? "," : "", f[i]);
}

static void
print_action(const struct sieve_action *a)
{
	switch (a->kind) {
	case SIEVE_KEEP:
		fputs("keep", stdout);
		put_flags(a->flags);
		break;
	case SIEVE_FILEINTO:
		fputs("fileinto", stdout);
		put_quoted("mailbox", a->mailbox);
		put_flags(a->flags);
		printf(" create=%d copy=%d", a->create, a->copy);
		break;
	case SIEVE_REDIRECT:
		fputs("redirect", stdout);
		put_quoted("address", a->address);
		printf(" copy=%d", a->copy);
		break;
	case SIEVE_REJECT:
	case SIEVE_EREJECT:
		fputs(a->kind == SIEVE_REJECT ? "reject" : "ereject", stdout);
		put_quoted("reason", a->reason);
		break;
	case SIEVE_DISCARD:
		fputs("discard", stdout);
		break;
	case SIEVE_VACATION:
		fputs("vacation", stdout);
		put_quoted("to", a->vacation_to);
		put_quoted("handle", a->vacation_handle);
		printf(" seconds=%u", a->vacation_seconds);
		put_quoted("from", a->vacation_from ? a->vacation_from : "");
		put_quoted("subject", a->vacation_subject);
		printf(" mime=%d", a->vacation_mime);
		put_quoted("reason", a->reason);
		break;
	}
	putchar('\n');
}

static bool
mailbox_exists(void *arg, const char *name)
{
	char *const *boxes = arg;

	if (strcasecmp(name, "INBOX") == 0)
		return true;
	for (size_t i = 0; boxes[i]; i++)
		if (strcmp(boxes[i], name) == 0)
			return true;
	return false;
}

/* the script's name as include sees it: the file name without .sieve */
static char *
script_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *name = xstrdup(slash ? slash + 1 : path);
	char *dot = strrchr(name, '.');

	if (dot && strcmp(dot, ".sieve") == 0)
		*dot = '\0';
	return name;
}

/* bare LF made CRLF: the message as the store keeps it */
static char *
crlf(const char *p, size_t len, size_t *len_r)
{
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < len; i++) {
		if (p[i] == '\n' && (i == 0 || p[i - 1] != '\r'))
			buf_append_byte(&b, '\r');
		buf_append_byte(&b, (unsigned char)p[i]);
	}
	*len_r = b.len;
	buf_cstr(&b);
	return b.data ? buf_steal(&b) : xstrdup("");
}

static int
run_test(int argc, char **argv)
{
	struct sieve_msg m;
	struct sieve_limits lim;
	struct sieve_diags diags = { NULL, 0 };
	struct dirs dirs = { NULL, NULL };
	const char *pos[2];
	char **boxes = xcalloc((size_t)argc + 1, sizeof(char *));
	size_t np = 0, nb = 0;
	int rc = 1;

	memset(&m, 0, sizeof(m));
	m.env_from = "sender@example.com";
	m.env_to = "recipient@example.com";
	m.now = time(NULL);
	m.spam_header = "X-Spam-Score";
	m.spam_max = 15;
	m.virus_header = "X-Virus-Status";
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool val = i + 1 < argc;
		if (strcmp(a, "--from") == 0 && val)
			m.env_from = argv[++i];
		else if (strcmp(a, "--to") == 0 && val)
			m.env_to = argv[++i];
		else if (strcmp(a, "--orig-to") == 0 && val)
			m.env_orig_to = argv[++i];
		else if (strcmp(a, "--date") == 0 && val)
			m.now = (time_t)strtoll(argv[++i], NULL, 10);
		else if (strcmp(a, "--global-dir") == 0 && val)
			dirs.global = argv[++i];
		else if (strcmp(a, "--personal-dir") == 0 && val)
			dirs.personal = argv[++i];
		else if (strcmp(a, "--mailbox") == 0 && val)
			boxes[nb++] = argv[++i];
		else if (a[0] == '-' && a[1] == '-')
			goto usage;
		else if (np < 2)
			pos[np++] = a;
		else
			goto usage;
	}
	if (np != 2)
		goto usage;
	if (!m.env_orig_to)
		m.env_orig_to = m.env_to;

	char *dir = NULL;
	if (!dirs.personal) {
		const char *slash = strrchr(pos[0], '/');
		dir = slash ? xstrndup(pos[0], (size_t)(slash - pos[0])) : xstrdup(".");
		dirs.personal = dir;
	}
	size_t slen, mlen, raw_len;
	char *script = slurp(pos[0], &slen);
	char *raw = script ? slurp(pos[1], &raw_len) : NULL;
	if (!script || !raw) {
		free(script);
		free(dir);
		free(boxes);
		return 1;
	}
	char *msg = crlf(raw, raw_len, &mlen);
	free(raw);
	m.data = (const unsigned char *)msg;
	m.len = mlen;
	m.mailbox_exists = mailbox_exists;
	m.arg = boxes;
	const char *own[] = { m.env_to, NULL };
	m.own_addresses = own;

	sieve_limits_default(&lim);
	struct sieve_includer inc = { include_get, &dirs };
	char *sname = script_name(pos[0]);
	struct sieve_script *s = sieve_compile(sname, script, slen, &lim, &inc,
					       &diags);
	if (!s) {
		print_diags(&diags, sname);
	} else {
		struct sieve_result r;
		if (sieve_run(s, &m, &lim, &r) == 0) {
			for (size_t i = 0; i < r.n; i++)
				print_action(&r.v[i]);
			rc = 0;
		} else {
			print_diags(&r.diags, sname);
		}
		sieve_result_free(&r);
		sieve_script_free(s);
	}
	sieve_diags_free(&diags);
	free(sname);
	free(script);
	free(msg);
	free(dir);
	free(boxes);
	return rc;
usage:
	free(boxes);
	fputs(SIEVE_TEST_USAGE, stderr);
	return EXIT_USAGE;
}

static int
run_check(int argc, char **argv)
{
	struct sieve_limits lim;
	struct sieve_diags diags = { NULL, 0 };
	size_t len;

	if (argc != 2) {
		fputs(SIEVE_TEST_USAGE, stderr);
		return EXIT_USAGE;
	}
	char *text = slurp(argv[1], &len);
	if (!text)
		return 1;
	sieve_limits_default(&lim);
	const char *slash = strrchr(argv[1], '/');
	char *dir = slash ? xstrndup(argv[1], (size_t)(slash - argv[1])) : xstrdup(".");
	struct dirs dirs = { dir, NULL };
	struct sieve_includer inc = { include_get, &dirs };
	char *name = script_name(argv[1]);
	struct sieve_script *s = sieve_compile(name, text, len, &lim, &inc,
					       &diags);
	print_diags(&diags, name);
	free(name);
	int rc = s ? 0 : 1;
	sieve_script_free(s);
	sieve_diags_free(&diags);
	free(text);
	free(dir);
	return rc;
}

int
cmd_sieve_test(struct cli *cli)
{
	if (cli->argc >= 1 && strcmp(cli->argv[0], "check") == 0)
		return run_check(cli->argc, cli->argv);
	if (cli->argc >= 1 && strcmp(cli->argv[0], "test") == 0)
		return run_test(cli->argc, cli->argv);
	fputs(SIEVE_TEST_USAGE, stderr);
	return EXIT_USAGE;
}
