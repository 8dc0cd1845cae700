/* conn.h - one client connection: non-blocking TCP on libuv, optional TLS
 * (implicit or STARTTLS), a bounded line reader, corked output, timeouts.
 *
 * A protocol session never touches sockets or OpenSSL. It is driven by
 * callbacks (struct conn_ops) and talks through this API:
 *
 *   on_input   new bytes arrived. Read lines with conn_read_line() or raw
 *              bytes with conn_input()/conn_consume(). Output written with
 *              conn_write()/conn_printf() during the callback is corked and
 *              sent in one write when it returns.
 *   on_close   the connection is gone (peer EOF, error, timeout, or after
 *              conn_close()). Free the session here, never earlier. It can
 *              come while the session waits for an asynchronous operation
 *              (a store commit, a password check on the thread pool): then
 *              mark the session dead and free it when that completes; the
 *              conn itself must not be used after on_close returns.
 *
 * Flow control: a session waiting for the store (group commit) calls
 * conn_pause() so pipelined input stays buffered; conn_resume() later
 * delivers what is buffered through on_input again (on the next loop
 * turn, never re-entrantly).
 *
 * Fairness, the same for every protocol: conn_read_line() reports no
 * line, and conn_input() an empty slice, while the connection's unsent
 * output is above server.output_high_water (the socket is not read
 * either; both resume once it falls below conn_low_water), and once the
 * connection has taken server.commands_per_turn lines (or consumes) in
 * this loop turn (the rest runs on a later turn, after every other
 * socket was polled). Either way on_input comes again by itself.
 *
 * All functions run on the loop thread. */
#ifndef TERN_CONN_H
#define TERN_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/conf.h"

struct conn;
struct tls_ctx;

struct conn_ops {
	void (*on_input)(struct conn *c, void *ctx);
	/* reason: "eof", "timeout", "error", "closed", "shutdown", "tls" */
	void (*on_close)(struct conn *c, void *ctx, const char *reason);
	/* optional: idle timer (conn_set_timeout) fired. The session should
	 * write its goodbye and conn_close(). NULL: closed with "timeout". */
	void (*on_timeout)(struct conn *c, void *ctx);
	/* optional: pending output fell below conn_low_water; use it to
	 * stream large responses (FETCH, RETR) in pieces. */
	void (*on_drain)(struct conn *c, void *ctx);
	/* optional: server is shutting down (SIGTERM). The session says
	 * goodbye now if it is idle, or when its current work ends. NULL:
	 * the connection is closed at once. */
	void (*on_shutdown)(struct conn *c, void *ctx);
};

/* --- identity --- */
uint64_t conn_id(const struct conn *c);		/* 64-bit session id for logs */
const char *conn_peer_ip(const struct conn *c);	/* "127.0.0.1", "::1" */
int conn_peer_port(const struct conn *c);
const char *conn_local_ip(const struct conn *c);
int conn_local_port(const struct conn *c);
bool conn_peer_is_loopback(const struct conn *c);
const struct listener_conf *conn_listener(const struct conn *c);
/* its protocol's counters (lib/metrics.h) */
struct metrics_proto *conn_metrics(const struct conn *c);

/* --- input --- */
enum conn_line_result {
	CONN_LINE_OK = 1,	/* *line holds one line, terminator excluded */
	CONN_LINE_NONE = 0,	/* no complete line buffered yet */
	CONN_LINE_TOO_LONG = -1	/* a line exceeded max: it was discarded up to
				 * and including its LF; report the error */
};
/* Read one line ending in LF (CRLF or bare LF; *bare_lf_r tells which,
 * may be NULL). max counts the terminator too. The slice stays valid
 * until the next conn_read_line/conn_consume or return to the loop. An
 * over-long line is never buffered whole: its bytes are dropped as they
 * arrive and CONN_LINE_TOO_LONG is returned once, at its end. */
enum conn_line_result conn_read_line(struct conn *c, size_t max,
				     struct slice *line, bool *bare_lf_r);
/* raw access to buffered (decrypted) input */
struct slice conn_input(struct conn *c);
void conn_consume(struct conn *c, size_t n);
void conn_pause(struct conn *c);
void conn_resume(struct conn *c);
/* Stop reading from the socket when this much input is buffered
 * (default 256 KiB); resumed automatically once consumed. */
void conn_set_input_limit(struct conn *c, size_t max);

/* --- output (corked, flushed after each callback) --- */
void conn_write(struct conn *c, const void *data, size_t len);
void conn_write_str(struct conn *c, const char *s);
void conn_printf(struct conn *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* bytes queued but not yet handed to the kernel */
size_t conn_output_pending(const struct conn *c);
/* send what is queued now (normally automatic after callbacks) */
void conn_flush(struct conn *c);
extern const size_t conn_low_water;

/* --- TLS --- */
/* Start TLS on a plaintext connection (STARTTLS/STLS). Call after
 * writing the "go ahead" reply: that reply is flushed in plaintext first,
 * and any plaintext input already buffered after the command is
 * discarded (RFC 3207 section 4.2: commands pipelined after STARTTLS
 * must not be executed). Returns false if TLS is not configured or is
 * already active. */
bool conn_starttls(struct conn *c);
bool conn_is_tls(const struct conn *c);
/* TLS is on, or its handshake runs (an implicit-TLS listener's new
 * connection, before the greeting goes out) */
bool conn_tls_started(const struct conn *c);
/* "TLSv1.3" and "TLS_AES_256_GCM_SHA384" (NULL before the handshake) */
const char *conn_tls_version(const struct conn *c);
const char *conn_tls_cipher(const struct conn *c);
/* true when a TLS context is loaded (so STARTTLS can be offered) */
bool conn_tls_available(const struct conn *c);

/* --- COMPRESS=DEFLATE (RFC 4978) --- */
/* Call after writing the tagged OK: it is flushed uncompressed, then
 * all further output is deflated and input inflated (above TLS); input
 * buffered after the command is discarded. false if already on (or out
 * of memory). Inflated input is bounded by the input limit, so a small
 * compressed burst never becomes a big buffer. */
bool conn_compress(struct conn *c);
bool conn_is_compressed(const struct conn *c);

/* --- lifetime --- */
/* (Re)arm the idle timer: on_timeout fires after ms without input. 0 off. */
void conn_set_timeout(struct conn *c, uint64_t ms);
/* Flush queued output, then close. on_close follows (asynchronously). */
void conn_close(struct conn *c, const char *reason);
bool conn_is_closing(const struct conn *c);
/* the session pointer given at accept time */
void *conn_ctx(const struct conn *c);

#endif
