/* pop3-maildrop.c - the session's INBOX snapshot and its deletion marks
 * (contract in pop3-maildrop.h) */
#include "pop3/pop3-maildrop.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"

/* pop3_maildrop_uidl - "%08x%08x" of uidvalidity and uid */
void
pop3_maildrop_uidl(char out[POP3_UIDL_LEN + 1], uint32_t uidvalidity,
		 uint32_t uid)
{
	static const char hex[] = "0123456789abcdef";
	int i;

	for (i = 0; i < 8; i++) {
		out[i] = hex[(uidvalidity >> (28 - 4 * i)) & 0xf];
		out[8 + i] = hex[(uid >> (28 - 4 * i)) & 0xf];
	}
	out[POP3_UIDL_LEN] = '\0';
}

/* pop3_maildrop_init - build the snapshot from uids and sizes */
void
pop3_maildrop_init(struct pop3_maildrop *md, int64_t mailbox_id,
		   uint32_t uidvalidity, uint32_t n, const uint32_t *uids,
		   const uint64_t *sizes)
{
	uint32_t i;

	memset(md, 0, sizeof(*md));
	md->mailbox_id = mailbox_id;
	md->uidvalidity = uidvalidity;
	md->n = n;
	md->msgs = n ? xcalloc(n, sizeof(*md->msgs)) : NULL;
	for (i = 0; i < n; i++) {
		md->msgs[i].uid = uids[i];
		md->msgs[i].size = sizes[i];
		md->total += sizes[i];
	}
}

void
pop3_maildrop_free(struct pop3_maildrop *md)
{
	free(md->msgs);
	memset(md, 0, sizeof(*md));
}

/* pop3_maildrop_get - a live message by number */
const struct pop3_msg *
pop3_maildrop_get(const struct pop3_maildrop *md, uint32_t msgno)
{
	if (msgno == 0 || msgno > md->n || md->msgs[msgno - 1].deleted)
		return NULL;
	return &md->msgs[msgno - 1];
}

/* pop3_maildrop_dele - mark one message */
enum pop3_dele_result
pop3_maildrop_dele(struct pop3_maildrop *md, uint32_t msgno)
{
	struct pop3_msg *m;

	if (msgno == 0 || msgno > md->n)
		return POP3_DELE_NOSUCH;
	m = &md->msgs[msgno - 1];
	if (m->deleted)
		return POP3_DELE_ALREADY;
	m->deleted = true;
	md->ndeleted++;
	md->deleted_size += m->size;
	return POP3_DELE_OK;
}

/* pop3_maildrop_rset - unmark all */
void
pop3_maildrop_rset(struct pop3_maildrop *md)
{
	uint32_t i;

	for (i = 0; i < md->n; i++)
		md->msgs[i].deleted = false;
	md->ndeleted = 0;
	md->deleted_size = 0;
}

/* pop3_maildrop_stat - what STAT reports */
void
pop3_maildrop_stat(const struct pop3_maildrop *md, uint32_t *count_r,
		   uint64_t *octets_r)
{
	*count_r = md->n - md->ndeleted;
	*octets_r = md->total - md->deleted_size;
}

/* pop3_maildrop_deleted_ranges - marked uids, merged into ranges */
size_t
pop3_maildrop_deleted_ranges(const struct pop3_maildrop *md,
			     struct store_uid_range **ranges_r)
{
	struct store_uid_range *r;
	size_t n = 0;
	uint32_t i;

	*ranges_r = NULL;
	if (md->ndeleted == 0)
		return 0;
	r = xcalloc(md->ndeleted, sizeof(*r));
	for (i = 0; i < md->n; i++) {
		uint32_t uid = md->msgs[i].uid;

		if (!md->msgs[i].deleted)
			continue;
		if (n > 0 && r[n - 1].hi != UINT32_MAX &&
		    r[n - 1].hi + 1 == uid)
			r[n - 1].hi = uid;
		else
			r[n++] = (struct store_uid_range){ uid, uid };
	}
	*ranges_r = r;
	return n;
}
