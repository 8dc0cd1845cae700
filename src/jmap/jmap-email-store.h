/* jmap-email-store.h - what the Email methods read of the store: the
 * account's mailboxes with their ids, the message rows grouped by
 * EMAILID, one Email's rows and its message bytes, the state */
#ifndef TERN_JMAP_EMAIL_STORE_H
#define TERN_JMAP_EMAIL_STORE_H

#include "jmap/jmap.h"
#include "jmap/jmap-mailbox.h"
#include "lib/buf.h"
#include "store/store.h"

/* what jmap_erows_load keeps of a row besides the fixed fields */
enum {
	JMAP_ER_KEYWORDS = 1 << 0,	/* keywords */
	JMAP_ER_TEXT = 1 << 1,		/* the SEARCH/SORT fields */
	JMAP_ER_THREADS = 1 << 2,	/* qset_load: group by thread */
};
struct jmap_etext {
	char *keywords;			/* "" if none */
	/* decoded SEARCH fields (store_parse), "" when absent */
	char *subject, *from, *to, *cc, *bcc, *headers;
	char *sort_subject, *display_from, *display_to;
	int64_t sent_date;
};

/* message rows, sorted by (emailid, mailbox id): an Email's rows are
 * adjacent, its first row the one of the lowest mailbox id */
struct jmap_erow {
	uint64_t emailid;
	uint64_t threadid;
	int64_t mailbox_id;
	uint32_t uid;
	uint32_t flags;
	int64_t internaldate;
	uint64_t size;
	uint64_t modseq;
	int64_t blob_id;
	struct jmap_etext *t;		/* NULL unless loaded */
};
struct jmap_erows {
	struct jmap_erow *v;
	size_t n;
};
/* the rows of mailbox_id (0: of every mailbox); what: JMAP_ER_* */
int jmap_erows_load(struct jmap_ctx *c, int64_t mailbox_id, unsigned what,
		    struct jmap_erows *out);
void jmap_erows_free(struct jmap_erows *r);
/* sort by (emailid, mailbox id) */
void jmap_erows_sort(struct jmap_erows *r);

/* One Email: every row of the EMAILID (ascending mailbox id) and the
 * message of the first one, with fields (STORE_MSG_*) loaded */
struct jmap_email {
	char id[STORE_OBJECTID_MAX];
	struct jmap_erows rows;
	struct store_msg msg;
};
/* 0, STORE_ENOTFOUND, or another store error */
int jmap_email_load(struct jmap_ctx *c, const char *id, unsigned fields,
		    struct jmap_email *out);
void jmap_email_clear(struct jmap_email *e);
/* the message as served, its first max bytes (SIZE_MAX: all) */
int jmap_email_read(struct jmap_ctx *c, const struct jmap_email *e,
		    size_t max, struct buf *out);

/* RFC 8621 keywords of a row: IMAP flags and keywords (lowercased) */
json_t *jmap_keywords(uint32_t flags, const char *keywords);

#endif
