/* test-store-msg.c - deliver, append, flags, copy/move, expunge, uids,
 * modseq, mailbox rules, queue */
#include "store-test-util.h"

#include "mime/mime.h"
#include "pop3/pop3-dot.h"

#include <sqlite3.h>

static const char MSG1[] =
	"From: Alice <alice@remote.net>\r\n"
	"To: team@example.org\r\n"
	"Subject: hello\r\n"
	"\r\n"
	"body line 1\r\n"
	"body line 2\r\n";

TEST(store_deliver_shares_one_blob)
{
	int64_t ids[3], qid = -1;
	struct store *s = st_setup("d", ids);
	struct store_blob *b = st_blob(s, MSG1);
	struct store_envelope env = { "alice@remote.net", "ENV1",
				      STORE_RET_HDRS };
	struct store_rcpt r[4];
	const char *pfx[3] = { "Delivered-To: a@example.org\r\n",
			       "Delivered-To: b@example.org\r\n", "" };
	struct store_account acc;
	char *text;

	memset(r, 0, sizeof(r));
	for (int i = 0; i < 3; i++) {
		r[i].kind = STORE_RCPT_LOCAL;
		r[i].account_id = ids[i];
		r[i].prefix = pfx[i];
		r[i].prefix_len = strlen(pfx[i]);
	}
	r[2].mailbox = "junk";	/* does not exist in that case: INBOX */
	r[3].kind = STORE_RCPT_REMOTE;
	r[3].address = "ext@remote.net";
	r[3].orcpt = "rfc822;ext@remote.net";
	r[3].notify = STORE_NOTIFY_FAILURE | STORE_NOTIFY_DELAY;
	CHECK_INT(store_deliver(s, &b, &env, r, 4, &qid, NULL, NULL), 0);
	CHECK(b == NULL);
	CHECK(qid > 0);
	for (int i = 0; i < 4; i++)
		CHECK_INT(r[i].status, 0);
	CHECK_INT(r[0].uid, 1);
	CHECK_INT(r[1].uid, 1);
	CHECK(r[3].queue_rcpt_id > 0);
	CHECK_INT(r[2].mailbox_id, st_mbox(s, ids[2], "INBOX"));
	/* one blob file for all four */
	CHECK_INT(st_count_files("d", "blobs"), 1);
	CHECK_INT(st_count_files("d", "tmp"), 0);

	text = st_read(s, ids[0], r[0].mailbox_id, 1);
	CHECK(text != NULL && strncmp(text, pfx[0], strlen(pfx[0])) == 0);
	CHECK(text != NULL && strcmp(text + strlen(pfx[0]), MSG1) == 0);
	free(text);
	text = st_read(s, ids[2], r[2].mailbox_id, 1);
	CHECK_STR(text, MSG1);
	free(text);

	/* sizes include the prefix */
	{
		struct store_msg m;
		CHECK_INT(store_msg_get(s, ids[1], r[1].mailbox_id, 1,
					STORE_MSG_KEYWORDS | STORE_MSG_PARSE,
					&m), 0);
		CHECK_INT(m.size, strlen(pfx[1]) + strlen(MSG1));
		CHECK_INT(m.prefix_len, strlen(pfx[1]));
		CHECK_STR(m.keywords, "");
		CHECK_INT(m.parse.header_len,
			  strstr(MSG1, "\r\n\r\n") + 4 - MSG1);
		store_msg_clear(&m);
	}
	CHECK_INT(store_account_get(s, NULL, ids[0], &acc), 0);
	CHECK_INT(acc.used_messages, 1);
	CHECK_INT(acc.used_bytes, strlen(pfx[0]) + strlen(MSG1));
	store_account_clear(&acc);

	/* another account can't read it */
	{
		struct store_reader *rd = NULL;
		CHECK_INT(store_msg_open(s, ids[1], r[0].mailbox_id, 1, &rd),
			  STORE_ENOTFOUND);
	}

	/* the queue */
	{
		struct store_qlist q;
		struct store_reader *rd = NULL;
		int64_t t = 0;
		CHECK_INT(store_queue_due(s, INT64_MAX / 2, 10, &q), 0);
		CHECK_INT(q.n, 1);
		if (q.n == 1) {
			CHECK_INT(q.v[0].id, qid);
			CHECK_STR(q.v[0].sender, "alice@remote.net");
			CHECK_STR(q.v[0].envid, "ENV1");
			CHECK_INT(q.v[0].ret, STORE_RET_HDRS);
			CHECK_INT(q.v[0].size, strlen(MSG1));
			CHECK_INT(q.v[0].n, 1);
			CHECK_STR(q.v[0].rcpts[0].address, "ext@remote.net");
			CHECK_STR(q.v[0].rcpts[0].orcpt,
				  "rfc822;ext@remote.net");
			CHECK_INT(q.v[0].rcpts[0].notify,
				  STORE_NOTIFY_FAILURE | STORE_NOTIFY_DELAY);
		}
		store_qlist_free(&q);
		CHECK_INT(store_queue_due(s, 0, 10, &q), 0);
		CHECK_INT(q.n, 0);
		store_qlist_free(&q);
		CHECK_INT(store_queue_next_time(s, &t), 0);
		CHECK(t > 0);
		CHECK_INT(store_queue_open(s, qid, &rd), 0);
		CHECK_INT(store_reader_size(rd), strlen(MSG1));
		store_reader_close(&rd);

		/* deferred, then delivered: message leaves the queue */
		struct store_qupdate u = { r[3].queue_rcpt_id,
					   STORE_Q_PENDING, t + 600,
					   "451 try later" };
		CHECK_INT(store_queue_update(s, &u, 1, NULL, NULL), 0);
		struct store_qmsg m;
		CHECK_INT(store_queue_get(s, qid, &m), 0);
		CHECK_INT(m.n, 1);
		if (m.n == 1) {
			CHECK_INT(m.rcpts[0].attempts, 1);
			CHECK_INT(m.rcpts[0].next_attempt, t + 600);
			CHECK_STR(m.rcpts[0].last_error, "451 try later");
		}
		store_qmsg_clear(&m);
		u.state = STORE_Q_DELIVERED;
		u.error = NULL;
		CHECK_INT(store_queue_update(s, &u, 1, NULL, NULL), 0);
		CHECK_INT(store_queue_get(s, qid, &m), STORE_ENOTFOUND);
		CHECK_INT(store_queue_next_time(s, &t), STORE_ENOTFOUND);
	}
	/* the blob stays while mailboxes refer to it */
	CHECK_INT(st_count_files("d", "blobs"), 1);
	for (int i = 0; i < 3; i++)
		CHECK_INT(store_expunge(s, ids[i], r[i].mailbox_id, NULL, 0,
					false, NULL, NULL, NULL), 0);
	CHECK_INT(st_count_files_settled("d", "blobs", 0), 0);
	CHECK_INT(store_account_get(s, NULL, ids[0], &acc), 0);
	CHECK_INT(acc.used_messages, 0);
	CHECK_INT(acc.used_bytes, 0);
	store_account_clear(&acc);
	store_close(&s);
}

TEST(store_deliver_into_named_mailbox_and_flags)
{
	int64_t ids[3];
	struct store *s = st_setup("d", ids);
	struct store_blob *b = st_blob(s, MSG1);
	struct store_rcpt r;
	struct store_msg m;

	memset(&r, 0, sizeof(r));
	r.kind = STORE_RCPT_LOCAL;
	r.account_id = ids[0];
	r.mailbox = "Junk";
	r.flags = STORE_F_SEEN;
	r.keywords = "$Junk";
	CHECK_INT(store_deliver(s, &b, NULL, &r, 1, NULL, NULL, NULL), 0);
	CHECK_INT(r.status, 0);
	CHECK_INT(r.mailbox_id, st_mbox(s, ids[0], "Junk"));
	CHECK_INT(store_msg_get(s, ids[0], r.mailbox_id, r.uid,
				STORE_MSG_KEYWORDS, &m), 0);
	CHECK_INT(m.flags, STORE_F_SEEN);
	CHECK_STR(m.keywords, "$Junk");
	store_msg_clear(&m);
	store_close(&s);
}

TEST(store_quota_enforced)
{
	int64_t ids[3];
	struct store *s = st_setup("d", ids);
	struct store_rcpt r[2];
	struct store_blob *b;
	uint32_t uid = 0;
	int64_t inbox = st_mbox(s, ids[0], "INBOX");

	CHECK_INT(store_account_set_quota(s, "a@example.org", 0, 1, NULL,
					  NULL), 0);
	CHECK_INT(store_quota_check(s, ids[0], 10), 0);
	b = st_blob(s, MSG1);
	CHECK_INT(store_append(s, ids[0], inbox, &b, 0, NULL, 0, 0, &uid,
			       NULL, NULL), 0);
	CHECK_INT(uid, 1);
	CHECK_INT(store_quota_check(s, ids[0], 10), STORE_EQUOTA);
	b = st_blob(s, MSG1);
	CHECK_INT(store_append(s, ids[0], inbox, &b, 0, NULL, 0, 0, &uid,
			       NULL, NULL), STORE_EQUOTA);
	CHECK(b == NULL);
	CHECK_INT(st_count_files("d", "tmp"), 0);
	CHECK_INT(st_count_files("d", "blobs"), 1);

	/* one rcpt over quota, one fine: committed, per-rcpt status */
	memset(r, 0, sizeof(r));
	r[0].kind = r[1].kind = STORE_RCPT_LOCAL;
	r[0].account_id = ids[0];
	r[1].account_id = ids[1];
	b = st_blob(s, MSG1);
	CHECK_INT(store_deliver(s, &b, NULL, r, 2, NULL, NULL, NULL), 0);
	CHECK_INT(r[0].status, STORE_EQUOTA);
	CHECK_INT(r[1].status, 0);
	CHECK_INT(st_count_files("d", "blobs"), 2);
	/* everybody over quota: the blob is dropped */
	r[1].account_id = ids[0];
	b = st_blob(s, MSG1);
	CHECK_INT(store_deliver(s, &b, NULL, r, 2, NULL, NULL, NULL), 0);
	CHECK_INT(r[0].status, STORE_EQUOTA);
	CHECK_INT(r[1].status, STORE_EQUOTA);
	CHECK_INT(st_count_files_settled("d", "blobs", 2), 2);
	/* bytes quota */
	CHECK_INT(store_account_set_quota(s, "b@example.org", 100, 0, NULL,
					  NULL), 0);
	CHECK_INT(store_quota_check(s, ids[1], 1000), STORE_EQUOTA);
	store_close(&s);
	CHECK_INT(st_count_files("d", "blobs"), 2);
}

static uint32_t
append_n(struct store *s, int64_t acc, int64_t mbox, int n)
{
	uint32_t uid = 0;

	for (int i = 0; i < n; i++) {
		char text[128];
		struct store_blob *b;
		snprintf(text, sizeof(text), "Subject: m%d\r\n\r\nbody %d\r\n",
			 i, i);
		b = st_blob(s, text);
		CHECK_INT(store_append(s, acc, mbox, &b, 0, NULL, 1700000000,
				       60, &uid, NULL, NULL), 0);
	}
	return uid;
}

TEST(store_uids_never_reused)
{
	int64_t ids[3];
	struct store *s = st_setup("d", ids);
	int64_t inbox = st_mbox(s, ids[0], "INBOX");
	struct store_uid_range top = { 3, 3 };
	struct store_uidlist ex;
	struct store_mailbox mb;
	uint32_t uid;

	CHECK_INT(append_n(s, ids[0], inbox, 3), 3);
	CHECK_INT(store_expunge(s, ids[0], inbox, &top, 1, false, &ex, NULL,
				NULL), 0);
	CHECK_INT(ex.n, 1);
	store_uidlist_free(&ex);
	store_close(&s);
	s = st_open("d", true);
	uid = append_n(s, ids[0], inbox, 1);
	CHECK_INT(uid, 4);
	CHECK_INT(store_mailbox_status(s, ids[0], inbox, &mb), 0);
	CHECK_INT(mb.uidnext, 5);
	CHECK_INT(mb.messages, 3);
	store_mailbox_clear(&mb);
	/* internaldate kept */
	{
		struct store_msg m;
		CHECK_INT(store_msg_get(s, ids[0], inbox, 4, 0, &m), 0);
		CHECK_INT(m.internaldate, 1700000000);
		CHECK_INT(m.internaldate_tz, 60);
		CHECK(m.savedate > 1700000000);
		store_msg_clear(&m);
	}
	store_close(&s);
}

TEST(store_flags_modseq_unchangedsince)
{
	int64_t ids[3];
	struct store *s = st_setup("d", ids);
	int64_t inbox = st_mbox(s, ids[0], "INBOX");
	struct store_uid_range all = { 1, UINT32_MAX }, one = { 2, 2 };
	struct store_flags_result fr;
	struct store_view v;
	struct store_mailbox mb;
	struct store_changes ch;
	uint64_t hm0, m2;
	char *kw;

	append_n(s, ids[0], inbox, 5);
	CHECK_INT(store_mailbox_status(s, ids[0], inbox, &mb), 0);
	CHECK_INT(mb.unseen, 5);
	hm0 = mb.highestmodseq;
	store_mailbox_clear(&mb);

	CHECK_INT(store_flags(s, ids[0], inbox, &one, 1, STORE_FLAGS_ADD,
			      STORE_F_SEEN | STORE_F_FLAGGED, "Work $Label1",
			      STORE_UNCHANGEDSINCE_NONE, &fr, NULL, NULL), 0);
	CHECK_INT(fr.n, 1);
	CHECK_INT(fr.nfailed, 0);
	if (fr.n == 1) {
		CHECK_INT(fr.v[0].uid, 2);
		CHECK_INT(fr.v[0].flags, STORE_F_SEEN | STORE_F_FLAGGED);
		CHECK_STR(fr.v[0].keywords, "Work $Label1");
		CHECK(fr.v[0].modseq > hm0);
		CHECK_INT(fr.highestmodseq, fr.v[0].modseq);
	}
	m2 = fr.highestmodseq;
	store_flags_result_free(&fr);
	/* same again: nothing changes, no modseq bump */
	CHECK_INT(store_flags(s, ids[0], inbox, &one, 1, STORE_FLAGS_ADD,
			      STORE_F_SEEN, "work",
			      STORE_UNCHANGEDSINCE_NONE, &fr, NULL, NULL), 0);
	CHECK_INT(fr.n, 0);
	CHECK_INT(fr.nsame, 1);		/* reported with its current flags */
	if (fr.nsame == 1) {
		CHECK_INT(fr.same[0].uid, 2);
		CHECK_INT(fr.same[0].modseq, m2);
		CHECK_STR(fr.same[0].keywords, "Work $Label1");
	}
	CHECK_INT(fr.highestmodseq, m2);
	store_flags_result_free(&fr);

	CHECK_INT(store_mailbox_keywords(s, ids[0], inbox, &kw), 0);
	CHECK_STR(kw, "Work $Label1");
	free(kw);

	/* UNCHANGEDSINCE: uid 2 was modified after hm0 */
	CHECK_INT(store_flags(s, ids[0], inbox, &all, 1, STORE_FLAGS_ADD,
			      STORE_F_DELETED, NULL, hm0, &fr, NULL, NULL), 0);
	CHECK_INT(fr.n, 4);
	CHECK_INT(fr.nfailed, 1);
	if (fr.nfailed == 1)
		CHECK_INT(fr.failed[0], 2);
	store_flags_result_free(&fr);

	CHECK_INT(store_mailbox_status(s, ids[0], inbox, &mb), 0);
	CHECK_INT(mb.unseen, 4);
	CHECK_INT(mb.deleted, 4);
	store_mailbox_clear(&mb);

	/* changes since m2: the four \Deleted ones */
	CHECK_INT(store_mailbox_changes(s, ids[0], inbox, m2, &ch), 0);
	CHECK_INT(ch.n, 4);
	CHECK_INT(ch.nexpunged, 0);
	store_changes_free(&ch);

	/* remove keywords, set */
	CHECK_INT(store_flags(s, ids[0], inbox, &one, 1, STORE_FLAGS_REMOVE,
			      STORE_F_FLAGGED, "WORK",
			      STORE_UNCHANGEDSINCE_NONE, &fr, NULL, NULL), 0);
	CHECK_INT(fr.n, 1);
	if (fr.n == 1) {
		CHECK_STR(fr.v[0].keywords, "$Label1");
		CHECK_INT(fr.v[0].flags, STORE_F_SEEN);
	}
	store_flags_result_free(&fr);
	CHECK_INT(store_flags(s, ids[0], inbox, &one, 1, STORE_FLAGS_SET,
			      STORE_F_ANSWERED, "",
			      STORE_UNCHANGEDSINCE_NONE, &fr, NULL, NULL), 0);
	if (fr.n == 1) {
		CHECK_STR(fr.v[0].keywords, "");
		CHECK_INT(fr.v[0].flags, STORE_F_ANSWERED);
	}
	store_flags_result_free(&fr);

	/* EXPUNGE (deleted only) and the VANISHED data */
	CHECK_INT(store_mailbox_status(s, ids[0], inbox, &mb), 0);
	hm0 = mb.highestmodseq;
	store_mailbox_clear(&mb);
	{
		struct store_uidlist ex;
		CHECK_INT(store_expunge(s, ids[0], inbox, NULL, 0, true, &ex,
					NULL, NULL), 0);
		CHECK_INT(ex.n, 4);
		store_uidlist_free(&ex);
	}
	CHECK_INT(store_mailbox_changes(s, ids[0], inbox, hm0, &ch), 0);
	CHECK_INT(ch.n, 0);
	CHECK_INT(ch.nexpunged, 4);
	if (ch.nexpunged == 4) {
		CHECK_INT(ch.expunged[0], 1);
		CHECK_INT(ch.expunged[3], 5);
	}
	CHECK_INT(ch.messages, 1);
	store_changes_free(&ch);
	CHECK_INT(store_mailbox_open(s, ids[0], inbox, &v), 0);
	CHECK_INT(v.n, 1);
	if (v.n == 1) {
		CHECK_INT(v.msgs[0].uid, 2);
		CHECK_INT(v.msgs[0].flags, STORE_F_ANSWERED);
	}
	CHECK_INT(v.mailbox.unseen, 1);
	CHECK_INT(v.mailbox.deleted, 0);
	store_view_free(&v);
	store_close(&s);
}

TEST(store_copy_move)
{
	int64_t ids[3];
	struct store *s = st_setup("d", ids);
	int64_t inbox = st_mbox(s, ids[0], "INBOX");
	int64_t arch = st_mbox(s, ids[0], "Archive");
	int64_t other = st_mbox(s, ids[1], "INBOX");
	struct store_uid_range r[2] = { { 4, 5 }, { 1, 2 } };
	struct store_uidmap map;
	struct store_account acc;
	struct store_view v;
	char *text;

	append_n(s, ids[0], inbox, 5);
	CHECK_INT(store_copy(s, ids[0], inbox, r, 2, arch, &map, NULL, NULL),
		  0);
	CHECK_INT(map.n, 4);
	if (map.n == 4) {
		CHECK_INT(map.src[0], 1);
		CHECK_INT(map.dst[0], 1);
		CHECK_INT(map.src[3], 5);
		CHECK_INT(map.dst[3], 4);
	}
	CHECK(map.dst_uidvalidity > 0);
	store_uidmap_free(&map);
	CHECK_INT(st_count_files("d", "blobs"), 5);
	CHECK_INT(store_account_get(s, NULL, ids[0], &acc), 0);
	CHECK_INT(acc.used_messages, 9);
	store_account_clear(&acc);
	text = st_read(s, ids[0], arch, 4);
	CHECK_STR(text, "Subject: m4\r\n\r\nbody 4\r\n");
	free(text);

	/* cross-account copy is refused */
	CHECK_INT(store_copy(s, ids[0], inbox, r, 1, other, &map, NULL, NULL),
		  STORE_ENOTFOUND);

	r[0].lo = 1;
	r[0].hi = 3;
	CHECK_INT(store_move(s, ids[0], inbox, r, 1, arch, &map, NULL, NULL),
		  0);
	CHECK_INT(map.n, 3);
	if (map.n == 3)
		CHECK_INT(map.dst[0], 5);
	store_uidmap_free(&map);
	CHECK_INT(store_mailbox_open(s, ids[0], inbox, &v), 0);
	CHECK_INT(v.n, 2);
	store_view_free(&v);
	CHECK_INT(store_mailbox_open(s, ids[0], arch, &v), 0);
	CHECK_INT(v.n, 7);
	store_view_free(&v);
	CHECK_INT(store_account_get(s, NULL, ids[0], &acc), 0);
	CHECK_INT(acc.used_messages, 9);
	store_account_clear(&acc);
	store_close(&s);
}

TEST(store_mailbox_create_delete_rules)
{
	int64_t ids[3], id = 0;
	struct store *s = st_setup("d", ids);
	struct store_mailbox mb;
	struct store_mailbox_list l;

	CHECK_INT(store_mailbox_create(s, ids[0], "a/b/c", 0, &id, NULL, NULL),
		  0);
	CHECK(id > 0);
	CHECK(st_mbox(s, ids[0], "a") > 0);
	CHECK(st_mbox(s, ids[0], "a/b") > 0);
	CHECK_INT(store_mailbox_create(s, ids[0], "a/b", 0, NULL, NULL, NULL),
		  STORE_EEXIST);
	CHECK_INT(store_mailbox_create(s, ids[0], "inbox", 0, NULL, NULL, NULL),
		  STORE_EEXIST);
	CHECK_INT(store_mailbox_create(s, ids[0], "/x", 0, NULL, NULL, NULL),
		  STORE_EBADNAME);
	CHECK_INT(store_mailbox_create(s, ids[0], "x//y", 0, NULL, NULL, NULL),
		  STORE_EBADNAME);
	CHECK_INT(store_mailbox_create(s, ids[0], "inbox/Sub", 0, NULL, NULL,
				       NULL), 0);
	CHECK(st_mbox(s, ids[0], "INBOX/Sub") > 0);
	CHECK(st_mbox(s, ids[0], "InBoX") == st_mbox(s, ids[0], "INBOX"));

	CHECK_INT(store_mailbox_get(s, ids[0], "a", &mb), 0);
	CHECK(mb.attrs & STORE_MBX_HASCHILDREN);
	CHECK(!(mb.attrs & STORE_MBX_SUBSCRIBED));
	store_mailbox_clear(&mb);
	CHECK_INT(store_mailbox_subscribe(s, ids[0], "a", true, NULL, NULL), 0);
	CHECK_INT(store_mailbox_subscribe(s, ids[0], "zz", true, NULL, NULL),
		  STORE_ENOTFOUND);

	append_n(s, ids[0], st_mbox(s, ids[0], "a/b"), 2);
	/* delete with children: \Noselect, messages gone */
	CHECK_INT(store_mailbox_delete(s, ids[0], "a/b", NULL, NULL), 0);
	CHECK_INT(store_mailbox_get(s, ids[0], "a/b", &mb), 0);
	CHECK(mb.attrs & STORE_MBX_NOSELECT);
	CHECK(mb.attrs & STORE_MBX_HASCHILDREN);
	CHECK_INT(mb.messages, 0);
	{
		struct store_view v;
		CHECK_INT(store_mailbox_open(s, ids[0], mb.id, &v),
			  STORE_ENOSELECT);
	}
	store_mailbox_clear(&mb);
	CHECK_INT(st_count_files_settled("d", "blobs", 0), 0);
	{
		struct store_account a;
		CHECK_INT(store_account_get(s, NULL, ids[0], &a), 0);
		CHECK_INT(a.used_messages, 0);
		CHECK_INT(a.used_bytes, 0);
		store_account_clear(&a);
	}
	CHECK_INT(store_mailbox_delete(s, ids[0], "a/b", NULL, NULL),
		  STORE_EHASCHILDREN);
	CHECK_INT(store_mailbox_delete(s, ids[0], "a/b/c", NULL, NULL), 0);
	CHECK_INT(store_mailbox_delete(s, ids[0], "a/b", NULL, NULL), 0);
	CHECK_INT(store_mailbox_delete(s, ids[0], "a/b", NULL, NULL),
		  STORE_ENOTFOUND);
	CHECK_INT(store_mailbox_delete(s, ids[0], "INBOX", NULL, NULL),
		  STORE_EPERM);
	/* re-create a \Noselect: selectable with a new uidvalidity */
	CHECK_INT(store_mailbox_create(s, ids[0], "p/q", 0, NULL, NULL, NULL),
		  0);
	CHECK_INT(store_mailbox_get(s, ids[0], "p", &mb), 0);
	{
		uint32_t uv = mb.uidvalidity;
		store_mailbox_clear(&mb);
		CHECK_INT(store_mailbox_delete(s, ids[0], "p", NULL, NULL), 0);
		CHECK_INT(store_mailbox_create(s, ids[0], "p", 0, NULL, NULL,
					       NULL), 0);
		CHECK_INT(store_mailbox_get(s, ids[0], "p", &mb), 0);
		CHECK(!(mb.attrs & STORE_MBX_NOSELECT));
		CHECK(mb.uidvalidity != uv);
		store_mailbox_clear(&mb);
	}
	CHECK_INT(store_mailbox_list(s, ids[0], &l), 0);
	CHECK(l.n >= 9);
	CHECK_STR(l.v[0].name, "INBOX");
	CHECK(l.v[0].attrs & STORE_MBX_HASCHILDREN);
	store_mailbox_list_free(&l);
	store_close(&s);
}

TEST(store_mailbox_rename_rules)
{
	int64_t ids[3];
	struct store *s = st_setup("d", ids);
	int64_t inbox = st_mbox(s, ids[0], "INBOX"), x, old;
	struct store_mailbox mb;
	uint32_t uv;

	CHECK_INT(store_mailbox_create(s, ids[0], "x/y/z", 0, &x, NULL, NULL),
		  0);
	old = st_mbox(s, ids[0], "x");
	CHECK_INT(store_mailbox_get(s, ids[0], "x", &mb), 0);
	uv = mb.uidvalidity;
	store_mailbox_clear(&mb);
	append_n(s, ids[0], old, 2);
	CHECK_INT(store_mailbox_rename(s, ids[0], "x", "n/w", NULL, NULL), 0);
	CHECK_INT(st_mbox(s, ids[0], "x"), 0);
	CHECK_INT(st_mbox(s, ids[0], "n/w"), old);
	CHECK_INT(st_mbox(s, ids[0], "n/w/y/z"), x);
	CHECK(st_mbox(s, ids[0], "n") > 0);
	CHECK_INT(store_mailbox_get(s, ids[0], "n/w", &mb), 0);
	CHECK_INT(mb.uidvalidity, uv);
	CHECK_INT(mb.messages, 2);
	store_mailbox_clear(&mb);
	CHECK_INT(store_mailbox_rename(s, ids[0], "n/w", "n/w/q", NULL, NULL),
		  STORE_EPERM);
	CHECK_INT(store_mailbox_rename(s, ids[0], "n/w", "Sent", NULL, NULL),
		  STORE_EEXIST);
	CHECK_INT(store_mailbox_rename(s, ids[0], "nope", "q", NULL, NULL),
		  STORE_ENOTFOUND);
	CHECK_INT(store_mailbox_rename(s, ids[0], "Sent", "inbox", NULL, NULL),
		  STORE_EPERM);

	/* INBOX: messages move, INBOX stays, empty */
	append_n(s, ids[0], inbox, 3);
	CHECK_INT(store_mailbox_create(s, ids[0], "INBOX/kid", 0, NULL, NULL,
				       NULL), 0);
	CHECK_INT(store_mailbox_rename(s, ids[0], "INBOX", "Old", NULL, NULL),
		  0);
	CHECK_INT(st_mbox(s, ids[0], "INBOX"), inbox);
	CHECK(st_mbox(s, ids[0], "INBOX/kid") > 0);
	CHECK_INT(store_mailbox_get(s, ids[0], "INBOX", &mb), 0);
	CHECK_INT(mb.messages, 0);
	CHECK_INT(mb.uidnext, 4);
	store_mailbox_clear(&mb);
	CHECK_INT(store_mailbox_get(s, ids[0], "Old", &mb), 0);
	CHECK_INT(mb.messages, 3);
	store_mailbox_clear(&mb);
	{
		char *t = st_read(s, ids[0], st_mbox(s, ids[0], "Old"), 1);
		CHECK_STR(t, "Subject: m0\r\n\r\nbody 0\r\n");
		free(t);
	}
	store_close(&s);
}

TEST(store_msg_iterator)
{
	int64_t ids[3];
	struct store *s = st_setup("d", ids);
	int64_t inbox = st_mbox(s, ids[0], "INBOX");
	struct store_uid_range r[2] = { { 8, 9 }, { 2, 3 } };
	struct store_msg_iter *it = NULL;
	const struct store_msg *m;
	uint32_t got[8];
	int n = 0, rc;

	append_n(s, ids[0], inbox, 10);
	CHECK_INT(store_msg_iter_init(s, ids[0], inbox, r, 2,
				      STORE_MSG_PARSE | STORE_MSG_KEYWORDS,
				      &it), 0);
	while ((rc = store_msg_iter_next(it, &m)) == 1 && n < 8) {
		got[n++] = m->uid;
		CHECK_INT(m->parse.header_len, 15);
	}
	CHECK_INT(rc, 0);
	CHECK_INT(n, 4);
	if (n == 4) {
		CHECK_INT(got[0], 8);
		CHECK_INT(got[1], 9);
		CHECK_INT(got[2], 2);
		CHECK_INT(got[3], 3);
	}
	store_msg_iter_free(&it);
	CHECK(it == NULL);
	CHECK_INT(store_msg_iter_init(s, ids[1], inbox, r, 2, 0, &it),
		  STORE_ENOTFOUND);
	store_close(&s);
}

TEST(store_reader_survives_expunge)
{
	int64_t ids[3];
	struct store *s = st_setup("d", ids);
	int64_t inbox = st_mbox(s, ids[0], "INBOX");
	struct store_reader *r = NULL;
	char buf[64];
	ssize_t n;

	append_n(s, ids[0], inbox, 1);
	CHECK_INT(store_msg_open(s, ids[0], inbox, 1, &r), 0);
	CHECK_INT(store_expunge(s, ids[0], inbox, NULL, 0, false, NULL, NULL,
				NULL), 0);
	CHECK_INT(st_count_files_settled("d", "blobs", 0), 0);
	n = store_reader_pread(r, buf, sizeof(buf), 0);
	CHECK_INT(n, 23);
	CHECK(store_reader_fd(r) >= 0);
	store_reader_close(&r);
	CHECK_INT(store_msg_open(s, ids[0], inbox, 1, &r), STORE_ENOTFOUND);
	store_close(&s);
}

TEST(store_blob_limits)
{
	struct store_settings set;
	struct store *s = NULL;
	struct store_blob *b = NULL;
	char path[512];

	snprintf(path, sizeof(path), "%s/l", test_tmpdir());
	memset(&set, 0, sizeof(set));
	set.data_dir = path;
	set.max_message_size = 10;
	set.unsafe_no_fsync = true;
	CHECK_INT(store_open(&set, &s, NULL), 0);
	CHECK_INT(store_blob_begin(s, &b), 0);
	CHECK_INT(store_blob_write(b, "12345", 5), 0);
	CHECK_INT(store_blob_write(b, "123456", 6), STORE_ETOOBIG);
	CHECK_INT(store_blob_size(b), 5);
	store_blob_abort(&b);
	CHECK(b == NULL);
	CHECK_INT(st_count_files("l", "tmp"), 0);
	store_close(&s);
}

static const char MULTI[] =
	"From: =?utf-8?q?J=C3=B6rg?= <jorg@remote.net>\r\n"
	"To: a@example.org\r\n"
	"Subject: =?utf-8?q?gr=C3=BC=C3=9Fe?=\r\n"
	"Date: Tue, 3 Nov 2026 10:00:00 +0100\r\n"
	"Message-ID: <m1@remote.net>\r\n"
	"MIME-Version: 1.0\r\n"
	"Content-Type: multipart/mixed; boundary=XX\r\n"
	"\r\n"
	"--XX\r\n"
	"Content-Type: text/plain\r\n"
	"\r\n"
	"part one\r\n"
	"--XX\r\n"
	"Content-Type: text/html\r\n"
	"\r\n"
	"<p>part two</p>\r\n"
	"--XX--\r\n";

TEST(store_parse_once_with_prefix)
{
	int64_t ids[3];
	struct store *s = st_setup("d", ids);
	struct store_blob *b = NULL;
	struct store_rcpt r;
	struct store_msg m;
	const char *pfx = "Return-Path: <jorg@remote.net>\r\n";
	struct store_reader *rd = NULL;

	/* streamed in odd chunks */
	CHECK_INT(store_blob_begin(s, &b), 0);
	for (size_t i = 0; i < sizeof(MULTI) - 1; i += 7) {
		size_t n = sizeof(MULTI) - 1 - i < 7 ? sizeof(MULTI) - 1 - i : 7;
		CHECK_INT(store_blob_write(b, MULTI + i, n), 0);
	}
	memset(&r, 0, sizeof(r));
	r.kind = STORE_RCPT_LOCAL;
	r.account_id = ids[0];
	r.prefix = pfx;
	r.prefix_len = strlen(pfx);
	CHECK_INT(store_deliver(s, &b, NULL, &r, 1, NULL, NULL, NULL), 0);
	CHECK_INT(store_msg_get(s, ids[0], r.mailbox_id, r.uid,
				STORE_MSG_PARSE, &m), 0);
	CHECK(m.parse.envelope != NULL && m.parse.envelope[0] == '(');
	CHECK(m.parse.bodystructure != NULL &&
	      strstr(m.parse.bodystructure, "\"mixed\"") != NULL);
	CHECK(m.parse.body != NULL);
	CHECK_STR(m.parse.subject, "gr\xc3\xbc\xc3\x9f" "e");
	CHECK_STR(m.parse.sort_from, "jorg");
	CHECK_STR(m.parse.message_id, "<m1@remote.net>");
	CHECK(m.parse.cc == NULL);
	CHECK_INT(m.parse.sent_date, 1793696400);
	CHECK_INT(m.parse.sent_tz, 60);
	CHECK_INT(m.parse.header_len, strstr(MULTI, "\r\n\r\n") + 4 - MULTI);
	CHECK(m.parse.partmap != NULL && m.parse.partmap_len > 0);
	if (m.parse.partmap) {
		struct mime_part_loc loc;
		uint32_t sec[1] = { 2 };
		char buf[64];
		ssize_t n;
		CHECK(mime_part_find(m.parse.partmap, m.parse.partmap_len, sec,
				     1, &loc));
		/* blob offsets + prefix_len = offsets in the served message */
		CHECK_INT(store_msg_open(s, ids[0], r.mailbox_id, r.uid, &rd),
			  0);
		n = store_reader_pread(rd, buf, loc.body_end - loc.body_start,
				       loc.body_start + m.prefix_len);
		CHECK_MEM(buf, (size_t)(n < 0 ? 0 : n), "<p>part two</p>");
		store_reader_close(&rd);
	}
	store_msg_clear(&m);
	/* the SEARCH subset */
	CHECK_INT(store_msg_get(s, ids[0], r.mailbox_id, r.uid,
				STORE_MSG_SEARCH, &m), 0);
	CHECK(m.parse.envelope == NULL && m.parse.partmap == NULL);
	CHECK_STR(m.parse.subject, "gr\xc3\xbc\xc3\x9f" "e");
	CHECK_INT(m.parse.sent_date, 1793696400);
	store_msg_clear(&m);
	store_close(&s);
}

static bool
str_eq(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

/* what the iterator gives through the parse cache (misses, hits and
 * evictions: the cache is tiny) equals the blobs rows themselves */
TEST(store_parse_cache_matches_db)
{
	static const unsigned kinds[3] = {
		STORE_MSG_PARSE, STORE_MSG_SEARCH, STORE_MSG_FETCH
	};
	struct store_settings set;
	struct store *s = NULL;
	char path[512];
	int64_t acc, inbox;
	struct store_uid_range all = { 1, UINT32_MAX };

	snprintf(path, sizeof(path), "%s/pc", test_tmpdir());
	memset(&set, 0, sizeof(set));
	set.data_dir = path;
	set.unsafe_no_fsync = true;
	set.blob_inline_max = STORE_INLINE_DEFAULT;
	set.parse_cache_bytes = 48 * 1024;	/* 3 KiB a stripe */
	CHECK_INT(store_open(&set, &s, NULL), 0);
	if (s == NULL)
		return;
	CHECK_INT(store_domain_add(s, "example.org", NULL, NULL), 0);
	CHECK_INT(store_account_add(s, "a@example.org", "$argon2id$x",
				    "scram", &acc, NULL, NULL), 0);
	inbox = st_mbox(s, acc, "INBOX");
	for (int i = 0; i < 60; i++) {
		char text[1024];
		struct store_blob *b;

		snprintf(text, sizeof(text), "From: n%d@example.net\r\n"
			 "Subject: plain %d\r\n\r\nbody\r\n", i, i);
		b = st_blob(s, i % 2 ? MULTI : text);
		CHECK_INT(store_append(s, acc, inbox, &b, 0, NULL, 1700000000,
				       60, NULL, NULL, NULL), 0);
	}
	for (int round = 0; round < 6; round++) {
		unsigned fields = kinds[round % 3];
		struct store_msg_iter *it = NULL;
		const struct store_msg *m;
		int n = 0, rc;

		CHECK_INT(store_msg_iter_init(s, acc, inbox, &all, 1, fields,
					      &it), 0);
		while ((rc = store_msg_iter_next(it, &m)) == 1) {
			struct store_msg want;
			const struct store_parse *p = &m->parse, *w;

			n++;
			CHECK_INT(store_msg_get(s, acc, inbox, m->uid,
						STORE_MSG_PARSE, &want), 0);
			w = &want.parse;
			CHECK_INT(p->header_len, w->header_len);
			CHECK_INT(p->sent_date, w->sent_date);
			if (fields != STORE_MSG_SEARCH) {
				CHECK(str_eq(p->envelope, w->envelope));
				CHECK(str_eq(p->bodystructure,
					     w->bodystructure));
				CHECK(p->partmap_len == w->partmap_len &&
				      (p->partmap_len == 0 ||
				       memcmp(p->partmap, w->partmap,
					      p->partmap_len) == 0));
			}
			if (fields != STORE_MSG_FETCH) {
				CHECK(str_eq(p->subject, w->subject));
				CHECK(str_eq(p->from, w->from));
				CHECK(str_eq(p->headers, w->headers));
			}
			store_msg_clear(&want);
		}
		CHECK_INT(rc, 0);
		CHECK_INT(n, 60);
		store_msg_iter_free(&it);
	}
	store_close(&s);
}

TEST(store_account_remove_frees_everything)
{
	int64_t ids[3];
	struct store *s = st_setup("d", ids);
	int64_t inbox = st_mbox(s, ids[0], "INBOX");
	struct store_resolved r;
	struct store_uid_range all = { 1, UINT32_MAX };

	append_n(s, ids[0], inbox, 3);
	CHECK_INT(store_copy(s, ids[0], inbox, &all, 1,
			     st_mbox(s, ids[0], "Archive"), NULL, NULL, NULL),
		  0);
	append_n(s, ids[1], st_mbox(s, ids[1], "INBOX"), 1);
	CHECK_INT(store_alias_add(s, "team@example.org", "a@example.org",
				  NULL, NULL), 0);
	CHECK_INT(store_alias_add(s, "team@example.org", "b@example.org",
				  NULL, NULL), 0);
	CHECK_INT(st_count_files("d", "blobs"), 4);
	CHECK_INT(store_account_remove(s, "A@example.org", NULL, NULL), 0);
	CHECK_INT(st_count_files_settled("d", "blobs", 1), 1);
	{
		struct store_mailbox mb;
		CHECK_INT(store_mailbox_status(s, ids[0], inbox, &mb),
			  STORE_ENOTFOUND);
	}
	/* the alias target naming it is gone, the other stays */
	CHECK_INT(store_resolve(s, "team@example.org", &r), 0);
	CHECK_INT(r.n, 1);
	if (r.n == 1)
		CHECK_INT(r.v[0].account_id, ids[1]);
	store_resolved_free(&r);
	CHECK_INT(store_resolve(s, "a@example.org", &r), STORE_ENOTFOUND);
	/* a new account never gets the old ids */
	{
		int64_t id = 0;
		CHECK_INT(store_account_add(s, "a@example.org", NULL, NULL,
					    &id, NULL, NULL), 0);
		CHECK(id > ids[2]);
		CHECK(st_mbox(s, id, "INBOX") > inbox);
	}
	store_close(&s);
}

TEST(store_queue_remove_and_failed)
{
	int64_t ids[3], qid = 0;
	struct store *s = st_setup("d", ids);
	struct store_blob *b = st_blob(s, MSG1);
	struct store_envelope env = { "", NULL, STORE_RET_DEFAULT };
	struct store_rcpt r[3];
	struct store_qlist q;

	memset(r, 0, sizeof(r));
	for (int i = 0; i < 3; i++)
		r[i].kind = STORE_RCPT_REMOTE;
	r[0].address = "x@one.net";
	r[1].address = "y@two.net";
	r[2].address = NULL;	/* invalid: that rcpt fails alone */
	CHECK_INT(store_deliver(s, &b, &env, r, 3, &qid, NULL, NULL), 0);
	CHECK_INT(r[0].status, 0);
	CHECK_INT(r[1].status, 0);
	CHECK_INT(r[2].status, STORE_EINVAL);
	CHECK_INT(store_queue_list(s, &q), 0);
	CHECK_INT(q.n, 1);
	if (q.n == 1) {
		CHECK_STR(q.v[0].sender, "");
		CHECK_INT(q.v[0].n, 2);
	}
	store_qlist_free(&q);
	/* one bounces, one stays pending: the message stays */
	{
		struct store_qupdate u = { r[0].queue_rcpt_id, STORE_Q_FAILED,
					   0, "550 no such user" };
		CHECK_INT(store_queue_update(s, &u, 1, NULL, NULL), 0);
	}
	CHECK_INT(store_queue_list(s, &q), 0);
	CHECK_INT(q.n, 1);
	if (q.n == 1 && q.v[0].n == 2) {
		CHECK_INT(q.v[0].rcpts[0].state, STORE_Q_FAILED);
		CHECK_STR(q.v[0].rcpts[0].last_error, "550 no such user");
	}
	store_qlist_free(&q);
	CHECK_INT(st_count_files("d", "blobs"), 1);
	CHECK_INT(store_queue_remove(s, qid, NULL, NULL), 0);
	CHECK_INT(store_queue_remove(s, qid, NULL, NULL), STORE_ENOTFOUND);
	CHECK_INT(st_count_files_settled("d", "blobs", 0), 0);
	CHECK_INT(store_queue_list(s, &q), 0);
	CHECK_INT(q.n, 0);
	store_qlist_free(&q);
	store_close(&s);
}

TEST(store_uidvalidity_unique_per_name)
{
	int64_t ids[3], id1 = 0, id2 = 0;
	struct store *s = st_setup("d", ids);
	struct store_mailbox a, b;

	CHECK_INT(store_mailbox_create(s, ids[0], "x", 0, &id1, NULL, NULL), 0);
	CHECK_INT(store_mailbox_status(s, ids[0], id1, &a), 0);
	CHECK_INT(store_mailbox_delete(s, ids[0], "x", NULL, NULL), 0);
	CHECK_INT(store_mailbox_create(s, ids[0], "x", 0, &id2, NULL, NULL), 0);
	CHECK_INT(store_mailbox_status(s, ids[0], id2, &b), 0);
	CHECK(id1 != id2);
	CHECK(a.uidvalidity != b.uidvalidity);
	CHECK_INT(b.uidnext, 1);
	store_mailbox_clear(&a);
	store_mailbox_clear(&b);
	/* another account can't see or touch it */
	CHECK_INT(store_mailbox_status(s, ids[1], id2, &a), STORE_ENOTFOUND);
	CHECK_INT(store_mailbox_delete(s, ids[1], "x", NULL, NULL),
		  STORE_ENOTFOUND);
	{
		struct store_blob *bl = st_blob(s, MSG1);
		CHECK_INT(store_append(s, ids[1], id2, &bl, 0, NULL, 0, 0,
				       NULL, NULL, NULL), STORE_ENOTFOUND);
		CHECK_INT(st_count_files_settled("d", "blobs", 0), 0);
	}
	store_close(&s);
}

TEST(store_inline_small_bodies_and_spill)
{
	int64_t ids[3], qid = 0;
	struct store *s = st_open2("i", false, true);
	struct store_blob *b;
	struct store_rcpt r[3];
	struct store_reader *rd = NULL;
	const char *pfx = "Delivered-To: a@example.org\r\n";
	char *t, *big;
	size_t bigsize = 200 * 1024;
	uint32_t uid = 0;

	CHECK_INT(store_domain_add(s, "example.org", NULL, NULL), 0);
	CHECK_INT(store_account_add(s, "a@example.org", NULL, NULL, &ids[0],
				    NULL, NULL), 0);
	CHECK_INT(store_account_add(s, "b@example.org", NULL, NULL, &ids[1],
				    NULL, NULL), 0);
	b = st_blob(s, MSG1);
	memset(r, 0, sizeof(r));
	r[0].kind = r[1].kind = STORE_RCPT_LOCAL;
	r[0].account_id = ids[0];
	r[0].prefix = pfx;
	r[0].prefix_len = strlen(pfx);
	r[1].account_id = ids[1];
	r[2].kind = STORE_RCPT_REMOTE;
	r[2].address = "x@remote.net";
	CHECK_INT(store_deliver(s, &b, NULL, r, 3, &qid, NULL, NULL), 0);
	CHECK_INT(r[0].status | r[1].status | r[2].status, 0);
	/* small: in the database, no file */
	CHECK_INT(st_count_files("i", "blobs"), 0);
	t = st_read(s, ids[0], r[0].mailbox_id, r[0].uid);
	CHECK(t != NULL && strncmp(t, pfx, strlen(pfx)) == 0 &&
	      strcmp(t + strlen(pfx), MSG1) == 0);
	free(t);
	CHECK_INT(store_msg_open(s, ids[1], r[1].mailbox_id, r[1].uid, &rd), 0);
	CHECK_INT(store_reader_fd(rd), -1);
	CHECK_INT(store_reader_size(rd), strlen(MSG1));
	{
		char buf[8];
		/* a read across the end stops there */
		CHECK_INT(store_reader_pread(rd, buf, sizeof(buf),
					     strlen(MSG1) - 3), 3);
		CHECK_INT(store_reader_pread(rd, buf, sizeof(buf),
					     strlen(MSG1) + 5), 0);
	}
	store_reader_close(&rd);
	CHECK_INT(store_queue_open(s, qid, &rd), 0);
	CHECK_INT(store_reader_size(rd), strlen(MSG1));
	store_reader_close(&rd);

	/* big: starts in memory, spills to a file past the limit */
	big = malloc(bigsize);
	memset(big, 'x', bigsize);
	memcpy(big, "Subject: big\r\n\r\n", 16);
	for (size_t i = 100; i < bigsize; i += 100) {
		big[i - 2] = '\r';
		big[i - 1] = '\n';
	}
	CHECK_INT(store_blob_begin(s, &b), 0);
	for (size_t off = 0; off < bigsize; off += 4096)
		CHECK_INT(store_blob_write(b, big + off, bigsize - off < 4096 ?
					   bigsize - off : 4096), 0);
	CHECK_INT(store_append(s, ids[0], r[0].mailbox_id, &b, 0, NULL, 0, 0,
			       &uid, NULL, NULL), 0);
	CHECK_INT(st_count_files("i", "blobs"), 1);
	CHECK_INT(store_msg_open(s, ids[0], r[0].mailbox_id, uid, &rd), 0);
	CHECK(store_reader_fd(rd) >= 0);
	{
		char *back = malloc(bigsize);
		CHECK_INT(store_reader_pread(rd, back, bigsize, 0),
			  (long long)bigsize);
		CHECK(memcmp(back, big, bigsize) == 0);
		free(back);
	}
	store_reader_close(&rd);
	/* an aborted big blob leaves nothing */
	CHECK_INT(store_blob_begin(s, &b), 0);
	CHECK_INT(store_blob_write(b, big, bigsize), 0);
	CHECK_INT(st_count_files("i", "blobs"), 2);
	store_blob_abort(&b);
	CHECK_INT(st_count_files("i", "blobs"), 1);
	free(big);

	/* a deleted mailbox drops its references (inline and file) */
	{
		int64_t box = 0;
		struct store_uid_range all = { 1, UINT32_MAX };
		struct store_account a;
		CHECK_INT(store_mailbox_create(s, ids[0], "tmpbox", 0, &box,
					       NULL, NULL), 0);
		CHECK_INT(store_copy(s, ids[0], r[0].mailbox_id, &all, 1, box,
				     NULL, NULL, NULL), 0);
		CHECK_INT(store_account_get(s, NULL, ids[0], &a), 0);
		CHECK_INT(a.used_messages, 4);
		store_account_clear(&a);
		CHECK_INT(store_mailbox_delete(s, ids[0], "tmpbox", NULL,
					       NULL), 0);
		CHECK_INT(store_account_get(s, NULL, ids[0], &a), 0);
		CHECK_INT(a.used_messages, 2);
		store_account_clear(&a);
		CHECK_INT(st_count_files("i", "blobs"), 1);
	}
	/* everything expunged and relayed: nothing left */
	CHECK_INT(store_expunge(s, ids[0], r[0].mailbox_id, NULL, 0, false,
				NULL, NULL, NULL), 0);
	CHECK_INT(store_expunge(s, ids[1], r[1].mailbox_id, NULL, 0, false,
				NULL, NULL, NULL), 0);
	CHECK_INT(st_count_files_settled("i", "blobs", 0), 0);
	{
		struct store_qupdate u = { r[2].queue_rcpt_id,
					   STORE_Q_DELIVERED, 0, NULL };
		CHECK_INT(store_queue_update(s, &u, 1, NULL, NULL), 0);
		CHECK_INT(store_queue_open(s, qid, &rd), STORE_ENOTFOUND);
	}
	store_close(&s);
	/* and it all survives a reopen */
	s = st_open2("i", true, true);
	CHECK(s != NULL);
	store_close(&s);
}

TEST(store_copy_move_same_mailbox)
{
	int64_t ids[3];
	struct store *s = st_setup("d", ids);
	int64_t inbox = st_mbox(s, ids[0], "INBOX");
	struct store_uid_range all = { 1, UINT32_MAX };
	struct store_uid_range odd[3] = { { 3, 3 }, { 1, 1 }, { 1, 3 } };
	struct store_uidmap map;
	struct store_view v;
	struct store_changes ch;
	uint64_t hm;

	append_n(s, ids[0], inbox, 3);
	/* COPY 1:* into itself: the copies are not copied again */
	CHECK_INT(store_copy(s, ids[0], inbox, &all, 1, inbox, &map, NULL,
			     NULL), 0);
	CHECK_INT(map.n, 3);
	if (map.n == 3) {
		CHECK_INT(map.src[0], 1);
		CHECK_INT(map.dst[0], 4);
		CHECK_INT(map.dst[2], 6);
	}
	store_uidmap_free(&map);
	CHECK_INT(store_mailbox_open(s, ids[0], inbox, &v), 0);
	CHECK_INT(v.n, 6);
	CHECK_INT(v.mailbox.messages, 6);
	hm = v.mailbox.highestmodseq;
	store_view_free(&v);
	/* overlapping, unordered ranges count each message once */
	CHECK_INT(store_move(s, ids[0], inbox, odd, 3, inbox, &map, NULL,
			     NULL), 0);
	CHECK_INT(map.n, 3);
	if (map.n == 3) {
		CHECK_INT(map.src[0], 1);
		CHECK_INT(map.src[2], 3);
		CHECK_INT(map.dst[0], 7);
		CHECK_INT(map.dst[2], 9);
	}
	store_uidmap_free(&map);
	CHECK_INT(store_mailbox_changes(s, ids[0], inbox, hm, &ch), 0);
	CHECK_INT(ch.n, 3);
	CHECK_INT(ch.nexpunged, 3);
	CHECK_INT(ch.messages, 6);
	store_changes_free(&ch);
	{
		char *t = st_read(s, ids[0], inbox, 9);
		CHECK_STR(t, "Subject: m2\r\n\r\nbody 2\r\n");
		free(t);
	}
	{
		struct store_account a;
		CHECK_INT(store_account_get(s, NULL, ids[0], &a), 0);
		CHECK_INT(a.used_messages, 6);
		store_account_clear(&a);
	}
	/* nothing matches: fine, nothing changes */
	{
		struct store_uid_range none = { 100, 200 };
		CHECK_INT(store_copy(s, ids[0], inbox, &none, 1, inbox, &map,
				     NULL, NULL), 0);
		CHECK_INT(map.n, 0);
		store_uidmap_free(&map);
	}
	CHECK_INT(st_count_files("d", "blobs"), 3);
	store_close(&s);
}

/* ------------------------------------------------------------------ */
/* crlf_size: the POP3 octets, counted while the blob streams in      */

/* the oracle: what POP3's sender counts for these bytes */
static uint64_t
pop3_octets(const char *text, size_t len)
{
	struct pop3_dot d;

	pop3_dot_init(&d, NULL);
	pop3_dot_feed(&d, text, len, NULL);
	pop3_dot_finish(&d, NULL);
	return pop3_dot_octets(&d);
}

static uint64_t
view_crlf_size(struct store *s, int64_t account, int64_t mbox, uint32_t uid,
	       uint64_t *size_r)
{
	struct store_view v;
	uint64_t n = UINT64_MAX;

	CHECK_INT(store_mailbox_open(s, account, mbox, &v), 0);
	for (size_t i = 0; i < v.n; i++)
		if (v.msgs[i].uid == uid) {
			n = v.msgs[i].crlf_size;
			*size_r = v.msgs[i].size;
		}
	store_view_free(&v);
	return n;
}

TEST(store_crlf_size_counts_bare_lf)
{
	static const char *bodies[] = {
		"Subject: crlf\r\n\r\nall CRLF\r\n",
		"Subject: lf\n\nbare\nLF\n",
		"Subject: mixed\r\n\nbare\r\nand\n\n",
		"\nleading LF\r\n",
		"Subject: no end\r\n\r\nlast line",
		"Subject: ends in CR\r\n\r\nx\r",
		"Subject: lone CR\r\n\r\na\rb\r\n\r\r\n",
	};
	static const char *prefixes[] = {
		"Delivered-To: a@example.org\r\n", "X-Pfx: lf\n", "X-Cr: y\r",
		"",
	};
	int64_t ids[3];
	struct store *s = st_setup("d", ids);
	int64_t inbox = st_mbox(s, ids[0], "INBOX");
	uint32_t uid;
	uint64_t size = 0;

	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		const char *t = bodies[i];
		size_t len = strlen(t);
		struct store_blob *b = NULL;

		/* APPEND, written a byte at a time: CR and LF in
		 * different writes */
		CHECK_INT(store_blob_begin(s, &b), 0);
		for (size_t k = 0; k < len; k++)
			CHECK_INT(store_blob_write(b, t + k, 1), 0);
		CHECK_INT(store_append(s, ids[0], inbox, &b, 0, NULL, 0, 0,
				       &uid, NULL, NULL), 0);
		{
			uint64_t crlf = view_crlf_size(s, ids[0], inbox, uid,
						       &size);
			CHECK_INT(crlf, pop3_octets(t, len));
			CHECK_INT(size, len);
		}

		/* deliveries with a prefix, the body in one write */
		for (size_t j = 0; j < sizeof(prefixes) / sizeof(prefixes[0]);
		     j++) {
			struct store_rcpt r;
			char *served;

			b = st_blob(s, t);
			memset(&r, 0, sizeof(r));
			r.kind = STORE_RCPT_LOCAL;
			r.account_id = ids[1];
			r.prefix = prefixes[j];
			r.prefix_len = strlen(prefixes[j]);
			CHECK_INT(store_deliver(s, &b, NULL, &r, 1, NULL, NULL,
						NULL), 0);
			served = st_read(s, ids[1], r.mailbox_id, r.uid);
			CHECK(served != NULL);
			if (served == NULL)
				continue;
			CHECK_INT(view_crlf_size(s, ids[1], r.mailbox_id,
						 r.uid, &size),
				  pop3_octets(served, strlen(served)));
			CHECK_INT(size, strlen(served));
			free(served);
		}
	}
	/* a CRLF message: the same as size */
	{
		uint64_t crlf = view_crlf_size(s, ids[0], inbox, 1, &size);
		CHECK_INT(crlf, size);
	}
	/* COPY keeps it */
	{
		struct store_uid_range all = { 1, UINT32_MAX };
		struct store_uidmap map;
		int64_t dst;

		CHECK_INT(store_mailbox_create(s, ids[0], "Copies", 0, &dst,
					       NULL, NULL), 0);
		CHECK_INT(store_copy(s, ids[0], inbox, &all, 1, dst, &map,
				     NULL, NULL), 0);
		CHECK_INT(map.n, sizeof(bodies) / sizeof(bodies[0]));
		for (size_t k = 0; k < map.n; k++) {
			uint64_t a, bsz;
			CHECK_INT(view_crlf_size(s, ids[0], dst, map.dst[k],
						 &bsz),
				  view_crlf_size(s, ids[0], inbox, map.src[k],
						 &a));
		}
		store_uidmap_free(&map);
	}
	store_close(&s);
}

/* a store made before messages.crlf_size: the column is added, old
 * rows say 0 (unknown), new rows have it */
TEST(store_crlf_size_schema_upgrade)
{
	int64_t ids[3];
	struct store *s = st_setup("d", ids);
	int64_t inbox = st_mbox(s, ids[0], "INBOX");
	char path[600];
	sqlite3 *db = NULL;
	uint64_t size = 0;
	struct store_blob *b;
	uint32_t uid = 0;

	append_n(s, ids[0], inbox, 1);
	store_close(&s);
	snprintf(path, sizeof(path), "%s/d/tern.db", test_tmpdir());
	CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
	CHECK_INT(sqlite3_exec(db, "ALTER TABLE messages DROP COLUMN crlf_size",
			       NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);

	s = st_open("d", true);
	CHECK(s != NULL);
	if (s == NULL)
		return;
	CHECK_INT(view_crlf_size(s, ids[0], inbox, 1, &size), 0);
	CHECK(size > 0);
	b = st_blob(s, "Subject: new\n\nbare\n");
	CHECK_INT(store_append(s, ids[0], inbox, &b, 0, NULL, 0, 0, &uid,
			       NULL, NULL), 0);
	{
		uint64_t crlf = view_crlf_size(s, ids[0], inbox, uid, &size);
		CHECK_INT(size, 19);
		CHECK_INT(crlf, 22);	/* three bare LFs */
	}
	store_close(&s);
}
