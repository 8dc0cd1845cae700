/* metrics.h - the server's counters, read by /metrics (src/http) and
 * `tern status`. Every field is written on the loop thread only (worker
 * threads report their results to the loop first), so they are plain
 * integers. Store writer figures live in the store (store_get_stats). */
#ifndef TERN_METRICS_H
#define TERN_METRICS_H

#include <stddef.h>
#include <stdint.h>

/* one listener protocol ("smtp", "imaps", "https", ...) */
struct metrics_proto {
	const char *name;
	uint64_t connections;		/* accepted */
	uint64_t open;			/* open now */
	uint64_t refused;		/* over a connection limit */
	uint64_t tls_handshakes;	/* completed */
	uint64_t tls_failures;
	uint64_t commands;		/* SMTP/IMAP/POP3 commands, HTTP requests */
	uint64_t logins;		/* passwords and SASL proofs accepted */
	uint64_t login_failures;	/* refused (wrong, unknown, blocked) */
};

#define METRICS_PROTOS 12

struct metrics {
	struct metrics_proto proto[METRICS_PROTOS];
	uint64_t smtp_accepted;		/* messages answered 250 at end of data */
	uint64_t smtp_rejected;		/* 5xx at end of data */
	uint64_t smtp_tempfailed;	/* 4xx at end of data */
	uint64_t relay_delivered;	/* outbound messages per destination */
	uint64_t relay_deferred;
	uint64_t relay_bounced;
	uint64_t http_status[6];	/* HTTP responses by class: [2] = 2xx */
};

extern struct metrics metrics;

/* The entry for a listener protocol; an unknown name gets "other". */
struct metrics_proto *metrics_proto(const char *name);

#endif
