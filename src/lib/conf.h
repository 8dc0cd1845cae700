/* conf.h - tern.conf: the one configuration file.
 *
 * Format (versioned; a config that worked keeps working):
 *
 *   # comment
 *   version = 1
 *   hostname = mail.example.org
 *   data_dir = /var/lib/tern
 *   listen = smtp 0.0.0.0:25 starttls
 *   listen = imap [::]:993 tls
 *
 *   [smtp]
 *   max_message_size = 50M
 *
 * Keys are "name = value"; a [section] prefixes the keys after it
 * ("[smtp] max_message_size" is the key "smtp.max_message_size"), and
 * [global] returns to top-level keys. A key may be set once (only
 * "listen" repeats); at least one listen is required.
 * Values: strings (rest of the line, trimmed; optional "double quotes"),
 * numbers, sizes (K/M/G suffixes), durations (ms/s/m/h/d suffixes, bare
 * numbers are seconds), booleans (yes/no/true/false/on/off).
 * Every key has a default (see conf-keys.c and the README); unknown keys
 * are errors that name file:line. */
#ifndef TERN_CONF_H
#define TERN_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum tls_mode { TLS_MODE_NONE, TLS_MODE_STARTTLS, TLS_MODE_IMPLICIT };

struct listener_conf {
	char *proto;		/* smtp, submission, submissions, imap, imaps, pop3, pop3s,
				   http, https, metrics */
	char *address;		/* numeric IPv4 or IPv6 */
	int port;
	enum tls_mode tls;
	int line;		/* where it was defined, for messages */
};

struct tern_conf {
	char *path;
	int version;
	char *hostname;
	char *data_dir;
	char *user;		/* unprivileged user to drop to when started as root */
	char *log_level;

	struct {
		char *cert;	/* PEM chain */
		char *key;	/* PEM private key */
		char *min_version;	/* "TLSv1.2" or "TLSv1.3" */
		char *ciphers;	/* TLS 1.2 cipher list */
	} tls;

	struct listener_conf *listeners;
	size_t n_listeners;

	struct {
		uint64_t max_connections;	/* all protocols */
		uint64_t max_connections_per_ip;
		uint64_t shutdown_timeout_ms;	/* SIGTERM: wait this long for sessions */
		bool allow_plaintext_auth;	/* allow password logins before TLS from non-loopback */
		uint64_t worker_jobs_per_account; /* thread-pool share */
		uint64_t worker_jobs_per_session;
		uint64_t output_high_water;	/* unsent reply bytes that stop reading a connection */
		uint64_t commands_per_turn;	/* input lines one connection runs per loop turn */
	} server;

	struct {
		uint64_t max_line;		/* command line bytes, CRLF included */
		uint64_t max_message_size;
		uint64_t max_data_line;		/* message line bytes, CRLF included */
		uint64_t max_recipients;
		uint64_t max_hops;
		uint64_t max_header_field;	/* bytes DKIM sees of one field */
		uint64_t max_errors;		/* bad commands before 421 */
		uint64_t timeout_greeting_ms;	/* RFC 5321 4.5.3.2 */
		uint64_t timeout_command_ms;
		uint64_t timeout_data_ms;	/* between DATA blocks */
		uint64_t greeting_delay_ms;	/* early-talker detection window */
		bool require_tls_for_auth;	/* submission: STARTTLS before AUTH */
		bool allow_sender_mismatch;	/* submission: From/envelope not the account's */
		char *postmaster;	/* target of postmaster@ every local domain */
		char *abuse;		/* target of abuse@ every local domain */
	} smtp;

	struct {
		uint64_t max_line;
		uint64_t max_line_preauth;
		uint64_t max_literal;		/* APPEND size; APPENDLIMIT */
		uint64_t max_literal_preauth;
		uint64_t max_multiappend;	/* messages in one APPEND */
		uint64_t multiappend_memory;	/* of them held in memory */
		uint64_t max_args;
		uint64_t max_depth;		/* list nesting */
		uint64_t max_notify_mailboxes;	/* names in one NOTIFY SET */
		uint64_t notify_fetch_max;	/* bytes of MessageNew FETCH */
		uint64_t max_urlfetch;	/* URLs in one URLFETCH/GENURLAUTH */
		uint64_t timeout_preauth_ms;
		uint64_t timeout_ms;		/* authenticated, RFC 9051: >= 30 min */
		uint64_t timeout_idle_ms;	/* IDLE */
		char *metadata_admin;		/* METADATA /shared/admin */
		uint64_t max_search_updates;	/* RFC 5267 UPDATE contexts */
		uint64_t progress_ms;		/* INPROGRESS (RFC 9585) */
		bool search_index;		/* BODY/TEXT: full-text index */
	} imap;

	struct {
		uint64_t max_line;
		uint64_t timeout_ms;		/* RFC 1939: >= 10 min */
		uint64_t max_errors;		/* bad commands before disconnect */
	} pop3;

	struct {
		char *plus_separator;
		uint64_t default_quota_bytes;	/* 0 = unlimited */
		uint64_t default_quota_messages;
		uint64_t mime_max_depth;
		uint64_t mime_max_parts;
		uint64_t inline_max;		/* bodies up to this live in the db */
		uint64_t parse_cache;		/* bytes of parse rows in memory */
		uint64_t max_mailboxes;		/* per account; 0: unlimited */
		uint64_t acl_max_entries;	/* per mailbox */
		uint64_t acl_max_identifier;	/* bytes */
		uint64_t metadata_max_value;	/* METADATA limits; 0: none */
		uint64_t metadata_max_entries_mailbox;
		uint64_t metadata_max_entries;
		uint64_t metadata_max_bytes;
		uint64_t preview_parts;		/* PREVIEW: parts tried */
		uint64_t preview_read;		/* PREVIEW: bytes of a part */
		uint64_t fts_max_size;		/* bigger: not indexed */
		uint64_t fts_inline_max;	/* bigger: indexed when idle */
	} store;

	struct {
		uint64_t max_failures;		/* per connection before disconnect */
		uint64_t min_password_length;	/* characters, for new passwords */
		uint64_t throttle_max_delay_ms;
		uint64_t throttle_block_after;	/* failures per IP in the window */
		uint64_t throttle_window_ms;
		uint64_t workers;		/* password verification threads */
		uint64_t cache_entries;		/* verified logins kept; 0: none */
		uint64_t cache_ttl_ms;		/* how long one is kept */
	} auth;

	struct {
		char *relay_host;		/* smarthost host:port, empty = MX routing */
		char *relay_user;
		char *relay_password;
		uint64_t max_age_ms;		/* bounce after this (default 5 days) */
		uint64_t delay_warning_ms;	/* delay DSN after this (0 = never) */
		uint64_t max_concurrency;	/* outbound sessions in all */
		uint64_t max_per_destination;
		char *require_tls_domains;	/* space separated */
		uint64_t connect_timeout_ms;
		uint64_t port;			/* destination port (25; tests use others) */
		uint64_t timeout_command_ms;	/* RFC 5321 4.5.3.2: greeting, EHLO, MAIL, RCPT (5m) */
		uint64_t timeout_data_init_ms;	/* DATA -> 354 (2m) */
		uint64_t timeout_data_block_ms;	/* each write of the body (3m) */
		uint64_t timeout_data_end_ms;	/* "." -> 250 (10m) */
		uint64_t min_backoff_ms;	/* first retry after this, doubling */
		uint64_t max_backoff_ms;	/* longest wait between attempts */
		uint64_t queue_poll_ms;		/* look at the store at least this often */
		uint64_t max_active;		/* queued messages held in memory */
	} relay;

	struct {
		char *resolver;			/* "ip[@port]" forwarder; empty = /etc/resolv.conf */
		char *unbound_config;		/* optional unbound.conf for libunbound */
		uint64_t max_answer_records;	/* one dns_lookup answer */
		uint64_t max_answer_size;	/* its decoded bytes */
	} dns;

	struct {
		uint64_t max_header_size;	/* request line + fields: 431 */
		uint64_t max_body_size;		/* request body: 413 */
		uint64_t max_connections;	/* http and https listeners */
		uint64_t max_admin_connections;	/* metrics listeners */
		uint64_t request_timeout_ms;	/* HTTP/1 request headers must arrive within */
		uint64_t idle_timeout_ms;	/* HTTP/2 connection without traffic */
		uint64_t max_streams;		/* HTTP/2 concurrent requests per connection */
	} http;

	struct {
		uint64_t max_size_request;	/* API request body */
		uint64_t max_calls_in_request;
		uint64_t max_concurrent_requests;	/* per account */
		uint64_t max_json_depth;	/* refused before parsing */
		uint64_t max_objects_in_get;
		uint64_t max_objects_in_set;
		uint64_t max_query_results;
		uint64_t max_size_upload;
		uint64_t max_concurrent_upload;	/* per account */
		uint64_t upload_expiry_ms;
		uint64_t token_lifetime_ms;
		uint64_t session_lifetime_ms;	/* webmail cookie */
		uint64_t push_connections_per_account;
		uint64_t push_ping_min_ms;
		uint64_t push_idle_timeout_ms;
	} jmap;

	struct {
		bool enable;			/* SPF, DKIM, DMARC on port 25 */
		bool dmarc_reject;		/* p=reject failures: 550 */
		bool quarantine;		/* p=quarantine failures: Junk */
		bool spf_fail_reject;		/* SPF fail alone: 550 */
		uint64_t timeout_ms;		/* wait at the end of DATA */
		char *trusted_forwarders;	/* IPs/prefixes: no DMARC enforcement */
		uint64_t max_signatures;	/* DKIM signatures verified */
		uint64_t dkim_max_rsa_bits;	/* bigger keys: permerror */
		uint64_t spf_dns_terms;		/* RFC 7208 4.6.4 limits */
		uint64_t spf_void_lookups;
		uint64_t spf_mx_ptr_names;
		uint64_t spf_max_lookups;	/* every question of one check */
		uint64_t spf_record_max;	/* bytes of one SPF record */
		bool sign;			/* DKIM-sign submitted mail */
		uint64_t dkim_key_poll_ms;	/* look for new keys (0: SIGHUP only) */
		/* ARC (smtp-arc.c) */
		bool arc_seal;			/* seal mail forwarded by alias */
		char *arc_trusted_sealers;	/* domains: ARC pass spares DMARC */
	} auth_checks;

	struct {
		bool enable;			/* send aggregate reports */
		char *org_name;			/* "": the host name */
		char *from;			/* "": dmarc-noreply@<first domain> */
		uint64_t hour;			/* UTC hour of the daily send */
		uint64_t max_rows_per_day;	/* checked messages recorded */
		uint64_t retention_ms;		/* unreported rows kept */
		uint64_t max_report_size;	/* XML of one report read or sent */
		char *mailbox;			/* received reports go there */
	} dmarc_reports;

	struct {
		bool enable;			/* run users' scripts at delivery */
		uint64_t max_script_size;	/* bytes of one script */
		uint64_t max_scripts;		/* scripts of one account */
		uint64_t quota;			/* bytes of all of one account's */
		uint64_t max_nesting;		/* blocks and tests nested */
		uint64_t max_actions;		/* actions of one run */
		uint64_t max_redirects;		/* redirects of one run */
		uint64_t max_cpu_ms;		/* CPU time of one run */
		uint64_t max_includes;		/* includes run, all scripts */
		uint64_t max_include_depth;
		uint64_t max_variable_size;
		uint64_t max_variables;
		uint64_t vacation_min_days;
		uint64_t vacation_max_days;
		uint64_t vacation_default_days;
		char *spamtest_header;		/* spamtest's score field */
		uint64_t spamtest_max;		/* that score is 10 / 100% */
		char *virustest_header;		/* virustest's field */
		char *global_dir;		/* include :global scripts */
	} sieve;

	struct {
		uint64_t max_line;		/* command line bytes */
		uint64_t max_literal_preauth;
		uint64_t timeout_ms;		/* idle session */
		uint64_t max_errors;		/* bad commands before BYE */
	} managesieve;

	struct {
		char *smtp;			/* filters for port 25 */
		char *submission;		/* filters for 587/465 */
		char *default_action;		/* filter down: accept|tempfail|reject */
		uint64_t connect_timeout_ms;
		uint64_t command_timeout_ms;
		uint64_t eom_timeout_ms;	/* end of message */
		uint64_t max_reply_size;	/* one milter packet read */
	} milter;

	struct {
		bool enable;			/* rewrite forwarded senders */
		char *domain;			/* "" = the alias's domain */
		uint64_t max_age;		/* days a reverse is accepted */
	} srs;

	int *key_lines;		/* per conf_keys entry: the line that set it, 0 = default */
};

/* Load and validate a config file. On error returns NULL and sets
 * *error_r to a malloc'd "file:line: what is wrong" message. */
struct tern_conf *conf_load(const char *path, char **error_r);
/* Defaults only (for tests and `tern init`). */
struct tern_conf *conf_defaults(void);
/* Parse config text (path used only in messages). */
struct tern_conf *conf_parse(const char *path, const char *text, size_t len,
			     char **error_r);
void conf_free(struct tern_conf **conf);

/* The line that set key ("tls.cert"), 0 when it kept its default. */
int conf_key_line(const struct tern_conf *conf, const char *key);
/* A malloc'd "file:line: key: what is wrong" about key's value
 * ("file: key: ..." when the key kept its default). */
char *conf_key_error(const struct tern_conf *conf, const char *key,
		     const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* "1.5M" -> 1572864; false on junk or overflow */
bool conf_parse_size(const char *s, uint64_t *out);
/* "30s" -> 30000, "10m" -> 600000, "5" -> 5000; false on junk */
bool conf_parse_duration_ms(const char *s, uint64_t *out);
bool conf_parse_bool(const char *s, bool *out);
/* "127.0.0.1:25", "[::1]:143" -> address + port; false on junk */
bool conf_parse_hostport(const char *s, char **addr_r, int *port_r);

const char *tls_mode_name(enum tls_mode m);

#endif
