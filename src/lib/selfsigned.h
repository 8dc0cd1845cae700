/* selfsigned.h - make a self-signed certificate (for `tern init` and tests) */
#ifndef TERN_SELFSIGNED_H
#define TERN_SELFSIGNED_H

/* Write an EC P-256 key (mode 0600) and a self-signed certificate for
 * hostname (also valid for localhost, 127.0.0.1 and ::1) as PEM files.
 * Returns 0, or -1 with *error_r (malloc'd). */
int selfsigned_create(const char *hostname, const char *cert_path,
		      const char *key_path, char **error_r);

#endif
