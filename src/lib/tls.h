/* tls.h - the server's TLS context (OpenSSL 3): TLS 1.2+, sane ciphers,
 * certificate and key from the config, reloadable on SIGHUP. */
#ifndef TERN_TLS_H
#define TERN_TLS_H

#include <openssl/ssl.h>

#include "lib/conf.h"

/* Build a server SSL_CTX from conf->tls. NULL with *error_r (malloc'd)
 * when the files can't be loaded or don't match. */
SSL_CTX *tls_ctx_create(const struct tern_conf *conf, char **error_r);
/* Format the current OpenSSL error queue ("error:0A000086:..."). */
char *tls_error_string(void);

#endif
