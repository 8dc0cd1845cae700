/* cmd-init.c - `tern init DIR`: a working config, data folder and
 * self-signed certificate, listening on 127.0.0.1 on unprivileged ports */
#include "cli/cli.h"
#include "lib/buf.h"
#include "lib/selfsigned.h"
#include "store/store.h"

#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char conf_template[] =
	"# tern.conf - written by `tern init`; reference: README.md\n"
	"version = 1\n"
	"hostname = %s\n"
	"data_dir = %s/data\n"
	"# user to run as after binding ports when started as root\n"
	"# (empty: stay the user that started tern)\n"
	"user = %s\n"
	"log_level = info\n"
	"\n"
	"# listen = PROTOCOL ADDRESS:PORT [plain|starttls|tls]\n"
	"# Unprivileged ports on loopback; for a real server use\n"
	"# 25, 587, 465, 143, 993, 110 and 995 on a public address.\n"
	"listen = smtp 127.0.0.1:2525 starttls\n"
	"listen = submission 127.0.0.1:2587 starttls\n"
	"listen = submissions 127.0.0.1:2465 tls\n"
	"listen = imap 127.0.0.1:2143 starttls\n"
	"listen = imaps 127.0.0.1:2993 tls\n"
	"listen = pop3 127.0.0.1:2110 starttls\n"
	"listen = pop3s 127.0.0.1:2995 tls\n"
	"\n"
	"[tls]\n"
	"cert = %s/tls/cert.pem\n"
	"key = %s/tls/key.pem\n"
	"\n"
	"[smtp]\n"
	"max_message_size = 50M\n"
	"max_recipients = 100\n";

static int
mkdir_p(const char *path, mode_t mode)
{
	char tmp[PATH_MAX];
	size_t n = strlen(path);

	if (n == 0 || n >= sizeof(tmp))
		return -1;
	memcpy(tmp, path, n + 1);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(tmp, mode) < 0 && errno != EEXIST)
		return -1;
	return 0;
}

static const char *
default_user(void)
{
	struct passwd *pw;

	if (geteuid() == 0)
		return getpwnam("tern") ? "tern" : "";
	pw = getpwuid(geteuid());
	return pw ? pw->pw_name : "";
}

int
cmd_init(struct cli *cli)
{
	const char *dir = NULL, *domain = "example.test", *hostname = NULL;
	const char *user = NULL;
	char absdir[PATH_MAX], *path, *cert, *key, *data, *err = NULL;
	bool force = false;
	struct stat st;
	FILE *f;
	int rc = 1;

	for (int i = 0; i < cli->argc; i++) {
		if (!strcmp(cli->argv[i], "--domain") && i + 1 < cli->argc)
			domain = cli->argv[++i];
		else if (!strcmp(cli->argv[i], "--hostname") && i + 1 < cli->argc)
			hostname = cli->argv[++i];
		else if (!strcmp(cli->argv[i], "--user") && i + 1 < cli->argc)
			user = cli->argv[++i];
		else if (!strcmp(cli->argv[i], "--force"))
			force = true;
		else if (cli->argv[i][0] != '-' && dir == NULL)
			dir = cli->argv[i];
		else {
			fprintf(stderr, "usage: tern init DIR [--domain D] [--hostname H] [--user U] [--force]\n");
			return EXIT_USAGE;
		}
	}
	if (dir == NULL) {
		fprintf(stderr, "usage: tern init DIR [--domain D] [--hostname H] [--user U] [--force]\n");
		return EXIT_USAGE;
	}
	{
		char *probe = xasprintf("postmaster@%s", domain);
		char *norm = NULL;
		int bad = store_address_normalize(probe, false, &norm);

		free(probe);
		free(norm);
		if (bad != 0) {
			fprintf(stderr, "tern init: '%s' is not a valid domain\n", domain);
			return EXIT_USAGE;
		}
	}
	if (mkdir_p(dir, 0755) < 0 || realpath(dir, absdir) == NULL) {
		fprintf(stderr, "tern init: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	path = xasprintf("%s/tern.conf", absdir);
	cert = xasprintf("%s/tls/cert.pem", absdir);
	key = xasprintf("%s/tls/key.pem", absdir);
	data = xasprintf("%s/data", absdir);
	if (!force && stat(path, &st) == 0) {
		fprintf(stderr, "tern init: %s already exists (use --force to overwrite)\n", path);
		goto out;
	}
	{
		char *hn = hostname ? xstrdup(hostname) : xasprintf("mail.%s", domain);
		char *tlsdir = xasprintf("%s/tls", absdir);

		if (mkdir_p(tlsdir, 0700) < 0 || mkdir_p(data, 0750) < 0) {
			fprintf(stderr, "tern init: %s: %s\n", absdir, strerror(errno));
			free(hn);
			free(tlsdir);
			goto out;
		}
		free(tlsdir);
		if (selfsigned_create(hn, cert, key, &err) < 0) {
			fprintf(stderr, "tern init: %s\n", err);
			free(hn);
			goto out;
		}
		f = fopen(path, "w");
		if (f == NULL) {
			fprintf(stderr, "tern init: %s: %s\n", path, strerror(errno));
			free(hn);
			goto out;
		}
		fprintf(f, conf_template, hn, absdir, user ? user : default_user(),
			absdir, absdir);
		fclose(f);
		free(hn);
	}
	{
		struct tern_conf *conf = conf_load(path, &err);
		struct store *store;

		if (conf == NULL) {
			fprintf(stderr, "tern init: %s\n", err);
			goto out;
		}
		store = cli_open_store(conf);
		if (store == NULL) {
			conf_free(&conf);
			goto out;
		}
		rc = store_domain_add(store, domain, NULL, NULL);
		if (rc != 0 && rc != STORE_EEXIST) {
			fprintf(stderr, "tern init: domain %s: %s\n", domain, store_strerror(rc));
			store_close(&store);
			conf_free(&conf);
			rc = 1;
			goto out;
		}
		store_close(&store);
		conf_free(&conf);
	}
	printf("Wrote %s\n"
	       "  data folder  %s\n"
	       "  certificate  %s (self-signed)\n"
	       "  domain       %s\n\n"
	       "Next:\n"
	       "  tern -c %s account add you@%s     (asks for a password)\n"
	       "  tern -c %s serve\n"
	       "Then point a mail client at 127.0.0.1: IMAP 2143 (STARTTLS) or 2993 (TLS),\n"
	       "POP3 2110/2995, SMTP submission 2587 (STARTTLS) or 2465 (TLS); mail from\n"
	       "other servers arrives on 2525.\n",
	       path, data, cert, domain, path, domain, path);
	rc = 0;
out:
	free(err);
	free(path);
	free(cert);
	free(key);
	free(data);
	return rc;
}
