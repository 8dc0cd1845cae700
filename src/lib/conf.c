/* conf.c - parse and validate tern.conf (format in conf.h) */
#include "lib/conf.h"
#include "lib/conf-keys.h"
#include "lib/buf.h"
#include "lib/log.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#define CONF_MAX_LISTENERS 64
#define CONF_MAX_FILE (1024 * 1024)

static const char *const protocols[] = {
	"smtp", "submission", "submissions", "imap", "imaps", "pop3", "pop3s",
	"http", "https", "metrics", "sieve",
	NULL
};

const char *
tls_mode_name(enum tls_mode m)
{
	switch (m) {
	case TLS_MODE_STARTTLS:
		return "starttls";
	case TLS_MODE_IMPLICIT:
		return "tls";
	default:
		return "plain";
	}
}

static bool
parse_suffixed(const char *s, uint64_t *out, const char *suffixes,
	       const uint64_t *mult, uint64_t bare)
{
	char *end;
	unsigned long long v;
	uint64_t m = bare;

	if (!isdigit((unsigned char)*s))
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		return false;
	if (*end != '\0') {
		const char *hit = NULL;
		size_t i;

		for (i = 0; suffixes[i] != '\0'; i++) {
			if (tolower((unsigned char)*end) == suffixes[i]) {
				hit = end;
				break;
			}
		}
		if (hit == NULL)
			return false;
		m = mult[i];
		end++;
		/* "ms" for milliseconds is listed as 'x' below */
		if (*end != '\0')
			return false;
	}
	if (m != 0 && v > UINT64_MAX / m)
		return false;
	*out = v * m;
	return true;
}

bool
conf_parse_size(const char *s, uint64_t *out)
{
	static const uint64_t mult[] = { 1024, 1024 * 1024, 1024 * 1024 * 1024ULL };

	return parse_suffixed(s, out, "kmg", mult, 1);
}

bool
conf_parse_duration_ms(const char *s, uint64_t *out)
{
	static const uint64_t mult[] = { 1000, 60000, 3600000, 86400000 };
	size_t n = strlen(s);

	if (n > 2 && strcmp(s + n - 2, "ms") == 0) {
		char tmp[32];
		static const uint64_t one[] = { 1 };

		if (n - 2 >= sizeof(tmp))
			return false;
		memcpy(tmp, s, n - 2);
		tmp[n - 2] = '\0';
		return parse_suffixed(tmp, out, "", one, 1);
	}
	return parse_suffixed(s, out, "smhd", mult, 1000);
}

bool
conf_parse_bool(const char *s, bool *out)
{
	if (!strcasecmp(s, "yes") || !strcasecmp(s, "true") || !strcasecmp(s, "on")) {
		*out = true;
		return true;
	}
	if (!strcasecmp(s, "no") || !strcasecmp(s, "false") || !strcasecmp(s, "off")) {
		*out = false;
		return true;
	}
	return false;
}

bool
conf_parse_hostport(const char *s, char **addr_r, int *port_r)
{
	const char *colon;
	char addr[INET6_ADDRSTRLEN + 1];
	unsigned char tmp[16];
	uint64_t port;
	size_t alen;

	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (close == NULL || close[1] != ':')
			return false;
		alen = (size_t)(close - s - 1);
		if (alen >= sizeof(addr))
			return false;
		memcpy(addr, s + 1, alen);
		addr[alen] = '\0';
		if (inet_pton(AF_INET6, addr, tmp) != 1)
			return false;
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL)
			return false;
		alen = (size_t)(colon - s);
		if (alen >= sizeof(addr))
			return false;
		memcpy(addr, s, alen);
		addr[alen] = '\0';
		if (inet_pton(AF_INET, addr, tmp) != 1)
			return false;
	}
	if (!slice_to_u64(slice_from_cstr(colon + 1), &port) || port == 0 ||
	    port > 65535)
		return false;
	*addr_r = xstrdup(addr);
	*port_r = (int)port;
	return true;
}

static const struct conf_key *
key_find(const char *name)
{
	for (const struct conf_key *k = conf_keys; k->name; k++)
		if (strcmp(k->name, name) == 0)
			return k;
	return NULL;
}

/* set one key; returns NULL or a static description of what is wrong */
static const char *
key_set(struct tern_conf *conf, const struct conf_key *k, const char *value)
{
	char *field = (char *)conf + k->offset;
	uint64_t v;
	bool b;

	switch (k->type) {
	case CONF_STRING:
		free(*(char **)field);
		*(char **)field = xstrdup(value);
		return NULL;
	case CONF_INT:
		if (!slice_to_u64(slice_from_cstr(value), &v) || v > 1000000)
			return "expected a number";
		*(int *)field = (int)v;
		return NULL;
	case CONF_NUMBER:
		if (!slice_to_u64(slice_from_cstr(value), &v))
			return "expected a number";
		*(uint64_t *)field = v;
		return NULL;
	case CONF_SIZE:
		if (!conf_parse_size(value, &v))
			return "expected a size like 512, 64K, 50M or 1G";
		*(uint64_t *)field = v;
		return NULL;
	case CONF_DURATION:
		if (!conf_parse_duration_ms(value, &v))
			return "expected a duration like 500ms, 30s, 10m, 1h or 5d";
		*(uint64_t *)field = v;
		return NULL;
	case CONF_BOOL:
		if (!conf_parse_bool(value, &b))
			return "expected yes or no";
		*(bool *)field = b;
		return NULL;
	}
	return "bad key type";
}

static size_t
keys_count(void)
{
	size_t n = 0;

	while (conf_keys[n].name)
		n++;
	return n;
}

int
conf_key_line(const struct tern_conf *conf, const char *key)
{
	const struct conf_key *k = key_find(key);

	return k && conf->key_lines ? conf->key_lines[k - conf_keys] : 0;
}

char *
conf_key_error(const struct tern_conf *conf, const char *key,
	       const char *fmt, ...)
{
	int line = conf_key_line(conf, key);
	char *msg, *out;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		abort();
	va_end(ap);
	if (line > 0)
		out = xasprintf("%s:%d: %s: %s", conf->path, line, key, msg);
	else
		out = xasprintf("%s: %s: %s", conf->path, key, msg);
	free(msg);
	return out;
}

struct tern_conf *
conf_defaults(void)
{
	struct tern_conf *conf = xcalloc(1, sizeof(*conf));

	conf->key_lines = xcalloc(keys_count(), sizeof(int));

	for (const struct conf_key *k = conf_keys; k->name; k++) {
		const char *err = key_set(conf, k, k->def);

		if (err != NULL) {
			fprintf(stderr, "tern: bad default for %s: %s\n", k->name, err);
			abort();
		}
	}
	conf->path = xstrdup("(defaults)");
	return conf;
}

void
conf_free(struct tern_conf **confp)
{
	struct tern_conf *conf = *confp;

	if (conf == NULL)
		return;
	for (const struct conf_key *k = conf_keys; k->name; k++)
		if (k->type == CONF_STRING)
			free(*(char **)((char *)conf + k->offset));
	for (size_t i = 0; i < conf->n_listeners; i++) {
		free(conf->listeners[i].proto);
		free(conf->listeners[i].address);
	}
	free(conf->listeners);
	free(conf->key_lines);
	free(conf->path);
	free(conf);
	*confp = NULL;
}

static bool
proto_known(const char *p)
{
	for (size_t i = 0; protocols[i]; i++)
		if (strcmp(protocols[i], p) == 0)
			return true;
	return false;
}

/* "listen = PROTO ADDR:PORT [plain|starttls|tls]" */
static const char *
parse_listen(struct tern_conf *conf, char *value, int line)
{
	char *save = NULL;
	char *proto = strtok_r(value, " \t", &save);
	char *hp = strtok_r(NULL, " \t", &save);
	char *mode = strtok_r(NULL, " \t", &save);
	struct listener_conf *l;

	if (proto == NULL || hp == NULL || strtok_r(NULL, " \t", &save))
		return "expected: listen = PROTOCOL ADDRESS:PORT [plain|starttls|tls]";
	if (!proto_known(proto))
		return "unknown protocol (smtp, submission, submissions, imap, imaps, "
		       "pop3, pop3s, http, https, metrics, sieve)";
	if (conf->n_listeners >= CONF_MAX_LISTENERS)
		return "too many listeners";
	conf->listeners = xrealloc(conf->listeners,
				   (conf->n_listeners + 1) * sizeof(*l));
	l = &conf->listeners[conf->n_listeners];
	memset(l, 0, sizeof(*l));
	if (!conf_parse_hostport(hp, &l->address, &l->port))
		return "bad address: expected IPV4:PORT or [IPV6]:PORT";
	l->proto = xstrdup(proto);
	l->line = line;
	if (mode == NULL) {
		/* the protocol's own convention */
		if (!strcmp(proto, "submissions") || !strcmp(proto, "imaps") ||
		    !strcmp(proto, "pop3s") || !strcmp(proto, "https"))
			l->tls = TLS_MODE_IMPLICIT;
		else if (!strcmp(proto, "http") || !strcmp(proto, "metrics"))
			l->tls = TLS_MODE_NONE;
		else
			l->tls = TLS_MODE_STARTTLS;
	} else if (!strcmp(mode, "plain")) {
		l->tls = TLS_MODE_NONE;
	} else if (!strcmp(mode, "starttls")) {
		l->tls = TLS_MODE_STARTTLS;
	} else if (!strcmp(mode, "tls")) {
		l->tls = TLS_MODE_IMPLICIT;
	} else {
		free(l->address);
		free(l->proto);
		return "bad TLS mode: expected plain, starttls or tls";
	}
	/* HTTP has no STARTTLS: plain or implicit TLS (https) */
	if (l->tls == TLS_MODE_STARTTLS && (!strcmp(proto, "http") ||
	    !strcmp(proto, "https") || !strcmp(proto, "metrics"))) {
		free(l->address);
		free(l->proto);
		return "HTTP has no STARTTLS: expected plain or tls";
	}
	conf->n_listeners++;
	return NULL;
}

static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/* checks that need the whole file; a malloc'd message or NULL */
static char *
conf_validate(struct tern_conf *conf, int last_line)
{
	if (conf->version != 1)
		return conf_key_error(conf, "version", "this tern reads config version 1");
	if (log_level_valid(conf->log_level) == false)
		return conf_key_error(conf, "log_level", "expected debug, info, warn or error");
	if (conf->data_dir[0] != '/')
		return conf_key_error(conf, "data_dir", "must be an absolute path");
	if (conf->smtp.max_line < 512)
		return conf_key_error(conf, "smtp.max_line", "RFC 5321 needs at least 512");
	if (conf->smtp.max_recipients < 1)
		return conf_key_error(conf, "smtp.max_recipients", "must be at least 1");
	if (conf->auth_checks.dkim_max_rsa_bits < 1024 ||
	    conf->auth_checks.dkim_max_rsa_bits > 16384)
		return conf_key_error(conf, "auth_checks.dkim_max_rsa_bits",
				      "expected 1024 to 16384");
	if (conf->auth_checks.spf_dns_terms < 1 ||
	    conf->auth_checks.spf_void_lookups < 1 ||
	    conf->auth_checks.spf_mx_ptr_names < 1 ||
	    conf->auth_checks.spf_max_lookups < 1 ||
	    conf->auth_checks.spf_record_max < 512)
		return conf_key_error(conf, "auth_checks.spf_dns_terms",
				      "SPF limits must be at least 1 (spf_record_max 512)");
	if (conf->smtp.max_hops < 1)
		return conf_key_error(conf, "smtp.max_hops", "must be at least 1");
	if (conf->pop3.max_line < 257)
		return conf_key_error(conf, "pop3.max_line", "RFC 2449 needs at least 257");
	/* h2o buffers at most 8K + 400K of request headers itself */
	if (conf->http.max_header_size < 1024 ||
	    conf->http.max_header_size > 400 * 1024)
		return conf_key_error(conf, "http.max_header_size",
				      "must be between 1K and 400K");
	if (conf->http.max_streams < 1)
		return conf_key_error(conf, "http.max_streams", "must be at least 1");
	if (conf->imap.max_line < 1024)
		return conf_key_error(conf, "imap.max_line", "must be at least 1024");
	if (conf->imap.max_line_preauth < 1024)
		return conf_key_error(conf, "imap.max_line_preauth", "must be at least 1024");
	if (strcmp(conf->tls.min_version, "TLSv1.2") != 0 &&
	    strcmp(conf->tls.min_version, "TLSv1.3") != 0)
		return conf_key_error(conf, "tls.min_version", "expected TLSv1.2 or TLSv1.3");
	for (size_t i = 0; i < conf->n_listeners; i++) {
		struct listener_conf *l = &conf->listeners[i];

		if (l->tls != TLS_MODE_NONE && (!conf->tls.cert[0] || !conf->tls.key[0]))
			return xasprintf("%s:%d: listener uses TLS but tls.cert and "
					 "tls.key are not set", conf->path, l->line);
		for (size_t j = 0; j < i; j++) {
			if (conf->listeners[j].port == l->port &&
			    !strcmp(conf->listeners[j].address, l->address))
				return xasprintf("%s:%d: address and port already used "
						 "by another listener", conf->path, l->line);
		}
	}
	if (conf->dmarc_reports.hour > 23)
		return conf_key_error(conf, "dmarc_reports.hour", "expected 0 to 23 (UTC)");
	/* a server that listens nowhere is a mistake, not a choice */
	if (conf->n_listeners == 0)
		return xasprintf("%s:%d: no listen line: tern would serve nothing "
				 "(listen = PROTOCOL ADDRESS:PORT [plain|starttls|tls])",
				 conf->path, last_line > 0 ? last_line : 1);
	return NULL;
}

/* one "key = value" line; NULL or a malloc'd message */
static char *
conf_line(struct tern_conf *conf, const char *full, char *value, int lineno)
{
	const struct conf_key *k;
	const char *err;
	int *seen;

	if (strcmp(full, "listen") == 0) {
		err = parse_listen(conf, value, lineno);
		return err ? xasprintf("%s:%d: %s", conf->path, lineno, err) : NULL;
	}
	k = key_find(full);
	if (k == NULL)
		return xasprintf("%s:%d: unknown key '%s'", conf->path, lineno, full);
	/* a second value would silently win: say where the first one is */
	seen = &conf->key_lines[k - conf_keys];
	if (*seen != 0)
		return xasprintf("%s:%d: duplicate key '%s' (already set at line %d)",
				 conf->path, lineno, full, *seen);
	err = key_set(conf, k, value);
	if (err != NULL)
		return xasprintf("%s:%d: %s: %s", conf->path, lineno, full, err);
	*seen = lineno;
	return NULL;
}

struct tern_conf *
conf_parse(const char *path, const char *text, size_t len, char **error_r)
{
	struct tern_conf *conf = conf_defaults();
	char section[64] = "";
	const char *p = text, *end = text + len;
	const char *err = NULL;
	char *msg = NULL;
	int lineno = 0;

	free(conf->path);
	conf->path = xstrdup(path);
	while (p < end && err == NULL && msg == NULL) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char *line = xstrndup(p, n), *s, *eq, *key, *value;
		char full[160];

		lineno++;
		p += n + (nl ? 1 : 0);
		if (memchr(line, '\0', n) != NULL) {
			err = "NUL byte in config";
		} else if ((s = trim(line))[0] == '\0' || s[0] == '#') {
			/* blank or comment */
		} else if (s[0] == '[') {
			size_t sl = strlen(s);

			if (s[sl - 1] != ']' || sl - 2 == 0 || sl - 2 >= sizeof(section))
				err = "bad section header: expected [name] ([global] for top-level keys)";
			else if (sl - 2 == 6 && memcmp(s + 1, "global", 6) == 0)
				section[0] = '\0';
			else {
				memcpy(section, s + 1, sl - 2);
				section[sl - 2] = '\0';
			}
		} else if ((eq = strchr(s, '=')) == NULL) {
			err = "expected key = value";
		} else {
			*eq = '\0';
			key = trim(s);
			value = trim(eq + 1);
			if (value[0] == '"') {
				size_t vl = strlen(value);

				if (vl < 2 || value[vl - 1] != '"')
					err = "unterminated quoted value";
				value[vl - 1] = '\0';
				value++;
			}
			if (section[0])
				snprintf(full, sizeof(full), "%s.%s", section, key);
			else
				snprintf(full, sizeof(full), "%s", key);
			if (err == NULL)
				msg = conf_line(conf, full, value, lineno);
		}
		free(line);
	}
	if (err != NULL)
		msg = xasprintf("%s:%d: %s", path, lineno, err);
	if (msg == NULL)
		msg = conf_validate(conf, lineno);
	if (msg != NULL) {
		*error_r = msg;
		conf_free(&conf);
		return NULL;
	}
	return conf;
}

struct tern_conf *
conf_load(const char *path, char **error_r)
{
	FILE *f = fopen(path, "r");
	struct buf b = BUF_INIT;
	struct tern_conf *conf;
	char chunk[4096];
	size_t n;

	if (f == NULL) {
		*error_r = xasprintf("%s: cannot open: %s", path, strerror(errno));
		return NULL;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		buf_append(&b, chunk, n);
		if (b.len > CONF_MAX_FILE) {
			fclose(f);
			buf_free(&b);
			*error_r = xasprintf("%s: file too large", path);
			return NULL;
		}
	}
	fclose(f);
	conf = conf_parse(path, (const char *)b.data, b.len, error_r);
	buf_free(&b);
	return conf;
}
