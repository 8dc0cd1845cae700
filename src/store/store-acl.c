/* store-acl.c - mailbox access control lists (RFC 4314): the rights
 * strings, the acl table, and the rights one account has on another's
 * mailbox. */
#include "store/store-private.h"

#include "lib/log.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* rights strings                                                     */

int
store_acl_parse(const char *text, unsigned *rights_r)
{
	unsigned r = 0;

	*rights_r = 0;
	for (const char *p = text; *p != '\0'; p++) {
		const char *at = strchr(STORE_ACL_RIGHTS, *p);

		if (at != NULL)
			r |= 1u << (at - STORE_ACL_RIGHTS);
		else if (*p == 'c')	/* RFC 2086 create: k and x */
			r |= STORE_ACL_K | STORE_ACL_X;
		else if (*p == 'd')	/* RFC 2086 delete: t and e */
			r |= STORE_ACL_T | STORE_ACL_E;
		else
			return STORE_EINVAL;
	}
	*rights_r = r;
	return 0;
}

const char *
store_acl_format(unsigned rights, char buf[STORE_ACL_STRMAX])
{
	size_t n = 0;

	for (size_t i = 0; STORE_ACL_RIGHTS[i] != '\0'; i++)
		if (rights & (1u << i))
			buf[n++] = STORE_ACL_RIGHTS[i];
	if (rights & (STORE_ACL_K | STORE_ACL_X))
		buf[n++] = 'c';
	if (rights & (STORE_ACL_T | STORE_ACL_E))
		buf[n++] = 'd';
	buf[n] = '\0';
	return buf;
}

static unsigned
col_rights(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	unsigned r = 0;

	if (t != NULL)
		(void)store_acl_parse((const char *)t, &r);
	return r;
}

/* ------------------------------------------------------------------ */
/* reads                                                              */

void
store_acl_rows_free(struct store_acl_rows *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].owner);
		free(l->v[i].mailbox);
		free(l->v[i].identifier);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static void
rows_push(struct store_acl_rows *l, size_t *cap, sqlite3_stmt *st)
{
	struct store_acl_row *r;

	if (l->n == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		l->v = xrealloc(l->v, *cap * sizeof(*l->v));
	}
	r = &l->v[l->n++];
	r->owner_id = sqlite3_column_int64(st, 0);
	r->owner = db_col_str0(st, 1);
	r->mailbox_id = sqlite3_column_int64(st, 2);
	r->mailbox = db_col_str0(st, 3);
	r->identifier = db_col_str(st, 4);
	r->rights = col_rights(st, 5);
}

#define ROW_COLS \
	"m.account_id, ac.address, m.id, m.name, acl.identifier, acl.rights" \
	" FROM acl JOIN mailboxes m ON m.id = acl.mailbox_id" \
	" JOIN accounts ac ON ac.id = m.account_id"

static int
rows_read(struct db *db, sqlite3_stmt *st, struct store_acl_rows *out)
{
	size_t cap = 0;
	int r;

	while ((r = db_step_row(db, st, "acl rows")) > 0)
		rows_push(out, &cap, st);
	sqlite3_reset(st);
	if (r < 0)
		store_acl_rows_free(out);
	return r;
}

int
store_acl_get(struct store *s, int64_t owner_id, int64_t mailbox_id,
	      struct store_acl_rows *out)
{
	static const char sql[] =
		"SELECT " ROW_COLS " WHERE acl.mailbox_id = ?"
		" ORDER BY acl.identifier";
	struct db *db;
	sqlite3_stmt *st;
	int ret;

	memset(out, 0, sizeof(*out));
	if ((ret = store_mbox_reader(s, owner_id, mailbox_id, &db)) < 0)
		return ret;
	if ((st = db_prep(db, sql)) == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, mailbox_id);
	return rows_read(db, st, out);
}

int
store_acl_rows(struct store *s, const char *user, struct store_acl_rows *out)
{
	static const char all[] =
		"SELECT " ROW_COLS " ORDER BY ac.address, m.name,"
		" acl.identifier";
	static const char mine[] =
		"SELECT " ROW_COLS " WHERE acl.identifier IN (?1, '"
		STORE_ACL_ANYONE "') AND ac.address <> ?1"
		" ORDER BY ac.address, m.name";
	struct db *db = db_reader(s);
	sqlite3_stmt *st;
	size_t j = 0;
	int ret;

	memset(out, 0, sizeof(*out));
	if (db == NULL || (st = db_prep(db, user ? mine : all)) == NULL)
		return STORE_EIO;
	if (user != NULL)
		sqlite3_bind_text(st, 1, user, -1, SQLITE_STATIC);
	if ((ret = rows_read(db, st, out)) < 0 || user == NULL)
		return ret;
	/* one row per mailbox: the user's entry and anyone's together */
	for (size_t i = 0; i < out->n; i++) {
		struct store_acl_row *r = &out->v[i];

		free(r->identifier);
		r->identifier = NULL;
		if (j > 0 && out->v[j - 1].mailbox_id == r->mailbox_id) {
			out->v[j - 1].rights |= r->rights;
			free(r->owner);
			free(r->mailbox);
			continue;
		}
		out->v[j++] = *r;
	}
	out->n = j;
	return 0;
}

int
store_acl_rights(struct store *s, int64_t user_id, const char *user,
		 int64_t owner_id, int64_t mailbox_id, unsigned *rights_r)
{
	static const char sql[] =
		"SELECT rights FROM acl WHERE mailbox_id = ?1"
		" AND identifier IN (?2, '" STORE_ACL_ANYONE "')";
	struct db *db;
	sqlite3_stmt *st;
	int ret, r;

	*rights_r = 0;
	if ((ret = store_mbox_reader(s, owner_id, mailbox_id, &db)) < 0)
		return ret == STORE_ENOTFOUND ? 0 : ret;
	if (user_id == owner_id) {
		*rights_r = STORE_ACL_ALL;
		return 0;
	}
	if ((st = db_prep(db, sql)) == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, mailbox_id);
	sqlite3_bind_text(st, 2, user, -1, SQLITE_STATIC);
	while ((r = db_step_row(db, st, "acl rights")) > 0)
		*rights_r |= col_rights(st, 0);
	sqlite3_reset(st);
	if (r < 0)
		*rights_r = 0;
	return r < 0 ? r : 0;
}

/* ------------------------------------------------------------------ */
/* writes                                                             */

struct acl_op {
	struct store_op op;
	int64_t owner_id, mailbox_id;
	char *identifier;
	enum store_acl_mode mode;
	unsigned rights;
	unsigned *rights_r;
};

static void
acl_op_free(struct store_op *op)
{
	free(((struct acl_op *)op)->identifier);
}

static int
acl_current(struct db *db, int64_t mailbox_id, const char *id,
	    unsigned *rights_r, bool *exists_r)
{
	static const char sql[] =
		"SELECT rights FROM acl WHERE mailbox_id = ? AND identifier = ?";
	sqlite3_stmt *st = db_prep(db, sql);

	*rights_r = 0;
	*exists_r = false;
	if (st == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, mailbox_id);
	sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*rights_r = col_rights(st, 0);
		*exists_r = true;
	}
	sqlite3_reset(st);
	return 0;
}

/* may identifier get an entry on owner's mailbox? 0, ENOTFOUND (no
 * such account), EINVAL (the owner) */
static int
acl_identifier_ok(struct db *db, int64_t owner_id, const char *id)
{
	static const char sql[] = "SELECT id FROM accounts WHERE address = ?";
	sqlite3_stmt *st;
	int ret = STORE_ENOTFOUND;

	if (strcmp(id, STORE_ACL_ANYONE) == 0)
		return 0;
	if ((st = db_prep(db, sql)) == NULL)
		return STORE_EIO;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		ret = sqlite3_column_int64(st, 0) == owner_id ? STORE_EINVAL
							      : 0;
	sqlite3_reset(st);
	return ret;
}

static int
acl_count(struct db *db, int64_t mailbox_id, uint64_t *n_r)
{
	static const char sql[] = "SELECT count(*) FROM acl WHERE mailbox_id = ?";
	sqlite3_stmt *st = db_prep(db, sql);

	if (st == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, mailbox_id);
	*n_r = sqlite3_step(st) == SQLITE_ROW ?
		(uint64_t)sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	return 0;
}

static int
exec_acl_set(struct store *s, struct store_op *op)
{
	static const char put[] =
		"INSERT OR REPLACE INTO acl(mailbox_id, identifier, rights)"
		" VALUES(?, ?, ?)";
	static const char del[] =
		"DELETE FROM acl WHERE mailbox_id = ? AND identifier = ?";
	struct acl_op *o = (struct acl_op *)op;
	char text[STORE_ACL_STRMAX];
	unsigned have, want;
	bool exists;
	uint64_t n;
	sqlite3_stmt *st;
	int ret;

	if ((ret = store_mbox_check(s->wdb, o->owner_id, o->mailbox_id,
				    NULL)) < 0 ||
	    (ret = acl_identifier_ok(s->wdb, o->owner_id, o->identifier)) < 0 ||
	    (ret = acl_current(s->wdb, o->mailbox_id, o->identifier, &have,
			       &exists)) < 0)
		return ret;
	want = o->mode == STORE_ACL_ADD ? have | o->rights :
		o->mode == STORE_ACL_REMOVE ? have & ~o->rights : o->rights;
	if (o->rights_r)
		*o->rights_r = want;
	if (want != 0 && !exists) {
		if ((ret = acl_count(s->wdb, o->mailbox_id, &n)) < 0)
			return ret;
		if (n >= s->acl_max_entries)
			return STORE_ELIMIT;
	}
	if ((st = db_prep(s->wdb, want ? put : del)) == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, o->mailbox_id);
	sqlite3_bind_text(st, 2, o->identifier, -1, SQLITE_STATIC);
	if (want) {
		/* without c and d: those are only for the clients */
		store_acl_format(want, text);
		text[strcspn(text, "cd")] = '\0';
		sqlite3_bind_text(st, 3, text, -1, SQLITE_TRANSIENT);
	}
	if ((ret = db_step_done(s->wdb, st, "acl set")) < 0)
		return ret;
	/* sessions with it open re-read their rights */
	store_op_changed(op, o->mailbox_id);
	return 0;
}

int
store_acl_set(struct store *s, int64_t owner_id, int64_t mailbox_id,
	      const char *identifier, enum store_acl_mode mode,
	      unsigned rights, unsigned *rights_r, store_cb cb, void *arg)
{
	struct acl_op *o;
	char *id;

	if (identifier[0] == '-')
		return STORE_EINVAL;	/* negative rights: not supported */
	if (strlen(identifier) > s->acl_max_identifier)
		return STORE_ELIMIT;
	if (strcmp(identifier, STORE_ACL_ANYONE) == 0)
		id = xstrdup(identifier);
	else if (store_address_normalize(identifier, false, &id) < 0)
		return STORE_EINVAL;
	o = store_op_new(sizeof(*o), exec_acl_set, acl_op_free);
	o->owner_id = owner_id;
	o->mailbox_id = mailbox_id;
	o->identifier = id;
	o->mode = mode;
	o->rights = rights & STORE_ACL_ALL;
	o->rights_r = rights_r;
	return store_submit(s, &o->op, cb, arg);
}

/* writer: a mailbox row goes (DELETE, account removal) */
int
store_acl_drop_mailbox(struct store *s, int64_t mailbox_id)
{
	static const char sql[] = "DELETE FROM acl WHERE mailbox_id = ?";
	sqlite3_stmt *st = db_prep(s->wdb, sql);

	if (st == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, mailbox_id);
	return db_step_done(s->wdb, st, "acl drop mailbox");
}

/* writer: an account goes: its entries on others' mailboxes too (its
 * subscriptions go with the account's other rows, store-admin.c) */
int
store_acl_drop_identifier(struct store *s, const char *identifier)
{
	static const char sql[] = "DELETE FROM acl WHERE identifier = ?";
	sqlite3_stmt *st = db_prep(s->wdb, sql);

	if (st == NULL)
		return STORE_EIO;
	sqlite3_bind_text(st, 1, identifier, -1, SQLITE_STATIC);
	return db_step_done(s->wdb, st, "acl drop identifier");
}

int
store_acl_inherit(struct store *s, int64_t account_id, const char *name,
		  int64_t mailbox_id)
{
	static const char sql[] =
		"INSERT OR IGNORE INTO acl(mailbox_id, identifier, rights)"
		" SELECT ?1, identifier, rights FROM acl WHERE mailbox_id = ?2";
	const char *slash = strrchr(name, '/');
	sqlite3_stmt *st;
	int64_t parent;
	char *p;
	int ret;

	if (slash == NULL)
		return 0;
	p = xstrndup(name, (size_t)(slash - name));
	ret = store_mbox_by_name(s->wdb, account_id, p, &parent, NULL);
	free(p);
	if (ret != 0)
		return ret == STORE_ENOTFOUND ? 0 : ret;
	if ((st = db_prep(s->wdb, sql)) == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, mailbox_id);
	sqlite3_bind_int64(st, 2, parent);
	return db_step_done(s->wdb, st, "acl inherit");
}

