/* store-bigbox.c - cost of mailbox operations on a big mailbox: fills
 * one INBOX with N messages (default 100,000; fsync off for the fill),
 * then times the calls IMAP/POP3 make per command. Figures only.
 *
 * Build like store-bench.c; run: build/store-bigbox [DIR] [N] */
#include "store/store.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Email/query's walk: 50 Emails, each checked first in its mailbox */
struct walk50 {
	struct store *s;
	int n;
};

static int
walk50_row(const struct store_email_row *row, void *arg)
{
	struct walk50 *w = arg;

	if (store_email_first_row(w->s, row) == 1)
		w->n++;
	return w->n >= 50;
}

struct fill {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int pending;
};

static void
fill_cb(void *arg, int ret)
{
	struct fill *f = arg;

	if (ret != 0)
		fprintf(stderr, "append: %s\n", store_strerror(ret));
	pthread_mutex_lock(&f->lock);
	f->pending--;
	pthread_cond_signal(&f->cond);
	pthread_mutex_unlock(&f->lock);
}

#define TIME(label, reps, ...)                                              \
	do {                                                               \
		double t0_ = now();                                        \
		for (int r_ = 0; r_ < (reps); r_++) {                      \
			__VA_ARGS__;                                            \
		}                                                          \
		printf("  %-44s %9.3f ms\n", label,                        \
		       (now() - t0_) * 1e3 / (reps));                      \
	} while (0)

int
main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "bench-bigbox-data";
	long n = argc > 2 ? atol(argv[2]) : 100000;
	struct store_settings set;
	struct store *s = NULL;
	struct fill f = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
			  0 };
	struct store_mailbox mb;
	int64_t acc, inbox, arch;
	double t0;
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 1;
	memset(&set, 0, sizeof(set));
	set.data_dir = dir;
	set.unsafe_no_fsync = true;
	if (store_open(&set, &s, NULL) < 0)
		return 1;
	store_domain_add(s, "big.test", NULL, NULL);
	store_account_add(s, "u@big.test", NULL, NULL, &acc, NULL, NULL);
	store_mailbox_get(s, acc, "INBOX", &mb);
	inbox = mb.id;
	store_mailbox_clear(&mb);
	store_mailbox_get(s, acc, "Archive", &mb);
	arch = mb.id;
	store_mailbox_clear(&mb);

	t0 = now();
	for (long i = 0; i < n; i++) {
		struct store_blob *b = NULL;
		char text[256];
		int len = snprintf(text, sizeof(text),
				   "From: x%ld@remote.test\r\nSubject: message "
				   "%ld\r\n\r\nbody %ld\r\n", i % 97, i, i);
		store_blob_begin(s, &b);
		store_blob_write(b, text, (size_t)len);
		pthread_mutex_lock(&f.lock);
		while (f.pending >= 256)
			pthread_cond_wait(&f.cond, &f.lock);
		f.pending++;
		pthread_mutex_unlock(&f.lock);
		store_append(s, acc, inbox, &b, i % 3 ? STORE_F_SEEN : 0,
			     i % 10 ? NULL : "$Important", 0, 0, NULL,
			     fill_cb, &f);
	}
	pthread_mutex_lock(&f.lock);
	while (f.pending > 0)
		pthread_cond_wait(&f.cond, &f.lock);
	pthread_mutex_unlock(&f.lock);
	printf("store-bigbox: %ld messages appended in %.1f s (fsync off)\n",
	       n, now() - t0);

	uint32_t mid = (uint32_t)(n / 2);
	struct store_uid_range one = { mid, mid };
	struct store_uid_range all = { 1, UINT32_MAX };
	struct store_uid_range last100 = { (uint32_t)n - 99, UINT32_MAX };
	uint64_t hms;

	store_mailbox_status(s, acc, inbox, &mb);
	hms = mb.highestmodseq;
	store_mailbox_clear(&mb);
	TIME("STATUS (store_mailbox_status)", 100, {
		store_mailbox_status(s, acc, inbox, &mb);
		store_mailbox_clear(&mb);
	});
	TIME("LIST (store_mailbox_list)", 100, {
		struct store_mailbox_list l;
		store_mailbox_list(s, acc, &l);
		store_mailbox_list_free(&l);
	});
	TIME("SELECT (store_mailbox_open, all uids)", 5, {
		struct store_view v;
		store_mailbox_open(s, acc, inbox, &v);
		store_view_free(&v);
	});
	TIME("NOOP (changes since highestmodseq)", 100, {
		struct store_changes c;
		store_mailbox_changes(s, acc, inbox, hms, &c);
		store_changes_free(&c);
	});
	TIME("FETCH 1 msg (store_msg_get + parse)", 100, {
		struct store_msg m;
		store_msg_get(s, acc, inbox, mid, STORE_MSG_PARSE |
			      STORE_MSG_KEYWORDS, &m);
		store_msg_clear(&m);
	});
	TIME("FETCH last 100 (iterator, parse)", 20, {
		struct store_msg_iter *it;
		const struct store_msg *m;
		store_msg_iter_init(s, acc, inbox, &last100, 1,
				    STORE_MSG_PARSE, &it);
		while (store_msg_iter_next(it, &m) == 1)
			;
		store_msg_iter_free(&it);
	});
	TIME("FETCH BODY[] 1 msg (open + pread)", 100, {
		struct store_reader *r;
		char buf[512];
		store_msg_open(s, acc, inbox, mid, &r);
		store_reader_pread(r, buf, sizeof(buf), 0);
		store_reader_close(&r);
	});
	{
		/* JMAP's reads (schema 2): an Email's rows, its Thread, the
		 * mailbox's counts, its rows for a query, changes since */
		struct store_msg m;
		char eid[STORE_OBJECTID_MAX], tid[STORE_OBJECTID_MAX];
		uint64_t am;

		store_msg_get(s, acc, inbox, mid, STORE_MSG_PARSE |
			      STORE_MSG_OBJECTID, &m);
		store_msg_emailid(&m, eid);
		store_msg_threadid(s, &m, tid);
		store_msg_clear(&m);
		store_account_modseq(s, acc, &am);
		TIME("JMAP Email rows (store_email_rows)", 100, {
			struct store_email_rows er;
			store_email_rows(s, acc, eid, &er);
			store_email_rows_free(&er);
		});
		TIME("JMAP Thread/get (store_thread_emails)", 100, {
			struct store_strlist th;
			store_thread_emails(s, acc, tid, &th);
			store_strlist_free(&th);
		});
		TIME("JMAP Mailbox counts (store_mailbox_counts)", 5, {
			struct store_mailbox_counts mc;
			store_mailbox_counts(s, acc, inbox, &mc);
		});
		TIME("JMAP rows of the mailbox (store_email_list)", 5, {
			struct store_email_rows er;
			store_email_list(s, acc, inbox, &er);
			store_email_rows_free(&er);
		});
		TIME("JMAP first 50 newest (store_email_walk)", 100, {
			struct walk50 w = { s, 0 };
			store_email_walk(s, acc, inbox, false, false, walk50_row,
					 &w);
		});
		store_flags(s, acc, inbox, &one, 1, STORE_FLAGS_ADD,
			    STORE_F_ANSWERED, NULL, 0, NULL, NULL, NULL);
		TIME("JMAP Email/changes, one change (store_email_changes)",
		     100, {
			struct store_chgs ch;
			store_email_changes(s, acc, am, &ch);
			store_chgs_free(&ch);
		});
	}
	TIME("STORE +FLAGS 1 msg (blocking commit)", 50, {
		store_flags(s, acc, inbox, &one, 1, STORE_FLAGS_ADD,
			    STORE_F_FLAGGED, NULL, 0, NULL, NULL, NULL);
		store_flags(s, acc, inbox, &one, 1, STORE_FLAGS_REMOVE,
			    STORE_F_FLAGGED, NULL, 0, NULL, NULL, NULL);
	});
	TIME("COPY 1 msg", 50, {
		store_copy(s, acc, inbox, &one, 1, arch, NULL, NULL, NULL);
	});
	TIME("APPEND 1 msg", 50, {
		struct store_blob *b = NULL;
		store_blob_begin(s, &b);
		store_blob_write(b, "Subject: a\r\n\r\nb\r\n", 17);
		store_append(s, acc, inbox, &b, 0, NULL, 0, 0, NULL, NULL,
			     NULL);
	});
	TIME("STORE +FLAGS \\Seen 1:* (all messages)", 1, {
		store_flags(s, acc, inbox, &all, 1, STORE_FLAGS_ADD,
			    STORE_F_SEEN, NULL, 0, NULL, NULL, NULL);
	});
	TIME("EXPUNGE 1 msg", 20, {
		struct store_uid_range e = { mid + 1 + (uint32_t)r_,
					     mid + 1 + (uint32_t)r_ };
		store_expunge(s, acc, inbox, &e, 1, false, NULL, NULL, NULL);
	});
	{
		struct store_uid_range tenth = { 1, (uint32_t)(n / 10) };
		TIME("STORE +FLAGS \\Deleted on 10% of the box", 1, {
			store_flags(s, acc, inbox, &tenth, 1, STORE_FLAGS_ADD,
				    STORE_F_DELETED, NULL, 0, NULL, NULL,
				    NULL);
		});
		TIME("EXPUNGE those (\\Deleted only, 1:*)", 1, {
			struct store_uidlist ex;
			store_expunge(s, acc, inbox, &all, 1, true, &ex, NULL,
				      NULL);
			store_uidlist_free(&ex);
		});
		TIME("DELETE a mailbox of the same size (copy, delete)", 1, {
			store_copy(s, acc, inbox, &all, 1, arch, NULL, NULL,
				   NULL);
			store_mailbox_delete(s, acc, "Archive", NULL, NULL);
		});
	}
	store_close(&s);
	if (system(cmd) != 0)
		return 1;
	return 0;
}
