/* smtp-forwarders.c - auth_checks.trusted_forwarders (contract in
 * smtp-forwarders.h) */
#include "smtp/smtp-forwarders.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/buf.h"

struct smtp_fwd_q {
	struct smtp_fwd *f;
	void *h;		/* resolver handle while pending */
};

struct smtp_fwd {
	const struct mauth_resolver *r;
	int family;
	unsigned char addr[16];
	struct smtp_fwd_q q[SMTP_FWD_MAX_NAMES];
	size_t n, pending;
	bool trusted;
	void (*done)(void *arg);
	void *arg;
};

/* an IPv4-mapped client is its IPv4 address */
static const char *
smtp_fwd_unmap(const char *ip)
{
	if (strncasecmp(ip, "::ffff:", 7) == 0 && strchr(ip + 7, '.'))
		return ip + 7;
	return ip;
}

static bool
smtp_fwd_parse(const char *ip, int *family, unsigned char addr[16])
{
	*family = strchr(ip, ':') ? AF_INET6 : AF_INET;
	return inet_pton(*family, ip, addr) == 1;
}

static bool
smtp_auth_prefix_match(const char *item, const char *ip)
{
	unsigned char net[16], addr[16];
	char host[64];
	const char *slash = strchr(item, '/');
	size_t hl = slash ? (size_t)(slash - item) : strlen(item);
	int fam, bits, max;
	char *end;

	if (hl == 0 || hl >= sizeof(host))
		return false;
	memcpy(host, item, hl);
	host[hl] = '\0';
	fam = strchr(host, ':') ? AF_INET6 : AF_INET;
	max = fam == AF_INET6 ? 128 : 32;
	if (inet_pton(fam, host, net) != 1 || inet_pton(fam, ip, addr) != 1)
		return false;
	bits = max;
	if (slash) {
		long b = strtol(slash + 1, &end, 10);

		if (*end != '\0' || end == slash + 1 || b < 0 || b > max)
			return false;
		bits = (int)b;
	}
	for (int i = 0; i < bits; i++) {
		unsigned char m = (unsigned char)(0x80 >> (i % 8));

		if ((net[i / 8] & m) != (addr[i / 8] & m))
			return false;
	}
	return true;
}

bool
smtp_auth_ip_listed(const char *list, const char *ip)
{
	char item[96];
	const char *p = list;

	if (list == NULL || ip == NULL)
		return false;
	ip = smtp_fwd_unmap(ip);
	while (*p) {
		size_t n = strcspn(p, " \t,");

		if (n > 0 && n < sizeof(item)) {
			memcpy(item, p, n);
			item[n] = '\0';
			if (smtp_auth_prefix_match(item, ip))
				return true;
		}
		p += n;
		p += strspn(p, " \t,");
	}
	return false;
}

/* a token that is neither an address nor a prefix: a host name */
static bool
smtp_fwd_is_name(const char *item)
{
	if (strchr(item, '/') || strchr(item, ':'))
		return false;
	for (const char *p = item; *p; p++)
		if ((*p < '0' || *p > '9') && *p != '.')
			return strchr(item, '.') != NULL;
	return false;		/* all digits and dots: an address */
}

static void
smtp_fwd_on_answer(void *arg, const struct mauth_dns_answer *a)
{
	struct smtp_fwd_q *q = arg;
	struct smtp_fwd *f = q->f;

	q->h = NULL;
	for (size_t i = 0; a->rcode == MAUTH_DNS_DATA && i < a->n; i++) {
		unsigned char addr[16];
		int fam;

		if (smtp_fwd_parse(a->rr[i].text, &fam, addr) &&
		    fam == f->family &&
		    memcmp(addr, f->addr, fam == AF_INET ? 4 : 16) == 0)
			f->trusted = true;
	}
	if (--f->pending == 0)
		f->done(f->arg);
}

struct smtp_fwd *
smtp_fwd_start(const struct mauth_resolver *r, const char *list,
	       const char *ip, void (*done)(void *arg), void *arg)
{
	struct smtp_fwd *f;
	const char *p = list;
	char item[256];

	if (list == NULL || ip == NULL)
		return NULL;
	f = xcalloc(1, sizeof(*f));
	f->r = r;
	f->done = done;
	f->arg = arg;
	if (!smtp_fwd_parse(smtp_fwd_unmap(ip), &f->family, f->addr)) {
		free(f);
		return NULL;
	}
	while (*p && f->n < SMTP_FWD_MAX_NAMES) {
		size_t n = strcspn(p, " \t,");

		if (n > 0 && n < sizeof(item)) {
			struct smtp_fwd_q *q = &f->q[f->n];

			memcpy(item, p, n);
			item[n] = '\0';
			if (smtp_fwd_is_name(item)) {
				q->f = f;
				q->h = r->lookup(r->ctx, item, f->family == AF_INET ?
						 MAUTH_DNS_A : MAUTH_DNS_AAAA,
						 smtp_fwd_on_answer, q);
				if (q->h) {
					f->n++;
					f->pending++;
				}
			}
		}
		p += n;
		p += strspn(p, " \t,");
	}
	if (f->pending == 0) {
		free(f);
		return NULL;
	}
	return f;
}

bool
smtp_fwd_done(const struct smtp_fwd *f)
{
	return f == NULL || f->pending == 0;
}

bool
smtp_fwd_trusted(const struct smtp_fwd *f)
{
	return f != NULL && f->trusted;
}

void
smtp_fwd_free(struct smtp_fwd *f)
{
	if (f == NULL)
		return;
	for (size_t i = 0; i < f->n; i++)
		if (f->q[i].h)
			f->r->cancel(f->r->ctx, f->q[i].h);
	free(f);
}
