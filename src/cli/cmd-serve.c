/* cmd-serve.c - `tern serve`: bind, drop root, open the store, run the
 * event loop; SIGTERM/SIGINT stop gracefully, SIGHUP reloads */
#include "cli/cli.h"
#include "auth/auth-cache.h"
#include "auth/auth-pool.h"
#include "auth/sasl.h"
#include "auth/scram.h"
#include "auth/throttle.h"
#include "dns/dns.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/server.h"
#include "lib/work-gate.h"
#include "mailauth/srs.h"
#include "relay/relay.h"
#include "submit/submit-dkim-keys.h"
#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#define MAX_RELOADS 1024
/* loop runs and store drains after the stop; each round only finishes
 * what the last one started, so a few suffice */
#define DRAIN_ROUNDS 64

struct serve {
	uv_loop_t loop;
	struct service_env env;
	struct server *srv;
	struct tern_conf *confs[MAX_RELOADS];	/* sessions may hold old ones */
	size_t n_confs;
	const char *conf_path;
	uv_signal_t sigterm, sigint, sighup;
	bool stopping;
};

static void
throttle_limits_from_conf(const struct tern_conf *conf,
			  struct throttle_limits *l)
{
	throttle_limits_default(l);
	l->max_delay_ms = (unsigned)conf->auth.throttle_max_delay_ms;
	l->block_failures = (unsigned)conf->auth.throttle_block_after;
	l->block_ms = (unsigned)conf->auth.throttle_window_ms;
}

/* The key unknown users' SCRAM salts derive from, kept in the data
 * folder so they stay stable across restarts like real salts do. */
static int
load_fake_scram_key(const struct tern_conf *conf)
{
	unsigned char key[32];
	char *path = xasprintf("%s/scram-fake.key", conf->data_dir);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = -1;

	if (fd >= 0) {
		n = read(fd, key, sizeof(key));
		close(fd);
	}
	if (n != (ssize_t)sizeof(key)) {
		randombytes_buf(key, sizeof(key));
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0 || write(fd, key, sizeof(key)) != (ssize_t)sizeof(key) ||
		    fsync(fd) < 0) {
			log_error(0, "cannot write path=%s error=\"%s\"", path,
				  strerror(errno));
			if (fd >= 0)
				close(fd);
			free(path);
			return -1;
		}
		close(fd);
	}
	sasl_set_fake_scram(key, sizeof(key), SCRAM_ITERATIONS_DEFAULT);
	sodium_memzero(key, sizeof(key));
	free(path);
	return 0;
}

/* Values other modules parse when their service starts, after the
 * ports are bound: parsed here first, so that a typo stops startup
 * with its file:line before anything is bound. */
static char *
check_service_values(const struct tern_conf *conf)
{
	char ip[64], *host = NULL;
	int port;

	if (conf->dns.resolver[0] &&
	    !dns_parse_forwarder(conf->dns.resolver, ip, sizeof(ip), &port))
		return conf_key_error(conf, "dns.resolver", "expected ip[@port], not "
				      "'%s'", conf->dns.resolver);
	if (conf->dns.unbound_config[0] && access(conf->dns.unbound_config, R_OK) < 0)
		return conf_key_error(conf, "dns.unbound_config", "%s: %s",
				      conf->dns.unbound_config, strerror(errno));
	if (conf->relay.relay_host[0]) {
		if (relay_parse_smarthost(conf->relay.relay_host, 25, &host, &port) < 0)
			return conf_key_error(conf, "relay.relay_host", "expected "
					      "host[:port] or [address]:port, not '%s'",
					      conf->relay.relay_host);
		free(host);
	}
	if (conf->srs.max_age < 1 || conf->srs.max_age > 1023)
		/* the stamp counts days mod 1024 */
		return conf_key_error(conf, "srs.max_age", "expected 1 to 1023 "
				      "days, not %llu",
				      (unsigned long long)conf->srs.max_age);
	return NULL;
}

/* Called just after dropping root: a certificate the run user cannot
 * read loads now (read as root) but not on a SIGHUP after renewal;
 * nor does a config it cannot read. */
static void
warn_unreadable_after_drop(const struct tern_conf *conf)
{
	const char *names[] = { "config", "tls.cert", "tls.key" };
	const char *paths[] = { conf->path, conf->tls.cert, conf->tls.key };
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < 3; i++) {
		if (paths[i][0] == '\0' || access(paths[i], R_OK) == 0)
			continue;
		buf_printf(&b, " %s=%s (%s)", names[i], paths[i], strerror(errno));
	}
	if (b.len > 0) {
		struct group *gr = getgrgid(getgid());
		const char *group = gr ? gr->gr_name : conf->user;

		log_warn(0, "not readable by user %s:%.*s; kill -HUP cannot reload "
			 "them, e.g. a renewed certificate (make them readable "
			 "by group %s: root:%s mode 0640)", conf->user, (int)b.len,
			 (const char *)b.data, group, group);
	}
	buf_free(&b);
}

static void
on_stopped(void *arg)
{
	struct serve *s = arg;

	log_info(0, "all sessions closed");
	uv_stop(&s->loop);
}

static void
on_stop_signal(uv_signal_t *h, int signum)
{
	struct serve *s = h->data;

	if (s->stopping) {
		/* not uv_stop: sessions must close before the store does */
		log_info(0, "second signal: closing connections now");
		server_abort(s->srv);
		return;
	}
	s->stopping = true;
	log_info(0, "signal=%s stopping", signum == SIGTERM ? "TERM" : "INT");
	server_shutdown(s->srv, on_stopped, s);
}

/* a rotated srs.secret (a new first line) is read on SIGHUP; a file
 * that cannot be read keeps the secrets in use */
static void
reload_srs(struct serve *s, const struct tern_conf *conf)
{
	char *err = NULL;
	struct srs_secrets *sec = srs_secrets_read(conf->data_dir, &err);

	if (sec == NULL) {
		log_error(0, "srs secret not reloaded error=\"%s\"", err);
		free(err);
		return;
	}
	srs_secrets_free(s->env.srs);
	free(s->env.srs);
	s->env.srs = sec;
}

static void
on_hup(uv_signal_t *h, int signum)
{
	struct serve *s = h->data;
	char *err = NULL;
	struct tern_conf *conf;

	conf = conf_load(s->conf_path, &err);
	if (conf == NULL) {
		log_error(0, "reload failed, keeping the running config error=\"%s\"", err);
		free(err);
		return;
	}
	if (s->n_confs >= MAX_RELOADS || server_reload(s->srv, conf, &err) < 0) {
		log_error(0, "reload failed, keeping the running config error=\"%s\"",
			  err ? err : "too many reloads");
		free(err);
		conf_free(&conf);
		return;
	}
	{
		int lvl = log_level_parse(conf->log_level);

		if (lvl >= 0)
			log_set_level((enum log_level)lvl);
	}
	s->confs[s->n_confs++] = conf;
	s->env.conf = conf;
	submit_dkim_keys_reload(s->env.dkim_keys, conf->auth_checks.dkim_key_poll_ms);
	reload_srs(s, conf);
	work_gate_set_limits(s->env.work_gate,
			     (unsigned)conf->server.worker_jobs_per_account,
			     (unsigned)conf->server.worker_jobs_per_session);
	log_info(0, "reloaded config=%s (TLS certificates, limits; listener "
		 "changes need a restart)", s->conf_path);
}

static void
unref_walk(uv_handle_t *h, void *arg)
{
	uv_unref(h);
}

/* Every session is gone, but what they started may still be in flight:
 * SELECT snapshots, FETCH/SEARCH batches, password checks, RETR chunks,
 * bounces on libuv's thread pool (reading the store; their after_work
 * reaches the session, the throttle, the loop), writes on the store's
 * writer (completions by its unref'd async). Finish all of it before
 * the store, the throttle and the services go. With every handle
 * unref'd, uv_run returns once no request is active; a completion run
 * by store_drain may start more, hence the rounds. */
static void
serve_drain(struct serve *s)
{
	for (int i = 0; i < DRAIN_ROUNDS; i++) {
		uv_walk(&s->loop, unref_walk, NULL);
		uv_run(&s->loop, UV_RUN_DEFAULT);
		if (!store_drain(s->env.store))
			return;
	}
	log_warn(0, "work still in flight after rounds=%d", DRAIN_ROUNDS);
}

static void
close_walk(uv_handle_t *h, void *arg)
{
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

int
cmd_serve(struct cli *cli)
{
	struct serve *s = xcalloc(1, sizeof(*s));
	struct store_settings set;
	struct throttle_limits tl;
	struct tern_conf *conf;
	char *err = NULL;
	int rc = 1, lvl;
	size_t ninit = 0;
	bool was_root = geteuid() == 0;

	conf = cli_load_conf(cli);
	if (conf == NULL) {
		free(s);
		return EXIT_CONFIG;
	}
	s->confs[s->n_confs++] = conf;
	s->conf_path = cli->conf_path;
	lvl = log_level_parse(conf->log_level);
	log_set_level(lvl >= 0 ? (enum log_level)lvl : LOG_INFO);
	/* the run user is part of the config: check it before binding */
	err = check_service_values(conf);
	if (err != NULL)
		fprintf(stderr, "tern: %s\n", err);
	if (err != NULL || cli_check_user(conf) < 0) {
		free(err);
		conf_free(&s->confs[0]);
		free(s);
		return EXIT_CONFIG;
	}
	if (geteuid() == 0 && !strcmp(conf->user, "root"))
		log_warn(0, "running as root (user = root in %s): a bug in tern "
			 "could reach the whole machine; set user = tern",
			 conf->path);
	signal(SIGPIPE, SIG_IGN);
	/* libuv's pool runs password checks and message reads: 4 threads
	 * (its default) let a burst of logins stall downloads */
	if (getenv("UV_THREADPOOL_SIZE") == NULL)
		setenv("UV_THREADPOOL_SIZE", "16", 0);
	uv_loop_init(&s->loop);
	s->env.loop = &s->loop;
	s->env.conf = conf;

	/* as root: read the key and bind, then drop */
	s->srv = server_create(&s->loop, &s->env, tern_services, &err);
	if (s->srv == NULL) {
		/* the certificate or key the config names: a config error */
		fprintf(stderr, "tern: %s\n", err);
		rc = EXIT_CONFIG;
		goto out;
	}
	if (server_listen(s->srv, &err) < 0) {
		fprintf(stderr, "tern: cannot listen: %s\n", err);
		goto out;
	}
	if (cli_drop_privileges(conf) < 0)
		goto out;
	if (was_root && strcmp(conf->user, "root") != 0)
		warn_unreadable_after_drop(conf);

	cli_store_settings(conf, &set);
	/* the SMTP limit counts the client's bytes; the blob also holds
	 * our Received: (and submission's added fields): leave room */
	set.max_message_size = conf->smtp.max_message_size ?
			       conf->smtp.max_message_size + 64 * 1024 : 0;
	rc = store_open(&set, &s->env.store, &err);
	if (rc != 0) {
		fprintf(stderr, "tern: store %s: %s\n", conf->data_dir,
			err ? err : store_strerror(rc));
		rc = 1;
		goto out;
	}
	rc = 1;
	if (load_fake_scram_key(conf) < 0)
		goto out;
	if (srs_secrets_ensure(conf->data_dir, &err) < 0 ||
	    (s->env.srs = srs_secrets_read(conf->data_dir, &err)) == NULL) {
		log_error(0, "srs secret error=\"%s\"", err);
		goto out;
	}
	store_attach_loop(s->env.store, &s->loop);
	throttle_limits_from_conf(conf, &tl);
	s->env.throttle = throttle_create(&tl);
	s->env.auth_pool = auth_pool_create(&s->loop,
					    (unsigned)conf->auth.workers);
	s->env.auth_cache = auth_cache_create(
		(size_t)conf->auth.cache_entries, conf->auth.cache_ttl_ms);
	s->env.work_gate = work_gate_create(&s->loop,
				(unsigned)conf->server.worker_jobs_per_account,
				(unsigned)conf->server.worker_jobs_per_session);
	/* one libunbound context for the loop: the relay's routes and
	 * the port-25 checks share its cache and its socket */
	s->env.dns = dns_create(&s->loop, conf, &err);
	if (s->env.dns == NULL) {
		fprintf(stderr, "tern: %s\n", err);
		goto out;
	}

	s->env.dkim_keys = submit_dkim_keys_start(&s->loop, conf->data_dir,
						conf->auth_checks.dkim_key_poll_ms);

	for (; tern_services[ninit]; ninit++) {
		const struct service *svc = tern_services[ninit];

		if (svc->init && svc->init(&s->env) != 0) {
			fprintf(stderr, "tern: %s service failed to start\n", svc->proto);
			goto out;
		}
	}

	uv_signal_init(&s->loop, &s->sigterm);
	uv_signal_init(&s->loop, &s->sigint);
	uv_signal_init(&s->loop, &s->sighup);
	s->sigterm.data = s->sigint.data = s->sighup.data = s;
	uv_signal_start(&s->sigterm, on_stop_signal, SIGTERM);
	uv_signal_start(&s->sigint, on_stop_signal, SIGINT);
	uv_signal_start(&s->sighup, on_hup, SIGHUP);

	log_info(0, "tern %s started config=%s data_dir=%s pid=%d", TERN_VERSION,
		 cli->conf_path, conf->data_dir, (int)getpid());
	uv_run(&s->loop, UV_RUN_DEFAULT);
	log_info(0, "tern stopping");
	serve_drain(s);
	rc = 0;
out:
	while (ninit > 0) {
		const struct service *svc = tern_services[--ninit];

		if (svc->deinit)
			svc->deinit(&s->env);
	}
	submit_dkim_keys_stop(&s->env.dkim_keys);
	if (s->env.srs != NULL) {
		srs_secrets_free(s->env.srs);
		free(s->env.srs);
	}
	dns_destroy(&s->env.dns);
	auth_pool_destroy(&s->env.auth_pool);
	auth_cache_destroy(&s->env.auth_cache);
	work_gate_destroy(&s->env.work_gate);
	if (s->env.store)
		store_close(&s->env.store);
	throttle_destroy(&s->env.throttle);
	server_destroy(&s->srv);
	uv_walk(&s->loop, close_walk, NULL);
	uv_run(&s->loop, UV_RUN_DEFAULT);
	uv_loop_close(&s->loop);
	if (rc == 0)
		log_info(0, "tern stopped");
	for (size_t i = 0; i < s->n_confs; i++)
		conf_free(&s->confs[i]);
	free(err);
	free(s);
	return rc;
}
