/* store-bench.c - durable deliveries per second through store.h, with
 * 1, 10 and 50 concurrent callers, beside the disk's own fsync rate.
 *
 * Build (after `make`, or with BUILD=build-xxx):
 *   cc -O2 -std=c11 -D_GNU_SOURCE -Isrc -o build/store-bench \
 *      bench/store-bench.c build/libtern.a \
 *      $(pkg-config --libs libuv openssl sqlite3 libsodium libunbound zlib) \
 *      -lpthread -lm
 * Run:
 *   build/store-bench [DIR] [SECONDS] [SIZE] [files|syncfs|nofsync]
 *   (default: bodies up to 64 KiB in the database; files: every body a
 *   blob file; syncfs: files made durable by one syncfs per commit;
 *   nofsync: no durability at all, the CPU ceiling)
 *   DIR defaults to ./bench-store-data (removed first and afterwards);
 *   put it on the disk you want to measure (same filesystem as data_dir).
 *
 * Each caller is a thread that loops: stream a SIZE-byte message into a
 * blob, store_deliver() it to one local recipient (blocking form, so it
 * returns only after the batch commit is fsync'd), repeat. The store's
 * writer groups whatever is queued into one commit. Baselines on the
 * same filesystem, same run:
 *   fsync/s 1 thread    write 4 KB + fdatasync into one file, in a loop
 *   maildir/s N threads per message: create file, write, fsync, rename,
 *                       fsync dir (what a Maildir MDA pays), N threads
 * Figures only: a benchmark never fails. */
#include "store/store.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *dir;
static double secs = 3;
static size_t msg_size = 4096;
static char *msg;
static bool use_syncfs, no_fsync, files_only;

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
rm_rf(const char *path)
{
	char cmd[1200];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", path);
}

/* ---- baseline 1: fdatasync rate of one file ---- */

static double
fsync_rate(void)
{
	char path[1024];
	double t0, end;
	long n = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/fsync-test", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600);
	if (fd < 0) {
		perror(path);
		exit(1);
	}
	t0 = now();
	end = t0 + secs;
	while (now() < end) {
		if (write(fd, msg, msg_size) != (ssize_t)msg_size ||
		    fdatasync(fd) < 0) {
			perror("write/fdatasync");
			exit(1);
		}
		n++;
	}
	close(fd);
	unlink(path);
	return n / (now() - t0);
}

/* ---- baseline 2: Maildir-style durable deliveries, N threads ---- */

struct mdth {
	int id;
	long n;
	double end;
};

static void *
maildir_thread(void *arg)
{
	struct mdth *t = arg;
	char tmp[1024], new[1024], nd[1024];

	snprintf(nd, sizeof(nd), "%s/md/new", dir);
	while (now() < t->end) {
		int fd, dfd;
		snprintf(tmp, sizeof(tmp), "%s/md/tmp/%d.%ld", dir, t->id,
			 t->n);
		snprintf(new, sizeof(new), "%s/md/new/%d.%ld", dir, t->id,
			 t->n);
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0600);
		if (fd < 0 || write(fd, msg, msg_size) != (ssize_t)msg_size ||
		    fsync(fd) < 0 || close(fd) < 0 || rename(tmp, new) < 0) {
			perror("maildir");
			exit(1);
		}
		dfd = open(nd, O_RDONLY | O_DIRECTORY);
		if (dfd < 0 || fsync(dfd) < 0) {
			perror("fsync dir");
			exit(1);
		}
		close(dfd);
		t->n++;
	}
	return NULL;
}

static double
maildir_rate(int nthreads)
{
	char p[1024];
	pthread_t th[64];
	struct mdth t[64];
	double t0 = now();
	long n = 0;

	snprintf(p, sizeof(p), "%s/md", dir);
	rm_rf(p);
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/md/tmp", dir);
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/md/new", dir);
	mkdir(p, 0700);
	for (int i = 0; i < nthreads; i++) {
		t[i].id = i;
		t[i].n = 0;
		t[i].end = t0 + secs;
		pthread_create(&th[i], NULL, maildir_thread, &t[i]);
	}
	for (int i = 0; i < nthreads; i++) {
		pthread_join(th[i], NULL);
		n += t[i].n;
	}
	snprintf(p, sizeof(p), "%s/md", dir);
	rm_rf(p);
	return n / (now() - t0);
}

/* ---- the store ---- */

struct sth {
	struct store *s;
	int64_t account;
	long n, errors;
	double end;
	double *lat;
	size_t nlat, latcap;
};

static void *
store_thread(void *arg)
{
	struct sth *t = arg;

	while (now() < t->end) {
		struct store_blob *b = NULL;
		struct store_rcpt r;
		double t0 = now();

		memset(&r, 0, sizeof(r));
		r.kind = STORE_RCPT_LOCAL;
		r.account_id = t->account;
		if (store_blob_begin(t->s, &b) < 0 ||
		    store_blob_write(b, msg, msg_size) < 0) {
			store_blob_abort(&b);
			t->errors++;
			continue;
		}
		if (store_deliver(t->s, &b, NULL, &r, 1, NULL, NULL, NULL) < 0 ||
		    r.status != 0) {
			t->errors++;
			continue;
		}
		if (t->nlat == t->latcap) {
			t->latcap = t->latcap ? t->latcap * 2 : 1024;
			t->lat = realloc(t->lat, t->latcap * sizeof(double));
		}
		t->lat[t->nlat++] = now() - t0;
		t->n++;
	}
	return NULL;
}

static int
dcmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
store_rate(int nthreads, double *p50, double *p99)
{
	struct store_settings set;
	struct store *s = NULL;
	char p[1024], *err = NULL;
	pthread_t th[64];
	struct sth t[64];
	int64_t ids[64];
	double t0, *all;
	long n = 0, errors = 0;
	size_t nall = 0;

	snprintf(p, sizeof(p), "%s/store", dir);
	rm_rf(p);
	memset(&set, 0, sizeof(set));
	set.data_dir = p;
	set.blob_syncfs = use_syncfs;
	set.unsafe_no_fsync = no_fsync;
	set.blob_inline_max = files_only ? 0 : STORE_INLINE_DEFAULT;
	if (store_open(&set, &s, &err) < 0) {
		fprintf(stderr, "store_open: %s\n", err ? err : "?");
		exit(1);
	}
	store_domain_add(s, "bench.test", NULL, NULL);
	for (int i = 0; i < nthreads; i++) {
		char a[64];
		snprintf(a, sizeof(a), "user%d@bench.test", i);
		if (store_account_add(s, a, NULL, NULL, &ids[i], NULL,
				      NULL) < 0) {
			fprintf(stderr, "account_add failed\n");
			exit(1);
		}
	}
	t0 = now();
	for (int i = 0; i < nthreads; i++) {
		memset(&t[i], 0, sizeof(t[i]));
		t[i].s = s;
		t[i].account = ids[i];
		t[i].end = t0 + secs;
		pthread_create(&th[i], NULL, store_thread, &t[i]);
	}
	for (int i = 0; i < nthreads; i++) {
		pthread_join(th[i], NULL);
		n += t[i].n;
		errors += t[i].errors;
	}
	t0 = now() - t0;
	all = malloc((size_t)(n + 1) * sizeof(double));
	for (int i = 0; i < nthreads; i++) {
		memcpy(all + nall, t[i].lat, t[i].nlat * sizeof(double));
		nall += t[i].nlat;
		free(t[i].lat);
	}
	qsort(all, nall, sizeof(double), dcmp);
	*p50 = nall ? all[nall / 2] * 1e3 : 0;
	*p99 = nall ? all[nall * 99 / 100] * 1e3 : 0;
	free(all);
	if (errors)
		fprintf(stderr, "%ld errors\n", errors);
	{
		struct store_stats st;
		store_get_stats(s, &st);
		printf("    writer: %llu commits, %.1f writes/commit; per commit "
		       "%.2f ms waiting for blob fsyncs, %.2f ms executing, "
		       "%.2f ms committing\n",
		       (unsigned long long)st.batches,
		       st.batches ? (double)st.ops / st.batches : 0,
		       st.batches ? st.sync_wait_s * 1e3 / st.batches : 0,
		       st.batches ? st.exec_s * 1e3 / st.batches : 0,
		       st.batches ? st.commit_s * 1e3 / st.batches : 0);
	}
	store_close(&s);
	rm_rf(p);
	return n / t0;
}

int
main(int argc, char **argv)
{
	static const int callers[] = { 1, 10, 50 };
	double fs, md1, p50, p99;

	dir = argc > 1 ? argv[1] : "bench-store-data";
	if (argc > 2)
		secs = atof(argv[2]);
	if (argc > 3)
		msg_size = (size_t)atol(argv[3]);
	if (argc > 4 && strcmp(argv[4], "syncfs") == 0)
		use_syncfs = files_only = true;
	/* every body a file (as bodies over 64 KiB are) */
	if (argc > 4 && strcmp(argv[4], "files") == 0)
		files_only = true;
	/* the CPU ceiling, not durable: for comparison only */
	if (argc > 4 && strcmp(argv[4], "nofsync") == 0)
		no_fsync = true;
	mkdir(dir, 0700);
	msg = malloc(msg_size);
	for (size_t i = 0; i < msg_size; i++)
		msg[i] = (i % 78 == 76) ? '\r' : (i % 78 == 77) ? '\n' :
			 (char)('a' + i % 26);
	memcpy(msg, "Subject: bench\r\n\r\n", 18);

	fs = fsync_rate();
	md1 = maildir_rate(1);
	printf("store-bench: dir=%s size=%zu bytes, %.0f s per point, %s\n",
	       dir, msg_size, secs, no_fsync ? "NO FSYNC (ceiling)" :
	       use_syncfs ? "body files + syncfs" : files_only ?
	       "body files" : "small bodies in the database");
	printf("  disk: fdatasync 1 thread        %8.0f /s (%.2f ms each)\n",
	       fs, 1e3 / fs);
	printf("  maildir-style delivery 1 thread %8.0f /s\n", md1);
	for (size_t i = 0; i < sizeof(callers) / sizeof(callers[0]); i++) {
		int c = callers[i];
		double md = c == 1 ? md1 : maildir_rate(c);
		double r = store_rate(c, &p50, &p99);
		printf("  callers %2d: store %8.0f deliveries/s  "
		       "(p50 %.2f ms, p99 %.2f ms)  maildir %8.0f /s  "
		       "store/fsync %.1fx  store/maildir %.1fx\n",
		       c, r, p50, p99, md, r / fs, r / md);
	}
	rm_rf(dir);
	free(msg);
	return 0;
}
