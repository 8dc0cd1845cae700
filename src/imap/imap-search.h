/* imap-search.h - SEARCH keys: parsed into a tree, evaluated per message */
#ifndef TERN_IMAP_SEARCH_H
#define TERN_IMAP_SEARCH_H

#include "imap/imap-private.h"

enum skey_type {
	SK_AND,			/* kids */
	SK_OR,			/* kids[0] or kids[1] */
	SK_NOT,			/* kids[0] */
	SK_NONE,		/* matches nothing (RECENT, NEW) */
	SK_FLAG,		/* flag set (or clear with neg) */
	SK_KEYWORD,		/* str (neg: UNKEYWORD) */
	SK_LARGER, SK_SMALLER,	/* num */
	SK_BEFORE, SK_ON, SK_SINCE,		/* day: internal date */
	SK_SENTBEFORE, SK_SENTON, SK_SENTSINCE,	/* day: Date: */
	SK_SAVEDBEFORE, SK_SAVEDON, SK_SAVEDSINCE, /* day: save date (UTC) */
	SK_OLDER, SK_YOUNGER,	/* num: internal date <= / >= this time
				   (WITHIN, RFC 5032) */
	SK_HEADER,		/* field, str: the field's text */
	SK_ADDRESS,		/* field, str: FROM/TO/CC/BCC, the addresses */
	SK_BODY, SK_TEXT,	/* str */
	SK_UIDS,		/* ranges */
	SK_MODSEQ,		/* num: modseq >= num (CONDSTORE) */
	SK_EMAILID, SK_THREADID,	/* str (OBJECTID, RFC 8474) */
};

struct skey {
	enum skey_type type;
	bool neg;
	uint32_t flag;
	uint64_t num;
	int64_t day;		/* also OLDER/YOUNGER: a unix time */
	char *str;
	char *fold;		/* HEADER/ADDRESS/BODY/TEXT: str casefolded */
	size_t fold_len;
	char *field;		/* lowercase header name; "from" etc. */
	struct store_uid_range *ranges;
	size_t n_ranges;
	struct skey *kids;
	size_t n_kids;
	/* BODY/TEXT answered by the full-text index (cmd-search.c sets it
	 * up before the first batch): the blobs that match, and those the
	 * index does not cover, which are read as before */
	bool fts;
	struct store_ids fts_match, fts_unindexed;
	/* TEXT: the uids whose per-recipient fields hold it (the prefix
	 * index), so that no message's prefix is decoded */
	struct store_ids fts_prefix;
};

/* a PARTIAL range (RFC 9394 4): results lo..hi (1-based, lo <= hi),
 * counted from the last result when last ("-1:-100") */
struct search_partial {
	uint32_t lo, hi;
	bool last;
};
/* "1:100" or "-1:-100" (either order, no "*", no 0, 32 bits) */
bool search_partial_parse(const char *s, struct search_partial *p);
/* the window of n results the range selects: [*from, *from + *count) */
void search_partial_window(const struct search_partial *p, size_t n,
			   size_t *from, size_t *count);
/* "PARTIAL (lo:hi " as the client gave it, normalised to lo <= hi */
void search_partial_append(struct buf *out, const struct search_partial *p);

struct search_query {
	struct skey root;	/* SK_AND */
	unsigned fields;	/* STORE_MSG_* needed */
	bool body;		/* BODY/TEXT: the message must be read */
	bool modseq;		/* a MODSEQ key: report the highest */
	/* ESEARCH */
	bool esearch;
	bool r_min, r_max, r_count, r_all, r_save;
	/* CONTEXT=SEARCH/SORT (RFC 5267 4): CONTEXT is a hint only; UPDATE
	 * keeps the result live (search-update.c) */
	bool r_context, r_update;
	bool r_partial;			/* PARTIAL (RFC 9394) */
	struct search_partial partial;
};

/* search-parse.c: the RETURN (...) options of SEARCH and SORT; false
 * with *error_r (BAD) */
bool search_parse_return(const struct imap_arg *list, struct search_query *q,
			 const char **error_r);
/* search-parse.c: parse "[RETURN (...)] [CHARSET x] keys"; false with
 * *error_r (and *badcharset when the charset is the problem) */
bool search_parse(struct imap_session *s, const struct imap_arg *args,
		  struct search_query *q, const char **error_r,
		  bool *badcharset);
void search_query_free(struct search_query *q);

/* search-eval.c */
struct search_msg {
	const struct store_msg *m;
	struct store_reader *reader;	/* BODY/TEXT only */
	struct buf *text;		/* loaded lazily: decoded body text */
	bool text_loaded;
	struct buf *hdr;		/* loaded lazily: "Name: value\n"
					   decoded, when the store has no
					   cached header block */
	bool hdr_loaded;
	/* THREADID's key, and where the reader comes from, opened on
	 * first need (NULL store: none) */
	struct store *store;
	int64_t account_id, mailbox_id;
	bool reader_tried;
};
/* the full-text index for the BODY/TEXT keys of k it can answer (on a
 * worker: it reads the store): how many, or <0 on a store error */
int search_fts_prepare(struct skey *k, struct store *store,
		       int64_t mailbox_id);
/* drop the index's answers from k: they hold for the messages there
 * were when it was asked, not for those that come later (a CONTEXT
 * update reads those) */
void search_fts_forget(struct skey *k);
/* after search_fts_prepare: can k be decided from the messages row alone
 * (flags, keywords, sizes, dates, uids and the index's answers)? */
bool search_rows_only(const struct skey *k);
/* after search_fts_prepare: how many bodies at most the index lets
 * match k (SIZE_MAX: it does not bound k). A BODY/TEXT key it answers
 * wholly: its matches; AND: the least of its kids' (every kid must
 * hold); OR: the sum of its kids', if each is bounded. */
size_t search_fts_bound(const struct skey *k);
/* the uids of mailbox_id that may match k (ascending, a superset of the
 * matches, at a cost in proportion to them), when search_fts_bound(k)
 * is not SIZE_MAX (else STORE_EINVAL): AND takes its most bounded
 * kid's, OR the union of its kids' */
int search_fts_candidates(const struct skey *k, struct store *store,
			  int64_t mailbox_id, struct store_ids *uids);
/* are search_fts_candidates(k) exactly k's matches (a BODY/TEXT key the
 * index answers wholly, or an OR of such), not only a superset? */
bool search_fts_exact(const struct skey *k);

bool search_eval(const struct skey *k, struct search_msg *sm);
/* case-insensitive substring: lib/casefold.h's rule */
bool search_contains(const char *hay, size_t hlen, const char *needle);

/* search-sort.c: SORT (RFC 5256) and SORT=DISPLAY (RFC 5957) */
enum sort_key {
	SORT_ARRIVAL, SORT_CC, SORT_DATE, SORT_FROM, SORT_SIZE,
	SORT_SUBJECT, SORT_TO, SORT_DISPLAYFROM, SORT_DISPLAYTO,
};
struct sort_crit {
	enum sort_key key;
	bool reverse;
};
#define SORT_MAX_CRIT 16
/* one matching message and what it sorts (and threads) by */
struct sort_item {
	uint32_t uid;
	uint64_t modseq;	/* ESORT with a MODSEQ key */
	int64_t arrival, date;
	uint64_t size;
	char *subject, *from, *to, *cc, *dfrom, *dto;
	/* THREAD only: the decoded Subject, Message-ID, In-Reply-To and
	 * References values */
	char *subject_raw, *msgid, *irt, *refs;
};
/* "(REVERSE DATE SUBJECT)" into crit; false on a bad list */
bool sort_parse(const struct imap_arg *list, struct sort_crit *crit,
		size_t *n_r);
void sort_item_fill(struct sort_item *it, const struct store_msg *m,
		    bool thread);
void sort_item_clear(struct sort_item *it);
/* i;ascii-casemap (RFC 4790 9.2): a-z fold to A-Z, so "[" and "_"
 * sort after the letters; NULL is "" */
int sort_strcmp(const char *a, const char *b);
/* sort by the criteria; equal ones by uid (= mailbox order) */
void sort_items(struct sort_item *v, size_t n, const struct sort_crit *crit,
		size_t n_crit);
/* the same order for one pair: < 0 when a sorts before b */
int sort_item_cmp(const struct sort_item *a, const struct sort_item *b,
		  const struct sort_crit *crit, size_t n_crit);

/* search-result.c: an ESEARCH sequence-set of ids in the order given
 * (RFC 5267 3.2: only ascending runs become ranges: "5,3:4,2") */
void esearch_append_set(struct buf *out, const uint32_t *ids, size_t n);

/* search-thread.c: THREAD (RFC 5256) over v (given in mailbox order;
 * ORDEREDSUBJECT reorders it), the "(...)(...)" lists appended to out;
 * seq: uid -> number to print */
enum thread_alg { THREAD_ORDEREDSUBJECT, THREAD_REFERENCES };
void thread_items(struct sort_item *v, size_t n, enum thread_alg alg,
		  uint32_t (*seq)(void *arg, uint32_t uid), void *arg,
		  struct buf *out);

/* search-update.c: CONTEXT=SEARCH/SORT (RFC 5267 4.3) */
bool imap_update_tag_used(const struct imap_session *s, const char *tag);
/* keep a result live: q, uids (SEARCH, ascending) or items (SORT, in
 * crit's order) are taken. false (nothing taken) when the session holds
 * imap.max_search_updates already. */
bool imap_update_add(struct imap_session *s, const char *tag, bool uid,
		     struct search_query *q, const struct sort_crit *crit,
		     size_t n_crit, uint32_t *uids, struct sort_item *items,
		     size_t n);
bool imap_update_cancel(struct imap_session *s, const char *tag);
void imap_updates_free(struct imap_session *s);
/* uids (reordered) are new or have new flags: ADDTO / REMOVEFROM for
 * what changed; call after the EXISTS that announces new ones */
void imap_updates_changed(struct imap_session *s, uint32_t *uids, size_t n);
/* sorted uids are about to be announced expunged: REMOVEFROM first */
void imap_updates_expunged(struct imap_session *s, const uint32_t *sorted,
			   size_t n);

#endif
