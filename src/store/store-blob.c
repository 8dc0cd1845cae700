/* store-blob.c - message bodies: streaming writer, reader,
 * durability, recovery.
 *
 * With blob_inline_max set, a body is kept in memory while it is at
 * most that many bytes and then stored in its blobs row (column data):
 * durable with the commit, nothing else to sync. A bigger body (every
 * body when inlining is off) spills, while it
 * streams in, to a file:
 *   blobs/xx/<id>   created when the body outgrows the limit (id from a
 *                   counter above every id in use, xx = id % 256 in hex),
 *                   written with plain write(2)
 *   durable         when a write is submitted with it, a sync thread
 *                   runs fdatasync(file) and fsync(blobs/xx) (many in
 *                   parallel: concurrent fsyncs share journal commits)
 *   committed       the writer waits for that, then inserts its row
 *                   (same id, data NULL) in the batch and commits
 *   unlinked        after the commit that dropped the last reference
 * Until its row is committed a file is an orphan: store_blob_abort()
 * or a failed write removes it, and after a crash recovery at open
 * removes every file without a row (and anything in tmp/). */
#include "store/store-private.h"

#include "lib/buf.h"
#include "lib/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct store_reader {
	int fd;			/* -1 for a body kept in the database */
	unsigned char *mem;	/* that body */
	unsigned char *prefix;
	size_t prefix_len;
	uint64_t blob_size;
};

int
store_blob_dirs(struct store *s, char **error_r)
{
	char path[32];
	int fd, up;

	if (mkdirat(AT_FDCWD, s->data_dir, 0700) < 0 && errno != EEXIST)
		goto fail;
	fd = open(s->data_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		goto fail;
	if ((mkdirat(fd, "blobs", 0700) < 0 && errno != EEXIST) ||
	    (mkdirat(fd, "tmp", 0700) < 0 && errno != EEXIST)) {
		close(fd);
		goto fail;
	}
	s->blobs_dirfd = openat(fd, "blobs", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	s->tmp_dirfd = openat(fd, "tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->blobs_dirfd < 0 || s->tmp_dirfd < 0) {
		close(fd);
		goto fail;
	}
	/* blobs/xx/ are created on first use (blob_create_file); those
	 * here now are durable after the fsync of blobs/ below */
	for (int i = 0; i < 256; i++) {
		struct stat st;

		snprintf(path, sizeof(path), "%02x", (unsigned)i);
		if (fstatat(s->blobs_dirfd, path, &st, 0) == 0)
			s->blob_dir_durable[i] = true;
	}
	/* make the directory skeleton durable once, the data folder's own
	 * entry too (tern init or the CLI may have made it, unsynced) */
	if (store_fsync(s, s->blobs_dirfd) < 0 ||
	    store_fsync(s, s->tmp_dirfd) < 0 || store_fsync(s, fd) < 0) {
		close(fd);
		goto fail;
	}
	up = openat(fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	close(fd);
	if (up < 0 || store_fsync(s, up) < 0) {
		if (up >= 0)
			close(up);
		goto fail;
	}
	close(up);
	return 0;
fail:
	if (error_r)
		*error_r = xasprintf("%s: %s", s->data_dir, strerror(errno));
	return STORE_EIO;
}

/* ------------------------------------------------------------------ */
/* writer                                                             */

static void
blob_path(int64_t id, char *buf, size_t size)
{
	snprintf(buf, size, "%02x/%lld", (unsigned)(id % 256), (long long)id);
}

/* create blobs/xx/<id> for a blob that outgrew the inline limit (or
 * when inlining is off) */
static int
blob_create_file(struct store *s, struct store_blob *b)
{
	char dir[4];

	/* another process (tern import) may take ids too: O_EXCL and on */
	for (int tries = 0; b->fd < 0 && tries < 1000; tries++) {
		if (tries > 0)
			b->id = __atomic_fetch_add(&s->next_blob_id, 1,
						   __ATOMIC_RELAXED);
		blob_path(b->id, b->tmpname, sizeof(b->tmpname));
		b->fd = openat(s->blobs_dirfd, b->tmpname,
			       O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (b->fd < 0 && errno == ENOENT) {
			/* first blob in blobs/xx: create the folder */
			snprintf(dir, sizeof(dir), "%02x",
				 (unsigned)(b->id % 256));
			if (mkdirat(s->blobs_dirfd, dir, 0700) < 0 &&
			    errno != EEXIST)
				break;
			/* its entry in blobs/ is made durable by the sync
			 * thread, not here on the caller's thread */
			b->fd = openat(s->blobs_dirfd, b->tmpname,
				       O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
				       0600);
		}
		if (b->fd < 0 && errno != EEXIST)
			break;
	}
	if (b->fd < 0) {
		log_error(0, "store: create blobs/%s: %s", b->tmpname,
			  strerror(errno));
		return STORE_EIO;
	}
	b->has_file = true;
	return 0;
}

static int
blob_write_fd(struct store_blob *b, const unsigned char *p, size_t left)
{
	while (left > 0) {
		ssize_t n = write(b->fd, p, left);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_error(0, "store: write blobs/%s: %s", b->tmpname,
				  strerror(errno));
			return STORE_EIO;
		}
		p += n;
		left -= (size_t)n;
	}
	return 0;
}

int
store_blob_begin(struct store *s, struct store_blob **blob_r)
{
	struct store_blob *b = xcalloc(1, sizeof(*b));

	b->store = s;
	b->fd = -1;
	b->id = __atomic_fetch_add(&s->next_blob_id, 1, __ATOMIC_RELAXED);
	if (s->inline_max == 0 && blob_create_file(s, b) < 0) {
		free(b);
		*blob_r = NULL;
		return STORE_EIO;
	}
	store_parse_begin(b);
	*blob_r = b;
	return 0;
}

/* count bare LFs (before b->size grows: b->last is the byte before) */
static void
blob_count_lf(struct store_blob *b, const unsigned char *p, size_t len)
{
	const unsigned char *q = p, *end = p + len, *lf;

	if (len == 0)
		return;
	while ((lf = memchr(q, '\n', (size_t)(end - q))) != NULL) {
		unsigned char before = lf > p ? lf[-1] :
			(b->size ? b->last : 0);

		if (lf == p && b->size == 0)
			b->first_lf = true;
		if (before != '\r')
			b->bare_lf++;
		q = lf + 1;
	}
	b->last = end[-1];
}

uint64_t
store_crlf_size(const void *prefix, size_t prefix_len,
		const struct store_blob *b)
{
	const unsigned char *p = prefix;
	uint64_t n = prefix_len + b->size + b->bare_lf;
	unsigned char last;

	for (size_t i = 0; i < prefix_len; i++)
		if (p[i] == '\n' && (i == 0 || p[i - 1] != '\r'))
			n++;
	/* the blob's leading LF ends the prefix's CR: not bare */
	if (prefix_len && p[prefix_len - 1] == '\r' && b->first_lf)
		n--;
	if (prefix_len + b->size == 0)
		return 0;
	last = b->size ? b->last : p[prefix_len - 1];
	if (last == '\r')
		n += 1;
	else if (last != '\n')
		n += 2;
	return n;
}

int
store_blob_write(struct store_blob *b, const void *data, size_t len)
{
	if (b->failed)
		return STORE_EIO;
	if (b->store->max_message_size &&
	    b->size + len > b->store->max_message_size) {
		b->failed = true;
		return STORE_ETOOBIG;
	}
	if (!b->has_file && b->size + len <= b->store->inline_max) {
		/* small so far: kept in memory, stored in the database */
		buf_append(&b->mem, data, len);
	} else {
		if (!b->has_file) {
			/* outgrew the inline limit: spill to a file */
			if (blob_create_file(b->store, b) < 0 ||
			    blob_write_fd(b, b->mem.data, b->mem.len) < 0) {
				b->failed = true;
				return STORE_EIO;
			}
			buf_free(&b->mem);
		}
		if (blob_write_fd(b, data, len) < 0) {
			b->failed = true;
			return STORE_EIO;
		}
	}
	store_parse_feed(b, data, len);
	blob_count_lf(b, data, len);
	b->size += len;
	return 0;
}

int
store_blob_park(struct store_blob *b, bool to_file)
{
	if (b->failed)
		return STORE_EIO;
	if (!b->has_file && to_file) {
		if (blob_create_file(b->store, b) < 0 ||
		    blob_write_fd(b, b->mem.data, b->mem.len) < 0) {
			b->failed = true;
			return STORE_EIO;
		}
		buf_free(&b->mem);
	}
	if (b->has_file && b->fd >= 0) {
		/* reopened by its sync (blob_make_durable) */
		close(b->fd);
		b->fd = -1;
	}
	return 0;
}

size_t
store_blob_mem(const struct store_blob *b)
{
	return b->has_file ? 0 : b->mem.len;
}

uint64_t
store_blob_size(const struct store_blob *b)
{
	return b->size;
}

void
store_blob_destroy(struct store_blob *b)
{
	if (b == NULL)
		return;
	if (b->fd >= 0)
		close(b->fd);
	buf_free(&b->mem);
	store_parse_abort(b);
	store_parse_clear(&b->parse);
	free(b);
}

void
store_blob_abort(struct store_blob **bp)
{
	struct store_blob *b = *bp;

	if (b == NULL)
		return;
	*bp = NULL;
	if (b->has_file)
		store_blob_unlink(b->store, b->id);
	store_blob_destroy(b);
}

/* sync pool thread body for one blob: 1 durable, -1 failed. The file
 * was created in its final place (blobs/xx/<id>) when the blob began:
 * its data and its directory entry are made durable here. Until the
 * commit that inserts its row, it is an orphan that recovery removes. */
static int
blob_make_durable(struct store *s, struct store_blob *b)
{
	char dir[4];
	int dfd;

	if (b->failed)
		return -1;
	if (s->no_fsync || s->use_syncfs)
		return 1;	/* (syncfs by the writer covers it) */
	if (b->fd < 0) {
		char path[64];

		/* parked (store_blob_park): its data is written */
		blob_path(b->id, path, sizeof(path));
		b->fd = openat(s->blobs_dirfd, path, O_RDONLY | O_CLOEXEC);
		if (b->fd < 0) {
			log_error(0, "store: open blobs/%s: %s", path,
				  strerror(errno));
			return -1;
		}
	}
	if (fdatasync(b->fd) < 0) {
		log_error(0, "store: fdatasync blobs/%s: %s", b->tmpname,
			  strerror(errno));
		return -1;
	}
	/* blobs/xx may be new, made by this blob or by another one whose
	 * sync has not run yet (or another process): until an fsync of
	 * blobs/ after its mkdir, a power cut can lose the folder */
	if (!__atomic_load_n(&s->blob_dir_durable[b->id % 256],
			     __ATOMIC_ACQUIRE)) {
		if (fsync(s->blobs_dirfd) < 0) {
			log_error(0, "store: fsync blobs/: %s",
				  strerror(errno));
			return -1;
		}
		__atomic_store_n(&s->blob_dir_durable[b->id % 256], true,
				 __ATOMIC_RELEASE);
	}
	snprintf(dir, sizeof(dir), "%02x", (unsigned)(b->id % 256));
	dfd = openat(s->blobs_dirfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd) < 0) {
		log_error(0, "store: fsync blobs/%s: %s", dir, strerror(errno));
		if (dfd >= 0)
			close(dfd);
		return -1;
	}
	close(dfd);
	return 1;
}

static void *
sync_main(void *arg)
{
	struct store *s = arg;

	pthread_mutex_lock(&s->sync_lock);
	for (;;) {
		struct store_blob *b;
		int st;

		while (s->sync_head == NULL && !s->sync_stopping)
			pthread_cond_wait(&s->sync_wake, &s->sync_lock);
		if (s->sync_head == NULL)
			break;
		b = s->sync_head;
		s->sync_head = b->sync_next;
		if (s->sync_head == NULL)
			s->sync_tail = &s->sync_head;
		pthread_mutex_unlock(&s->sync_lock);
		st = blob_make_durable(s, b);
		pthread_mutex_lock(&s->sync_lock);
		b->sync_state = st;
		pthread_cond_broadcast(&s->sync_done);
	}
	pthread_mutex_unlock(&s->sync_lock);
	return NULL;
}

int
store_sync_start(struct store *s, int nthreads)
{
	s->sync_tail = &s->sync_head;
	s->sync_threads = xcalloc((size_t)nthreads, sizeof(pthread_t));
	for (int i = 0; i < nthreads; i++) {
		if (pthread_create(&s->sync_threads[i], NULL, sync_main, s))
			return STORE_EIO;
		s->nsync_threads++;
	}
	return 0;
}

void
store_sync_stop(struct store *s)
{
	pthread_mutex_lock(&s->sync_lock);
	s->sync_stopping = true;
	pthread_cond_broadcast(&s->sync_wake);
	pthread_mutex_unlock(&s->sync_lock);
	for (int i = 0; i < s->nsync_threads; i++)
		pthread_join(s->sync_threads[i], NULL);
	free(s->sync_threads);
	s->sync_threads = NULL;
	s->nsync_threads = 0;
}

void
store_blob_sync_async(struct store *s, struct store_blob *b)
{
	if (!b->has_file) {
		/* kept in the database: durable with the commit */
		b->sync_state = b->failed ? -1 : 1;
		return;
	}
	pthread_mutex_lock(&s->sync_lock);
	b->sync_state = 0;
	b->sync_next = NULL;
	*s->sync_tail = b;
	s->sync_tail = &b->sync_next;
	pthread_cond_signal(&s->sync_wake);
	pthread_mutex_unlock(&s->sync_lock);
}

int
store_blob_sync_wait(struct store *s, struct store_blob *b)
{
	int st;

	pthread_mutex_lock(&s->sync_lock);
	while (b->sync_state == 0)
		pthread_cond_wait(&s->sync_done, &s->sync_lock);
	st = b->sync_state;
	pthread_mutex_unlock(&s->sync_lock);
	return st > 0 ? 0 : STORE_EIO;
}

static void
bind_text_or_null(sqlite3_stmt *st, int i, const char *t)
{
	if (t)
		sqlite3_bind_text(st, i, t, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

/* Another process (tern import beside the server) took b's id first:
 * move b to a fresh id above every id in the database (renaming its
 * file, durably, if it has one). Writer thread; rare. */
static int
blob_new_id(struct store *s, struct store_blob *b)
{
	char from[64], to[64], dir[4];
	int64_t id;
	int dfd;

	if (store_blob_next_id(s, s->next_blob_id) < 0)
		return STORE_EIO;
	id = __atomic_fetch_add(&s->next_blob_id, 1, __ATOMIC_RELAXED);
	if (b->has_file) {
		blob_path(b->id, from, sizeof(from));
		blob_path(id, to, sizeof(to));
		snprintf(dir, sizeof(dir), "%02x", (unsigned)(id % 256));
		if (mkdirat(s->blobs_dirfd, dir, 0700) < 0 && errno != EEXIST)
			return STORE_EIO;
		/* (made now, or by another thread not yet synced) */
		if (!__atomic_load_n(&s->blob_dir_durable[id % 256],
				     __ATOMIC_ACQUIRE)) {
			if (store_fsync(s, s->blobs_dirfd) < 0)
				return STORE_EIO;
			__atomic_store_n(&s->blob_dir_durable[id % 256], true,
					 __ATOMIC_RELEASE);
		}
		if (renameat(s->blobs_dirfd, from, s->blobs_dirfd, to) < 0)
			return STORE_EIO;
		dfd = openat(s->blobs_dirfd, dir,
			     O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0 || store_fsync(s, dfd) < 0) {
			if (dfd >= 0)
				close(dfd);
			return STORE_EIO;
		}
		close(dfd);
		memcpy(b->tmpname, to, sizeof(to));
	}
	log_info(0, "store: blob id %lld taken by another process, now %lld",
		 (long long)b->id, (long long)id);
	b->id = id;
	return 0;
}

int
store_blob_commit(struct store *s, struct store_blob *b)
{
	static const char sql[] =
		"INSERT INTO blobs(id, size, refcount, envelope, body,"
		" bodystructure, sent_date, sent_tz, header_len, body_lines,"
		" subject, hfrom, hto, hcc, hbcc, message_id, in_reply_to,"
		" refs, sort_subject, sort_from, sort_to, sort_cc, sort_dfrom,"
		" sort_dto, headers, partmap, data, preview)"
		" VALUES(?,?,0,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
	struct store_parse *p = &b->parse;
	sqlite3_stmt *st;
	int ret, tries = 0;

	if (b->in_db)
		return 0;	/* already inserted in this op */
	store_parse_finish(b);
again:
	if ((st = db_prep(s->wdb, sql)) == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, b->id);
	sqlite3_bind_int64(st, 2, (int64_t)b->size);
	bind_text_or_null(st, 3, p->envelope);
	bind_text_or_null(st, 4, p->body);
	bind_text_or_null(st, 5, p->bodystructure);
	sqlite3_bind_int64(st, 6, p->sent_date);
	sqlite3_bind_int(st, 7, p->sent_tz);
	sqlite3_bind_int64(st, 8, (int64_t)p->header_len);
	sqlite3_bind_int64(st, 9, (int64_t)p->body_lines);
	bind_text_or_null(st, 10, p->subject);
	bind_text_or_null(st, 11, p->from);
	bind_text_or_null(st, 12, p->to);
	bind_text_or_null(st, 13, p->cc);
	bind_text_or_null(st, 14, p->bcc);
	bind_text_or_null(st, 15, p->message_id);
	bind_text_or_null(st, 16, p->in_reply_to);
	bind_text_or_null(st, 17, p->references);
	bind_text_or_null(st, 18, p->sort_subject);
	bind_text_or_null(st, 19, p->sort_from);
	bind_text_or_null(st, 20, p->sort_to);
	bind_text_or_null(st, 21, p->sort_cc);
	bind_text_or_null(st, 22, p->sort_display_from);
	bind_text_or_null(st, 23, p->sort_display_to);
	bind_text_or_null(st, 24, p->headers);
	if (p->partmap)
		sqlite3_bind_blob(st, 25, p->partmap, (int)p->partmap_len,
				  SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, 25);
	if (!b->has_file)
		sqlite3_bind_blob64(st, 26, b->mem.data ? (void *)b->mem.data :
				    (void *)"", b->mem.len, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 26);
	bind_text_or_null(st, 27, p->preview);
	ret = db_step_done(s->wdb, st, "insert blob");
	if (ret == STORE_EEXIST && tries++ < 10 &&
	    blob_new_id(s, b) == 0)
		goto again;
	if (ret < 0)
		return ret;
	/* its full-text index row, in the same commit */
	if ((ret = store_fts_blob(s, b)) < 0)
		return ret;
	b->in_db = true;
	return 0;
}

void
store_blob_settle(struct store *s, struct store_blob *b, bool keep)
{
	if (!keep && b->has_file)
		store_blob_unlink(s, b->id);
	store_blob_destroy(b);
}

void
store_blob_unlink(struct store *s, int64_t id)
{
	char path[64];

	blob_path(id, path, sizeof(path));
	if (unlinkat(s->blobs_dirfd, path, 0) < 0 && errno != ENOENT)
		log_warn(0, "store: unlink blobs/%s: %s", path,
			 strerror(errno));
}

int
store_blob_ref(struct store *s, int64_t blob_id, int delta)
{
	static const char upd[] =
		"UPDATE blobs SET refcount = refcount + ? WHERE id = ?"
		" RETURNING refcount, data IS NULL";
	static const char del[] = "DELETE FROM blobs WHERE id = ?";
	sqlite3_stmt *st = db_prep(s->wdb, upd);
	int64_t rc;
	bool has_file;
	int r;

	if (st == NULL)
		return STORE_EIO;
	sqlite3_bind_int(st, 1, delta);
	sqlite3_bind_int64(st, 2, blob_id);
	r = sqlite3_step(st);
	if (r != SQLITE_ROW) {
		sqlite3_reset(st);
		if (r == SQLITE_DONE)
			return STORE_ENOTFOUND;
		return db_fail(s->wdb, "blob ref");
	}
	rc = sqlite3_column_int64(st, 0);
	has_file = sqlite3_column_int(st, 1) != 0;
	sqlite3_reset(st);
	if (rc > 0)
		return 0;
	if ((st = db_prep(s->wdb, del)) == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, blob_id);
	if ((r = db_step_done(s->wdb, st, "blob delete")) < 0)
		return r;
	if (has_file)
		store_blob_freed(s, blob_id);
	return 0;
}

/* ------------------------------------------------------------------ */
/* recovery                                                           */

int
store_blob_next_id(struct store *s, int64_t at_least)
{
	static const char seq[] =
		"SELECT max(coalesce((SELECT seq FROM sqlite_sequence"
		" WHERE name = 'blobs'), 0),"
		" coalesce((SELECT max(id) FROM blobs), 0))";
	sqlite3_stmt *st = db_prep(s->wdb, seq);
	int64_t m = 0;

	if (st == NULL)
		return STORE_EIO;
	if (sqlite3_step(st) == SQLITE_ROW)
		m = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (m < at_least)
		m = at_least;
	/* raise the counter (never lower it; callers take ids meanwhile) */
	{
		int64_t cur = __atomic_load_n(&s->next_blob_id,
					      __ATOMIC_SEQ_CST);
		while (cur < m + 1 &&
		       !__atomic_compare_exchange_n(&s->next_blob_id, &cur,
						    m + 1, false,
						    __ATOMIC_SEQ_CST,
						    __ATOMIC_SEQ_CST))
			;
	}
	return 0;
}

int
store_blob_recover(struct store *s, char **error_r)
{
	static const char exists[] = "SELECT 1 FROM blobs WHERE id = ?";
	static const char zero[] =
		"SELECT id FROM blobs WHERE refcount <= 0 AND data IS NULL";
	int fd;
	DIR *d;
	struct dirent *de;
	size_t removed_tmp = 0, removed_orphans = 0;
	int64_t max_id = 0;
	sqlite3_stmt *st;
	int r;

	/* tmp/: nothing in it was ever committed */
	if ((fd = dup(s->tmp_dirfd)) < 0 || (d = fdopendir(fd)) == NULL)
		goto fail;
	rewinddir(d);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (unlinkat(s->tmp_dirfd, de->d_name, 0) == 0)
			removed_tmp++;
	}
	closedir(d);

	/* rows that lost every reference but survived (should not
	 * happen: refcount 0 rows are deleted in the same commit) */
	if ((st = db_prep(s->wdb, zero)) == NULL)
		return STORE_EIO;
	while ((r = db_step_row(s->wdb, st, "recover freed blobs")) > 0)
		store_blob_freed(s, sqlite3_column_int64(st, 0));
	sqlite3_reset(st);
	if (r < 0)
		return r;
	if (s->nfreed) {
		db_exec(s->wdb, "DELETE FROM blobs WHERE refcount <= 0");
		s->nfreed = 0;
	}

	/* blobs/xx/<id> without a row: written, not committed */
	if (db_exec(s->wdb, "BEGIN") < 0)
		return STORE_EIO;
	for (int i = 0; i < 256; i++) {
		char name[8];
		int dfd;

		snprintf(name, sizeof(name), "%02x", i);
		dfd = openat(s->blobs_dirfd, name,
			     O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0 && errno == ENOENT)
			continue;
		if (dfd < 0 || (d = fdopendir(dfd)) == NULL) {
			if (dfd >= 0)
				close(dfd);
			db_exec(s->wdb, "ROLLBACK");
			goto fail;
		}
		while ((de = readdir(d)) != NULL) {
			char *end;
			long long id;
			bool found;

			if (de->d_name[0] == '.')
				continue;
			id = strtoll(de->d_name, &end, 10);
			found = false;
			if (*end == '\0' && id > max_id)
				max_id = id;
			if (*end == '\0' && id > 0 &&
			    (st = db_prep(s->wdb, exists)) != NULL) {
				sqlite3_bind_int64(st, 1, id);
				found = (sqlite3_step(st) == SQLITE_ROW);
				sqlite3_reset(st);
			}
			if (!found &&
			    unlinkat(dirfd(d), de->d_name, 0) == 0)
				removed_orphans++;
		}
		closedir(d);
	}
	db_exec(s->wdb, "COMMIT");
	/* new blob ids continue above every id ever used */
	if (store_blob_next_id(s, max_id) < 0)
		return STORE_EIO;
	if (removed_tmp || removed_orphans)
		log_info(0, "store: recovery removed tmp=%zu orphan_blobs=%zu",
			 removed_tmp, removed_orphans);
	return 0;
fail:
	if (error_r)
		*error_r = xasprintf("recovery: %s", strerror(errno));
	return STORE_EIO;
}

/* ------------------------------------------------------------------ */
/* reader                                                             */

int
store_reader_new(struct store *s, struct db *db, int64_t blob_id,
		 const void *prefix, size_t prefix_len,
		 struct store_reader **r_r)
{
	static const char sql[] =
		"SELECT data IS NULL, data FROM blobs WHERE id = ?";
	struct store_reader *r;
	sqlite3_stmt *q;
	char path[64];
	struct stat st;
	int fd = -1, rc;
	unsigned char *mem = NULL;
	uint64_t size = 0;

	*r_r = NULL;
	if ((q = db_prep(db, sql)) == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(q, 1, blob_id);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW && sqlite3_column_int(q, 0) == 0) {
		size = (uint64_t)sqlite3_column_bytes(q, 1);
		mem = xmalloc(size ? size : 1);
		if (size)
			memcpy(mem, sqlite3_column_blob(q, 1), size);
	}
	sqlite3_reset(q);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? STORE_ENOTFOUND :
			db_fail(db, "reader");
	if (mem == NULL) {
		blob_path(blob_id, path, sizeof(path));
		fd = openat(s->blobs_dirfd, path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			/* expunged between lookup and open */
			if (errno == ENOENT)
				return STORE_ENOTFOUND;
			log_error(0, "store: open blobs/%s: %s", path,
				  strerror(errno));
			return STORE_EIO;
		}
		if (fstat(fd, &st) < 0) {
			close(fd);
			return STORE_EIO;
		}
		size = (uint64_t)st.st_size;
	}
	r = xcalloc(1, sizeof(*r));
	r->fd = fd;
	r->mem = mem;
	r->blob_size = size;
	if (prefix_len) {
		r->prefix = xmalloc(prefix_len);
		memcpy(r->prefix, prefix, prefix_len);
		r->prefix_len = prefix_len;
	}
	*r_r = r;
	return 0;
}

struct store_reader *
store_reader_mem(const void *prefix, size_t prefix_len, const void *body,
		 size_t body_len)
{
	struct store_reader *r = xcalloc(1, sizeof(*r));

	r->fd = -1;
	r->mem = xmalloc(body_len ? body_len : 1);
	if (body_len)
		memcpy(r->mem, body, body_len);
	r->blob_size = body_len;
	if (prefix_len) {
		r->prefix = xmalloc(prefix_len);
		memcpy(r->prefix, prefix, prefix_len);
		r->prefix_len = prefix_len;
	}
	return r;
}

uint64_t
store_reader_size(const struct store_reader *r)
{
	return r->prefix_len + r->blob_size;
}

ssize_t
store_reader_pread(struct store_reader *r, void *buf, size_t len,
		   uint64_t off)
{
	unsigned char *out = buf;
	size_t done = 0;

	if (off < r->prefix_len) {
		size_t n = r->prefix_len - (size_t)off;
		if (n > len)
			n = len;
		memcpy(out, r->prefix + off, n);
		done = n;
		off += n;
	}
	if (r->mem != NULL) {
		uint64_t boff = off - r->prefix_len;
		if (done < len && boff < r->blob_size) {
			size_t n = len - done;
			if (n > r->blob_size - boff)
				n = (size_t)(r->blob_size - boff);
			memcpy(out + done, r->mem + boff, n);
			done += n;
		}
		return (ssize_t)done;
	}
	while (done < len && off - r->prefix_len < r->blob_size) {
		ssize_t n = pread(r->fd, out + done, len - done,
				  (off_t)(off - r->prefix_len));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			break;
		done += (size_t)n;
		off += (uint64_t)n;
	}
	return (ssize_t)done;
}

int
store_reader_all(struct store_reader *r, struct buf *out)
{
	uint64_t size = store_reader_size(r), off = 0;

	while (off < size) {
		size_t n = size - off > 65536 ? 65536 : (size_t)(size - off);
		ssize_t got = store_reader_pread(r, buf_reserve(out, n), n, off);

		if (got <= 0)
			return STORE_EIO;
		out->len += (size_t)got;
		off += (uint64_t)got;
	}
	return 0;
}

const unsigned char *
store_reader_prefix(const struct store_reader *r, size_t *len_r)
{
	*len_r = r->prefix_len;
	return r->prefix;
}

int
store_reader_fd(const struct store_reader *r)
{
	return r->fd;
}

void
store_reader_close(struct store_reader **rp)
{
	struct store_reader *r = *rp;

	if (r == NULL)
		return;
	*rp = NULL;
	if (r->fd >= 0)
		close(r->fd);
	free(r->mem);
	free(r->prefix);
	free(r);
}
