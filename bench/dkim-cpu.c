/* dkim-cpu.c - CPU per DKIM signature and per verification through
 * src/mailauth's API (what the server runs per message, without the
 * network): a data folder's keys (tern init), a message file.
 *
 *   build/dkim-cpu DATA_DIR DOMAIN MESSAGE [N]
 *
 * Signs MESSAGE N times (default 2000) with the domain's active keys
 * (RSA-2048 + Ed25519: two signatures a message), then verifies the
 * signed copy N times with the public keys from a table (no DNS), and
 * once each key alone; prints CPU microseconds (getrusage) per message
 * and per signature.
 *
 * cc -O2 -std=c11 -D_GNU_SOURCE -Isrc -o build/dkim-cpu bench/dkim-cpu.c \
 *    build/libtern.a $(pkg-config --libs libuv openssl sqlite3 libunbound \
 *    libsodium zlib libutf8proc libpsl) -lpthread -lm */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "mailauth/dkim.h"
#include "mailauth/mauth-table.h"

static double
cpu_us(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 +
	       ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *p;
	long n;

	if (f == NULL || fseek(f, 0, SEEK_END) < 0 || (n = ftell(f)) < 0) {
		perror(path);
		exit(2);
	}
	rewind(f);
	p = malloc((size_t)n + 1);
	if (fread(p, 1, (size_t)n, f) != (size_t)n) {
		perror(path);
		exit(2);
	}
	fclose(f);
	*len = (size_t)n;
	return p;
}

static int passes;

static void
counted(void *arg, const struct dkim_sig_result *res, size_t n)
{
	(void)arg;
	for (size_t i = 0; i < n; i++)
		passes += res[i].result == DKIM_PASS;
}

/* verify msg n times; the passes seen */
static double
verify(const char *msg, size_t len, struct mauth_table *t, int n, int *pass)
{
	struct mauth_resolver r;
	double t0 = cpu_us();

	mauth_table_resolver(t, &r);
	passes = 0;
	for (int i = 0; i < n; i++) {
		struct dkim_verifier *v = dkim_verify_new(NULL);

		dkim_verify_message(v, msg, len);
		dkim_verify_finish(v, &r, counted, NULL);
		mauth_table_run(t, (size_t)-1);
		dkim_verify_free(v);
	}
	*pass = passes;
	return (cpu_us() - t0) / n;
}

int
main(int argc, char **argv)
{
	struct dkim_keyset *ks;
	struct dkim_dns_record *rec;
	struct mauth_table *t = mauth_table_new();
	size_t len, nrec, slen;
	char *msg, *err = NULL, *sig = NULL, *signed_msg;
	int n = argc > 4 ? atoi(argv[4]) : 2000, pass;
	double t0, sign_us, ver_us;

	if (argc < 4) {
		fprintf(stderr, "usage: dkim-cpu DATA_DIR DOMAIN MESSAGE [N]\n");
		return 2;
	}
	msg = slurp(argv[3], &len);
	if (dkim_keys_load(argv[1], argv[2], &ks, &err) != 0 ||
	    dkim_dns_records(argv[1], argv[2], &rec, &nrec, &err) != 0) {
		fprintf(stderr, "keys: %s\n", err ? err : "none");
		return 1;
	}
	for (size_t i = 0; i < nrec; i++)
		mauth_table_txt(t, rec[i].name, rec[i].value);
	t0 = cpu_us();
	for (int i = 0; i < n; i++) {
		struct dkim_signer *s = dkim_sign_new(ks, 0);

		dkim_sign_message(s, msg, len);
		free(sig);
		sig = dkim_sign_finish(s, &err);
		dkim_sign_free(s);
		if (sig == NULL) {
			fprintf(stderr, "sign: %s\n", err);
			return 1;
		}
	}
	sign_us = (cpu_us() - t0) / n;
	slen = strlen(sig);
	signed_msg = malloc(slen + len);
	memcpy(signed_msg, sig, slen);
	memcpy(signed_msg + slen, msg, len);
	ver_us = verify(signed_msg, slen + len, t, n, &pass);
	printf("message: %zu bytes, %d rounds\n", len, n);
	printf("sign (rsa-sha256 + ed25519-sha256): %.1f us CPU a message\n",
	       sign_us);
	printf("verify both signatures: %.1f us CPU a message (%d of %d passed)\n",
	       ver_us, pass, 2 * n);
	/* each signature alone: the first (RSA) field, then the second */
	{
		const char *second = strstr(sig + 1, "DKIM-Signature:");
		size_t l1 = second ? (size_t)(second - sig) : slen;
		char *one = malloc(slen + len);

		memcpy(one, sig, l1);
		memcpy(one + l1, msg, len);
		printf("verify rsa-sha256 alone: %.1f us CPU\n",
		       verify(one, l1 + len, t, n, &pass));
		if (second) {
			size_t l2 = slen - l1;

			memcpy(one, second, l2);
			memcpy(one + l2, msg, len);
			printf("verify ed25519-sha256 alone: %.1f us CPU\n",
			       verify(one, l2 + len, t, n, &pass));
		}
		free(one);
	}
	free(sig);
	free(signed_msg);
	free(msg);
	dkim_keys_free(ks);
	dkim_dns_records_free(rec, nrec);
	mauth_table_free(t);
	return 0;
}
