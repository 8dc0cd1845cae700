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

/* THREADID's value from the blob's Message-ID fields (store_parse's
 * references, in_reply_to, message_id) and the EMAILID's value */
uint64_t
store_threadid_value(const struct store *s, const char *references,
		     const char *in_reply_to, const char *message_id,
		     uint64_t emailid)
{
	char *root = NULL;
	uint64_t v;

	if (objectid_first_msgid(references, &root) ||
	    objectid_first_msgid(in_reply_to, &root) ||
	    objectid_first_msgid(message_id, &root)) {
		size_t n = strlen(root);
		char *in = xmalloc(n + 1);

		in[0] = 'T';
		memcpy(in + 1, root, n);
		v = store_objectid_hash(s, in, n + 1);
		free(in);
		free(root);
	} else {
		v = emailid;
	}
	return v;
}

void
store_msg_threadid(const struct store *s, const struct store_msg *m,
		   char out[STORE_OBJECTID_MAX])
{
	const struct store_parse *p = &m->parse;

	objectid_fmt(out, 'T', store_threadid_value(s, p->references,
						    p->in_reply_to,
						    p->message_id,
						    m->emailid));
}

/* EMAILID's value: the blob and the prefix bytes */
uint64_t
store_emailid_value(const struct store *s, int64_t blob_id,
		    const void *prefix, size_t plen)
{
	unsigned char stackv[256], *in = stackv;
	uint64_t v;

	if (plen + 8 > sizeof(stackv))
		in = xmalloc(plen + 8);
	memcpy(in, &blob_id, 8);
	if (plen)
		memcpy(in + 8, prefix, plen);
	v = store_objectid_hash(s, in, plen + 8);
	if (in != stackv)
		free(in);
	return v;
}

void
store_objectid_fmt(char out[STORE_OBJECTID_MAX], char letter, uint64_t v)
{
	objectid_fmt(out, letter, v);
}

int
store_objectid_parse(const char *id, char letter, uint64_t *v_r)
{
	uint64_t v = 0;

	if (id == NULL || id[0] != letter || strlen(id) != 17)
		return STORE_ENOTFOUND;
	for (size_t i = 1; i < 17; i++) {
		char c = id[i];
		int d = c >= '0' && c <= '9' ? c - '0' :
			c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;

		if (d < 0)
			return STORE_ENOTFOUND;
		v = v << 4 | (uint64_t)d;
	}
	*v_r = v;
	return 0;
}

/* SQL tern_emailid(blob_id, prefix): the value stored in
 * messages.emailid (the schema upgrade fills old rows with it) */
static void
sql_emailid(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const struct store *s = sqlite3_user_data(ctx);

	(void)argc;
	sqlite3_result_int64(ctx, (int64_t)store_emailid_value(s,
		sqlite3_value_int64(argv[0]), sqlite3_value_blob(argv[1]),
		(size_t)sqlite3_value_bytes(argv[1])));
}

/* SQL tern_threadid(refs, in_reply_to, message_id, emailid) */
static void
sql_threadid(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const struct store *s = sqlite3_user_data(ctx);

	(void)argc;
	sqlite3_result_int64(ctx, (int64_t)store_threadid_value(s,
		(const char *)sqlite3_value_text(argv[0]),
		(const char *)sqlite3_value_text(argv[1]),
		(const char *)sqlite3_value_text(argv[2]),
		(uint64_t)sqlite3_value_int64(argv[3])));
}

int
store_objectid_register(struct store *s, struct db *db)
{
	const int fl = SQLITE_UTF8 | SQLITE_DETERMINISTIC;

	if (sqlite3_create_function(db->h, "tern_emailid", 2, fl, s,
				    sql_emailid, NULL, NULL) != SQLITE_OK ||
	    sqlite3_create_function(db->h, "tern_threadid", 4, fl, s,
				    sql_threadid, NULL, NULL) != SQLITE_OK)
		return db_fail(db, "objectid functions");
	return 0;
}
