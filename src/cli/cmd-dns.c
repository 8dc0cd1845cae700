/* cmd-dns.c - `tern dns DOMAIN`: the records to publish, in zone-file
 * syntax; `tern dns check DOMAIN`: look each up and say OK / MISSING /
 * WRONG. The records come from mailauth/publish.c; the lookups use
 * libunbound synchronously (a CLI, no loop) configured from [dns] the
 * way the server's resolver is (dns.resolver, dns.unbound_config). */
#include "cli/cli.h"
#include "dns/dns.h"
#include "lib/buf.h"
#include "lib/idn.h"
#include "mailauth/dkim.h"
#include "mailauth/publish.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unbound.h>

#define MAX_ADDRS 16

/* ---- the host's public addresses ---------------------------------------- */

static bool
public_address(const char *a)
{
	unsigned char b[16];

	if (inet_pton(AF_INET, a, b) == 1)
		return !(b[0] == 0 || b[0] == 10 || b[0] == 127 ||
			 (b[0] == 100 && (b[1] & 0xc0) == 64) ||
			 (b[0] == 169 && b[1] == 254) ||
			 (b[0] == 172 && (b[1] & 0xf0) == 16) ||
			 (b[0] == 192 && b[1] == 168) || b[0] >= 224);
	if (inet_pton(AF_INET6, a, b) == 1)
		return (b[0] & 0xe0) == 0x20;	/* global unicast 2000::/3 */
	return false;
}

static void
add_addr(char **v, size_t *n, const char *a)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp(v[i], a) == 0)
			return;
	if (*n < MAX_ADDRS)
		v[(*n)++] = xstrdup(a);
}

/* --address values; else listeners on a public address; else public
 * interface addresses when some listener is on a wildcard */
static void
host_addresses(const struct tern_conf *conf, char **given, size_t n_given,
	       char **v, size_t *n)
{
	bool wildcard = false;
	struct ifaddrs *ifa;

	*n = 0;
	for (size_t i = 0; i < n_given; i++)
		add_addr(v, n, given[i]);
	if (*n > 0)
		return;
	for (size_t i = 0; i < conf->n_listeners; i++) {
		const char *a = conf->listeners[i].address;

		if (!strcmp(a, "0.0.0.0") || !strcmp(a, "::"))
			wildcard = true;
		else if (public_address(a))
			add_addr(v, n, a);
	}
	if (*n > 0 || !wildcard || getifaddrs(&ifa) != 0)
		return;
	for (struct ifaddrs *i = ifa; i; i = i->ifa_next) {
		char t[INET6_ADDRSTRLEN];
		const void *src;

		if (i->ifa_addr == NULL)
			continue;
		if (i->ifa_addr->sa_family == AF_INET)
			src = &((struct sockaddr_in *)(void *)i->ifa_addr)->sin_addr;
		else if (i->ifa_addr->sa_family == AF_INET6)
			src = &((struct sockaddr_in6 *)(void *)i->ifa_addr)->sin6_addr;
		else
			continue;
		if (inet_ntop(i->ifa_addr->sa_family, src, t, sizeof t) &&
		    public_address(t))
			add_addr(v, n, t);
	}
	freeifaddrs(ifa);
}

/* ---- printing ---------------------------------------------------------- */

static void
print_zone(const char *domain, const struct publish_set *s)
{
	printf("; tern dns %s: the records to publish, in zone-file syntax\n", domain);
	for (size_t i = 0; i < s->n; i++) {
		const struct publish_rr *r = &s->rr[i];

		if (r->comment)
			printf("\n; %s\n", r->comment);
		printf("%s 3600 IN %s %s\n", r->name, r->type, r->data);
	}
	if (s->n_notes)
		printf("\n");
	for (size_t i = 0; i < s->n_notes; i++)
		printf("; %s\n", s->notes[i]);
}

/* ---- checking ---------------------------------------------------------- */

enum { T_A = 1, T_CNAME = 5, T_PTR = 12, T_MX = 15, T_TXT = 16, T_AAAA = 28,
       T_SRV = 33 };

struct found {
	int status;		/* 0 data, 1 no data, 2 nxdomain, -1 failure */
	char *v[32];
	size_t n;
	char *error;
};

static void
found_free(struct found *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->v[i]);
	free(f->error);
	memset(f, 0, sizeof *f);
}

/* an uncompressed wire name at p (libunbound's rdata) */
static bool
wire_name(const unsigned char *p, size_t len, size_t *off, struct buf *out)
{
	size_t i = *off;
	bool any = false;

	while (i < len) {
		size_t l = p[i++];

		if (l == 0) {
			if (!any)
				buf_append_byte(out, '.');
			*off = i;
			return true;
		}
		if (l > 63 || i + l > len)
			return false;
		for (size_t k = 0; k < l; k++)
			buf_append_byte(out, (unsigned char)tolower(p[i + k]));
		buf_append_byte(out, '.');
		i += l;
		any = true;
	}
	return false;
}

static char *
rdata_text(int type, const unsigned char *p, size_t len)
{
	struct buf b;
	size_t off = 0;
	char t[INET6_ADDRSTRLEN];

	buf_init(&b);
	switch (type) {
	case T_A:
	case T_AAAA:
		if (len != (type == T_A ? 4u : 16u) ||
		    !inet_ntop(type == T_A ? AF_INET : AF_INET6, p, t, sizeof t))
			goto bad;
		buf_append_str(&b, t);
		break;
	case T_MX:
		if (len < 3)
			goto bad;
		buf_printf(&b, "%u ", (unsigned)(p[0] << 8 | p[1]));
		off = 2;
		if (!wire_name(p, len, &off, &b))
			goto bad;
		break;
	case T_SRV:
		if (len < 7)
			goto bad;
		buf_printf(&b, "%u %u %u ", (unsigned)(p[0] << 8 | p[1]),
			   (unsigned)(p[2] << 8 | p[3]), (unsigned)(p[4] << 8 | p[5]));
		off = 6;
		if (!wire_name(p, len, &off, &b))
			goto bad;
		break;
	case T_CNAME:
	case T_PTR:
		if (!wire_name(p, len, &off, &b))
			goto bad;
		break;
	case T_TXT:
		while (off < len) {
			size_t l = p[off++];

			if (off + l > len)
				goto bad;
			for (size_t k = 0; k < l; k++)
				buf_append_byte(&b, p[off + k] ? p[off + k] : '?');
			off += l;
		}
		break;
	}
	return buf_steal(&b);
bad:
	buf_free(&b);
	return xstrdup("(undecodable record)");
}

static void
lookup(struct ub_ctx *ub, const char *name, int type, struct found *f)
{
	struct ub_result *res = NULL;
	int err = ub_resolve(ub, name, type, 1, &res);

	memset(f, 0, sizeof *f);
	if (err != 0 || res == NULL || res->bogus || res->rcode == 2 ||
	    (res->rcode != 0 && res->rcode != 3)) {
		f->status = -1;
		f->error = xasprintf("DNS failure: %s", err ? ub_strerror(err) :
				     res && res->bogus ? "bogus (DNSSEC)" : "SERVFAIL");
	} else if (res->nxdomain) {
		f->status = 2;
	} else if (!res->havedata) {
		f->status = 1;
	} else {
		for (size_t i = 0; res->data[i] && f->n < 32; i++)
			f->v[f->n++] = rdata_text(type, (unsigned char *)res->data[i],
						  (size_t)res->len[i]);
	}
	if (res)
		ub_resolve_free(res);
}

static int
type_code(const char *t)
{
	static const struct { const char *n; int c; } m[] = {
		{ "A", T_A }, { "AAAA", T_AAAA }, { "CNAME", T_CNAME },
		{ "PTR", T_PTR }, { "MX", T_MX }, { "TXT", T_TXT }, { "SRV", T_SRV },
	};

	for (size_t i = 0; i < sizeof m / sizeof m[0]; i++)
		if (strcmp(m[i].n, t) == 0)
			return m[i].c;
	return 0;
}

static void
report(const char *status, const char *type, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void
report(const char *status, const char *type, const char *name, const char *fmt, ...)
{
	va_list ap;

	printf("%-7s %-5s %s ", status, type, name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static void
found_list(const struct found *f, struct buf *out)
{
	for (size_t i = 0; i < f->n; i++)
		buf_printf(out, "%s\"%s\"", i ? ", " : "", f->v[i]);
}

/* the records among f that belong to rr's kind (TXT: same first tag) */
static bool
same_kind(const struct publish_rr *rr, const char *v)
{
	size_t n;

	if (rr->check != PUBLISH_SPF && rr->check != PUBLISH_DMARC &&
	    rr->check != PUBLISH_PREFIX)
		return true;
	n = strcspn(rr->value, "; ");
	return strncasecmp(rr->value, v, n) == 0 &&
		(v[n] == ';' || v[n] == ' ' || v[n] == '\0');
}

/* CNAME to the host, or an address of the host */
static int
check_alias(struct ub_ctx *ub, const struct publish_rr *rr, const char *host)
{
	struct found c, a, h;
	int bad = 0;

	lookup(ub, rr->name, T_CNAME, &c);
	if (c.status == 0) {
		bool ok = c.n == 1 && strcasecmp(c.v[0], rr->data) == 0;

		if (ok)
			report("OK", "CNAME", rr->name, "%s", c.v[0]);
		else
			report("WRONG", "CNAME", rr->name, "found %s, want %s",
			       c.v[0], rr->data);
		bad = !ok;
		found_free(&c);
		return bad;
	}
	if (c.status < 0) {
		report("ERROR", "CNAME", rr->name, "%s", c.error);
		found_free(&c);
		return 1;
	}
	found_free(&c);
	/* no CNAME: the host's own addresses are as good */
	lookup(ub, rr->name, T_A, &a);
	lookup(ub, host, T_A, &h);
	for (size_t i = 0; a.status == 0 && i < a.n; i++)
		for (size_t k = 0; k < h.n; k++)
			if (strcmp(a.v[i], h.v[k]) == 0) {
				report("OK", "A", rr->name, "%s, an address of %s",
				       a.v[i], host);
				goto out;
			}
	bad = 1;
	if (a.status == 0) {
		struct buf l;

		buf_init(&l);
		found_list(&a, &l);
		report("WRONG", "A", rr->name, "found %s, not %s's address; want "
		       "CNAME %s", buf_cstr(&l), host, rr->data);
		buf_free(&l);
	} else {
		report("MISSING", "CNAME", rr->name, "want %s", rr->data);
	}
out:
	found_free(&a);
	found_free(&h);
	return bad;
}

static int
check_rr(struct ub_ctx *ub, const struct publish_rr *rr, const char *host)
{
	struct found f;
	size_t kind = 0, match = 0;
	int bad = 0;

	if (rr->check == PUBLISH_ALIAS)
		return check_alias(ub, rr, host);
	lookup(ub, rr->name, type_code(rr->type), &f);
	if (f.status < 0) {
		report("ERROR", rr->type, rr->name, "%s", f.error);
		found_free(&f);
		return 1;
	}
	for (size_t i = 0; i < f.n; i++) {
		if (!same_kind(rr, f.v[i]))
			continue;
		kind++;
		match += publish_matches(rr, f.v[i]);
	}
	if (kind == 0) {
		report("MISSING", rr->type, rr->name, "want %s", rr->data);
		bad = 1;
	} else if ((rr->check == PUBLISH_SPF || rr->check == PUBLISH_DMARC) && kind > 1) {
		struct buf l;

		buf_init(&l);
		found_list(&f, &l);
		report("WRONG", rr->type, rr->name, "%zu records of this kind (only "
		       "one may exist): %s", kind, buf_cstr(&l));
		buf_free(&l);
		bad = 1;
	} else if (match > 0) {
		for (size_t i = 0; i < f.n; i++)
			if (same_kind(rr, f.v[i]) && publish_matches(rr, f.v[i])) {
				report("OK", rr->type, rr->name, "%s",
				       rr->check == PUBLISH_DKIM ? "key matches" : f.v[i]);
				break;
			}
	} else {
		struct buf l;

		buf_init(&l);
		found_list(&f, &l);
		report("WRONG", rr->type, rr->name, "found %s, want %s",
		       buf_cstr(&l), rr->data);
		buf_free(&l);
		bad = 1;
	}
	found_free(&f);
	return bad;
}

/* with no known address: the host's addresses from DNS, and that each
 * one's PTR names the host (forward-confirmed reverse DNS) */
static int
check_reverse(struct ub_ctx *ub, const char *host)
{
	char *name = xasprintf("%s.", host);
	int bad = 0;
	size_t seen = 0;

	for (int t = 0; t < 2; t++) {
		int type = t ? T_AAAA : T_A;
		struct found a;

		lookup(ub, name, type, &a);
		if (a.status < 0) {
			report("ERROR", t ? "AAAA" : "A", name, "%s", a.error);
			bad = 1;
		}
		for (size_t i = 0; a.status == 0 && i < a.n; i++) {
			unsigned char b[16];
			struct buf rev;
			struct found p;
			bool ok = false;

			seen++;
			report("OK", t ? "AAAA" : "A", name, "%s", a.v[i]);
			buf_init(&rev);
			if (inet_pton(t ? AF_INET6 : AF_INET, a.v[i], b) != 1) {
				buf_free(&rev);
				continue;
			}
			if (t)
				for (int k = 15; k >= 0; k--)
					buf_printf(&rev, "%x.%x.", b[k] & 0xf, b[k] >> 4);
			else
				buf_printf(&rev, "%u.%u.%u.%u.", b[3], b[2], b[1], b[0]);
			buf_append_str(&rev, t ? "ip6.arpa." : "in-addr.arpa.");
			lookup(ub, buf_cstr(&rev), T_PTR, &p);
			for (size_t k = 0; p.status == 0 && k < p.n; k++)
				ok = ok || strcasecmp(p.v[k], name) == 0;
			if (ok)
				report("OK", "PTR", buf_cstr(&rev), "%s", name);
			else if (p.status < 0)
				report("ERROR", "PTR", buf_cstr(&rev), "%s", p.error);
			else if (p.n == 0)
				report("MISSING", "PTR", buf_cstr(&rev), "want %s "
				       "(ask the address's provider)", name);
			else
				report("WRONG", "PTR", buf_cstr(&rev), "found %s, want %s",
				       p.v[0], name);
			bad |= !ok;
			found_free(&p);
			buf_free(&rev);
		}
		found_free(&a);
	}
	if (seen == 0) {
		report("MISSING", "A", name, "the host has no address in DNS");
		bad = 1;
	}
	free(name);
	return bad;
}

/* the server's resolver settings (dns_ub_configure), asked synchronously */
static struct ub_ctx *
resolver_create(const struct tern_conf *conf)
{
	struct ub_ctx *ub = ub_ctx_create();
	char *err = NULL;

	if (ub == NULL) {
		fprintf(stderr, "tern: dns: ub_ctx_create failed\n");
		return NULL;
	}
	if (dns_ub_configure(ub, conf, &err) < 0) {
		fprintf(stderr, "tern: %s\n", err);
		free(err);
		ub_ctx_delete(ub);
		return NULL;
	}
	return ub;
}

/* ---- the command ---------------------------------------------------------- */

static bool
domain_valid(const char *d)
{
	size_t n = strlen(d);

	/* a mail domain has at least two labels ("check" alone is not one) */
	if (n == 0 || n > 253 || d[0] == '.' || d[n - 1] == '.' || strstr(d, "..") ||
	    !strchr(d, '.'))
		return false;
	for (; *d; d++)
		if (!isalnum((unsigned char)*d) && *d != '-' && *d != '.')
			return false;
	return true;
}

int
cmd_dns(struct cli *cli)
{
	struct tern_conf *conf;
	bool check = false;
	char *domain = NULL, **given, *addrs[MAX_ADDRS];
	size_t n_given = 0, n_addrs = 0, n_dkim = 0;
	struct dkim_dns_record *dk = NULL;
	struct publish_dkim *pd;
	struct publish_set set;
	char *err = NULL;
	int rc = 0;

	given = xcalloc((size_t)cli->argc + 1, sizeof(char *));
	for (int i = 0; i < cli->argc; i++) {
		const char *a = cli->argv[i];
		unsigned char b[16];

		if (strcmp(a, "--address") == 0 && i + 1 < cli->argc) {
			a = cli->argv[++i];
			if (inet_pton(AF_INET, a, b) != 1 && inet_pton(AF_INET6, a, b) != 1) {
				fprintf(stderr, "tern dns: --address: not an IP address: %s\n", a);
				free(given);
				return EXIT_USAGE;
			}
			given[n_given++] = cli->argv[i];
		} else if (strcmp(a, "check") == 0 && i == 0 && cli->argc > 1) {
			check = true;
		} else if (domain == NULL && a[0] != '-') {
			domain = cli->argv[i];
		} else {
			domain = NULL;
			break;
		}
	}
	/* an IDN is published under its A-label form: the names of a
	 * zone file are ASCII */
	if (domain != NULL)
		domain = idn_to_ascii(domain);
	if (domain == NULL || !domain_valid(domain)) {
		fprintf(stderr, "usage: tern dns [check] DOMAIN [--address IP]...\n");
		free(domain);
		free(given);
		return EXIT_USAGE;
	}
	conf = cli_load_conf(cli);
	if (conf == NULL) {
		free(domain);
		free(given);
		return EXIT_CONFIG;
	}
	/* the DKIM keys are tern's: read them as tern */
	if (cli_drop_privileges(conf) < 0) {
		conf_free(&conf);
		free(domain);
		free(given);
		return EXIT_CONFIG;
	}
	if (dkim_dns_records(conf->data_dir, domain, &dk, &n_dkim, &err) < 0) {
		fprintf(stderr, "tern dns: DKIM keys of %s: %s\n", domain, err);
		free(err);
		n_dkim = 0;
		rc = 1;
	}
	pd = xcalloc(n_dkim + 1, sizeof *pd);
	for (size_t i = 0; i < n_dkim; i++)
		pd[i] = (struct publish_dkim){ dk[i].name, dk[i].value,
					       dk[i].selector, dk[i].active };
	host_addresses(conf, given, n_given, addrs, &n_addrs);
	publish_records(conf, domain, pd, n_dkim, (const char *const *)addrs,
			n_addrs, &set);
	if (!check) {
		print_zone(domain, &set);
	} else {
		struct ub_ctx *ub = resolver_create(conf);

		if (ub == NULL) {
			rc = EXIT_CONFIG;
		} else {
			for (size_t i = 0; i < set.n; i++)
				rc |= check_rr(ub, &set.rr[i], conf->hostname);
			if (n_addrs == 0)
				rc |= check_reverse(ub, conf->hostname);
			ub_ctx_delete(ub);
		}
	}
	publish_set_free(&set);
	for (size_t i = 0; i < n_addrs; i++)
		free(addrs[i]);
	free(pd);
	dkim_dns_records_free(dk, n_dkim);
	conf_free(&conf);
	free(domain);
	free(given);
	return rc;
}
