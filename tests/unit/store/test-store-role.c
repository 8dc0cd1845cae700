/* test-store-role.c - postmaster@ and abuse@ every local domain: the
 * configured target, the first account by default, an account or alias
 * of that name first, never a remote target */
#include "store-test-util.h"

static struct store *
role_open(const char *name, const char *postmaster, const char *abuse,
	  int *ret_r)
{
	struct store_settings set;
	struct store *s = NULL;
	char path[512], *err = NULL;

	snprintf(path, sizeof(path), "%s/%s", test_tmpdir(), name);
	memset(&set, 0, sizeof(set));
	set.data_dir = path;
	set.unsafe_no_fsync = true;
	set.postmaster = postmaster;
	set.abuse = abuse;
	*ret_r = store_open(&set, &s, &err);
	free(err);
	return s;
}

/* the one local account address resolves to, or "" */
static const char *
one_target(struct store *s, const char *addr, char *out, size_t len)
{
	struct store_resolved r;

	out[0] = '\0';
	if (store_resolve(s, addr, &r) == 0) {
		if (r.n == 1 && r.v[0].kind == STORE_TARGET_LOCAL)
			snprintf(out, len, "%s", r.v[0].address);
		store_resolved_free(&r);
	}
	return out;
}

TEST(store_role_default_is_first_account)
{
	char t[128];
	struct store_resolved r;
	int ret;
	struct store *s = role_open("role1", NULL, "", &ret);

	CHECK_INT(ret, 0);
	CHECK_INT(store_domain_add(s, "example.org", NULL, NULL), 0);
	CHECK_INT(store_domain_add(s, "other.org", NULL, NULL), 0);
	/* no account yet: nowhere to go */
	CHECK_INT(store_resolve(s, "postmaster@example.org", &r), STORE_ENOTFOUND);
	CHECK_INT(store_account_add(s, "b@other.org", "h", "s", NULL, NULL, NULL), 0);
	CHECK_INT(store_account_add(s, "a@example.org", "h", "s", NULL, NULL, NULL), 0);
	CHECK_STR(one_target(s, "postmaster@example.org", t, sizeof(t)), "b@other.org");
	CHECK_STR(one_target(s, "PostMaster@Other.Org", t, sizeof(t)), "b@other.org");
	CHECK_INT(store_resolve(s, "abuse@example.org", &r), STORE_ENOTFOUND);
	CHECK_INT(store_resolve(s, "postmaster@remote.net", &r), STORE_ENOTLOCAL);
	/* an alias of that name wins */
	CHECK_INT(store_alias_add(s, "postmaster@example.org", "a@example.org",
				  NULL, NULL), 0);
	CHECK_STR(one_target(s, "postmaster@example.org", t, sizeof(t)), "a@example.org");
	CHECK_STR(one_target(s, "postmaster@other.org", t, sizeof(t)), "b@other.org");
	/* the first account gone, the next oldest */
	CHECK_INT(store_account_remove(s, "b@other.org", NULL, NULL), 0);
	CHECK_STR(one_target(s, "postmaster@other.org", t, sizeof(t)), "a@example.org");
	store_close(&s);
}

TEST(store_role_configured_targets)
{
	char t[128];
	struct store_resolved r;
	int ret;
	struct store *s = role_open("role2", "Team@Example.org", "c@example.org",
				    &ret);

	CHECK_INT(ret, 0);
	CHECK_INT(store_domain_add(s, "example.org", NULL, NULL), 0);
	CHECK_INT(store_account_add(s, "a@example.org", "h", "s", NULL, NULL, NULL), 0);
	CHECK_INT(store_account_add(s, "c@example.org", "h", "s", NULL, NULL, NULL), 0);
	/* the target alias does not exist yet */
	CHECK_INT(store_resolve(s, "postmaster@example.org", &r), STORE_ENOTFOUND);
	CHECK_INT(store_alias_add(s, "team@example.org", "a@example.org", NULL, NULL), 0);
	CHECK_INT(store_alias_add(s, "team@example.org", "c@example.org", NULL, NULL), 0);
	CHECK_INT(store_resolve(s, "postmaster@example.org", &r), 0);
	CHECK_INT(r.n, 2);
	store_resolved_free(&r);
	CHECK_STR(one_target(s, "abuse@example.org", t, sizeof(t)), "c@example.org");
	/* a catch-all does not take the role's mail */
	CHECK_INT(store_alias_add(s, "@example.org", "a@example.org", NULL, NULL), 0);
	CHECK_STR(one_target(s, "abuse@example.org", t, sizeof(t)), "c@example.org");
	store_close(&s);
}

TEST(store_role_never_remote_and_bad_setting)
{
	struct store_resolved r;
	int ret;
	struct store *s = role_open("role3", "root@remote.net", NULL, &ret);

	CHECK_INT(ret, 0);
	CHECK_INT(store_domain_add(s, "example.org", NULL, NULL), 0);
	CHECK_INT(store_account_add(s, "a@example.org", "h", "s", NULL, NULL, NULL), 0);
	CHECK_INT(store_resolve(s, "postmaster@example.org", &r), STORE_ENOTFOUND);
	store_close(&s);
	s = role_open("role4", "not an address", NULL, &ret);
	CHECK_INT(ret, STORE_EINVAL);
	CHECK(s == NULL);
}
