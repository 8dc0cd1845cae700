/* cmd-admin.c - `tern domain|account|alias`: manage who gets mail.
 * What succeeds says so on stdout; what fails says why on stderr. */
#include "cli/cli.h"
#include "auth/password.h"
#include "auth/password-policy.h"
#include "auth/scram.h"
#include "lib/buf.h"
#include "relay/queue-admin.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <termios.h>
#include <unistd.h>

#define PASSWORD_INPUT_MAX 1024

/* the config of the running command (with_store) */
static const struct tern_conf *admin_conf;

static int
report(const char *what, const char *name, int rc)
{
	if (rc == 0)
		return 0;
	fprintf(stderr, "tern: %s %s: %s\n", what, name, store_strerror(rc));
	return 1;
}

/* report, and on success print "WHAT NAME DONE" */
static int
report_done(const char *what, const char *name, const char *done, int rc)
{
	if (rc == 0)
		printf("%s %s %s\n", what, name, done);
	return report(what, name, rc);
}

/* auth.min_password_length and the common-password list: -1 refused */
static int
check_policy(const struct buf *pw)
{
	uint64_t min = admin_conf ? admin_conf->auth.min_password_length : 8;

	switch (password_policy_check((const char *)pw->data, pw->len,
				      (size_t)min)) {
	case PASSWORD_TOO_SHORT:
		fprintf(stderr, "tern: password refused: it must have at least "
			"%llu characters (auth.min_password_length)\n",
			(unsigned long long)min);
		return -1;
	case PASSWORD_COMMON:
		fprintf(stderr, "tern: warning: this password is one of the most "
			"common ones, the first an attacker tries; choose "
			"another with tern account passwd\n");
		return 0;
	default:
		return 0;
	}
}

/* one line from fd, without its newline; false on EOF/too long */
static bool
read_line(FILE *f, struct buf *out)
{
	int ch;

	buf_reset(out);
	while ((ch = fgetc(f)) != EOF && ch != '\n') {
		if (out->len >= PASSWORD_INPUT_MAX)
			return false;
		buf_append_byte(out, (unsigned char)ch);
	}
	if (ch == EOF && out->len == 0)
		return false;
	if (out->len && out->data[out->len - 1] == '\r')
		out->len--;
	return true;
}

static bool
prompt_hidden(const char *prompt, struct buf *out)
{
	struct termios old, quiet;
	FILE *tty = fopen("/dev/tty", "r+");
	bool ok;

	if (tty == NULL)
		return false;
	fputs(prompt, tty);
	fflush(tty);
	tcgetattr(fileno(tty), &old);
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	tcsetattr(fileno(tty), TCSAFLUSH, &quiet);
	ok = read_line(tty, out);
	tcsetattr(fileno(tty), TCSAFLUSH, &old);
	fputs("\n", tty);
	fclose(tty);
	return ok;
}

/* password from stdin (--password-stdin) or asked twice on the terminal */
static int
get_password(bool from_stdin, struct buf *pw)
{
	if (from_stdin) {
		if (!read_line(stdin, pw) || pw->len == 0) {
			fprintf(stderr, "tern: no password on standard input\n");
			return -1;
		}
		return 0;
	}
	{
		struct buf again = BUF_INIT;
		bool same;

		if (!prompt_hidden("Password: ", pw) ||
		    !prompt_hidden("Again: ", &again)) {
			fprintf(stderr, "tern: no terminal to ask for a password; "
				"use --password-stdin\n");
			buf_free(&again);
			return -1;
		}
		same = slice_eq(buf_slice(pw), buf_slice(&again));
		buf_free(&again);
		if (!same) {
			fprintf(stderr, "tern: the passwords differ\n");
			return -1;
		}
		if (pw->len == 0) {
			fprintf(stderr, "tern: empty password\n");
			return -1;
		}
	}
	return 0;
}

/* argon2id hash and SCRAM secret of a password */
static int
make_secrets(struct buf *pw, char **hash_r, char **scram_r)
{
	const char *why = NULL;

	if (password_hash((const char *)pw->data, pw->len, hash_r, &why) != 0 ||
	    scram_secret_make((const char *)pw->data, pw->len, 0, scram_r, &why) != 0) {
		fprintf(stderr, "tern: password refused: %s\n", why ? why : "error");
		free(*hash_r);
		*hash_r = NULL;
		return -1;
	}
	return 0;
}

static void
wipe(struct buf *b)
{
	if (b->data)
		memset(b->data, 0, b->cap);
	buf_free(b);
}

static int
domain_main(struct store *st, int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[0], "add")) {
		int rc = report_done("domain", argv[1], "added",
				     store_domain_add(st, argv[1], NULL, NULL));

		/* every local domain signs its mail from the start */
		if (rc == 0 && cli_dkim_ensure(admin_conf->data_dir, argv[1]) < 0)
			rc = 1;
		return rc;
	}
	if (argc == 2 && !strcmp(argv[0], "remove"))
		return report_done("domain", argv[1], "removed",
				   store_domain_remove(st, argv[1], NULL, NULL));
	if (argc == 1 && !strcmp(argv[0], "list")) {
		struct store_strlist l = { 0 };
		int rc = store_domain_list(st, &l);

		for (size_t i = 0; rc == 0 && i < l.n; i++)
			printf("%s\n", l.v[i]);
		store_strlist_free(&l);
		return report("domain", "list", rc);
	}
	fprintf(stderr, "usage: tern domain add DOMAIN | remove DOMAIN | list\n");
	return EXIT_USAGE;
}

static int
account_main(struct store *st, int argc, char **argv)
{
	bool from_stdin = false;
	char *args[4];
	int n = 0, rc;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--password-stdin"))
			from_stdin = true;
		else if (n < 4)
			args[n++] = argv[i];
		else
			goto usage;
	}
	if (n == 0)
		goto usage;
	if ((n == 2 && !strcmp(args[0], "add")) ||
	    (n == 2 && !strcmp(args[0], "passwd"))) {
		struct buf pw = BUF_INIT;
		char *hash = NULL, *scram = NULL;

		if (get_password(from_stdin, &pw) < 0 ||
		    check_policy(&pw) < 0 ||
		    make_secrets(&pw, &hash, &scram) < 0) {
			wipe(&pw);
			return 1;
		}
		wipe(&pw);
		if (!strcmp(args[0], "add"))
			rc = store_account_add(st, args[1], hash, scram, NULL, NULL, NULL);
		else
			rc = store_account_set_password(st, args[1], hash, scram, NULL, NULL);
		free(hash);
		free(scram);
		if (!strcmp(args[0], "add"))
			return report_done("account", args[1], "added", rc);
		if (rc == 0)
			printf("password of %s changed\n", args[1]);
		return report("account", args[1], rc);
	}
	if (n == 2 && !strcmp(args[0], "remove"))
		return report_done("account", args[1], "removed",
				   store_account_remove(st, args[1], NULL, NULL));
	if (n == 2 && (!strcmp(args[0], "disable") || !strcmp(args[0], "enable"))) {
		bool on = !strcmp(args[0], "enable");

		return report_done("account", args[1], on ? "enabled" : "disabled",
				   store_account_set_enabled(st, args[1], on,
							     NULL, NULL));
	}
	if ((n == 1 || n == 2) && !strcmp(args[0], "list")) {
		struct store_account_list l = { 0 };

		rc = store_account_list(st, n == 2 ? args[1] : NULL, &l);
		for (size_t i = 0; rc == 0 && i < l.n; i++) {
			struct store_account *a = &l.v[i];

			printf("%s messages=%llu bytes=%llu quota_bytes=%llu "
			       "quota_messages=%llu%s\n", a->address,
			       (unsigned long long)a->used_messages,
			       (unsigned long long)a->used_bytes,
			       (unsigned long long)a->quota_bytes,
			       (unsigned long long)a->quota_messages,
			       a->enabled ? "" : " disabled");
		}
		store_account_list_free(&l);
		return report("account", "list", rc);
	}
	if (n == 4 && !strcmp(args[0], "quota")) {
		uint64_t bytes, msgs;

		if (!conf_parse_size(args[2], &bytes) ||
		    !slice_to_u64(slice_from_cstr(args[3]), &msgs)) {
			fprintf(stderr, "tern: quota: expected BYTES (e.g. 1G, 0 = unlimited) "
				"and MESSAGES (0 = unlimited)\n");
			return EXIT_USAGE;
		}
		rc = store_account_set_quota(st, args[1], bytes, msgs, NULL, NULL);
		if (rc == 0)
			printf("quota of %s set to %llu bytes, %llu messages\n",
			       args[1],
			       (unsigned long long)bytes, (unsigned long long)msgs);
		return report("account", args[1], rc);
	}
usage:
	fprintf(stderr,
		"usage: tern account add ADDRESS [--password-stdin]\n"
		"       tern account passwd ADDRESS [--password-stdin]\n"
		"         (password asked twice on the terminal, or one line from\n"
		"         standard input with --password-stdin; at least\n"
		"         auth.min_password_length characters)\n"
		"       tern account list [DOMAIN]\n"
		"       tern account remove ADDRESS\n"
		"       tern account disable|enable ADDRESS   (no logins; mail still arrives)\n"
		"       tern account quota ADDRESS BYTES MESSAGES   (0 = unlimited)\n");
	return EXIT_USAGE;
}

static int
alias_main(struct store *st, int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[0], "add")) {
		int rc = store_alias_add(st, argv[1], argv[2], NULL, NULL);

		if (rc == 0)
			printf("alias %s -> %s added\n", argv[1], argv[2]);
		return report("alias", argv[1], rc);
	}
	if ((argc == 2 || argc == 3) && !strcmp(argv[0], "remove")) {
		int rc = store_alias_remove(st, argv[1], argc == 3 ? argv[2] : NULL,
					    NULL, NULL);

		if (rc == 0 && argc == 3)
			printf("alias %s -> %s removed\n", argv[1], argv[2]);
		else if (rc == 0)
			printf("alias %s removed\n", argv[1]);
		return report("alias", argv[1], rc);
	}
	if ((argc == 1 || argc == 2) && !strcmp(argv[0], "list")) {
		struct store_alias_list l = { 0 };
		int rc = store_alias_list(st, argc == 2 ? argv[1] : NULL, &l);

		for (size_t i = 0; rc == 0 && i < l.n; i++)
			printf("%s -> %s\n", l.v[i].address, l.v[i].target);
		store_alias_list_free(&l);
		return report("alias", "list", rc);
	}
	fprintf(stderr, "usage: tern alias add ADDRESS TARGET   (ADDRESS @domain: catch-all)\n"
		"       tern alias remove ADDRESS [TARGET]\n"
		"       tern alias list [DOMAIN]\n");
	return EXIT_USAGE;
}

static const char share_usage[] =
	"usage: tern share OWNER MAILBOX USER RIGHTS   (RFC 4314 rights\n"
	"         lrswipkxtea; +RIGHTS adds, -RIGHTS removes; USER is an\n"
	"         account or \"anyone\"; USER sees shared/OWNER/MAILBOX)\n"
	"       tern share --revoke OWNER MAILBOX USER\n"
	"       tern share --list [OWNER]\n";

/* OWNER MAILBOX → ids; 0 or 1 after saying why */
static int
share_mailbox(struct store *st, const char *owner, const char *mailbox,
	      int64_t *owner_r, int64_t *mailbox_r)
{
	struct store_account a;
	struct store_mailbox m;
	int rc = store_account_get(st, owner, 0, &a);

	if (rc != 0)
		return report("share: account", owner, rc);
	*owner_r = a.id;
	store_account_clear(&a);
	rc = store_mailbox_get(st, *owner_r, mailbox, &m);
	*mailbox_r = m.id;
	store_mailbox_clear(&m);
	return report("share: mailbox", mailbox, rc);
}

static int
share_set(struct store *st, char **argv, enum store_acl_mode mode,
	  const char *rights)
{
	int64_t owner, mailbox;
	unsigned r = 0, now = 0;
	char text[STORE_ACL_STRMAX];
	int rc;

	if (store_acl_parse(rights, &r) != 0) {
		fprintf(stderr, "tern: share: unknown right in \"%s\" (rights "
			"are " STORE_ACL_RIGHTS ")\n", rights);
		return EXIT_USAGE;
	}
	if ((rc = share_mailbox(st, argv[0], argv[1], &owner, &mailbox)) != 0)
		return rc;
	rc = store_acl_set(st, owner, mailbox, argv[2], mode, r, &now, NULL,
			   NULL);
	if (rc == STORE_EINVAL) {
		fprintf(stderr, "tern: share: %s: not an account address or "
			"\"anyone\" (the owner has every right already)\n",
			argv[2]);
		return 1;
	}
	if (rc != 0)
		return report("share", argv[2], rc);
	if (now == 0)
		printf("%s %s: rights of %s revoked\n", argv[0], argv[1],
		       argv[2]);
	else
		printf("%s %s: %s has rights %s\n", argv[0], argv[1], argv[2],
		       store_acl_format(now, text));
	return 0;
}

static int
share_main(struct store *st, int argc, char **argv)
{
	if (argc >= 1 && argc <= 2 && !strcmp(argv[0], "--list")) {
		struct store_acl_rows l = { 0 };
		char text[STORE_ACL_STRMAX];
		int rc = store_acl_rows(st, NULL, &l);

		for (size_t i = 0; rc == 0 && i < l.n; i++) {
			if (argc == 2 && strcasecmp(argv[1], l.v[i].owner) != 0)
				continue;
			printf("%s\t%s\t%s\t%s\n", l.v[i].owner, l.v[i].mailbox,
			       l.v[i].identifier,
			       store_acl_format(l.v[i].rights, text));
		}
		store_acl_rows_free(&l);
		return report("share", "--list", rc);
	}
	if (argc == 4 && !strcmp(argv[0], "--revoke"))
		return share_set(st, argv + 1, STORE_ACL_REPLACE, "");
	if (argc == 4 && argv[0][0] != '-') {
		const char *r = argv[3];
		enum store_acl_mode mode = STORE_ACL_REPLACE;

		if (r[0] == '+' || r[0] == '-') {
			mode = r[0] == '+' ? STORE_ACL_ADD : STORE_ACL_REMOVE;
			r++;
		}
		return share_set(st, argv, mode, r);
	}
	fputs(share_usage, stderr);
	return EXIT_USAGE;
}

static int
with_store(struct cli *cli, int (*fn)(struct store *, int, char **))
{
	struct tern_conf *conf;
	struct store *st;
	int rc;

	if (cli->argc == 0 || !strcmp(cli->argv[0], "help"))
		return fn(NULL, 0, NULL);
	conf = cli_load_conf(cli);
	if (conf == NULL)
		return EXIT_CONFIG;
	st = cli_open_store(conf);
	if (st == NULL) {
		conf_free(&conf);
		return 1;
	}
	admin_conf = conf;
	rc = fn(st, cli->argc, cli->argv);
	admin_conf = NULL;
	store_close(&st);
	conf_free(&conf);
	return rc;
}

int cmd_domain(struct cli *cli) { return with_store(cli, domain_main); }
int cmd_account(struct cli *cli) { return with_store(cli, account_main); }
int cmd_alias(struct cli *cli) { return with_store(cli, alias_main); }
int cmd_share(struct cli *cli) { return with_store(cli, share_main); }
int cmd_queue(struct cli *cli) { return with_store(cli, queue_admin_cli); }
