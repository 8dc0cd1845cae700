/* test-store-append-many.c - store_append_many: several messages in one
 * commit, all or none (MULTIAPPEND, CATENATE), REPLACE's expunge in the
 * same commit, and parked blobs (no fd while they wait) */
#include "store-test-util.h"

static void
msgs_init(struct store *s, struct store_append_msg *m, size_t n,
	  bool park)
{
	char text[64];

	memset(m, 0, n * sizeof(*m));
	for (size_t i = 0; i < n; i++) {
		snprintf(text, sizeof(text), "Subject: m%zu\r\n\r\nbody\r\n", i);
		m[i].blob = st_blob(s, text);
		if (park)
			CHECK_INT(store_blob_park(m[i].blob, true), 0);
	}
}

TEST(store_append_many_one_commit)
{
	int64_t ids[3];
	/* fsync on: a parked blob's sync reopens its file */
	struct store *s = st_open2("am", false, false);
	struct store_append_msg m[3];
	int64_t inbox;
	char *text;

	CHECK_INT(store_domain_add(s, "example.org", NULL, NULL), 0);
	CHECK_INT(store_account_add(s, "a@example.org", "$argon2id$x", "scram",
				    &ids[0], NULL, NULL), 0);
	inbox = st_mbox(s, ids[0], "INBOX");
	msgs_init(s, m, 3, true);
	m[1].flags = STORE_F_SEEN;
	m[1].keywords = "$Work";
	CHECK_INT(store_append_many(s, ids[0], inbox, m, 3, 0, 0, 0, NULL,
				    NULL),
		  0);
	for (int i = 0; i < 3; i++) {
		CHECK(m[i].blob == NULL);
		CHECK_INT(m[i].uid, (uint32_t)i + 1);
	}
	CHECK_INT(st_count_files("am", "blobs"), 3);
	text = st_read(s, ids[0], inbox, 2);
	CHECK_STR(text, "Subject: m1\r\n\r\nbody\r\n");
	free(text);
	store_close(&s);
}

TEST(store_append_many_all_or_none)
{
	int64_t ids[3], inbox, work;
	struct store *s = st_setup("an", ids);
	struct store_append_msg m[3];
	struct store_mailbox mb;
	char *text;

	inbox = st_mbox(s, ids[0], "INBOX");
	CHECK_INT(store_mailbox_create(s, ids[0], "Work", 0, NULL, NULL, NULL), 0);
	work = st_mbox(s, ids[0], "Work");
	/* over the message quota with the third: none of them */
	CHECK_INT(store_account_set_quota(s, "a@example.org", 0, 2, NULL, NULL), 0);
	msgs_init(s, m, 3, false);
	CHECK_INT(store_append_many(s, ids[0], inbox, m, 3, 0, 0, 0, NULL,
				    NULL),
		  STORE_EQUOTA);
	CHECK_INT(st_count_files_settled("an", "blobs", 0), 0);
	CHECK_INT(store_mailbox_get(s, ids[0], "INBOX", &mb), 0);
	CHECK_INT(mb.messages, 0);
	CHECK_INT(mb.uidnext, 1);	/* rolled back too */
	store_mailbox_clear(&mb);
	CHECK_INT(store_account_set_quota(s, "a@example.org", 0, 0, NULL, NULL), 0);

	/* REPLACE of a message that is gone: nothing appended */
	msgs_init(s, m, 1, false);
	CHECK_INT(store_append_many(s, ids[0], work, m, 1, ids[0], inbox, 1,
				    NULL, NULL), STORE_ENOTFOUND);
	CHECK_INT(store_mailbox_get(s, ids[0], "Work", &mb), 0);
	CHECK_INT(mb.messages, 0);
	store_mailbox_clear(&mb);

	/* REPLACE of another account's mailbox: refused */
	msgs_init(s, m, 1, false);
	CHECK_INT(store_append_many(s, ids[0], inbox, m, 1, 0, 0, 0, NULL,
				    NULL),
		  0);
	msgs_init(s, m, 1, false);
	CHECK(store_append_many(s, ids[1], st_mbox(s, ids[1], "INBOX"), m, 1,
				ids[1], inbox, 1, NULL, NULL) < 0);
	CHECK_INT(store_mailbox_get(s, ids[0], "INBOX", &mb), 0);
	CHECK_INT(mb.messages, 1);
	store_mailbox_clear(&mb);

	/* REPLACE: the old one goes in the same commit */
	msgs_init(s, m, 1, false);
	CHECK_INT(store_append_many(s, ids[0], work, m, 1, ids[0], inbox, 1,
				    NULL, NULL), 0);
	CHECK_INT(m[0].uid, 1);
	CHECK_INT(store_mailbox_get(s, ids[0], "INBOX", &mb), 0);
	CHECK_INT(mb.messages, 0);
	store_mailbox_clear(&mb);
	text = st_read(s, ids[0], work, 1);
	CHECK_STR(text, "Subject: m0\r\n\r\nbody\r\n");
	free(text);
	store_close(&s);
}
