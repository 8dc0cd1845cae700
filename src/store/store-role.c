/* store-role.c - role addresses: postmaster@ every local domain (RFC
 * 5321 4.5.1 requires it) and abuse@ (RFC 2142) reach a configured
 * account or alias when no account or alias of that name exists. By
 * default postmaster goes to the first account created, so a fresh
 * server is compliant once it has an account; abuse has no default.
 * dmarc-reports@ (the rua= `tern dns` publishes) goes where postmaster
 * goes, into its own mailbox (store_settings.dmarc_mailbox). */
#include "store/store-private.h"

#include "lib/log.h"

#include <stdlib.h>
#include <string.h>

static int
role_setting(const char *key, const char *value, char **out_r,
	     char **error_r)
{
	*out_r = NULL;
	if (value == NULL || value[0] == '\0')
		return 0;
	if (store_address_normalize(value, false, out_r) == 0)
		return 0;
	if (error_r)
		*error_r = xasprintf("smtp.%s = %s: not an address (a local "
				     "account or alias)", key, value);
	return STORE_EINVAL;
}

int
store_role_targets(struct store *s, const struct store_settings *set,
		   char **error_r)
{
	int ret = role_setting("postmaster", set->postmaster, &s->postmaster,
			       error_r);

	if (ret == 0)
		ret = role_setting("abuse", set->abuse, &s->abuse, error_r);
	if (ret == 0 && set->dmarc_mailbox && set->dmarc_mailbox[0] &&
	    store_mailbox_name_norm(set->dmarc_mailbox, &s->dmarc_mailbox) < 0) {
		if (error_r)
			*error_r = xasprintf("dmarc_reports.mailbox = %s: not "
					     "a mailbox name",
					     set->dmarc_mailbox);
		ret = STORE_EINVAL;
	}
	return ret;
}

/* one text column of the first row of sql (bound to arg, or nothing):
 * 1 and *out_r, 0 no row, < 0 error */
static int
role_query(struct db *db, const char *sql, const char *arg, char **out_r)
{
	sqlite3_stmt *st = db_prep(db, sql);
	int rc, ret = 0;

	if (st == NULL)
		return STORE_EIO;
	if (arg != NULL)
		sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*out_r = db_col_str0(st, 0);
		ret = 1;
	} else if (rc != SQLITE_DONE) {
		ret = db_fail(db, "role lookup");
	}
	sqlite3_reset(st);
	return ret;
}

int
store_role_target(struct store *s, struct db *db, const char *addr,
		  char **target_r, const char **mailbox_r)
{
	const char *at = strrchr(addr, '@');
	const char *target, *role;
	char *domain = NULL;
	int ret;

	*target_r = NULL;
	*mailbox_r = NULL;
	if (at == NULL)
		return 0;
	if (at - addr == 13 && strncmp(addr, "dmarc-reports", 13) == 0 &&
	    s->dmarc_mailbox != NULL) {
		role = "dmarc-reports";
		target = s->postmaster;
		*mailbox_r = s->dmarc_mailbox;
		if (target == NULL)
			return role_query(db, "SELECT address FROM accounts "
					  "ORDER BY id LIMIT 1", NULL, target_r);
	} else if (at - addr == 10 && strncmp(addr, "postmaster", 10) == 0) {
		role = "postmaster";
		target = s->postmaster;
		if (target == NULL)
			return role_query(db, "SELECT address FROM accounts "
					  "ORDER BY id LIMIT 1", NULL, target_r);
	} else if (at - addr == 5 && strncmp(addr, "abuse", 5) == 0) {
		role = "abuse";
		target = s->abuse;
		if (target == NULL)
			return 0;
	} else {
		return 0;
	}
	/* a remote target would make port 25 relay: never */
	ret = role_query(db, "SELECT name FROM domains WHERE name = ?",
			 strrchr(target, '@') + 1, &domain);
	free(domain);
	if (ret < 0)
		return ret;
	if (ret == 0) {
		if (!__atomic_exchange_n(&s->role_warned, true, __ATOMIC_RELAXED))
			log_warn(0, "store: %s target %s is not local: ignored",
				 role, target);
		return 0;
	}
	*target_r = xstrdup(target);
	return 1;
}
