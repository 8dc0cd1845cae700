/* milter-client.h - one connection to one milter on the libuv loop:
 * connect, negotiate (SMFIC_OPTNEG), send commands, await replies, each
 * wait bounded by a timeout. Nothing blocks: every result comes through
 * a callback on the loop.
 *
 * Use: milter_client_open(); its callback says whether negotiation
 * worked (then c->actions, c->protocol, c->symlist are the filter's).
 * milter_client_send() queues packets; milter_client_await() waits for
 * the next reply packet. Only one await at a time. After an error or a
 * timeout the client is dead: every later await fails at once (on the
 * next loop turn). milter_client_close() may be called at any time
 * (also from a callback); no callback comes after it. */
#ifndef TERN_MILTER_CLIENT_H
#define TERN_MILTER_CLIENT_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "milter/milter-conf.h"
#include "milter/milter-proto.h"

enum milter_status {
	MILTER_OK,		/* a reply (or negotiation done) */
	MILTER_EIO,		/* connect failed, closed, malformed */
	MILTER_ETIMEOUT,
};

struct milter_client;

/* r is valid only during the call */
typedef void milter_reply_cb(void *arg, enum milter_status st,
			     const struct milter_reply *r);

struct milter_client_info {
	uint32_t actions, protocol;	/* what the filter negotiated */
	char *symlist[MILTER_STAGE_COUNT];	/* NULL: Postfix's default */
	char error[128];		/* the last failure, for logs */
};

/* connect to spec (copied as needed), offer MILTER_ACTIONS and
 * MILTER_PROTOCOL; cb gets MILTER_OK once the filter's OPTNEG is read.
 * max_reply: the largest packet read (milter.max_reply_size). log_id:
 * the session's, for log lines. */
struct milter_client *milter_client_open(uv_loop_t *loop,
					 const struct milter_spec *spec,
					 uint32_t max_reply, uint64_t log_id,
					 milter_reply_cb *cb, void *arg);
const struct milter_client_info *milter_client_info(const struct milter_client *c);
bool milter_client_dead(const struct milter_client *c);
/* queue bytes (whole packets) for writing */
void milter_client_send(struct milter_client *c, const void *p, size_t n);
/* the next reply within timeout_ms */
void milter_client_await(struct milter_client *c, uint64_t timeout_ms,
			 milter_reply_cb *cb, void *arg);
/* send SMFIC_QUIT when alive, close, free (asynchronously) */
void milter_client_close(struct milter_client *c);

#endif
