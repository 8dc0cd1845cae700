/* turn.h - work that continues on the next loop turn, after I/O.
 *
 * A 0 ms uv timer is not a yield: libuv 1.44 runs due timers in a loop
 * until none is due, and a timer started from a timer callback is due at
 * once (loop->time does not move), so a session that continues through
 * one runs again and again without the loop ever polling the other
 * sockets. Entries deferred here run from a uv_idle handle, once per
 * loop iteration: those queued before the iteration's idle phase, in
 * order; those queued meanwhile wait for the next iteration, after a
 * poll (timeout 0) has served every other connection.
 *
 * Loop thread only; one loop per process. */
#ifndef TERN_TURN_H
#define TERN_TURN_H

#include <stdbool.h>
#include <uv.h>

struct turn_entry;
typedef void turn_fn(struct turn_entry *e);

/* embed in the owner; zero-initialised is unqueued */
struct turn_entry {
	struct turn_entry *next, *prev;
	turn_fn *fn;
};

/* queue e to run fn(e) next turn (no-op if queued already) */
void turn_defer(uv_loop_t *loop, struct turn_entry *e, turn_fn *fn);
/* unqueue e (owner going away); no-op if not queued */
void turn_cancel(struct turn_entry *e);
bool turn_queued(const struct turn_entry *e);

#endif
