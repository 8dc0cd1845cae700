/* store.c - open/close, the writer thread (group commit), completions
 * onto the loop thread, change watchers. */
#include "store/store-private.h"

#include "lib/buf.h"
#include "lib/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

/* threads making blob files durable in parallel */
#define STORE_SYNC_THREADS 48
/* how often the writer looks for commits of other processes (tern
 * import, tern account) while a loop is attached */
#define STORE_EXT_POLL_S 0.5
/* blobs of an older store indexed per commit when the writer is idle */
#define FTS_BACKFILL_BATCH 32

const char *
store_data_dir(const struct store *s)
{
	return s->data_dir;
}

const char *
store_strerror(int err)
{
	switch (err) {
	case STORE_OK: return "ok";
	case STORE_ENOTFOUND: return "not found";
	case STORE_EEXIST: return "already exists";
	case STORE_EBADADDR: return "bad address";
	case STORE_ENOTLOCAL: return "domain is not local";
	case STORE_EBADNAME: return "bad mailbox name";
	case STORE_EQUOTA: return "quota exceeded";
	case STORE_ENOSELECT: return "mailbox is not selectable";
	case STORE_EHASCHILDREN: return "mailbox has children";
	case STORE_EPERM: return "operation not permitted";
	case STORE_ENOTEMPTY: return "domain has accounts or aliases";
	case STORE_EDISABLED: return "account is disabled";
	case STORE_ELOOP: return "alias expansion too deep or too wide";
	case STORE_EINVAL: return "invalid argument";
	case STORE_EIO: return "storage I/O error";
	case STORE_ECLOSED: return "store is closing";
	case STORE_ETOOBIG: return "message too big";
	case STORE_ELIMIT: return "limit reached";
	case STORE_EBUSY: return "in use";
	}
	return "unknown store error";
}

int64_t
store_now(void)
{
	return (int64_t)time(NULL);
}

int
store_fsync(struct store *s, int fd)
{
	if (s->no_fsync)
		return 0;
	return fsync(fd);
}

/* ------------------------------------------------------------------ */
/* ops                                                                */

void *
store_op_new(size_t size, store_op_exec *exec, store_op_free *fr)
{
	struct store_op *op = xcalloc(1, size);

	op->exec = exec;
	op->free = fr;
	return op;
}

static void
op_destroy(struct store_op *op)
{
	if (op->free)
		op->free(op);
	if (op->blob) {
		/* never committed: drop the tmp file */
		store_blob_abort(&op->blob);
	}
	for (size_t i = 0; i < op->nmore; i++)
		store_blob_abort(&op->more[i]);
	free(op->more);
	free(op->changed);
	free(op);
}

void
store_op_changed(struct store_op *op, int64_t mailbox_id)
{
	for (size_t i = 0; i < op->nchanged; i++)
		if (op->changed[i] == mailbox_id)
			return;
	if (op->nchanged == op->changed_cap) {
		op->changed_cap = op->changed_cap ? op->changed_cap * 2 : 4;
		op->changed = xrealloc(op->changed,
				       op->changed_cap * sizeof(int64_t));
	}
	op->changed[op->nchanged++] = mailbox_id;
}

void
store_blob_freed(struct store *s, int64_t blob_id)
{
	if (s->nfreed == s->freed_cap) {
		s->freed_cap = s->freed_cap ? s->freed_cap * 2 : 16;
		s->freed = xrealloc(s->freed, s->freed_cap * sizeof(int64_t));
	}
	s->freed[s->nfreed++] = blob_id;
}

int
store_submit(struct store *s, struct store_op *op, store_cb *cb, void *arg)
{
	int ret;

	op->cb = cb;
	op->arg = arg;
	op->sync = (cb == NULL);
	pthread_mutex_lock(&s->lock);
	if (s->stopping) {
		pthread_mutex_unlock(&s->lock);
		op_destroy(op);
		return STORE_ECLOSED;
	}
	op->next = NULL;
	if (op->blob)
		store_blob_sync_async(s, op->blob);
	for (size_t i = 0; i < op->nmore; i++)
		store_blob_sync_async(s, op->more[i]);
	*s->q_tail = op;
	s->q_tail = &op->next;
	pthread_cond_signal(&s->wake);
	if (!op->sync) {
		s->n_writing++;
		pthread_mutex_unlock(&s->lock);
		return 0;
	}
	while (!op->done)
		pthread_cond_wait(&s->done_cond, &s->lock);
	pthread_mutex_unlock(&s->lock);
	ret = op->ret;
	op_destroy(op);
	return ret;
}

/* ------------------------------------------------------------------ */
/* completions and watchers                                           */

static void
changed_add(struct store *s, int64_t id)
{
	for (size_t i = 0; i < s->c_nchanged; i++)
		if (s->c_changed[i] == id)
			return;
	if (s->c_nchanged == s->c_changed_cap) {
		s->c_changed_cap = s->c_changed_cap ? s->c_changed_cap * 2 : 16;
		s->c_changed = xrealloc(s->c_changed,
					s->c_changed_cap * sizeof(int64_t));
	}
	s->c_changed[s->c_nchanged++] = id;
}

/* watchers live in a hash table by id: a commit costs one lookup per
 * changed id, whatever the number of watchers of other mailboxes */
static size_t
watch_bucket(const struct store *s, int64_t id)
{
	uint64_t h = (uint64_t)id * 0x9e3779b97f4a7c15ull;

	return (size_t)(h >> 32) & (s->nbuckets - 1);
}

static void
watch_call(struct store_watch *w)
{
	int64_t id = w->mailbox_id;

	/* an account's changes: its watcher is told the account id */
	if (id < STORE_WATCH_CHANGES_BASE / 2)
		id -= STORE_WATCH_CHANGES_BASE;
	if (!w->dead)
		w->fn(w->arg, id);
}

/* unlink the dead ones (none is being dispatched) */
static void
watchers_sweep(struct store *s)
{
	for (size_t b = 0; s->ndead > 0 && b < s->nbuckets; b++) {
		struct store_watch **pp = &s->wbuckets[b];

		while (*pp) {
			struct store_watch *w = *pp;
			if (w->dead) {
				*pp = w->next;
				free(w);
				s->ndead--;
				s->nwatch--;
			} else {
				pp = &w->next;
			}
		}
	}
}

/* all: another process committed, we do not know what: call every
 * watcher (each then asks for changes since its modseq) */
static void
watchers_dispatch(struct store *s, const int64_t *ids, size_t n, bool queue,
		  bool all)
{
	pthread_mutex_lock(&s->wlock);
	s->dispatching++;
	if (s->nbuckets > 0 && all) {
		for (size_t b = 0; b < s->nbuckets; b++)
			for (struct store_watch *w = s->wbuckets[b]; w;
			     w = w->next)
				watch_call(w);
	} else if (s->nbuckets > 0) {
		for (size_t i = 0; i <= n; i++) {
			int64_t id = i < n ? ids[i] : 0;

			if (i == n && !queue)
				break;
			for (struct store_watch *w =
			     s->wbuckets[watch_bucket(s, id)]; w; w = w->next)
				if (w->mailbox_id == id)
					watch_call(w);
		}
	}
	if (--s->dispatching == 0)
		watchers_sweep(s);
	pthread_mutex_unlock(&s->wlock);
}

/* run completions queued for the loop (loop thread) */
static void
completions_run(struct store *s)
{
	struct store_op *ops;
	int64_t *changed;
	size_t nchanged;
	bool qchanged, all;

	pthread_mutex_lock(&s->lock);
	ops = s->c_head;
	s->c_head = NULL;
	s->c_tail = &s->c_head;
	changed = s->c_changed;
	nchanged = s->c_nchanged;
	qchanged = s->c_queue_changed;
	all = s->c_all_changed;
	s->c_changed = NULL;
	s->c_nchanged = s->c_changed_cap = 0;
	s->c_queue_changed = s->c_all_changed = false;
	pthread_mutex_unlock(&s->lock);

	/* watchers first: a command's reply then already knows what its
	 * own commit changed (an APPEND into the selected mailbox announces
	 * EXISTS before its tagged OK, RFC 9051 7.4.1) */
	if (nchanged || qchanged || all)
		watchers_dispatch(s, changed, nchanged, qchanged, all);
	free(changed);
	while (ops) {
		struct store_op *op = ops;
		ops = op->next;
		op->cb(op->arg, op->ret);
		op_destroy(op);
	}
}

bool
store_drain(struct store *s)
{
	bool pending;

	pthread_mutex_lock(&s->lock);
	while (s->n_writing > 0)
		pthread_cond_wait(&s->done_cond, &s->lock);
	pending = s->c_head || s->c_nchanged || s->c_queue_changed ||
		  s->c_all_changed;
	pthread_mutex_unlock(&s->lock);
	if (pending)
		completions_run(s);
	return pending;
}

static void
async_cb(uv_async_t *h)
{
	completions_run(h->data);
}

static void
async_close_cb(uv_handle_t *h)
{
	free(h);
}

int
store_attach_loop(struct store *s, struct uv_loop_s *loop)
{
	uv_async_t *a = xcalloc(1, sizeof(*a));

	if (uv_async_init(loop, a, async_cb) != 0) {
		free(a);
		return STORE_EIO;
	}
	a->data = s;
	uv_unref((uv_handle_t *)a);
	pthread_mutex_lock(&s->lock);
	s->async = (struct uv_async_s *)a;
	/* the writer starts polling for other processes' commits */
	pthread_cond_signal(&s->wake);
	pthread_mutex_unlock(&s->lock);
	return 0;
}

/* double the buckets when they hold two watchers each on average
 * (never while dispatching: the walk would lose its place) */
static void
watchers_grow(struct store *s)
{
	size_t nb = s->nbuckets ? s->nbuckets * 2 : 64, old = s->nbuckets;
	struct store_watch **ob = s->wbuckets;

	if (s->dispatching > 0 || (old > 0 && s->nwatch < 2 * old))
		return;
	s->wbuckets = xcalloc(nb, sizeof(*s->wbuckets));
	s->nbuckets = nb;
	for (size_t b = 0; b < old; b++) {
		while (ob[b]) {
			struct store_watch *w = ob[b];
			size_t h = watch_bucket(s, w->mailbox_id);

			ob[b] = w->next;
			w->next = s->wbuckets[h];
			s->wbuckets[h] = w;
		}
	}
	free(ob);
}

struct store_watch *
store_watch(struct store *s, int64_t mailbox_id, store_watch_fn *fn,
	    void *arg)
{
	struct store_watch *w = xcalloc(1, sizeof(*w));
	size_t h;

	w->store = s;
	w->mailbox_id = mailbox_id;
	w->fn = fn;
	w->arg = arg;
	pthread_mutex_lock(&s->wlock);
	watchers_grow(s);
	h = watch_bucket(s, mailbox_id);
	w->next = s->wbuckets[h];
	s->wbuckets[h] = w;
	s->nwatch++;
	pthread_mutex_unlock(&s->wlock);
	return w;
}

void
store_unwatch(struct store_watch **wp)
{
	struct store_watch *w = *wp;
	struct store *s;

	if (w == NULL)
		return;
	*wp = NULL;
	s = w->store;
	pthread_mutex_lock(&s->wlock);
	w->dead = true;
	if (s->dispatching == 0) {
		for (struct store_watch **pp =
		     &s->wbuckets[watch_bucket(s, w->mailbox_id)]; *pp;
		     pp = &(*pp)->next) {
			if (*pp == w) {
				*pp = w->next;
				free(w);
				s->nwatch--;
				break;
			}
		}
	} else {
		s->ndead++;
	}
	pthread_mutex_unlock(&s->wlock);
}

/* ------------------------------------------------------------------ */
/* the writer thread                                                  */

static void
batch_finish(struct store *s, struct store_op *ops)
{
	bool done = false, post = false;
	int64_t *wchanged = NULL;
	size_t nw = 0, wcap = 0;
	bool wqueue = false;

	/* first what changed: for the loop's watchers, or for watchers
	 * run here (no loop) before any caller learns of the commit */
	pthread_mutex_lock(&s->lock);
	for (struct store_op *op = ops; op; op = op->next) {
		if (op->ret < 0)
			continue;
		for (size_t i = 0; i < op->nchanged; i++) {
			if (s->async) {
				changed_add(s, op->changed[i]);
				continue;
			}
			if (nw == wcap) {
				wcap = wcap ? wcap * 2 : 8;
				wchanged = xrealloc(wchanged,
						    wcap * sizeof(int64_t));
			}
			wchanged[nw++] = op->changed[i];
		}
		if (op->queue_changed) {
			if (s->async)
				s->c_queue_changed = true;
			else
				wqueue = true;
		}
		if (s->async && (op->nchanged || op->queue_changed))
			post = true;
	}
	pthread_mutex_unlock(&s->lock);
	if (nw || wqueue)
		watchers_dispatch(s, wchanged, nw, wqueue, false);
	free(wchanged);

	/* then the completions */
	pthread_mutex_lock(&s->lock);
	while (ops) {
		struct store_op *op = ops;
		ops = op->next;
		if (op->sync) {
			op->done = true;
			done = true;
		} else if (s->async) {
			op->next = NULL;
			*s->c_tail = op;
			s->c_tail = &op->next;
			post = true;
			s->n_writing--;
			done = true;		/* store_drain waits */
		} else {
			/* no loop: run the callback here, without the lock */
			pthread_mutex_unlock(&s->lock);
			op->cb(op->arg, op->ret);
			op_destroy(op);
			pthread_mutex_lock(&s->lock);
			s->n_writing--;
		}
	}
	if (done)
		pthread_cond_broadcast(&s->done_cond);
	if (post)
		uv_async_send((uv_async_t *)s->async);
	pthread_mutex_unlock(&s->lock);
}

static double
mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

void
store_get_stats(struct store *s, struct store_stats *st)
{
	pthread_mutex_lock(&s->lock);
	st->batches = s->batches;
	st->ops = s->ops_committed;
	st->sync_wait_s = s->t_sync;
	st->exec_s = s->t_exec;
	st->commit_s = s->t_commit;
	pthread_mutex_unlock(&s->lock);
}

static void
batch_fail(struct store_op *ops)
{
	for (struct store_op *op = ops; op; op = op->next) {
		op->ret = STORE_EIO;
		op->nchanged = 0;
		op->queue_changed = false;
	}
}

static void
batch_run(struct store *s, struct store_op *ops)
{
	const struct store_backend *be = s->be;
	double t0 = mono(), t1, t2;
	bool marks_ok = true;
	int rc;

	s->nfreed = 0;

	/* blob data first: durable before the commit that names it (the
	 * sync pool started on it when the write was submitted) */
	{
		bool any = false;
		for (struct store_op *op = ops; op; op = op->next) {
			op->ret = 0;
			if (op->blob && store_blob_sync_wait(s, op->blob) < 0)
				op->ret = STORE_EIO;
			else if (op->blob)
				any = true;
			for (size_t i = 0; i < op->nmore; i++) {
				if (store_blob_sync_wait(s, op->more[i]) < 0)
					op->ret = STORE_EIO;
				any = true;
			}
		}
		if (any && s->use_syncfs && !s->no_fsync &&
		    syncfs(s->blobs_dirfd) < 0) {
			log_error(0, "store: syncfs: %s", strerror(errno));
			for (struct store_op *op = ops; op; op = op->next)
				if (op->blob || op->nmore)
					op->ret = STORE_EIO;
		}
	}

	t1 = mono();
	if (be->begin(s) < 0) {
		batch_fail(ops);
		store_recent_saved(s, false);
		goto settle;
	}
	for (struct store_op *op = ops; op; op = op->next) {
		size_t nfreed = s->nfreed;

		if (op->ret < 0)
			continue;
		if (be->op_begin(s) < 0) {
			op->ret = STORE_EIO;
			continue;
		}
		s->cur_op = op;
		op->ret = op->exec(s, op);
		s->cur_op = NULL;
		be->op_end(s, op->ret >= 0);
		if (op->ret < 0) {
			s->nfreed = nfreed;
			op->nchanged = 0;
			op->queue_changed = false;
			if (op->blob)
				op->blob->in_db = false;
			for (size_t i = 0; i < op->nmore; i++)
				op->more[i]->in_db = false;
		}
	}
	/* \Recent marks claimed since the last batch ride along */
	if (store_recent_pending(s)) {
		if (be->op_begin(s) < 0) {
			marks_ok = false;
		} else {
			marks_ok = store_recent_save(s) >= 0;
			be->op_end(s, marks_ok);
		}
	}
	t2 = mono();
	rc = be->commit(s);
	store_recent_saved(s, marks_ok && rc >= 0);
	pthread_mutex_lock(&s->lock);
	s->t_sync += t1 - t0;
	s->t_exec += t2 - t1;
	s->t_commit += mono() - t2;
	pthread_mutex_unlock(&s->lock);
	if (rc < 0) {
		log_error(0, "store: batch commit failed, %s",
			  be->errmsg(s));
		be->rollback(s);
		batch_fail(ops);
		s->nfreed = 0;
		goto settle;
	}
	/* s->freed stays: unlinked after the completions (writer_main) */
	pthread_mutex_lock(&s->lock);
	s->batches++;
	pthread_mutex_unlock(&s->lock);
settle:
	/* a committed blob file belongs to its row now; others go */
	for (struct store_op *op = ops; op; op = op->next) {
		for (size_t i = 0; i < op->nmore; i++) {
			store_blob_settle(s, op->more[i],
					  op->ret >= 0 && op->more[i]->in_db);
			op->more[i] = NULL;
		}
		op->nmore = 0;
		if (op->blob == NULL)
			continue;
		store_blob_settle(s, op->blob, op->ret >= 0 && op->blob->in_db);
		op->blob = NULL;
	}
}

/* unlinker thread: removes the files of freed blobs, so that neither
 * the batch's completions nor the next batch wait for the unlinks
 * (1-3 ms each; an expunge of 2,000 messages frees 2,000 files) */
static void *
unlinker_main(void *arg)
{
	struct store *s = arg;

	pthread_mutex_lock(&s->ul_lock);
	for (;;) {
		int64_t *ids;
		size_t n;

		while (s->ul_n == 0 && !s->ul_stopping)
			pthread_cond_wait(&s->ul_wake, &s->ul_lock);
		if (s->ul_n == 0)
			break;
		ids = s->ul_ids;
		n = s->ul_n;
		s->ul_ids = NULL;
		s->ul_n = s->ul_cap = 0;
		pthread_mutex_unlock(&s->ul_lock);
		for (size_t i = 0; i < n; i++)
			store_blob_unlink(s, ids[i]);
		free(ids);
		pthread_mutex_lock(&s->ul_lock);
	}
	pthread_mutex_unlock(&s->ul_lock);
	return NULL;
}

/* writer thread, after the completions: hand the batch's freed blobs
 * to the unlinker (or unlink here if it could not start) */
static void
freed_flush(struct store *s)
{
	if (s->nfreed == 0)
		return;
	if (!s->ul_started) {
		for (size_t i = 0; i < s->nfreed; i++)
			store_blob_unlink(s, s->freed[i]);
		s->nfreed = 0;
		return;
	}
	pthread_mutex_lock(&s->ul_lock);
	if (s->ul_n + s->nfreed > s->ul_cap) {
		s->ul_cap = s->ul_n + s->nfreed + 64;
		s->ul_ids = xrealloc(s->ul_ids, s->ul_cap * sizeof(int64_t));
	}
	memcpy(s->ul_ids + s->ul_n, s->freed, s->nfreed * sizeof(int64_t));
	s->ul_n += s->nfreed;
	pthread_cond_signal(&s->ul_wake);
	pthread_mutex_unlock(&s->ul_lock);
	s->nfreed = 0;
}

/* PRAGMA data_version of the writer's connection (writer thread, or
 * store_open before the writer starts); -1 on error */
static int64_t
ext_version(struct store *s)
{
	sqlite3_stmt *st = db_prep(s->wdb, "PRAGMA data_version");
	int64_t v = -1;

	if (st == NULL)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return v;
}

/* writer thread, lock held, loop attached: has another process (tern
 * import, tern account) committed since the last look? Then tell every
 * watcher on the loop. Our own commits do not change the writer
 * connection's data_version, so they never cause these calls. */
static void
ext_poll(struct store *s)
{
	int64_t v;

	s->ext_next = mono() + STORE_EXT_POLL_S;
	pthread_mutex_unlock(&s->lock);
	v = ext_version(s);
	pthread_mutex_lock(&s->lock);
	if (v < 0 || v == s->ext_version)
		return;
	s->ext_version = v;
	s->c_all_changed = true;
	uv_async_send((uv_async_t *)s->async);
}

/* wait on s->wake (monotonic clock) until mono() reaches t */
static void
wake_wait_until(struct store *s, double t)
{
	struct timespec ts;

	ts.tv_sec = (time_t)t;
	ts.tv_nsec = (long)((t - (double)ts.tv_sec) * 1e9);
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(&s->wake, &s->lock, &ts);
}

static void *
writer_main(void *arg)
{
	struct store *s = arg;

	bool last_marks = false;

	pthread_mutex_lock(&s->lock);
	for (;;) {
		struct store_op *ops;
		size_t n = 0;
		bool marks = false;

		/* between batches, also under a steady load */
		if (s->async && !s->stopping && mono() >= s->ext_next) {
			ext_poll(s);
			/* \Recent marks that no write carried since the
			 * last poll: a batch of their own */
			marks = store_recent_pending(s);
		}
		if (s->q_head == NULL && !s->stopping && !marks &&
		    s->fts_backlog && s->async) {
			/* idle: index the big messages stored without
			 * their row, and an older store's (new work waits
			 * at most for one small batch) */
			bool more;
			int done;

			pthread_mutex_unlock(&s->lock);
			done = store_fts_backfill(s, FTS_BACKFILL_BATCH, &more);
			if (done < 0)
				more = false;
			else if (done > 0)
				log_debug(0, "store index caught up messages=%d "
					  "more=%d", done, more);
			pthread_mutex_lock(&s->lock);
			s->fts_backlog = more;
			continue;
		}
		if (s->q_head == NULL && !s->stopping && !marks) {
			if (s->async)
				wake_wait_until(s, s->ext_next);
			else
				pthread_cond_wait(&s->wake, &s->lock);
			continue;
		}
		if (s->q_head == NULL && s->stopping) {
			/* the last marks, for the next start (once) */
			if (last_marks || !store_recent_pending(s))
				break;
			last_marks = true;
		}
		ops = s->q_head;
		s->q_head = NULL;
		s->q_tail = &s->q_head;
		pthread_mutex_unlock(&s->lock);

		for (struct store_op *op = ops; op; op = op->next)
			n++;
		batch_run(s, ops);
		pthread_mutex_lock(&s->lock);
		s->ops_committed += n;
		pthread_mutex_unlock(&s->lock);
		batch_finish(s, ops);
		freed_flush(s);
		pthread_mutex_lock(&s->lock);
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* open / close                                                       */

/* mkdir(path), durable in its parent when made here: without the
 * parent's fsync a power cut can lose the folder and all below it */
static int
mkdir_durable(struct store *s, const char *path)
{
	char *up;
	int fd, ret;

	if (mkdir(path, 0700) < 0)
		return errno == EEXIST ? 0 : -1;
	up = xasprintf("%s/..", path);
	fd = open(up, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(up);
	if (fd < 0)
		return -1;
	ret = store_fsync(s, fd);
	close(fd);
	return ret;
}

static int
mkdir_p(struct store *s, const char *path)
{
	char *p = xstrdup(path);

	for (char *q = p + 1; *q; q++) {
		if (*q != '/')
			continue;
		*q = '\0';
		if (mkdir_durable(s, p) < 0) {
			free(p);
			return -1;
		}
		*q = '/';
	}
	if (mkdir_durable(s, p) < 0) {
		free(p);
		return -1;
	}
	free(p);
	return 0;
}

int
store_open(const struct store_settings *set, struct store **store_r,
	   char **error_r)
{
	struct store *s;
	int ret;

	*store_r = NULL;
	if (set == NULL || set->data_dir == NULL || set->data_dir[0] == '\0') {
		if (error_r)
			*error_r = xstrdup("data_dir not set");
		return STORE_EINVAL;
	}
	s = xcalloc(1, sizeof(*s));
	s->be = &store_sqlite_backend;
	s->data_dir = xstrdup(set->data_dir);
	s->plus_sep = xstrdup(set->plus_separator ? set->plus_separator : "+");
	s->max_message_size = set->max_message_size;
	s->no_fsync = set->unsafe_no_fsync;
	s->use_syncfs = set->blob_syncfs;
	s->max_mailboxes = set->max_mailboxes;
	s->acl_max_entries = set->acl_max_entries ? set->acl_max_entries :
		STORE_ACL_MAX_ENTRIES;
	s->acl_max_identifier = set->acl_max_identifier ?
		set->acl_max_identifier : STORE_ACL_MAX_IDENTIFIER;
	s->meta = set->meta;
	s->sieve = set->sieve;
	s->preview.parts = set->preview_parts ? set->preview_parts :
			   MIME_PREVIEW_PARTS;
	s->preview.read = set->preview_read ? set->preview_read :
			  MIME_PREVIEW_READ;
	s->fts_max_size = set->fts_max_size;
	s->fts_inline_max = set->fts_inline_max;
	s->fts_backlog = true;	/* until a look finds none */
	s->inline_max = set->blob_inline_max <= 0 ? 0 :
		(uint64_t)set->blob_inline_max;
	s->pcache = store_pcache_new(set->parse_cache_bytes);
	s->blobs_dirfd = s->tmp_dirfd = s->lock_fd = -1;
	pthread_mutex_init(&s->lock, NULL);
	pthread_mutex_init(&s->rlock, NULL);
	pthread_mutex_init(&s->recent_lock, NULL);
	{
		pthread_mutexattr_t ma;
		pthread_mutexattr_init(&ma);
		pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_RECURSIVE);
		pthread_mutex_init(&s->wlock, &ma);
		pthread_mutexattr_destroy(&ma);
	}
	{
		/* timed waits (ext_poll) on the monotonic clock */
		pthread_condattr_t ca;
		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&s->wake, &ca);
		pthread_condattr_destroy(&ca);
	}
	pthread_mutex_init(&s->sync_lock, NULL);
	pthread_cond_init(&s->sync_wake, NULL);
	pthread_cond_init(&s->sync_done, NULL);
	s->sync_tail = &s->sync_head;
	pthread_cond_init(&s->done_cond, NULL);
	pthread_mutex_init(&s->ul_lock, NULL);
	pthread_cond_init(&s->ul_wake, NULL);
	s->q_tail = &s->q_head;
	s->c_tail = &s->c_head;
	pthread_key_create(&s->rkey, NULL);

	if ((ret = store_role_targets(s, set, error_r)) < 0)
		goto fail;
	if (mkdir_p(s, s->data_dir) < 0) {
		if (error_r)
			*error_r = xasprintf("mkdir %s: %s", s->data_dir,
					     strerror(errno));
		ret = STORE_EIO;
		goto fail;
	}
	if ((ret = store_blob_dirs(s, error_r)) < 0)
		goto fail;
	if ((ret = s->be->open(s, error_r)) < 0)
		goto fail;
	/* Recovery removes files that no committed row names: only safe
	 * when no other process (a running server, tern import) has the
	 * store open and is writing one. The first opener holds the lock
	 * exclusively while it recovers; every opener then holds it shared. */
	{
		char *lp = xasprintf("%s/lock", s->data_dir);
		s->lock_fd = open(lp, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		free(lp);
		if (s->lock_fd < 0) {
			if (error_r)
				*error_r = xasprintf("lock: %s",
						     strerror(errno));
			ret = STORE_EIO;
			goto fail;
		}
	}
	if (flock(s->lock_fd, LOCK_EX | LOCK_NB) == 0) {
		if ((ret = store_blob_recover(s, error_r)) < 0)
			goto fail;
		flock(s->lock_fd, LOCK_SH);
	} else {
		flock(s->lock_fd, LOCK_SH);
		if ((ret = store_blob_next_id(s, 0)) < 0)
			goto fail;
	}
	/* the baseline: commits from now on are news to our watchers */
	s->ext_version = ext_version(s);
	if ((ret = store_sync_start(s, STORE_SYNC_THREADS)) < 0) {
		if (error_r)
			*error_r = xstrdup("cannot start sync threads");
		goto fail;
	}
	if (pthread_create(&s->ul_thread, NULL, unlinker_main, s) != 0) {
		if (error_r)
			*error_r = xstrdup("cannot start unlinker thread");
		ret = STORE_EIO;
		goto fail;
	}
	s->ul_started = true;
	if (pthread_create(&s->writer, NULL, writer_main, s) != 0) {
		if (error_r)
			*error_r = xstrdup("cannot start writer thread");
		ret = STORE_EIO;
		goto fail;
	}
	s->writer_started = true;
	*store_r = s;
	return 0;
fail:
	store_close(&s);
	return ret;
}

void
store_close(struct store **sp)
{
	struct store *s = *sp;

	if (s == NULL)
		return;
	*sp = NULL;
	if (s->writer_started) {
		pthread_mutex_lock(&s->lock);
		s->stopping = true;
		pthread_cond_signal(&s->wake);
		pthread_mutex_unlock(&s->lock);
		pthread_join(s->writer, NULL);
	}
	if (s->sync_threads)
		store_sync_stop(s);
	/* after the writer: every freed file is queued; drain them */
	if (s->ul_started) {
		pthread_mutex_lock(&s->ul_lock);
		s->ul_stopping = true;
		pthread_cond_signal(&s->ul_wake);
		pthread_mutex_unlock(&s->ul_lock);
		pthread_join(s->ul_thread, NULL);
	}
	/* completions still waiting for the loop run here */
	if (s->c_head || s->c_nchanged || s->c_queue_changed ||
	    s->c_all_changed)
		completions_run(s);
	if (s->async)
		uv_close((uv_handle_t *)s->async, async_close_cb);
	s->be->close(s);
	pthread_key_delete(s->rkey);
	for (size_t b = 0; b < s->nbuckets; b++) {
		for (struct store_watch *w = s->wbuckets[b]; w;) {
			struct store_watch *next = w->next;
			free(w);
			w = next;
		}
	}
	free(s->wbuckets);
	if (s->blobs_dirfd >= 0)
		close(s->blobs_dirfd);
	if (s->tmp_dirfd >= 0)
		close(s->tmp_dirfd);
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	pthread_mutex_destroy(&s->lock);
	pthread_mutex_destroy(&s->rlock);
	pthread_mutex_destroy(&s->recent_lock);
	pthread_mutex_destroy(&s->wlock);
	pthread_cond_destroy(&s->wake);
	pthread_cond_destroy(&s->done_cond);
	pthread_mutex_destroy(&s->sync_lock);
	pthread_cond_destroy(&s->sync_wake);
	pthread_cond_destroy(&s->sync_done);
	pthread_mutex_destroy(&s->ul_lock);
	pthread_cond_destroy(&s->ul_wake);
	store_pcache_free(s->pcache);
	free(s->ul_ids);
	free(s->recent);
	free(s->recent_dirty);
	free(s->recent_saving);
	free(s->freed);
	free(s->c_changed);
	free(s->data_dir);
	free(s->plus_sep);
	free(s->postmaster);
	free(s->abuse);
	free(s->dmarc_mailbox);
	free(s);
}
