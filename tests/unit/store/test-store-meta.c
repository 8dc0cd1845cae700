/* test-store-meta.c - subscriptions (names, not mailboxes) and METADATA
 * entries: depth, limits all or none, RENAME and DELETE */
#include "store-test-util.h"

static struct store *
meta_open(const char *name, const struct store_meta_limits *lim)
{
	struct store_settings set;
	struct store *s = NULL;
	char path[512], *err = NULL;

	snprintf(path, sizeof(path), "%s/%s", test_tmpdir(), name);
	memset(&set, 0, sizeof(set));
	set.data_dir = path;
	set.unsafe_no_fsync = true;
	if (lim)
		set.meta = *lim;
	if (store_open(&set, &s, &err) < 0) {
		test_fail(__FILE__, __LINE__, "store_open: %s", err ? err : "");
		free(err);
		return NULL;
	}
	CHECK_INT(store_domain_add(s, "example.org", NULL, NULL), 0);
	return s;
}

static const struct store_mailbox *
find(const struct store_mailbox_list *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].name, name) == 0)
			return &l->v[i];
	return NULL;
}

static bool
has_name(const struct store_strlist *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], name) == 0)
			return true;
	return false;
}

/* a name of another account's mailbox (IMAP's shared namespace) goes
 * in the same list; SUBSCRIBE needs the owner's mailbox */
TEST(store_subscriptions_other_account)
{
	struct store *s = meta_open("o", NULL);
	struct store_strlist names;
	struct store_mailbox_list l;
	int64_t a = 0, b = 0;

	CHECK_INT(store_account_add(s, "a@example.org", "h", "s", &a, NULL,
				    NULL), 0);
	CHECK_INT(store_account_add(s, "b@example.org", "h", "s", &b, NULL,
				    NULL), 0);
	CHECK_INT(store_mailbox_subscribe_other(s, b, "shared/a/Team", a,
						"Team", true, NULL, NULL),
		  STORE_ENOTFOUND);
	CHECK_INT(store_mailbox_create(s, a, "Team", 0, NULL, NULL, NULL), 0);
	CHECK_INT(store_mailbox_subscribe_other(s, b, "shared/a/Team", a,
						"Team", true, NULL, NULL), 0);
	CHECK_INT(store_subscription_list(s, b, &names), 0);
	CHECK(has_name(&names, "shared/a/Team") && has_name(&names, "INBOX"));
	store_strlist_free(&names);
	/* the owner's list is its own */
	CHECK_INT(store_mailbox_list_subscribed(s, a, &l), 0);
	CHECK(find(&l, "Team") != NULL &&
	      !(find(&l, "Team")->attrs & STORE_MBX_SUBSCRIBED));
	store_mailbox_list_free(&l);
	/* kept when the mailbox goes; UNSUBSCRIBE takes it away */
	CHECK_INT(store_mailbox_delete(s, a, "Team", NULL, NULL), 0);
	CHECK_INT(store_subscription_list(s, b, &names), 0);
	CHECK(has_name(&names, "shared/a/Team"));
	store_strlist_free(&names);
	CHECK_INT(store_mailbox_subscribe_other(s, b, "shared/a/Team", a,
						NULL, false, NULL, NULL), 0);
	CHECK_INT(store_subscription_list(s, b, &names), 0);
	CHECK(!has_name(&names, "shared/a/Team") && has_name(&names, "INBOX"));
	store_strlist_free(&names);
	store_close(&s);
}

TEST(store_subscriptions_outlive_mailboxes)
{
	struct store *s = meta_open("d", NULL);
	struct store_mailbox_list l;
	const struct store_mailbox *m;
	int64_t id = 0;

	CHECK_INT(store_account_add(s, "a@example.org", "h", "s", &id, NULL,
				    NULL), 0);
	CHECK_INT(store_mailbox_subscribe(s, id, "p", true, NULL, NULL),
		  STORE_ENOTFOUND);
	CHECK_INT(store_mailbox_subscribe(s, id, "p", false, NULL, NULL), 0);
	CHECK_INT(store_mailbox_create(s, id, "p", 0, NULL, NULL, NULL), 0);
	CHECK_INT(store_mailbox_subscribe(s, id, "p", true, NULL, NULL), 0);
	CHECK_INT(store_mailbox_delete(s, id, "p", NULL, NULL), 0);
	/* the plain list: gone; the subscribed one: a NONEXISTENT entry */
	CHECK_INT(store_mailbox_list(s, id, &l), 0);
	CHECK(find(&l, "p") == NULL);
	store_mailbox_list_free(&l);
	CHECK_INT(store_mailbox_list_subscribed(s, id, &l), 0);
	m = find(&l, "p");
	CHECK(m != NULL && m->attrs == (STORE_MBX_SUBSCRIBED |
					STORE_MBX_NONEXISTENT));
	CHECK(find(&l, "INBOX") != NULL &&
	      (find(&l, "INBOX")->attrs & STORE_MBX_SUBSCRIBED));
	store_mailbox_list_free(&l);
	/* made again: subscribed again */
	CHECK_INT(store_mailbox_create(s, id, "p", 0, NULL, NULL, NULL), 0);
	CHECK_INT(store_mailbox_list_subscribed(s, id, &l), 0);
	m = find(&l, "p");
	CHECK(m != NULL && m->attrs == STORE_MBX_SUBSCRIBED);
	store_mailbox_list_free(&l);
	store_close(&s);
}

static int
meta_set1(struct store *s, int64_t id, const char *mbox, const char *name,
	  const char *value)
{
	struct store_meta_entry e = {
		.name = (char *)name, .value = (unsigned char *)value,
		.len = value ? strlen(value) : 0,
	};

	return store_meta_set(s, id, mbox, &e, 1, NULL, NULL);
}

TEST(store_meta_get_set_depth)
{
	struct store *s = meta_open("d", NULL);
	struct store_meta_list l;
	const char *names[] = { "/private/v" };
	int64_t id = 0, other = 0;

	CHECK_INT(store_account_add(s, "a@example.org", "h", "s", &id, NULL,
				    NULL), 0);
	CHECK_INT(store_account_add(s, "b@example.org", "h", "s", &other,
				    NULL, NULL), 0);
	CHECK_INT(meta_set1(s, id, "INBOX", "/private/v", "0"), 0);
	CHECK_INT(meta_set1(s, id, "INBOX", "/private/v/a", "1"), 0);
	CHECK_INT(meta_set1(s, id, "INBOX", "/private/v/a/b", "2"), 0);
	CHECK_INT(meta_set1(s, id, "INBOX", "/private/vx", "x"), 0);
	CHECK_INT(meta_set1(s, id, "", "/private/v", "server"), 0);
	CHECK_INT(store_meta_get(s, id, "INBOX", names, 1, 0, &l), 0);
	CHECK_INT(l.n, 1);
	store_meta_list_free(&l);
	CHECK_INT(store_meta_get(s, id, "INBOX", names, 1, 1, &l), 0);
	CHECK_INT(l.n, 2);
	store_meta_list_free(&l);
	CHECK_INT(store_meta_get(s, id, "INBOX", names, 1, -1, &l), 0);
	CHECK_INT(l.n, 3);	/* not /private/vx */
	if (l.n == 3)
		CHECK_STR(l.v[2].name, "/private/v/a/b");
	store_meta_list_free(&l);
	CHECK_INT(store_meta_get(s, id, "", names, 1, 0, &l), 0);
	CHECK_INT(l.n, 1);
	if (l.n == 1)
		CHECK_STR((char *)l.v[0].value, "server");
	store_meta_list_free(&l);
	/* another account's INBOX has none */
	CHECK_INT(store_meta_get(s, other, "INBOX", names, 1, -1, &l), 0);
	CHECK_INT(l.n, 0);
	store_meta_list_free(&l);
	CHECK_INT(store_meta_get(s, id, "nosuch", names, 1, 0, &l),
		  STORE_ENOTFOUND);
	/* RENAME carries them, DELETE drops them, account removal too */
	CHECK_INT(store_mailbox_create(s, id, "m", 0, NULL, NULL, NULL), 0);
	CHECK_INT(meta_set1(s, id, "m", "/shared/comment", "c"), 0);
	CHECK_INT(store_mailbox_rename(s, id, "m", "n", NULL, NULL), 0);
	names[0] = "/shared/comment";
	CHECK_INT(store_meta_get(s, id, "n", names, 1, 0, &l), 0);
	CHECK_INT(l.n, 1);
	store_meta_list_free(&l);
	CHECK_INT(store_mailbox_delete(s, id, "n", NULL, NULL), 0);
	CHECK_INT(store_mailbox_create(s, id, "n", 0, NULL, NULL, NULL), 0);
	CHECK_INT(store_meta_get(s, id, "n", names, 1, 0, &l), 0);
	CHECK_INT(l.n, 0);
	store_meta_list_free(&l);
	CHECK_INT(store_account_remove(s, "a@example.org", NULL, NULL), 0);
	store_close(&s);
}

TEST(store_meta_limits_all_or_none)
{
	struct store_meta_limits lim = {
		.max_value = 4, .max_entries_mailbox = 2, .max_entries = 3,
		.max_bytes = 60,
	};
	struct store *s = meta_open("d", &lim);
	struct store_meta_entry two[2] = {
		{ .name = "/private/a", .value = (unsigned char *)"1", .len = 1 },
		{ .name = "/private/b", .value = (unsigned char *)"12345",
		  .len = 5 },
	};
	struct store_meta_list l;
	const char *all[] = { "/private" };
	int64_t id = 0;

	CHECK_INT(store_account_add(s, "a@example.org", "h", "s", &id, NULL,
				    NULL), 0);
	CHECK_INT(store_meta_set(s, id, "INBOX", two, 2, NULL, NULL),
		  STORE_ETOOBIG);
	CHECK_INT(store_meta_get(s, id, "INBOX", all, 1, -1, &l), 0);
	CHECK_INT(l.n, 0);	/* /private/a was not set either */
	store_meta_list_free(&l);
	two[1].len = 4;
	CHECK_INT(store_meta_set(s, id, "INBOX", two, 2, NULL, NULL), 0);
	CHECK_INT(meta_set1(s, id, "INBOX", "/private/c", "1"), STORE_ELIMIT);
	CHECK_INT(meta_set1(s, id, "INBOX", "/private/a", "22"), 0);
	CHECK_INT(meta_set1(s, id, "", "/private/a", "1"), 0);
	CHECK_INT(meta_set1(s, id, "Sent", "/private/a", "1"), STORE_ELIMIT);
	CHECK_INT(meta_set1(s, id, "INBOX", "/private/b", NULL), 0);
	/* 3 entries: 10+2, 10+1, ... bytes; a long name passes 60 */
	CHECK_INT(meta_set1(s, id, "Sent",
			    "/private/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
			    "1"), STORE_EQUOTA);
	CHECK_INT(meta_set1(s, id, "Sent", "/private/z", "1"), 0);
	store_close(&s);
}
