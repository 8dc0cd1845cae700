/* dkim-table.h - a mauth_resolver answering TXT questions from a table,
 * for `tern dkim verify --dns-table` and the unit tests. Answers are
 * held until dkim_table_run(), as the contract wants (never inside the
 * lookup call). */
#ifndef TERN_DKIM_TABLE_H
#define TERN_DKIM_TABLE_H

#include <stddef.h>

#include "mailauth/mauth-dns.h"

struct dkim_table;

struct dkim_table *dkim_table_new(void);
/* name (case-insensitive, no trailing dot) has TXT text; text NULL:
 * the name answers TEMPFAIL */
void dkim_table_add(struct dkim_table *t, const char *name, const char *text);
/* lines "NAME TEXT..." ('#' comments); 0 or -1 (errno) */
int dkim_table_load(struct dkim_table *t, const char *path);
void dkim_table_resolver(struct dkim_table *t, struct mauth_resolver *r);
/* answer every question asked so far (and those asked meanwhile);
 * returns how many were answered */
size_t dkim_table_run(struct dkim_table *t);
void dkim_table_free(struct dkim_table *t);

#endif
