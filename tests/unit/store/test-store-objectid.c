/* test-store-objectid.c - OBJECTID (RFC 8474) ids: stable across
 * reopening the store, different per store and per input */
#include "store-test-util.h"

#include <sqlite3.h>

TEST(store_objectid_stable_across_reopen)
{
	struct store *s = st_open("oid", true);
	char a[STORE_OBJECTID_MAX], b[STORE_OBJECTID_MAX];
	char c[STORE_OBJECTID_MAX], d[STORE_OBJECTID_MAX];
	char path[512];
	sqlite3 *db;
	sqlite3_stmt *st;
	int rows = 0;
	int64_t k[2] = { 0, 0 };

	if (s == NULL)
		return;
	/* the first open makes the secret */
	store_mailbox_objectid(s, 7, 1000, a);
	store_mailbox_objectid(s, 7, 1001, c);
	store_mailbox_objectid(s, 8, 1000, d);
	CHECK(a[0] == 'F' && strlen(a) == 17);
	CHECK(strcmp(a, c) != 0 && strcmp(a, d) != 0);
	store_close(&s);
	s = st_open("oid", true);
	if (s == NULL)
		return;
	store_mailbox_objectid(s, 7, 1000, b);
	CHECK_STR(b, a);
	store_close(&s);
	/* two secret rows, both used (a different store: other ids) */
	snprintf(path, sizeof(path), "%s/oid/tern.db", test_tmpdir());
	CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
	CHECK_INT(sqlite3_prepare_v2(db, "SELECT key, value FROM meta WHERE"
				     " key LIKE 'objectid_k%' ORDER BY key",
				     -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW)
		k[rows++ & 1] = sqlite3_column_int64(st, 1);
	sqlite3_finalize(st);
	CHECK_INT(rows, 2);
	CHECK(k[0] != k[1]);
	sqlite3_exec(db, "UPDATE meta SET value = value + 1"
		     " WHERE key = 'objectid_k1'", NULL, NULL, NULL);
	sqlite3_close(db);
	s = st_open("oid", true);
	if (s == NULL)
		return;
	store_mailbox_objectid(s, 7, 1000, b);
	CHECK(strcmp(b, a) != 0);
	store_close(&s);
}
