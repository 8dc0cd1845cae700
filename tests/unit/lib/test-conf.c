/* test-conf.c - tern.conf parsing, defaults and errors (file:line) */
#include "test.h"
#include "lib/conf.h"

#include <stdlib.h>
#include <string.h>

static struct tern_conf *
parse(const char *text, char **err)
{
	*err = NULL;
	return conf_parse("t.conf", text, strlen(text), err);
}

static void
expect_error(const char *text, const char *want)
{
	char *err;
	struct tern_conf *c = parse(text, &err);

	CHECK(c == NULL);
	if (err == NULL || strstr(err, want) == NULL)
		test_fail(__FILE__, __LINE__, "error \"%s\" lacks \"%s\"",
			  err ? err : "(none)", want);
	free(err);
	conf_free(&c);
}

TEST(conf_defaults_are_sane)
{
	struct tern_conf *c = conf_defaults();

	CHECK_INT(c->version, 1);
	CHECK_INT(c->smtp.max_line, 2048);
	CHECK_INT(c->smtp.max_message_size, 50 * 1024 * 1024);
	CHECK_INT(c->smtp.max_recipients, 100);
	CHECK_INT(c->pop3.timeout_ms, 600000);
	CHECK_INT(c->imap.timeout_ms, 30 * 60000);
	CHECK_INT(c->relay.max_age_ms, 5ULL * 86400000);
	CHECK_STR(c->store.plus_separator, "+");
	CHECK_INT(c->n_listeners, 0);
	conf_free(&c);
	CHECK(c == NULL);
}

TEST(conf_full_file)
{
	char *err;
	struct tern_conf *c = parse(
		"# comment\n"
		"version = 1\n"
		"hostname = mx.example.org\n"
		"data_dir = \"/srv/mail data\"\n"
		"listen = smtp 127.0.0.1:2525\n"
		"listen = imaps [::1]:2993\n"
		"listen = pop3 0.0.0.0:2110 plain\n"
		"\n"
		"[tls]\n"
		"cert = /c.pem\n"
		"key = /k.pem\n"
		"[smtp]\n"
		"max_message_size = 10M   \n"
		"timeout_data = 90s\n"
		"[server]\n"
		"allow_plaintext_auth = yes\n"
		"shutdown_timeout = 500ms\n", &err);

	CHECK(c != NULL);
	if (c == NULL) {
		test_fail(__FILE__, __LINE__, "%s", err);
		free(err);
		return;
	}
	CHECK_STR(c->hostname, "mx.example.org");
	CHECK_STR(c->data_dir, "/srv/mail data");
	CHECK_INT(c->n_listeners, 3);
	CHECK_STR(c->listeners[0].proto, "smtp");
	CHECK_INT(c->listeners[0].tls, TLS_MODE_STARTTLS);
	CHECK_STR(c->listeners[1].address, "::1");
	CHECK_INT(c->listeners[1].port, 2993);
	CHECK_INT(c->listeners[1].tls, TLS_MODE_IMPLICIT);
	CHECK_INT(c->listeners[2].tls, TLS_MODE_NONE);
	CHECK_INT(c->listeners[2].line, 7);
	CHECK_INT(c->smtp.max_message_size, 10 * 1024 * 1024);
	CHECK_INT(c->smtp.timeout_data_ms, 90000);
	CHECK(c->server.allow_plaintext_auth);
	CHECK_INT(c->server.shutdown_timeout_ms, 500);
	conf_free(&c);
}

TEST(conf_errors_name_file_and_line)
{
	expect_error("version = 1\nbogus = 3\n", "t.conf:2: unknown key 'bogus'");
	expect_error("[smtp]\nmax_recipients = lots\n", "t.conf:2: smtp.max_recipients: expected a number");
	expect_error("\n\n[smtp]\nmax_message_size = 10Q\n", "t.conf:4:");
	expect_error("[smtp]\ntimeout_data = soon\n", "expected a duration");
	expect_error("[server]\nallow_plaintext_auth = maybe\n", "expected yes or no");
	expect_error("hostname\n", "t.conf:1: expected key = value");
	expect_error("[smtp\n", "bad section header");
	expect_error("listen = gopher 127.0.0.1:70\n", "t.conf:1: unknown protocol");
	expect_error("listen = smtp 127.0.0.1\n", "bad address");
	expect_error("listen = smtp 127.0.0.1:99999\n", "bad address");
	expect_error("listen = smtp 300.0.0.1:25\n", "bad address");
	expect_error("listen = smtp 127.0.0.1:25 maybe\n", "bad TLS mode");
	expect_error("listen = smtp 127.0.0.1:25 plain\nlisten = imap 127.0.0.1:25 plain\n",
		     "t.conf:2: address and port already used");
	expect_error("listen = imaps 127.0.0.1:993\n", "t.conf:1: listener uses TLS but tls.cert");
	expect_error("version = 2\n", "config version 1");
	expect_error("[smtp]\nmax_line = 100\n", "at least 512");
	expect_error("hostname = \"open\n", "unterminated");
	expect_error("log_level = loud\n", "log_level");
}

TEST(conf_http_listeners)
{
	char *err = NULL;
	static const char text[] =
		"listen = http 127.0.0.1:8080\n"
		"listen = metrics 127.0.0.1:9100\n"
		"listen = http [::1]:8443 tls\n"
		"tls.cert = /c\ntls.key = /k\n";
	struct tern_conf *c = conf_parse("t.conf", text, strlen(text), &err);

	CHECK(c != NULL);
	if (c == NULL) {
		free(err);
		return;
	}
	/* plain unless told: HTTP has no STARTTLS */
	CHECK_INT(c->listeners[0].tls, TLS_MODE_NONE);
	CHECK_INT(c->listeners[1].tls, TLS_MODE_NONE);
	CHECK_INT(c->listeners[2].tls, TLS_MODE_IMPLICIT);
	CHECK_INT(c->http.max_header_size, 16 * 1024);
	conf_free(&c);
	expect_error("listen = https 127.0.0.1:443 starttls\n", "HTTP has no STARTTLS");
	expect_error("listen = https 127.0.0.1:443\n", "listener uses TLS but tls.cert");
	expect_error("listen = http 127.0.0.1:80\n[http]\nmax_header_size = 1M\n",
		     "between 1K and 400K");
}

TEST(conf_value_parsers)
{
	uint64_t v;
	bool b;
	char *addr;
	int port;

	CHECK(conf_parse_size("64K", &v) && v == 65536);
	CHECK(conf_parse_size("1g", &v) && v == 1073741824ULL);
	CHECK(!conf_parse_size("-1", &v));
	CHECK(!conf_parse_size("99999999999999999999", &v));
	CHECK(!conf_parse_size("20000000000G", &v));
	CHECK(conf_parse_duration_ms("10m", &v) && v == 600000);
	CHECK(conf_parse_duration_ms("5", &v) && v == 5000);
	CHECK(conf_parse_duration_ms("250ms", &v) && v == 250);
	CHECK(conf_parse_duration_ms("2d", &v) && v == 172800000);
	CHECK(!conf_parse_duration_ms("ms", &v));
	CHECK(conf_parse_bool("On", &b) && b);
	CHECK(conf_parse_bool("no", &b) && !b);
	CHECK(conf_parse_hostport("[::]:143", &addr, &port) && port == 143);
	CHECK_STR(addr, "::");
	free(addr);
	CHECK(!conf_parse_hostport("[::1:143", &addr, &port));
	CHECK(!conf_parse_hostport("localhost:25", &addr, &port));
	CHECK(!conf_parse_hostport("127.0.0.1:0", &addr, &port));
}

#define LISTEN "listen = smtp 127.0.0.1:25 plain\n"

TEST(conf_checks_after_parsing_name_the_line)
{
	expect_error("hostname = h\nversion = 2\n" LISTEN, "t.conf:2: version: ");
	expect_error("hostname = h\nlog_level = loud\n" LISTEN, "t.conf:2: log_level: expected");
	expect_error(LISTEN "[tls]\nmin_version = TLSv1.0\n", "t.conf:3: tls.min_version: expected");
	expect_error(LISTEN "\n[smtp]\nmax_recipients = 0\n", "t.conf:4: smtp.max_recipients: must be");
	expect_error(LISTEN "[smtp]\nmax_line = 100\n", "t.conf:3: smtp.max_line: ");
	expect_error(LISTEN "[pop3]\nmax_line = 100\n", "t.conf:3: pop3.max_line: ");
	expect_error(LISTEN "[imap]\nmax_line_preauth = 100\n", "t.conf:3: imap.max_line_preauth: ");
}

TEST(conf_duplicate_keys_are_errors)
{
	expect_error("hostname = a\nhostname = b\n" LISTEN,
		     "t.conf:2: duplicate key 'hostname' (already set at line 1)");
	expect_error("[smtp]\nmax_line = 600\n[imap]\nmax_line = 2048\n[smtp]\nmax_line = 700\n" LISTEN,
		     "t.conf:6: duplicate key 'smtp.max_line' (already set at line 2)");
	/* the same key spelled as section + key and as a dotted name */
	expect_error("tls.cert = /a\n[tls]\ncert = /b\n" LISTEN,
		     "t.conf:3: duplicate key 'tls.cert' (already set at line 1)");
}

TEST(conf_listen_repeats_and_is_required)
{
	char *err;
	struct tern_conf *c = parse(LISTEN "listen = imap 127.0.0.1:143 plain\n", &err);

	CHECK(c != NULL);
	if (c != NULL)
		CHECK_INT(c->n_listeners, 2);
	conf_free(&c);
	free(err);
	expect_error("version = 1\nhostname = h\n", "t.conf:2: no listen line");
	expect_error("", "t.conf:1: no listen line");
}

TEST(conf_relative_data_dir_is_an_error)
{
	expect_error("hostname = h\ndata_dir = data\n" LISTEN,
		     "t.conf:2: data_dir: must be an absolute path");
	expect_error("data_dir = \"\"\n" LISTEN, "t.conf:1: data_dir: must be an absolute path");
}

TEST(conf_global_section_returns_to_top_level)
{
	char *err;
	struct tern_conf *c = parse("[smtp]\nmax_line = 600\n[global]\nhostname = h\n" LISTEN
				    "[imap]\n[global]\nlisten = imap 127.0.0.1:143 plain\n", &err);

	CHECK(c != NULL);
	if (c == NULL) {
		test_fail(__FILE__, __LINE__, "%s", err);
		free(err);
		return;
	}
	CHECK_STR(c->hostname, "h");
	CHECK_INT(c->smtp.max_line, 600);
	CHECK_INT(c->n_listeners, 2);
	CHECK_INT(conf_key_line(c, "hostname"), 4);
	CHECK_INT(conf_key_line(c, "smtp.max_line"), 2);
	CHECK_INT(conf_key_line(c, "user"), 0);
	conf_free(&c);
	expect_error("[]\n" LISTEN, "t.conf:1: bad section header");
}

TEST(conf_key_error_says_where)
{
	char *err, *msg;
	struct tern_conf *c = parse("\nuser = nobody-here\n" LISTEN, &err);

	CHECK(c != NULL);
	if (c == NULL) {
		free(err);
		return;
	}
	msg = conf_key_error(c, "user", "no such user '%s'", c->user);
	CHECK_STR(msg, "t.conf:2: user: no such user 'nobody-here'");
	free(msg);
	/* a key left at its default has no line to name */
	msg = conf_key_error(c, "tls.cert", "missing");
	CHECK_STR(msg, "t.conf: tls.cert: missing");
	free(msg);
	conf_free(&c);
}
