/* store-objectid.c - OBJECTID (RFC 8474): MAILBOXID, EMAILID, THREADID.
 *
 * Each id is a letter and 16 hex digits of a SipHash-2-4 keyed with a
 * random per-store secret (meta objectid_k0/k1, made on first open), so
 * ids are stable across restarts, unguessable and say nothing about
 * counters or content:
 * - MAILBOXID "F": (mailbox row id, UIDVALIDITY). RENAME keeps both;
 *   a mailbox created again (also over a \Noselect placeholder) gets a
 *   new UIDVALIDITY and so a new id; renaming INBOX moves its messages
 *   into a new mailbox, which gets a new id (RFC 8474 4).
 * - EMAILID "M": (blob id, per-recipient prefix bytes): the immutable
 *   content. COPY and MOVE keep both, so the copy has the source's
 *   EMAILID (RFC 8474 5.1); every delivery or APPEND is a new blob.
 * - THREADID "T": the thread's root Message-ID, taken from the message
 *   itself: the first id of References, else of In-Reply-To, else its
 *   own Message-ID; a message without any has its EMAILID's value.
 *   Computed from immutable headers, so it never changes (5.2); it
 *   groups the replies of a conversation whose clients keep the first
 *   reference (RFC 5322 3.6.4), not THREAD=REFERENCES' subject merging. */
#include "store/store-private.h"

#include <sodium.h>

#include "lib/log.h"
#include "mime/mime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* read the secret, making it on the first open of a store */
int
store_objectid_init(struct store *s)
{
	static const char get[] =
		"SELECT key, value FROM meta WHERE key IN"
		" ('objectid_k0', 'objectid_k1')";
	static const char put[] =
		"INSERT OR IGNORE INTO meta(key, value) VALUES(?, ?)";
	int64_t k[2] = { 0, 0 };
	int found = 0;
	sqlite3_stmt *st;
	int rc;

	if ((st = db_prep(s->wdb, get)) == NULL)
		return STORE_EIO;
	while ((rc = db_step_row(s->wdb, st, "objectid key")) > 0) {
		const char *key = (const char *)sqlite3_column_text(st, 0);

		k[strcmp(key, "objectid_k1") == 0] =
			sqlite3_column_int64(st, 1);
		found++;
	}
	sqlite3_reset(st);
	if (rc < 0)
		return rc;
	if (found < 2) {
		randombytes_buf(k, sizeof(k));
		for (int i = 0; i < 2; i++) {
			if ((st = db_prep(s->wdb, put)) == NULL)
				return STORE_EIO;
			sqlite3_bind_text(st, 1, i ? "objectid_k1" :
					  "objectid_k0", -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 2, k[i]);
			if ((rc = db_step_done(s->wdb, st, "objectid key")) < 0)
				return rc;
		}
	}
	memcpy(s->oid_key, k, sizeof(s->oid_key));
	return 0;
}

uint64_t
store_objectid_hash(const struct store *s, const void *p, size_t len)
{
	unsigned char h[crypto_shorthash_BYTES];
	uint64_t v;

	crypto_shorthash(h, p, len, s->oid_key);
	memcpy(&v, h, sizeof(v));
	return v;
}

static void
objectid_fmt(char out[STORE_OBJECTID_MAX], char letter, uint64_t v)
{
	snprintf(out, STORE_OBJECTID_MAX, "%c%016llx", letter,
		 (unsigned long long)v);
}

void
store_mailbox_objectid(const struct store *s, int64_t mailbox_id,
		       uint32_t uidvalidity, char out[STORE_OBJECTID_MAX])
{
	unsigned char in[13];

	in[0] = 'F';
	memcpy(in + 1, &mailbox_id, 8);
	memcpy(in + 9, &uidvalidity, 4);
	objectid_fmt(out, 'F', store_objectid_hash(s, in, sizeof(in)));
}

void
store_msg_emailid(const struct store_msg *m, char out[STORE_OBJECTID_MAX])
{
	objectid_fmt(out, 'M', m->emailid);
}

/* the first message id of a header value into *id_r (malloc'd) */
static bool
objectid_first_msgid(const char *value, char **id_r)
{
	struct mime_msgids l = { NULL, 0 };

	if (value == NULL)
		return false;
	mime_msgid_parse((const unsigned char *)value, strlen(value), &l);
	if (l.n > 0) {
		*id_r = l.v[0];
		l.v[0] = NULL;
	}
	mime_msgid_free(&l);
	return *id_r != NULL;
}

void
store_msg_threadid(const struct store *s, const struct store_msg *m,
		   char out[STORE_OBJECTID_MAX])
{
	const struct store_parse *p = &m->parse;
	char *root = NULL;
	uint64_t v;

	if (objectid_first_msgid(p->references, &root) ||
	    objectid_first_msgid(p->in_reply_to, &root) ||
	    objectid_first_msgid(p->message_id, &root)) {
		size_t n = strlen(root);
		char *in = xmalloc(n + 1);

		in[0] = 'T';
		memcpy(in + 1, root, n);
		v = store_objectid_hash(s, in, n + 1);
		free(in);
		free(root);
	} else {
		v = m->emailid;
	}
	objectid_fmt(out, 'T', v);
}
