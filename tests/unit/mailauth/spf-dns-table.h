/* spf-dns-table.h - a struct mauth_resolver answered from a table, for
 * the SPF unit tests and the RFC 7208 suite driver. Answers are queued
 * and delivered by spf_table_run(), never inside the lookup call (the
 * contract of mauth-dns.h). A name with no entry is NXDOMAIN; a name
 * with entries of other types only is NODATA. */
#ifndef TERN_SPF_DNS_TABLE_H
#define TERN_SPF_DNS_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "mailauth/mauth-dns.h"

struct spf_table;

struct spf_table *spf_table_new(void);
void spf_table_free(struct spf_table *t);
void spf_table_add(struct spf_table *t, const char *name,
		   enum mauth_dns_type type, const char *text, size_t len,
		   uint16_t pref);
/* a TXT record from a C string */
void spf_table_txt(struct spf_table *t, const char *name, const char *text);
/* questions of this type for name time out (TEMPFAIL) */
void spf_table_tempfail(struct spf_table *t, const char *name,
			enum mauth_dns_type type);
/* every question under this name fails (TEMPFAIL) */
void spf_table_tempfail_all(struct spf_table *t, const char *name);
/* the name exists (NODATA, not NXDOMAIN, for absent types) */
void spf_table_exists(struct spf_table *t, const char *name);
/* lookup() returns NULL (the question cannot be asked) */
void spf_table_refuse(struct spf_table *t, int refuse);
void spf_table_resolver(struct spf_table *t, struct mauth_resolver *out);
/* deliver queued answers (and those their callbacks cause) until none
 * is left or max were delivered; returns how many */
size_t spf_table_run(struct spf_table *t, size_t max);
size_t spf_table_asked(const struct spf_table *t);
size_t spf_table_queued(const struct spf_table *t);

#endif
