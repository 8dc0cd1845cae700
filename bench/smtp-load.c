/* smtp-load.c - SMTP load generator for bench/dkim-bench.py: sends one
 * given message file (e.g. already DKIM-signed) many times.
 *
 *   smtp-load HOST PORT SESSIONS MSGS FILE FROM RCPT [USER PASS]
 *       SESSIONS threads share MSGS messages; each thread opens one
 *       session (EHLO, AUTH PLAIN when USER is given) and sends
 *       MAIL/RCPT/DATA/the file/. one command at a time until the
 *       count is used up, then QUIT. FILE has CRLF line ends and no
 *       dot-stuffing (done here). Prints "msgs/s: N", the number of
 *       250 replies to the end of DATA and of other replies.
 *
 * cc -O2 -pthread -o build/smtp-load bench/smtp-load.c */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const char *host, *from, *rcpt, *user, *pass;
static int port;
static char *msg;		/* dot-stuffed, ends with CRLF.CRLF */
static size_t msg_len;
static atomic_long left, ok, bad;

struct conn {
	int fd;
	char buf[8192];
	size_t len;
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
send_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* the code of the next (possibly multiline) reply, -1 on EOF */
static int
reply(struct conn *c)
{
	for (;;) {
		char *eol = memmem(c->buf, c->len, "\r\n", 2);

		if (eol != NULL) {
			size_t n = (size_t)(eol - c->buf) + 2;
			int code = atoi(c->buf);
			int last = n > 4 && c->buf[3] == ' ';

			memmove(c->buf, c->buf + n, c->len - n);
			c->len -= n;
			if (last || n <= 4)
				return code;
			continue;
		}
		if (c->len == sizeof(c->buf))
			return -1;
		ssize_t r = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);

		if (r <= 0)
			return -1;
		c->len += (size_t)r;
	}
}

static int
cmd(struct conn *c, const char *line)
{
	if (send_all(c->fd, line, strlen(line)) < 0)
		return -1;
	return reply(c);
}

static const char b64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void
base64(const unsigned char *in, size_t n, char *out)
{
	size_t i, o = 0;

	for (i = 0; i + 2 < n; i += 3) {
		out[o++] = b64[in[i] >> 2];
		out[o++] = b64[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
		out[o++] = b64[((in[i + 1] & 15) << 2) | (in[i + 2] >> 6)];
		out[o++] = b64[in[i + 2] & 63];
	}
	if (i < n) {
		out[o++] = b64[in[i] >> 2];
		if (i + 1 < n) {
			out[o++] = b64[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
			out[o++] = b64[(in[i + 1] & 15) << 2];
		} else {
			out[o++] = b64[(in[i] & 3) << 4];
			out[o++] = '=';
		}
		out[o++] = '=';
	}
	out[o] = '\0';
}

static void *
run(void *arg)
{
	struct conn c = { .fd = -1 };
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	char line[1024];
	int one = 1;

	(void)arg;
	inet_pton(AF_INET, host, &sa.sin_addr);
	c.fd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(c.fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    reply(&c) != 220 || cmd(&c, "EHLO load.bench.test\r\n") != 250)
		goto fail;
	if (user != NULL) {
		unsigned char raw[512];
		char enc[700];
		size_t n = (size_t)snprintf((char *)raw, sizeof(raw), "%c%s%c%s",
					    0, user, 0, pass);

		base64(raw, n, enc);
		snprintf(line, sizeof(line), "AUTH PLAIN %s\r\n", enc);
		if (cmd(&c, line) != 235)
			goto fail;
	}
	while (atomic_fetch_sub(&left, 1) > 0) {
		snprintf(line, sizeof(line), "MAIL FROM:<%s>\r\n", from);
		if (cmd(&c, line) != 250)
			goto fail;
		snprintf(line, sizeof(line), "RCPT TO:<%s>\r\n", rcpt);
		if (cmd(&c, line) != 250 || cmd(&c, "DATA\r\n") != 354 ||
		    send_all(c.fd, msg, msg_len) < 0)
			goto fail;
		if (reply(&c) == 250)
			atomic_fetch_add(&ok, 1);
		else
			atomic_fetch_add(&bad, 1);
	}
	cmd(&c, "QUIT\r\n");
	close(c.fd);
	return NULL;
fail:
	atomic_fetch_add(&bad, 1);
	if (c.fd >= 0)
		close(c.fd);
	return NULL;
}

static void
load(const char *path)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 1 << 16, n = 0, o = 0;
	char *raw = malloc(cap);

	if (f == NULL) {
		perror(path);
		exit(2);
	}
	for (size_t r; (r = fread(raw + n, 1, cap - n, f)) > 0;) {
		n += r;
		if (n == cap)
			raw = realloc(raw, cap *= 2);
	}
	fclose(f);
	msg = malloc(n * 2 + 8);
	for (size_t i = 0; i < n; i++) {
		if (raw[i] == '.' && (i == 0 || raw[i - 1] == '\n'))
			msg[o++] = '.';
		msg[o++] = raw[i];
	}
	if (o < 2 || memcmp(msg + o - 2, "\r\n", 2) != 0) {
		memcpy(msg + o, "\r\n", 2);
		o += 2;
	}
	memcpy(msg + o, ".\r\n", 3);
	msg_len = o + 3;
	free(raw);
}

int
main(int argc, char **argv)
{
	int sessions;
	pthread_t *th;
	double t0, t1;

	if (argc != 8 && argc != 10) {
		fprintf(stderr, "usage: smtp-load HOST PORT SESSIONS MSGS FILE "
			"FROM RCPT [USER PASS]\n");
		return 2;
	}
	host = argv[1];
	port = atoi(argv[2]);
	sessions = atoi(argv[3]);
	atomic_store(&left, atol(argv[4]));
	load(argv[5]);
	from = argv[6];
	rcpt = argv[7];
	if (argc == 10) {
		user = argv[8];
		pass = argv[9];
	}
	th = calloc((size_t)sessions, sizeof(*th));
	t0 = now();
	for (int i = 0; i < sessions; i++)
		pthread_create(&th[i], NULL, run, NULL);
	for (int i = 0; i < sessions; i++)
		pthread_join(th[i], NULL);
	t1 = now();
	printf("msgs/s: %.1f\naccepted: %ld\nfailed: %ld\nseconds: %.3f\n",
	       atomic_load(&ok) / (t1 - t0), atomic_load(&ok),
	       atomic_load(&bad), t1 - t0);
	return atomic_load(&bad) ? 1 : 0;
}
