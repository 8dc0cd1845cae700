/* smtp-client-io.h - the outbound SMTP connection: blocking I/O with
 * deadlines (poll) on a delivery worker thread, optional client TLS.
 *
 * Why blocking on a thread: each outbound session is a short, strictly
 * sequential dialogue; a worker thread per session (bounded by
 * relay.max_concurrency) keeps the client a straight-line program with
 * per-step RFC 5321 timeouts, and the event loop never waits on the
 * network. Every call takes a timeout; nothing blocks longer.
 * smtp_io_abort() may be called from another thread to end a session
 * at once (shutdown). */
#ifndef TERN_SMTP_CLIENT_IO_H
#define TERN_SMTP_CLIENT_IO_H

#include <stdbool.h>
#include <stdint.h>
#include <openssl/ssl.h>

#include "dns/dns.h"
#include "lib/buf.h"
#include "relay/smtp-client-reply.h"

struct smtp_io {
	int fd;
	SSL *ssl;
	struct buf in;		/* received, not yet parsed */
	char peer[80];		/* "127.0.0.2:25" */
	char error[256];	/* the last failure, for logs and DSNs */
	bool aborted;
	const bool *stop;	/* optional: another thread sets it to abort */
	uint64_t bytes_out;
};

void smtp_io_init(struct smtp_io *io);
/* connect with timeout; -1 with io->error */
int smtp_io_connect(struct smtp_io *io, const struct dns_addr *addr,
		    int port, uint64_t timeout_ms);
/* write everything; -1 with io->error (timeout, reset) */
int smtp_io_write(struct smtp_io *io, const void *data, size_t len,
		  uint64_t timeout_ms);
/* read one complete reply; -1 with io->error (timeout, EOF, garbage) */
int smtp_io_read_reply(struct smtp_io *io, struct smtp_reply *r,
		       uint64_t timeout_ms);
/* TLS handshake as a client (after "220" to STARTTLS); sni may be
 * NULL. The certificate is not verified (opportunistic encryption, as
 * MTA-to-MTA without DANE/MTA-STS). -1 with io->error */
int smtp_io_starttls(struct smtp_io *io, const char *sni,
		     uint64_t timeout_ms);
bool smtp_io_is_tls(const struct smtp_io *io);
const char *smtp_io_tls_version(const struct smtp_io *io);
const char *smtp_io_tls_cipher(const struct smtp_io *io);
/* from any thread: make every pending and later call fail */
void smtp_io_abort(struct smtp_io *io);
void smtp_io_close(struct smtp_io *io);

#endif
