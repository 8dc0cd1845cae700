/* smtp-forwarders.h - auth_checks.trusted_forwarders: is this client
 * one of the listed forwarders (mail lists, backup MX) whose mail DMARC
 * never refuses nor quarantines? Entries are addresses, prefixes
 * ("192.0.2.0/24", "2001:db8::/32") and host names, whose A (or AAAA)
 * records are looked up while the message arrives. */
#ifndef TERN_SMTP_FORWARDERS_H
#define TERN_SMTP_FORWARDERS_H

#include <stdbool.h>

#include "mailauth/mauth-dns.h"

#define SMTP_FWD_MAX_NAMES 8	/* host names looked up per message */

/* ip ("192.0.2.1", "2001:db8::1") is one of the list's addresses or
 * prefixes, separated by spaces or commas (pure) */
bool smtp_auth_ip_listed(const char *list, const char *ip);

struct smtp_fwd;

/* Look up the list's host names (the first SMTP_FWD_MAX_NAMES) for ip;
 * done(arg) runs once all have answered, never inside this call. NULL
 * when the list has no name (nothing to wait for). */
struct smtp_fwd *smtp_fwd_start(const struct mauth_resolver *r,
				const char *list, const char *ip,
				void (*done)(void *arg), void *arg);
bool smtp_fwd_done(const struct smtp_fwd *f);
/* one of the names has ip among its addresses */
bool smtp_fwd_trusted(const struct smtp_fwd *f);
/* cancels what is pending; NULL-safe */
void smtp_fwd_free(struct smtp_fwd *f);

#endif
