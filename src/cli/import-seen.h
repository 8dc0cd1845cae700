/* import-seen.h - a set of strings for `tern import`'s duplicate check:
 * "mailbox id + message identity" of what each target mailbox holds and
 * of what this run imported */
#ifndef TERN_IMPORT_SEEN_H
#define TERN_IMPORT_SEEN_H

#include <stdbool.h>

struct import_seen;

struct import_seen *import_seen_new(void);
/* add key (taken); false if it was already there (key freed) */
bool import_seen_add(struct import_seen *set, char *key);
void import_seen_free(struct import_seen **set);

#endif
