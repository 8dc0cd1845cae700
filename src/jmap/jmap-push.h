/* jmap-push.h - what push sends (RFC 8620 7.1 StateChange), for the
 * EventSource and WebSocket transports of src/http. Every type's state
 * is the account's modseq (jmap.h), so one number says whether
 * anything changed; the types a client asked for pick what is named. */
#ifndef TERN_JMAP_PUSH_H
#define TERN_JMAP_PUSH_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

/* the data types push reports: bit i is jmap_push_type_names[i] */
extern const char *const jmap_push_type_names[];
#define JMAP_PUSH_ALL 0xfu

/* "*" (or NULL: all) or a comma-separated list of type names -> the
 * mask (names tern does not push are ignored) */
unsigned jmap_push_types_parse(const char *types);
/* a JSON array of type names (null: all) -> the mask; false when it is
 * neither */
bool jmap_push_types_json(json_t *types, unsigned *mask_r);

/* {"@type":"StateChange","changed":{"A1":{"Mailbox":"42",...}}} with
 * the types of mask (a new reference) */
json_t *jmap_push_state_change(int64_t account_id, uint64_t modseq,
			       unsigned mask);

#endif
