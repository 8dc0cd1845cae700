/* store-msgread.c - message reads: one message's metadata and parse
 * rows (through the parse cache), the batch iterator FETCH and SEARCH
 * use, and readers over prefix + blob */
#include "store/store-private.h"

#include "lib/buf.h"
#include "lib/log.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* reads                                                              */

#define MSG_COLS "m.uid, m.flags, m.modseq, m.internaldate," \
	" m.internaldate_tz, m.savedate, m.size, length(m.prefix), m.keywords," \
	" m.blob_id, m.prefix"
#define PARSE_COLS ", b.envelope, b.body, b.bodystructure, b.sent_date," \
	" b.sent_tz, b.header_len, b.body_lines, b.subject, b.hfrom, b.hto," \
	" b.hcc, b.hbcc, b.message_id, b.in_reply_to, b.refs," \
	" b.sort_subject, b.sort_from, b.sort_to, b.sort_cc, b.sort_dfrom," \
	" b.sort_dto, b.headers, b.partmap, b.preview"

#define SEARCH_COLS ", NULL, NULL, NULL, b.sent_date," \
	" b.sent_tz, b.header_len, b.body_lines, b.subject, b.hfrom, b.hto," \
	" b.hcc, b.hbcc, b.message_id, b.in_reply_to, b.refs," \
	" b.sort_subject, b.sort_from, b.sort_to, b.sort_cc, b.sort_dfrom," \
	" b.sort_dto, b.headers, NULL, NULL"

#define FETCH_COLS ", b.envelope, b.body, b.bodystructure, b.sent_date," \
	" b.sent_tz, b.header_len, b.body_lines, NULL, NULL, NULL," \
	" NULL, NULL, NULL, NULL, NULL," \
	" NULL, NULL, NULL, NULL, NULL," \
	" NULL, NULL, b.partmap, b.preview"

static void parse_row_read(sqlite3_stmt *st, int c, struct store_parse *p);

/* EMAILID's value: the blob and the prefix bytes (store-objectid.c) */
static uint64_t
msg_emailid(const struct store *s, sqlite3_stmt *st)
{
	return store_emailid_value(s, sqlite3_column_int64(st, 9),
				   sqlite3_column_blob(st, 10),
				   (size_t)sqlite3_column_bytes(st, 10));
}

/* the message's own prefix bytes (column 10; delivery lines) */
static void
msg_prefix_read(sqlite3_stmt *st, struct store_msg *m)
{
	if (m->prefix == NULL && m->prefix_len > 0 &&
	    (size_t)sqlite3_column_bytes(st, 10) == m->prefix_len) {
		m->prefix = xmalloc(m->prefix_len);
		memcpy(m->prefix, sqlite3_column_blob(st, 10), m->prefix_len);
	}
}

static void
msg_row_read(const struct store *s, sqlite3_stmt *st, int64_t mailbox_id,
	     unsigned fields, struct store_msg *m)
{
	m->uid = (uint32_t)sqlite3_column_int64(st, 0);
	m->id = (mailbox_id << 32) | m->uid;
	m->flags = (uint32_t)sqlite3_column_int(st, 1);
	m->modseq = (uint64_t)sqlite3_column_int64(st, 2);
	m->internaldate = sqlite3_column_int64(st, 3);
	m->internaldate_tz = sqlite3_column_int(st, 4);
	m->savedate = sqlite3_column_int64(st, 5);
	m->size = (uint64_t)sqlite3_column_int64(st, 6);
	m->prefix_len = (uint32_t)sqlite3_column_int64(st, 7);
	if (fields & STORE_MSG_KEYWORDS)
		m->keywords = db_col_str0(st, 8);
	m->blob_id = sqlite3_column_int64(st, 9);
	if (fields & STORE_MSG_OBJECTID)
		m->emailid = msg_emailid(s, st);
	msg_prefix_read(st, m);	/* SEARCH TEXT's delivery lines too */
	if (fields & (STORE_MSG_PARSE | STORE_MSG_SEARCH | STORE_MSG_FETCH |
		      STORE_MSG_HEADER))
		parse_row_read(st, 11, &m->parse);
}

/* PARSE_COLS (or SEARCH_COLS, FETCH_COLS) from column c on */
static void
parse_row_read(sqlite3_stmt *st, int c, struct store_parse *p)
{
	p->envelope = db_col_str(st, c++);
	p->body = db_col_str(st, c++);
	p->bodystructure = db_col_str(st, c++);
	p->sent_date = sqlite3_column_int64(st, c++);
	p->sent_tz = sqlite3_column_int(st, c++);
	p->header_len = (uint64_t)sqlite3_column_int64(st, c++);
	p->body_lines = (uint64_t)sqlite3_column_int64(st, c++);
	p->subject = db_col_str(st, c++);
	p->from = db_col_str(st, c++);
	p->to = db_col_str(st, c++);
	p->cc = db_col_str(st, c++);
	p->bcc = db_col_str(st, c++);
	p->message_id = db_col_str(st, c++);
	p->in_reply_to = db_col_str(st, c++);
	p->references = db_col_str(st, c++);
	p->sort_subject = db_col_str(st, c++);
	p->sort_from = db_col_str(st, c++);
	p->sort_to = db_col_str(st, c++);
	p->sort_cc = db_col_str(st, c++);
	p->sort_display_from = db_col_str(st, c++);
	p->sort_display_to = db_col_str(st, c++);
	p->headers = db_col_str(st, c++);
	p->partmap_len = (size_t)sqlite3_column_bytes(st, c);
	if (p->partmap_len) {
		p->partmap = xmalloc(p->partmap_len);
		memcpy(p->partmap, sqlite3_column_blob(st, c),
		       p->partmap_len);
	}
	p->preview = db_col_str(st, c + 1);
}

/* the parse fields `fields` wants of blob_id into p (cleared): from the
 * cache, else from its blobs row, which then goes into the cache */
static int
parse_load(struct store *s, struct db *db, int64_t blob_id, unsigned fields,
	   struct store_parse *p)
{
	static const char sql[] =
		"SELECT b.id" PARSE_COLS " FROM blobs b WHERE b.id = ?";
	sqlite3_stmt *st;
	int rc;

	if (store_pcache_get(s->pcache, blob_id, fields, p))
		return 0;
	if ((st = db_prep(db, sql)) == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, blob_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		parse_row_read(st, 1, p);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(db, "parse row");
	if (rc == SQLITE_ROW)
		store_pcache_put(s->pcache, blob_id, p);
	return 0;
}

void
store_msg_clear(struct store_msg *m)
{
	free(m->keywords);
	free(m->prefix);
	store_parse_clear(&m->parse);
	memset(m, 0, sizeof(*m));
}

int
store_msg_get(struct store *s, int64_t account_id, int64_t mailbox_id,
	      uint32_t uid, unsigned fields, struct store_msg *out)
{
	static const char plain[] =
		"SELECT " MSG_COLS " FROM messages m"
		" WHERE m.mailbox_id = ? AND m.uid = ?";
	static const char parse[] =
		"SELECT " MSG_COLS PARSE_COLS " FROM messages m"
		" JOIN blobs b ON b.id = m.blob_id"
		" WHERE m.mailbox_id = ? AND m.uid = ?";
	static const char search[] =
		"SELECT " MSG_COLS SEARCH_COLS " FROM messages m"
		" JOIN blobs b ON b.id = m.blob_id"
		" WHERE m.mailbox_id = ? AND m.uid = ?";
	static const char fetch[] =
		"SELECT " MSG_COLS FETCH_COLS " FROM messages m"
		" JOIN blobs b ON b.id = m.blob_id"
		" WHERE m.mailbox_id = ? AND m.uid = ?";
	struct db *db;
	sqlite3_stmt *st;
	int ret;

	memset(out, 0, sizeof(*out));
	if ((ret = store_mbox_reader(s, account_id, mailbox_id, &db)) < 0)
		return ret;
	st = db_prep(db, (fields & STORE_MSG_PARSE) ? parse :
		     (fields & STORE_MSG_SEARCH) ? search :
		     (fields & (STORE_MSG_FETCH | STORE_MSG_HEADER)) ? fetch :
		     plain);
	if (st == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, mailbox_id);
	sqlite3_bind_int64(st, 2, uid);
	ret = STORE_ENOTFOUND;
	if (sqlite3_step(st) == SQLITE_ROW) {
		msg_row_read(s, st, mailbox_id, fields, out);
		ret = 0;
	}
	sqlite3_reset(st);
	return ret;
}

/* STORE_MSG_HEADER from the cache: the message's prefix (column c) and
 * the blob's header bytes, read from the blob on a miss and kept */
static int
header_load(struct store *s, struct db *db, sqlite3_stmt *st, int c,
	    int64_t blob_id, struct store_msg *m)
{
	struct store_parse *p = &m->parse;
	struct store_reader *r = NULL;
	size_t plen = (size_t)sqlite3_column_bytes(st, c);
	int ret;

	if (m->prefix == NULL && plen > 0 && plen == m->prefix_len) {
		m->prefix = xmalloc(plen);
		memcpy(m->prefix, sqlite3_column_blob(st, c), plen);
	}
	if (p->header != NULL || p->header_len == 0)
		return 0;
	if ((ret = store_reader_new(s, db, blob_id, NULL, 0, &r)) < 0)
		return ret == STORE_ENOTFOUND ? 0 : ret;
	p->header = xmalloc((size_t)p->header_len);
	if (store_reader_pread(r, p->header, (size_t)p->header_len, 0) ==
	    (ssize_t)p->header_len) {
		store_pcache_put_header(s->pcache, blob_id, p->header,
					(size_t)p->header_len);
	} else {
		/* truncated blob: the reader path pads, as before */
		free(p->header);
		p->header = NULL;
	}
	store_reader_close(&r);
	return 0;
}

struct store_msg_iter {
	struct store *store;
	struct db *db;
	sqlite3_stmt *st;
	int64_t mailbox_id;
	unsigned fields;
	int kind;		/* which statement: index into db->iter_idle */
	struct store_uid_range *ranges;
	size_t nranges, next_range;
	bool active;
	struct store_msg cur;
};

int
store_msg_iter_init(struct store *s, int64_t account_id, int64_t mailbox_id,
		    const struct store_uid_range *ranges, size_t n,
		    unsigned fields, struct store_msg_iter **it_r)
{
	static const char plain[] =
		"SELECT " MSG_COLS " FROM messages m"
		" WHERE m.mailbox_id = ? AND m.uid BETWEEN ? AND ?"
		" ORDER BY m.uid";
	static const char parse[] =
		"SELECT " MSG_COLS PARSE_COLS " FROM messages m"
		" JOIN blobs b ON b.id = m.blob_id"
		" WHERE m.mailbox_id = ? AND m.uid BETWEEN ? AND ?"
		" ORDER BY m.uid";
	static const char search[] =
		"SELECT " MSG_COLS SEARCH_COLS " FROM messages m"
		" JOIN blobs b ON b.id = m.blob_id"
		" WHERE m.mailbox_id = ? AND m.uid BETWEEN ? AND ?"
		" ORDER BY m.uid";
	static const char fetch[] =
		"SELECT " MSG_COLS FETCH_COLS " FROM messages m"
		" JOIN blobs b ON b.id = m.blob_id"
		" WHERE m.mailbox_id = ? AND m.uid BETWEEN ? AND ?"
		" ORDER BY m.uid";
	/* with the parse cache: messages rows only, the rest from it */
	static const char ids[] =
		"SELECT " MSG_COLS " FROM messages m"
		" WHERE m.mailbox_id = ? AND m.uid BETWEEN ? AND ?"
		" ORDER BY m.uid";
	static const char *const sql[ITER_KINDS] = {
		parse, search, fetch, plain, ids
	};
	struct db *db;
	struct store_msg_iter *it;
	int ret;

	*it_r = NULL;
	if ((ret = store_mbox_reader(s, account_id, mailbox_id, &db)) < 0)
		return ret;
	it = xcalloc(1, sizeof(*it));
	it->store = s;
	it->db = db;
	it->mailbox_id = mailbox_id;
	it->fields = fields;
	it->ranges = store_msg_ranges_dup(ranges, n);
	it->nranges = ranges ? n : 0;
	/* a statement of its own (iterators may nest with other reads),
	 * reused from the connection's idle one when there is one */
	it->kind = (fields & STORE_MSG_PARSE) ? 0 :
		   (fields & STORE_MSG_SEARCH) ? 1 :
		   (fields & (STORE_MSG_FETCH | STORE_MSG_HEADER)) ? 2 : 3;
	if (it->kind != 3 && s->pcache != NULL)
		it->kind = ITER_IDS;
	it->st = db->iter_idle[it->kind];
	db->iter_idle[it->kind] = NULL;
	if (it->st == NULL &&
	    sqlite3_prepare_v3(db->h, sql[it->kind], -1,
			       SQLITE_PREPARE_PERSISTENT, &it->st,
			       NULL) != SQLITE_OK) {
		free(it->ranges);
		free(it);
		return db_fail(db, "iter prepare");
	}
	*it_r = it;
	return 0;
}

int
store_msg_iter_next(struct store_msg_iter *it, const struct store_msg **m_r)
{
	*m_r = NULL;
	store_msg_clear(&it->cur);
	for (;;) {
		int rc;
		if (!it->active) {
			struct store_uid_range *r;
			if (it->next_range >= it->nranges)
				return 0;
			r = &it->ranges[it->next_range++];
			sqlite3_reset(it->st);
			sqlite3_bind_int64(it->st, 1, it->mailbox_id);
			sqlite3_bind_int64(it->st, 2, r->lo);
			sqlite3_bind_int64(it->st, 3, r->hi);
			it->active = true;
		}
		rc = sqlite3_step(it->st);
		if (rc == SQLITE_ROW) {
			if (it->kind != ITER_IDS) {
				msg_row_read(it->store, it->st,
					     it->mailbox_id, it->fields,
					     &it->cur);
			} else {
				int64_t blob_id =
					sqlite3_column_int64(it->st, 9);
				int ret;

				msg_row_read(it->store, it->st,
					     it->mailbox_id,
					     it->fields & (STORE_MSG_KEYWORDS |
							   STORE_MSG_OBJECTID),
					     &it->cur);
				ret = parse_load(it->store, it->db, blob_id,
						 it->fields, &it->cur.parse);
				if (ret == 0 &&
				    (it->fields & STORE_MSG_HEADER))
					ret = header_load(it->store, it->db,
							  it->st, 10, blob_id,
							  &it->cur);
				if (ret < 0) {
					it->active = false;
					sqlite3_reset(it->st);
					return ret;
				}
			}
			*m_r = &it->cur;
			return 1;
		}
		it->active = false;
		sqlite3_reset(it->st);
		if (rc != SQLITE_DONE)
			return db_fail(it->db, "iter step");
	}
}

void
store_msg_iter_free(struct store_msg_iter **itp)
{
	struct store_msg_iter *it = *itp;

	if (it == NULL)
		return;
	*itp = NULL;
	store_msg_clear(&it->cur);
	sqlite3_reset(it->st);
	if (it->db->iter_idle[it->kind] == NULL) {
		sqlite3_clear_bindings(it->st);
		it->db->iter_idle[it->kind] = it->st;
	} else {
		sqlite3_finalize(it->st);
	}
	free(it->ranges);
	free(it);
}

int
store_msg_open(struct store *s, int64_t account_id, int64_t mailbox_id,
	       uint32_t uid, struct store_reader **r_r)
{
	static const char sql[] =
		"SELECT blob_id, prefix FROM messages"
		" WHERE mailbox_id = ? AND uid = ?";
	struct db *db;
	sqlite3_stmt *st;
	int64_t blob_id = 0;
	void *prefix = NULL;
	size_t plen = 0;
	int ret;

	*r_r = NULL;
	if ((ret = store_mbox_reader(s, account_id, mailbox_id, &db)) < 0)
		return ret;
	if ((st = db_prep(db, sql)) == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, mailbox_id);
	sqlite3_bind_int64(st, 2, uid);
	ret = STORE_ENOTFOUND;
	if (sqlite3_step(st) == SQLITE_ROW) {
		blob_id = sqlite3_column_int64(st, 0);
		plen = (size_t)sqlite3_column_bytes(st, 1);
		if (plen) {
			prefix = xmalloc(plen);
			memcpy(prefix, sqlite3_column_blob(st, 1), plen);
		}
		ret = 0;
	}
	sqlite3_reset(st);
	if (ret == 0)
		ret = store_reader_new(s, db, blob_id, prefix, plen, r_r);
	free(prefix);
	return ret;
}
