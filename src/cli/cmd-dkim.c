/* cmd-dkim.c - `tern dkim`: a domain's DKIM keys (show, rotate,
 * retire), and sign / verify a message file (for checks by hand and the
 * reference tests; verify answers key lookups from a table file). */
#include "cli/cli.h"
#include "lib/buf.h"
#include "mailauth/mauth-table.h"
#include "mailauth/dkim.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DKIM_USAGE \
	"usage: tern dkim show DOMAIN          selectors and the TXT records to publish\n" \
	"       tern dkim rotate DOMAIN        a new dated key pair signs from now on\n" \
	"       tern dkim retire DOMAIN SELECTOR   stop publishing an old selector\n" \
	"       tern dkim sign DOMAIN [FILE]   the message signed, on stdout\n" \
	"       tern dkim verify FILE --dns-table TABLE   (TABLE: lines \"NAME TXT\")\n"

/* whole file (or stdin), bare LF made CRLF; NULL after printing why */
static char *
read_message(const char *path, size_t *len)
{
	FILE *f = path ? fopen(path, "rb") : stdin;
	struct buf b = BUF_INIT;
	int c, prev = 0;

	if (f == NULL) {
		fprintf(stderr, "tern dkim: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	while ((c = getc(f)) != EOF) {
		if (c == '\n' && prev != '\r')
			buf_append_byte(&b, '\r');
		buf_append_byte(&b, (unsigned char)c);
		prev = c;
	}
	if (path)
		fclose(f);
	*len = b.len;
	buf_append_byte(&b, 0);
	return buf_steal(&b);
}

static void
lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

static int
show(const char *data_dir, const char *domain)
{
	struct dkim_dns_record *r;
	char *err = NULL;
	size_t n;

	if (dkim_dns_records(data_dir, domain, &r, &n, &err) < 0) {
		fprintf(stderr, "tern dkim: %s\n", err);
		free(err);
		return 1;
	}
	if (n == 0)
		printf("%s has no DKIM keys (tern dkim rotate %s makes them)\n",
		       domain, domain);
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(r[i].value);

		printf("%s\t%s\t%s\n%s. IN TXT", r[i].selector,
		       r[i].alg == DKIM_ED25519_SHA256 ? "ed25519" : "rsa-2048",
		       r[i].active ? "active" : "published", r[i].name);
		/* a zone file's strings hold 255 bytes at most */
		for (size_t o = 0; o < len; o += 255)
			printf(" \"%.*s\"", (int)(len - o < 255 ? len - o : 255),
			       r[i].value + o);
		printf("\n\n");
	}
	dkim_dns_records_free(r, n);
	return 0;
}

static int
sign_file(const char *data_dir, const char *domain, const char *path)
{
	struct dkim_keyset *ks = NULL;
	struct dkim_signer *s;
	char *err = NULL, *msg, *sig;
	size_t len;
	int rc = dkim_keys_load(data_dir, domain, &ks, &err);

	if (rc != 0) {
		fprintf(stderr, "tern dkim: %s\n",
			rc > 0 ? "the domain has no DKIM keys" : err);
		free(err);
		return 1;
	}
	if ((msg = read_message(path, &len)) == NULL) {
		dkim_keys_free(ks);
		return 1;
	}
	s = dkim_sign_new(ks, 0);
	dkim_sign_message(s, msg, len);
	sig = dkim_sign_finish(s, &err);
	dkim_sign_free(s);
	dkim_keys_free(ks);
	if (sig == NULL) {
		fprintf(stderr, "tern dkim: %s\n", err);
		free(err);
		free(msg);
		return 1;
	}
	fwrite(sig, 1, strlen(sig), stdout);
	fwrite(msg, 1, len, stdout);
	free(sig);
	free(msg);
	return fflush(stdout) == 0 ? 0 : 1;
}

struct vres {
	bool done, all_pass;
};

static void
verified(void *arg, const struct dkim_sig_result *res, size_t n)
{
	struct vres *vr = arg;

	vr->done = true;
	vr->all_pass = n > 0;
	if (n == 0)
		printf("none\n");
	for (size_t i = 0; i < n; i++) {
		printf("%s d=%s s=%s a=%s b=%s (%s)\n",
		       dkim_result_name(res[i].result), res[i].domain,
		       res[i].selector, res[i].algorithm, res[i].b,
		       res[i].reason);
		if (res[i].result != DKIM_PASS)
			vr->all_pass = false;
	}
}

static int
verify_file(const char *path, const char *table)
{
	struct mauth_table *t = mauth_table_new();
	struct dkim_verifier *v;
	struct mauth_resolver r;
	struct vres vr = { false, false };
	char *msg;
	size_t len;

	if (mauth_table_load(t, table) < 0) {
		fprintf(stderr, "tern dkim: %s: %s\n", table, strerror(errno));
		mauth_table_free(t);
		return 1;
	}
	if ((msg = read_message(path, &len)) == NULL) {
		mauth_table_free(t);
		return 1;
	}
	mauth_table_resolver(t, &r);
	v = dkim_verify_new(NULL);
	dkim_verify_message(v, msg, len);
	dkim_verify_finish(v, &r, verified, &vr);
	mauth_table_run(t, (size_t)-1);
	dkim_verify_free(v);
	mauth_table_free(t);
	free(msg);
	return vr.done && vr.all_pass ? 0 : 1;
}

int
cli_dkim_ensure(const char *data_dir, const char *domain_in)
{
	struct dkim_keyset *ks = NULL;
	char *err = NULL, *domain = xstrdup(domain_in);
	char sr[32], se[32];
	int rc;

	lower(domain);
	rc = dkim_keys_load(data_dir, domain, &ks, &err);
	dkim_keys_free(ks);
	if (rc == 1)
		rc = dkim_keys_generate(data_dir, domain, 0, (uid_t)-1, (gid_t)-1,
					sr, se, &err);
	if (rc == 0) {
		printf("DKIM keys for %s; publish these TXT records "
		       "(tern dkim show %s lists them again):\n\n", domain, domain);
		rc = show(data_dir, domain);
	} else {
		fprintf(stderr, "tern: dkim %s: %s\n", domain, err);
		rc = -1;
	}
	free(err);
	free(domain);
	return rc;
}

int
cmd_dkim(struct cli *cli)
{
	struct tern_conf *conf;
	char **av = cli->argv, *err = NULL, *domain;
	int ac = cli->argc, rc = 1;

	if (ac == 4 && !strcmp(av[0], "verify") && !strcmp(av[2], "--dns-table"))
		return verify_file(av[1], av[3]);
	if (!((ac == 2 && (!strcmp(av[0], "show") || !strcmp(av[0], "rotate") ||
			   !strcmp(av[0], "sign"))) ||
	      (ac == 3 && (!strcmp(av[0], "retire") || !strcmp(av[0], "sign"))))) {
		fputs(DKIM_USAGE, ac ? stderr : stdout);
		return ac ? EXIT_USAGE : 0;
	}
	if ((conf = cli_load_conf(cli)) == NULL)
		return EXIT_CONFIG;
	/* the keys belong to the user tern runs as */
	if (cli_drop_privileges(conf) < 0) {
		conf_free(&conf);
		return EXIT_CONFIG;
	}
	domain = xstrdup(av[1]);
	lower(domain);
	if (!strcmp(av[0], "show")) {
		rc = show(conf->data_dir, domain);
	} else if (!strcmp(av[0], "sign")) {
		rc = sign_file(conf->data_dir, domain, ac == 3 ? av[2] : NULL);
	} else if (!strcmp(av[0], "rotate")) {
		char sr[32], se[32];

		if (dkim_keys_generate(conf->data_dir, domain, 0, (uid_t)-1,
				       (gid_t)-1, sr, se, &err) == 0) {
			printf("dkim %s: %s (rsa-2048) and %s (ed25519) sign from "
			       "now on (a running server takes them within "
			       "auth_checks.dkim_key_poll, or at once on SIGHUP); "
			       "publish:\n\n", domain, sr, se);
			rc = show(conf->data_dir, domain);
		}
	} else if (dkim_keys_retire(conf->data_dir, domain, av[2], &err) == 0) {
		printf("dkim %s: %s retired (remove its TXT record)\n", domain,
		       av[2]);
		rc = 0;
	}
	if (err) {
		fprintf(stderr, "tern dkim: %s\n", err);
		free(err);
	}
	free(domain);
	conf_free(&conf);
	return rc;
}
