/* store-fts.c - the full-text index SEARCH BODY/TEXT read: each blob's
 * top-level header fields and body text, exactly as the substring scan
 * of src/imap/search-eval.c sees them (mime_header_text, mime_body_text),
 * casefolded (lib/casefold.h), in the FTS5 table blob_text (trigram
 * tokenizer, case_sensitive: the text is folded already; detail=full:
 * positions). A query is the phrase of the needle's trigrams, which
 * matches where they follow each other, i.e. exactly where the needle
 * is a substring: the answer is the scan's, not an approximation of
 * it, and no stored text is read. A needle under 3 code points has no
 * trigram: GLOB over every row's stored text (still no blob read).
 *
 * A blob's row is inserted with the blob, in the same commit, and goes
 * with it (trigger blobs_text_gone). blobs.fts: 1 indexed; 0 not yet (a
 * message bigger than store.fts_inline_max, or a store made by an older
 * tern: the writer indexes those when idle, store_fts_backfill); 2 never (bigger than store.fts_max_size, or a
 * header that starts with whitespace, where the per-recipient prefix
 * would change how the scan splits the fields). SEARCH scans what is
 * not 1. */
#include "store/store-private.h"

#include "lib/buf.h"
#include "lib/casefold.h"
#include "lib/log.h"
#include "lib/utf8.h"
#include "mime/mime.h"

#include <stdlib.h>
#include <string.h>

#define FTS_BACKFILL_BYTES (256 * 1024)

static bool
fts_body_cb(void *ctx, const uint32_t *section, size_t depth,
	    const unsigned char *utf8, size_t len)
{
	buf_append(ctx, utf8, len);
	return true;
}

/* the indexed text of a blob's raw bytes: 1, or 2 when not indexable */
static int
fts_text(struct store *s, const unsigned char *raw, size_t len,
	 const struct store_parse *p, struct buf *hdr, struct buf *body)
{
	struct buf t = BUF_INIT;
	size_t hlen = p->header_len < len ? (size_t)p->header_len : len;

	if ((s->fts_max_size > 0 && len > s->fts_max_size) ||
	    (len > 0 && (raw[0] == ' ' || raw[0] == '\t')))
		return 2;
	mime_header_text(raw, hlen, &t);
	/* the scan reads the header text as a C string */
	if (t.len > 0)
		casefold_index(t.data, strnlen((const char *)t.data, t.len),
			       hdr);
	buf_reset(&t);
	if (p->partmap != NULL)
		mime_body_text(p->partmap, p->partmap_len, raw, len,
			       fts_body_cb, &t);
	casefold_index(t.data, t.len, body);
	buf_free(&t);
	return 1;
}

/* tern_header_fold(prefix): a message's per-recipient fields as the
 * index holds them (the header text SEARCH TEXT reads, folded); the
 * triggers of store_fts_prefix_schema call it */
static void
fts_header_fold_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const unsigned char *p = sqlite3_value_blob(argv[0]);
	size_t n = (size_t)sqlite3_value_bytes(argv[0]);
	struct buf t = BUF_INIT, f = BUF_INIT;

	mime_header_text(p, n, &t);
	if (t.len > 0)
		casefold_index(t.data, strnlen((const char *)t.data, t.len),
			       &f);
	sqlite3_result_text64(ctx, f.len ? (const char *)f.data : "", f.len,
			      SQLITE_TRANSIENT, SQLITE_UTF8);
	buf_free(&t);
	buf_free(&f);
}

int
store_fts_register(sqlite3 *h)
{
	return sqlite3_create_function(h, "tern_header_fold", 1,
				       SQLITE_UTF8 | SQLITE_DETERMINISTIC |
				       SQLITE_INNOCUOUS, NULL,
				       fts_header_fold_fn, NULL, NULL) ==
	       SQLITE_OK ? 0 : STORE_EIO;
}

/* The per-recipient fields (Return-Path, Delivered-To: messages.prefix,
 * not the shared blob) in an index of their own, prefix_text, with
 * rowid mailbox_id << 32 | uid: SEARCH TEXT over mail that came by SMTP
 * (every message has a prefix) costs its hits, not a read of every
 * prefix. Triggers keep it with the messages rows whatever writes them;
 * a store made before it is filled once, here. */
int
store_fts_prefix_schema(struct db *db)
{
	static const char make[] =
		"CREATE VIRTUAL TABLE prefix_text USING fts5(t,"
		" tokenize = 'trigram case_sensitive 1', detail = full);"
		"CREATE TRIGGER messages_prefix_in AFTER INSERT ON messages"
		" WHEN new.prefix IS NOT NULL BEGIN"
		" INSERT INTO prefix_text(rowid, t) VALUES("
		"new.mailbox_id * 4294967296 + new.uid,"
		" tern_header_fold(new.prefix)); END;"
		"CREATE TRIGGER messages_prefix_out AFTER DELETE ON messages"
		" WHEN old.prefix IS NOT NULL BEGIN"
		" DELETE FROM prefix_text WHERE"
		" rowid = old.mailbox_id * 4294967296 + old.uid; END;"
		"CREATE TRIGGER messages_prefix_moved AFTER UPDATE OF"
		" mailbox_id, uid, prefix ON messages BEGIN"
		" DELETE FROM prefix_text WHERE"
		" rowid = old.mailbox_id * 4294967296 + old.uid;"
		" INSERT INTO prefix_text(rowid, t) SELECT"
		" new.mailbox_id * 4294967296 + new.uid,"
		" tern_header_fold(new.prefix) WHERE new.prefix IS NOT NULL;"
		" END;"
		"INSERT INTO prefix_text(rowid, t)"
		" SELECT mailbox_id * 4294967296 + uid, tern_header_fold(prefix)"
		" FROM messages WHERE prefix IS NOT NULL;";
	static const char have[] =
		"SELECT 1 FROM sqlite_master WHERE name = 'prefix_text'";
	sqlite3_stmt *st;
	int r;

	if ((st = db_prep(db, have)) == NULL)
		return STORE_EIO;
	r = db_step_row(db, st, "prefix index");
	sqlite3_reset(st);
	if (r != 0)
		return r < 0 ? r : 0;
	if (db_exec(db, "BEGIN IMMEDIATE") < 0)
		return STORE_EIO;
	if (db_exec(db, make) < 0) {
		db_exec(db, "ROLLBACK");
		return STORE_EIO;
	}
	if (db_exec(db, "COMMIT") < 0)
		return STORE_EIO;
	if (sqlite3_changes64(db->h) > 0)
		log_info(0, "store: per-recipient fields indexed (%lld "
			 "messages)", (long long)sqlite3_changes64(db->h));
	return 0;
}

/* writer thread, in the current transaction: blobs.fts and the row */
static int
fts_put(struct store *s, int64_t blob_id, const unsigned char *raw,
	size_t len, const struct store_parse *p)
{
	static const char ins[] =
		"INSERT INTO blob_text(rowid, hdr, body) VALUES(?,?,?)";
	static const char mark[] = "UPDATE blobs SET fts = ? WHERE id = ?";
	struct buf hdr = BUF_INIT, body = BUF_INIT;
	sqlite3_stmt *st;
	int state, r = 0;

	state = fts_text(s, raw, len, p, &hdr, &body);
	if (state == 1) {
		if ((st = db_prep(s->wdb, ins)) == NULL) {
			r = STORE_EIO;
			goto out;
		}
		sqlite3_bind_int64(st, 1, blob_id);
		sqlite3_bind_text64(st, 2, hdr.len ? (const char *)hdr.data : "",
				    hdr.len, SQLITE_STATIC, SQLITE_UTF8);
		sqlite3_bind_text64(st, 3, body.len ? (const char *)body.data : "",
				    body.len, SQLITE_STATIC, SQLITE_UTF8);
		if ((r = db_step_done(s->wdb, st, "index insert")) < 0)
			goto out;
	}
	if ((st = db_prep(s->wdb, mark)) == NULL) {
		r = STORE_EIO;
		goto out;
	}
	sqlite3_bind_int(st, 1, state);
	sqlite3_bind_int64(st, 2, blob_id);
	r = db_step_done(s->wdb, st, "index mark");
out:
	buf_free(&hdr);
	buf_free(&body);
	return r;
}

int
store_fts_blob(struct store *s, struct store_blob *b)
{
	struct buf raw = BUF_INIT;
	int r;

	if (s->fts_max_size > 0 && b->size > s->fts_max_size)
		return fts_put(s, b->id, NULL, b->size, &b->parse);
	if (s->fts_inline_max > 0 && b->size > s->fts_inline_max) {
		/* fts stays 0: the writer indexes it when idle. Indexing
		 * costs about 1 ms per 3 KB of text (trigrams with
		 * positions); in the commit, a flood of 100 KB messages
		 * ran at a tenth of its rate (docs/architecture.md) */
		s->fts_backlog = true;
		return 0;
	}
	if (b->has_file) {
		/* the file is complete and durable (written through b->fd,
		 * O_WRONLY): read it back by its name */
		struct store_reader *rd = NULL;

		if ((r = store_reader_new(s, s->wdb, b->id, NULL, 0, &rd)) < 0)
			return r;
		r = store_reader_all(rd, &raw);
		store_reader_close(&rd);
		if (r < 0) {
			buf_free(&raw);
			return r;
		}
		r = fts_put(s, b->id, raw.data, raw.len, &b->parse);
		buf_free(&raw);
		return r;
	}
	return fts_put(s, b->id, b->mem.data, b->mem.len, &b->parse);
}

/* ------------------------------------------------------------------ */
/* stores made by an older tern                                        */

int
store_fts_backfill(struct store *s, size_t max, bool *more_r)
{
	static const char todo[] =
		"SELECT id FROM blobs WHERE fts != 1 AND fts = 0"
		" ORDER BY id LIMIT ?";
	static const char parse_sql[] =
		"SELECT header_len, partmap FROM blobs WHERE id = ?";
	sqlite3_stmt *st;
	int64_t *ids = NULL;
	size_t n = 0, i;
	uint64_t bytes = 0;
	int r = 0;

	*more_r = false;
	if ((st = db_prep(s->wdb, todo)) == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, (int64_t)max);
	ids = xmalloc((max ? max : 1) * sizeof(*ids));
	while (n < max && (r = db_step_row(s->wdb, st, "index todo")) > 0)
		ids[n++] = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (r < 0 || n == 0) {
		free(ids);
		return r < 0 ? r : 0;
	}
	if (db_exec(s->wdb, "BEGIN IMMEDIATE") < 0) {
		free(ids);
		return STORE_EIO;
	}
	/* a batch ends after FTS_BACKFILL_BYTES of messages read: new
	 * work waits for one batch at most (~1 ms per 3 KB of text) */
	for (i = 0; i < n && r >= 0 && bytes < FTS_BACKFILL_BYTES; i++) {
		struct store_parse p;
		struct store_reader *rd = NULL;
		struct buf raw = BUF_INIT;

		memset(&p, 0, sizeof(p));
		if ((st = db_prep(s->wdb, parse_sql)) == NULL) {
			r = STORE_EIO;
			break;
		}
		sqlite3_bind_int64(st, 1, ids[i]);
		if ((r = db_step_row(s->wdb, st, "index parse")) > 0) {
			p.header_len = (uint64_t)sqlite3_column_int64(st, 0);
			p.partmap_len = (size_t)sqlite3_column_bytes(st, 1);
			if (p.partmap_len) {
				p.partmap = xmalloc(p.partmap_len);
				memcpy(p.partmap, sqlite3_column_blob(st, 1),
				       p.partmap_len);
			}
		}
		sqlite3_reset(st);
		if (r <= 0) {
			free(p.partmap);
			continue;	/* gone meanwhile */
		}
		r = store_reader_new(s, s->wdb, ids[i], NULL, 0, &rd);
		if (r == 0) {
			if (s->fts_max_size > 0 &&
			    store_reader_size(rd) > s->fts_max_size)
				r = fts_put(s, ids[i], NULL,
					    (size_t)store_reader_size(rd), &p);
			else if ((r = store_reader_all(rd, &raw)) == 0)
				r = fts_put(s, ids[i], raw.data, raw.len, &p);
			bytes += raw.len;
			store_reader_close(&rd);
		} else if (r == STORE_ENOTFOUND) {
			r = 0;
		}
		buf_free(&raw);
		free(p.partmap);
	}
	free(ids);
	if (r < 0 || db_exec(s->wdb, "COMMIT") < 0) {
		db_exec(s->wdb, "ROLLBACK");
		return STORE_EIO;
	}
	*more_r = n == max || i < n;
	return (int)i;
}

/* ------------------------------------------------------------------ */
/* queries                                                            */

static int
id_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* every id a statement returns, appended to *out (which may hold ids
 * already: the first append makes room from its length) */
static int
fts_ids(struct db *db, sqlite3_stmt *st, struct store_ids *out)
{
	size_t cap = 0;
	int r;

	while ((r = db_step_row(db, st, "index read")) > 0) {
		if (out->n >= cap) {
			cap = out->n * 2 + 256;
			out->v = xrealloc(out->v, cap * sizeof(*out->v));
		}
		out->v[out->n++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_reset(st);
	return r;
}

bool
store_fts_usable(const char *folded, size_t len)
{
	const unsigned char *p = (const unsigned char *)folded;
	size_t i, n;
	uint32_t cp;

	for (i = 0; i < len; i += n) {
		if ((n = utf8_next(p + i, len - i, &cp)) == 0 ||
		    cp == 0xfffd || cp == 0)
			return false;
	}
	return true;
}

/* code points in s (valid UTF-8) */
static size_t
fts_chars(const char *s, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		n += ((unsigned char)s[i] & 0xc0) != 0x80;
	return n;
}

/* the query for folded: a phrase of its trigrams (column: "" or
 * "name : "), or a GLOB pattern when it has under 3 code points */
static void
fts_pattern(const char *folded, size_t len, bool phrase, const char *column,
	    struct buf *pat)
{
	if (phrase) {
		/* '"' doubled inside the phrase */
		buf_append_str(pat, column);
		buf_append_byte(pat, '"');
		for (size_t i = 0; i < len; i++) {
			if (folded[i] == '"')
				buf_append_byte(pat, '"');
			buf_append_byte(pat, (unsigned char)folded[i]);
		}
		buf_append_byte(pat, '"');
		return;
	}
	/* GLOB's own metacharacters match themselves in brackets */
	buf_append_byte(pat, '*');
	for (size_t i = 0; i < len; i++) {
		if (folded[i] == '*' || folded[i] == '?' || folded[i] == '[') {
			buf_append_byte(pat, '[');
			buf_append_byte(pat, (unsigned char)folded[i]);
			buf_append_byte(pat, ']');
		} else {
			buf_append_byte(pat, (unsigned char)folded[i]);
		}
	}
	buf_append_byte(pat, '*');
}

int
store_fts_search(struct store *s, const char *folded, size_t len, bool text,
		 struct store_ids *match, struct store_ids *unindexed)
{
	static const char todo[] = "SELECT id FROM blobs WHERE fts != 1";
	/* a phrase of the needle's trigrams, consecutive: the substring */
	static const char phrase_q[] =
		"SELECT rowid FROM blob_text WHERE blob_text MATCH ?";
	/* under 3 code points there is no trigram: every row's text is
	 * read (the column inside an expression is no constraint FTS5
	 * sees; 3.40 answers such a GLOB with no rows otherwise) */
	static const char body_all[] =
		"SELECT rowid FROM blob_text WHERE (body || '') GLOB ?";
	static const char hdr_all[] =
		"SELECT rowid FROM blob_text WHERE (hdr || '') GLOB ?";
	bool phrase = fts_chars(folded, len) >= 3;
	struct db *db = db_reader(s);
	struct buf pat = BUF_INIT;
	sqlite3_stmt *st;
	int r;

	memset(match, 0, sizeof(*match));
	memset(unindexed, 0, sizeof(*unindexed));
	if (!store_fts_usable(folded, len))
		return STORE_EINVAL;
	if (db == NULL || db_begin_read(db) < 0)
		return STORE_EIO;
	fts_pattern(folded, len, phrase, text ? "" : "body : ", &pat);
	/* the blobs not indexed first: one indexed later is in the index
	 * by the time the query runs (same read transaction anyway) */
	r = (st = db_prep(db, todo)) == NULL ? STORE_EIO :
	    fts_ids(db, st, unindexed);
	for (int pass = 0; r >= 0 && pass < (text && !phrase ? 2 : 1);
	     pass++) {
		const char *q = phrase ? phrase_q : pass ? hdr_all : body_all;

		if ((st = db_prep(db, q)) == NULL) {
			r = STORE_EIO;
			break;
		}
		sqlite3_bind_text64(st, 1, (const char *)pat.data, pat.len,
				    SQLITE_STATIC, SQLITE_UTF8);
		r = fts_ids(db, st, match);
	}
	db_end_read(db);
	buf_free(&pat);
	if (r < 0) {
		store_ids_free(match);
		store_ids_free(unindexed);
		return r;
	}
	if (match->n > 1)
		qsort(match->v, match->n, sizeof(*match->v), id_cmp);
	if (unindexed->n > 1)
		qsort(unindexed->v, unindexed->n, sizeof(*unindexed->v),
		      id_cmp);
	return 0;
}

/* end the read of a uid query: sorted on success, freed on error */
static int
fts_uids_done(struct db *db, int r, struct store_ids *uids)
{
	db_end_read(db);
	if (r < 0) {
		store_ids_free(uids);
		return r;
	}
	if (uids->n > 1)
		qsort(uids->v, uids->n, sizeof(*uids->v), id_cmp);
	return 0;
}

/* the uids of mailbox_id whose per-recipient fields hold folded,
 * appended to *uids (unsorted), in the caller's read transaction */
static int
fts_prefix_ids(struct db *db, int64_t mailbox_id, const char *folded,
	       size_t len, struct store_ids *uids)
{
	/* prefix_text: the mailbox's rowid range, then the phrase or
	 * (under 3 code points) every prefix of the mailbox read */
	static const char phrase_q[] =
		"SELECT rowid FROM prefix_text WHERE prefix_text MATCH ?"
		" AND rowid BETWEEN ? AND ?";
	static const char glob_q[] =
		"SELECT rowid FROM prefix_text WHERE rowid BETWEEN ? AND ?"
		" AND (t || '') GLOB ?";
	bool phrase = fts_chars(folded, len) >= 3;
	int64_t lo = mailbox_id * 4294967296LL, hi = lo + 0xffffffffLL;
	size_t from = uids->n;
	struct buf pat = BUF_INIT;
	sqlite3_stmt *st;
	int r;

	fts_pattern(folded, len, phrase, "", &pat);
	if ((st = db_prep(db, phrase ? phrase_q : glob_q)) == NULL) {
		buf_free(&pat);
		return STORE_EIO;
	}
	sqlite3_bind_text64(st, phrase ? 1 : 3, (const char *)pat.data, pat.len,
			    SQLITE_STATIC, SQLITE_UTF8);
	sqlite3_bind_int64(st, phrase ? 2 : 1, lo);
	sqlite3_bind_int64(st, phrase ? 3 : 2, hi);
	r = fts_ids(db, st, uids);
	buf_free(&pat);
	/* rowid to uid */
	for (size_t i = from; r >= 0 && i < uids->n; i++)
		uids->v[i] &= 0xffffffffLL;
	return r;
}

int
store_fts_prefix_uids(struct store *s, int64_t mailbox_id, const char *folded,
		      size_t len, struct store_ids *uids)
{
	struct db *db = db_reader(s);
	int r;

	memset(uids, 0, sizeof(*uids));
	if (!store_fts_usable(folded, len))
		return STORE_EINVAL;
	if (db == NULL || db_begin_read(db) < 0)
		return STORE_EIO;
	r = fts_prefix_ids(db, mailbox_id, folded, len, uids);
	return fts_uids_done(db, r, uids);
}

int
store_fts_uids(struct store *s, int64_t mailbox_id,
	       const struct store_ids *blobs, const char *prefix_fold,
	       size_t prefix_len, struct store_ids *uids)
{
	/* index messages_blob: one seek per matching body */
	static const char by_blob[] =
		"SELECT uid FROM messages WHERE blob_id = ? AND mailbox_id = ?";
	struct db *db = db_reader(s);
	sqlite3_stmt *st;
	int r = 0;

	memset(uids, 0, sizeof(*uids));
	if (db == NULL || db_begin_read(db) < 0)
		return STORE_EIO;
	for (size_t i = 0; i < blobs->n && r >= 0; i++) {
		if ((st = db_prep(db, by_blob)) == NULL) {
			r = STORE_EIO;
			break;
		}
		sqlite3_bind_int64(st, 1, blobs->v[i]);
		sqlite3_bind_int64(st, 2, mailbox_id);
		r = fts_ids(db, st, uids);
	}
	if (r >= 0 && prefix_fold != NULL)
		r = fts_prefix_ids(db, mailbox_id, prefix_fold, prefix_len, uids);
	return fts_uids_done(db, r, uids);
}

bool
store_ids_has(const struct store_ids *ids, int64_t id)
{
	return ids->n > 0 &&
	       bsearch(&id, ids->v, ids->n, sizeof(*ids->v), id_cmp) != NULL;
}

void
store_ids_free(struct store_ids *ids)
{
	free(ids->v);
	memset(ids, 0, sizeof(*ids));
}
