/* selfsigned.c - EC P-256 key and self-signed X.509 certificate */
#include "lib/selfsigned.h"
#include "lib/buf.h"
#include "lib/tls.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int
add_ext(X509 *cert, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, cert, cert, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (ext == NULL)
		return -1;
	X509_add_ext(cert, ext, -1);
	X509_EXTENSION_free(ext);
	return 0;
}

int
selfsigned_create(const char *hostname, const char *cert_path,
		  const char *key_path, char **error_r)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *cert = X509_new();
	X509_NAME *name;
	FILE *f = NULL;
	char *san = NULL;
	int fd, rc = -1;

	if (key == NULL || cert == NULL)
		goto tls_fail;
	X509_set_version(cert, 2);
	{
		unsigned char serial[16];
		BIGNUM *bn;

		if (RAND_bytes(serial, sizeof(serial)) != 1)
			goto tls_fail;
		serial[0] &= 0x7f;
		bn = BN_bin2bn(serial, sizeof(serial), NULL);
		BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert));
		BN_free(bn);
	}
	X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
	X509_gmtime_adj(X509_getm_notAfter(cert), 60L * 60 * 24 * 825);
	X509_set_pubkey(cert, key);
	name = X509_get_subject_name(cert);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
				   (const unsigned char *)hostname, -1, -1, 0);
	X509_set_issuer_name(cert, name);
	san = xasprintf("DNS:%s,DNS:localhost,IP:127.0.0.1,IP:::1", hostname);
	if (add_ext(cert, NID_subject_alt_name, san) < 0 ||
	    add_ext(cert, NID_basic_constraints, "critical,CA:FALSE") < 0 ||
	    add_ext(cert, NID_ext_key_usage, "serverAuth") < 0)
		goto tls_fail;
	if (X509_sign(cert, key, EVP_sha256()) == 0)
		goto tls_fail;

	fd = open(key_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || (f = fdopen(fd, "w")) == NULL) {
		*error_r = xasprintf("%s: %s", key_path, strerror(errno));
		if (fd >= 0)
			close(fd);
		goto out;
	}
	if (PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL) != 1)
		goto tls_fail;
	if (fclose(f) != 0) {
		f = NULL;
		*error_r = xasprintf("%s: %s", key_path, strerror(errno));
		goto out;
	}
	f = fopen(cert_path, "w");
	if (f == NULL) {
		*error_r = xasprintf("%s: %s", cert_path, strerror(errno));
		goto out;
	}
	if (PEM_write_X509(f, cert) != 1)
		goto tls_fail;
	if (fclose(f) != 0) {
		f = NULL;
		*error_r = xasprintf("%s: %s", cert_path, strerror(errno));
		goto out;
	}
	f = NULL;
	rc = 0;
	goto out;
tls_fail:
	{
		char *e = tls_error_string();

		*error_r = xasprintf("certificate: %s", e);
		free(e);
	}
out:
	if (f)
		fclose(f);
	free(san);
	X509_free(cert);
	EVP_PKEY_free(key);
	return rc;
}
