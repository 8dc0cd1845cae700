/* cmd-init.c - `tern init DIR`: a working config, data folder and
 * self-signed certificate, listening on 127.0.0.1 on unprivileged ports */
#include "cli/cli.h"
#include "mailauth/srs.h"
#include "lib/buf.h"
#include "lib/selfsigned.h"
#include "store/store.h"

#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static const char conf_template[] =
	"# tern.conf - written by `tern init`; reference: README.md\n"
	"version = 1\n"
	"hostname = %s\n"
	"data_dir = %s\n"
	"# the user tern runs as after binding its ports when started as\n"
	"# root (\"root\" stays root: not recommended)\n"
	"user = %s\n"
	"log_level = info\n"
	"\n"
	"# listen = PROTOCOL ADDRESS:PORT [plain|starttls|tls]\n"
	"# Unprivileged ports on loopback; for a real server use\n"
	"# 25, 587, 465, 143, 993, 110, 995 and 443 on a public address.\n"
	"listen = smtp 127.0.0.1:2525 starttls\n"
	"listen = submission 127.0.0.1:2587 starttls\n"
	"listen = submissions 127.0.0.1:2465 tls\n"
	"listen = imap 127.0.0.1:2143 starttls\n"
	"listen = imaps 127.0.0.1:2993 tls\n"
	"listen = pop3 127.0.0.1:2110 starttls\n"
	"listen = pop3s 127.0.0.1:2995 tls\n"
	"# the webmail and JMAP\n"
	"listen = https 127.0.0.1:2443 tls\n"
	"\n"
	"# the key must stay readable by the user's group for kill -HUP\n"
	"# to load a renewed certificate\n"
	"tls.cert = %s\n"
	"tls.key = %s\n"
	"\n"
	"# Other settings (README.md lists them): \"section.key = value\"\n"
	"# lines, or [section] blocks; [global] returns to top-level keys.\n"
	"# Each key may be set once.\n";

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

/* useradd --system: no home, no login shell */
static int
create_system_user(const char *name)
{
	const char *prog = access("/usr/sbin/useradd", X_OK) == 0 ?
			   "/usr/sbin/useradd" : "useradd";
	char *argv[] = { (char *)prog, "--system", "--no-create-home",
			 "--home-dir", "/nonexistent", "--shell",
			 "/usr/sbin/nologin", (char *)name, NULL };
	pid_t pid;
	int status;

	if (posix_spawnp(&pid, prog, NULL, NULL, argv, environ) != 0) {
		fprintf(stderr, "tern init: cannot run useradd: %s\n", strerror(errno));
		return -1;
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0) {
		fprintf(stderr, "tern init: useradd %s failed\n", name);
		return -1;
	}
	printf("Created system user %s (no home, no login shell)\n", name);
	return 0;
}

/* The user the config names. As root: --user, else "tern", created
 * when missing; an empty name is refused (root must be asked for).
 * Otherwise: --user, else whoever runs init. *pw_r is set for a user
 * other than root that init must give the data and the key to. */
static int
init_user(const char *opt, char **user_r, struct passwd *pw_r, bool *give_r)
{
	struct passwd *pw;

	*give_r = false;
	if (geteuid() != 0) {
		pw = getpwuid(geteuid());
		*user_r = xstrdup(opt ? opt : pw ? pw->pw_name : "");
		return 0;
	}
	if (opt == NULL)
		opt = "tern";
	if (opt[0] == '\0') {
		fprintf(stderr, "tern init: as root, --user must name the user tern "
			"runs as (--user root to stay root)\n");
		return EXIT_USAGE;
	}
	*user_r = xstrdup(opt);
	if (!strcmp(opt, "root"))
		return 0;
	if (getpwnam(opt) == NULL) {
		if (strcmp(opt, "tern") != 0) {
			fprintf(stderr, "tern init: no user '%s' (create it, or leave "
				"out --user: init creates the user tern)\n", opt);
			return 1;
		}
		if (create_system_user(opt) < 0)
			return 1;
	}
	if ((pw = getpwnam(opt)) == NULL) {
		fprintf(stderr, "tern init: user '%s' not found\n", opt);
		return 1;
	}
	*pw_r = *pw;
	*give_r = true;
	return 0;
}

/* Where mail lives: --data-dir, else /var/lib/tern for a config under
 * /etc (a system install: mail belongs in /var, not /etc), else
 * DIR/data (a demo or test folder keeps everything in one place). */
static char *
init_data_dir(const char *absdir, const char *opt)
{
	char cwd[PATH_MAX];

	if (opt == NULL)
		return !strcmp(absdir, "/etc") || !strncmp(absdir, "/etc/", 5) ?
		       xstrdup("/var/lib/tern") : xasprintf("%s/data", absdir);
	if (opt[0] == '/' || getcwd(cwd, sizeof(cwd)) == NULL)
		return xstrdup(opt);
	return xasprintf("%s/%s", cwd, opt);
}

/* The run user must read the key again on kill -HUP: root owns it, the
 * user's group reads it. */
static int
give_tls_to_group(const char *tlsdir, const char *cert, const char *key,
		  gid_t gid)
{
	if (chown(tlsdir, 0, gid) < 0 || chmod(tlsdir, 0750) < 0 ||
	    chown(key, 0, gid) < 0 || chmod(key, 0640) < 0 ||
	    chmod(cert, 0644) < 0) {
		fprintf(stderr, "tern init: %s: %s\n", tlsdir, strerror(errno));
		return -1;
	}
	return 0;
}

#define INIT_USAGE "usage: tern init DIR [--domain D] [--hostname H] " \
	"[--user U] [--data-dir PATH] [--force]\n"

int
cmd_init(struct cli *cli)
{
	const char *dir = NULL, *domain = "example.test", *hostname = NULL;
	const char *user_opt = NULL, *data_opt = NULL;
	char absdir[PATH_MAX], absdata[PATH_MAX];
	char *path = NULL, *cert = NULL, *key = NULL, *data = NULL, *err = NULL;
	char *user = NULL, *tlsdir = NULL;
	struct passwd pw = { 0 };
	bool force = false, give = false;
	struct stat st;
	FILE *f;
	int rc = 1;

	for (int i = 0; i < cli->argc; i++) {
		if (!strcmp(cli->argv[i], "--domain") && i + 1 < cli->argc)
			domain = cli->argv[++i];
		else if (!strcmp(cli->argv[i], "--hostname") && i + 1 < cli->argc)
			hostname = cli->argv[++i];
		else if (!strcmp(cli->argv[i], "--user") && i + 1 < cli->argc)
			user_opt = cli->argv[++i];
		else if (!strcmp(cli->argv[i], "--data-dir") && i + 1 < cli->argc)
			data_opt = cli->argv[++i];
		else if (!strcmp(cli->argv[i], "--force"))
			force = true;
		else if (cli->argv[i][0] != '-' && dir == NULL)
			dir = cli->argv[i];
		else {
			fprintf(stderr, INIT_USAGE);
			return EXIT_USAGE;
		}
	}
	if (dir == NULL || (data_opt != NULL && data_opt[0] == '\0')) {
		fprintf(stderr, INIT_USAGE);
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
	/* the modes below are meant as written (root's umask may be 077) */
	umask(022);
	if (mkdir_p(dir, 0755) < 0 || realpath(dir, absdir) == NULL) {
		fprintf(stderr, "tern init: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	path = xasprintf("%s/tern.conf", absdir);
	if (!force && stat(path, &st) == 0) {
		fprintf(stderr, "tern init: %s already exists (use --force to overwrite)\n", path);
		goto out;
	}
	rc = init_user(user_opt, &user, &pw, &give);
	if (rc != 0)
		goto out;
	rc = 1;
	tlsdir = xasprintf("%s/tls", absdir);
	cert = xasprintf("%s/cert.pem", tlsdir);
	key = xasprintf("%s/key.pem", tlsdir);
	data = init_data_dir(absdir, data_opt);
	if (mkdir_p(tlsdir, 0700) < 0 || mkdir_p(data, 0750) < 0 ||
	    realpath(data, absdata) == NULL) {
		fprintf(stderr, "tern init: %s: %s\n", absdir, strerror(errno));
		goto out;
	}
	free(data);
	data = xstrdup(absdata);
	{
		char *hn = hostname ? xstrdup(hostname) : xasprintf("mail.%s", domain);

		if (selfsigned_create(hn, cert, key, &err) < 0) {
			fprintf(stderr, "tern init: %s\n", err);
			free(hn);
			goto out;
		}
		if (give && give_tls_to_group(tlsdir, cert, key, pw.pw_gid) < 0) {
			free(hn);
			goto out;
		}
		f = fopen(path, "w");
		if (f == NULL) {
			fprintf(stderr, "tern init: %s: %s\n", path, strerror(errno));
			free(hn);
			goto out;
		}
		fprintf(f, conf_template, hn, data, user, cert, key);
		fclose(f);
		free(hn);
		/* kill -HUP re-reads it as the run user; others need not
		 * see a relay password */
		if (give && (chown(path, 0, pw.pw_gid) < 0 || chmod(path, 0640) < 0)) {
			fprintf(stderr, "tern init: %s: %s\n", path, strerror(errno));
			goto out;
		}
	}
	{
		/* opening the store as the run user gives it the data folder */
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
	       "  runs as      %s\n"
	       "  domain       %s\n\n"
	       "Next:\n"
	       "  tern -c %s account add you@%s     (asks for a password)\n"
	       "  tern -c %s serve\n"
	       "Then point a mail client at 127.0.0.1: IMAP 2143 (STARTTLS) or 2993 (TLS),\n"
	       "POP3 2110/2995, SMTP submission 2587 (STARTTLS) or 2465 (TLS); mail from\n"
	       "other servers arrives on 2525. Webmail: https://127.0.0.1:2443/\n",
	       path, data, cert, user[0] ? user : "(whoever starts tern)", domain,
	       path, domain, path);
	fflush(stdout);
	/* as the run user by now (cli_open_store): the keys are its own */
	printf("\n");
	rc = cli_dkim_ensure(data, domain) < 0 ? 1 : 0;
	if (rc == 0 && srs_secrets_ensure(data, &err) < 0) {
		fprintf(stderr, "tern init: %s\n", err);
		rc = 1;
	}
out:
	free(err);
	free(path);
	free(cert);
	free(key);
	free(data);
	free(tlsdir);
	free(user);
	return rc;
}
