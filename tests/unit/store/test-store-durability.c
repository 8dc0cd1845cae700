/* test-store-durability.c - concurrency, watchers on a libuv loop,
 * recovery of stray files, and kill -9 during deliveries */
#include "store-test-util.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#define MSG_TEXT_RECOVERY "Subject: r\r\n\r\nrecovered\r\n"

/* ------------------------------------------------------------------ */
/* concurrency: several threads deliver while another reads           */

struct conc {
	struct store *s;
	int64_t ids[3];
	int per_thread;
	volatile int stop;
	int read_errors;
	int reads;
};

static void *
conc_deliver(void *arg)
{
	struct conc *c = arg;

	for (int i = 0; i < c->per_thread; i++) {
		struct store_blob *b = NULL;
		struct store_rcpt r[2];
		char text[96];
		int ret;

		snprintf(text, sizeof(text), "Subject: t\r\n\r\n%p %d\r\n",
			 (void *)&b, i);
		if (store_blob_begin(c->s, &b) < 0 ||
		    store_blob_write(b, text, strlen(text)) < 0) {
			store_blob_abort(&b);
			continue;
		}
		memset(r, 0, sizeof(r));
		r[0].kind = r[1].kind = STORE_RCPT_LOCAL;
		r[0].account_id = c->ids[0];
		r[1].account_id = c->ids[1];
		ret = store_deliver(c->s, &b, NULL, r, 2, NULL, NULL, NULL);
		if (ret != 0 || r[0].status != 0 || r[1].status != 0)
			__atomic_add_fetch(&c->read_errors, 1000,
					   __ATOMIC_RELAXED);
	}
	return NULL;
}

static void *
conc_read(void *arg)
{
	struct conc *c = arg;
	int64_t inbox = st_mbox(c->s, c->ids[0], "INBOX");

	while (!c->stop) {
		struct store_view v;
		if (store_mailbox_open(c->s, c->ids[0], inbox, &v) < 0) {
			c->read_errors++;
			continue;
		}
		/* the snapshot is consistent: counter == rows */
		if (v.n != v.mailbox.messages || v.mailbox.uidnext != v.n + 1)
			c->read_errors++;
		for (size_t i = 1; i < v.n; i++)
			if (v.msgs[i].uid <= v.msgs[i - 1].uid)
				c->read_errors++;
		store_view_free(&v);
		c->reads++;
	}
	return NULL;
}

TEST(store_concurrent_deliveries_and_reads)
{
	struct conc c;
	pthread_t th[6], rd;
	struct store_view v;

	memset(&c, 0, sizeof(c));
	c.s = st_setup("d", c.ids);
	store_close(&c.s);
	c.s = st_open("d", false);	/* with fsync: real group commit */
	c.per_thread = 40;
	pthread_create(&rd, NULL, conc_read, &c);
	for (int i = 0; i < 6; i++)
		pthread_create(&th[i], NULL, conc_deliver, &c);
	for (int i = 0; i < 6; i++)
		pthread_join(th[i], NULL);
	c.stop = 1;
	pthread_join(rd, NULL);
	CHECK_INT(c.read_errors, 0);
	CHECK(c.reads > 0);
	for (int a = 0; a < 2; a++) {
		CHECK_INT(store_mailbox_open(c.s, c.ids[a],
					     st_mbox(c.s, c.ids[a], "INBOX"),
					     &v), 0);
		CHECK_INT(v.n, 240);
		if (v.n == 240)
			CHECK_INT(v.msgs[239].uid, 240);
		store_view_free(&v);
	}
	CHECK_INT(st_count_files("d", "blobs"), 240);
	CHECK_INT(st_count_files("d", "tmp"), 0);
	store_close(&c.s);
}

/* ------------------------------------------------------------------ */
/* async completions without a loop (writer thread) and with a loop   */

struct waiter {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int done;
	int last_ret;
};

static void
waiter_cb(void *arg, int ret)
{
	struct waiter *w = arg;

	pthread_mutex_lock(&w->lock);
	w->done++;
	w->last_ret = ret;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

TEST(store_async_without_loop)
{
	int64_t ids[3];
	struct store *s = st_setup("d", ids);
	struct waiter w = { PTHREAD_MUTEX_INITIALIZER,
			    PTHREAD_COND_INITIALIZER, 0, -99 };
	int64_t inbox = st_mbox(s, ids[0], "INBOX");
	uint32_t uids[20];

	for (int i = 0; i < 20; i++) {
		struct store_blob *b = st_blob(s, "Subject: x\r\n\r\nx\r\n");
		CHECK_INT(store_append(s, ids[0], inbox, &b, 0, NULL, 0, 0,
				       &uids[i], waiter_cb, &w), 0);
	}
	pthread_mutex_lock(&w.lock);
	while (w.done < 20)
		pthread_cond_wait(&w.cond, &w.lock);
	pthread_mutex_unlock(&w.lock);
	CHECK_INT(w.last_ret, 0);
	for (int i = 0; i < 20; i++)
		CHECK_INT(uids[i], i + 1);
	store_close(&s);
}

struct loopctx {
	struct store *s;
	int64_t account, inbox;
	int cb_calls, cb_ret, watch_calls, queue_calls;
	uint64_t modseq;
	size_t changes;
	struct store_watch *w;
};

static void
loop_cb(void *arg, int ret)
{
	struct loopctx *c = arg;

	c->cb_calls++;
	c->cb_ret = ret;
}

static void
loop_watch(void *arg, int64_t mailbox_id)
{
	struct loopctx *c = arg;
	struct store_changes ch;

	c->watch_calls++;
	if (mailbox_id != c->inbox)
		return;
	if (store_mailbox_changes(c->s, c->account, mailbox_id, c->modseq,
				  &ch) == 0) {
		c->changes += ch.n;
		c->modseq = ch.highestmodseq;
		store_changes_free(&ch);
	}
}

static void
queue_watch(void *arg, int64_t mailbox_id)
{
	struct loopctx *c = arg;

	c->queue_calls++;
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void
keepalive_cb(uv_timer_t *t)
{
}

TEST(store_watch_on_loop)
{
	int64_t ids[3];
	struct loopctx c;
	uv_loop_t loop;
	struct store_blob *b;
	struct store_rcpt r[2];
	struct store_mailbox mb;
	struct store_watch *qw, *other;
	uv_timer_t keepalive;
	double t0;

	memset(&c, 0, sizeof(c));
	c.s = st_setup("d", ids);
	store_close(&c.s);
	c.s = st_open("d", false);
	c.account = ids[0];
	c.inbox = st_mbox(c.s, ids[0], "INBOX");
	CHECK_INT(store_mailbox_status(c.s, ids[0], c.inbox, &mb), 0);
	c.modseq = mb.highestmodseq;
	store_mailbox_clear(&mb);

	uv_loop_init(&loop);
	/* the store's handle does not keep a loop alive: a server has
	 * listeners; here a timer plays that part */
	uv_timer_init(&loop, &keepalive);
	uv_timer_start(&keepalive, keepalive_cb, 1000, 1000);
	CHECK_INT(store_attach_loop(c.s, &loop), 0);
	c.w = store_watch(c.s, c.inbox, loop_watch, &c);
	qw = store_watch(c.s, 0, queue_watch, &c);
	other = store_watch(c.s, st_mbox(c.s, ids[1], "INBOX"), loop_watch,
			    &c);

	b = st_blob(c.s, "Subject: idle\r\n\r\nwake up\r\n");
	memset(r, 0, sizeof(r));
	r[0].kind = STORE_RCPT_LOCAL;
	r[0].account_id = ids[0];
	r[1].kind = STORE_RCPT_REMOTE;
	r[1].address = "x@remote.net";
	t0 = now_ms();
	CHECK_INT(store_deliver(c.s, &b, NULL, r, 2, NULL, loop_cb, &c), 0);
	CHECK_INT(c.cb_calls, 0);	/* never called synchronously */
	while ((c.cb_calls == 0 || c.watch_calls == 0) &&
	       now_ms() - t0 < 30000) {
		uv_run(&loop, UV_RUN_NOWAIT);
		usleep(200);
	}
	CHECK_INT(c.cb_calls, 1);
	CHECK_INT(c.cb_ret, 0);
	CHECK_INT(r[0].status, 0);
	CHECK_INT(c.watch_calls, 1);	/* the other account's is quiet */
	CHECK_INT(c.queue_calls, 1);
	CHECK_INT(c.changes, 1);
	/* flags wake it too; after unwatch nothing is called */
	{
		struct store_uid_range all = { 1, UINT32_MAX };
		CHECK_INT(store_flags(c.s, ids[0], c.inbox, &all, 1,
				      STORE_FLAGS_ADD, STORE_F_SEEN, NULL,
				      STORE_UNCHANGEDSINCE_NONE,
				      NULL, loop_cb, &c), 0);
		t0 = now_ms();
		while (c.cb_calls < 2 && now_ms() - t0 < 30000) {
			uv_run(&loop, UV_RUN_NOWAIT);
			usleep(200);
		}
		CHECK_INT(c.watch_calls, 2);
		CHECK_INT(c.changes, 2);
		store_unwatch(&c.w);
		CHECK(c.w == NULL);
		CHECK_INT(store_flags(c.s, ids[0], c.inbox, &all, 1,
				      STORE_FLAGS_REMOVE, STORE_F_SEEN, NULL,
				      STORE_UNCHANGEDSINCE_NONE, NULL, loop_cb, &c), 0);
		t0 = now_ms();
		while (c.cb_calls < 3 && now_ms() - t0 < 30000) {
			uv_run(&loop, UV_RUN_NOWAIT);
			usleep(200);
		}
		CHECK_INT(c.cb_calls, 3);
		CHECK_INT(c.watch_calls, 2);
	}
	store_unwatch(&qw);
	store_unwatch(&other);
	/* a pending completion is run by store_close */
	b = st_blob(c.s, "Subject: last\r\n\r\nx\r\n");
	CHECK_INT(store_append(c.s, ids[0], c.inbox, &b, 0, NULL, 0, 0, NULL,
			       loop_cb, &c), 0);
	store_close(&c.s);
	CHECK_INT(c.cb_calls, 4);
	uv_close((uv_handle_t *)&keepalive, NULL);
	uv_run(&loop, UV_RUN_NOWAIT);
	CHECK_INT(uv_loop_close(&loop), 0);
}

/* a completion that starts one more write, as a session's may */
static void
drain_chain_cb(void *arg, int ret)
{
	struct loopctx *c = arg;
	struct store_blob *b;

	c->cb_calls++;
	c->cb_ret = ret;
	if (c->cb_calls != 1)
		return;
	b = st_blob(c->s, "Subject: chained\r\n\r\nx\r\n");
	CHECK_INT(store_append(c->s, c->account, c->inbox, &b, 0, NULL, 0, 0,
			       NULL, loop_cb, c), 0);
}

/* tern serve at exit: the loop has stopped with writes in flight;
 * store_drain waits for them and runs their completions and watchers
 * here, round after round while completions start more */
TEST(store_drain_runs_completions_of_a_stopped_loop)
{
	int64_t ids[3];
	struct loopctx c;
	uv_loop_t loop;
	struct store_blob *b;

	memset(&c, 0, sizeof(c));
	c.s = st_setup("d", ids);
	c.account = ids[0];
	c.inbox = st_mbox(c.s, ids[0], "INBOX");
	uv_loop_init(&loop);
	CHECK_INT(store_attach_loop(c.s, &loop), 0);
	c.w = store_watch(c.s, c.inbox, loop_watch, &c);
	b = st_blob(c.s, "Subject: first\r\n\r\nx\r\n");
	CHECK_INT(store_append(c.s, ids[0], c.inbox, &b, 0, NULL, 0, 0, NULL,
			       drain_chain_cb, &c), 0);
	for (int i = 0; i < 9; i++) {
		b = st_blob(c.s, "Subject: more\r\n\r\nx\r\n");
		CHECK_INT(store_append(c.s, ids[0], c.inbox, &b, 0, NULL, 0,
				       0, NULL, loop_cb, &c), 0);
	}
	/* the loop never runs */
	CHECK(store_drain(c.s));
	CHECK_INT(c.cb_calls, 10);
	CHECK_INT(c.cb_ret, 0);
	CHECK(c.watch_calls >= 1);
	CHECK_INT(c.changes, 10);
	CHECK(store_drain(c.s));	/* the chained write */
	CHECK_INT(c.cb_calls, 11);
	CHECK_INT(c.changes, 11);
	CHECK(!store_drain(c.s));
	store_unwatch(&c.w);
	store_close(&c.s);
	CHECK_INT(c.cb_calls, 11);
	uv_run(&loop, UV_RUN_NOWAIT);
	CHECK_INT(uv_loop_close(&loop), 0);
}

static void
append_one(struct store *s, int64_t account, int64_t mailbox)
{
	struct store_blob *b = st_blob(s, "Subject: w\r\n\r\nw\r\n");

	CHECK_INT(store_append(s, account, mailbox, &b, 0, NULL, 0, 0, NULL,
			       NULL, NULL), 0);
}

/* ------------------------------------------------------------------ */
/* another process's commits reach this one's watchers                */

/* run the loop until c->watch_calls > calls or ms pass; elapsed ms */
static double
loop_until_watch(uv_loop_t *loop, struct loopctx *c, int calls, double ms)
{
	double t0 = now_ms();

	while (c->watch_calls <= calls && now_ms() - t0 < ms) {
		uv_run(loop, UV_RUN_NOWAIT);
		usleep(1000);
	}
	return now_ms() - t0;
}

TEST(store_watch_sees_other_process)
{
	int64_t ids[3];
	struct loopctx c;
	uv_loop_t loop;
	uv_timer_t keepalive;
	struct store *cli;
	struct store_mailbox mb;
	struct store_rcpt r;
	struct store_blob *b;

	memset(&c, 0, sizeof(c));
	c.s = st_setup("d", ids);
	c.account = ids[0];
	c.inbox = st_mbox(c.s, ids[0], "INBOX");
	CHECK_INT(store_mailbox_status(c.s, ids[0], c.inbox, &mb), 0);
	c.modseq = mb.highestmodseq;
	store_mailbox_clear(&mb);
	uv_loop_init(&loop);
	uv_timer_init(&loop, &keepalive);
	uv_timer_start(&keepalive, keepalive_cb, 1000, 1000);
	CHECK_INT(store_attach_loop(c.s, &loop), 0);
	c.w = store_watch(c.s, c.inbox, loop_watch, &c);

	/* our own write elsewhere wakes nobody, not even after a poll */
	append_one(c.s, ids[1], st_mbox(c.s, ids[1], "INBOX"));
	loop_until_watch(&loop, &c, 0, 1200);
	CHECK_INT(c.watch_calls, 0);

	/* `tern import` beside the server: its own handle, same folder */
	cli = st_open("d", true);
	append_one(cli, ids[0], c.inbox);
	/* the poll interval is 500 ms; the deadline is generous: a loaded
	 * machine is slow, and the latency is no pass/fail matter here */
	loop_until_watch(&loop, &c, 0, 30000);
	CHECK_INT(c.watch_calls, 1);
	CHECK_INT(c.changes, 1);

	/* a delivery from the other handle, then quiet again */
	b = st_blob(cli, "Subject: x\r\n\r\nfrom the cli\r\n");
	memset(&r, 0, sizeof(r));
	r.kind = STORE_RCPT_LOCAL;
	r.account_id = ids[0];
	CHECK_INT(store_deliver(cli, &b, NULL, &r, 1, NULL, NULL, NULL), 0);
	loop_until_watch(&loop, &c, 1, 30000);
	CHECK_INT(c.watch_calls, 2);
	CHECK_INT(c.changes, 2);
	loop_until_watch(&loop, &c, 2, 1200);
	CHECK_INT(c.watch_calls, 2);
	/* its exit checkpoints the WAL (a new data_version): at most one
	 * more call, which finds nothing new */
	store_close(&cli);
	loop_until_watch(&loop, &c, 2, 1200);
	CHECK(c.watch_calls <= 3);
	CHECK_INT(c.changes, 2);

	store_unwatch(&c.w);
	store_close(&c.s);
	/* nothing of the store's is left on the loop */
	uv_close((uv_handle_t *)&keepalive, NULL);
	uv_run(&loop, UV_RUN_NOWAIT);
	CHECK_INT(uv_loop_close(&loop), 0);
}

/* ------------------------------------------------------------------ */
/* freed blob files are unlinked after the completions                */

struct expunge_wait {
	struct waiter w;
	int files_at_cb;
};

static void
expunge_cb(void *arg, int ret)
{
	struct expunge_wait *e = arg;

	/* runs on the writer thread (no loop), right after the commit */
	e->files_at_cb = st_count_files("d", "blobs");
	waiter_cb(&e->w, ret);
}

TEST(store_expunge_completes_before_unlinks)
{
	int64_t ids[3];
	struct store *s = st_setup("d", ids);
	int64_t inbox = st_mbox(s, ids[0], "INBOX");
	struct expunge_wait e = { { PTHREAD_MUTEX_INITIALIZER,
				    PTHREAD_COND_INITIALIZER, 0, -99 }, -1 };
	struct store_uidlist gone = { 0, NULL };
	double t0;
	int n = -1;

	for (int i = 0; i < 50; i++)
		append_one(s, ids[0], inbox);
	CHECK_INT(st_count_files("d", "blobs"), 50);
	CHECK_INT(store_expunge(s, ids[0], inbox, NULL, 0, false, &gone,
				expunge_cb, &e), 0);
	pthread_mutex_lock(&e.w.lock);
	while (e.w.done < 1)
		pthread_cond_wait(&e.w.cond, &e.w.lock);
	pthread_mutex_unlock(&e.w.lock);
	CHECK_INT(e.w.last_ret, 0);
	CHECK_INT(gone.n, 50);
	/* committed and reported while every file was still there */
	CHECK_INT(e.files_at_cb, 50);
	/* and they go shortly after, without store_close */
	t0 = now_ms();
	while ((n = st_count_files("d", "blobs")) != 0 &&
	       now_ms() - t0 < 30000)
		usleep(1000);
	CHECK_INT(n, 0);
	store_uidlist_free(&gone);

	/* freed just before store_close: close finishes the unlinks */
	for (int i = 0; i < 20; i++)
		append_one(s, ids[0], inbox);
	CHECK_INT(store_expunge(s, ids[0], inbox, NULL, 0, false, NULL,
				NULL, NULL), 0);
	store_close(&s);
	CHECK_INT(st_count_files("d", "blobs"), 0);
	/* reopening (recovery) finds nothing to do and nothing lost */
	s = st_open("d", true);
	CHECK_INT(st_mbox(s, ids[0], "INBOX"), inbox);
	store_close(&s);
}

/* ------------------------------------------------------------------ */
/* recovery                                                           */

static void
touch(const char *name, const char *rel)
{
	char path[700];
	int fd;

	snprintf(path, sizeof(path), "%s/%s/%s", test_tmpdir(), name, rel);
	/* the parent folder may not exist yet (blobs/xx/ are lazy) */
	{
		char *slash = strrchr(path, '/');
		*slash = '\0';
		mkdir(path, 0700);
		*slash = '/';
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0);
	if (fd >= 0) {
		CHECK_INT(write(fd, "junk", 4), 4);
		close(fd);
	}
}

TEST(store_recovery_removes_stray_files)
{
	int64_t ids[3];
	struct store *s = st_setup("d", ids);
	int64_t inbox = st_mbox(s, ids[0], "INBOX");
	struct store_blob *b = st_blob(s, MSG_TEXT_RECOVERY);
	char *t;

	CHECK_INT(store_append(s, ids[0], inbox, &b, 0, NULL, 0, 0, NULL,
			       NULL, NULL), 0);
	store_close(&s);
	/* what a crash leaves: a blob being written, one renamed into
	 * blobs/ by a commit that never finished, and junk */
	touch("d", "tmp/b.1.2.3");
	touch("d", "blobs/e7/999999");	/* renamed, never committed */
	touch("d", "blobs/00/garbage");
	CHECK_INT(st_count_files("d", "blobs"), 3);
	s = st_open("d", true);
	CHECK_INT(st_count_files("d", "tmp"), 0);
	CHECK_INT(st_count_files("d", "blobs"), 1);
	t = st_read(s, ids[0], inbox, 1);
	CHECK_STR(t, MSG_TEXT_RECOVERY);
	free(t);
	store_close(&s);
}

/* ------------------------------------------------------------------ */
/* kill -9 while delivering                                           */

struct ack {
	uint32_t n;
	uint32_t uid;
};

struct child {
	struct store *s;
	int fd;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int inflight;
	struct ack *acks;
	struct store_rcpt *rcpts;
};

struct child_req {
	struct child *c;
	uint32_t n;
	struct store_rcpt r;
};

static void
child_cb(void *arg, int ret)
{
	struct child_req *q = arg;
	struct child *c = q->c;

	if (ret == 0 && q->r.status == 0) {
		struct ack a = { q->n, q->r.uid };
		if (write(c->fd, &a, sizeof(a)) != sizeof(a))
			_exit(3);
	}
	free(q);
	pthread_mutex_lock(&c->lock);
	c->inflight--;
	pthread_cond_signal(&c->cond);
	pthread_mutex_unlock(&c->lock);
}

static void
child_run(const char *dir, int64_t account, int fd, bool inline_bodies)
{
	struct store_settings set;
	struct child c;

	memset(&set, 0, sizeof(set));
	set.data_dir = dir;
	set.blob_inline_max = inline_bodies ? STORE_INLINE_DEFAULT : 0;
	memset(&c, 0, sizeof(c));
	c.fd = fd;
	pthread_mutex_init(&c.lock, NULL);
	pthread_cond_init(&c.cond, NULL);
	if (store_open(&set, &c.s, NULL) < 0)
		_exit(2);
	for (uint32_t n = 1;; n++) {
		struct child_req *q = calloc(1, sizeof(*q));
		struct store_blob *b = NULL;
		char text[200];

		snprintf(text, sizeof(text),
			 "Subject: kill %u\r\n\r\nbody of message %u\r\n", n, n);
		if (store_blob_begin(c.s, &b) < 0 ||
		    store_blob_write(b, text, strlen(text)) < 0)
			_exit(4);
		q->c = &c;
		q->n = n;
		q->r.kind = STORE_RCPT_LOCAL;
		q->r.account_id = account;
		pthread_mutex_lock(&c.lock);
		while (c.inflight >= 16)
			pthread_cond_wait(&c.cond, &c.lock);
		c.inflight++;
		pthread_mutex_unlock(&c.lock);
		if (store_deliver(c.s, &b, NULL, &q->r, 1, NULL, child_cb,
				  q) < 0)
			_exit(5);
	}
}

TEST(store_kill9_keeps_acknowledged_mail)
{
	int64_t ids[3];
	struct store *s = st_setup("k", ids);
	int64_t inbox = st_mbox(s, ids[0], "INBOX");
	char dir[512];
	int fds[2];
	pid_t pid;
	struct ack *acks = NULL;
	size_t nacks = 0, cap = 0;
	double t0;
	int status;

	store_close(&s);
	snprintf(dir, sizeof(dir), "%s/k", test_tmpdir());
	size_t nfile_msgs = 0;
	/* rounds 0-2 with body files, 3-4 with bodies in the database */
	for (int round = 0; round < 5; round++) {
		bool inl = round >= 3;
		CHECK_INT(pipe(fds), 0);
		pid = fork();
		if (pid == 0) {
			close(fds[0]);
			child_run(dir, ids[0], fds[1], inl);
			_exit(0);
		}
		close(fds[1]);
		fcntl(fds[0], F_SETFL, O_NONBLOCK);
		t0 = now_ms();
		/* let it run 150-400 ms, then kill it mid-flight */
		while (now_ms() - t0 < 150 + (round % 3) * 120) {
			struct ack a;
			ssize_t n = read(fds[0], &a, sizeof(a));
			if (n == sizeof(a)) {
				if (nacks == cap) {
					cap = cap ? cap * 2 : 256;
					acks = realloc(acks,
						       cap * sizeof(*acks));
				}
				a.n += (uint32_t)round * 1000000u;
				acks[nacks++] = a;
			} else {
				usleep(500);
			}
		}
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		CHECK(WIFSIGNALED(status));
		/* acks written before the kill are still in the pipe */
		for (;;) {
			struct ack a;
			ssize_t n = read(fds[0], &a, sizeof(a));
			if (n != sizeof(a))
				break;
			if (nacks == cap) {
				cap = cap ? cap * 2 : 256;
				acks = realloc(acks, cap * sizeof(*acks));
			}
			a.n += (uint32_t)round * 1000000u;
			acks[nacks++] = a;
		}
		close(fds[0]);

		/* reopen: every acknowledged message is there, intact */
		s = st_open2("k", false, inl);
		CHECK(s != NULL);
		if (s == NULL)
			break;
		CHECK_INT(st_count_files("k", "tmp"), 0);
		for (size_t i = 0; i < nacks; i++) {
			char want[200], *got;
			snprintf(want, sizeof(want),
				 "Subject: kill %u\r\n\r\nbody of message %u\r\n",
				 acks[i].n % 1000000u, acks[i].n % 1000000u);
			got = st_read(s, ids[0], inbox, acks[i].uid);
			if (got == NULL || strcmp(got, want) != 0) {
				CHECK_STR(got, want);
				free(got);
				break;
			}
			free(got);
		}
		{
			struct store_view v;
			struct store_account a;
			CHECK_INT(store_mailbox_open(s, ids[0], inbox, &v), 0);
			CHECK(v.n >= nacks);
			if (!inl)
				nfile_msgs = v.n;
			CHECK_INT(v.mailbox.messages, v.n);
			CHECK_INT(store_account_get(s, NULL, ids[0], &a), 0);
			CHECK_INT(a.used_messages, v.n);
			/* one blob file per message, no orphans (the
			 * inline rounds add no files) */
			CHECK_INT(st_count_files("k", "blobs"), nfile_msgs);
			store_account_clear(&a);
			store_view_free(&v);
		}
		store_close(&s);
	}
	CHECK(nacks > 10);
	free(acks);
}

TEST(store_second_opener_skips_recovery)
{
	int64_t ids[3];
	struct store *s = st_setup("d", ids), *cli;
	struct store_blob *b = st_blob(s, MSG_TEXT_RECOVERY);
	int64_t inbox = st_mbox(s, ids[0], "INBOX");
	uint32_t uid = 0;
	char *t;

	/* a server is streaming a message in; `tern account add` runs */
	CHECK_INT(st_count_files("d", "blobs"), 1);
	cli = st_open("d", true);
	CHECK(cli != NULL);
	CHECK_INT(store_account_add(cli, "late@example.org", NULL, NULL, NULL,
				    NULL, NULL), 0);
	store_close(&cli);
	CHECK_INT(st_count_files("d", "blobs"), 1);
	CHECK_INT(store_append(s, ids[0], inbox, &b, 0, NULL, 0, 0, &uid,
			       NULL, NULL), 0);
	t = st_read(s, ids[0], inbox, uid);
	CHECK_STR(t, MSG_TEXT_RECOVERY);
	free(t);
	/* and the server sees the CLI's account */
	{
		struct store_account a;
		CHECK_INT(store_account_get(s, "late@example.org", 0, &a), 0);
		store_account_clear(&a);
	}
	store_close(&s);
}

/* two processes (server and tern import) share the id counter only
 * through the database: a collision moves the later one to a new id */
TEST(store_blob_id_collision_between_openers)
{
	int64_t ids[3];
	struct store *srv = st_setup("d", ids), *cli;
	int64_t inbox = st_mbox(srv, ids[0], "INBOX");
	struct store_blob *a, *b;
	uint32_t ua = 0, ub = 0;
	char *t;

	store_close(&srv);
	srv = st_open2("d", true, false);	/* bodies as files */
	cli = st_open2("d", true, true);	/* bodies inline */
	a = st_blob(srv, "Subject: server\r\n\r\nfile body\r\n");
	b = st_blob(cli, "Subject: cli\r\n\r\ninline body\r\n");
	/* both took the same id; the CLI commits first */
	CHECK_INT(store_append(cli, ids[0], inbox, &b, 0, NULL, 0, 0, &ub,
			       NULL, NULL), 0);
	CHECK_INT(store_append(srv, ids[0], inbox, &a, 0, NULL, 0, 0, &ua,
			       NULL, NULL), 0);
	CHECK(ua != ub && ua > 0 && ub > 0);
	t = st_read(srv, ids[0], inbox, ua);
	CHECK_STR(t, "Subject: server\r\n\r\nfile body\r\n");
	free(t);
	t = st_read(srv, ids[0], inbox, ub);
	CHECK_STR(t, "Subject: cli\r\n\r\ninline body\r\n");
	free(t);
	store_close(&cli);
	store_close(&srv);
	/* and a fresh open (recovery) keeps both */
	srv = st_open("d", true);
	t = st_read(srv, ids[0], inbox, ua);
	CHECK_STR(t, "Subject: server\r\n\r\nfile body\r\n");
	free(t);
	CHECK_INT(st_count_files("d", "blobs"), 1);
	store_close(&srv);
}

/* without a loop, watchers run on the writer thread right after the
 * commit: rename and delete of a watched mailbox wake it too */
struct wcount {
	pthread_mutex_t lock;
	int calls;
	int64_t last;
};

static void
wcount_fn(void *arg, int64_t mailbox_id)
{
	struct wcount *w = arg;

	pthread_mutex_lock(&w->lock);
	w->calls++;
	w->last = mailbox_id;
	pthread_mutex_unlock(&w->lock);
}

TEST(store_watch_rename_delete_expunge)
{
	int64_t ids[3], box = 0;
	struct store *s = st_setup("d", ids);
	struct wcount wc = { PTHREAD_MUTEX_INITIALIZER, 0, 0 };
	struct store_watch *w;
	struct store_changes ch;

	CHECK_INT(store_mailbox_create(s, ids[0], "w", 0, &box, NULL, NULL), 0);
	w = store_watch(s, box, wcount_fn, &wc);
	append_one(s, ids[0], box);
	CHECK_INT(wc.calls, 1);
	CHECK_INT(wc.last, box);
	CHECK_INT(store_mailbox_rename(s, ids[0], "w", "w2", NULL, NULL), 0);
	CHECK_INT(wc.calls, 2);
	CHECK_INT(store_expunge(s, ids[0], box, NULL, 0, false, NULL, NULL,
				NULL), 0);
	CHECK_INT(wc.calls, 3);
	/* nothing to expunge: no commit-time change, no call */
	CHECK_INT(store_expunge(s, ids[0], box, NULL, 0, false, NULL, NULL,
				NULL), 0);
	CHECK_INT(wc.calls, 3);
	CHECK_INT(store_mailbox_delete(s, ids[0], "w2", NULL, NULL), 0);
	CHECK_INT(wc.calls, 4);
	CHECK_INT(store_mailbox_changes(s, ids[0], box, 0, &ch),
		  STORE_ENOTFOUND);
	store_unwatch(&w);
	store_close(&s);
}
