/* imap-load.c - IMAP load generator for bench/imap-bench.sh.
 *
 *   imap-load seed HOST PORT USERFMT PASS CLIENTS MSGS
 *       client i (1-based) logs in as USERFMT % i and APPENDs MSGS
 *       messages of about 4 KB (every 10th about 100 KB) to its INBOX.
 *   imap-load mix HOST PORT USERFMT PASS CLIENTS SECONDS
 *       CLIENTS threads log in, SELECT INBOX, then for SECONDS run a
 *       realistic mix, one command at a time like a mail client:
 *         30% UID FETCH of 20 headers (FLAGS, size, From/Subject/Date)
 *         15% UID FETCH one whole message (BODY.PEEK[])
 *         10% SEARCH (UNSEEN, or SUBJECT word)
 *         15% UID STORE +/-FLAGS (\Seen / \Flagged)
 *         10% NOOP
 *          5% APPEND of a 4 KB message; 5% UID STORE \Deleted + UID
 *             EXPUNGE of the newest (the mailbox size stays even)
 *          5% STATUS of another mailbox; 5% IDLE, DONE at once
 *       prints commands/s and latency percentiles per command.
 *   imap-load relogin HOST PORT USERFMT PASS CLIENTS SECONDS [EVERY]
 *       the mix above, but every client logs out, reconnects, logs in
 *       and SELECTs INBOX again after EVERY (default 3) commands, as
 *       phones and webmails do; LOGIN (with its connection) and SELECT
 *       are timed and counted as commands too ("login", "select").
 *   imap-load idle HOST PORT USERFMT PASS CLIENTS [ACCOUNTS [tls]]
 *       opens CLIENTS sessions, logged in (session i as account
 *       i % ACCOUNTS + 1), INBOX selected, in IDLE; with "tls" over
 *       implicit TLS (imaps); prints "ready", waits for a line on
 *       stdin, then ends them.
 *
 * cc -O2 -pthread -o imap-load imap-load.c -lssl -lcrypto */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/ssl.h>

enum { C_HDRS, C_BODY, C_SEARCH, C_STORE, C_NOOP, C_APPEND, C_EXPUNGE,
       C_STATUS, C_IDLE, C_LOGIN, C_SELECT, C_N };
static const char *cmd_names[C_N] = { "fetch-headers", "fetch-body",
	"search", "store", "noop", "append", "expunge", "status", "idle",
	"login", "select" };

#define MAXLAT 400000

struct client {
	int fd;
	SSL *ssl;
	char buf[1 << 16];
	size_t len, off;
	int id, tagn;
	unsigned seed;
	uint32_t maxuid, nmsgs;
	long n[C_N];
	float *lat[C_N];
	long nlat[C_N];
	int failed;
};

static const char *host, *userfmt, *pass;
static int port, nclients;
static int relogin_every;	/* relogin mode: commands per session */
static SSL_CTX *tls_ctx;
static double seconds;
static pthread_barrier_t ready;

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
cl_fill(struct client *c)
{
	ssize_t n;

	if (c->off > 0) {
		memmove(c->buf, c->buf + c->off, c->len - c->off);
		c->len -= c->off;
		c->off = 0;
	}
	if (c->len == sizeof(c->buf))
		c->len = 0;	/* drop an over-long line's start */
	n = c->ssl ? SSL_read(c->ssl, c->buf + c->len,
			      (int)(sizeof(c->buf) - c->len)) :
		     read(c->fd, c->buf + c->len, sizeof(c->buf) - c->len);
	if (n <= 0)
		return -1;
	c->len += (size_t)n;
	return 0;
}

/* one line into line (truncated to max); -1 on EOF */
static int
cl_line(struct client *c, char *line, size_t max)
{
	for (;;) {
		char *p = memchr(c->buf + c->off, '\n', c->len - c->off);

		if (p != NULL) {
			size_t n = (size_t)(p - (c->buf + c->off)) + 1;
			size_t k = n < max - 1 ? n : max - 1;

			memcpy(line, c->buf + c->off, k);
			line[k] = '\0';
			c->off += n;
			return 0;
		}
		if (cl_fill(c) < 0)
			return -1;
	}
}

static int
cl_skip(struct client *c, size_t n)
{
	while (n > 0) {
		size_t have = c->len - c->off;

		if (have == 0) {
			if (cl_fill(c) < 0)
				return -1;
			continue;
		}
		if (have > n)
			have = n;
		c->off += have;
		n -= have;
	}
	return 0;
}

static void
cl_send(struct client *c, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = c->ssl ? SSL_write(c->ssl, data, (int)len) :
				     write(c->fd, data, len);

		if (n <= 0) {
			c->failed = 1;
			return;
		}
		data += n;
		len -= (size_t)n;
	}
}

/* read responses up to the tagged one; *untagged_cb sees the others.
 * Returns 0 on OK, 1 on NO/BAD, -1 on EOF. */
static int
cl_wait(struct client *c, const char *tag,
	void (*cb)(struct client *, const char *))
{
	char line[4096];
	size_t tl = strlen(tag);

	for (;;) {
		char *lit;

		if (cl_line(c, line, sizeof(line)) < 0)
			return -1;
		if (cb != NULL && line[0] == '*')
			cb(c, line);
		lit = strrchr(line, '{');
		if (lit != NULL && strstr(lit, "}\r\n") != NULL) {
			if (cl_skip(c, strtoul(lit + 1, NULL, 10)) < 0)
				return -1;
			continue;
		}
		if (strncmp(line, tag, tl) == 0 && line[tl] == ' ')
			return strncmp(line + tl + 1, "OK", 2) == 0 ? 0 : 1;
	}
}

static int
cl_cmd(struct client *c, void (*cb)(struct client *, const char *),
       const char *fmt, ...)
{
	char tag[16], buf[8192];
	va_list ap;
	int n;

	snprintf(tag, sizeof(tag), "a%d", ++c->tagn);
	n = snprintf(buf, sizeof(buf), "%s ", tag);
	va_start(ap, fmt);
	n += vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	va_end(ap);
	n += snprintf(buf + n, sizeof(buf) - (size_t)n, "\r\n");
	cl_send(c, buf, (size_t)n);
	return cl_wait(c, tag, cb);
}

static void
on_select(struct client *c, const char *line)
{
	unsigned v;

	if (sscanf(line, "* %u EXISTS", &v) == 1)
		c->nmsgs = v;
	if (sscanf(line, "* OK [UIDNEXT %u]", &v) == 1)
		c->maxuid = v - 1;
}

static void
on_append(struct client *c, const char *line)
{
	(void)c;
	(void)line;
}

static int
cl_login(struct client *c)
{
	struct sockaddr_in sa = { 0 };
	char user[256], line[4096];
	int one = 1;

	c->fd = socket(AF_INET, SOCK_STREAM, 0);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)port);
	inet_pton(AF_INET, host, &sa.sin_addr);
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -1;
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (tls_ctx != NULL) {
		c->ssl = SSL_new(tls_ctx);
		SSL_set_fd(c->ssl, c->fd);
		if (SSL_connect(c->ssl) != 1)
			return -1;
	}
	if (cl_line(c, line, sizeof(line)) < 0)
		return -1;
	snprintf(user, sizeof(user), userfmt, c->id);
	if (cl_cmd(c, NULL, "LOGIN \"%s\" \"%s\"", user, pass) != 0)
		return -1;
	return 0;
}

static char *
make_msg(unsigned n, size_t size, size_t *len_r)
{
	static const char *words[] = { "meeting", "invoice", "holiday",
		"report", "lunch", "release", "budget", "party" };
	char *m = malloc(size + 512);
	int k = sprintf(m, "From: Sender %u <s%u@remote.test>\r\n"
			"To: someone@bench.test\r\nSubject: %s number %u\r\n"
			"Date: Mon, 7 Feb 2025 21:52:25 -0800\r\n"
			"Message-ID: <%u.%u@remote.test>\r\n\r\n",
			n % 17, n % 17, words[n % 8], n, n, (unsigned)rand());

	while ((size_t)k < size) {
		k += sprintf(m + k, "The quick brown fox jumps over the lazy "
			     "dog, line %u of the message body.\r\n", n);
	}
	*len_r = (size_t)k;
	return m;
}

static int
cl_append(struct client *c, unsigned n, size_t size)
{
	char tag[16], head[128], line[4096];
	size_t len;
	char *m = make_msg(n, size, &len);
	int r;

	snprintf(tag, sizeof(tag), "a%d", ++c->tagn);
	r = snprintf(head, sizeof(head), "%s APPEND INBOX {%zu}\r\n", tag, len);
	cl_send(c, head, (size_t)r);
	if (cl_line(c, line, sizeof(line)) < 0 || line[0] != '+') {
		free(m);
		return -1;
	}
	cl_send(c, m, len);
	cl_send(c, "\r\n", 2);
	free(m);
	return cl_wait(c, tag, on_append);
}

static void
record(struct client *c, int kind, double dt)
{
	c->n[kind]++;
	if (c->nlat[kind] < MAXLAT)
		c->lat[kind][c->nlat[kind]++] = (float)dt;
}

static void *
run_seed(void *arg)
{
	struct client *c = arg;
	long i, msgs = (long)seconds;

	if (cl_login(c) < 0) {
		c->failed = 1;
		return NULL;
	}
	for (i = 0; i < msgs; i++)
		if (cl_append(c, (unsigned)i, i % 10 == 9 ? 100000 : 4000) != 0)
			c->failed = 1;
	cl_cmd(c, NULL, "LOGOUT");
	close(c->fd);
	return NULL;
}

static void *
run_mix(void *arg)
{
	struct client *c = arg;
	double end;
	int k;

	for (k = 0; k < C_N; k++)
		c->lat[k] = malloc(MAXLAT * sizeof(float));
	if (cl_login(c) < 0 || cl_cmd(c, on_select, "SELECT INBOX") != 0) {
		c->failed = 1;
		pthread_barrier_wait(&ready);
		return NULL;
	}
	pthread_barrier_wait(&ready);
	end = now() + seconds;
	for (long done = 0; now() < end && !c->failed; done++) {
		unsigned r = (unsigned)rand_r(&c->seed) % 100;
		uint32_t lo = c->maxuid > 20 ?
			1 + (uint32_t)rand_r(&c->seed) % (c->maxuid - 20) : 1;
		uint32_t one = 1 + (uint32_t)rand_r(&c->seed) %
			(c->maxuid ? c->maxuid : 1);
		double t0 = now();
		int kind, rc;

		if (r < 30) {
			kind = C_HDRS;
			rc = cl_cmd(c, NULL, "UID FETCH %u:%u (UID FLAGS "
				    "RFC822.SIZE BODY.PEEK[HEADER.FIELDS (FROM "
				    "SUBJECT DATE)])", lo, lo + 19);
		} else if (r < 45) {
			kind = C_BODY;
			rc = cl_cmd(c, NULL, "UID FETCH %u BODY.PEEK[]", one);
		} else if (r < 55) {
			kind = C_SEARCH;
			rc = r & 1 ? cl_cmd(c, NULL, "SEARCH UNSEEN") :
			     cl_cmd(c, NULL, "SEARCH SUBJECT invoice");
		} else if (r < 70) {
			kind = C_STORE;
			rc = cl_cmd(c, NULL, "UID STORE %u %cFLAGS (%s)", one,
				    r & 1 ? '+' : '-',
				    r & 2 ? "\\Seen" : "\\Flagged");
		} else if (r < 80) {
			kind = C_NOOP;
			rc = cl_cmd(c, on_select, "NOOP");
		} else if (r < 85) {
			kind = C_APPEND;
			rc = cl_append(c, (unsigned)rand_r(&c->seed), 4000);
			if (rc == 0)
				c->maxuid++;
		} else if (r < 90) {
			kind = C_EXPUNGE;
			rc = cl_cmd(c, NULL, "UID STORE %u +FLAGS.SILENT "
				    "(\\Deleted)", c->maxuid);
			if (rc == 0)
				rc = cl_cmd(c, on_select, "UID EXPUNGE %u",
					    c->maxuid);
		} else if (r < 95) {
			kind = C_STATUS;
			rc = cl_cmd(c, NULL, "STATUS Sent (MESSAGES UNSEEN "
				    "UIDNEXT)");
		} else {
			char tag[16], line[4096];

			kind = C_IDLE;
			snprintf(tag, sizeof(tag), "a%d", ++c->tagn);
			dprintf(c->fd, "%s IDLE\r\n", tag);
			if (cl_line(c, line, sizeof(line)) < 0) {
				c->failed = 1;
				break;
			}
			cl_send(c, "DONE\r\n", 6);
			rc = cl_wait(c, tag, on_select);
		}
		if (rc < 0) {
			c->failed = 1;
			break;
		}
		record(c, kind, now() - t0);
		if (relogin_every > 0 && (done + 1) % relogin_every == 0 &&
		    now() < end) {
			/* log out and back in, as phones and webmails do */
			cl_cmd(c, NULL, "LOGOUT");
			if (c->ssl != NULL)
				SSL_free(c->ssl);
			c->ssl = NULL;
			close(c->fd);
			c->len = c->off = 0;
			t0 = now();
			if (cl_login(c) < 0) {
				c->failed = 1;
				break;
			}
			record(c, C_LOGIN, now() - t0);
			t0 = now();
			if (cl_cmd(c, on_select, "SELECT INBOX") != 0) {
				c->failed = 1;
				break;
			}
			record(c, C_SELECT, now() - t0);
		}
	}
	cl_cmd(c, NULL, "LOGOUT");
	close(c->fd);
	return NULL;
}

static int
fcmp(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;

	return x < y ? -1 : x > y;
}

static void
report(struct client *cl)
{
	long total = 0, i, k, failed = 0;
	float *all = malloc(sizeof(float) * (size_t)MAXLAT * 4);
	long nall = 0;

	for (i = 0; i < nclients; i++)
		failed += cl[i].failed;
	printf("%-14s %9s %9s %9s %9s\n", "command", "count", "p50 ms",
	       "p90 ms", "p99 ms");
	for (k = 0; k < C_N; k++) {
		long n = 0, m = 0;
		float *v;

		for (i = 0; i < nclients; i++)
			n += cl[i].nlat[k];
		v = malloc(sizeof(float) * (size_t)(n + 1));
		for (i = 0; i < nclients; i++) {
			memcpy(v + m, cl[i].lat[k], sizeof(float) *
			       (size_t)cl[i].nlat[k]);
			m += cl[i].nlat[k];
			total += cl[i].n[k];
		}
		for (i = 0; i < m && nall < MAXLAT * 4; i++)
			all[nall++] = v[i];
		qsort(v, (size_t)m, sizeof(float), fcmp);
		if (m > 0)
			printf("%-14s %9ld %9.2f %9.2f %9.2f\n", cmd_names[k], m,
			       v[m / 2] * 1e3, v[m * 9 / 10] * 1e3,
			       v[m * 99 / 100] * 1e3);
		free(v);
	}
	qsort(all, (size_t)nall, sizeof(float), fcmp);
	if (nall > 0)
		printf("%-14s %9ld %9.2f %9.2f %9.2f\n", "all", nall,
		       all[nall / 2] * 1e3, all[nall * 9 / 10] * 1e3,
		       all[nall * 99 / 100] * 1e3);
	printf("commands/s: %.0f  (clients %d, %.0f s, failed sessions %ld)\n",
	       total / seconds, nclients, seconds, failed);
	if (relogin_every > 0) {
		long logins = 0;

		for (i = 0; i < nclients; i++)
			logins += cl[i].n[C_LOGIN];
		printf("logins/s: %.0f  (a new session every %d commands)\n",
		       logins / seconds, relogin_every);
	}
	free(all);
}

static int
run_idle(int accounts)
{
	struct client *cl = calloc((size_t)nclients, sizeof(*cl));
	char line[4096];
	int i, ok = 0;

	for (i = 0; i < nclients; i++) {
		cl[i].id = accounts > 0 ? i % accounts + 1 : i + 1;
		if (cl_login(&cl[i]) < 0 ||
		    cl_cmd(&cl[i], on_select, "SELECT INBOX") != 0)
			continue;
		cl_send(&cl[i], "i IDLE\r\n", 8);
		if (cl_line(&cl[i], line, sizeof(line)) == 0 && line[0] == '+')
			ok++;
	}
	printf("ready %d\n", ok);
	fflush(stdout);
	if (fgets(line, sizeof(line), stdin) == NULL)
		line[0] = '\0';
	for (i = 0; i < nclients; i++) {
		if (cl[i].fd > 0) {
			cl_send(&cl[i], "DONE\r\nz LOGOUT\r\n", 16);
			close(cl[i].fd);
		}
	}
	return ok == nclients ? 0 : 1;
}

int
main(int argc, char **argv)
{
	struct client *cl;
	pthread_t *th;
	int i;

	if (argc < 8 && !(argc >= 7 && strcmp(argv[1], "idle") == 0)) {
		fprintf(stderr, "usage: see the top of imap-load.c\n");
		return 2;
	}
	host = argv[2];
	port = atoi(argv[3]);
	userfmt = argv[4];
	pass = argv[5];
	nclients = atoi(argv[6]);
	if (strcmp(argv[1], "idle") == 0) {
		if (argc > 8 && strcmp(argv[8], "tls") == 0)
			tls_ctx = SSL_CTX_new(TLS_client_method());
		return run_idle(argc > 7 ? atoi(argv[7]) : 0);
	}
	seconds = atof(argv[7]);
	if (strcmp(argv[1], "relogin") == 0)
		relogin_every = argc > 8 ? atoi(argv[8]) : 3;
	cl = calloc((size_t)nclients, sizeof(*cl));
	th = calloc((size_t)nclients, sizeof(*th));
	pthread_barrier_init(&ready, NULL, (unsigned)nclients + 1);
	for (i = 0; i < nclients; i++) {
		cl[i].id = i + 1;
		cl[i].seed = (unsigned)i * 7919u + 17u;
		pthread_create(&th[i], NULL, strcmp(argv[1], "seed") == 0 ?
			       run_seed : run_mix, &cl[i]);
	}
	if (strcmp(argv[1], "seed") != 0)
		pthread_barrier_wait(&ready);
	for (i = 0; i < nclients; i++)
		pthread_join(th[i], NULL);
	if (strcmp(argv[1], "seed") != 0)
		report(cl);
	for (i = 0; i < nclients; i++)
		if (cl[i].failed) {
			fprintf(stderr, "client %d failed\n", i + 1);
			return 1;
		}
	return 0;
}
