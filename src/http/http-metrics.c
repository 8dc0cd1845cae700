/* http-metrics.c - /metrics in the Prometheus text exposition format
 * (version 0.0.4): lib/metrics.h's counters, the store writer's
 * figures and the queue's size and age. `tern status` reads it. */
#include "http/http-private.h"

#include "lib/metrics.h"
#include "store/store.h"

#include <time.h>

static void
family(struct buf *b, const char *name, const char *type, const char *help)
{
	buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* one family with a sample per listener protocol */
static void
per_proto(struct buf *b, const char *name, const char *type,
	  const char *help, size_t offset)
{
	family(b, name, type, help);
	/* the last entry, "other", only catches names not listed */
	for (size_t i = 0; i + 1 < METRICS_PROTOS; i++) {
		const struct metrics_proto *m = &metrics.proto[i];
		uint64_t v = *(const uint64_t *)(const void *)((const char *)m + offset);

		buf_printf(b, "%s{protocol=\"%s\"} %llu\n", name, m->name,
			   (unsigned long long)v);
	}
}

static void
one(struct buf *b, const char *name, const char *type, const char *help,
    uint64_t v)
{
	family(b, name, type, help);
	buf_printf(b, "%s %llu\n", name, (unsigned long long)v);
}

void
http_metrics_format(struct buf *b, struct service_env *env)
{
	struct store_stats st;
	struct store_qstats q;
	int64_t now = (int64_t)time(NULL);
	static const char *const classes[] = { "other", "1xx", "2xx", "3xx",
					       "4xx", "5xx" };

	per_proto(b, "tern_connections_total", "counter", "Connections accepted.",
		  offsetof(struct metrics_proto, connections));
	per_proto(b, "tern_connections_open", "gauge", "Connections open now.",
		  offsetof(struct metrics_proto, open));
	per_proto(b, "tern_connections_refused_total", "counter",
		  "Connections refused by a connection limit.",
		  offsetof(struct metrics_proto, refused));
	per_proto(b, "tern_tls_handshakes_total", "counter",
		  "TLS handshakes completed (implicit TLS and STARTTLS).",
		  offsetof(struct metrics_proto, tls_handshakes));
	per_proto(b, "tern_tls_handshake_failures_total", "counter",
		  "TLS handshakes that failed.",
		  offsetof(struct metrics_proto, tls_failures));
	per_proto(b, "tern_commands_total", "counter",
		  "Commands read (SMTP, IMAP, POP3) and HTTP requests answered.",
		  offsetof(struct metrics_proto, commands));
	per_proto(b, "tern_logins_total", "counter",
		  "Logins accepted (passwords and SASL proofs): authenticated sessions.",
		  offsetof(struct metrics_proto, logins));
	per_proto(b, "tern_login_failures_total", "counter",
		  "Logins refused (wrong password, unknown user, blocked).",
		  offsetof(struct metrics_proto, login_failures));
	family(b, "tern_smtp_messages_total", "counter",
	       "SMTP transactions by the reply at the end of data.");
	buf_printf(b, "tern_smtp_messages_total{result=\"accepted\"} %llu\n"
		   "tern_smtp_messages_total{result=\"rejected\"} %llu\n"
		   "tern_smtp_messages_total{result=\"tempfailed\"} %llu\n",
		   (unsigned long long)metrics.smtp_accepted,
		   (unsigned long long)metrics.smtp_rejected,
		   (unsigned long long)metrics.smtp_tempfailed);
	family(b, "tern_relay_messages_total", "counter",
	       "Outbound deliveries by outcome (per message and destination).");
	buf_printf(b, "tern_relay_messages_total{result=\"delivered\"} %llu\n"
		   "tern_relay_messages_total{result=\"deferred\"} %llu\n"
		   "tern_relay_messages_total{result=\"bounced\"} %llu\n",
		   (unsigned long long)metrics.relay_delivered,
		   (unsigned long long)metrics.relay_deferred,
		   (unsigned long long)metrics.relay_bounced);
	family(b, "tern_http_responses_total", "counter",
	       "HTTP responses by status class.");
	for (size_t i = 0; i < 6; i++)
		buf_printf(b, "tern_http_responses_total{class=\"%s\"} %llu\n",
			   classes[i], (unsigned long long)metrics.http_status[i]);

	if (store_queue_stats(env->store, &q) == 0) {
		one(b, "tern_queue_messages", "gauge",
		    "Messages in the outbound queue.", q.messages);
		one(b, "tern_queue_recipients_pending", "gauge",
		    "Queued recipients still to be tried.", q.pending_rcpts);
		one(b, "tern_queue_oldest_age_seconds", "gauge",
		    "Age of the oldest queued message (0: queue empty).",
		    q.oldest > 0 && now > q.oldest ? (uint64_t)(now - q.oldest) : 0);
	}
	store_get_stats(env->store, &st);
	one(b, "tern_store_commits_total", "counter",
	    "Store commits (group commit batches).", st.batches);
	one(b, "tern_store_writes_total", "counter",
	    "Store writes committed; divided by commits: the mean batch size.",
	    st.ops);
	family(b, "tern_store_commit_seconds_total", "counter",
	       "Seconds spent committing (WAL fsync); divided by commits: the "
	       "mean commit latency.");
	buf_printf(b, "tern_store_commit_seconds_total %.6f\n", st.commit_s);
	family(b, "tern_store_sync_wait_seconds_total", "counter",
	       "Seconds the writer waited for message files to be durable.");
	buf_printf(b, "tern_store_sync_wait_seconds_total %.6f\n", st.sync_wait_s);
	family(b, "tern_store_exec_seconds_total", "counter",
	       "Seconds the writer spent executing writes.");
	buf_printf(b, "tern_store_exec_seconds_total %.6f\n", st.exec_s);
	family(b, "tern_build_info", "gauge", "The running tern's version.");
	buf_printf(b, "tern_build_info{version=\"%s\"} 1\n", TERN_VERSION);
}

void
http_metrics(h2o_req_t *req, struct service_env *env)
{
	struct buf b = BUF_INIT;

	http_metrics_format(&b, env);
	http_respond(req, 200, "OK", "text/plain; version=0.0.4; charset=utf-8",
		     b.data, b.len);
	buf_free(&b);
}
