/* srs-secret.c - the SRS secrets: <data_dir>/srs.secret, one a line,
 * made on first need (tern init, tern serve) with 32 random bytes in
 * base64, mode 0600. Kept out of tern.conf so the config can be shown
 * and shared without it. */
#include "mailauth/srs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "lib/base64.h"
#include "lib/buf.h"

#define SRS_SECRET_LINE_MAX 1024

void
srs_secrets_free(struct srs_secrets *s)
{
	for (size_t i = 0; i < s->n; i++) {
		sodium_memzero(s->v[i], strlen(s->v[i]));
		free(s->v[i]);
	}
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

int
srs_secrets_load(const char *data_dir, struct srs_secrets *s, char **err)
{
	char *path = xasprintf("%s/%s", data_dir, SRS_SECRET_FILE);
	char line[SRS_SECRET_LINE_MAX];
	FILE *f = fopen(path, "re");

	s->n = 0;
	s->v = NULL;
	if (f == NULL) {
		*err = xasprintf("%s: %s", path, strerror(errno));
		free(path);
		return -1;
	}
	while (s->n < SRS_SECRETS_MAX && fgets(line, sizeof(line), f)) {
		size_t n = strcspn(line, "\r\n");

		/* blank lines and comments say nothing */
		line[n] = '\0';
		while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t'))
			line[--n] = '\0';
		if (n == 0 || line[0] == '#')
			continue;
		if (s->n == 0)
			s->v = xcalloc(SRS_SECRETS_MAX, sizeof(*s->v));
		s->v[s->n++] = xstrdup(line);
	}
	sodium_memzero(line, sizeof(line));
	fclose(f);
	if (s->n == 0) {
		*err = xasprintf("%s: no secret in it", path);
		free(path);
		return -1;
	}
	free(path);
	return 0;
}

int
srs_secrets_ensure(const char *data_dir, char **err)
{
	char *path = xasprintf("%s/%s", data_dir, SRS_SECRET_FILE);
	unsigned char key[32];
	struct buf b = BUF_INIT;
	int fd, rc = 0;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		if (errno != EEXIST) {
			*err = xasprintf("%s: %s", path, strerror(errno));
			rc = -1;
		}
		free(path);
		return rc;
	}
	randombytes_buf(key, sizeof(key));
	base64_encode(&b, key, sizeof(key));
	buf_append(&b, "\n", 1);
	if (write(fd, b.data, b.len) != (ssize_t)b.len || fsync(fd) < 0) {
		*err = xasprintf("%s: %s", path, strerror(errno));
		rc = -1;
		unlink(path);
	}
	close(fd);
	sodium_memzero(key, sizeof(key));
	sodium_memzero(b.data, b.len);
	buf_free(&b);
	free(path);
	return rc;
}

struct srs_secrets *
srs_secrets_read(const char *data_dir, char **err)
{
	struct srs_secrets *s = xcalloc(1, sizeof(*s));

	if (srs_secrets_load(data_dir, s, err) < 0) {
		free(s);
		return NULL;
	}
	return s;
}

int
srs_reverse_file(const char *data_dir, time_t now, unsigned max_age,
		 const char *address, char *out, size_t outlen, char **err)
{
	struct srs_secrets sec;
	char *e = NULL;
	int rc;

	if (!srs_is_srs(address))
		return SRS_NOT_SRS;
	if (srs_secrets_load(data_dir, &sec, &e) < 0) {
		if (err)
			*err = e;
		else
			free(e);
		return SRS_ENOSECRET;
	}
	rc = srs_reverse((const char *const *)sec.v, sec.n, now, max_age,
			 address, out, outlen);
	srs_secrets_free(&sec);
	return rc;
}
