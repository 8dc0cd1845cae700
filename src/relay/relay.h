/* relay.h - the outbound relay: the queue scheduler that hands queued
 * remote recipients to SMTP client sessions.
 *
 * Flow: the store's queue (durable, written by the SMTP server in the
 * same commit as the 250) -> relay_scan() takes due recipients (a
 * bounded active set: at most relay.max_active messages in memory, the
 * rest stays in the store) -> grouped by destination (recipient domain,
 * or the smarthost) -> per destination at most relay.max_per_destination
 * sessions, relay.max_concurrency in all -> DNS route on the loop ->
 * a worker thread runs the SMTP session (smtp-client.h), reusing the
 * connection for every message of the batch -> after each message the
 * worker records the outcome in the store (DSNs first, then the state
 * update, both durable) before the next message goes out.
 *
 * Crash safety: a recipient is marked DELIVERED in the store right after
 * the peer's 250; a kill before that commit means one more delivery
 * attempt after restart (the SMTP-wide "at least once"), never a lost
 * message. Nothing is kept only in memory: a restart finds every
 * pending recipient in the store.
 *
 * Retries: relay.min_backoff doubling up to relay.max_backoff (+ up to
 * 10% jitter), until relay.max_age after queueing; then a bounce. */
#ifndef TERN_RELAY_H
#define TERN_RELAY_H

#include <stdint.h>

#include "lib/service.h"

struct relay;

/* Built-in service "relay" (no listener): init starts the scheduler on
 * env->loop with env->store, deinit stops it (in-flight sessions are
 * aborted; their recipients stay pending). Add it to tern_services. */
extern const struct service relay_service;
/* dmarc-sched.c: the daily DMARC aggregate reports (no listener) */
extern const struct service dmarc_report_service;

struct relay *relay_create(struct service_env *env, char **error_r);
/* stop workers (bounded: they notice within ~1 s), cancel DNS, close
 * handles; *r = NULL */
void relay_destroy(struct relay **r);
/* look at the queue now (new mail, `tern queue flush`) */
void relay_kick(struct relay *r);

/* ---- pure helpers, unit-tested ---- */

/* delay before attempt number attempts+1, given attempts made so far
 * (>= 1): min_ms * 2^(attempts-1), at most max_ms */
uint64_t relay_backoff_ms(uint32_t attempts, uint64_t min_ms,
			  uint64_t max_ms);
/* the destination of an address: its domain, lowercased (malloc'd);
 * NULL if there is no '@' */
char *relay_dest_of(const char *address);
/* relay.relay_host: "name", "name:port", "[name]:port", "1.2.3.4:port",
 * "[2001:db8::1]:port" -> *lookup_r for dns_route_lookup(mx false):
 * a name, or an address literal "[1.2.3.4]" / "[IPv6:2001:db8::1]"
 * (malloc'd); *port_r (default_port when none). -1 on junk. */
int relay_parse_smarthost(const char *s, int default_port, char **lookup_r,
			  int *port_r);
/* is domain in the space-separated list (case-insensitive)? */
int relay_domain_listed(const char *list, const char *domain);

#endif
