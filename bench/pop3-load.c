/* pop3-load.c - POP3 load generator for bench/pop3-bench.sh.
 *
 *   pop3-load fetch HOST PORT USERFMT PASS CLIENTS
 *       CLIENTS threads; thread i logs in as USERFMT % i (1-based), takes
 *       STAT, then RETR + DELE of every message, one command at a time
 *       (no pipelining, like most mail clients), then QUIT (UPDATE).
 *       All sessions log in first (timed as "logins"); the transfer, from
 *       STAT to the last QUIT reply, is timed alone (messages/s).
 *   pop3-load idle HOST PORT USERFMT PASS CLIENTS
 *       opens CLIENTS sessions logged in and left in TRANSACTION, prints
 *       "ready", waits for a line on stdin, then QUITs them all.
 *
 * cc -O2 -pthread -o pop3-load pop3-load.c */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct client {
	int fd;
	char buf[65536];
	size_t len, off;
	int id;
	long msgs;
	long long bytes;
	double quit_s;		/* time waiting for QUIT's reply */
	int failed;
};

static const char *host, *userfmt, *pass;
static int port;
static pthread_barrier_t logged_in;
static double t_login_done;

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
cl_connect(struct client *c)
{
	struct sockaddr_in sa = { 0 };
	int one = 1;

	c->fd = socket(AF_INET, SOCK_STREAM, 0);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)port);
	inet_pton(AF_INET, host, &sa.sin_addr);
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -1;
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->len = c->off = 0;
	return 0;
}

/* one line into out (without CRLF); returns its length or -1 */
static long
cl_line(struct client *c, char *out, size_t max)
{
	size_t n = 0;

	for (;;) {
		while (c->off < c->len) {
			char ch = c->buf[c->off++];

			if (ch == '\n') {
				if (n > 0 && out[n - 1] == '\r')
					n--;
				out[n < max ? n : max - 1] = '\0';
				return (long)n;
			}
			if (n < max - 1)
				out[n] = ch;
			n++;
		}
		ssize_t r = read(c->fd, c->buf, sizeof(c->buf));

		if (r <= 0)
			return -1;
		c->len = (size_t)r;
		c->off = 0;
	}
}

static int
cl_cmd(struct client *c, const char *cmd, char *reply, size_t max)
{
	size_t n = strlen(cmd);

	if (write(c->fd, cmd, n) != (ssize_t)n)
		return -1;
	if (cl_line(c, reply, max) < 0)
		return -1;
	return strncmp(reply, "+OK", 3) == 0 ? 0 : -1;
}

/* body of a multi-line reply; returns bytes or -1 */
static long long
cl_multi(struct client *c)
{
	char line[8192];
	long long total = 0;
	long n;

	while ((n = cl_line(c, line, sizeof(line))) >= 0) {
		if (n == 1 && line[0] == '.')
			return total;
		total += n + 2;
	}
	return -1;
}

static int
cl_login(struct client *c)
{
	char cmd[512], reply[512], user[256];

	if (cl_connect(c) < 0 || cl_line(c, reply, sizeof(reply)) < 0)
		return -1;
	snprintf(user, sizeof(user), userfmt, c->id);
	snprintf(cmd, sizeof(cmd), "USER %s\r\n", user);
	if (cl_cmd(c, cmd, reply, sizeof(reply)) < 0)
		return -1;
	snprintf(cmd, sizeof(cmd), "PASS %s\r\n", pass);
	if (cl_cmd(c, cmd, reply, sizeof(reply)) < 0) {
		fprintf(stderr, "login %s: %s\n", user, reply);
		return -1;
	}
	return 0;
}

static void *
fetch_thread(void *arg)
{
	struct client *c = arg;
	char cmd[64], reply[512];
	long n, i;

	if (cl_login(c) < 0) {
		c->failed = 1;
		pthread_barrier_wait(&logged_in);
		return NULL;
	}
	/* all sessions log in first, so the transfer is timed alone */
	pthread_barrier_wait(&logged_in);
	if (cl_cmd(c, "STAT\r\n", reply, sizeof(reply)) < 0) {
		c->failed = 1;
		return NULL;
	}
	n = strtol(reply + 4, NULL, 10);
	for (i = 1; i <= n; i++) {
		long long b;

		snprintf(cmd, sizeof(cmd), "RETR %ld\r\n", i);
		if (cl_cmd(c, cmd, reply, sizeof(reply)) < 0 ||
		    (b = cl_multi(c)) < 0) {
			c->failed = 1;
			return NULL;
		}
		snprintf(cmd, sizeof(cmd), "DELE %ld\r\n", i);
		if (cl_cmd(c, cmd, reply, sizeof(reply)) < 0) {
			c->failed = 1;
			return NULL;
		}
		c->msgs++;
		c->bytes += b;
	}
	c->quit_s = now();
	if (cl_cmd(c, "QUIT\r\n", reply, sizeof(reply)) < 0)
		c->failed = 1;
	c->quit_s = now() - c->quit_s;
	close(c->fd);
	return NULL;
}


int
main(int argc, char **argv)
{
	struct client *cl;
	pthread_t *th;
	int n, i, failed = 0;
	long msgs = 0;
	long long bytes = 0;
	double t0, t, quit_sum = 0, quit_max = 0;

	if (argc != 7) {
		fprintf(stderr, "usage: %s fetch|idle HOST PORT USERFMT PASS CLIENTS\n",
			argv[0]);
		return 2;
	}
	host = argv[2];
	port = atoi(argv[3]);
	userfmt = argv[4];
	pass = argv[5];
	n = atoi(argv[6]);
	cl = calloc((size_t)n, sizeof(*cl));
	th = calloc((size_t)n, sizeof(*th));
	for (i = 0; i < n; i++)
		cl[i].id = i + 1;
	if (strcmp(argv[1], "idle") == 0) {
		char line[16], reply[512];

		for (i = 0; i < n; i++) {
			if (cl_login(&cl[i]) < 0) {
				fprintf(stderr, "idle login %d failed\n", i + 1);
				return 1;
			}
		}
		printf("ready\n");
		fflush(stdout);
		if (fgets(line, sizeof(line), stdin) == NULL)
			line[0] = '\0';
		for (i = 0; i < n; i++) {
			cl_cmd(&cl[i], "QUIT\r\n", reply, sizeof(reply));
			close(cl[i].fd);
		}
		return 0;
	}
	pthread_barrier_init(&logged_in, NULL, (unsigned)n + 1);
	t0 = now();
	for (i = 0; i < n; i++)
		pthread_create(&th[i], NULL, fetch_thread, &cl[i]);
	pthread_barrier_wait(&logged_in);
	t_login_done = now();
	for (i = 0; i < n; i++) {
		pthread_join(th[i], NULL);
		msgs += cl[i].msgs;
		bytes += cl[i].bytes;
		failed += cl[i].failed;
		quit_sum += cl[i].quit_s;
		if (cl[i].quit_s > quit_max)
			quit_max = cl[i].quit_s;
	}
	t = now() - t_login_done;
	printf("clients=%d logins=%.3fs messages=%ld bytes=%lld transfer=%.3fs "
	       "msgs/s=%.0f MB/s=%.1f quit_ms_avg=%.1f quit_ms_max=%.1f "
	       "total=%.3fs failed=%d\n", n, t_login_done - t0, msgs, bytes,
	       t, msgs / t, bytes / t / 1e6, quit_sum / n * 1e3,
	       quit_max * 1e3, now() - t0, failed);
	return failed ? 1 : 0;
}
