/* store-dmarc.c - the rows DMARC aggregate reports are made of (RFC
 * 7489 7.2): one per checked message whose From domain asks for reports,
 * written through the writer thread like every write, grouped by SQL
 * when a report is built, deleted once reported. */
#include "store/store-private.h"

#include <stdlib.h>
#include <string.h>

/* the text columns, in the order of the row struct */
#define DMARC_TEXT_COLS 17

static const char **
row_text(struct store_dmarc_row *r, size_t i)
{
	const char **v[DMARC_TEXT_COLS] = {
		&r->header_from, &r->policy_domain, &r->rua, &r->adkim,
		&r->aspf, &r->p, &r->sp, &r->source_ip, &r->envelope_from,
		&r->disposition, &r->dmarc_dkim, &r->dmarc_spf, &r->dkim,
		&r->spf_domain, &r->spf_scope, &r->spf_result, NULL,
	};

	return v[i];
}

static void
row_clear(struct store_dmarc_row *r)
{
	for (size_t i = 0; row_text(r, i) != NULL; i++)
		free((char *)*row_text(r, i));
	memset(r, 0, sizeof(*r));
}

void
store_dmarc_rows_free(struct store_dmarc_rows *r)
{
	for (size_t i = 0; i < r->n; i++)
		row_clear(&r->v[i]);
	free(r->v);
	memset(r, 0, sizeof(*r));
}

struct dmarc_op {
	struct store_op op;
	struct store_dmarc_row row;
	uint64_t max_per_day;
};

static void
dmarc_op_free(struct store_op *op)
{
	row_clear(&((struct dmarc_op *)op)->row);
}

static int
exec_dmarc_record(struct store *s, struct store_op *op)
{
	static const char count[] =
		"SELECT rows FROM dmarc_days WHERE day = ?";
	static const char counted[] =
		"INSERT INTO dmarc_days(day, rows) VALUES(?, 1)"
		" ON CONFLICT(day) DO UPDATE SET rows = rows + 1";
	static const char ins[] =
		"INSERT INTO dmarc_rows(time, day, header_from, policy_domain,"
		" rua, adkim, aspf, p, sp, source_ip, envelope_from,"
		" disposition, dmarc_dkim, dmarc_spf, dkim, spf_domain,"
		" spf_scope, spf_result, pct)"
		" VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
	struct dmarc_op *o = (struct dmarc_op *)op;
	int64_t day = o->row.time / 86400;
	sqlite3_stmt *st;
	int r, col = 3;

	if ((st = db_prep(s->wdb, count)) == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, day);
	r = db_step_row(s->wdb, st, "dmarc count");
	if (r > 0 && o->max_per_day &&
	    (uint64_t)sqlite3_column_int64(st, 0) >= o->max_per_day)
		r = STORE_ELIMIT;
	sqlite3_reset(st);
	if (r < 0)
		return r;
	if ((st = db_prep(s->wdb, counted)) == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, day);
	if ((r = db_step_done(s->wdb, st, "dmarc count")) < 0)
		return r;
	if ((st = db_prep(s->wdb, ins)) == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, o->row.time);
	sqlite3_bind_int64(st, 2, day);
	for (size_t i = 0; i < 16; i++)
		sqlite3_bind_text(st, col++, *row_text(&o->row, i), -1,
				  SQLITE_STATIC);
	sqlite3_bind_int64(st, col, o->row.pct);
	return db_step_done(s->wdb, st, "dmarc insert");
}

int
store_dmarc_record(struct store *s, const struct store_dmarc_row *row,
		   uint64_t max_per_day, store_cb cb, void *arg)
{
	struct dmarc_op *o = store_op_new(sizeof(*o), exec_dmarc_record,
					  dmarc_op_free);
	struct store_dmarc_row *r = &o->row;

	*r = *row;
	for (size_t i = 0; row_text(r, i) != NULL; i++) {
		const char *v = *row_text(r, i);

		*row_text(r, i) = xstrdup(v ? v : "");
	}
	o->max_per_day = max_per_day;
	return store_submit(s, &o->op, cb, arg);
}

int
store_dmarc_domains(struct store *s, int64_t end, struct store_strlist *out)
{
	static const char sql[] =
		"SELECT DISTINCT policy_domain FROM dmarc_rows WHERE time < ?"
		" ORDER BY policy_domain";
	struct db *db = db_reader(s);
	sqlite3_stmt *st;

	memset(out, 0, sizeof(*out));
	if (db == NULL || (st = db_prep(db, sql)) == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, end);
	return store_strlist_collect(db, st, "dmarc domains", out) < 0 ?
	       STORE_EIO : 0;
}

static void
rows_push(struct store_dmarc_rows *out, sqlite3_stmt *st, bool grouped)
{
	struct store_dmarc_row *r;

	out->v = xrealloc(out->v, (out->n + 1) * sizeof(*out->v));
	r = &out->v[out->n++];
	memset(r, 0, sizeof(*r));
	for (size_t i = 0; i < 16; i++)
		*row_text(r, i) = db_col_str0(st, (int)i);
	r->pct = (unsigned)sqlite3_column_int64(st, 16);
	r->count = grouped ? (uint64_t)sqlite3_column_int64(st, 17) : 1;
	r->time = sqlite3_column_int64(st, 18);
}

int
store_dmarc_rows(struct store *s, const char *policy_domain, int64_t end,
		 struct store_dmarc_rows *out, int64_t *first_r,
		 int64_t *last_r)
{
#define COLS " header_from, policy_domain, rua, adkim, aspf, p, sp," \
	" source_ip, envelope_from, disposition, dmarc_dkim, dmarc_spf," \
	" dkim, spf_domain, spf_scope, spf_result, pct"
	static const char latest[] =
		"SELECT" COLS ", 1, time FROM dmarc_rows"
		" WHERE policy_domain = ? AND time < ? ORDER BY id DESC LIMIT 1";
	static const char groups[] =
		"SELECT" COLS ", count(*), min(time) FROM dmarc_rows"
		" WHERE policy_domain = ? AND time < ?"
		" GROUP BY header_from, source_ip, envelope_from, disposition,"
		" dmarc_dkim, dmarc_spf, dkim, spf_domain, spf_scope, spf_result"
		" ORDER BY source_ip";
	static const char span[] =
		"SELECT min(time), max(time) FROM dmarc_rows"
		" WHERE policy_domain = ? AND time < ?";
#undef COLS
	const char *sql[3] = { latest, groups, span };
	struct db *db = db_reader(s);
	int r = 0;

	memset(out, 0, sizeof(*out));
	*first_r = *last_r = 0;
	if (db == NULL || db_begin_read(db) < 0)
		return STORE_EIO;
	for (size_t q = 0; q < 3 && r >= 0; q++) {
		sqlite3_stmt *st = db_prep(db, sql[q]);

		if (st == NULL) {
			r = STORE_EIO;
			break;
		}
		sqlite3_bind_text(st, 1, policy_domain, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, end);
		while ((r = db_step_row(db, st, "dmarc rows")) > 0) {
			if (q < 2) {
				rows_push(out, st, q == 1);
			} else {
				*first_r = sqlite3_column_int64(st, 0);
				*last_r = sqlite3_column_int64(st, 1);
			}
		}
		sqlite3_reset(st);
	}
	db_end_read(db);
	if (r < 0) {
		store_dmarc_rows_free(out);
		return STORE_EIO;
	}
	return 0;
}

struct dmarc_del_op {
	struct store_op op;
	char *domain;
	int64_t end;
};

static void
dmarc_del_free(struct store_op *op)
{
	free(((struct dmarc_del_op *)op)->domain);
}

static int
exec_dmarc_delete(struct store *s, struct store_op *op)
{
	static const char one[] =
		"DELETE FROM dmarc_rows WHERE policy_domain = ? AND time < ?";
	static const char all[] = "DELETE FROM dmarc_rows WHERE time < ?";
	static const char days[] = "DELETE FROM dmarc_days WHERE day < ?";
	struct dmarc_del_op *o = (struct dmarc_del_op *)op;
	sqlite3_stmt *st = db_prep(s->wdb, o->domain ? one : all);
	int col = 1, ret;

	if (st == NULL)
		return STORE_EIO;
	if (o->domain)
		sqlite3_bind_text(st, col++, o->domain, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, col, o->end);
	if ((ret = db_step_done(s->wdb, st, "dmarc delete")) < 0 || o->domain)
		return ret;
	/* the counts of days gone by (a reported day keeps its count: the
	 * limit is on what a day records) */
	if ((st = db_prep(s->wdb, days)) == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, o->end / 86400);
	return db_step_done(s->wdb, st, "dmarc delete");
}

int
store_dmarc_delete(struct store *s, const char *policy_domain, int64_t end,
		   store_cb cb, void *arg)
{
	struct dmarc_del_op *o = store_op_new(sizeof(*o), exec_dmarc_delete,
					      dmarc_del_free);

	o->domain = policy_domain ? xstrdup(policy_domain) : NULL;
	o->end = end;
	return store_submit(s, &o->op, cb, arg);
}
