/* spf-suite.c - runs SPF checks against zone data read from stdin, for
 * tests/integration/test_spf_suite.py (the RFC 7208 test suite) and the
 * comparisons with pyspf. One command a line, fields separated by tabs,
 * free text hex-encoded:
 *
 *   reset                         a new, empty zone
 *   rr NAME TYPE HEX PREF         a record (TYPE as a number: 1 A, 12 PTR,
 *                                 15 MX, 16 TXT, 28 AAAA)
 *   tempfail NAME TYPE            questions of TYPE for NAME time out
 *   exists NAME                   NAME exists (NODATA for absent types)
 *   check ID IP HELOHEX FROMHEX [helo]
 *
 * For each check it prints "ID<TAB>result<TAB>explanation<TAB>reason". */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mailauth/spf.h"
#include "spf-dns-table.h"

struct done {
	bool ran;
	char line[4096];
};

static void
on_done(void *arg, const struct spf_outcome *o)
{
	struct done *d = arg;

	d->ran = true;
	snprintf(d->line, sizeof(d->line), "%s\t%s\t%s", spf_result_name(o->result),
		 o->explanation ? o->explanation : "", o->reason ? o->reason : "");
}

static char *
unhex(const char *s)
{
	size_t n = strlen(s) / 2;
	char *out = malloc(n + 1);

	for (size_t i = 0; i < n; i++) {
		unsigned v;

		sscanf(s + 2 * i, "%2x", &v);
		out[i] = (char)v;
	}
	out[n] = '\0';
	return out;
}

int
main(void)
{
	struct spf_table *t = spf_table_new();
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;

	while ((len = getline(&line, &cap, stdin)) > 0) {
		char *f[8] = { 0 }, *p = line;
		int nf = 0;

		if (line[len - 1] == '\n')
			line[--len] = '\0';
		while (nf < 8 && (f[nf] = strsep(&p, "\t")) != NULL)
			nf++;
		if (nf == 0 || f[0][0] == '\0')
			continue;
		if (strcmp(f[0], "reset") == 0) {
			spf_table_free(t);
			t = spf_table_new();
		} else if (strcmp(f[0], "rr") == 0 && nf >= 5) {
			char *v = unhex(f[3]);

			spf_table_add(t, f[1], atoi(f[2]), v, strlen(f[3]) / 2,
				      (uint16_t)atoi(f[4]));
			free(v);
		} else if (strcmp(f[0], "tempfail") == 0 && nf >= 3) {
			spf_table_tempfail(t, f[1], atoi(f[2]));
		} else if (strcmp(f[0], "exists") == 0 && nf >= 2) {
			spf_table_exists(t, f[1]);
		} else if (strcmp(f[0], "check") == 0 && nf >= 5) {
			struct mauth_resolver r;
			struct done d = { false, "" };
			char *helo = unhex(f[3]), *from = unhex(f[4]);
			struct spf_request rq = {
				.client_ip = f[2], .helo = helo, .mail_from = from,
				.receiver = "receiver.example", .now = 1000000000,
				.identity = nf >= 6 && strcmp(f[5], "helo") == 0 ?
					    SPF_ID_HELO : SPF_ID_MAILFROM,
			};

			spf_table_resolver(t, &r);
			spf_check(&r, &rq, on_done, &d);
			spf_table_run(t, 100000);
			printf("%s\t%s\n", f[1], d.ran ? d.line : "noresult\t\t");
			fflush(stdout);
			free(helo);
			free(from);
		} else {
			fprintf(stderr, "spf-suite: bad line: %s\n", f[0]);
			return 2;
		}
	}
	free(line);
	spf_table_free(t);
	return 0;
}
