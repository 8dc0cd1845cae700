/* tls.c - server TLS context creation */
#include "lib/tls.h"
#include "lib/buf.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/err.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *
tls_error_string(void)
{
	struct buf b = BUF_INIT;
	unsigned long e;

	while ((e = ERR_get_error()) != 0) {
		char tmp[256];

		ERR_error_string_n(e, tmp, sizeof(tmp));
		if (b.len)
			buf_append_str(&b, "; ");
		buf_append_str(&b, tmp);
	}
	if (b.len == 0)
		buf_append_str(&b, "unknown TLS error");
	return buf_steal(&b);
}

/* SNI: one certificate today; the callback is where per-name contexts
 * will be chosen. Accept every name. */
static int
tls_servername_cb(SSL *ssl, int *alert, void *arg)
{
	return SSL_TLSEXT_ERR_OK;
}

/* The reason of the queue's first error, for a one-line message. */
static const char *
tls_first_reason(void)
{
	unsigned long e = ERR_peek_error();
	const char *r = e ? ERR_reason_error_string(e) : NULL;

	return r ? r : "unknown TLS error";
}

/* A file OpenSSL would read: say plainly when it cannot be opened
 * (missing, or unreadable after dropping root) instead of a stack. */
static char *
tls_file_check(const struct tern_conf *conf, const char *key, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return conf_key_error(conf, key, "%s: %s", path, strerror(errno));
	close(fd);
	return NULL;
}

SSL_CTX *
tls_ctx_create(const struct tern_conf *conf, char **error_r)
{
	SSL_CTX *ctx;
	int minv = strcmp(conf->tls.min_version, "TLSv1.3") == 0 ?
		   TLS1_3_VERSION : TLS1_2_VERSION;

	if (!conf->tls.cert[0] || !conf->tls.key[0]) {
		*error_r = conf_key_error(conf, conf->tls.cert[0] ? "tls.key" : "tls.cert",
					  "not set (tls.cert and tls.key go together)");
		return NULL;
	}
	if ((*error_r = tls_file_check(conf, "tls.cert", conf->tls.cert)) != NULL ||
	    (*error_r = tls_file_check(conf, "tls.key", conf->tls.key)) != NULL)
		return NULL;
	ERR_clear_error();
	ctx = SSL_CTX_new(TLS_server_method());
	if (ctx == NULL)
		goto fail;
	SSL_CTX_set_min_proto_version(ctx, minv);
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION |
				 SSL_OP_NO_RENEGOTIATION |
				 SSL_OP_CIPHER_SERVER_PREFERENCE);
	SSL_CTX_set_mode(ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
			      SSL_MODE_RELEASE_BUFFERS);
	/* no session cache across processes; tickets suffice */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	if (SSL_CTX_set_cipher_list(ctx, conf->tls.ciphers) != 1) {
		*error_r = conf_key_error(conf, "tls.ciphers", "no cipher this OpenSSL "
					  "knows in '%s'", conf->tls.ciphers);
		goto out;
	}
	SSL_CTX_set_tlsext_servername_callback(ctx, tls_servername_cb);
	if (SSL_CTX_use_certificate_chain_file(ctx, conf->tls.cert) != 1) {
		*error_r = conf_key_error(conf, "tls.cert", "%s: not a PEM certificate "
					  "chain (%s)", conf->tls.cert, tls_first_reason());
		goto out;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, conf->tls.key, SSL_FILETYPE_PEM) != 1) {
		*error_r = conf_key_error(conf, "tls.key", "%s: not a PEM private key "
					  "(%s)", conf->tls.key, tls_first_reason());
		goto out;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		*error_r = conf_key_error(conf, "tls.key", "%s does not match the "
					  "certificate %s", conf->tls.key, conf->tls.cert);
		goto out;
	}
	return ctx;
fail:
	{
		char *detail = tls_error_string();

		*error_r = xasprintf("TLS setup (cert %s, key %s): %s",
				     conf->tls.cert, conf->tls.key, detail);
		free(detail);
	}
out:
	ERR_clear_error();
	SSL_CTX_free(ctx);
	return NULL;
}
