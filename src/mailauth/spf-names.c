/* spf-names.c - the client's validated names (RFC 7208 5.5), for the
 * ptr mechanism and %{p} (7.3): the PTR names of the address (10 at
 * most), each kept when one of its addresses is the client's. Asked
 * once per check. */
#include "mailauth/spf-check.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void val_next(struct spf_check *c);

static void
on_val_addr(struct spf_check *c, const struct mauth_dns_answer *a)
{
	/* an error on one name only loses that name (5.5) */
	if (a->rcode == MAUTH_DNS_DATA)
		for (size_t i = 0; i < a->n; i++)
			if (spf_ip_match_text(&c->ip, a->rr[i].text,
					      c->ip.v6 ? 128 : 32))
				c->vok[c->iv] = true;
	c->iv++;
	val_next(c);
}

static void
val_next(struct spf_check *c)
{
	if (c->iv < c->nv) {
		spf_ask(c, c->vnames[c->iv], spf_addr_type(c), on_val_addr);
		return;
	}
	c->val_state = 2;
}

static void
on_val_ptr(struct spf_check *c, const struct mauth_dns_answer *a)
{
	if (a->rcode == MAUTH_DNS_TEMPFAIL) {
		c->val_err = true;
		c->val_state = 2;
		return;
	}
	if (a->rcode != MAUTH_DNS_DATA || a->n == 0) {
		c->val_void = true;
		c->val_state = 2;
		return;
	}
	/* 4.6.4: at most 10 names are looked at, the rest ignored */
	c->nv = a->n < c->lim.mx_ptr_names ? a->n : c->lim.mx_ptr_names;
	c->vnames = xcalloc(c->nv, sizeof(char *));
	c->vok = xcalloc(c->nv, sizeof(bool));
	for (size_t i = 0; i < c->nv; i++)
		c->vnames[i] = xstrdup(a->rr[i].text);
	c->iv = 0;
	val_next(c);
}

/* true when the names are known; otherwise they are being asked */
bool
spf_validated(struct spf_check *c)
{
	if (c->val_state == 2)
		return true;
	if (c->val_state == 0) {
		c->val_state = 1;
		spf_ask(c, c->rev, MAUTH_DNS_PTR, on_val_ptr);
	}
	return false;
}

/* name is domain or below it */
bool
spf_name_under(const char *name, const char *domain)
{
	size_t n = strlen(name), d = strlen(domain);

	if (d > 0 && domain[d - 1] == '.')
		d--;
	if (n > 0 && name[n - 1] == '.')
		n--;
	if (n == d)
		return strncasecmp(name, domain, n) == 0;
	return n > d && name[n - d - 1] == '.' &&
	       strncasecmp(name + n - d, domain, d) == 0;
}

/* %{p}: the domain itself, else a name under it, else any (7.3) */
const char *
spf_pick_p(const struct spf_check *c, const char *domain)
{
	const char *any = NULL, *under = NULL;

	for (size_t i = 0; i < c->nv; i++) {
		if (!c->vok[i])
			continue;
		if (spf_name_under(c->vnames[i], domain)) {
			if (strlen(c->vnames[i]) == strlen(domain))
				return c->vnames[i];
			if (under == NULL)
				under = c->vnames[i];
		}
		if (any == NULL)
			any = c->vnames[i];
	}
	return under ? under : any ? any : "unknown";
}
