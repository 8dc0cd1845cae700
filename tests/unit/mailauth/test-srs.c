/* test-srs.c - SRS0/SRS1 made and reversed; the known answers were
 * computed apart from tern (Python's hmac over the lowercased fields,
 * libsrs2's way) */
#include "test.h"

#include "mailauth/srs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define SECRET "tern-test-secret"
#define NOW ((time_t)1764720000)	/* 2025-12-03: day stamp "6J" */
#define DAY ((time_t)86400)

static const char *const one[] = { SECRET };

TEST(srs_forward_known_answer)
{
	char out[SRS_ADDR_MAX + 1];

	CHECK_INT(srs_forward(SECRET, NOW, "Alice@example.com", "fwd.example",
			      out, sizeof(out)), SRS_OK);
	CHECK_STR(out, "SRS0=l7Ki=6J=example.com=Alice@fwd.example");
	/* the same day later on: the same address */
	CHECK_INT(srs_forward(SECRET, NOW + DAY - 1, "Alice@example.com",
			      "fwd.example", out, sizeof(out)), SRS_OK);
	CHECK_STR(out, "SRS0=l7Ki=6J=example.com=Alice@fwd.example");
	/* a sender of the forwarding domain itself is left alone */
	CHECK_INT(srs_forward(SECRET, NOW, "bob@FWD.example", "fwd.example",
			      out, sizeof(out)), SRS_OK);
	CHECK_STR(out, "bob@FWD.example");
}

TEST(srs_round_trip)
{
	char fwd[SRS_ADDR_MAX + 1], back[SRS_ADDR_MAX + 1];
	const char *senders[] = {
		"alice@example.com", "a.b+tag@sub.example.org",
		"has=equals@example.net", "\"quoted local\"@example.com",
	};

	for (size_t i = 0; i < sizeof(senders) / sizeof(senders[0]); i++) {
		CHECK_INT(srs_forward(SECRET, NOW, senders[i], "fwd.example",
				      fwd, sizeof(fwd)), SRS_OK);
		CHECK(srs_is_srs(fwd));
		CHECK_INT(srs_reverse(one, 1, NOW + 3 * DAY, 21, fwd, back,
				      sizeof(back)), SRS_OK);
		CHECK_STR(back, senders[i]);
	}
	CHECK(!srs_is_srs("alice@example.com"));
	CHECK(!srs_is_srs("SRS0@example.com"));
	CHECK(srs_is_srs("srs0+x@example.com"));
}

/* a hop that folds the local part to lower or upper case */
TEST(srs_reverse_case_insensitive)
{
	char back[SRS_ADDR_MAX + 1];

	CHECK_INT(srs_reverse(one, 1, NOW, 21,
			      "srs0=l7ki=6j=example.com=alice@fwd.example",
			      back, sizeof(back)), SRS_OK);
	CHECK_STR(back, "alice@example.com");
	CHECK_INT(srs_reverse(one, 1, NOW, 21,
			      "SRS0=L7KI=6J=EXAMPLE.COM=ALICE@FWD.EXAMPLE",
			      back, sizeof(back)), SRS_OK);
	CHECK_STR(back, "ALICE@EXAMPLE.COM");
}

TEST(srs_reverse_expired)
{
	char fwd[SRS_ADDR_MAX + 1], back[SRS_ADDR_MAX + 1];

	CHECK_INT(srs_forward(SECRET, NOW, "alice@example.com", "fwd.example",
			      fwd, sizeof(fwd)), SRS_OK);
	CHECK_INT(srs_reverse(one, 1, NOW + 21 * DAY, 21, fwd, back,
			      sizeof(back)), SRS_OK);
	CHECK_INT(srs_reverse(one, 1, NOW + 22 * DAY, 21, fwd, back,
			      sizeof(back)), SRS_EEXPIRED);
	CHECK_INT(srs_reverse(one, 1, NOW + 8 * DAY, 7, fwd, back,
			      sizeof(back)), SRS_EEXPIRED);
	/* the stamp wraps every 1024 days: that far on it is fresh again,
	 * as in libsrs2; one day before it was made it is 1023 days old */
	CHECK_INT(srs_reverse(one, 1, NOW - DAY, 21, fwd, back,
			      sizeof(back)), SRS_EEXPIRED);
}

TEST(srs_reverse_wrong_hash)
{
	char back[SRS_ADDR_MAX + 1];
	const char *const other[] = { "another-secret" };

	CHECK_INT(srs_reverse(one, 1, NOW, 21,
			      "SRS0=l7Kj=6J=example.com=Alice@fwd.example",
			      back, sizeof(back)), SRS_EHASH);
	/* a changed field breaks the hash */
	CHECK_INT(srs_reverse(one, 1, NOW, 21,
			      "SRS0=l7Ki=6J=example.com=Mallory@fwd.example",
			      back, sizeof(back)), SRS_EHASH);
	CHECK_INT(srs_reverse(one, 1, NOW, 21,
			      "SRS0=l7K=6J=example.com=Alice@fwd.example",
			      back, sizeof(back)), SRS_EHASH);
	CHECK_INT(srs_reverse(other, 1, NOW, 21,
			      "SRS0=l7Ki=6J=example.com=Alice@fwd.example",
			      back, sizeof(back)), SRS_EHASH);
	/* a forgery with an old stamp is told as a forgery */
	CHECK_INT(srs_reverse(one, 1, NOW, 21,
			      "SRS0=AAAA=AA=example.com=Alice@fwd.example",
			      back, sizeof(back)), SRS_EHASH);
}

TEST(srs_reverse_malformed)
{
	char back[SRS_ADDR_MAX + 1];
	const char *bad[] = {
		"SRS0=l7Ki=6J=example.com@fwd.example",	/* no local */
		"SRS0=l7Ki=6J=example.com=@fwd.example",	/* empty local */
		"SRS0=l7Ki=6J@fwd.example",
		"SRS0=l7Ki@fwd.example",
		"SRS0=@fwd.example",
		"SRS0=l7Ki=6J==Alice@fwd.example",	/* empty domain */
		"SRS0=l7Ki=6!=example.com=Alice@fwd.example",	/* stamp */
		"SRS0=l7Ki=6JJ=example.com=Alice@fwd.example",
		"SRS1=GcGv=other.example@fwd.example",
		"SRS1=GcGv=other.example=@fwd.example",
		"SRS1=GcGv@fwd.example",
		"SRS1=GcGv==x@fwd.example",
		"SRS0=l7Ki=6J=example.com=Alice",	/* no '@' */
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = srs_reverse(one, 1, NOW, 21, bad[i], back, sizeof(back));

		if (rc != SRS_EMALFORMED)
			test_fail(__FILE__, __LINE__, "%s: %s", bad[i],
				  srs_strerror(rc));
	}
	CHECK_INT(srs_reverse(one, 1, NOW, 21, "alice@fwd.example", back,
			      sizeof(back)), SRS_NOT_SRS);
	CHECK_INT(srs_forward(SECRET, NOW, "no-at-sign", "fwd.example", back,
			      sizeof(back)), SRS_EMALFORMED);
	CHECK_INT(srs_forward(SECRET, NOW, "@example.com", "fwd.example", back,
			      sizeof(back)), SRS_EMALFORMED);
	CHECK_INT(srs_forward("", NOW, "a@example.com", "fwd.example", back,
			      sizeof(back)), SRS_ENOSECRET);
	CHECK_INT(srs_reverse(one, 0, NOW, 21,
			      "SRS0=l7Ki=6J=example.com=Alice@fwd.example",
			      back, sizeof(back)), SRS_ENOSECRET);
}

/* a local part near the limit: forwarded it would not fit an address
 * RCPT takes, so it is refused rather than cut */
TEST(srs_long_local)
{
	char local[300], sender[400], fwd[SRS_ADDR_MAX + 1], back[SRS_ADDR_MAX + 1];

	memset(local, 'x', 200);
	local[200] = '\0';
	snprintf(sender, sizeof(sender), "%s@example.com", local);
	CHECK_INT(srs_forward(SECRET, NOW, sender, "fwd.example", fwd,
			      sizeof(fwd)), SRS_OK);
	CHECK_INT(srs_reverse(one, 1, NOW, 21, fwd, back, sizeof(back)), SRS_OK);
	CHECK_STR(back, sender);
	memset(local, 'x', 250);
	local[250] = '\0';
	snprintf(sender, sizeof(sender), "%s@example.com", local);
	CHECK_INT(srs_forward(SECRET, NOW, sender, "fwd.example", fwd,
			      sizeof(fwd)), SRS_ETOOLONG);
	/* a small buffer is refused too, not overrun */
	CHECK_INT(srs_forward(SECRET, NOW, "alice@example.com", "fwd.example",
			      fwd, 10), SRS_ETOOLONG);
}

/* forwarded twice: the second forwarder makes SRS1 of the first's SRS0,
 * which reverses to that SRS0 at the first forwarder's domain */
TEST(srs_srs1_from_srs0)
{
	const char *srs0 = "SRS0=YpfN=6J=example.com=Alice@other.example";
	char fwd[SRS_ADDR_MAX + 1], again[SRS_ADDR_MAX + 1], back[SRS_ADDR_MAX + 1];
	const char *const theirs[] = { "other-secret" };

	CHECK_INT(srs_forward(SECRET, NOW, srs0, "fwd.example", fwd,
			      sizeof(fwd)), SRS_OK);
	CHECK_STR(fwd, "SRS1=GcGv=other.example==YpfN=6J=example.com=Alice@fwd.example");
	CHECK_INT(srs_reverse(one, 1, NOW + 100 * DAY, 21, fwd, back,
			      sizeof(back)), SRS_OK);
	CHECK_STR(back, srs0);
	/* and the first forwarder takes that back to the sender */
	CHECK_INT(srs_reverse(theirs, 1, NOW, 21, back, again, sizeof(again)),
		  SRS_OK);
	CHECK_STR(again, "Alice@example.com");
	/* a third forwarder keeps the first forwarder's part, new hash */
	CHECK_INT(srs_forward("third", NOW, fwd, "third.example", again,
			      sizeof(again)), SRS_OK);
	CHECK(strncmp(again, "SRS1=", 5) == 0);
	CHECK(strstr(again, "=other.example==YpfN=6J=example.com=Alice@third.example") != NULL);
	{
		const char *const third[] = { "third" };

		CHECK_INT(srs_reverse(third, 1, NOW, 21, again, back,
				      sizeof(back)), SRS_OK);
		CHECK_STR(back, srs0);
	}
	/* SRS1 with a tampered hash */
	CHECK_INT(srs_reverse(one, 1, NOW, 21,
			      "SRS1=GcGw=other.example==YpfN=6J=example.com=Alice@fwd.example",
			      back, sizeof(back)), SRS_EHASH);
}

/* the file: made once, several lines: the first signs, all verify */
TEST(srs_rotated_secret)
{
	const char *dir = test_tmpdir();
	struct srs_secrets s;
	char *err = NULL, path[512], fwd[SRS_ADDR_MAX + 1], back[SRS_ADDR_MAX + 1];
	struct stat st;
	FILE *f;

	CHECK_INT(srs_secrets_load(dir, &s, &err), -1);
	free(err);
	err = NULL;
	CHECK_INT(srs_secrets_ensure(dir, &err), 0);
	snprintf(path, sizeof(path), "%s/%s", dir, SRS_SECRET_FILE);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
	CHECK_INT(srs_secrets_load(dir, &s, &err), 0);
	CHECK_INT(s.n, 1);
	CHECK(strlen(s.v[0]) >= 40);
	srs_secrets_free(&s);
	/* ensure leaves an existing file alone */
	f = fopen(path, "w");
	fputs("new-secret\n\n# the old one, still verifying\n" SECRET "\n", f);
	fclose(f);
	CHECK_INT(srs_secrets_ensure(dir, &err), 0);
	CHECK_INT(srs_secrets_load(dir, &s, &err), 0);
	CHECK_INT(s.n, 2);
	CHECK_STR(s.v[0], "new-secret");
	/* made before the rotation, verified after it */
	CHECK_INT(srs_reverse((const char *const *)s.v, s.n, NOW, 21,
			      "SRS0=l7Ki=6J=example.com=Alice@fwd.example",
			      back, sizeof(back)), SRS_OK);
	CHECK_STR(back, "Alice@example.com");
	CHECK_INT(srs_forward(s.v[0], NOW, "Alice@example.com", "fwd.example",
			      fwd, sizeof(fwd)), SRS_OK);
	CHECK(strcmp(fwd, "SRS0=l7Ki=6J=example.com=Alice@fwd.example") != 0);
	CHECK_INT(srs_reverse((const char *const *)s.v, s.n, NOW, 21, fwd, back,
			      sizeof(back)), SRS_OK);
	/* the old secret alone does not verify the new one's */
	CHECK_INT(srs_reverse(one, 1, NOW, 21, fwd, back, sizeof(back)), SRS_EHASH);
	srs_secrets_free(&s);
}
