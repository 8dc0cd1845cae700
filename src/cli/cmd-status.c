/* cmd-status.c - `tern status`: the running server's numbers, read from
 * its metrics listener (`listen = metrics ADDRESS:PORT`, plain HTTP) as
 * /metrics serves them; `--raw` prints the exposition text itself. */
#include "cli/cli.h"
#include "lib/buf.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define STATUS_MAX_REPLY (4 * 1024 * 1024)
#define STATUS_TIMEOUT_S 10

static const char *const protos[] = {
	"smtp", "submission", "submissions", "imap", "imaps", "pop3", "pop3s",
	"http", "https", "metrics", NULL
};

static const struct listener_conf *
metrics_listener(const struct tern_conf *conf)
{
	for (size_t i = 0; i < conf->n_listeners; i++)
		if (!strcmp(conf->listeners[i].proto, "metrics"))
			return &conf->listeners[i];
	return NULL;
}

/* GET /metrics; the body (malloc'd) or NULL after printing why */
static char *
fetch_metrics(const struct listener_conf *l)
{
	const char *host = l->address;
	char port[16];
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai = NULL;
	struct timeval tv = { .tv_sec = STATUS_TIMEOUT_S };
	static const char req[] = "GET /metrics HTTP/1.0\r\nHost: tern\r\n\r\n";
	struct buf b = BUF_INIT;
	char *body = NULL, *sep;
	int fd = -1, rc;

	/* a wildcard listener answers on loopback */
	if (!strcmp(host, "0.0.0.0"))
		host = "127.0.0.1";
	else if (!strcmp(host, "::"))
		host = "::1";
	snprintf(port, sizeof(port), "%d", l->port);
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	rc = getaddrinfo(host, port, &hints, &ai);
	if (rc != 0) {
		fprintf(stderr, "tern: metrics listener %s: %s\n", host, gai_strerror(rc));
		return NULL;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0) {
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	}
	if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 ||
	    write(fd, req, sizeof(req) - 1) != (ssize_t)(sizeof(req) - 1)) {
		fprintf(stderr, "tern: cannot reach the server's metrics listener "
			"%s port %d (is tern running?): %s\n", host, l->port,
			strerror(errno));
		goto out;
	}
	for (;;) {
		ssize_t n = read(fd, buf_reserve(&b, 65536), 65536);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "tern: reading /metrics: %s\n", strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		b.len += (size_t)n;
		if (b.len > STATUS_MAX_REPLY) {
			fprintf(stderr, "tern: /metrics answer over %d bytes\n",
				STATUS_MAX_REPLY);
			goto out;
		}
	}
	sep = strstr(buf_cstr(&b), "\r\n\r\n");
	if (strncmp(buf_cstr(&b), "HTTP/1.", 7) != 0 || b.len < 12 ||
	    strncmp(buf_cstr(&b) + 9, "200", 3) != 0 || sep == NULL) {
		fprintf(stderr, "tern: /metrics did not answer 200: %.*s\n",
			(int)strcspn(buf_cstr(&b), "\r\n"), buf_cstr(&b));
		goto out;
	}
	body = xstrdup(sep + 4);
out:
	if (fd >= 0)
		close(fd);
	freeaddrinfo(ai);
	buf_free(&b);
	return body;
}

/* the sample "name{labels} value" (labels may be NULL: none) */
static double
sample(const char *text, const char *name, const char *labels)
{
	char *want = labels ? xasprintf("%s{%s} ", name, labels) :
			      xasprintf("%s ", name);
	size_t n = strlen(want);
	double v = 0;

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (strncmp(p, want, n) == 0) {
			v = strtod(p + n, NULL);
			break;
		}
	}
	free(want);
	return v;
}

static double
per_proto(const char *text, const char *name, const char *proto)
{
	char *l = xasprintf("protocol=\"%s\"", proto);
	double v = sample(text, name, l);

	free(l);
	return v;
}

static double
by(const char *text, const char *name, const char *label, const char *value)
{
	char *l = xasprintf("%s=\"%s\"", label, value);
	double v = sample(text, name, l);

	free(l);
	return v;
}

static void
print_summary(const char *m)
{
	double commits = sample(m, "tern_store_commits_total", NULL);
	double writes = sample(m, "tern_store_writes_total", NULL);
	double commit_s = sample(m, "tern_store_commit_seconds_total", NULL);

	double logins = 0, failures = 0;

	printf("%-12s %8s %12s %8s %8s %10s %8s %8s\n", "protocol", "open",
	       "connections", "refused", "tls", "commands", "logins", "failed");
	for (size_t i = 0; protos[i]; i++) {
		double in = per_proto(m, "tern_logins_total", protos[i]);
		double bad = per_proto(m, "tern_login_failures_total", protos[i]);

		logins += in;
		failures += bad;
		printf("%-12s %8.0f %12.0f %8.0f %8.0f %10.0f %8.0f %8.0f\n", protos[i],
		       per_proto(m, "tern_connections_open", protos[i]),
		       per_proto(m, "tern_connections_total", protos[i]),
		       per_proto(m, "tern_connections_refused_total", protos[i]),
		       per_proto(m, "tern_tls_handshakes_total", protos[i]),
		       per_proto(m, "tern_commands_total", protos[i]), in, bad);
	}
	printf("\nlogins          %.0f accepted, %.0f refused\n", logins, failures);
	printf("smtp messages   %.0f accepted, %.0f rejected, %.0f temporary failures\n",
	       by(m, "tern_smtp_messages_total", "result", "accepted"),
	       by(m, "tern_smtp_messages_total", "result", "rejected"),
	       by(m, "tern_smtp_messages_total", "result", "tempfailed"));
	printf("relay           %.0f delivered, %.0f deferred, %.0f bounced\n",
	       by(m, "tern_relay_messages_total", "result", "delivered"),
	       by(m, "tern_relay_messages_total", "result", "deferred"),
	       by(m, "tern_relay_messages_total", "result", "bounced"));
	printf("queue           %.0f messages, %.0f recipients pending, oldest %.0f s\n",
	       sample(m, "tern_queue_messages", NULL),
	       sample(m, "tern_queue_recipients_pending", NULL),
	       sample(m, "tern_queue_oldest_age_seconds", NULL));
	printf("store           %.0f commits, %.0f writes (%.1f per commit), "
	       "%.2f ms per commit\n", commits, writes,
	       commits > 0 ? writes / commits : 0,
	       commits > 0 ? commit_s * 1e3 / commits : 0);
	printf("http responses  2xx %.0f, 3xx %.0f, 4xx %.0f, 5xx %.0f\n",
	       by(m, "tern_http_responses_total", "class", "2xx"),
	       by(m, "tern_http_responses_total", "class", "3xx"),
	       by(m, "tern_http_responses_total", "class", "4xx"),
	       by(m, "tern_http_responses_total", "class", "5xx"));
}

int
cmd_server_status(struct cli *cli)
{
	struct tern_conf *conf;
	const struct listener_conf *l;
	bool raw = false;
	char *m;

	for (int i = 0; i < cli->argc; i++) {
		if (!strcmp(cli->argv[i], "--raw")) {
			raw = true;
		} else {
			fprintf(stderr, "usage: tern status [--raw]\n");
			return EXIT_USAGE;
		}
	}
	conf = cli_load_conf(cli);
	if (conf == NULL)
		return EXIT_CONFIG;
	l = metrics_listener(conf);
	if (l == NULL || l->tls != TLS_MODE_NONE) {
		fprintf(stderr, "tern: %s has no plain `listen = metrics ADDRESS:PORT` "
			"line: tern status reads the server's numbers there\n",
			conf->path);
		conf_free(&conf);
		return 1;
	}
	m = fetch_metrics(l);
	conf_free(&conf);
	if (m == NULL)
		return 1;
	if (raw)
		fputs(m, stdout);
	else
		print_summary(m);
	free(m);
	return 0;
}
