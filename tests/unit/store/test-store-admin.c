/* test-store-admin.c - schema, domains, accounts, aliases, resolution */
#include "store-test-util.h"

#include <sys/stat.h>

TEST(store_open_creates_layout)
{
	struct store *s = st_open("d", true);
	char path[600];
	struct stat st;

	CHECK(s != NULL);
	snprintf(path, sizeof(path), "%s/d/tern.db", test_tmpdir());
	CHECK(stat(path, &st) == 0);
	snprintf(path, sizeof(path), "%s/d/blobs", test_tmpdir());
	CHECK(stat(path, &st) == 0 && S_ISDIR(st.st_mode));
	snprintf(path, sizeof(path), "%s/d/tmp", test_tmpdir());
	CHECK(stat(path, &st) == 0 && S_ISDIR(st.st_mode));
	store_close(&s);
	CHECK(s == NULL);
	/* reopen an existing store */
	s = st_open("d", true);
	CHECK(s != NULL);
	store_close(&s);
}

TEST(store_open_errors)
{
	struct store_settings set;
	struct store *s = NULL;
	char *err = NULL;

	memset(&set, 0, sizeof(set));
	CHECK_INT(store_open(&set, &s, &err), STORE_EINVAL);
	CHECK(err != NULL);
	free(err);
	CHECK_STR(store_strerror(STORE_EQUOTA), "quota exceeded");
}

TEST(store_address_normalize_rules)
{
	char *a = NULL;

	CHECK_INT(store_address_normalize("Bob@Example.ORG", false, &a), 0);
	CHECK_STR(a, "bob@example.org");
	free(a);
	CHECK_INT(store_address_normalize("@example.org", false, &a),
		  STORE_EBADADDR);
	CHECK_INT(store_address_normalize("@Example.org", true, &a), 0);
	CHECK_STR(a, "@example.org");
	free(a);
	CHECK_INT(store_address_normalize("nodomain", false, &a),
		  STORE_EBADADDR);
	CHECK_INT(store_address_normalize("a b@x.org", false, &a),
		  STORE_EBADADDR);
	CHECK_INT(store_address_normalize("a@x..org", false, &a),
		  STORE_EBADADDR);
	CHECK_INT(store_address_normalize("a@", false, &a), STORE_EBADADDR);
}

TEST(store_domains)
{
	struct store *s = st_open("d", true);
	struct store_strlist l;

	CHECK_INT(store_domain_add(s, "Example.ORG", NULL, NULL), 0);
	CHECK_INT(store_domain_add(s, "example.org", NULL, NULL), STORE_EEXIST);
	CHECK_INT(store_domain_add(s, "bad domain", NULL, NULL),
		  STORE_EBADADDR);
	CHECK_INT(store_domain_add(s, "b.example", NULL, NULL), 0);
	CHECK(store_is_local_domain(s, "EXAMPLE.org"));
	CHECK(!store_is_local_domain(s, "other.org"));
	CHECK_INT(store_domain_list(s, &l), 0);
	CHECK_INT(l.n, 2);
	if (l.n == 2) {
		CHECK_STR(l.v[0], "b.example");
		CHECK_STR(l.v[1], "example.org");
	}
	store_strlist_free(&l);
	CHECK_INT(store_account_add(s, "u@b.example", NULL, NULL, NULL, NULL,
				    NULL), 0);
	CHECK_INT(store_domain_remove(s, "b.example", NULL, NULL),
		  STORE_ENOTEMPTY);
	CHECK_INT(store_account_remove(s, "u@b.example", NULL, NULL), 0);
	CHECK_INT(store_domain_remove(s, "b.example", NULL, NULL), 0);
	CHECK_INT(store_domain_remove(s, "b.example", NULL, NULL),
		  STORE_ENOTFOUND);
	CHECK(!store_is_local_domain(s, "b.example"));
	store_close(&s);
}

TEST(store_accounts)
{
	struct store *s = st_open("d", true);
	struct store_account a;
	struct store_account_list l;
	struct store_auth au;
	struct store_mailbox_list ml;
	int64_t id = 0;

	CHECK_INT(store_account_add(s, "a@example.org", "h", "s", &id, NULL,
				    NULL), STORE_ENOTLOCAL);
	CHECK_INT(store_domain_add(s, "example.org", NULL, NULL), 0);
	CHECK_INT(store_account_add(s, "A@Example.org", "h1", "s1", &id, NULL,
				    NULL), 0);
	CHECK(id > 0);
	CHECK_INT(store_account_add(s, "a@example.org", "h", "s", NULL, NULL,
				    NULL), STORE_EEXIST);
	CHECK_INT(store_account_add(s, "bad", "h", "s", NULL, NULL, NULL),
		  STORE_EBADADDR);
	CHECK_INT(store_account_get(s, "a@EXAMPLE.org", 0, &a), 0);
	CHECK_INT(a.id, id);
	CHECK_STR(a.address, "a@example.org");
	CHECK(a.enabled);
	CHECK_INT(a.used_messages, 0);
	store_account_clear(&a);

	CHECK_INT(store_auth_lookup(s, "A@EXAMPLE.ORG", &au), 0);
	CHECK_INT(au.account_id, id);
	CHECK_STR(au.password_hash, "h1");
	CHECK_STR(au.scram, "s1");
	CHECK(au.enabled);
	store_auth_clear(&au);
	CHECK_INT(store_auth_lookup(s, "nobody@example.org", &au),
		  STORE_ENOTFOUND);

	CHECK_INT(store_account_set_password(s, "a@example.org", "h2", "s2",
					     NULL, NULL), 0);
	CHECK_INT(store_account_set_enabled(s, "a@example.org", false, NULL,
					    NULL), 0);
	CHECK_INT(store_auth_lookup(s, "a@example.org", &au), 0);
	CHECK_STR(au.password_hash, "h2");
	CHECK(!au.enabled);
	store_auth_clear(&au);
	CHECK_INT(store_account_set_password(s, "x@example.org", "h", "s",
					     NULL, NULL), STORE_ENOTFOUND);
	CHECK_INT(store_account_set_quota(s, "a@example.org", 1000, 10, NULL,
					  NULL), 0);
	CHECK_INT(store_account_get(s, NULL, id, &a), 0);
	CHECK_INT(a.quota_bytes, 1000);
	CHECK_INT(a.quota_messages, 10);
	store_account_clear(&a);

	/* default mailboxes with special-use */
	CHECK_INT(store_mailbox_list(s, id, &ml), 0);
	CHECK_INT(ml.n, 6);
	if (ml.n == 6) {
		CHECK_STR(ml.v[0].name, "INBOX");
		for (size_t i = 0; i < ml.n; i++) {
			CHECK(ml.v[i].attrs & STORE_MBX_SUBSCRIBED);
			if (strcmp(ml.v[i].name, "Sent") == 0)
				CHECK_INT(ml.v[i].special_use, STORE_SU_SENT);
			if (strcmp(ml.v[i].name, "Trash") == 0)
				CHECK_INT(ml.v[i].special_use, STORE_SU_TRASH);
			if (strcmp(ml.v[i].name, "Junk") == 0)
				CHECK_INT(ml.v[i].special_use, STORE_SU_JUNK);
			if (strcmp(ml.v[i].name, "Drafts") == 0)
				CHECK_INT(ml.v[i].special_use, STORE_SU_DRAFTS);
			if (strcmp(ml.v[i].name, "Archive") == 0)
				CHECK_INT(ml.v[i].special_use,
					  STORE_SU_ARCHIVE);
		}
	}
	store_mailbox_list_free(&ml);

	CHECK_INT(store_account_add(s, "b@example.org", NULL, NULL, NULL, NULL,
				    NULL), 0);
	CHECK_INT(store_account_list(s, NULL, &l), 0);
	CHECK_INT(l.n, 2);
	store_account_list_free(&l);
	CHECK_INT(store_account_list(s, "nope.org", &l), STORE_ENOTFOUND);
	CHECK_INT(store_account_remove(s, "b@example.org", NULL, NULL), 0);
	CHECK_INT(store_account_remove(s, "b@example.org", NULL, NULL),
		  STORE_ENOTFOUND);
	CHECK_INT(store_account_list(s, "example.org", &l), 0);
	CHECK_INT(l.n, 1);
	store_account_list_free(&l);
	store_close(&s);
}

TEST(store_aliases_and_resolve)
{
	int64_t ids[3];
	struct store *s = st_setup("d", ids);
	struct store_resolved r;
	struct store_alias_list al;

	/* exact, case-insensitive */
	CHECK_INT(store_resolve(s, "A@EXAMPLE.ORG", &r), 0);
	CHECK_INT(r.n, 1);
	CHECK_INT(r.v[0].kind, STORE_TARGET_LOCAL);
	CHECK_INT(r.v[0].account_id, ids[0]);
	CHECK_STR(r.v[0].address, "a@example.org");
	store_resolved_free(&r);

	/* plus-addressing */
	CHECK_INT(store_resolve(s, "b+lists@example.org", &r), 0);
	CHECK_INT(r.n, 1);
	CHECK_INT(r.v[0].account_id, ids[1]);
	store_resolved_free(&r);

	CHECK_INT(store_resolve(s, "zz@example.org", &r), STORE_ENOTFOUND);
	CHECK_INT(store_resolve(s, "a@other.org", &r), STORE_ENOTLOCAL);
	CHECK_INT(store_resolve(s, "bad address", &r), STORE_EBADADDR);

	/* alias to several targets: local, remote, another alias */
	CHECK_INT(store_alias_add(s, "team@example.org", "a@example.org",
				  NULL, NULL), 0);
	CHECK_INT(store_alias_add(s, "team@example.org", "ext@remote.net",
				  NULL, NULL), 0);
	CHECK_INT(store_alias_add(s, "team@example.org", "sub@example.org",
				  NULL, NULL), 0);
	CHECK_INT(store_alias_add(s, "sub@example.org", "c@example.org", NULL,
				  NULL), 0);
	CHECK_INT(store_alias_add(s, "sub@example.org", "a@example.org", NULL,
				  NULL), 0);
	CHECK_INT(store_alias_add(s, "team@example.org", "a@example.org",
				  NULL, NULL), STORE_EEXIST);
	CHECK_INT(store_alias_add(s, "a@example.org", "b@example.org", NULL,
				  NULL), STORE_EEXIST);
	CHECK_INT(store_alias_add(s, "x@nope.org", "b@example.org", NULL,
				  NULL), STORE_ENOTLOCAL);
	CHECK_INT(store_resolve(s, "Team@example.org", &r), 0);
	CHECK_INT(r.n, 3);	/* a (once), c, ext */
	{
		int local = 0, remote = 0;
		for (size_t i = 0; i < r.n; i++) {
			if (r.v[i].kind == STORE_TARGET_LOCAL)
				local++;
			else {
				remote++;
				CHECK_STR(r.v[i].address, "ext@remote.net");
			}
		}
		CHECK_INT(local, 2);
		CHECK_INT(remote, 1);
	}
	store_resolved_free(&r);
	/* plus on an alias */
	CHECK_INT(store_resolve(s, "sub+x@example.org", &r), 0);
	CHECK_INT(r.n, 2);
	store_resolved_free(&r);

	/* loop: x -> y -> x */
	CHECK_INT(store_alias_add(s, "x@example.org", "y@example.org", NULL,
				  NULL), 0);
	CHECK_INT(store_alias_add(s, "y@example.org", "x@example.org", NULL,
				  NULL), 0);
	CHECK_INT(store_resolve(s, "x@example.org", &r), STORE_ELOOP);

	/* catch-all */
	CHECK_INT(store_resolve(s, "whoever@example.org", &r),
		  STORE_ENOTFOUND);
	CHECK_INT(store_alias_add(s, "@example.org", "c@example.org", NULL,
				  NULL), 0);
	CHECK_INT(store_resolve(s, "whoever@example.org", &r), 0);
	CHECK_INT(r.n, 1);
	CHECK_INT(r.v[0].account_id, ids[2]);
	store_resolved_free(&r);
	/* exact still wins over catch-all */
	CHECK_INT(store_resolve(s, "a@example.org", &r), 0);
	CHECK_INT(r.v[0].account_id, ids[0]);
	store_resolved_free(&r);

	CHECK_INT(store_alias_list(s, "example.org", &al), 0);
	CHECK_INT(al.n, 8);
	if (al.n == 8)
		CHECK_STR(al.v[0].address, "@example.org");
	store_alias_list_free(&al);
	CHECK_INT(store_alias_remove(s, "team@example.org", "ext@remote.net",
				     NULL, NULL), 0);
	CHECK_INT(store_alias_remove(s, "team@example.org", "ext@remote.net",
				     NULL, NULL), STORE_ENOTFOUND);
	CHECK_INT(store_alias_remove(s, "sub@example.org", NULL, NULL, NULL),
		  0);
	CHECK_INT(store_resolve(s, "team@example.org", &r), 0);
	CHECK_INT(r.n, 2);	/* a@, and sub@ now falls to the catch-all c@ */
	store_resolved_free(&r);
	store_close(&s);
}

TEST(store_plus_separator_setting)
{
	struct store_settings set;
	struct store *s = NULL;
	struct store_resolved r;
	char path[512];

	snprintf(path, sizeof(path), "%s/p", test_tmpdir());
	memset(&set, 0, sizeof(set));
	set.data_dir = path;
	set.plus_separator = "-";
	set.unsafe_no_fsync = true;
	CHECK_INT(store_open(&set, &s, NULL), 0);
	CHECK_INT(store_domain_add(s, "example.org", NULL, NULL), 0);
	CHECK_INT(store_account_add(s, "bob@example.org", NULL, NULL, NULL,
				    NULL, NULL), 0);
	CHECK_INT(store_resolve(s, "bob-x@example.org", &r), 0);
	store_resolved_free(&r);
	CHECK_INT(store_resolve(s, "bob+x@example.org", &r), STORE_ENOTFOUND);
	store_close(&s);
}
