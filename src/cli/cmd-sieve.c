/* cmd-sieve.c - `tern sieve list|get|put|activate|delete`: an account's
 * Sieve scripts in the store, as ManageSieve keeps them (scripts are
 * compiled before they are stored); `tern sieve check|test` are
 * cmd-sieve-test.c's. */
#include "cli/cli.h"
#include "lib/buf.h"
#include "managesieve/managesieve.h"
#include "store/store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char sieve_usage[] =
	"usage: tern sieve list ACCOUNT\n"
	"       tern sieve get ACCOUNT NAME\n"
	"       tern sieve put ACCOUNT NAME FILE [--activate]   (FILE - : stdin)\n"
	"       tern sieve activate ACCOUNT NAME|--none\n"
	"       tern sieve delete ACCOUNT NAME\n"
	"       tern sieve check|test ...   (tern help)\n";

static int
sieve_fail(const char *what, const char *name, int rc)
{
	fprintf(stderr, "tern: sieve %s %s: %s\n", what, name,
		rc == STORE_EBUSY ? "the script is active" :
		rc == STORE_ELIMIT ? "too many scripts (sieve.max_scripts)" :
		rc == STORE_ETOOBIG ? "script too big (sieve.max_script_size)" :
		rc == STORE_EQUOTA ? "over the scripts quota (sieve.quota)" :
		rc == STORE_EBADNAME ? "bad script name" :
		store_strerror(rc));
	return 1;
}

/* a whole file ("-": standard input), at most max bytes */
static int
read_script(const char *path, uint64_t max, struct buf *out)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	unsigned char tmp[8192];
	size_t n;

	if (f == NULL) {
		fprintf(stderr, "tern: sieve put: %s: %s\n", path,
			strerror(errno));
		return -1;
	}
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0) {
		buf_append(out, tmp, n);
		if (out->len > max) {
			fprintf(stderr, "tern: sieve put: %s: script too big "
				"(sieve.max_script_size %llu)\n", path,
				(unsigned long long)max);
			break;
		}
	}
	if (f != stdin)
		fclose(f);
	return out->len > max ? -1 : 0;
}

static int
sieve_put(const struct tern_conf *conf, struct store *st, int64_t id,
	  char **argv, int argc)
{
	bool activate = argc == 4;
	struct buf text = BUF_INIT;
	char *errors = NULL;
	int rc;

	if (argc == 4 && strcmp(argv[3], "--activate") != 0) {
		fputs(sieve_usage, stderr);
		return EXIT_USAGE;
	}
	if (!store_sieve_name_valid(argv[1]))
		return sieve_fail("put", argv[1], STORE_EBADNAME);
	if (read_script(argv[2], conf->sieve.max_script_size, &text) < 0) {
		buf_free(&text);
		return 1;
	}
	if (managesieve_compile(conf, st, id, argv[1], buf_cstr(&text),
				text.len, &errors) < 0) {
		fprintf(stderr, "tern: sieve put %s: the script does not "
			"compile:\n%s\n", argv[1], errors);
		free(errors);
		buf_free(&text);
		return 1;
	}
	if (errors != NULL)
		fprintf(stderr, "tern: sieve put %s: warnings:\n%s\n", argv[1],
			errors);
	free(errors);
	rc = store_sieve_put(st, id, argv[1], (const char *)text.data,
			     text.len, NULL, NULL);
	buf_free(&text);
	if (rc == 0 && activate)
		rc = store_sieve_setactive(st, id, argv[1], NULL, NULL);
	if (rc < 0)
		return sieve_fail("put", argv[1], rc);
	printf("sieve %s %s\n", argv[1], activate ? "stored, active" :
	       "stored");
	return 0;
}

static int
sieve_list(struct store *st, int64_t id)
{
	struct store_sieve_list l;
	int rc = store_sieve_list(st, id, &l);

	if (rc < 0)
		return sieve_fail("list", "", rc);
	for (size_t i = 0; i < l.n; i++)
		printf("%s%s\t%llu\n", l.v[i].name,
		       l.v[i].active ? "\tACTIVE" : "",
		       (unsigned long long)l.v[i].size);
	store_sieve_list_free(&l);
	return 0;
}

static int
sieve_get(struct store *st, int64_t id, const char *name)
{
	char *text = NULL;
	size_t len = 0;
	int rc = store_sieve_get(st, id, name, &text, &len);

	if (rc < 0)
		return sieve_fail("get", name, rc);
	fwrite(text, 1, len, stdout);
	free(text);
	return 0;
}

static int
sieve_admin(const struct tern_conf *conf, struct store *st, int argc,
	    char **argv)
{
	const char *cmd = argv[0];
	struct store_account acc = { 0 };
	int rc;

	if ((rc = store_account_get(st, argv[1], 0, &acc)) < 0) {
		fprintf(stderr, "tern: sieve %s: %s: %s\n", cmd, argv[1],
			store_strerror(rc));
		return 1;
	}
	argv++;
	argc--;
	if (!strcmp(cmd, "list") && argc == 1)
		rc = sieve_list(st, acc.id);
	else if (!strcmp(cmd, "get") && argc == 2)
		rc = sieve_get(st, acc.id, argv[1]);
	else if (!strcmp(cmd, "put") && (argc == 3 || argc == 4))
		rc = sieve_put(conf, st, acc.id, argv, argc);
	else if (!strcmp(cmd, "activate") && argc == 2) {
		bool none = !strcmp(argv[1], "--none");

		rc = store_sieve_setactive(st, acc.id, none ? NULL : argv[1],
					   NULL, NULL);
		rc = rc < 0 ? sieve_fail("activate", argv[1], rc) :
		     (printf(none ? "sieve: none active\n" :
			     "sieve %s active\n", argv[1]), 0);
	} else if (!strcmp(cmd, "delete") && argc == 2) {
		rc = store_sieve_delete(st, acc.id, argv[1], NULL, NULL);
		rc = rc < 0 ? sieve_fail("delete", argv[1], rc) :
		     (printf("sieve %s deleted\n", argv[1]), 0);
	} else {
		fputs(sieve_usage, stderr);
		rc = EXIT_USAGE;
	}
	store_account_clear(&acc);
	return rc;
}

int
cmd_sieve(struct cli *cli)
{
	struct tern_conf *conf;
	struct store *st;
	int rc;

	if (cli->argc >= 1 && (!strcmp(cli->argv[0], "check") ||
			       !strcmp(cli->argv[0], "test")))
		return cmd_sieve_test(cli);
	if (cli->argc < 2 || !strcmp(cli->argv[0], "help")) {
		fputs(sieve_usage, cli->argc && !strcmp(cli->argv[0], "help") ?
		      stdout : stderr);
		return cli->argc && !strcmp(cli->argv[0], "help") ? 0 :
		       EXIT_USAGE;
	}
	if ((conf = cli_load_conf(cli)) == NULL)
		return EXIT_CONFIG;
	if ((st = cli_open_store(conf)) == NULL) {
		conf_free(&conf);
		return 1;
	}
	rc = sieve_admin(conf, st, cli->argc, cli->argv);
	store_close(&st);
	conf_free(&conf);
	return rc;
}
