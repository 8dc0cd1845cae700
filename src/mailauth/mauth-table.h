/* mauth-table.h - a struct mauth_resolver answered from a table: the
 * unit tests (SPF, DKIM), the RFC 7208 suite driver and `tern dkim
 * verify --dns-table`. Answers are queued
 * and delivered by mauth_table_run(), never inside the lookup call (the
 * contract of mauth-dns.h). A name with no entry is NXDOMAIN; a name
 * with entries of other types only is NODATA. */
#ifndef TERN_MAUTH_TABLE_H
#define TERN_MAUTH_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "mailauth/mauth-dns.h"

struct mauth_table;

struct mauth_table *mauth_table_new(void);
void mauth_table_free(struct mauth_table *t);
void mauth_table_add(struct mauth_table *t, const char *name,
		   enum mauth_dns_type type, const char *text, size_t len,
		   uint16_t pref);
/* lines "NAME TEXT..." from a file, each a TXT record ('#' starts a
 * comment line); 0, or -1 with errno */
int mauth_table_load(struct mauth_table *t, const char *path);
/* a TXT record from a C string */
void mauth_table_txt(struct mauth_table *t, const char *name, const char *text);
/* questions of this type for name time out (TEMPFAIL) */
void mauth_table_tempfail(struct mauth_table *t, const char *name,
			enum mauth_dns_type type);
/* every question under this name fails (TEMPFAIL) */
void mauth_table_tempfail_all(struct mauth_table *t, const char *name);
/* the name exists (NODATA, not NXDOMAIN, for absent types) */
void mauth_table_exists(struct mauth_table *t, const char *name);
/* lookup() returns NULL (the question cannot be asked) */
void mauth_table_refuse(struct mauth_table *t, int refuse);
void mauth_table_resolver(struct mauth_table *t, struct mauth_resolver *out);
/* deliver queued answers (and those their callbacks cause) until none
 * is left or max were delivered; returns how many */
size_t mauth_table_run(struct mauth_table *t, size_t max);
size_t mauth_table_asked(const struct mauth_table *t);
size_t mauth_table_queued(const struct mauth_table *t);

#endif
