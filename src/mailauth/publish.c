/* publish.c - the records `tern dns` prints (see publish.h).
 *
 * SPF "v=spf1 mx -all": the MX hosts send the domain's mail. DMARC
 * p=quarantine and TLS-RPT send their reports to postmaster@domain,
 * which tern delivers for every local domain (smtp.postmaster), so the
 * reports arrive instead of bouncing. SRV records follow RFC 6186 and
 * RFC 8314 (and _autodiscover._tcp, Outlook's, for the https listener);
 * a service no public listener offers gets the "." target ("not
 * offered", RFC 6186 3.4 / RFC 2782). */
#include "mailauth/publish.h"
#include "mailauth/dmarc.h"
#include "lib/buf.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define TTL "3600"

static struct publish_rr *
add(struct publish_set *s, const char *comment, const char *name,
    const char *type, char *data, enum publish_check check)
{
	struct publish_rr *r;

	s->rr = xrealloc(s->rr, (s->n + 1) * sizeof *s->rr);
	r = &s->rr[s->n++];
	memset(r, 0, sizeof *r);
	r->comment = comment ? xstrdup(comment) : NULL;
	r->name = xasprintf("%s.", name);
	r->type = type;
	r->data = data;
	r->value = xstrdup(data);
	r->check = check;
	return r;
}

static void
add_txt(struct publish_set *s, const char *comment, const char *name,
	const char *value, enum publish_check check)
{
	struct publish_rr *r = add(s, comment, name, "TXT",
				   publish_txt_data(value), check);

	free(r->value);
	r->value = xstrdup(value);
}

static void
note(struct publish_set *s, char *text)
{
	s->notes = xrealloc(s->notes, (s->n_notes + 1) * sizeof(char *));
	s->notes[s->n_notes++] = text;
}

char *
publish_txt_data(const char *value)
{
	struct buf b;
	size_t n = strlen(value), i = 0;

	buf_init(&b);
	do {
		size_t k = n - i > 255 ? 255 : n - i;

		if (i > 0)
			buf_append_byte(&b, ' ');
		buf_append_byte(&b, '"');
		for (size_t j = i; j < i + k; j++) {
			if (value[j] == '"' || value[j] == '\\')
				buf_append_byte(&b, '\\');
			buf_append_byte(&b, (unsigned char)value[j]);
		}
		buf_append_byte(&b, '"');
		i += k;
	} while (i < n);
	return buf_steal(&b);
}

static bool
loopback(const char *a)
{
	return strncmp(a, "127.", 4) == 0 || strcmp(a, "::1") == 0;
}

/* the public listener for an SRV service, or NULL */
static const struct listener_conf *
listener_for(const struct tern_conf *conf, const char *plain, bool implicit)
{
	for (size_t i = 0; i < conf->n_listeners; i++) {
		const struct listener_conf *l = &conf->listeners[i];
		size_t n = strlen(plain);
		bool is_s = strncmp(l->proto, plain, n) == 0 &&
			strcmp(l->proto + n, "s") == 0;
		bool is_plain = strcmp(l->proto, plain) == 0;

		if (loopback(l->address))
			continue;
		if (implicit && (is_s || (is_plain && l->tls == TLS_MODE_IMPLICIT)))
			return l;
		if (!implicit && is_plain && l->tls != TLS_MODE_IMPLICIT)
			return l;
	}
	return NULL;
}

static char *
reverse_name(const char *addr)
{
	unsigned char b[16];
	struct buf n;

	buf_init(&n);
	if (inet_pton(AF_INET, addr, b) == 1) {
		buf_printf(&n, "%u.%u.%u.%u.in-addr.arpa", b[3], b[2], b[1], b[0]);
	} else if (inet_pton(AF_INET6, addr, b) == 1) {
		for (int i = 15; i >= 0; i--)
			buf_printf(&n, "%x.%x.", b[i] & 0xf, b[i] >> 4);
		buf_append_str(&n, "ip6.arpa");
	} else {
		buf_free(&n);
		return NULL;
	}
	return buf_steal(&n);
}

void
publish_records(const struct tern_conf *conf, const char *domain,
		const struct publish_dkim *dkim, size_t n_dkim,
		const char *const *addrs, size_t n_addrs,
		struct publish_set *s)
{
	static const struct {
		const char *name, *plain;
		bool implicit;
	} srv[] = {
		{ "_submissions._tcp", "submission", true },
		{ "_submission._tcp", "submission", false },
		{ "_imaps._tcp", "imap", true },
		{ "_imap._tcp", "imap", false },
		{ "_pop3s._tcp", "pop3", true },
		{ "_pop3._tcp", "pop3", false },
	};
	const char *host = conf->hostname;
	char *t, *policy, *name;
	unsigned char h[8];
	char id[17];
	bool first;

	memset(s, 0, sizeof *s);
	t = xasprintf("10 %s.", host);
	add(s, "MX: other servers deliver mail for the domain to this host",
	    domain, "MX", t, PUBLISH_EXACT)->target = xstrdup(host);

	first = true;
	for (size_t i = 0; i < n_addrs; i++) {
		bool v6 = strchr(addrs[i], ':') != NULL;

		add(s, first ? "the host's addresses (in the zone of the host name)" : NULL,
		    host, v6 ? "AAAA" : "A", xstrdup(addrs[i]), PUBLISH_EXACT);
		first = false;
	}

	add_txt(s, "SPF (RFC 7208): only the domain's MX hosts send its mail",
		domain, "v=spf1 mx -all", PUBLISH_SPF);

	for (size_t i = 0; i < n_dkim; i++) {
		char *c = xasprintf("DKIM (RFC 6376): public key of selector %s%s",
				    dkim[i].selector,
				    dkim[i].active ? " (signs now)" :
				    " (kept published until retired)");

		add_txt(s, c, dkim[i].name, dkim[i].value, PUBLISH_DKIM);
		free(c);
	}
	if (n_dkim == 0)
		note(s, xasprintf("DKIM: no keys for %s yet: tern domain add %s makes them",
				  domain, domain));

	name = xasprintf("_dmarc.%s", domain);
	/* dmarc-reports@ reaches the postmaster's "DMARC Reports" */
	t = xasprintf("v=DMARC1; p=quarantine; rua=mailto:dmarc-reports@%s",
		      domain);
	add_txt(s, "DMARC (RFC 7489): receivers junk mail that fails SPF and DKIM "
		"alignment, and send aggregate reports to postmaster", name, t,
		PUBLISH_DMARC);
	free(t);
	free(name);

	name = xasprintf("_smtp._tls.%s", domain);
	t = xasprintf("v=TLSRPTv1; rua=mailto:postmaster@%s", domain);
	add_txt(s, "TLS-RPT (RFC 8460): senders report TLS failures to postmaster",
		name, t, PUBLISH_PREFIX);
	free(t);
	free(name);

	/* the id changes exactly when the policy does */
	policy = xasprintf("version: STSv1\nmode: testing\nmx: %s\nmax_age: 604800\n",
			   host);
	crypto_generichash(h, sizeof h, (const unsigned char *)policy,
			   strlen(policy), NULL, 0);
	sodium_bin2hex(id, sizeof id, h, sizeof h);
	name = xasprintf("_mta-sts.%s", domain);
	t = xasprintf("v=STSv1; id=%s", id);
	add_txt(s, "MTA-STS (RFC 8461): senders require TLS to the MX once the "
		"policy below is served at https://mta-sts.DOMAIN/.well-known/mta-sts.txt "
		"(tern does not serve HTTPS: a web server on the host must)",
		name, t, PUBLISH_PREFIX);
	free(t);
	free(name);
	for (char *line = policy, *nl; (nl = strchr(line, '\n')); line = nl + 1)
		note(s, xasprintf("  mta-sts.txt: %.*s", (int)(nl - line), line));
	free(policy);
	name = xasprintf("mta-sts.%s", domain);
	add(s, "the MTA-STS policy host", name, "CNAME",
	    xasprintf("%s.", host), PUBLISH_ALIAS)->target = xstrdup(host);
	free(name);

	for (size_t i = 0; i < sizeof srv / sizeof srv[0]; i++) {
		const struct listener_conf *l = listener_for(conf, srv[i].plain,
							     srv[i].implicit);

		name = xasprintf("%s.%s", srv[i].name, domain);
		t = l ? xasprintf("0 1 %d %s.", l->port, host) : xstrdup("0 0 0 .");
		add(s, i == 0 ? "mail clients find the servers (RFC 6186, RFC 8314; "
		    "target \".\": not offered)" : NULL, name, "SRV", t,
		    PUBLISH_EXACT)->target = xstrdup(l ? host : ".");
		free(name);
	}

	{
		/* Outlook asks _autodiscover._tcp for the HTTPS host */
		const struct listener_conf *l = listener_for(conf, "http", true);

		name = xasprintf("_autodiscover._tcp.%s", domain);
		t = l ? xasprintf("0 1 %d %s.", l->port, host) : xstrdup("0 0 0 .");
		add(s, "Outlook's Autodiscover, served by the https listener "
		    "(target \".\": no public https listener)", name, "SRV", t,
		    PUBLISH_EXACT)->target = xstrdup(l ? host : ".");
		free(name);
	}
	name = xasprintf("autoconfig.%s", domain);
	add(s, "names clients try for automatic setup (Thunderbird autoconfig, "
	    "Outlook autodiscover): the http and https listeners answer there "
	    "(the certificate must name them too); without them the SRV "
	    "records above do the work", name, "CNAME", xasprintf("%s.", host),
	    PUBLISH_ALIAS)->target = xstrdup(host);
	free(name);
	name = xasprintf("autodiscover.%s", domain);
	add(s, NULL, name, "CNAME", xasprintf("%s.", host),
	    PUBLISH_ALIAS)->target = xstrdup(host);
	free(name);

	first = true;
	for (size_t i = 0; i < n_addrs; i++) {
		char *rev = reverse_name(addrs[i]);

		if (rev == NULL)
			continue;
		add(s, first ? "reverse DNS (PTR): set by whoever provides the "
		    "address (hosting provider, ISP), not in the domain's zone; "
		    "receivers distrust hosts without it" : NULL,
		    rev, "PTR", xasprintf("%s.", host), PUBLISH_EXACT)->target =
			xstrdup(host);
		free(rev);
		first = false;
	}
	if (n_addrs == 0) {
		note(s, xasprintf("the host's public address is unknown (listeners on "
				  "wildcard or private addresses, no public interface "
				  "address; behind NAT give it with --address IP):"));
		note(s, xasprintf("  publish %s. A (and AAAA) with it, and ask its "
				  "provider for the reverse DNS (PTR) -> %s.", host, host));
	}
}

void
publish_set_free(struct publish_set *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->rr[i].comment);
		free(s->rr[i].name);
		free(s->rr[i].data);
		free(s->rr[i].value);
		free(s->rr[i].target);
	}
	for (size_t i = 0; i < s->n_notes; i++)
		free(s->notes[i]);
	free(s->rr);
	free(s->notes);
	memset(s, 0, sizeof *s);
}

/* the value of tag in a "a=b; c=d" list, white space removed */
static char *
tag_value(const char *list, const char *tag)
{
	size_t tl = strlen(tag);

	for (const char *p = list; p && *p; ) {
		const char *e = strchr(p, ';');
		const char *q = p;
		struct buf v;

		while (*q == ' ' || *q == '\t')
			q++;
		if (strncasecmp(q, tag, tl) == 0) {
			q += tl;
			while (*q == ' ' || *q == '\t')
				q++;
			if (*q == '=') {
				buf_init(&v);
				for (q++; *q && q != e; q++)
					if (!isspace((unsigned char)*q))
						buf_append_byte(&v, (unsigned char)*q);
				return buf_steal(&v);
			}
		}
		p = e ? e + 1 : NULL;
	}
	return NULL;
}

/* the last n space-separated fields of s */
static const char *
last_fields(const char *s, int n)
{
	const char *p = s + strlen(s);

	while (p > s && n > 0) {
		p--;
		if (*p == ' ' && --n == 0)
			return p + 1;
	}
	return s;
}

bool
publish_matches(const struct publish_rr *rr, const char *found)
{
	switch (rr->check) {
	case PUBLISH_EXACT:
		/* preference, priority and weight are the owner's choice:
		 * an MX names the host, an SRV the port and host ("." alone:
		 * not offered, whatever the port) */
		if (strcmp(rr->type, "MX") == 0)
			return strcasecmp(last_fields(rr->value, 1),
					  last_fields(found, 1)) == 0;
		if (strcmp(rr->type, "SRV") == 0)
			return strcmp(last_fields(rr->value, 1), ".") == 0 ?
				strcmp(last_fields(found, 1), ".") == 0 :
				strcasecmp(last_fields(rr->value, 2),
					   last_fields(found, 2)) == 0;
		return strcasecmp(rr->value, found) == 0;
	case PUBLISH_ALIAS:
		return strcasecmp(rr->value, found) == 0;
	case PUBLISH_SPF:
		return strcmp(rr->value, found) == 0;
	case PUBLISH_DKIM: {
		char *a = tag_value(rr->value, "p"), *b = tag_value(found, "p");
		bool ok = a && b && *a && strcmp(a, b) == 0;

		free(a);
		free(b);
		return ok;
	}
	case PUBLISH_DMARC: {
		struct dmarc_record r;
		bool ok;

		if (dmarc_record_parse(found, strlen(found), &r) != 0)
			return false;
		ok = r.p_valid;
		dmarc_record_free(&r);
		return ok;
	}
	case PUBLISH_PREFIX: {
		size_t n = strcspn(rr->value, ";");

		return strncmp(rr->value, found, n) == 0 &&
			(found[n] == ';' || found[n] == ' ' || found[n] == '\0');
	}
	}
	return false;
}
