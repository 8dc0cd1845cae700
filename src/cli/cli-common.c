/* cli-common.c - what every sub-command shares: config, store, privileges */
#include "cli/cli.h"
#include "lib/buf.h"
#include "store/store.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct tern_conf *
cli_load_conf(struct cli *cli)
{
	char *err = NULL;
	struct tern_conf *conf = conf_load(cli->conf_path, &err);

	if (conf == NULL) {
		fprintf(stderr, "tern: %s\n", err);
		free(err);
	}
	return conf;
}

int
cli_check_user(const struct tern_conf *conf)
{
	char *err = NULL;

	if (geteuid() != 0)
		return 0;
	/* as root, staying root must be asked for by name */
	if (conf->user[0] == '\0')
		err = conf_key_error(conf, "user", "empty, but tern was started as "
				     "root: name the unprivileged user to run as "
				     "(user = tern), or user = root to stay root");
	else if (strcmp(conf->user, "root") != 0 && getpwnam(conf->user) == NULL)
		err = conf_key_error(conf, "user", "'%s' does not exist (create it: "
				     "useradd --system --no-create-home --shell "
				     "/usr/sbin/nologin %s)", conf->user, conf->user);
	if (err == NULL)
		return 0;
	fprintf(stderr, "tern: %s\n", err);
	free(err);
	return -1;
}

int
cli_drop_privileges(const struct tern_conf *conf)
{
	struct passwd *pw;

	if (cli_check_user(conf) < 0)
		return -1;
	if (geteuid() != 0 || !strcmp(conf->user, "root"))
		return 0;
	pw = getpwnam(conf->user);
	if (pw == NULL) {
		fprintf(stderr, "tern: %s: user '%s' does not exist\n", conf->path,
			conf->user);
		return -1;
	}
	/* the data folder must belong to the user we become */
	if (mkdir(conf->data_dir, 0750) < 0 && errno != EEXIST) {
		fprintf(stderr, "tern: %s: %s\n", conf->data_dir, strerror(errno));
		return -1;
	}
	if (chown(conf->data_dir, pw->pw_uid, pw->pw_gid) < 0) {
		fprintf(stderr, "tern: chown %s: %s\n", conf->data_dir, strerror(errno));
		return -1;
	}
	if (setgroups(1, &pw->pw_gid) < 0 || setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) < 0 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) < 0) {
		fprintf(stderr, "tern: cannot become user %s: %s\n", conf->user,
			strerror(errno));
		return -1;
	}
	if (setuid(0) == 0) {
		fprintf(stderr, "tern: dropping root failed\n");
		return -1;
	}
	return 0;
}

/* the store's settings from the config: the CLI and the server open
 * the store alike */
void
cli_store_settings(const struct tern_conf *conf, struct store_settings *set)
{
	*set = (struct store_settings){
		.data_dir = conf->data_dir,
		.plus_separator = conf->store.plus_separator,
		.postmaster = conf->smtp.postmaster,
		.abuse = conf->smtp.abuse,
		.dmarc_mailbox = conf->dmarc_reports.mailbox,
		.blob_inline_max = (int64_t)conf->store.inline_max,
		.parse_cache_bytes = conf->store.parse_cache,
		.max_message_size = conf->smtp.max_message_size,
		.max_mailboxes = conf->store.max_mailboxes,
		.acl_max_entries = conf->store.acl_max_entries,
		.acl_max_identifier = conf->store.acl_max_identifier,
		.meta = {
			.max_value = conf->store.metadata_max_value,
			.max_entries_mailbox =
				conf->store.metadata_max_entries_mailbox,
			.max_entries = conf->store.metadata_max_entries,
			.max_bytes = conf->store.metadata_max_bytes,
		},
		.preview_parts = conf->store.preview_parts,
		.preview_read = conf->store.preview_read,
		.fts_max_size = conf->store.fts_max_size,
		.fts_inline_max = conf->store.fts_inline_max,
		.sieve = {
			.max_scripts = conf->sieve.max_scripts,
			.quota = conf->sieve.quota,
			.max_size = conf->sieve.max_script_size,
		},
	};
}

struct store *
cli_open_store(const struct tern_conf *conf)
{
	struct store_settings set;
	struct store *store = NULL;
	char *err = NULL;
	int rc;

	if (cli_drop_privileges(conf) < 0)
		return NULL;
	cli_store_settings(conf, &set);
	rc = store_open(&set, &store, &err);
	if (rc != 0) {
		fprintf(stderr, "tern: store %s: %s\n", conf->data_dir,
			err ? err : store_strerror(rc));
		free(err);
		return NULL;
	}
	return store;
}
