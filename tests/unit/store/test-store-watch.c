/* test-store-watch.c - watchers by id (IMAP IDLE and NOTIFY): only the
 * watchers of a changed id are called, however many others there are;
 * account watchers hear of mailbox list changes; unwatching during a
 * dispatch is safe */
#include "store-test-util.h"

#include "lib/buf.h"

#define N_OTHER 5000

struct wctx {
	int calls;
	int64_t last;
	struct store_watch **kill;	/* unwatch this when called */
};

static void
on_watch(void *arg, int64_t id)
{
	struct wctx *c = arg;

	c->calls++;
	c->last = id;
	if (c->kill != NULL)
		store_unwatch(c->kill);
}

TEST(store_watch_by_id_and_account)
{
	int64_t ids[3], inbox, acct;
	struct store *s = st_setup("w", ids);
	struct store_watch **other = xcalloc(N_OTHER, sizeof(*other));
	struct store_watch *wi, *wa, *wb, *wkill;
	struct wctx co = { 0 }, ci = { 0 }, ca = { 0 }, cb = { 0 }, ck = { 0 };
	struct store_blob *b;

	if (s == NULL)
		return;
	inbox = st_mbox(s, ids[0], "INBOX");
	acct = STORE_WATCH_ACCOUNT(ids[0]);
	/* no loop: watchers run on the writer thread before a synchronous
	 * call returns */
	for (int i = 0; i < N_OTHER; i++)
		other[i] = store_watch(s, 1000000 + i, on_watch, &co);
	wi = store_watch(s, inbox, on_watch, &ci);
	wa = store_watch(s, acct, on_watch, &ca);
	/* a watcher that unwatches another of the same id mid-dispatch:
	 * whichever runs first, the other is called at most once */
	wb = store_watch(s, inbox, on_watch, &cb);
	ck.kill = &wb;
	wkill = store_watch(s, inbox, on_watch, &ck);

	b = st_blob(s, "Subject: w\r\n\r\nx\r\n");
	CHECK_INT(store_append(s, ids[0], inbox, &b, 0, NULL, 0, 0, NULL,
			       NULL, NULL), 0);
	CHECK_INT(ci.calls, 1);
	CHECK_INT(ci.last, inbox);
	CHECK_INT(ck.calls, 1);
	CHECK(cb.calls <= 1);
	CHECK(wb == NULL);
	CHECK_INT(ca.calls, 0);		/* messages are not the list */
	CHECK_INT(co.calls, 0);

	CHECK_INT(store_mailbox_create(s, ids[0], "New", 0, NULL, NULL, NULL),
		  0);
	CHECK_INT(ca.calls, 1);
	CHECK_INT(ca.last, acct);
	CHECK_INT(store_mailbox_subscribe(s, ids[0], "New", true, NULL, NULL),
		  0);
	CHECK_INT(store_mailbox_rename(s, ids[0], "New", "New2", NULL, NULL),
		  0);
	CHECK_INT(store_mailbox_delete(s, ids[0], "New2", NULL, NULL), 0);
	CHECK_INT(ca.calls, 4);
	/* a failed change tells nobody */
	CHECK_INT(store_mailbox_delete(s, ids[0], "Nope", NULL, NULL),
		  STORE_ENOTFOUND);
	CHECK_INT(ca.calls, 4);
	/* another account's list is not ours */
	CHECK_INT(store_mailbox_create(s, ids[1], "X", 0, NULL, NULL, NULL),
		  0);
	CHECK_INT(ca.calls, 4);
	CHECK_INT(co.calls, 0);
	CHECK_INT(ci.calls, 1);

	for (int i = 0; i < N_OTHER; i++)
		store_unwatch(&other[i]);
	free(other);
	store_unwatch(&wi);
	store_unwatch(&wa);
	store_unwatch(&wkill);
	b = st_blob(s, "Subject: w\r\n\r\nx\r\n");
	CHECK_INT(store_append(s, ids[0], inbox, &b, 0, NULL, 0, 0, NULL,
			       NULL, NULL), 0);
	CHECK_INT(ci.calls, 1);
	store_close(&s);
}
