/* conf-keys.c - every key of tern.conf, its type and its default.
 *
 * One line per key. The README's config reference follows this table. */
#include "lib/conf-keys.h"

#include <stddef.h>

#define K(name, type, field, def, help) \
	{ name, type, offsetof(struct tern_conf, field), def, help }

const struct conf_key conf_keys[] = {
	K("version", CONF_INT, version, "1", "config format version"),
	K("hostname", CONF_STRING, hostname, "localhost", "name in greetings and Received headers"),
	K("data_dir", CONF_STRING, data_dir, "/var/lib/tern", "database, message blobs, queue (an absolute path)"),
	K("user", CONF_STRING, user, "tern", "user to run as after binding ports when started as root: must exist; `root` stays root"),
	K("log_level", CONF_STRING, log_level, "info", "debug, info, warn or error"),

	K("tls.cert", CONF_STRING, tls.cert, "", "PEM certificate chain"),
	K("tls.key", CONF_STRING, tls.key, "", "PEM private key"),
	K("tls.min_version", CONF_STRING, tls.min_version, "TLSv1.2", "TLSv1.2 or TLSv1.3"),
	K("tls.ciphers", CONF_STRING, tls.ciphers,
	  "ECDHE+AESGCM:ECDHE+CHACHA20:DHE+AESGCM:DHE+CHACHA20",
	  "TLS 1.2 cipher list (TLS 1.3 suites are OpenSSL's defaults)"),

	K("server.max_connections", CONF_NUMBER, server.max_connections, "10000", "connections, all listeners"),
	K("server.max_connections_per_ip", CONF_NUMBER, server.max_connections_per_ip, "100", "connections from one client address"),
	K("server.shutdown_timeout", CONF_DURATION, server.shutdown_timeout_ms, "10s", "SIGTERM: how long sessions may finish"),
	K("server.worker_jobs_per_account", CONF_NUMBER, server.worker_jobs_per_account, "2", "thread-pool jobs (SEARCH, FETCH, SELECT, LIST, POP3 reads) one account runs at once; the rest wait their turn (0: no limit)"),
	K("server.worker_jobs_per_session", CONF_NUMBER, server.worker_jobs_per_session, "1", "thread-pool jobs one session runs at once (0: no limit)"),
	K("server.allow_plaintext_auth", CONF_BOOL, server.allow_plaintext_auth, "no", "allow password logins (IMAP LOGIN, POP3 USER, every SASL mechanism, SCRAM too) without TLS from non-loopback clients"),
	K("server.output_high_water", CONF_SIZE, server.output_high_water, "1M", "a connection whose unsent replies exceed this is not read (nor its commands run) until they fall below 64K"),
	K("server.commands_per_turn", CONF_NUMBER, server.commands_per_turn, "64", "pipelined command lines one connection runs before the others get their turn"),

	K("smtp.max_line", CONF_SIZE, smtp.max_line, "2048", "command line length (RFC 5321: at least 512)"),
	K("smtp.max_message_size", CONF_SIZE, smtp.max_message_size, "50M", "SIZE limit"),
	K("smtp.max_data_line", CONF_SIZE, smtp.max_data_line, "64K", "longest message line accepted (RFC 5322: 1000)"),
	K("smtp.max_recipients", CONF_NUMBER, smtp.max_recipients, "100", "RCPT per message (RFC 5321: at least 100)"),
	K("smtp.max_hops", CONF_NUMBER, smtp.max_hops, "100", "Received: fields before a message is refused as a loop (RFC 5321 6.3: at least 100)"),
	K("smtp.max_errors", CONF_NUMBER, smtp.max_errors, "10", "bad commands before 421"),
	K("smtp.timeout_greeting", CONF_DURATION, smtp.timeout_greeting_ms, "5m", "RFC 5321 4.5.3.2"),
	K("smtp.timeout_command", CONF_DURATION, smtp.timeout_command_ms, "5m", "waiting for a command"),
	K("smtp.timeout_data", CONF_DURATION, smtp.timeout_data_ms, "3m", "between data blocks"),
	K("smtp.greeting_delay", CONF_DURATION, smtp.greeting_delay_ms, "0", "wait before the banner to catch early talkers"),
	K("smtp.require_tls_for_auth", CONF_BOOL, smtp.require_tls_for_auth, "yes", "submission: AUTH only after STARTTLS"),
	K("smtp.allow_sender_mismatch", CONF_BOOL, smtp.allow_sender_mismatch, "no", "submission: let users send as any address"),
	K("smtp.postmaster", CONF_STRING, smtp.postmaster, "", "local account or alias that gets postmaster@ every local domain and <Postmaster> (RFC 5321 4.5.1) unless an account or alias has that name (empty: the first account created)"),
	K("smtp.abuse", CONF_STRING, smtp.abuse, "", "local account or alias that gets abuse@ every local domain (RFC 2142) unless an account or alias has that name (empty: none)"),

	K("imap.max_line", CONF_SIZE, imap.max_line, "64K", "command line length"),
	K("imap.max_line_preauth", CONF_SIZE, imap.max_line_preauth, "40K", "before login (RFC 2971: an ID of 30 fields of 1,024 octets fits)"),
	K("imap.max_literal", CONF_SIZE, imap.max_literal, "50M", "APPEND size (APPENDLIMIT)"),
	K("imap.max_literal_preauth", CONF_SIZE, imap.max_literal_preauth, "8K", "literal before login"),
	K("imap.search_index", CONF_BOOL, imap.search_index, "yes", "SEARCH BODY/TEXT answer from the full-text index (no: read every message, as a reference)"),
	K("imap.max_args", CONF_NUMBER, imap.max_args, "10000", "arguments in one command"),
	K("imap.max_depth", CONF_NUMBER, imap.max_depth, "32", "parenthesis nesting"),
	K("imap.timeout_preauth", CONF_DURATION, imap.timeout_preauth_ms, "1m", "before login"),
	K("imap.timeout", CONF_DURATION, imap.timeout_ms, "30m", "authenticated (RFC 9051: at least 30 min)"),
	K("imap.timeout_idle", CONF_DURATION, imap.timeout_idle_ms, "30m", "in IDLE"),

	K("pop3.max_line", CONF_SIZE, pop3.max_line, "512", "command line (RFC 2449: 255 octets of arguments)"),
	K("pop3.timeout", CONF_DURATION, pop3.timeout_ms, "10m", "idle (RFC 1939: at least 10 min)"),
	K("pop3.max_errors", CONF_NUMBER, pop3.max_errors, "10", "bad commands before disconnect"),

	K("store.plus_separator", CONF_STRING, store.plus_separator, "+", "user+tag@ reaches user@ (empty: off)"),
	K("store.default_quota_bytes", CONF_SIZE, store.default_quota_bytes, "0", "new accounts (0: unlimited)"),
	K("store.default_quota_messages", CONF_NUMBER, store.default_quota_messages, "0", "new accounts (0: unlimited)"),
	K("store.mime_max_depth", CONF_NUMBER, store.mime_max_depth, "100", "MIME nesting parsed"),
	K("store.parse_cache", CONF_SIZE, store.parse_cache, "64M", "memory for the messages' parsed structure and decoded header fields, which FETCH and SEARCH read (0: none)"),
	K("store.inline_max", CONF_SIZE, store.inline_max, "64K", "bodies up to this size are kept in the database (one fsync per commit); larger ones in files"),
	K("store.fts_max_size", CONF_SIZE, store.fts_max_size, "16M", "messages up to this size go into the full-text index SEARCH BODY/TEXT use; bigger ones are read at each search (0: no limit)"),
	K("store.max_mailboxes", CONF_NUMBER, store.max_mailboxes, "10000", "mailboxes per account (0: unlimited); CREATE beyond it gets NO [LIMIT]"),
	K("store.mime_max_parts", CONF_NUMBER, store.mime_max_parts, "10000", "MIME parts parsed"),

	K("auth.min_password_length", CONF_NUMBER, auth.min_password_length, "8", "tern account add/passwd: shortest password, in characters"),
	K("auth.max_failures", CONF_NUMBER, auth.max_failures, "3", "failed logins per connection before disconnect"),
	K("auth.throttle_max_delay", CONF_DURATION, auth.throttle_max_delay_ms, "15s", "longest delay after failures"),
	K("auth.throttle_block_after", CONF_NUMBER, auth.throttle_block_after, "20", "failures from one address before refusing it"),
	K("auth.throttle_window", CONF_DURATION, auth.throttle_window_ms, "15m", "how long failures are remembered"),
	K("auth.workers", CONF_NUMBER, auth.workers, "2", "threads that verify passwords, apart from the thread pool searches and reads use (1-64)"),

	K("relay.relay_host", CONF_STRING, relay.relay_host, "", "smarthost host:port (empty: MX routing)"),
	K("relay.relay_user", CONF_STRING, relay.relay_user, "", "smarthost AUTH user"),
	K("relay.relay_password", CONF_STRING, relay.relay_password, "", "smarthost AUTH password"),
	K("relay.max_age", CONF_DURATION, relay.max_age_ms, "5d", "bounce undeliverable mail after this"),
	K("relay.delay_warning", CONF_DURATION, relay.delay_warning_ms, "4h", "send a delay notice after this (0: never)"),
	K("relay.max_concurrency", CONF_NUMBER, relay.max_concurrency, "100", "outbound sessions"),
	K("relay.max_per_destination", CONF_NUMBER, relay.max_per_destination, "10", "outbound sessions per host"),
	K("relay.require_tls_domains", CONF_STRING, relay.require_tls_domains, "", "domains that must get STARTTLS (space separated)"),
	K("relay.connect_timeout", CONF_DURATION, relay.connect_timeout_ms, "30s", "TCP connect"),
	K("relay.port", CONF_NUMBER, relay.port, "25", "destination port"),
	K("relay.timeout_command", CONF_DURATION, relay.timeout_command_ms, "5m", "greeting, EHLO, MAIL, RCPT replies (RFC 5321 4.5.3.2)"),
	K("relay.timeout_data_init", CONF_DURATION, relay.timeout_data_init_ms, "2m", "DATA reply"),
	K("relay.timeout_data_block", CONF_DURATION, relay.timeout_data_block_ms, "3m", "sending each block of the message"),
	K("relay.timeout_data_end", CONF_DURATION, relay.timeout_data_end_ms, "10m", "reply to the final dot"),
	K("relay.min_backoff", CONF_DURATION, relay.min_backoff_ms, "5m", "first retry delay (doubles each attempt)"),
	K("relay.max_backoff", CONF_DURATION, relay.max_backoff_ms, "1h", "longest retry delay"),
	K("relay.queue_poll", CONF_DURATION, relay.queue_poll_ms, "1m", "scan the queue at least this often (sees `tern queue` changes)"),
	K("relay.max_active", CONF_NUMBER, relay.max_active, "1000", "queued messages held in memory at once"),

	K("dns.resolver", CONF_STRING, dns.resolver, "", "forwarder ip[@port] (empty: /etc/resolv.conf)"),
	K("dns.unbound_config", CONF_STRING, dns.unbound_config, "", "unbound.conf for libunbound"),
	{ NULL, 0, 0, NULL, NULL }
};
