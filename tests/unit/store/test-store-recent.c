/* test-store-recent.c - \Recent claims: each uid goes to exactly one
 * claimer, looking does not claim, another account gets nothing, and
 * the mark survives a reopen */
#include "store-test-util.h"

#include <pthread.h>

static uint32_t
rc_append(struct store *s, int64_t account, int64_t mbox)
{
	struct store_blob *b = st_blob(s, "Subject: r\r\n\r\nhi\r\n");
	uint32_t uid = 0;

	CHECK_INT(store_append(s, account, mbox, &b, 0, NULL, 0, 0, &uid,
			       NULL, NULL), 0);
	return uid;
}

static uint32_t
rc_count(struct store *s, int64_t account, int64_t mbox)
{
	uint32_t n = 99;

	CHECK_INT(store_recent_count(s, account, mbox, &n), 0);
	return n;
}

TEST(store_recent_claim_once)
{
	int64_t ids[3];
	struct store *s = st_setup("recent1", ids);
	int64_t mb = st_mbox(s, ids[0], "INBOX");
	uint32_t lo, hi, n;

	for (int i = 0; i < 3; i++)
		rc_append(s, ids[0], mb);
	CHECK_INT(rc_count(s, ids[0], mb), 3);
	/* looking (EXAMINE) takes nothing */
	CHECK_INT(store_recent_claim(s, ids[0], mb, 4, false, &lo, &hi), 0);
	CHECK_INT(lo, 1);
	CHECK_INT(hi, 4);
	CHECK_INT(rc_count(s, ids[0], mb), 3);
	/* the first claimer gets them, the second nothing */
	CHECK_INT(store_recent_claim(s, ids[0], mb, 4, true, &lo, &hi), 0);
	CHECK_INT(lo, 1);
	CHECK_INT(hi, 4);
	CHECK_INT(store_recent_claim(s, ids[0], mb, 4, true, &lo, &hi), 0);
	CHECK_INT(lo, hi);
	CHECK_INT(rc_count(s, ids[0], mb), 0);
	/* a claim never moves the mark back */
	CHECK_INT(store_recent_claim(s, ids[0], mb, 2, true, &lo, &hi), 0);
	CHECK_INT(lo, 4);
	CHECK_INT(hi, 4);
	CHECK_INT(rc_append(s, ids[0], mb), 4);
	CHECK_INT(rc_count(s, ids[0], mb), 1);
	/* another account's session reaches nothing */
	CHECK_INT(store_recent_claim(s, ids[1], mb, 5, true, &lo, &hi),
		  STORE_ENOTFOUND);
	CHECK_INT(store_recent_count(s, ids[1], mb, &n), STORE_ENOTFOUND);
	CHECK_INT(rc_count(s, ids[0], mb), 1);
	store_close(&s);
}

TEST(store_recent_survives_reopen)
{
	int64_t ids[3];
	struct store *s = st_setup("recent2", ids);
	int64_t mb = st_mbox(s, ids[0], "INBOX");
	uint32_t lo, hi;

	rc_append(s, ids[0], mb);
	rc_append(s, ids[0], mb);
	CHECK_INT(store_recent_claim(s, ids[0], mb, 3, true, &lo, &hi), 0);
	CHECK_INT(hi - lo, 2);
	rc_append(s, ids[0], mb);	/* no one is told of uid 3 */
	store_close(&s);
	s = st_open("recent2", true);
	CHECK_INT(rc_count(s, ids[0], mb), 1);
	CHECK_INT(store_recent_claim(s, ids[0], mb, 4, true, &lo, &hi), 0);
	CHECK_INT(lo, 3);
	CHECK_INT(hi, 4);
	store_close(&s);
	s = st_open("recent2", true);
	CHECK_INT(rc_count(s, ids[0], mb), 0);
	CHECK_INT(store_recent_claim(s, ids[0], mb, 4, true, &lo, &hi), 0);
	CHECK_INT(lo, hi);
	store_close(&s);
}

#define RC_THREADS 4
#define RC_UPTO 2000

struct rc_arg {
	struct store *s;
	int64_t account, mbox;
	uint32_t got;		/* uids this thread was given */
	bool overlap;
	unsigned char *owner;	/* shared: uid -> claimed (guarded below) */
	pthread_mutex_t *lock;
};

static void *
rc_thread(void *p)
{
	struct rc_arg *a = p;
	uint32_t upto, lo, hi, u;

	for (upto = 2; upto <= RC_UPTO; upto++) {
		if (store_recent_claim(a->s, a->account, a->mbox, upto, true,
				       &lo, &hi) != 0)
			continue;
		pthread_mutex_lock(a->lock);
		for (u = lo; u < hi; u++) {
			if (a->owner[u])
				a->overlap = true;
			a->owner[u] = 1;
		}
		pthread_mutex_unlock(a->lock);
		a->got += hi - lo;
	}
	return NULL;
}

TEST(store_recent_claims_are_disjoint_across_threads)
{
	int64_t ids[3];
	struct store *s = st_setup("recent3", ids);
	int64_t mb = st_mbox(s, ids[0], "INBOX");
	struct rc_arg a[RC_THREADS];
	pthread_t th[RC_THREADS];
	pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	unsigned char *owner = calloc(RC_UPTO + 1, 1);
	uint32_t total = 0;
	int i;

	for (i = 0; i < RC_THREADS; i++) {
		a[i] = (struct rc_arg){ s, ids[0], mb, 0, false, owner,
					&lock };
		pthread_create(&th[i], NULL, rc_thread, &a[i]);
	}
	for (i = 0; i < RC_THREADS; i++) {
		pthread_join(th[i], NULL);
		CHECK(!a[i].overlap);
		total += a[i].got;
	}
	/* every uid 1..RC_UPTO-1 went to exactly one thread */
	CHECK_INT(total, RC_UPTO - 1);
	store_close(&s);
	/* and the last mark is the one kept */
	s = st_open("recent3", true);
	{
		uint32_t lo, hi;

		CHECK_INT(store_recent_claim(s, ids[0], mb, RC_UPTO, false,
					     &lo, &hi), 0);
		CHECK_INT(lo, RC_UPTO);
	}
	store_close(&s);
	free(owner);
}
