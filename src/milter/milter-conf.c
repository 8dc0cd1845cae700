/* milter-conf.c - milter lists in Postfix syntax (contract in
 * milter-conf.h) */
#include "milter/milter-conf.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"

static const char *const milter_default_names[] = {
	[MILTER_DEFAULT_ACCEPT] = "accept",
	[MILTER_DEFAULT_TEMPFAIL] = "tempfail",
	[MILTER_DEFAULT_REJECT] = "reject",
	[MILTER_DEFAULT_QUARANTINE] = "quarantine",
};

int
milter_default_parse(const char *s, enum milter_default *out)
{
	for (size_t i = 0; i < sizeof(milter_default_names) /
	     sizeof(milter_default_names[0]); i++)
		if (strcmp(s, milter_default_names[i]) == 0) {
			*out = (enum milter_default)i;
			return 0;
		}
	return -1;
}

const char *
milter_default_name(enum milter_default d)
{
	return milter_default_names[d];
}

void
milter_specs_free(struct milter_specs *specs)
{
	for (size_t i = 0; i < specs->n; i++) {
		free(specs->v[i].name);
		free(specs->v[i].host);
		free(specs->v[i].path);
	}
	free(specs->v);
	specs->v = NULL;
	specs->n = 0;
}

static char *
milter_trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		*--e = '\0';
	return s;
}

/* "name=value" inside {...} */
static int
milter_option(struct milter_spec *m, char *opt, char **err_r)
{
	char *eq = strchr(opt, '='), *key, *val;
	uint64_t *field = NULL;

	if (eq == NULL) {
		*err_r = xasprintf("milter option '%s': expected name=value", opt);
		return -1;
	}
	*eq = '\0';
	key = milter_trim(opt);
	val = milter_trim(eq + 1);
	if (strcmp(key, "default_action") == 0) {
		if (milter_default_parse(val, &m->default_action) == 0)
			return 0;
		*err_r = xasprintf("milter default_action '%s': expected accept, "
				   "tempfail, reject or quarantine", val);
		return -1;
	}
	if (strcmp(key, "connect_timeout") == 0)
		field = &m->connect_ms;
	else if (strcmp(key, "command_timeout") == 0)
		field = &m->command_ms;
	else if (strcmp(key, "eom_timeout") == 0 ||
		 strcmp(key, "content_timeout") == 0)
		field = &m->eom_ms;
	if (field == NULL) {
		*err_r = xasprintf("unknown milter option '%s'", key);
		return -1;
	}
	if (!conf_parse_duration_ms(val, field) || *field == 0) {
		*err_r = xasprintf("milter %s '%s': expected a duration like 10s",
				   key, val);
		return -1;
	}
	return 0;
}

/* "inet:HOST:PORT", "unix:PATH", "local:PATH" */
static int
milter_address(struct milter_spec *m, const char *a, char **err_r)
{
	const char *colon;
	char *end;
	unsigned long port;
	unsigned char sa[16];

	if (strncmp(a, "unix:", 5) == 0 || strncmp(a, "local:", 6) == 0) {
		const char *p = strchr(a, ':') + 1;

		if (*p != '/') {
			*err_r = xasprintf("milter '%s': the socket path must be "
					   "absolute", a);
			return -1;
		}
		m->path = xstrdup(p);
		return 0;
	}
	if (strncmp(a, "inet:", 5) != 0) {
		*err_r = xasprintf("milter '%s': expected inet:HOST:PORT or "
				   "unix:PATH", a);
		return -1;
	}
	a += 5;
	colon = strrchr(a, ':');
	if (colon == NULL || colon == a || colon[1] == '\0') {
		*err_r = xasprintf("milter 'inet:%s': expected HOST:PORT", a);
		return -1;
	}
	port = strtoul(colon + 1, &end, 10);
	if (*end != '\0' || port == 0 || port > 65535) {
		*err_r = xasprintf("milter 'inet:%s': bad port", a);
		return -1;
	}
	if (a[0] == '[' && colon[-1] == ']')
		m->host = xstrndup(a + 1, (size_t)(colon - a) - 2);
	else
		m->host = xstrndup(a, (size_t)(colon - a));
	m->port = (uint16_t)port;
	/* no DNS on the loop for this: an IP literal (or localhost) */
	if (strcmp(m->host, "localhost") == 0) {
		free(m->host);
		m->host = xstrdup("127.0.0.1");
	}
	if (inet_pton(AF_INET, m->host, &sa) != 1 &&
	    inet_pton(AF_INET6, m->host, &sa) != 1) {
		*err_r = xasprintf("milter 'inet:%s': the host must be an IP "
				   "address", a);
		return -1;
	}
	return 0;
}

/* one entry: address, then an optional {options} */
static int
milter_entry(struct milter_specs *out, char *entry,
	     const struct tern_conf *conf, char **err_r)
{
	struct milter_spec *m;
	char *brace = strchr(entry, '{'), *opts = NULL;

	if (brace != NULL) {
		char *close = strchr(brace, '}');

		if (close == NULL || *milter_trim(close + 1) != '\0') {
			*err_r = xasprintf("milter '%s': unbalanced {...}", entry);
			return -1;
		}
		*close = '\0';
		*brace = '\0';
		opts = brace + 1;
	}
	entry = milter_trim(entry);
	out->v = xrealloc(out->v, (out->n + 1) * sizeof(*out->v));
	m = &out->v[out->n++];
	memset(m, 0, sizeof(*m));
	m->name = xstrdup(entry);
	if (milter_default_parse(conf->milter.default_action,
				 &m->default_action) != 0) {
		*err_r = xasprintf("milter.default_action '%s': expected accept, "
				   "tempfail, reject or quarantine",
				   conf->milter.default_action);
		return -1;
	}
	m->connect_ms = conf->milter.connect_timeout_ms;
	m->command_ms = conf->milter.command_timeout_ms;
	m->eom_ms = conf->milter.eom_timeout_ms;
	if (milter_address(m, entry, err_r) != 0) {
		if (*err_r == NULL)
			*err_r = xasprintf("milter '%s': bad address", entry);
		return -1;
	}
	while (opts != NULL) {
		char *next = strpbrk(opts, ", \t");
		char *o;

		if (next)
			*next++ = '\0';
		o = milter_trim(opts);
		if (*o && milter_option(m, o, err_r) != 0)
			return -1;
		opts = next;
	}
	return 0;
}

int
milter_specs_parse(const char *text, const struct tern_conf *conf,
		   struct milter_specs *out, char **err_r)
{
	char *copy = xstrdup(text), *p = copy;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	*err_r = NULL;
	/* entries end at a comma or blank outside {...} */
	while (*p && rc == 0) {
		char *s;
		int depth = 0;

		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '\0')
			break;
		s = p;
		while (*p && (depth > 0 || (*p != ',' && *p != ' ' &&
					   *p != '\t'))) {
			if (*p == '{')
				depth++;
			else if (*p == '}')
				depth--;
			p++;
			/* "addr {opts}": the options may follow a blank */
			if (depth == 0 && (*p == ' ' || *p == '\t')) {
				char *q = p;

				while (*q == ' ' || *q == '\t')
					q++;
				if (*q == '{')
					p = q;
			}
		}
		if (*p)
			*p++ = '\0';
		rc = milter_entry(out, s, conf, err_r);
	}
	free(copy);
	if (rc != 0)
		milter_specs_free(out);
	return rc;
}
