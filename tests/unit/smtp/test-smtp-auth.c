/* test-smtp-auth.c - auth_checks.trusted_forwarders matching */
#include "test.h"
#include "smtp/smtp-forwarders.h"

#include <stdio.h>

TEST(smtp_auth_ip_listed_addresses_and_prefixes)
{
	const char *l = "192.0.2.7, 198.51.100.0/24 2001:db8::/32";

	CHECK(smtp_auth_ip_listed(l, "192.0.2.7"));
	CHECK(!smtp_auth_ip_listed(l, "192.0.2.8"));
	CHECK(smtp_auth_ip_listed(l, "198.51.100.200"));
	CHECK(!smtp_auth_ip_listed(l, "198.51.101.1"));
	CHECK(smtp_auth_ip_listed(l, "2001:db8:1::5"));
	CHECK(!smtp_auth_ip_listed(l, "2001:db9::5"));
	/* an IPv4-mapped client is its IPv4 address */
	CHECK(smtp_auth_ip_listed(l, "::ffff:192.0.2.7"));
	/* /0 is everything of that family; junk entries match nothing */
	CHECK(smtp_auth_ip_listed("0.0.0.0/0", "203.0.113.1"));
	CHECK(!smtp_auth_ip_listed("0.0.0.0/0", "2001:db8::1"));
	CHECK(!smtp_auth_ip_listed("192.0.2.0/33 mx.example 192.0.2.0/x",
				   "192.0.2.1"));
	CHECK(!smtp_auth_ip_listed("", "192.0.2.1"));
	CHECK(!smtp_auth_ip_listed(NULL, "192.0.2.1"));
}

/* a resolver that keeps the questions; the test answers them */
struct fake_dns {
	int n;
	char name[4][64];
	int type[4];
	mauth_dns_cb *cb[4];
	void *arg[4];
	int cancelled;
};

static void *
fake_lookup(void *ctx, const char *name, enum mauth_dns_type type,
	    mauth_dns_cb *cb, void *arg)
{
	struct fake_dns *d = ctx;

	if (d->n == 4)
		return NULL;
	snprintf(d->name[d->n], sizeof(d->name[0]), "%s", name);
	d->type[d->n] = type;
	d->cb[d->n] = cb;
	d->arg[d->n] = arg;
	d->n++;
	return &d->cb[d->n - 1];
}

static void
fake_cancel(void *ctx, void *h)
{
	((struct fake_dns *)ctx)->cancelled++;
}

static void
on_done(void *arg)
{
	(*(int *)arg)++;
}

TEST(smtp_fwd_names_looked_up)
{
	struct fake_dns d = { 0 };
	struct mauth_resolver r = { &d, fake_lookup, fake_cancel };
	struct mauth_rr rr[2] = { { (char *)"198.51.100.9", 12, 0 },
				  { (char *)"192.0.2.7", 9, 0 } };
	struct mauth_dns_answer yes = { MAUTH_DNS_DATA, 2, rr, false };
	struct mauth_dns_answer nx = { MAUTH_DNS_NXDOMAIN, 0, NULL, false };
	int done = 0;
	struct smtp_fwd *f;

	/* addresses and prefixes only: nothing to look up */
	CHECK(smtp_fwd_start(&r, "192.0.2.0/24 2001:db8::1", "192.0.2.7",
			     on_done, &done) == NULL);
	f = smtp_fwd_start(&r, "10.0.0.1 lists.example.org, mx2.example.net",
			   "192.0.2.7", on_done, &done);
	CHECK(f != NULL);
	CHECK_INT(d.n, 2);
	CHECK_STR(d.name[0], "lists.example.org");
	CHECK_INT(d.type[0], MAUTH_DNS_A);
	CHECK(!smtp_fwd_done(f));
	d.cb[0](d.arg[0], &nx);
	CHECK(!smtp_fwd_done(f));
	CHECK_INT(done, 0);
	d.cb[1](d.arg[1], &yes);
	CHECK(smtp_fwd_done(f));
	CHECK_INT(done, 1);
	CHECK(smtp_fwd_trusted(f));
	smtp_fwd_free(f);
	CHECK_INT(d.cancelled, 0);

	/* an IPv6 client asks AAAA; freed while pending: cancelled */
	d.n = 0;
	f = smtp_fwd_start(&r, "lists.example.org", "2001:db8::5", on_done,
			   &done);
	CHECK(f != NULL);
	CHECK_INT(d.type[0], MAUTH_DNS_AAAA);
	smtp_fwd_free(f);
	CHECK_INT(d.cancelled, 1);
}
