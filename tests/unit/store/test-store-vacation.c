/* test-store-vacation.c - the vacation once-per-period record (one
 * claim per account, handle and sender until it expires, senders
 * without case, gone with the account) and reading a blob before its
 * commit */
#include "store-test-util.h"

#include "lib/buf.h"

TEST(store_vacation_claim_once_per_period)
{
	int64_t ids[3];
	struct store *s = st_setup("vac", ids);
	bool c = false;

	CHECK_INT(store_vacation_claim(s, ids[0], "h", "x@example.net", 1000,
				       60, &c), 0);
	CHECK(c);
	/* within the period: no; case of the sender does not matter */
	CHECK_INT(store_vacation_claim(s, ids[0], "h", "X@Example.NET", 1059,
				       60, &c), 0);
	CHECK(!c);
	/* another handle, sender or account is its own record */
	CHECK_INT(store_vacation_claim(s, ids[0], "h2", "x@example.net", 1001,
				       60, &c), 0);
	CHECK(c);
	CHECK_INT(store_vacation_claim(s, ids[0], "h", "y@example.net", 1001,
				       60, &c), 0);
	CHECK(c);
	CHECK_INT(store_vacation_claim(s, ids[1], "h", "x@example.net", 1001,
				       60, &c), 0);
	CHECK(c);
	/* expired: a reply again, and the record starts over */
	CHECK_INT(store_vacation_claim(s, ids[0], "h", "x@example.net", 1060,
				       60, &c), 0);
	CHECK(c);
	CHECK_INT(store_vacation_claim(s, ids[0], "h", "x@example.net", 1100,
				       60, &c), 0);
	CHECK(!c);
	CHECK_INT(store_vacation_claim(s, ids[0], "h", "", 1100, 60, &c),
		  STORE_EINVAL);
	/* the account's records go with it */
	CHECK_INT(store_account_remove(s, "a@example.org", NULL, NULL), 0);
	store_close(&s);
}

static void
blob_read_case(bool inline_bodies)
{
	struct store *s = st_open2(inline_bodies ? "bri" : "brf", true,
				   inline_bodies);
	struct store_blob *b = NULL;
	struct buf out = BUF_INIT;
	const char text[] = "Subject: x\r\n\r\nbody\r\n";

	CHECK_INT(store_blob_begin(s, &b), 0);
	CHECK_INT(store_blob_write(b, text, sizeof(text) - 1), 0);
	CHECK_INT(store_blob_read(b, 5, &out), 0);
	CHECK_INT((int)out.len, (int)(5 + sizeof(text) - 1));
	CHECK_MEM(out.data + 5, sizeof(text) - 1, text);
	/* the blob is still the writer's to commit or drop */
	store_blob_abort(&b);
	buf_free(&out);
	store_close(&s);
}

TEST(store_blob_read_before_commit)
{
	blob_read_case(true);
	blob_read_case(false);
}
