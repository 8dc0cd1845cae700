/* pop3-maildrop.h - the maildrop of one POP3 session: a snapshot of
 * INBOX taken at login (RFC 1939 section 4: message numbers 1..n stay
 * fixed for the session), deletion marks, and what QUIT expunges.
 *
 * Pure data: loading from the store is pop3-load.c. Mail delivered
 * during the session is not in the snapshot (it waits for the next one);
 * a message expunged meanwhile by IMAP keeps its number here and fails
 * when opened. */
#ifndef TERN_POP3_MAILDROP_H
#define TERN_POP3_MAILDROP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/* UIDL: 8 hex digits of INBOX's UIDVALIDITY, then 8 of the IMAP UID:
 * stable forever (a UID is never reused within one UIDVALIDITY) and the
 * same message gives the same value whatever protocol saw it. */
#define POP3_UIDL_LEN 16

struct pop3_msg {
	uint32_t uid;
	bool deleted;
	uint64_t size;		/* octets as POP3 sends it (pop3-dot.h) */
};

struct pop3_maildrop {
	int64_t mailbox_id;
	uint32_t uidvalidity;
	uint32_t n;		/* messages at login: numbers 1..n */
	struct pop3_msg *msgs;
	uint32_t ndeleted;
	uint64_t total;		/* octets of all n messages */
	uint64_t deleted_size;
};

/* pop3_maildrop_uidl - the unique-id of a message; out gets
 * POP3_UIDL_LEN characters and a NUL */
void pop3_maildrop_uidl(char out[POP3_UIDL_LEN + 1], uint32_t uidvalidity,
		      uint32_t uid);

/* pop3_maildrop_init - n messages (uids ascending) with sizes; arrays
 * are copied */
void pop3_maildrop_init(struct pop3_maildrop *md, int64_t mailbox_id,
			uint32_t uidvalidity, uint32_t n,
			const uint32_t *uids, const uint64_t *sizes);
void pop3_maildrop_free(struct pop3_maildrop *md);

/* pop3_maildrop_get - message msgno (1-based) if it exists and is not
 * marked deleted, else NULL */
const struct pop3_msg *pop3_maildrop_get(const struct pop3_maildrop *md,
					 uint32_t msgno);

enum pop3_dele_result {
	POP3_DELE_OK = 0,
	POP3_DELE_NOSUCH = -1,		/* out of range */
	POP3_DELE_ALREADY = -2,		/* already marked */
};

/* pop3_maildrop_dele - mark msgno deleted */
enum pop3_dele_result pop3_maildrop_dele(struct pop3_maildrop *md,
					 uint32_t msgno);

/* pop3_maildrop_rset - unmark everything */
void pop3_maildrop_rset(struct pop3_maildrop *md);

/* pop3_maildrop_stat - messages and octets not marked deleted */
void pop3_maildrop_stat(const struct pop3_maildrop *md, uint32_t *count_r,
			uint64_t *octets_r);

/* pop3_maildrop_deleted_ranges - the marked uids as ascending ranges
 * (consecutive uids merged) for one store_expunge(); *ranges_r is
 * malloc'd (NULL when nothing is marked). Returns the number of ranges. */
size_t pop3_maildrop_deleted_ranges(const struct pop3_maildrop *md,
				    struct store_uid_range **ranges_r);

#endif
