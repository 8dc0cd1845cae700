/* test-store-sieve.c - Sieve scripts in the store: put/replace keeping
 * active, one active at a time, the version, limits, delete of the
 * active one, rename, names, and the scripts going with the account */
#include "store-test-util.h"

static struct store *
sv_open(const char *name, const struct store_sieve_limits *lim, int64_t *a)
{
	struct store_settings set = { 0 };
	struct store *s;

	if (lim)
		set.sieve = *lim;
	if ((s = st_open_with(name, &set)) == NULL)
		return NULL;
	CHECK_INT(store_domain_add(s, "example.org", NULL, NULL), 0);
	CHECK_INT(store_account_add(s, "a@example.org", "h", "s", a, NULL,
				    NULL), 0);
	return s;
}

static int
put(struct store *s, int64_t a, const char *name, const char *text)
{
	return store_sieve_put(s, a, name, text, strlen(text), NULL, NULL);
}

TEST(store_sieve_put_get_active)
{
	int64_t a = 0, v1 = 0, v2 = 0, v3 = 0;
	struct store *s = sv_open("pga", NULL, &a);
	struct store_sieve_list l;
	char *text = NULL, *name = NULL;
	size_t len = 0;

	CHECK_INT(store_sieve_active(s, a, &name, &text, &len, &v1),
		  STORE_ENOTFOUND);
	CHECK_INT(put(s, a, "one", "keep;\r\n"), 0);
	CHECK_INT(put(s, a, "two", "discard;"), 0);
	CHECK_INT(store_sieve_get(s, a, "one", &text, &len), 0);
	CHECK_STR(text, "keep;\r\n");
	CHECK_INT((int)len, 7);
	free(text);
	CHECK_INT(store_sieve_get(s, a, "three", &text, &len),
		  STORE_ENOTFOUND);
	CHECK(text == NULL);

	CHECK_INT(store_sieve_setactive(s, a, "one", NULL, NULL), 0);
	CHECK_INT(store_sieve_active(s, a, &name, &text, &len, &v1), 0);
	CHECK_STR(name, "one");
	CHECK_STR(text, "keep;\r\n");
	free(name);
	free(text);
	/* replacing keeps it active and moves the version */
	CHECK_INT(put(s, a, "one", "stop;"), 0);
	CHECK_INT(store_sieve_active(s, a, NULL, &text, &len, &v2), 0);
	CHECK_STR(text, "stop;");
	free(text);
	CHECK(v2 > v1);
	/* another becomes the only active one, with a larger version even
	 * though it was written before */
	CHECK_INT(store_sieve_setactive(s, a, "two", NULL, NULL), 0);
	CHECK_INT(store_sieve_active(s, a, &name, NULL, NULL, &v3), 0);
	CHECK_STR(name, "two");
	free(name);
	CHECK(v3 > v2);
	CHECK_INT(store_sieve_list(s, a, &l), 0);
	CHECK_INT((int)l.n, 2);
	if (l.n == 2) {
		CHECK_STR(l.v[0].name, "one");
		CHECK(!l.v[0].active && l.v[0].size == 5);
		CHECK_STR(l.v[1].name, "two");
		CHECK(l.v[1].active && l.v[1].size == 8);
	}
	store_sieve_list_free(&l);
	/* none active */
	CHECK_INT(store_sieve_setactive(s, a, "", NULL, NULL), 0);
	CHECK_INT(store_sieve_active(s, a, NULL, NULL, NULL, NULL),
		  STORE_ENOTFOUND);
	CHECK_INT(store_sieve_setactive(s, a, "nope", NULL, NULL),
		  STORE_ENOTFOUND);
	/* an unknown account */
	CHECK_INT(put(s, a + 100, "x", "keep;"), STORE_ENOTFOUND);
	CHECK_INT(store_sieve_setactive(s, a + 100, NULL, NULL, NULL),
		  STORE_ENOTFOUND);
	store_close(&s);
}

TEST(store_sieve_delete_rename)
{
	int64_t a = 0, v1 = 0, v2 = 0;
	struct store *s = sv_open("dr", NULL, &a);
	char *name = NULL;

	CHECK_INT(put(s, a, "one", "keep;"), 0);
	CHECK_INT(put(s, a, "two", "keep;"), 0);
	CHECK_INT(store_sieve_setactive(s, a, "one", NULL, NULL), 0);
	CHECK_INT(store_sieve_delete(s, a, "one", NULL, NULL), STORE_EBUSY);
	CHECK_INT(store_sieve_delete(s, a, "zzz", NULL, NULL),
		  STORE_ENOTFOUND);
	CHECK_INT(store_sieve_rename(s, a, "one", "two", NULL, NULL),
		  STORE_EEXIST);
	CHECK_INT(store_sieve_rename(s, a, "nope", "new", NULL, NULL),
		  STORE_ENOTFOUND);
	CHECK_INT(store_sieve_active(s, a, NULL, NULL, NULL, &v1), 0);
	CHECK_INT(store_sieve_rename(s, a, "one", "uno", NULL, NULL), 0);
	CHECK_INT(store_sieve_active(s, a, &name, NULL, NULL, &v2), 0);
	CHECK_STR(name, "uno");
	free(name);
	CHECK(v2 > v1);
	CHECK_INT(store_sieve_delete(s, a, "two", NULL, NULL), 0);
	CHECK_INT(store_sieve_get(s, a, "two", &name, NULL), STORE_ENOTFOUND);
	CHECK_INT(store_sieve_setactive(s, a, NULL, NULL, NULL), 0);
	CHECK_INT(store_sieve_delete(s, a, "uno", NULL, NULL), 0);
	store_close(&s);
}

TEST(store_sieve_limits)
{
	struct store_sieve_limits lim = { .max_scripts = 2, .quota = 20,
					  .max_size = 12 };
	int64_t a = 0;
	struct store *s = sv_open("lim", &lim, &a);

	CHECK_INT(store_sieve_havespace(s, a, "x", 13), STORE_ETOOBIG);
	CHECK_INT(put(s, a, "x", "0123456789abc"), STORE_ETOOBIG);
	CHECK_INT(put(s, a, "x", "0123456789"), 0);
	CHECK_INT(store_sieve_havespace(s, a, "y", 11), STORE_EQUOTA);
	CHECK_INT(store_sieve_havespace(s, a, "y", 10), 0);
	CHECK_INT(put(s, a, "y", "0123456789a"), STORE_EQUOTA);
	CHECK_INT(put(s, a, "y", "0123"), 0);
	/* a third name is one too many; replacing one is not */
	CHECK_INT(store_sieve_havespace(s, a, "z", 1), STORE_ELIMIT);
	CHECK_INT(put(s, a, "z", "k"), STORE_ELIMIT);
	/* the replaced script counts with its new size only */
	CHECK_INT(store_sieve_havespace(s, a, "y", 10), 0);
	CHECK_INT(put(s, a, "y", "0123456789"), 0);
	CHECK_INT(store_sieve_havespace(s, a, "nope", 1), STORE_ELIMIT);
	CHECK_INT(store_sieve_havespace(s, a + 9, "q", 1), STORE_ENOTFOUND);
	store_close(&s);
}

TEST(store_sieve_names)
{
	int64_t a = 0;
	struct store *s = sv_open("names", NULL, &a);
	char big[600];

	CHECK(store_sieve_name_valid("vacation"));
	CHECK(store_sieve_name_valid("Ferien \xc3\xa9t\xc3\xa9"));
	CHECK(!store_sieve_name_valid(""));
	CHECK(!store_sieve_name_valid("a\tb"));
	CHECK(!store_sieve_name_valid("a\x7f"));
	CHECK(!store_sieve_name_valid("\xc2\x85"));	/* U+0085 */
	CHECK(!store_sieve_name_valid("\xe2\x80\xa8"));	/* U+2028 */
	CHECK(!store_sieve_name_valid("\xff"));
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CHECK(!store_sieve_name_valid(big));
	big[128] = '\0';
	CHECK(store_sieve_name_valid(big));
	big[129] = '\0';
	big[128] = 'a';
	CHECK(!store_sieve_name_valid(big));
	CHECK_INT(put(s, a, "a\nb", "keep;"), STORE_EBADNAME);
	CHECK_INT(store_sieve_rename(s, a, "x", "", NULL, NULL),
		  STORE_EBADNAME);
	store_close(&s);
}

TEST(store_sieve_gone_with_account)
{
	int64_t a = 0, b = 0;
	struct store *s = sv_open("gone", NULL, &a);
	struct store_sieve_list l;

	CHECK_INT(put(s, a, "one", "keep;"), 0);
	CHECK_INT(store_sieve_setactive(s, a, "one", NULL, NULL), 0);
	CHECK_INT(store_account_remove(s, "a@example.org", NULL, NULL), 0);
	CHECK_INT(store_account_add(s, "a@example.org", "h", "s", &b, NULL,
				    NULL), 0);
	CHECK(b != a);
	CHECK_INT(store_sieve_list(s, a, &l), 0);
	CHECK_INT((int)l.n, 0);
	store_sieve_list_free(&l);
	CHECK_INT(store_sieve_list(s, b, &l), 0);
	CHECK_INT((int)l.n, 0);
	store_sieve_list_free(&l);
	store_close(&s);
}
