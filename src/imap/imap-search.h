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
	SK_HEADER,		/* field, str: the field's text */
	SK_ADDRESS,		/* field, str: FROM/TO/CC/BCC, the addresses */
	SK_BODY, SK_TEXT,	/* str */
	SK_UIDS,		/* ranges */
	SK_MODSEQ,		/* num: modseq >= num (CONDSTORE) */
};

struct skey {
	enum skey_type type;
	bool neg;
	uint32_t flag;
	uint64_t num;
	int64_t day;
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
};

struct search_query {
	struct skey root;	/* SK_AND */
	unsigned fields;	/* STORE_MSG_* needed */
	bool body;		/* BODY/TEXT: the message must be read */
	bool modseq;		/* a MODSEQ key: report the highest */
	/* ESEARCH */
	bool esearch;
	bool r_min, r_max, r_count, r_all, r_save;
};

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
	/* where the reader comes from, opened on first need (NULL store:
	 * none) */
	struct store *store;
	int64_t account_id, mailbox_id;
	bool reader_tried;
};
/* the full-text index for the BODY/TEXT keys of k it can answer (on a
 * worker: it reads the store): how many, or <0 on a store error */
int search_fts_prepare(struct skey *k, struct store *store);
/* after search_fts_prepare: can k be decided from the messages row alone
 * (flags, keywords, sizes, dates, uids and the index's answers)? */
bool search_rows_only(const struct skey *k);
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

/* search-thread.c: THREAD (RFC 5256) over v (given in mailbox order;
 * ORDEREDSUBJECT reorders it), the "(...)(...)" lists appended to out;
 * seq: uid -> number to print */
enum thread_alg { THREAD_ORDEREDSUBJECT, THREAD_REFERENCES };
void thread_items(struct sort_item *v, size_t n, enum thread_alg alg,
		  uint32_t (*seq)(void *arg, uint32_t uid), void *arg,
		  struct buf *out);

#endif
