/* imap-fetch.h - FETCH items, their parsing and the body sections */
#ifndef TERN_IMAP_FETCH_H
#define TERN_IMAP_FETCH_H

#include "imap/imap-private.h"
#include "mime/mime.h"

enum fetch_kind {
	FETCH_FLAGS,
	FETCH_INTERNALDATE,
	FETCH_SIZE,		/* RFC822.SIZE */
	FETCH_ENVELOPE,
	FETCH_BODY,		/* BODY without section */
	FETCH_BODYSTRUCTURE,
	FETCH_UID,
	FETCH_MODSEQ,		/* CONDSTORE */
	FETCH_SECTION,		/* BODY[...], RFC822, RFC822.HEADER/TEXT,
				   BINARY[...] */
	FETCH_BINARY_SIZE,	/* BINARY.SIZE[part] */
	FETCH_EMAILID,		/* OBJECTID (RFC 8474) */
	FETCH_THREADID,
	FETCH_SAVEDATE,		/* RFC 8514 */
	FETCH_PREVIEW,		/* RFC 8970 */
};

enum fetch_part {
	FETCH_PART_ALL,		/* "" or N */
	FETCH_PART_HEADER,
	FETCH_PART_FIELDS,
	FETCH_PART_FIELDS_NOT,
	FETCH_PART_TEXT,
	FETCH_PART_MIME,
};

#define FETCH_MAX_DEPTH 32

struct fetch_item {
	enum fetch_kind kind;
	/* FETCH_SECTION */
	char *label;		/* "BODY[1.HEADER]", "RFC822.TEXT"... */
	bool peek;
	bool binary;		/* BINARY: content decoded (RFC 3516) */
	uint32_t path[FETCH_MAX_DEPTH];
	size_t depth;
	enum fetch_part part;
	struct slice *fields;	/* HEADER.FIELDS names (into names) */
	size_t n_fields;
	char *names;
	bool partial;
	uint64_t p_off, p_len;
	bool lazy;		/* PREVIEW (LAZY) */
};

struct fetch_items {
	size_t n;
	struct fetch_item *v;
	bool want_flags, want_uid, want_modseq;
	bool sets_seen;		/* a non-peek body item */
	unsigned store_fields;	/* STORE_MSG_* to load */
	size_t n_args;		/* arguments taken: 2 for "PREVIEW (LAZY)" */
};

/* fetch-parse.c: parse the FETCH item argument (and the list after a
 * lone PREVIEW); false + *error_r */
bool fetch_items_parse(const struct imap_arg *a, struct fetch_items *out,
		       const char **error_r);
void fetch_items_free(struct fetch_items *items);
/* cmd-fetch.c, on a worker: the FETCH responses to items for the
 * ascending uids of the selected mailbox (NOTIFY's MessageNew), body
 * data read here; \Seen is never set. Up to max_bytes of answer (0: no
 * limit): a message whose FETCH would pass it and those after it are
 * left out (*left_r of them; the client has their EXISTS and fetches
 * them itself) */
int imap_fetch_build(struct imap_session *s, const struct fetch_items *items,
		     const uint32_t *uids, size_t n, uint64_t max_bytes,
		     struct buf *out, size_t *left_r);
/* BODY[HEADER], BODY[HEADER.FIELDS[.NOT] (...)], RFC822.HEADER of the
 * message itself: served from the cached header bytes when loaded */
bool fetch_section_is_header(const struct fetch_item *it);

/* fetch-body.c: one piece of a FETCH response: text, or bytes of the
 * message to be streamed from the reader */
struct fetch_seg {
	struct buf text;
	uint64_t off, len;	/* stream (when len > 0) */
	bool nonul;		/* stream: send NUL bytes as 0x80 */
};

struct fetch_out {
	size_t n, cap;
	struct fetch_seg *v;
	bool no_stream;		/* built off the loop: data that would be
				   streamed sets wants_stream instead */
	bool wants_stream;
};

void fetch_out_text(struct fetch_out *o, const void *p, size_t len);
/* the text piece being built (valid until the next fetch_out_* call) */
struct buf *fetch_out_buf(struct fetch_out *o);
/* decimal v: FETCH answers a thousand messages at a time, and printf
 * was a fifth of the listing query's time */
void fetch_buf_u64(struct buf *b, uint64_t v);
void fetch_out_printf(struct fetch_out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void fetch_out_stream(struct fetch_out *o, uint64_t off, uint64_t len,
		      bool nonul);
/* NUL bytes become 0x80: an IMAP literal is CHAR8, no NUL (RFC 9051
 * 4.3); the length stays (as Dovecot does); BINARY uses literal8 */
void fetch_nonul(unsigned char *p, size_t n);
void fetch_out_clear(struct fetch_out *o);

/* PREVIEW of message m: the stored text, else NIL for LAZY, else made
 * now from the message (blobs stored by an older tern): then true, and
 * the text made is in *made, for the store to keep */
bool fetch_preview(struct fetch_out *o, const struct fetch_item *it,
		   const struct store_msg *m, struct store_reader *r,
		   const struct mime_preview_limits *lim, struct buf *made);
/* BINARY.SIZE[part] of message m */
void fetch_binary_size(struct fetch_out *o, const struct fetch_item *it,
		       const struct store_msg *m, struct store_reader *r);
/* the bytes of a section item (CATENATE's URL parts): false if the part
 * does not exist; else [*off_r, +*len_r) of the message as read from r,
 * or of filtered (HEADER.FIELDS, filled here) */
bool fetch_section_data(const struct fetch_item *it, const struct store_msg *m,
			struct store_reader *r, struct buf *filtered,
			uint64_t *off_r, uint64_t *len_r);
/* append the response data of a section item of message m */
void fetch_body_section(struct fetch_out *o, const struct fetch_item *it,
			const struct store_msg *m, struct store_reader *r);

/* --- cmd-urlauth.c: the part an IMAP URL names (CATENATE, URLFETCH) --- */
struct imap_url;
struct imap_url_part {
	struct store_msg msg;
	bool have_msg;
	struct store_reader *r;
	struct fetch_items fi;
	struct buf filtered;
	bool in_filtered;	/* the bytes are in filtered, else in r */
	uint64_t off, len;
};
/* open message u->uid of mailbox (of account_id) and find the part:
 * false with a static *err_r if anything is missing (p then clear) */
bool imap_url_part_open(struct imap_session *s, int64_t account_id,
			const char *mailbox, const struct imap_url *u,
			struct imap_url_part *p, const char **err_r);
void imap_url_part_clear(struct imap_url_part *p);
/* a URLAUTH URL (url: as the client wrote it, parsed into u) verifies
 * for this session (RFC 4467 6.3: access, expiry, mechanism, token):
 * true with the owner's account in *owner_r, else false with a static
 * *err_r (for the log only; the client learns nothing of why) */
bool imap_urlauth_verify(struct imap_session *s, const char *url,
			 const struct imap_url *u, int64_t *owner_r,
			 const char **err_r);

#endif
