/* smtp-client.h - one outbound SMTP session: deliver a batch of
 * messages for one destination over one connection (reused for all of
 * them), trying the route's hosts and addresses in order.
 *
 * Runs on a delivery worker thread (blocking I/O with deadlines, see
 * smtp-client-io.h). Per recipient the outcome is one of:
 *   SMTP_RCPT_OK     the peer took it (250 after the final dot)
 *   SMTP_RCPT_TEMP   4xx, or the connection failed: retry later
 *   SMTP_RCPT_PERM   5xx, or something the peer can't take (SIZE,
 *                    8BITMIME, SMTPUTF8): bounce
 *   SMTP_RCPT_NONE   not tried (no host could be reached)
 * Each message's outcome is final for this session as soon as its
 * transaction ends; msg_done then runs at once (so the caller records
 * it before the next message goes out). */
#ifndef TERN_SMTP_CLIENT_H
#define TERN_SMTP_CLIENT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "dns/dns.h"
#include "relay/smtp-client-io.h"

enum smtp_rcpt_status {
	SMTP_RCPT_NONE = 0,
	SMTP_RCPT_OK = 2,
	SMTP_RCPT_TEMP = 4,
	SMTP_RCPT_PERM = 5,
};

struct smtp_client_rcpt {
	const char *address;
	const char *orcpt;	/* "rfc822;x@y" or NULL */
	unsigned notify;	/* STORE_NOTIFY_* */
	/* out */
	enum smtp_rcpt_status status;
	char enh[16];		/* RFC 3463 status for a DSN ("5.1.1") */
	char *diag;		/* "smtp; 550 5.1.1 ..." or a local reason */
	bool remote;		/* diag is the peer's reply */
	const char *mta;	/* the host that answered (route's name) */
};

struct smtp_client_msg {
	int64_t id;
	const char *sender;	/* "" = null reverse-path */
	const char *envid;	/* or NULL */
	int ret;		/* STORE_RET_* */
	uint64_t size;
	/* body source: bytes [off, off+len) of the message; 0 at end,
	 * -1 on error */
	ssize_t (*read)(void *ctx, void *buf, size_t len, uint64_t off);
	void *read_ctx;
	size_t n;
	struct smtp_client_rcpt *rcpts;
	/* out */
	bool done;		/* the transaction ran to its end */
	bool dsn_relayed;	/* the peer took NOTIFY (it does DSNs now) */
};

struct smtp_client_params {
	const char *helo;		/* our name (conf hostname) */
	int port;
	bool require_tls;
	const char *auth_user;		/* smarthost AUTH PLAIN, or NULL */
	const char *auth_password;
	uint64_t connect_ms, command_ms, data_init_ms, data_block_ms,
		 data_end_ms;
	uint64_t session_id;		/* for logs */
	void (*msg_done)(void *arg, struct smtp_client_msg *m);
	void *arg;
	/* another thread sets *stop to end the session early (shutdown) */
	const bool *stop;
};

/* Deliver msgs over the route. Recipients that no host took or
 * refused end as NONE/TEMP with diag = the last connection error. */
void smtp_client_deliver(const struct dns_route *route,
			 const struct smtp_client_params *p,
			 struct smtp_client_msg *msgs, size_t n);

/* set status, enh and diag of a recipient (diag copied) */
void smtp_client_rcpt_set(struct smtp_client_rcpt *r,
			  enum smtp_rcpt_status st, const char *enh,
			  const char *diag, bool remote);

#endif
