/* test-store-db.c - the checked row loop: a step that fails in the
 * middle of the rows is an error, never the end of the rows */
#include "test.h"
#include "store/store.h"
#include "store/store-private.h"

#include <string.h>

TEST(store_db_step_row_tells_done_from_failed)
{
	/* the third row raises "integer overflow" inside the step */
	static const char sql[] =
		"SELECT CASE WHEN x = 3 THEN abs(-9223372036854775807 - 1)"
		" ELSE x END FROM (SELECT 1 AS x UNION ALL SELECT 2"
		" UNION ALL SELECT 3 UNION ALL SELECT 4)";
	struct db db;
	sqlite3_stmt *st;
	int r, rows = 0;

	memset(&db, 0, sizeof(db));
	CHECK_INT(sqlite3_open(":memory:", &db.h), SQLITE_OK);
	CHECK_INT(sqlite3_prepare_v2(db.h, sql, -1, &st, NULL), SQLITE_OK);
	while ((r = db_step_row(&db, st, "test")) > 0)
		rows++;
	CHECK_INT(rows, 2);
	CHECK_INT(r, STORE_EIO);
	sqlite3_finalize(st);

	CHECK_INT(sqlite3_prepare_v2(db.h, "SELECT 1 UNION ALL SELECT 2", -1,
				     &st, NULL), SQLITE_OK);
	rows = 0;
	while ((r = db_step_row(&db, st, "test")) > 0)
		rows++;
	CHECK_INT(rows, 2);
	CHECK_INT(r, 0);
	sqlite3_finalize(st);
	sqlite3_close(db.h);
}
