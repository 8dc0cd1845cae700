/* test-store-email.c - schema version 2: EMAILID/THREADID rows, the
 * account-wide modseq, account change watchers, and the upgrade of a
 * version-1 data folder */
#include "store-test-util.h"

#include <sqlite3.h>

static const char msg1[] =
	"Message-ID: <root@example.org>\r\nSubject: hello\r\n\r\nfirst\r\n";
static const char msg2[] =
	"Message-ID: <reply@example.org>\r\n"
	"In-Reply-To: <root@example.org>\r\nSubject: Re: hello\r\n\r\n2\r\n";
static const char msg3[] = "Subject: alone\r\n\r\nno ids\r\n";

static uint32_t
st_append(struct store *s, int64_t acct, int64_t mbox, const char *text,
	  int64_t date)
{
	struct store_blob *b = st_blob(s, text);
	uint32_t uid = 0;

	CHECK_INT(store_append(s, acct, mbox, &b, 0, "$Work", date, 0, &uid,
			       NULL, NULL), 0);
	return uid;
}

static void
st_ids(struct store *s, int64_t acct, int64_t mbox, uint32_t uid,
       char eid[STORE_OBJECTID_MAX], char tid[STORE_OBJECTID_MAX])
{
	struct store_msg m;

	CHECK_INT(store_msg_get(s, acct, mbox, uid,
				STORE_MSG_OBJECTID | STORE_MSG_PARSE, &m), 0);
	store_msg_emailid(&m, eid);
	store_msg_threadid(s, &m, tid);
	store_msg_clear(&m);
}

TEST(store_email_rows_and_threads)
{
	int64_t ids[3], inbox, arch;
	struct store *s = st_setup("em", ids);
	struct store_email_rows rows;
	struct store_strlist th;
	struct store_uid_range all = { 1, UINT32_MAX };
	char e1[STORE_OBJECTID_MAX], t1[STORE_OBJECTID_MAX];
	char e2[STORE_OBJECTID_MAX], t2[STORE_OBJECTID_MAX];
	char e3[STORE_OBJECTID_MAX], t3[STORE_OBJECTID_MAX];
	uint32_t u1, u2, u3;

	if (s == NULL)
		return;
	inbox = st_mbox(s, ids[0], "INBOX");
	arch = st_mbox(s, ids[0], "Archive");
	u2 = st_append(s, ids[0], inbox, msg2, 2000);
	u1 = st_append(s, ids[0], inbox, msg1, 1000);
	u3 = st_append(s, ids[0], inbox, msg3, 3000);
	st_ids(s, ids[0], inbox, u1, e1, t1);
	st_ids(s, ids[0], inbox, u2, e2, t2);
	st_ids(s, ids[0], inbox, u3, e3, t3);
	CHECK_STR(t1, t2);
	CHECK(strcmp(e1, e2) != 0);
	/* without Message-ID fields the thread is the email's own value */
	CHECK_STR(t3 + 1, e3 + 1);

	/* the stored values are the ones the read path computes */
	CHECK_INT(store_email_rows(s, ids[0], e1, &rows), 0);
	CHECK_INT(rows.n, 1);
	if (rows.n == 1) {
		char t[STORE_OBJECTID_MAX];

		CHECK_INT(rows.v[0].mailbox_id, inbox);
		CHECK_INT(rows.v[0].uid, u1);
		CHECK_STR(rows.v[0].keywords, "$Work");
		CHECK_INT(rows.v[0].internaldate, 1000);
		store_objectid_fmt(t, 'T', rows.v[0].threadid);
		CHECK_STR(t, t1);
	}
	store_email_rows_free(&rows);

	/* a COPY is the same Email in two mailboxes */
	CHECK_INT(store_copy(s, ids[0], inbox, &all, 1, arch, NULL, NULL,
			     NULL), 0);
	CHECK_INT(store_email_rows(s, ids[0], e1, &rows), 0);
	CHECK_INT(rows.n, 2);
	if (rows.n == 2) {
		CHECK_INT(rows.v[0].mailbox_id, inbox);
		CHECK_INT(rows.v[1].mailbox_id, arch);
		CHECK(rows.v[1].created_modseq > rows.v[0].created_modseq);
	}
	store_email_rows_free(&rows);

	/* the thread's emails, oldest receivedAt first */
	CHECK_INT(store_thread_emails(s, ids[0], t1, &th), 0);
	CHECK_INT(th.n, 2);
	if (th.n == 2) {
		CHECK_STR(th.v[0], e1);
		CHECK_STR(th.v[1], e2);
	}
	store_strlist_free(&th);

	/* another account does not see them; malformed ids are no ids */
	CHECK_INT(store_email_rows(s, ids[1], e1, &rows), STORE_ENOTFOUND);
	CHECK_INT(store_thread_emails(s, ids[1], t1, &th), STORE_ENOTFOUND);
	CHECK_INT(store_email_rows(s, ids[0], "M12", &rows), STORE_ENOTFOUND);
	CHECK_INT(store_email_rows(s, ids[0], t1, &rows), STORE_ENOTFOUND);
	CHECK_INT(store_email_rows(s, ids[0], "MZZZZZZZZZZZZZZZZ", &rows),
		  STORE_ENOTFOUND);

	/* a mailbox's rows; the whole account's */
	CHECK_INT(store_email_list(s, ids[0], arch, &rows), 0);
	CHECK_INT(rows.n, 3);
	store_email_rows_free(&rows);
	CHECK_INT(store_email_list(s, ids[0], 0, &rows), 0);
	CHECK_INT(rows.n, 6);
	store_email_rows_free(&rows);
	CHECK_INT(store_email_list(s, ids[1], arch, &rows), STORE_ENOTFOUND);

	/* expunged everywhere: gone */
	CHECK_INT(store_expunge(s, ids[0], inbox, NULL, 0, false, NULL, NULL,
				NULL), 0);
	CHECK_INT(store_expunge(s, ids[0], arch, NULL, 0, false, NULL, NULL,
				NULL), 0);
	CHECK_INT(store_email_rows(s, ids[0], e1, &rows), STORE_ENOTFOUND);
	store_close(&s);
}

struct acount {
	int calls;
	int64_t last;
};

static void
on_account(void *arg, int64_t id)
{
	struct acount *c = arg;

	c->calls++;
	c->last = id;
}

TEST(store_account_modseq_and_watch)
{
	int64_t ids[3], inbox, sent;
	struct store *s = st_setup("am", ids);
	struct store_mailbox mb;
	struct store_watch *w, *wb;
	struct acount ca = { 0 }, cb = { 0 };
	struct store_uid_range one = { 1, 1 };
	uint64_t m0, m1, m2, m3;
	uint32_t uid;

	if (s == NULL)
		return;
	inbox = st_mbox(s, ids[0], "INBOX");
	sent = st_mbox(s, ids[0], "Sent");
	w = store_watch_account_changes(s, ids[0], on_account, &ca);
	wb = store_watch_account_changes(s, ids[1], on_account, &cb);
	CHECK_INT(store_account_modseq(s, ids[0], &m0), 0);
	CHECK(m0 > 0);	/* the account's mailboxes were made */

	/* an append draws from the account's counter: the mailbox's
	 * highestmodseq is the account's */
	uid = st_append(s, ids[0], inbox, msg1, 0);
	CHECK_INT(store_account_modseq(s, ids[0], &m1), 0);
	CHECK(m1 > m0);
	CHECK_INT(store_mailbox_status(s, ids[0], inbox, &mb), 0);
	CHECK_INT(mb.highestmodseq, m1);
	store_mailbox_clear(&mb);
	CHECK_INT(ca.calls, 1);
	CHECK_INT(ca.last, ids[0]);
	CHECK_INT(cb.calls, 0);

	/* another mailbox's next modseq is above it: one counter */
	CHECK_INT(store_copy(s, ids[0], inbox, &one, 1, sent, NULL, NULL,
			     NULL), 0);
	CHECK_INT(store_mailbox_status(s, ids[0], sent, &mb), 0);
	CHECK(mb.highestmodseq > m1);
	store_mailbox_clear(&mb);
	CHECK_INT(ca.calls, 2);

	/* flags, mailbox create, rename, subscribe, delete: all count */
	CHECK_INT(store_flags(s, ids[0], inbox, &one, 1, STORE_FLAGS_ADD,
			      STORE_F_SEEN, NULL, STORE_UNCHANGEDSINCE_NONE,
			      NULL, NULL, NULL), 0);
	CHECK_INT(store_account_modseq(s, ids[0], &m2), 0);
	CHECK(m2 > m1);
	CHECK_INT(store_mailbox_create(s, ids[0], "Work", 0, NULL, NULL,
				       NULL), 0);
	CHECK_INT(store_mailbox_rename(s, ids[0], "Work", "Job", NULL, NULL),
		  0);
	CHECK_INT(store_mailbox_subscribe(s, ids[0], "Job", false, NULL,
					  NULL), 0);
	CHECK_INT(store_mailbox_delete(s, ids[0], "Job", NULL, NULL), 0);
	CHECK_INT(store_account_modseq(s, ids[0], &m3), 0);
	CHECK(m3 >= m2 + 4);
	CHECK_INT(ca.calls, 7);
	CHECK_INT(cb.calls, 0);
	(void)uid;

	/* a write of the other account calls only its watcher */
	CHECK_INT(store_mailbox_create(s, ids[1], "Other", 0, NULL, NULL,
				       NULL), 0);
	CHECK_INT(cb.calls, 1);
	CHECK_INT(cb.last, ids[1]);
	CHECK_INT(ca.calls, 7);
	store_unwatch(&w);
	store_unwatch(&wb);
	CHECK_INT(store_account_modseq(s, 999, &m3), STORE_ENOTFOUND);
	store_close(&s);
}

static void
sql(sqlite3 *db, const char *q)
{
	char *err = NULL;

	if (sqlite3_exec(db, q, NULL, NULL, &err) != SQLITE_OK)
		test_fail(__FILE__, __LINE__, "%s: %s", q, err ? err : "?");
	sqlite3_free(err);
}

/* a store turned back into version 1 (what tern wrote before) opens,
 * and the upgrade fills the new columns as a new store would */
TEST(store_schema_upgrade_from_1)
{
	int64_t ids[3], inbox;
	struct store *s = st_setup("up", ids);
	struct store_email_rows rows;
	struct store_mailbox mb;
	char e1[STORE_OBJECTID_MAX], t1[STORE_OBJECTID_MAX];
	char e2[STORE_OBJECTID_MAX], t2[STORE_OBJECTID_MAX];
	char path[512];
	sqlite3 *db;
	sqlite3_stmt *st;
	uint64_t m;
	uint32_t u1, u2;

	if (s == NULL)
		return;
	inbox = st_mbox(s, ids[0], "INBOX");
	u1 = st_append(s, ids[0], inbox, msg1, 1000);
	u2 = st_append(s, ids[0], inbox, msg2, 2000);
	st_ids(s, ids[0], inbox, u1, e1, t1);
	st_ids(s, ids[0], inbox, u2, e2, t2);
	store_close(&s);

	snprintf(path, sizeof(path), "%s/up/tern.db", test_tmpdir());
	CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
	sql(db, "DROP TRIGGER messages_gone; DROP TABLE email_tombs;"
	    " DROP TABLE mailbox_tombs; DROP INDEX messages_emailid;"
	    " DROP INDEX messages_threadid; DROP INDEX messages_threads;"
	    " DROP INDEX messages_date;"
	    " ALTER TABLE messages DROP COLUMN emailid;"
	    " ALTER TABLE messages DROP COLUMN threadid;"
	    " ALTER TABLE messages DROP COLUMN created_modseq;"
	    " ALTER TABLE accounts DROP COLUMN modseq;"
	    " ALTER TABLE mailboxes DROP COLUMN modseq;"
	    " ALTER TABLE mailboxes DROP COLUMN props_modseq;"
	    " ALTER TABLE mailboxes DROP COLUMN created_modseq;"
	    " ALTER TABLE mailboxes DROP COLUMN sort_order;"
	    " UPDATE meta SET value = 1 WHERE key = 'schema';"
	    /* per-mailbox counters as version 1 kept them */
	    " UPDATE mailboxes SET highestmodseq = 40 WHERE name = 'INBOX';");
	sqlite3_close(db);

	s = st_open("up", true);
	if (s == NULL)
		return;
	CHECK_INT(store_email_rows(s, ids[0], e2, &rows), 0);
	CHECK_INT(rows.n, 1);
	if (rows.n == 1) {
		char t[STORE_OBJECTID_MAX];

		CHECK_INT(rows.v[0].uid, u2);
		store_objectid_fmt(t, 'T', rows.v[0].threadid);
		CHECK_STR(t, t2);
	}
	store_email_rows_free(&rows);
	CHECK_INT(store_email_rows(s, ids[0], e1, &rows), 0);
	store_email_rows_free(&rows);
	/* the account's counter starts at its highest mailbox modseq */
	CHECK_INT(store_account_modseq(s, ids[0], &m), 0);
	CHECK_INT(m, 40);
	st_append(s, ids[0], inbox, msg3, 0);
	CHECK_INT(store_mailbox_status(s, ids[0], inbox, &mb), 0);
	CHECK_INT(mb.highestmodseq, 41);
	store_mailbox_clear(&mb);
	store_close(&s);

	CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
	CHECK_INT(sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE"
				     " key = 'schema'", -1, &st, NULL),
		  SQLITE_OK);
	CHECK_INT(sqlite3_step(st), SQLITE_ROW);
	CHECK_INT(sqlite3_column_int(st, 0), 2);
	sqlite3_finalize(st);
	/* a newer schema than this tern knows is refused */
	sql(db, "UPDATE meta SET value = 99 WHERE key = 'schema'");
	sqlite3_close(db);
	{
		struct store_settings set;
		char *err = NULL;

		memset(&set, 0, sizeof(set));
		snprintf(path, sizeof(path), "%s/up", test_tmpdir());
		set.data_dir = path;
		set.unsafe_no_fsync = true;
		CHECK(store_open(&set, &s, &err) < 0);
		CHECK(err != NULL && strstr(err, "newer") != NULL);
		free(err);
	}
}

/* the change of kind k of id in c, or NULL */
static const struct store_chg *
chg_find(const struct store_chgs *c, uint64_t id, int64_t mailbox_id)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->v[i].id == id && c->v[i].mailbox_id == mailbox_id)
			return &c->v[i];
	return NULL;
}

static uint64_t
oid(const char *id)
{
	uint64_t v = 0;

	CHECK_INT(store_objectid_parse(id, id[0], &v), 0);
	return v;
}

TEST(store_changes_since_modseq)
{
	int64_t ids[3], inbox, arch, work = 0;
	struct store *s = st_setup("ch", ids);
	struct store_chgs c;
	struct store_uid_range one = { 1, 1 };
	char e1[STORE_OBJECTID_MAX], t1[STORE_OBJECTID_MAX];
	char e2[STORE_OBJECTID_MAX], t2[STORE_OBJECTID_MAX];
	const struct store_chg *x;
	uint64_t s0, s1, s2, s3;
	uint32_t u1, u2;

	if (s == NULL)
		return;
	inbox = st_mbox(s, ids[0], "INBOX");
	arch = st_mbox(s, ids[0], "Archive");
	u1 = st_append(s, ids[0], inbox, msg1, 1000);
	st_ids(s, ids[0], inbox, u1, e1, t1);
	CHECK_INT(store_account_modseq(s, ids[0], &s0), 0);

	/* nothing since now; a state from the future is refused */
	CHECK_INT(store_email_changes(s, ids[0], s0, &c), 0);
	CHECK_INT(c.n, 0);
	CHECK_INT(c.modseq, s0);
	store_chgs_free(&c);
	CHECK_INT(store_email_changes(s, ids[0], s0 + 1, &c), STORE_EINVAL);

	/* a new message in the thread, a flag change on the old one */
	u2 = st_append(s, ids[0], inbox, msg2, 2000);
	st_ids(s, ids[0], inbox, u2, e2, t2);
	CHECK_INT(store_flags(s, ids[0], inbox, &one, 1, STORE_FLAGS_ADD,
			      STORE_F_SEEN, NULL, STORE_UNCHANGEDSINCE_NONE,
			      NULL, NULL, NULL), 0);
	CHECK_INT(store_email_changes(s, ids[0], s0, &c), 0);
	CHECK_INT(c.n, 2);
	CHECK((x = chg_find(&c, oid(e2), 0)) && x->kind == STORE_CHG_CREATED);
	CHECK((x = chg_find(&c, oid(e1), 0)) && x->kind == STORE_CHG_UPDATED);
	/* by modseq: the append came first */
	if (c.n == 2)
		CHECK(c.v[0].id == oid(e2) && c.v[0].modseq < c.v[1].modseq);
	store_chgs_free(&c);
	CHECK_INT(store_thread_changes(s, ids[0], s0, &c), 0);
	CHECK_INT(c.n, 1);
	CHECK((x = chg_find(&c, oid(t1), 0)) && x->kind == STORE_CHG_UPDATED);
	store_chgs_free(&c);
	/* INBOX's counts changed, nothing else of it */
	CHECK_INT(store_mailbox_changed(s, ids[0], s0, &c), 0);
	CHECK_INT(c.n, 1);
	if (c.n == 1) {
		CHECK_INT(c.v[0].mailbox_id, inbox);
		CHECK_INT(c.v[0].kind, STORE_CHG_UPDATED);
		CHECK(c.v[0].counts_only);
	}
	store_chgs_free(&c);

	/* a move keeps the Email (updated), a mailbox made and renamed
	 * is created, one deleted with its message is destroyed */
	CHECK_INT(store_account_modseq(s, ids[0], &s1), 0);
	CHECK_INT(store_move(s, ids[0], inbox, &one, 1, arch, NULL, NULL,
			     NULL), 0);
	CHECK_INT(store_mailbox_create(s, ids[0], "Work", 0, &work, NULL,
				       NULL), 0);
	CHECK_INT(store_mailbox_rename(s, ids[0], "Work", "Job", NULL, NULL),
		  0);
	CHECK_INT(store_email_changes(s, ids[0], s1, &c), 0);
	CHECK_INT(c.n, 1);
	CHECK((x = chg_find(&c, oid(e1), 0)) && x->kind == STORE_CHG_UPDATED);
	store_chgs_free(&c);
	CHECK_INT(store_thread_changes(s, ids[0], s1, &c), 0);
	CHECK_INT(c.n, 0);
	store_chgs_free(&c);
	CHECK_INT(store_mailbox_changed(s, ids[0], s1, &c), 0);
	CHECK_INT(c.n, 3);
	CHECK((x = chg_find(&c, 0, work)) && x->kind == STORE_CHG_CREATED);
	CHECK((x = chg_find(&c, 0, arch)) && x->counts_only);
	CHECK((x = chg_find(&c, 0, inbox)) && x->counts_only);
	store_chgs_free(&c);

	CHECK_INT(store_account_modseq(s, ids[0], &s2), 0);
	CHECK_INT(store_mailbox_delete(s, ids[0], "Archive", NULL, NULL), 0);
	CHECK_INT(store_email_changes(s, ids[0], s2, &c), 0);
	CHECK_INT(c.n, 1);
	CHECK((x = chg_find(&c, oid(e1), 0)) &&
	      x->kind == STORE_CHG_DESTROYED);
	store_chgs_free(&c);
	CHECK_INT(store_mailbox_changed(s, ids[0], s2, &c), 0);
	CHECK_INT(c.n, 1);
	CHECK((x = chg_find(&c, 0, arch)) && x->kind == STORE_CHG_DESTROYED);
	store_chgs_free(&c);
	/* the thread keeps e2: updated */
	CHECK_INT(store_thread_changes(s, ids[0], s2, &c), 0);
	CHECK_INT(c.n, 1);
	CHECK((x = chg_find(&c, oid(t1), 0)) && x->kind == STORE_CHG_UPDATED);
	store_chgs_free(&c);

	/* made and gone since: not there at all; from the start, e1 was
	 * never seen: only e2 is created */
	CHECK_INT(store_account_modseq(s, ids[0], &s3), 0);
	CHECK_INT(store_mailbox_create(s, ids[0], "Tmp", 0, NULL, NULL, NULL),
		  0);
	CHECK_INT(store_mailbox_delete(s, ids[0], "Tmp", NULL, NULL), 0);
	CHECK_INT(store_mailbox_changed(s, ids[0], s3, &c), 0);
	CHECK_INT(c.n, 0);
	store_chgs_free(&c);
	CHECK_INT(store_email_changes(s, ids[0], 0, &c), 0);
	CHECK_INT(c.n, 1);
	CHECK((x = chg_find(&c, oid(e2), 0)) && x->kind == STORE_CHG_CREATED);
	store_chgs_free(&c);
	/* the other account saw nothing */
	CHECK_INT(store_email_changes(s, ids[1], 0, &c), 0);
	CHECK_INT(c.n, 0);
	store_chgs_free(&c);
	store_close(&s);
}

TEST(store_mailbox_counts_and_props)
{
	int64_t ids[3], inbox, arch;
	struct store *s = st_setup("mp", ids);
	struct store_mailbox_counts n;
	struct store_mailbox mb;
	struct store_uid_range all = { 1, UINT32_MAX };
	struct store_uid_range one = { 1, 1 };

	if (s == NULL)
		return;
	inbox = st_mbox(s, ids[0], "INBOX");
	arch = st_mbox(s, ids[0], "Archive");
	st_append(s, ids[0], inbox, msg1, 0);
	st_append(s, ids[0], inbox, msg2, 0);
	st_append(s, ids[0], inbox, msg3, 0);
	/* a copy into the same mailbox is the same Email */
	CHECK_INT(store_copy(s, ids[0], inbox, &one, 1, inbox, NULL, NULL,
			     NULL), 0);
	CHECK_INT(store_mailbox_counts(s, ids[0], inbox, &n), 0);
	CHECK_INT(n.emails, 3);
	CHECK_INT(n.unread_emails, 3);
	CHECK_INT(n.threads, 2);
	CHECK_INT(n.unread_threads, 2);
	CHECK_INT(store_flags(s, ids[0], inbox, &all, 1, STORE_FLAGS_ADD,
			      STORE_F_DRAFT, NULL, STORE_UNCHANGEDSINCE_NONE,
			      NULL, NULL, NULL), 0);
	CHECK_INT(store_mailbox_counts(s, ids[0], inbox, &n), 0);
	CHECK_INT(n.unread_emails, 0);
	CHECK_INT(n.unread_threads, 0);
	CHECK_INT(store_mailbox_counts(s, ids[1], inbox, &n),
		  STORE_ENOTFOUND);

	/* role and sortOrder; a role is one mailbox's */
	CHECK_INT(store_mailbox_set_props(s, ids[0], inbox,
					  STORE_MBOX_SET_ROLE, STORE_SU_ARCHIVE,
					  0, NULL, NULL), STORE_EEXIST);
	CHECK_INT(store_mailbox_set_props(s, ids[0], arch,
					  STORE_MBOX_SET_ROLE |
					  STORE_MBOX_SET_SORT, 0, 7, NULL,
					  NULL), 0);
	CHECK_INT(store_mailbox_set_props(s, ids[0], inbox,
					  STORE_MBOX_SET_ROLE, STORE_SU_ARCHIVE,
					  0, NULL, NULL), 0);
	CHECK_INT(store_mailbox_status(s, ids[0], arch, &mb), 0);
	CHECK_INT(mb.special_use, 0);
	CHECK_INT(mb.sort_order, 7);
	CHECK(mb.props_modseq > mb.created_modseq);
	store_mailbox_clear(&mb);
	CHECK_INT(store_mailbox_set_props(s, ids[0], inbox, STORE_MBOX_SET_ROLE,
					  STORE_SU_ARCHIVE | STORE_SU_SENT, 0,
					  NULL, NULL), STORE_EINVAL);
	CHECK_INT(store_mailbox_set_props(s, ids[1], inbox, STORE_MBOX_SET_SORT,
					  0, 1, NULL, NULL), STORE_ENOTFOUND);
	store_close(&s);
}

/* an older tern writing to a version-2 folder leaves rows without ids
 * and mailbox modseqs past the account's: the next open mends both */
TEST(store_schema_mends_old_writes)
{
	int64_t ids[3], inbox;
	struct store *s = st_setup("mend", ids);
	struct store_email_rows rows;
	char e1[STORE_OBJECTID_MAX], t1[STORE_OBJECTID_MAX];
	char path[512];
	sqlite3 *db;
	uint64_t m;
	uint32_t u1;

	if (s == NULL)
		return;
	inbox = st_mbox(s, ids[0], "INBOX");
	u1 = st_append(s, ids[0], inbox, msg1, 0);
	st_ids(s, ids[0], inbox, u1, e1, t1);
	store_close(&s);
	snprintf(path, sizeof(path), "%s/mend/tern.db", test_tmpdir());
	CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
	sql(db, "UPDATE messages SET emailid = NULL, threadid = NULL;"
	    " UPDATE mailboxes SET highestmodseq = 500 WHERE name = 'INBOX'");
	sqlite3_close(db);
	s = st_open("mend", true);
	if (s == NULL)
		return;
	CHECK_INT(store_email_rows(s, ids[0], e1, &rows), 0);
	if (rows.n == 1) {
		char t[STORE_OBJECTID_MAX];

		store_objectid_fmt(t, 'T', rows.v[0].threadid);
		CHECK_STR(t, t1);
	}
	store_email_rows_free(&rows);
	CHECK_INT(store_account_modseq(s, ids[0], &m), 0);
	CHECK_INT(m, 500);
	store_close(&s);
}
