/* queue-admin.h - `tern queue list|show ID|retry ID|delete ID|flush`.
 *
 * The CLI (src/cli) loads the config, opens the store and calls
 * queue_admin_main(); everything below talks to the store only.
 * A running server sees retry/flush within relay.queue_poll (it scans
 * the store at least that often). */
#ifndef TERN_QUEUE_ADMIN_H
#define TERN_QUEUE_ADMIN_H

#include <stdint.h>
#include <stdio.h>

struct store;

/* argv[0] is the action ("list", ...). Returns an exit code: 0 done,
 * 1 failed (unknown id, store error), 2 usage (message on err). */
int queue_admin_main(struct store *store, int argc, char **argv,
		     FILE *out, FILE *err);

/* the same on stdout/stderr, in the shape of cmd-admin.c's
 * with_store() callbacks: cmd_queue = with_store(cli, queue_admin_cli) */
int queue_admin_cli(struct store *store, int argc, char **argv);

/* one message per entry, recipients indented; "queue is empty" */
int queue_admin_list(struct store *store, FILE *out);
/* envelope, recipients with state and last error, then the header */
int queue_admin_show(struct store *store, int64_t id, FILE *out);
/* make the pending recipients of one message (id) or of every
 * message (id 0) due now */
int queue_admin_retry(struct store *store, int64_t id);
/* drop a message and all its recipients, no bounce (postsuper -d) */
int queue_admin_delete(struct store *store, int64_t id);

#endif
