/* pop3-load.c - the maildrop snapshot from the store, at login, on a
 * worker thread.
 *
 * The octets POP3 announces for a message are counted by the same
 * machine that sends it (pop3-dot.c), so a stored message with bare LF
 * line ends is announced and sent with the same count. The store counts
 * the same octets at delivery (store_msgref.crlf_size, checked against
 * pop3-dot.c by the store's tests), so a login reads no message; rows
 * from stores older than that count are read once and remembered
 * (pop3-sizes.h). */
#include "pop3/pop3-private.h"

#include <stdlib.h>

#include "pop3/pop3-sizes.h"
#include "store/store.h"

#define POP3_LOAD_CHUNK (64 * 1024)

/* pop3_load_msg_exists - after store_msg_open() said ENOTFOUND: true if
 * the message row is there (its body is what is missing: a store error,
 * not an expunge) */
bool
pop3_load_msg_exists(struct store *store, int64_t account_id,
		     int64_t mailbox_id, uint32_t uid)
{
	struct store_msg m = { 0 };
	int rc = store_msg_get(store, account_id, mailbox_id, uid, 0, &m);

	store_msg_clear(&m);
	return rc == 0;
}

/* pop3_load_size - a message's POP3 size; <0 on error */
static int
pop3_load_size(struct store *store, int64_t account_id, int64_t mailbox_id,
	       uint32_t uid, unsigned char *chunk, uint64_t *size_r)
{
	struct store_reader *r = NULL;
	struct pop3_dot d;
	uint64_t off = 0;
	ssize_t n;
	int rc;

	if (pop3_sizes_get(mailbox_id, uid, size_r))
		return 0;
	rc = store_msg_open(store, account_id, mailbox_id, uid, &r);
	if (rc == STORE_ENOTFOUND &&
	    pop3_load_msg_exists(store, account_id, mailbox_id, uid))
		rc = STORE_EIO;
	if (rc != 0)
		return rc;
	pop3_dot_init(&d, NULL);
	while ((n = store_reader_pread(r, chunk, POP3_LOAD_CHUNK, off)) > 0) {
		pop3_dot_feed(&d, chunk, (size_t)n, NULL);
		off += (uint64_t)n;
	}
	store_reader_close(&r);
	if (n < 0)
		return STORE_EIO;
	pop3_dot_finish(&d, NULL);
	*size_r = pop3_dot_octets(&d);
	pop3_sizes_put(mailbox_id, uid, *size_r);
	return 0;
}

/* pop3_load_maildrop - snapshot INBOX: numbers, uids, POP3 sizes */
int
pop3_load_maildrop(struct store *store, int64_t account_id,
		   struct pop3_maildrop *md)
{
	struct store_mailbox mb = { 0 };
	struct store_view v = { 0 };
	unsigned char *chunk = NULL;
	uint32_t *uids = NULL;
	uint64_t *sizes = NULL;
	uint32_t n = 0;
	size_t i;
	int rc;

	rc = store_mailbox_get(store, account_id, "INBOX", &mb);
	if (rc != 0)
		goto out;
	rc = store_mailbox_open(store, account_id, mb.id, &v);
	if (rc != 0)
		goto out;
	if (v.n > UINT32_MAX) {
		rc = STORE_EINVAL;
		goto out;
	}
	chunk = xmalloc(POP3_LOAD_CHUNK);
	uids = xcalloc(v.n ? v.n : 1, sizeof(*uids));
	sizes = xcalloc(v.n ? v.n : 1, sizeof(*sizes));
	for (i = 0; i < v.n; i++) {
		/* the store counted CRLF octets at delivery; 0 means a row
		 * from before it did (or an empty message): count by reading */
		if (v.msgs[i].crlf_size != 0) {
			sizes[n] = v.msgs[i].crlf_size;
			uids[n++] = v.msgs[i].uid;
			continue;
		}
		rc = pop3_load_size(store, account_id, mb.id, v.msgs[i].uid,
				    chunk, &sizes[n]);
		if (rc == STORE_ENOTFOUND)
			continue;	/* expunged meanwhile: not in it */
		if (rc != 0)
			goto out;
		uids[n++] = v.msgs[i].uid;
	}
	rc = 0;
	pop3_maildrop_init(md, mb.id, v.mailbox.uidvalidity, n, uids, sizes);
out:
	free(chunk);
	free(uids);
	free(sizes);
	store_view_free(&v);
	store_mailbox_clear(&mb);
	return rc;
}
