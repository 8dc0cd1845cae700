/* cli.h - the `tern` program's sub-commands.
 *
 * Exit codes: 0 success, 1 the operation failed (unknown account, bind
 * error...), 2 usage error (bad arguments), 3 configuration error. */
#ifndef TERN_CLI_H
#define TERN_CLI_H

#include "lib/conf.h"

#define EXIT_USAGE 2
#define EXIT_CONFIG 3

struct store;

struct cli {
	const char *conf_path;	/* -c FILE, or the default */
	int argc;		/* sub-command arguments, name excluded */
	char **argv;
};

int cmd_init(struct cli *cli);
int cmd_serve(struct cli *cli);
int cmd_domain(struct cli *cli);
int cmd_account(struct cli *cli);
int cmd_alias(struct cli *cli);
int cmd_share(struct cli *cli);
int cmd_queue(struct cli *cli);
int cmd_import(struct cli *cli);
int cmd_export(struct cli *cli);
int cmd_dkim(struct cli *cli);
int cmd_dns(struct cli *cli);
int cmd_dmarc(struct cli *cli);
int cmd_server_status(struct cli *cli);	/* `tern status` */
int cmd_sieve(struct cli *cli);		/* cmd-sieve.c: scripts in the store */
/* cmd-sieve-test.c: `tern sieve check|test` (argv[0] "check" or "test") */
int cmd_sieve_test(struct cli *cli);

/* Load the config named by -c; prints the error and returns NULL. */
struct tern_conf *cli_load_conf(struct cli *cli);
/* Open the store of conf's data folder for an admin command (dropping
 * root first, like the server does). Prints errors; NULL on failure. */
struct store_settings;
void cli_store_settings(const struct tern_conf *conf,
			struct store_settings *set);
struct store *cli_open_store(const struct tern_conf *conf);
/* Started as root, conf->user must name an existing user, or be "root"
 * to stay root; an empty or unknown user is a configuration error.
 * Not root: the user is not used. Returns 0, or -1 after printing
 * "file:line: user: ..." */
int cli_check_user(const struct tern_conf *conf);
/* Drop root to conf->user (after cli_check_user; user = root stays).
 * Returns 0, or -1 after printing why. */
int cli_drop_privileges(const struct tern_conf *conf);

/* Give domain DKIM keys unless it has some, and print the TXT records
 * to publish (call as the run user). 0, or -1 after printing why. */
int cli_dkim_ensure(const char *data_dir, const char *domain);

#endif
