/* pop3-sizes.h - process-wide cache of messages' POP3 sizes.
 *
 * A message's POP3 size (pop3-dot.h) needs one read of the message; a
 * message never changes and (mailbox id, uid) is never reused, so the
 * size is remembered here and the next login of the same user reads
 * nothing (leave-on-server clients log in every few minutes). Bounded:
 * when full, the table is emptied and refilled. Thread-safe (logins load
 * on worker threads). */
#ifndef TERN_POP3_SIZES_H
#define TERN_POP3_SIZES_H

#include <stdbool.h>
#include <stdint.h>

/* pop3_sizes_get - true and *size_r if the size is known */
bool pop3_sizes_get(int64_t mailbox_id, uint32_t uid, uint64_t *size_r);
/* pop3_sizes_put - remember a size */
void pop3_sizes_put(int64_t mailbox_id, uint32_t uid, uint64_t size);
/* pop3_sizes_set_max - most entries kept (tests); 0 restores the default */
void pop3_sizes_set_max(uint32_t max_entries);
/* pop3_sizes_clear - forget everything (tests, shutdown) */
void pop3_sizes_clear(void);

#endif
