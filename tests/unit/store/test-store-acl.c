/* test-store-acl.c - RFC 4314 rights strings (well-formed, obsolete c/d,
 * malformed) and the acl table: entries, limits, the owner's implicit
 * rights, "anyone", cleanup when a mailbox or an account goes */
#include "store-test-util.h"

static unsigned
parse(const char *s, int *rc_r)
{
	unsigned r = 0xdead;

	*rc_r = store_acl_parse(s, &r);
	return r;
}

TEST(store_acl_parse_rights)
{
	char b[STORE_ACL_STRMAX];
	int rc;

	CHECK_INT(parse("", &rc), 0);
	CHECK_INT(rc, 0);
	CHECK_INT(parse("lrswipkxtea", &rc), STORE_ACL_ALL);
	CHECK_INT(rc, 0);
	CHECK_INT(parse("l", &rc), STORE_ACL_L);
	CHECK_INT(parse("aetxkpiwsrl", &rc), STORE_ACL_ALL);	/* any order */
	CHECK_INT(parse("llrr", &rc), STORE_ACL_L | STORE_ACL_R);
	/* RFC 4314 2.1.1: c = k x, d = t e */
	CHECK_INT(parse("c", &rc), STORE_ACL_K | STORE_ACL_X);
	CHECK_INT(parse("d", &rc), STORE_ACL_T | STORE_ACL_E);
	CHECK_INT(parse("lrcd", &rc), STORE_ACL_L | STORE_ACL_R | STORE_ACL_K |
		  STORE_ACL_X | STORE_ACL_T | STORE_ACL_E);
	CHECK_INT(rc, 0);
	/* and back: canonical order, c and d for RFC 2086 clients */
	CHECK_STR(store_acl_format(STORE_ACL_ALL, b), "lrswipkxteacd");
	CHECK_STR(store_acl_format(0, b), "");
	CHECK_STR(store_acl_format(STORE_ACL_L | STORE_ACL_R, b), "lr");
	CHECK_STR(store_acl_format(STORE_ACL_K, b), "kc");
	CHECK_STR(store_acl_format(STORE_ACL_E | STORE_ACL_S, b), "sed");
	parse("sed", &rc);
	CHECK_INT(rc, 0);
}

TEST(store_acl_parse_malformed)
{
	static const char *const bad[] = {
		"L", "lr ", " lr", "+lr", "-lr", "lrz", "0", "lr\t", "é",
		"lr\x01", "\xff", "R", "lrswipkxteab", "n",
	};
	int rc;

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		unsigned r = parse(bad[i], &rc);

		CHECK_INT(rc, STORE_EINVAL);
		CHECK_INT(r, 0);	/* nothing half-parsed */
	}
}

static struct store *
acl_open(const char *name, uint64_t max_entries, uint64_t max_id)
{
	struct store_settings set;
	struct store *s = NULL;
	char path[512], *err = NULL;

	snprintf(path, sizeof(path), "%s/%s", test_tmpdir(), name);
	memset(&set, 0, sizeof(set));
	set.data_dir = path;
	set.unsafe_no_fsync = true;
	set.acl_max_entries = max_entries;
	set.acl_max_identifier = max_id;
	if (store_open(&set, &s, &err) < 0)
		test_fail(__FILE__, __LINE__, "store_open: %s", err ? err : "");
	free(err);
	return s;
}

TEST(store_acl_entries)
{
	struct store *s = acl_open("acl1", 3, 24);
	int64_t a, b, c, inbox, team;
	struct store_mailbox m;
	struct store_acl_rows rows;
	unsigned r, now;

	CHECK_INT(store_domain_add(s, "x.test", NULL, NULL), 0);
	CHECK_INT(store_account_add(s, "a@x.test", "", "", &a, NULL, NULL), 0);
	CHECK_INT(store_account_add(s, "b@x.test", "", "", &b, NULL, NULL), 0);
	CHECK_INT(store_account_add(s, "c@x.test", "", "", &c, NULL, NULL), 0);
	CHECK_INT(store_mailbox_create(s, a, "Team", 0, &team, NULL, NULL), 0);
	CHECK_INT(store_mailbox_get(s, a, "INBOX", &m), 0);
	inbox = m.id;
	store_mailbox_clear(&m);

	/* the owner: everything, without an entry; others: nothing */
	CHECK_INT(store_acl_rights(s, a, "a@x.test", a, team, &r), 0);
	CHECK_INT(r, STORE_ACL_ALL);
	CHECK_INT(store_acl_rights(s, b, "b@x.test", a, team, &r), 0);
	CHECK_INT(r, 0);

	CHECK_INT(store_acl_set(s, a, team, "B@X.test", STORE_ACL_REPLACE,
				STORE_ACL_L | STORE_ACL_R, &now, NULL, NULL), 0);
	CHECK_INT(now, STORE_ACL_L | STORE_ACL_R);
	CHECK_INT(store_acl_set(s, a, team, "b@x.test", STORE_ACL_ADD,
				STORE_ACL_W, &now, NULL, NULL), 0);
	CHECK_INT(now, STORE_ACL_L | STORE_ACL_R | STORE_ACL_W);
	CHECK_INT(store_acl_set(s, a, team, "anyone", STORE_ACL_REPLACE,
				STORE_ACL_L | STORE_ACL_P, NULL, NULL, NULL), 0);
	CHECK_INT(store_acl_rights(s, b, "b@x.test", a, team, &r), 0);
	CHECK_INT(r, STORE_ACL_L | STORE_ACL_R | STORE_ACL_W | STORE_ACL_P);
	CHECK_INT(store_acl_rights(s, c, "c@x.test", a, team, &r), 0);
	CHECK_INT(r, STORE_ACL_L | STORE_ACL_P);
	/* scoped: an entry on Team says nothing of INBOX */
	CHECK_INT(store_acl_rights(s, b, "b@x.test", a, inbox, &r), 0);
	CHECK_INT(r, 0);
	/* a wrong owner for the mailbox: no rights, not found */
	CHECK_INT(store_acl_rights(s, b, "b@x.test", c, team, &r), 0);
	CHECK_INT(r, 0);
	CHECK_INT(store_acl_set(s, c, team, "b@x.test", STORE_ACL_REPLACE,
				STORE_ACL_ALL, NULL, NULL, NULL),
		  STORE_ENOTFOUND);

	/* refused: negative, the owner, unknown, malformed, too long */
	CHECK_INT(store_acl_set(s, a, team, "-b@x.test", STORE_ACL_REPLACE,
				STORE_ACL_L, NULL, NULL, NULL), STORE_EINVAL);
	CHECK_INT(store_acl_set(s, a, team, "a@x.test", STORE_ACL_REPLACE,
				STORE_ACL_L, NULL, NULL, NULL), STORE_EINVAL);
	CHECK_INT(store_acl_set(s, a, team, "z@x.test", STORE_ACL_REPLACE,
				STORE_ACL_L, NULL, NULL, NULL), STORE_ENOTFOUND);
	CHECK_INT(store_acl_set(s, a, team, "nobody", STORE_ACL_REPLACE,
				STORE_ACL_L, NULL, NULL, NULL), STORE_EINVAL);
	CHECK_INT(store_acl_set(s, a, team, "abcdefghijklmnopqr@x.test",
				STORE_ACL_REPLACE, STORE_ACL_L, NULL, NULL,
				NULL), STORE_ELIMIT);
	/* the third entry fits, a fourth does not; changing one does */
	CHECK_INT(store_acl_set(s, a, team, "c@x.test", STORE_ACL_REPLACE,
				STORE_ACL_L, NULL, NULL, NULL), 0);
	CHECK_INT(store_domain_add(s, "y.test", NULL, NULL), 0);
	CHECK_INT(store_account_add(s, "d@y.test", "", "", NULL, NULL, NULL), 0);
	CHECK_INT(store_acl_set(s, a, team, "d@y.test", STORE_ACL_REPLACE,
				STORE_ACL_L, NULL, NULL, NULL), STORE_ELIMIT);
	CHECK_INT(store_acl_set(s, a, team, "c@x.test", STORE_ACL_ADD,
				STORE_ACL_R, NULL, NULL, NULL), 0);

	CHECK_INT(store_acl_get(s, a, team, &rows), 0);
	CHECK_INT(rows.n, 3);
	CHECK_STR(rows.v[0].identifier, "anyone");
	CHECK_STR(rows.v[1].identifier, "b@x.test");
	CHECK_STR(rows.v[2].identifier, "c@x.test");
	CHECK_INT(rows.v[2].rights, STORE_ACL_L | STORE_ACL_R);
	store_acl_rows_free(&rows);
	CHECK_INT(store_acl_get(s, b, team, &rows), STORE_ENOTFOUND);

	/* shared with b: one row per mailbox, b's and anyone's together */
	CHECK_INT(store_acl_rows(s, "b@x.test", &rows), 0);
	CHECK_INT(rows.n, 1);
	CHECK_STR(rows.v[0].owner, "a@x.test");
	CHECK_STR(rows.v[0].mailbox, "Team");
	CHECK_INT(rows.v[0].rights, STORE_ACL_L | STORE_ACL_R | STORE_ACL_W |
		  STORE_ACL_P);
	store_acl_rows_free(&rows);

	/* removing every right removes the entry */
	CHECK_INT(store_acl_set(s, a, team, "c@x.test", STORE_ACL_REMOVE,
				STORE_ACL_L | STORE_ACL_R, &now, NULL, NULL), 0);
	CHECK_INT(now, 0);
	CHECK_INT(store_acl_get(s, a, team, &rows), 0);
	CHECK_INT(rows.n, 2);
	store_acl_rows_free(&rows);

	/* a new child starts with its parent's entries */
	CHECK_INT(store_mailbox_create(s, a, "Team/Kid", 0, NULL, NULL, NULL),
		  0);
	CHECK_INT(store_mailbox_get(s, a, "Team/Kid", &m), 0);
	CHECK_INT(store_acl_rights(s, b, "b@x.test", a, m.id, &r), 0);
	CHECK_INT(r, STORE_ACL_L | STORE_ACL_R | STORE_ACL_W | STORE_ACL_P);
	CHECK_INT(store_mailbox_delete(s, a, "Team/Kid", NULL, NULL), 0);
	store_mailbox_clear(&m);

	/* an account that goes takes its entries; a mailbox too */
	CHECK_INT(store_account_remove(s, "b@x.test", NULL, NULL), 0);
	CHECK_INT(store_acl_get(s, a, team, &rows), 0);
	CHECK_INT(rows.n, 1);
	store_acl_rows_free(&rows);
	CHECK_INT(store_mailbox_delete(s, a, "Team", NULL, NULL), 0);
	CHECK_INT(store_acl_rows(s, NULL, &rows), 0);
	CHECK_INT(rows.n, 0);
	store_acl_rows_free(&rows);
	store_close(&s);
}
