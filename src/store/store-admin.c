/* store-admin.c - domains, accounts, aliases, recipient resolution and
 * authentication lookups. */
#include "store/store-private.h"

#include "lib/buf.h"
#include "lib/idn.h"
#include "lib/log.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* addresses                                                          */

static bool
domain_valid(const char *d)
{
	size_t len = strlen(d);

	if (len == 0 || len > 253 || d[0] == '.' || d[len - 1] == '.' ||
	    d[0] == '-')
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)d[i];
		if (c == '.' && d[i + 1] == '.')
			return false;
		if (!(isalnum(c) || c == '-' || c == '.' || c >= 0x80))
			return false;
	}
	return true;
}

static bool
localpart_valid(const char *p, size_t len)
{
	if (len == 0 || len > 64)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c <= ' ' || c == 0x7f || c == '@' || c == '<' ||
		    c == '>' || c == ',' || c == ';' || c == ':' ||
		    c == '\\' || c == '"' || c == '(' || c == ')' ||
		    c == '[' || c == ']')
			return false;
	}
	return true;
}

void
store_ascii_lower(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

/* a domain as the store keeps it: lowercase, and an IDN in its U-label
 * form whichever form it came in, so XN--BCHER-KVA.example and
 * Bücher.example both name bücher.example; an invalid IDN is kept
 * lowercased, to match nothing */
static char *
domain_canon(const char *domain)
{
	char *d = idn_to_unicode(domain);

	if (d == NULL) {
		d = xstrdup(domain);
		store_ascii_lower(d);
	}
	return d;
}

int
store_address_normalize(const char *address, bool allow_catchall,
			char **out_r)
{
	const char *at;
	char *out;

	*out_r = NULL;
	if (address == NULL || strlen(address) > 254)
		return STORE_EBADADDR;
	at = strrchr(address, '@');
	if (at == NULL)
		return STORE_EBADADDR;
	if (at == address) {
		if (!allow_catchall)
			return STORE_EBADADDR;
	} else if (!localpart_valid(address, (size_t)(at - address))) {
		return STORE_EBADADDR;
	}
	{
		char *local = xstrndup(address, (size_t)(at - address) + 1);
		char *dom = idn_to_unicode(at + 1);

		if (dom == NULL) {
			free(local);
			return STORE_EBADADDR;
		}
		store_ascii_lower(local);
		out = xasprintf("%s%s", local, dom);
		free(local);
		free(dom);
	}
	if (strlen(out) > 254 || !domain_valid(out + (at - address) + 1)) {
		free(out);
		return STORE_EBADADDR;
	}
	*out_r = out;
	return 0;
}

static const char *
addr_domain(const char *a)
{
	const char *at = strrchr(a, '@');

	return at ? at + 1 : a;
}

/* domain id of a normalized domain name, 0 if not local */
static int64_t
domain_id(struct db *db, const char *domain)
{
	static const char sql[] = "SELECT id FROM domains WHERE name = ?";
	sqlite3_stmt *st = db_prep(db, sql);
	int64_t id = 0;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, domain, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return id;
}

bool
store_is_local_domain(struct store *s, const char *domain)
{
	struct db *db = db_reader(s);
	char *d;
	bool ret;

	if (db == NULL || domain == NULL)
		return false;
	d = domain_canon(domain);
	ret = domain_id(db, d) > 0;
	free(d);
	return ret;
}

/* ------------------------------------------------------------------ */
/* generic op: up to three strings and a few numbers                  */

struct admin_op {
	struct store_op op;
	char *a, *b, *c;
	uint64_t n1, n2;
	int64_t *id_r;
};

static void
admin_op_free(struct store_op *op)
{
	struct admin_op *o = (struct admin_op *)op;

	free(o->a);
	free(o->b);
	free(o->c);
}

static struct admin_op *
admin_op(store_op_exec *exec, char *a, const char *b, const char *c)
{
	struct admin_op *o = store_op_new(sizeof(*o), exec, admin_op_free);

	o->a = a;
	o->b = b ? xstrdup(b) : NULL;
	o->c = c ? xstrdup(c) : NULL;
	return o;
}

static int
step_changes(struct db *db, sqlite3_stmt *st, const char *what)
{
	int ret = db_step_done(db, st, what);

	if (ret < 0)
		return ret;
	return sqlite3_changes(db->h) > 0 ? 0 : STORE_ENOTFOUND;
}

/* ------------------------------------------------------------------ */
/* domains                                                            */

static int
exec_domain_add(struct store *s, struct store_op *op)
{
	static const char sql[] = "INSERT INTO domains(name) VALUES(?)";
	struct admin_op *o = (struct admin_op *)op;
	sqlite3_stmt *st = db_prep(s->wdb, sql);

	if (st == NULL)
		return STORE_EIO;
	sqlite3_bind_text(st, 1, o->a, -1, SQLITE_STATIC);
	return db_step_done(s->wdb, st, "domain add");
}

int
store_domain_add(struct store *s, const char *domain, store_cb cb, void *arg)
{
	char *d;

	if (domain == NULL || (d = idn_to_unicode(domain)) == NULL)
		return STORE_EBADADDR;
	if (!domain_valid(d)) {
		free(d);
		return STORE_EBADADDR;
	}
	return store_submit(s, &admin_op(exec_domain_add, d, NULL, NULL)->op,
			    cb, arg);
}

static int
exec_domain_remove(struct store *s, struct store_op *op)
{
	static const char q1[] =
		"SELECT (SELECT count(*) FROM accounts WHERE domain_id = ?1)"
		" + (SELECT count(*) FROM aliases WHERE domain_id = ?1)";
	static const char del[] = "DELETE FROM domains WHERE id = ?";
	struct admin_op *o = (struct admin_op *)op;
	int64_t id = domain_id(s->wdb, o->a);
	sqlite3_stmt *st;
	int64_t n = 0;

	if (id < 0)
		return STORE_EIO;
	if (id == 0)
		return STORE_ENOTFOUND;
	if ((st = db_prep(s->wdb, q1)) == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (n > 0)
		return STORE_ENOTEMPTY;
	if ((st = db_prep(s->wdb, del)) == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, id);
	return db_step_done(s->wdb, st, "domain remove");
}

int
store_domain_remove(struct store *s, const char *domain, store_cb cb,
		    void *arg)
{
	char *d;

	if (domain == NULL)
		return STORE_EBADADDR;
	d = domain_canon(domain);
	return store_submit(s, &admin_op(exec_domain_remove, d, NULL, NULL)->op,
			    cb, arg);
}

void
store_strlist_free(struct store_strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* the first column of st's rows as strings; out cleared first, left
 * empty on an error (db_step_row's) */
int
store_strlist_collect(struct db *db, sqlite3_stmt *st, const char *what,
		      struct store_strlist *out)
{
	size_t cap = 0;
	int r;

	while ((r = db_step_row(db, st, what)) > 0) {
		if (out->n == cap) {
			cap = cap ? cap * 2 : 8;
			out->v = xrealloc(out->v, cap * sizeof(char *));
		}
		out->v[out->n++] = db_col_str0(st, 0);
	}
	sqlite3_reset(st);
	if (r < 0)
		store_strlist_free(out);
	return r;
}

int
store_domain_list(struct store *s, struct store_strlist *out)
{
	static const char sql[] = "SELECT name FROM domains ORDER BY name";
	struct db *db = db_reader(s);
	sqlite3_stmt *st;

	memset(out, 0, sizeof(*out));
	if (db == NULL || (st = db_prep(db, sql)) == NULL)
		return STORE_EIO;
	return store_strlist_collect(db, st, "domain list", out);
}

/* ------------------------------------------------------------------ */
/* accounts                                                           */

static const struct {
	const char *name;
	unsigned special_use;
} default_mailboxes[] = {
	{ "INBOX", 0 },
	{ "Sent", STORE_SU_SENT },
	{ "Drafts", STORE_SU_DRAFTS },
	{ "Trash", STORE_SU_TRASH },
	{ "Junk", STORE_SU_JUNK },
	{ "Archive", STORE_SU_ARCHIVE },
};

unsigned
store_default_special_use(const char *name)
{
	for (size_t i = 0; i < sizeof(default_mailboxes) /
				sizeof(default_mailboxes[0]); i++)
		if (strcmp(default_mailboxes[i].name, name) == 0)
			return default_mailboxes[i].special_use;
	return 0;
}

static int64_t
account_id_w(struct db *db, const char *address)
{
	static const char sql[] = "SELECT id FROM accounts WHERE address = ?";
	sqlite3_stmt *st = db_prep(db, sql);
	int64_t id = 0;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, address, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return id;
}

static bool
alias_exists(struct db *db, const char *address)
{
	static const char sql[] = "SELECT 1 FROM aliases WHERE address = ?";
	sqlite3_stmt *st = db_prep(db, sql);
	bool ret;

	if (st == NULL)
		return false;
	sqlite3_bind_text(st, 1, address, -1, SQLITE_STATIC);
	ret = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_reset(st);
	return ret;
}

static int
exec_account_add(struct store *s, struct store_op *op)
{
	static const char sql[] =
		"INSERT INTO accounts(address, domain_id, password_hash, scram,"
		" created) VALUES(?,?,?,?,?)";
	struct admin_op *o = (struct admin_op *)op;
	int64_t did = domain_id(s->wdb, addr_domain(o->a)), id;
	sqlite3_stmt *st;
	int ret;

	if (did < 0)
		return STORE_EIO;
	if (did == 0)
		return STORE_ENOTLOCAL;
	if (alias_exists(s->wdb, o->a))
		return STORE_EEXIST;
	if ((st = db_prep(s->wdb, sql)) == NULL)
		return STORE_EIO;
	sqlite3_bind_text(st, 1, o->a, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, did);
	sqlite3_bind_text(st, 3, o->b ? o->b : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, o->c ? o->c : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, store_now());
	if ((ret = db_step_done(s->wdb, st, "account add")) < 0)
		return ret;
	id = sqlite3_last_insert_rowid(s->wdb->h);
	for (size_t i = 0; i < sizeof(default_mailboxes) /
	     sizeof(default_mailboxes[0]); i++) {
		ret = store_mbox_create_w(s, id, default_mailboxes[i].name,
					  default_mailboxes[i].special_use,
					  true, NULL);
		if (ret < 0)
			return ret;
	}
	if (o->id_r)
		*o->id_r = id;
	return 0;
}

int
store_account_add(struct store *s, const char *address,
		  const char *password_hash, const char *scram, int64_t *id_r,
		  store_cb cb, void *arg)
{
	struct admin_op *o;
	char *a;
	int ret;

	if ((ret = store_address_normalize(address, false, &a)) < 0)
		return ret;
	o = admin_op(exec_account_add, a, password_hash, scram);
	o->id_r = id_r;
	return store_submit(s, &o->op, cb, arg);
}

static int
exec_account_passwd(struct store *s, struct store_op *op)
{
	static const char sql[] =
		"UPDATE accounts SET password_hash = ?, scram = ?"
		" WHERE address = ?";
	struct admin_op *o = (struct admin_op *)op;
	sqlite3_stmt *st = db_prep(s->wdb, sql);

	if (st == NULL)
		return STORE_EIO;
	sqlite3_bind_text(st, 1, o->b ? o->b : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, o->c ? o->c : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, o->a, -1, SQLITE_STATIC);
	return step_changes(s->wdb, st, "account passwd");
}

int
store_account_set_password(struct store *s, const char *address,
			   const char *password_hash, const char *scram,
			   store_cb cb, void *arg)
{
	char *a;
	int ret;

	if ((ret = store_address_normalize(address, false, &a)) < 0)
		return ret;
	return store_submit(s, &admin_op(exec_account_passwd, a, password_hash,
					 scram)->op, cb, arg);
}

static int
exec_account_quota(struct store *s, struct store_op *op)
{
	static const char sql[] =
		"UPDATE accounts SET quota_bytes = ?, quota_messages = ?"
		" WHERE address = ?";
	struct admin_op *o = (struct admin_op *)op;
	sqlite3_stmt *st = db_prep(s->wdb, sql);

	if (st == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, (int64_t)o->n1);
	sqlite3_bind_int64(st, 2, (int64_t)o->n2);
	sqlite3_bind_text(st, 3, o->a, -1, SQLITE_STATIC);
	return step_changes(s->wdb, st, "account quota");
}

int
store_account_set_quota(struct store *s, const char *address,
			uint64_t quota_bytes, uint64_t quota_messages,
			store_cb cb, void *arg)
{
	struct admin_op *o;
	char *a;
	int ret;

	if ((ret = store_address_normalize(address, false, &a)) < 0)
		return ret;
	if (quota_bytes > INT64_MAX || quota_messages > INT64_MAX) {
		free(a);
		return STORE_EINVAL;
	}
	o = admin_op(exec_account_quota, a, NULL, NULL);
	o->n1 = quota_bytes;
	o->n2 = quota_messages;
	return store_submit(s, &o->op, cb, arg);
}

static int
exec_account_enabled(struct store *s, struct store_op *op)
{
	static const char sql[] =
		"UPDATE accounts SET enabled = ? WHERE address = ?";
	struct admin_op *o = (struct admin_op *)op;
	sqlite3_stmt *st = db_prep(s->wdb, sql);

	if (st == NULL)
		return STORE_EIO;
	sqlite3_bind_int(st, 1, o->n1 ? 1 : 0);
	sqlite3_bind_text(st, 2, o->a, -1, SQLITE_STATIC);
	return step_changes(s->wdb, st, "account enable");
}

int
store_account_set_enabled(struct store *s, const char *address, bool enabled,
			  store_cb cb, void *arg)
{
	struct admin_op *o;
	char *a;
	int ret;

	if ((ret = store_address_normalize(address, false, &a)) < 0)
		return ret;
	o = admin_op(exec_account_enabled, a, NULL, NULL);
	o->n1 = enabled;
	return store_submit(s, &o->op, cb, arg);
}

static int
exec_account_remove(struct store *s, struct store_op *op)
{
	static const char mboxes[] =
		"SELECT id FROM mailboxes WHERE account_id = ?";
	static const char del_mb[] =
		"DELETE FROM mailboxes WHERE account_id = ?";
	static const char del_sub[] =
		"DELETE FROM subscriptions WHERE account_id = ?";
	static const char del_al[] = "DELETE FROM aliases WHERE target = ?";
	static const char del_acc[] = "DELETE FROM accounts WHERE id = ?";
	struct admin_op *o = (struct admin_op *)op;
	int64_t id = account_id_w(s->wdb, o->a);
	int64_t *ids = NULL;
	size_t n = 0, cap = 0;
	sqlite3_stmt *st;
	int ret = 0;

	if (id < 0)
		return STORE_EIO;
	if (id == 0)
		return STORE_ENOTFOUND;
	if ((st = db_prep(s->wdb, mboxes)) == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, id);
	while ((ret = db_step_row(s->wdb, st, "account mailboxes")) > 0) {
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			ids = xrealloc(ids, cap * sizeof(int64_t));
		}
		ids[n++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_reset(st);
	for (size_t i = 0; i < n && ret == 0; i++) {
		ret = store_mbox_empty(s, ids[i], false);
		if (ret == 0)
			ret = store_acl_drop_mailbox(s, ids[i]);
		if (ret == 0) {
			static const char del_x[] =
				"DELETE FROM expunged WHERE mailbox_id = ?";
			st = db_prep(s->wdb, del_x);
			if (st == NULL)
				ret = STORE_EIO;
			else {
				sqlite3_bind_int64(st, 1, ids[i]);
				ret = db_step_done(s->wdb, st, "tombstones");
			}
		}
		store_op_changed(op, ids[i]);
	}
	free(ids);
	if (ret < 0)
		return ret;
	if ((st = db_prep(s->wdb, del_mb)) == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, id);
	if ((ret = db_step_done(s->wdb, st, "account mailboxes")) < 0)
		return ret;
	if ((st = db_prep(s->wdb, del_sub)) == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, id);
	if ((ret = db_step_done(s->wdb, st, "account subscriptions")) < 0)
		return ret;
	if ((ret = store_meta_drop_w(s, id, -1)) < 0 ||
	    (ret = store_urlauth_drop_w(s, id, -1)) < 0 ||
	    (ret = store_sieve_drop_w(s, id)) < 0 ||
	    (ret = store_vacation_drop_w(s, id)) < 0)
		return ret;
	if ((st = db_prep(s->wdb, del_al)) == NULL)
		return STORE_EIO;
	sqlite3_bind_text(st, 1, o->a, -1, SQLITE_STATIC);
	if ((ret = db_step_done(s->wdb, st, "account aliases")) < 0 ||
	    (ret = store_acl_drop_identifier(s, o->a)) < 0)
		return ret;
	for (size_t i = 0; i < 2; i++) {
		/* the account's JMAP tombstones (its ids are never reused) */
		static const char *const tombs[] = {
			"DELETE FROM email_tombs WHERE account_id = ?",
			"DELETE FROM mailbox_tombs WHERE account_id = ?",
		};

		if ((st = db_prep(s->wdb, tombs[i])) == NULL)
			return STORE_EIO;
		sqlite3_bind_int64(st, 1, id);
		if ((ret = db_step_done(s->wdb, st, "account tombs")) < 0)
			return ret;
	}
	if ((st = db_prep(s->wdb, del_acc)) == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, id);
	return db_step_done(s->wdb, st, "account remove");
}

int
store_account_remove(struct store *s, const char *address, store_cb cb,
		     void *arg)
{
	char *a;
	int ret;

	if ((ret = store_address_normalize(address, false, &a)) < 0)
		return ret;
	return store_submit(s, &admin_op(exec_account_remove, a, NULL,
					 NULL)->op, cb, arg);
}

#define ACCOUNT_COLS "id, address, quota_bytes, quota_messages, used_bytes," \
	" used_messages, enabled, created"

static void
account_row(sqlite3_stmt *st, struct store_account *a)
{
	a->id = sqlite3_column_int64(st, 0);
	a->address = db_col_str0(st, 1);
	a->quota_bytes = (uint64_t)sqlite3_column_int64(st, 2);
	a->quota_messages = (uint64_t)sqlite3_column_int64(st, 3);
	a->used_bytes = (uint64_t)sqlite3_column_int64(st, 4);
	a->used_messages = (uint64_t)sqlite3_column_int64(st, 5);
	a->enabled = sqlite3_column_int(st, 6) != 0;
	a->created = sqlite3_column_int64(st, 7);
}

int
store_account_get(struct store *s, const char *address, int64_t id,
		  struct store_account *a)
{
	static const char by_addr[] =
		"SELECT " ACCOUNT_COLS " FROM accounts WHERE address = ?";
	static const char by_id[] =
		"SELECT " ACCOUNT_COLS " FROM accounts WHERE id = ?";
	struct db *db = db_reader(s);
	sqlite3_stmt *st;
	char *norm = NULL;
	int ret;

	memset(a, 0, sizeof(*a));
	if (db == NULL)
		return STORE_EIO;
	if (address) {
		if ((ret = store_address_normalize(address, false, &norm)) < 0)
			return ret;
		st = db_prep(db, by_addr);
		if (st)
			sqlite3_bind_text(st, 1, norm, -1, SQLITE_STATIC);
	} else {
		st = db_prep(db, by_id);
		if (st)
			sqlite3_bind_int64(st, 1, id);
	}
	if (st == NULL) {
		free(norm);
		return STORE_EIO;
	}
	ret = STORE_ENOTFOUND;
	if (sqlite3_step(st) == SQLITE_ROW) {
		account_row(st, a);
		ret = 0;
	}
	sqlite3_reset(st);
	free(norm);
	return ret;
}

void
store_account_clear(struct store_account *a)
{
	free(a->address);
	memset(a, 0, sizeof(*a));
}

int
store_account_list(struct store *s, const char *domain,
		   struct store_account_list *out)
{
	static const char all[] =
		"SELECT " ACCOUNT_COLS " FROM accounts ORDER BY address";
	static const char dom[] =
		"SELECT " ACCOUNT_COLS " FROM accounts WHERE domain_id = "
		"(SELECT id FROM domains WHERE name = ?) ORDER BY address";
	struct db *db = db_reader(s);
	sqlite3_stmt *st;
	size_t cap = 0;
	char *d = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	if (db == NULL)
		return STORE_EIO;
	if (domain) {
		d = domain_canon(domain);
		if (domain_id(db, d) <= 0) {
			free(d);
			return STORE_ENOTFOUND;
		}
		st = db_prep(db, dom);
		if (st)
			sqlite3_bind_text(st, 1, d, -1, SQLITE_STATIC);
	} else {
		st = db_prep(db, all);
	}
	if (st == NULL) {
		free(d);
		return STORE_EIO;
	}
	while ((r = db_step_row(db, st, "account list")) > 0) {
		if (out->n == cap) {
			cap = cap ? cap * 2 : 8;
			out->v = xrealloc(out->v, cap * sizeof(*out->v));
		}
		account_row(st, &out->v[out->n++]);
	}
	sqlite3_reset(st);
	free(d);
	if (r < 0)
		store_account_list_free(out);
	return r;
}

void
store_account_list_free(struct store_account_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		store_account_clear(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

int
store_quota_check(struct store *s, int64_t account_id, uint64_t size)
{
	struct store_account a;
	int ret = store_account_get(s, NULL, account_id, &a);

	if (ret < 0)
		return ret;
	if ((a.quota_bytes && a.used_bytes + size > a.quota_bytes) ||
	    (a.quota_messages && a.used_messages + 1 > a.quota_messages))
		ret = STORE_EQUOTA;
	store_account_clear(&a);
	return ret;
}

/* ------------------------------------------------------------------ */
/* aliases                                                            */

static int
exec_alias_add(struct store *s, struct store_op *op)
{
	static const char sql[] =
		"INSERT INTO aliases(address, target, domain_id) VALUES(?,?,?)";
	struct admin_op *o = (struct admin_op *)op;
	int64_t did = domain_id(s->wdb, addr_domain(o->a)), aid;
	sqlite3_stmt *st;

	if (did < 0)
		return STORE_EIO;
	if (did == 0)
		return STORE_ENOTLOCAL;
	if ((aid = account_id_w(s->wdb, o->a)) < 0)
		return STORE_EIO;
	if (aid > 0)
		return STORE_EEXIST;
	if ((st = db_prep(s->wdb, sql)) == NULL)
		return STORE_EIO;
	sqlite3_bind_text(st, 1, o->a, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, o->b, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, did);
	return db_step_done(s->wdb, st, "alias add");
}

int
store_alias_add(struct store *s, const char *address, const char *target,
		store_cb cb, void *arg)
{
	char *a, *t;
	int ret;
	struct admin_op *o;

	if ((ret = store_address_normalize(address, true, &a)) < 0)
		return ret;
	if ((ret = store_address_normalize(target, false, &t)) < 0) {
		free(a);
		return ret;
	}
	if (strcmp(a, t) == 0) {
		free(a);
		free(t);
		return STORE_ELOOP;
	}
	o = admin_op(exec_alias_add, a, NULL, NULL);
	o->b = t;
	return store_submit(s, &o->op, cb, arg);
}

static int
exec_alias_remove(struct store *s, struct store_op *op)
{
	static const char one[] =
		"DELETE FROM aliases WHERE address = ? AND target = ?";
	static const char all[] = "DELETE FROM aliases WHERE address = ?";
	struct admin_op *o = (struct admin_op *)op;
	sqlite3_stmt *st = db_prep(s->wdb, o->b ? one : all);

	if (st == NULL)
		return STORE_EIO;
	sqlite3_bind_text(st, 1, o->a, -1, SQLITE_STATIC);
	if (o->b)
		sqlite3_bind_text(st, 2, o->b, -1, SQLITE_STATIC);
	return step_changes(s->wdb, st, "alias remove");
}

int
store_alias_remove(struct store *s, const char *address, const char *target,
		   store_cb cb, void *arg)
{
	char *a, *t = NULL;
	int ret;
	struct admin_op *o;

	if ((ret = store_address_normalize(address, true, &a)) < 0)
		return ret;
	if (target && (ret = store_address_normalize(target, false, &t)) < 0) {
		free(a);
		return ret;
	}
	o = admin_op(exec_alias_remove, a, NULL, NULL);
	o->b = t;
	return store_submit(s, &o->op, cb, arg);
}

int
store_alias_list(struct store *s, const char *domain,
		 struct store_alias_list *out)
{
	static const char all[] =
		"SELECT address, target FROM aliases ORDER BY address, target";
	static const char dom[] =
		"SELECT address, target FROM aliases WHERE domain_id = "
		"(SELECT id FROM domains WHERE name = ?)"
		" ORDER BY address, target";
	struct db *db = db_reader(s);
	sqlite3_stmt *st;
	size_t cap = 0;
	char *d = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	if (db == NULL)
		return STORE_EIO;
	if (domain) {
		d = domain_canon(domain);
		st = db_prep(db, dom);
		if (st)
			sqlite3_bind_text(st, 1, d, -1, SQLITE_STATIC);
	} else {
		st = db_prep(db, all);
	}
	if (st == NULL) {
		free(d);
		return STORE_EIO;
	}
	while ((r = db_step_row(db, st, "alias list")) > 0) {
		if (out->n == cap) {
			cap = cap ? cap * 2 : 8;
			out->v = xrealloc(out->v, cap * sizeof(*out->v));
		}
		out->v[out->n].address = db_col_str0(st, 0);
		out->v[out->n].target = db_col_str0(st, 1);
		out->n++;
	}
	sqlite3_reset(st);
	free(d);
	if (r < 0)
		store_alias_list_free(out);
	return r;
}

void
store_alias_list_free(struct store_alias_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].address);
		free(l->v[i].target);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* ------------------------------------------------------------------ */
/* resolution                                                         */

#define RESOLVE_MAX_DEPTH 8
#define RESOLVE_MAX_TARGETS 1000

static int
resolved_add(struct store_resolved *r, enum store_target_kind kind,
	     int64_t account_id, const char *address)
{
	for (size_t i = 0; i < r->n; i++) {
		if (r->v[i].kind != kind)
			continue;
		if (kind == STORE_TARGET_LOCAL ?
		    r->v[i].account_id == account_id :
		    strcmp(r->v[i].address, address) == 0)
			return 0;
	}
	if (r->n >= RESOLVE_MAX_TARGETS)
		return STORE_ELOOP;
	r->v = xrealloc(r->v, (r->n + 1) * sizeof(*r->v));
	r->v[r->n].kind = kind;
	r->v[r->n].account_id = account_id;
	r->v[r->n].address = xstrdup(address);
	r->v[r->n].mailbox = NULL;
	r->n++;
	return 0;
}

static int expand(struct store *s, struct db *db, const char *addr,
		  int depth, struct store_resolved *r);

/* targets of alias address a: 1 if a is an alias, 0 if not, < 0 error */
static int
expand_alias(struct store *s, struct db *db, const char *a, int depth,
	     struct store_resolved *r)
{
	static const char sql[] =
		"SELECT target FROM aliases WHERE address = ? ORDER BY target";
	sqlite3_stmt *st = db_prep(db, sql);
	struct store_strlist t = { 0, NULL };
	size_t cap = 0;
	int ret = 0;

	if (st == NULL)
		return STORE_EIO;
	sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	while ((ret = db_step_row(db, st, "alias targets")) > 0) {
		if (t.n == cap) {
			cap = cap ? cap * 2 : 4;
			t.v = xrealloc(t.v, cap * sizeof(char *));
		}
		t.v[t.n++] = db_col_str0(st, 0);
	}
	sqlite3_reset(st);
	if (ret < 0 || t.n == 0) {
		store_strlist_free(&t);
		return ret;
	}
	for (size_t i = 0; i < t.n && ret >= 0; i++) {
		int64_t did = domain_id(db, addr_domain(t.v[i]));
		if (did < 0)
			ret = STORE_EIO;
		else if (did == 0)
			ret = resolved_add(r, STORE_TARGET_REMOTE, 0, t.v[i]);
		else {
			ret = expand(s, db, t.v[i], depth + 1, r);
			/* a dangling local target is skipped */
			if (ret == STORE_ENOTFOUND)
				ret = 0;
		}
	}
	store_strlist_free(&t);
	return ret < 0 ? ret : 1;
}

/* exact account or alias; 1 found, 0 not, < 0 error */
static int
expand_exact(struct store *s, struct db *db, const char *a, int depth,
	     struct store_resolved *r)
{
	int64_t id = account_id_w(db, a);
	int ret;

	if (id < 0)
		return STORE_EIO;
	if (id > 0) {
		ret = resolved_add(r, STORE_TARGET_LOCAL, id, a);
		return ret < 0 ? ret : 1;
	}
	return expand_alias(s, db, a, depth, r);
}

static int
expand(struct store *s, struct db *db, const char *addr, int depth,
       struct store_resolved *r)
{
	const char *at = strrchr(addr, '@');
	size_t before = r->n;
	int ret;

	if (depth > RESOLVE_MAX_DEPTH)
		return STORE_ELOOP;
	if (at == NULL)
		return STORE_ENOTFOUND;
	if ((ret = expand_exact(s, db, addr, depth, r)) != 0)
		goto out;
	/* postmaster@, abuse@ without an account or alias of their own */
	{
		const char *mailbox = NULL;
		char *role = NULL;
		size_t first = r->n;

		ret = store_role_target(s, db, addr, &role, &mailbox);
		if (ret > 0) {
			ret = expand_exact(s, db, role, depth + 1, r);
			free(role);
			for (size_t i = first; ret > 0 && i < r->n; i++)
				if (r->v[i].kind == STORE_TARGET_LOCAL)
					r->v[i].mailbox = mailbox;
		}
		if (ret != 0)
			goto out;
	}
	/* plus-addressing: user+tag@d → user@d */
	if (s->plus_sep[0] != '\0') {
		size_t cut = strcspn(addr, s->plus_sep);
		if (cut > 0 && addr + cut < at) {
			char *base = xasprintf("%.*s%s", (int)cut, addr, at);
			ret = expand_exact(s, db, base, depth, r);
			free(base);
			if (ret != 0)
				goto out;
		}
	}
	/* catch-all */
	ret = expand_alias(s, db, at, depth, r);
out:
	if (ret < 0)
		return ret;
	return r->n > before ? 0 : STORE_ENOTFOUND;
}

int
store_resolve(struct store *s, const char *address, struct store_resolved *r)
{
	struct db *db = db_reader(s);
	char *a;
	int64_t did;
	int ret;

	memset(r, 0, sizeof(*r));
	if (db == NULL)
		return STORE_EIO;
	if ((ret = store_address_normalize(address, false, &a)) < 0)
		return ret;
	did = domain_id(db, addr_domain(a));
	if (did <= 0) {
		free(a);
		return did < 0 ? STORE_EIO : STORE_ENOTLOCAL;
	}
	ret = expand(s, db, a, 0, r);
	free(a);
	if (ret < 0 || r->n == 0) {
		store_resolved_free(r);
		return ret < 0 ? ret : STORE_ENOTFOUND;
	}
	return 0;
}

void
store_resolved_free(struct store_resolved *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->v[i].address);
	free(r->v);
	r->v = NULL;
	r->n = 0;
}

/* ------------------------------------------------------------------ */
/* authentication                                                     */

int
store_auth_lookup(struct store *s, const char *login, struct store_auth *a)
{
	static const char sql[] =
		"SELECT id, address, password_hash, scram, enabled"
		" FROM accounts WHERE address = ?";
	struct db *db = db_reader(s);
	sqlite3_stmt *st;
	char *norm;
	int ret;

	memset(a, 0, sizeof(*a));
	if (db == NULL)
		return STORE_EIO;
	if (store_address_normalize(login, false, &norm) < 0)
		return STORE_ENOTFOUND;
	if ((st = db_prep(db, sql)) == NULL) {
		free(norm);
		return STORE_EIO;
	}
	sqlite3_bind_text(st, 1, norm, -1, SQLITE_STATIC);
	ret = STORE_ENOTFOUND;
	if (sqlite3_step(st) == SQLITE_ROW) {
		a->account_id = sqlite3_column_int64(st, 0);
		a->address = db_col_str0(st, 1);
		a->password_hash = db_col_str0(st, 2);
		a->scram = db_col_str0(st, 3);
		a->enabled = sqlite3_column_int(st, 4) != 0;
		ret = 0;
	}
	sqlite3_reset(st);
	free(norm);
	return ret;
}

void
store_auth_clear(struct store_auth *a)
{
	free(a->address);
	free(a->password_hash);
	free(a->scram);
	memset(a, 0, sizeof(*a));
}
