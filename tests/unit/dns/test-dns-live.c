/* test-dns-live.c - the resolver against a real unbound serving a test
 * zone on 127.0.0.1 (unbound is a test dependency: missing, the test fails) */
#include "test.h"
#include "dns/dns.h"
#include "lib/buf.h"
#include "lib/conf.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

#define UNBOUND "/usr/sbin/unbound"

static pid_t unbound_pid;
static int unbound_port;

static int
free_udp_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_DGRAM, 0), port;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	getsockname(fd, (struct sockaddr *)&sa, &len);
	port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

static const char zone[] =
	"  local-zone: \"test.\" nodefault\n"
	"  local-zone: \"a.test.\" static\n"
	"  local-data: \"a.test. IN MX 10 mx1.a.test.\"\n"
	"  local-data: \"a.test. IN MX 10 mx2.a.test.\"\n"
	"  local-data: \"a.test. IN MX 20 mx3.a.test.\"\n"
	"  local-data: \"mx1.a.test. IN A 127.0.0.11\"\n"
	"  local-data: \"mx2.a.test. IN A 127.0.0.12\"\n"
	"  local-data: \"mx2.a.test. IN AAAA ::1\"\n"
	"  local-data: \"mx3.a.test. IN A 127.0.0.13\"\n"
	"  local-data: 'txt.a.test. IN TXT \"v=spf1 \" \"-all\"'\n"
	"  local-data: 'txt.a.test. IN TXT \"second\"'\n"
	"  local-zone: \"nomx.test.\" static\n"
	"  local-data: \"nomx.test. IN A 127.0.0.20\"\n"
	"  local-zone: \"nullmx.test.\" static\n"
	"  local-data: \"nullmx.test. IN MX 0 .\"\n"
	"  local-data: \"nullmx.test. IN A 127.0.0.21\"\n"
	"  local-zone: \"noaddr.test.\" static\n"
	"  local-data: \"noaddr.test. IN TXT hello\"\n"
	"  local-zone: \"gone.test.\" static\n"
	"  local-zone: \"deadmx.test.\" static\n"
	"  local-data: \"deadmx.test. IN MX 10 mx.gone.test.\"\n";

/* one try: false when unbound exits (its port was taken: it binds TCP
 * too, and free_udp_port only knows UDP is free) or never starts */
static bool
unbound_try(const char *path, const char *logp)
{
	FILE *f;

	unlink(logp);
	unbound_port = free_udp_port();
	f = fopen(path, "w");
	fprintf(f, "server:\n  interface: 127.0.0.1\n  port: %d\n"
		"  do-daemonize: no\n  use-syslog: no\n  username: \"\"\n"
		"  chroot: \"\"\n  directory: \"%s\"\n  pidfile: \"\"\n"
		"  logfile: \"%s\"\n  verbosity: 1\n"
		"  do-not-query-localhost: no\n"
		"  access-control: 127.0.0.0/8 allow\n%s"
		"forward-zone:\n  name: \"broken.test.\"\n"
		"  forward-addr: 127.0.0.1@%d\n",
		unbound_port, test_tmpdir(), logp, zone, free_udp_port());
	fclose(f);
	unbound_pid = fork();
	if (unbound_pid == 0) {
		execl(UNBOUND, UNBOUND, "-d", "-c", path, (char *)NULL);
		_exit(127);
	}
	/* wait (bounded, generous for a loaded machine) for "start of service" */
	for (int i = 0; i < 600; i++) {
		char line[512];
		bool up = false;

		usleep(50 * 1000);
		if (waitpid(unbound_pid, NULL, WNOHANG) == unbound_pid) {
			unbound_pid = 0;
			return false;
		}
		f = fopen(logp, "r");
		if (f == NULL)
			continue;
		while (fgets(line, sizeof(line), f))
			if (strstr(line, "start of service"))
				up = true;
		fclose(f);
		if (up)
			return true;
	}
	kill(unbound_pid, SIGKILL);
	waitpid(unbound_pid, NULL, 0);
	unbound_pid = 0;
	return false;
}

static bool
unbound_start(void)
{
	char path[512], logp[512];

	if (access(UNBOUND, X_OK) != 0) {
		test_fail(__FILE__, __LINE__, "no %s (scripts/install-deps.sh)", UNBOUND);
		return false;
	}
	snprintf(path, sizeof(path), "%s/unbound.conf", test_tmpdir());
	snprintf(logp, sizeof(logp), "%s/unbound.log", test_tmpdir());
	for (int tries = 0; tries < 5; tries++)
		if (unbound_try(path, logp))
			return true;
	test_fail(__FILE__, __LINE__, "unbound did not start");
	return false;
}

static void
unbound_stop(void)
{
	if (unbound_pid > 0) {
		kill(unbound_pid, SIGTERM);
		waitpid(unbound_pid, NULL, 0);
		unbound_pid = 0;
	}
}

struct result {
	struct dns_route *r;
	int calls;
	/* dns_lookup: the answer, copied */
	enum dns_rcode rcode;
	size_t n;
	char text[4][64];
	uint16_t pref[4];
};

static void
on_answer(void *arg, const struct dns_answer *a)
{
	struct result *res = arg;

	res->calls++;
	res->rcode = a->rcode;
	res->n = a->n;
	for (size_t i = 0; i < a->n && i < 4; i++) {
		snprintf(res->text[i], sizeof(res->text[i]), "%s", a->rr[i].text);
		res->pref[i] = a->rr[i].pref;
	}
}

/* one dns_lookup, run to its answer */
static struct result
ask(struct dns *dns, uv_loop_t *loop, const char *name, int type)
{
	struct result res;
	uint64_t start = uv_now(loop);

	memset(&res, 0, sizeof(res));
	CHECK(dns_lookup(dns, name, type, on_answer, &res) != NULL);
	CHECK_INT(res.calls, 0);	/* never inside the call */
	while (res.calls == 0 && uv_now(loop) - start < 15000) {
		uv_run(loop, UV_RUN_ONCE);
		uv_update_time(loop);
	}
	CHECK_INT(res.calls, 1);
	return res;
}

static void
on_route(void *arg, struct dns_route *r)
{
	struct result *res = arg;

	res->r = r;
	res->calls++;
}

static struct dns_route *
lookup(struct dns *dns, uv_loop_t *loop, const char *domain, bool mx)
{
	struct result res = { 0 };
	uint64_t start = uv_now(loop);

	dns_route_lookup(dns, domain, mx, on_route, &res);
	CHECK_INT(res.calls, 0);	/* never inside the call */
	while (res.calls == 0 && uv_now(loop) - start < 15000) {
		uv_run(loop, UV_RUN_ONCE);
		uv_update_time(loop);
	}
	CHECK_INT(res.calls, 1);
	return res.r;
}

static void
route_done(struct dns_route *r)
{
	dns_route_free(r);
	free(r);
}

TEST(dns_live_unbound)
{
	struct tern_conf *conf;
	struct dns *dns;
	struct dns_route *r;
	char *err = NULL, fwd[64];
	uv_loop_t loop;

	if (!unbound_start()) {
		unbound_stop();
		return;
	}
	conf = conf_defaults();
	snprintf(fwd, sizeof(fwd), "127.0.0.1@%d", unbound_port);
	free(conf->dns.resolver);
	conf->dns.resolver = xstrdup(fwd);
	uv_loop_init(&loop);
	dns = dns_create(&loop, conf, &err);
	CHECK(dns != NULL);
	if (dns == NULL) {
		fprintf(stderr, "  %s\n", err);
		goto out;
	}

	/* MX by preference, equal ones first, v6 before v4 */
	r = lookup(dns, &loop, "A.test.", true);
	CHECK_INT(r->status, DNS_OK);
	CHECK(!r->implicit_mx);
	CHECK_INT(r->n, 3);
	if (r->n == 3) {
		CHECK_INT(r->hosts[0].pref, 10);
		CHECK_INT(r->hosts[1].pref, 10);
		CHECK_STR(r->hosts[2].name, "mx3.a.test");
		CHECK_STR(r->hosts[2].addrs[0].text, "127.0.0.13");
		for (int i = 0; i < 2; i++) {
			struct dns_host *h = &r->hosts[i];

			if (strcmp(h->name, "mx2.a.test") == 0) {
				CHECK_INT(h->naddr, 2);
				CHECK_STR(h->addrs[0].text, "::1");
				CHECK_STR(h->addrs[1].text, "127.0.0.12");
			} else {
				CHECK_STR(h->name, "mx1.a.test");
				CHECK_INT(h->naddr, 1);
			}
		}
	}
	route_done(r);

	/* no MX: the domain's own address */
	r = lookup(dns, &loop, "nomx.test", true);
	CHECK_INT(r->status, DNS_OK);
	CHECK(r->implicit_mx);
	CHECK_INT(r->n, 1);
	if (r->n == 1)
		CHECK_STR(r->hosts[0].addrs[0].text, "127.0.0.20");
	route_done(r);

	/* null MX: permanent, even with an A record */
	r = lookup(dns, &loop, "nullmx.test", true);
	CHECK_INT(r->status, DNS_NULLMX);
	CHECK(r->error && strstr(r->error, "null MX"));
	route_done(r);

	/* NXDOMAIN: permanent */
	r = lookup(dns, &loop, "nowhere.gone.test", true);
	CHECK_INT(r->status, DNS_PERMFAIL);
	route_done(r);

	/* no MX and no address: permanent */
	r = lookup(dns, &loop, "noaddr.test", true);
	CHECK_INT(r->status, DNS_PERMFAIL);
	route_done(r);

	/* MX host without address: temporary (DNS may be fixed) */
	r = lookup(dns, &loop, "deadmx.test", true);
	CHECK_INT(r->status, DNS_TEMPFAIL);
	route_done(r);

	/* upstream down: SERVFAIL is temporary */
	r = lookup(dns, &loop, "x.broken.test", true);
	CHECK_INT(r->status, DNS_TEMPFAIL);
	route_done(r);

	/* smarthost name: addresses only */
	r = lookup(dns, &loop, "mx3.a.test", false);
	CHECK_INT(r->status, DNS_OK);
	CHECK_INT(r->n, 1);
	route_done(r);

	/* literal: no DNS */
	r = lookup(dns, &loop, "[127.0.0.9]", true);
	CHECK_INT(r->status, DNS_OK);
	if (r->n == 1)
		CHECK_STR(r->hosts[0].addrs[0].text, "127.0.0.9");
	route_done(r);

	/* dns_lookup: TXT strings joined, one text per record */
	{
		struct result a = ask(dns, &loop, "txt.a.test", 16);
		bool joined;

		CHECK_INT(a.rcode, DNS_R_DATA);
		CHECK_INT(a.n, 2);
		joined = strcmp(a.text[0], "v=spf1 -all") == 0 ||
			 strcmp(a.text[1], "v=spf1 -all") == 0;
		CHECK(joined);
		a = ask(dns, &loop, "a.test", 15);
		CHECK_INT(a.n, 3);
		CHECK(strstr(a.text[0], "a.test") != NULL);
		a = ask(dns, &loop, "mx2.a.test", 28);
		CHECK_INT(a.rcode, DNS_R_DATA);
		CHECK_STR(a.text[0], "::1");
		a = ask(dns, &loop, "noaddr.test", 1);
		CHECK_INT(a.rcode, DNS_R_NODATA);
		a = ask(dns, &loop, "nowhere.gone.test", 16);
		CHECK_INT(a.rcode, DNS_R_NXDOMAIN);
		a = ask(dns, &loop, "x.broken.test", 16);
		CHECK_INT(a.rcode, DNS_R_TEMPFAIL);
		/* over the limits: a temporary failure, never a cut answer */
		dns_set_answer_limits(dns, 2, 65536);
		a = ask(dns, &loop, "a.test", 15);
		CHECK_INT(a.rcode, DNS_R_TEMPFAIL);
		CHECK_INT(a.n, 0);
		dns_set_answer_limits(dns, 100, 10);
		a = ask(dns, &loop, "txt.a.test", 16);
		CHECK_INT(a.rcode, DNS_R_TEMPFAIL);
		dns_set_answer_limits(dns, 100, 65536);
	}

	/* cancel: no callback; destroy with lookups in flight */
	{
		struct result res = { 0 };
		struct dns_query *q = dns_route_lookup(dns, "a.test", true,
						       on_route, &res);

		dns_cancel(q);
		dns_lookup_cancel(dns_lookup(dns, "a.test", 15, on_answer,
					     &res));
		dns_lookup(dns, "txt.a.test", 16, on_answer, &res);
		dns_route_lookup(dns, "nomx.test", true, on_route, &res);
		CHECK_INT(dns_pending(dns), 1);
		dns_destroy(&dns);
		uv_run(&loop, UV_RUN_NOWAIT);
		CHECK_INT(res.calls, 0);
	}
out:
	if (dns)
		dns_destroy(&dns);
	uv_run(&loop, UV_RUN_NOWAIT);
	uv_loop_close(&loop);
	conf_free(&conf);
	unbound_stop();
}
