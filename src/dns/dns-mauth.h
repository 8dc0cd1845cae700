/* dns-mauth.h - the server's struct mauth_resolver (mailauth/mauth-dns.h)
 * over dns_lookup */
#ifndef TERN_DNS_MAUTH_H
#define TERN_DNS_MAUTH_H

#include "dns/dns.h"
#include "mailauth/mauth-dns.h"

/* A resolver asking dns; valid while dns lives. */
void dns_mauth_resolver(struct dns *dns, struct mauth_resolver *r);

#endif
