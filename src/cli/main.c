/* main.c - the `tern` program: global options and sub-command dispatch */
#include "cli/cli.h"
#include "lib/buf.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_CONF "/etc/tern/tern.conf"

struct command {
	const char *name;
	int (*fn)(struct cli *cli);
	const char *usage;
};

/* usage: one line per form, every flag; continuation lines indent */
static const struct command commands[] = {
	{ "init", cmd_init,
	  "init DIR [--domain D] [--hostname H] [--user U] [--data-dir PATH]\n"
	  "        [--force]  write a working config, data folder and\n"
	  "        certificate; mail goes to /var/lib/tern when DIR is under\n"
	  "        /etc, else DIR/data; as root, runs as user tern (created)\n"
	  "        (--force: overwrite an existing tern.conf)" },
	{ "serve", cmd_serve,
	  "serve   run the server in the foreground" },
	{ "domain", cmd_domain,
	  "domain add|remove DOMAIN\n"
	  "domain list                       local mail domains" },
	{ "account", cmd_account,
	  "account add ADDRESS [--password-stdin]\n"
	  "account passwd ADDRESS [--password-stdin]\n"
	  "        password asked twice on the terminal, or one line from\n"
	  "        standard input; at least auth.min_password_length (8)\n"
	  "        characters\n"
	  "account list [DOMAIN]\n"
	  "account remove ADDRESS\n"
	  "account disable|enable ADDRESS    no logins; mail still arrives\n"
	  "account quota ADDRESS BYTES MESSAGES   0 = unlimited; 1G, 500M..." },
	{ "alias", cmd_alias,
	  "alias add ADDRESS TARGET          @domain as ADDRESS: catch-all\n"
	  "alias remove ADDRESS [TARGET]\n"
	  "alias list [DOMAIN]" },
	{ "share", cmd_share,
	  "share OWNER MAILBOX USER RIGHTS   let USER (an account, or anyone)\n"
	  "        use OWNER's MAILBOX as shared/OWNER/MAILBOX; RFC 4314\n"
	  "        rights lrswipkxtea, +RIGHTS adds, -RIGHTS removes\n"
	  "share --revoke OWNER MAILBOX USER\n"
	  "share --list [OWNER]               every shared mailbox" },
	{ "dkim", cmd_dkim,
	  "dkim show DOMAIN                  selectors, TXT records to publish\n"
	  "dkim rotate DOMAIN                a new dated key pair signs; the\n"
	  "        old pair stays published until retired\n"
	  "dkim retire DOMAIN SELECTOR       stop publishing an old selector\n"
	  "dkim sign DOMAIN [FILE]           the message signed, on stdout\n"
	  "dkim verify FILE --dns-table T    check with keys from T (lines\n"
	  "        \"NAME TXT\"), for tests" },
	{ "sieve", cmd_sieve,
	  "sieve list ACCOUNT                an account's Sieve scripts\n"
	  "sieve get ACCOUNT NAME\n"
	  "sieve put ACCOUNT NAME FILE [--activate]   compiled, then stored\n"
	  "        (FILE -: standard input)\n"
	  "sieve activate ACCOUNT NAME|--none\n"
	  "sieve delete ACCOUNT NAME\n"
	  "sieve check FILE                  compile a Sieve script, errors\n"
	  "        as \"error LINE:COL: message\"\n"
	  "sieve test [--from A] [--to A] [--orig-to A] [--date T]\n"
	  "        [--global-dir D] [--personal-dir D] [--mailbox M]...\n"
	  "        SCRIPT MESSAGE            the actions, one a line" },
	{ "status", cmd_server_status,
	  "status [--raw]                    the running server's numbers\n"
	  "        (connections, commands, logins, queue, store), read from\n"
	  "        its `listen = metrics` listener; --raw: as /metrics has them" },
	{ "queue", cmd_queue,
	  "queue list                        the outbound queue\n"
	  "queue show|retry|delete QUEUE_ID\n"
	  "queue flush                       retry everything now" },
	{ "import", cmd_import,
	  "import ACCOUNT PATH [--mailbox NAME]\n"
	  "        Maildir(++), mbox file or folder of mbox files; messages\n"
	  "        already in the target mailbox are skipped" },
	{ "export", cmd_export,
	  "export ACCOUNT PATH [--force]     the account's mailboxes as a\n"
	  "        Maildir++ tree (--force: into a non-empty folder)" },
	{ "dns", cmd_dns,
	  "dns DOMAIN [--address IP]...  the DNS records to publish (MX, SPF,\n"
	  "        DKIM, DMARC, TLS-RPT, MTA-STS, SRV, autoconfig, PTR) in\n"
	  "        zone-file syntax; --address: the host's public address\n"
	  "        (behind NAT)\n"
	  "dns check DOMAIN [--address IP]...  look them up through [dns]:\n"
	  "        OK / MISSING / WRONG each; exit 1 when one is not OK" },
	{ "dmarc", cmd_dmarc,
	  "dmarc report --send [--now]       build and queue the DMARC aggregate\n"
	  "        reports of the period that ended at dmarc_reports.hour\n"
	  "        (--now: of every message recorded so far)\n"
	  "dmarc show [DOMAIN]               summarize the reports received at\n"
	  "        dmarc-reports@: per reporting org, messages and DMARC\n"
	  "        pass/fail by source IP" },
	{ NULL, NULL, NULL }
};

static void
usage(FILE *f)
{
	fprintf(f, "tern %s - an all-in-one Internet mail server\n\n"
		"usage: tern [-c FILE] COMMAND [ARGS...]\n\n"
		"  -c FILE, --config=FILE\n"
		"               configuration file (default %s, or\n"
		"               $TERN_CONF); may also follow the command name\n"
		"  --version    print the version\n\n"
		"commands:\n", TERN_VERSION, DEFAULT_CONF);
	for (const struct command *c = commands; c->name; c++) {
		const char *p = c->usage;

		/* every line of a command's text, indented */
		while (*p) {
			size_t n = strcspn(p, "\n");

			fprintf(f, "  %.*s\n", (int)n, p);
			p += n + (p[n] == '\n');
		}
	}
	fprintf(f, "  help         this text\n");
}

int
main(int argc, char **argv)
{
	struct cli cli = { .conf_path = NULL };
	char **rest = xcalloc((size_t)argc + 1, sizeof(char *));
	const char *name = NULL;
	int n = 0;

	if (sodium_init() < 0) {
		fprintf(stderr, "tern: libsodium failed to initialize\n");
		free(rest);
		return 1;
	}
	/* -c may come before or after the command name */
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-c") == 0 || strcmp(argv[i], "--config") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "tern: -c needs a file name\n");
				free(rest);
				return EXIT_USAGE;
			}
			cli.conf_path = argv[++i];
		} else if (strncmp(argv[i], "--config=", 9) == 0) {
			cli.conf_path = argv[i] + 9;
		} else if (name == NULL && (strcmp(argv[i], "--version") == 0 ||
					    strcmp(argv[i], "-V") == 0)) {
			printf("tern %s\n", TERN_VERSION);
			free(rest);
			return 0;
		} else if (name == NULL && (strcmp(argv[i], "help") == 0 ||
					    strcmp(argv[i], "--help") == 0 ||
					    strcmp(argv[i], "-h") == 0)) {
			usage(stdout);
			free(rest);
			return 0;
		} else if (name == NULL) {
			if (argv[i][0] == '-') {
				fprintf(stderr, "tern: unknown option %s\n", argv[i]);
				usage(stderr);
				free(rest);
				return EXIT_USAGE;
			}
			name = argv[i];
		} else {
			rest[n++] = argv[i];
		}
	}
	if (cli.conf_path == NULL)
		cli.conf_path = getenv("TERN_CONF") ? getenv("TERN_CONF") : DEFAULT_CONF;
	if (name == NULL) {
		usage(stderr);
		free(rest);
		return EXIT_USAGE;
	}
	cli.argc = n;
	cli.argv = rest;
	for (const struct command *c = commands; c->name; c++) {
		if (strcmp(c->name, name) == 0) {
			int rc = c->fn(&cli);

			free(rest);
			return rc;
		}
	}
	fprintf(stderr, "tern: unknown command '%s' (try: tern help)\n", name);
	free(rest);
	return EXIT_USAGE;
}
