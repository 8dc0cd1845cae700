/* throttle.h - failed-login throttling, shared by SMTP, IMAP and POP3.
 *
 * In memory, per process: counts recent authentication failures per
 * client address (IPv4 address, IPv6 /64 by default: a host gets a whole
 * /64 for free) and per login name, with decay: one failure is forgotten
 * every forget_ms. Memory is bounded by max_entries (least recently used
 * entries are dropped first; entries that have decayed to nothing are
 * dropped when seen). Keys are kept as keyed 64-bit SipHash values, not
 * as strings, so a flood of distinct names cannot slow the table down.
 *
 * How a protocol uses it, for every authentication attempt (SASL
 * exchange, IMAP LOGIN, POP3 PASS):
 *
 *   1. if throttle_blocked(t, ip, now): refuse the attempt (SMTP 454 /
 *      421, IMAP NO [UNAVAILABLE] / BYE, POP3 -ERR [IN-USE]) and
 *      disconnect.
 *   2. d = throttle_delay_ms(t, ip, now); once the login name is known,
 *      d = max(d, throttle_user_delay_ms(t, name, now)). Wait d ms (a
 *      timer, never sleep) BEFORE verifying the credentials and replying,
 *      so that reconnecting does not skip the wait.
 *   3. on failure: throttle_failure(t, ip, name_or_NULL, now), then check
 *      throttle_blocked() again (disconnect if so); on success:
 *      throttle_success(t, ip, name, now).
 *
 * With the defaults: no delay for an address with no recent failure, then
 * 1 s, 2 s, 4 s, 8 s, 15 s (cap) ... One failure is forgotten every 2
 * minutes; the 15th recent failure blocks the address for 15 minutes,
 * during which 7 are forgotten, so a persistent guesser is blocked again
 * after 7 or 8 more tries (some 30 guesses an hour), while a NAT'd office
 * with a few typos an hour is never blocked. A login name gets delays
 * (never a block: that would let anyone lock a user out) only after 5
 * recent failures from any addresses, 1 s doubling up to 8 s.
 *
 * Attempts in flight count too: parallel connections from one address
 * all pass step 1 before any of them has failed, so a verification is
 * started only through throttle_begin(), which lets at most
 * block_failures - failures verifications run at once for an address
 * (the others wait and ask again), and throttle_end() when it is over.
 * No more than block_failures passwords are ever checked before the
 * block. An address entry with attempts in flight is kept, except when
 * the table must evict it to make room (then the count restarts).
 *
 * A success forgets the address's failures only if they were all made
 * against the name that just succeeded (the user who mistyped her own
 * password), not if the address also failed against other names (an
 * attacker spraying passwords who owns one valid account).
 *
 * Times are milliseconds from any monotonic clock (uv_now()). Not
 * thread-safe: use it from the event loop only. */
#ifndef TERN_THROTTLE_H
#define TERN_THROTTLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct throttle_limits {
	unsigned free_failures;		/* recent failures without delay: 0 */
	unsigned delay_ms;		/* first delay: 1000 */
	unsigned max_delay_ms;		/* cap of the doubling delay: 15000 */
	unsigned block_failures;	/* recent failures that block: 15
					   (0: never block) */
	unsigned block_ms;		/* how long a block lasts: 900000 */
	unsigned forget_ms;		/* one failure forgotten per: 120000 */
	unsigned user_free_failures;	/* per name, before delays: 5 */
	unsigned user_max_delay_ms;	/* per-name cap: 8000 (0: off) */
	unsigned max_entries;		/* tracked addresses + names: 65536 */
	unsigned ipv6_prefix;		/* IPv6 prefix bits per key: 64 */
};

struct throttle;

/* throttle_limits_default - fill *limits with the defaults above */
void throttle_limits_default(struct throttle_limits *limits);

/* throttle_create - a table with these limits (copied; NULL: defaults).
 * Zero values for delay_ms, forget_ms, max_entries are raised to 1;
 * ipv6_prefix is clamped to 128. */
struct throttle *throttle_create(const struct throttle_limits *limits);

/* throttle_destroy - free the table; sets *t to NULL. NULL-safe. */
void throttle_destroy(struct throttle **t);

/* throttle_delay_ms - delay to apply before handling the next
 * authentication attempt from ip (a textual IPv4/IPv6 address as from
 * inet_ntop; any other string is used as it is) */
unsigned throttle_delay_ms(struct throttle *t, const char *ip,
			   uint64_t now_ms);

/* throttle_user_delay_ms - delay for the next attempt on this login name
 * (normalised, sasl_username()), whatever the address */
unsigned throttle_user_delay_ms(struct throttle *t, const char *username,
				uint64_t now_ms);

/* throttle_blocked - true while ip has too many recent failures: refuse
 * its authentication attempts and disconnect it */
bool throttle_blocked(struct throttle *t, const char *ip, uint64_t now_ms);

enum throttle_go {
	THROTTLE_GO,		/* verify now; throttle_end() afterwards */
	THROTTLE_WAIT,		/* the block count is reached by failures
				   and attempts in flight: ask again later */
	THROTTLE_BLOCKED,	/* refuse and disconnect */
};

/* throttle_begin - may an attempt from ip be verified now? Counts it in
 * flight when THROTTLE_GO. */
enum throttle_go throttle_begin(struct throttle *t, const char *ip,
				uint64_t now_ms);

/* throttle_end - the attempt started by throttle_begin() is over (record
 * its outcome with throttle_failure()/throttle_success() too) */
void throttle_end(struct throttle *t, const char *ip, uint64_t now_ms);

/* throttle_failure - record a failed attempt. username may be NULL (the
 * attempt failed before a name was known, e.g. malformed PLAIN data). */
void throttle_failure(struct throttle *t, const char *ip,
		      const char *username, uint64_t now_ms);

/* throttle_success - record a successful login (see above for what it
 * forgets) */
void throttle_success(struct throttle *t, const char *ip,
		      const char *username, uint64_t now_ms);

/* throttle_entries - number of tracked entries (tests, metrics) */
size_t throttle_entries(const struct throttle *t);

#endif
