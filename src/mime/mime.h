/* mime.h - RFC 5322 + MIME parsing, parsed once for IMAP.
 *
 * A message is parsed once (at delivery or APPEND) by a push parser that
 * never fails and never buffers the message: memory is bounded by the
 * size of the MIME tree (at most max_parts nodes, each keeping at most
 * max_header_bytes of its interesting header fields, all of them at most
 * max_total_header_bytes). The result, a
 * struct mime_summary, holds everything IMAP needs later without
 * re-parsing: ENVELOPE, BODY, BODYSTRUCTURE, decoded header values for
 * SEARCH/SORT, the Date, and a serialized part map that locates every
 * part (IMAP section numbers) in the raw message.
 *
 * All message data is length-counted bytes; nothing here calls strlen()
 * on message bytes. Offsets are byte offsets into the raw message as fed
 * to the parser. Sizes and line counts are those of the raw bytes (the
 * store is expected to keep messages with CRLF line ends, as IMAP
 * reports them).
 *
 * There is no global state: every function may run on any thread, a
 * parser being used by one thread at a time. */
#ifndef TERN_MIME_H
#define TERN_MIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "lib/buf.h"

/* ------------------------------------------------------------------ */
/* limits                                                             */

struct mime_limits {
	unsigned max_depth;      /* nesting of multipart / message/rfc822 (100) */
	unsigned max_parts;      /* MIME parts, all levels together (10000) */
	size_t max_header_bytes; /* interesting header bytes kept per header
				  * block (256 KiB), at most 1/8 of it per
				  * field; the rest is skipped */
	size_t max_total_header_bytes; /* the same for all header blocks
				  * together (4 MiB): a message of many parts
				  * with big headers stays cheap; 0 means
				  * the default. The first KB of
				  * Content-Type and the CTE is always
				  * kept, so the structure stays right */
};

/* fill l with the defaults above */
void mime_limits_default(struct mime_limits *l);

/* ------------------------------------------------------------------ */
/* content-transfer-encoding                                          */

enum mime_cte {
	MIME_CTE_7BIT = 0,      /* also: absent */
	MIME_CTE_8BIT,
	MIME_CTE_BINARY,
	MIME_CTE_QP,            /* quoted-printable */
	MIME_CTE_BASE64,
	MIME_CTE_UNKNOWN,       /* unknown token: the body is served raw */
};

/* parse a Content-Transfer-Encoding value (case-insensitive, trimmed) */
enum mime_cte mime_cte_parse(const unsigned char *p, size_t len);
/* canonical lowercase name ("7bit", "quoted-printable", ...) */
const char *mime_cte_name(enum mime_cte cte);

/* ------------------------------------------------------------------ */
/* the parse result                                                   */

/* Every text buffer below is valid UTF-8 without NUL bytes; the IMAP
 * items (envelope, body, bodystructure) hold no NUL byte either (8-bit
 * text goes in literals), so all may be kept as C strings. */
struct mime_summary {
	/* IMAP FETCH items, ready to send (RFC 3501 / RFC 9051 7.5.2) */
	struct buf envelope;      /* "(date subject from ... message-id)" */
	struct buf body;          /* BODY: without extension data */
	struct buf bodystructure; /* BODYSTRUCTURE: with extension data */

	/* serialized part map, kept by the store as a BLOB; read it back
	 * with mime_part_find() / mime_part_foreach_leaf() */
	struct buf partmap;

	/* header values decoded for SEARCH: unfolded, RFC 2047 encoded words
	 * decoded, valid UTF-8. Empty when the field is absent (first
	 * occurrence of each field only). */
	struct buf subject;
	/* the addresses, as SEARCH FROM/TO/CC/BCC match them: one a line,
	 * "display name <local@domain>" (the name decoded) or
	 * "local@domain"; no comments, group names or raw header text */
	struct buf from, to, cc, bcc;
	struct buf message_id, in_reply_to, references;

	/* SORT keys (RFC 5256, RFC 5957), UTF-8, case kept as in the
	 * message (SORT compares them with i;unicode-casemap) */
	struct buf sort_subject;   /* base subject (RFC 5256 section 2.1) */
	struct buf sort_from;      /* addr-mailbox of the first From address */
	struct buf sort_to;        /* ... first To address */
	struct buf sort_cc;        /* ... first Cc address */
	struct buf display_from;   /* decoded display name of the first From,
				    * or "mailbox@host" when it has none */
	struct buf display_to;     /* same for the first To */

	int64_t date;      /* Date header as UTC seconds; INT64_MIN if absent/bad */
	int date_tz;       /* its zone offset in minutes east of UTC */

	uint64_t size;       /* total bytes fed */
	uint64_t header_len; /* length of the top-level header block, blank
			      * line included (= offset of the body) */
	unsigned nparts;     /* MIME parts found */
	bool truncated;      /* a limit cut the tree (depth, parts, headers) */
};

void mime_summary_init(struct mime_summary *s);
void mime_summary_free(struct mime_summary *s);

/* ------------------------------------------------------------------ */
/* push parser                                                        */

struct mime_parser;

/* limits may be NULL for the defaults */
struct mime_parser *mime_parser_create(const struct mime_limits *limits);
/* Feed the next bytes of the message. Any chunking (down to one byte at
 * a time) gives the same result. Never fails. */
void mime_parser_feed(struct mime_parser *p, const void *data, size_t len);
/* End of message: fill out (which must be initialized with
 * mime_summary_init; previous contents are replaced). The parser must
 * not be fed afterwards; destroy it. */
void mime_parser_finish(struct mime_parser *p, struct mime_summary *out);
/* free the parser and NULL the pointer (finished or not) */
void mime_parser_destroy(struct mime_parser **p);

/* create + feed + finish + destroy on a message already in memory */
void mime_summarize(const unsigned char *msg, size_t len,
		    const struct mime_limits *limits, struct mime_summary *out);

/* ------------------------------------------------------------------ */
/* part map (FETCH BODY[section], BINARY[section])                     */

struct mime_part_loc {
	/* The part as an entity: its MIME header is [header_start,
	 * body_start) (section N.MIME), its content [body_start, body_end)
	 * (section N). For the whole message (depth 0): the message header
	 * and body (sections HEADER and TEXT). */
	uint64_t header_start;
	uint64_t body_start;
	uint64_t body_end;
	/* For message/rfc822 (is_message): the embedded message's header is
	 * [body_start, msg_body_start) (section N.HEADER) and its body
	 * [msg_body_start, body_end) (section N.TEXT). For depth 0 it
	 * equals body_start. */
	uint64_t msg_body_start;
	uint64_t lines;           /* lines of [body_start, body_end) */
	struct slice type;        /* lowercase, points into the part map */
	struct slice subtype;     /* lowercase */
	struct slice charset;     /* lowercase; empty when absent */
	enum mime_cte cte;
	bool is_multipart;
	bool is_message;          /* message/rfc822 or message/global */
	unsigned nchildren;       /* multipart: its parts */
};

/* Find the part of IMAP section path[0].path[1]... (depth numbers, each
 * >= 1; depth 0 is the whole message). Numbering is IMAP's: in a
 * non-multipart message part 1 is its body; inside a message/rfc822
 * part N, N.1 is the first part of the embedded message (or its body
 * when that is not multipart). A multipart in which no part was found
 * has one empty text/plain part (its body is all preamble; as BODYSTRUCTURE shows
 * it); a multipart or message a limit cut, and an encoded (base64, QP)
 * message/rfc822, are application/octet-stream leaves. Returns false
 * when there is no such part or the map is malformed. */
bool mime_part_find(const unsigned char *partmap, size_t len,
		    const uint32_t *path, size_t depth,
		    struct mime_part_loc *loc);

/* Visit every leaf (non-multipart, non-message) part in section order.
 * section/depth is its IMAP section path. Return false from cb to stop.
 * Returns false if the map is malformed. */
typedef bool mime_part_cb(void *ctx, const uint32_t *section, size_t depth,
			  const struct mime_part_loc *loc);
bool mime_part_foreach_leaf(const unsigned char *partmap, size_t len,
			    mime_part_cb *cb, void *ctx);

/* ------------------------------------------------------------------ */
/* FETCH-time helpers                                                  */

/* BODY[HEADER.FIELDS (names)] (not=false) / HEADER.FIELDS.NOT (not=true):
 * append to out the fields of header block hdr whose names match (case-
 * insensitively) one of names, with their folded continuation lines,
 * then the terminating blank line (CRLF). */
void mime_header_filter(const unsigned char *hdr, size_t len,
			const struct slice *names, size_t n, bool not,
			struct buf *out);

/* Append to out the first occurrence of field name in header block hdr,
 * raw (folding kept, no trailing CRLF). Returns false if absent. */
bool mime_header_get(const unsigned char *hdr, size_t len, const char *name,
		     struct buf *out);

/* Iterate the fields of header block hdr (JMAP "headers"): from *pos
 * (start at 0), the next field's name (trimmed) and raw value (after
 * the ':', folding kept, no final line end); lines without a colon are
 * skipped. false at the blank line or the end. */
bool mime_header_next(const unsigned char *hdr, size_t len, size_t *pos,
		      struct slice *name, struct slice *value);

/* Decode content: append the decoded bytes to out. Never fails
 * (malformed input decoded leniently). */
void mime_decode_qp(const unsigned char *p, size_t len, struct buf *out);
void mime_decode_base64(const unsigned char *p, size_t len, struct buf *out);
/* dispatch on cte; 7bit/8bit/binary/unknown copy as is */
void mime_decode(enum mime_cte cte, const unsigned char *p, size_t len,
		 struct buf *out);
/* decoded size (BINARY.SIZE) without keeping the decoded bytes */
uint64_t mime_decoded_size(enum mime_cte cte, const unsigned char *p,
			   size_t len);

/* Streaming content decoder: feed any chunks, same result as
 * mime_decode() on the whole. */
struct mime_decoder {
	enum mime_cte cte;
	unsigned char pend[4]; /* bytes held back between chunks */
	unsigned npend;
	unsigned bits, nbits;  /* base64 accumulator */
	bool done;             /* base64: '=' seen */
	int state;             /* quoted-printable state */
	struct buf ws;         /* quoted-printable: pending whitespace */
};
void mime_decoder_init(struct mime_decoder *d, enum mime_cte cte);
void mime_decoder_feed(struct mime_decoder *d, const unsigned char *p,
		       size_t len, struct buf *out);
/* flush what is held back and free the decoder's memory */
void mime_decoder_finish(struct mime_decoder *d, struct buf *out);

/* ------------------------------------------------------------------ */
/* charsets, RFC 2047, RFC 2231                                        */

/* Convert p from charset (name as in the message, any case) to UTF-8,
 * appending to out. Invalid sequences become U+FFFD. Returns false if
 * iconv does not know the charset; out then gets p as UTF-8 with
 * invalid bytes replaced. */
bool mime_charset_to_utf8(const unsigned char *charset, size_t charset_len,
			  const unsigned char *p, size_t len, struct buf *out);
/* Streaming conversion to UTF-8: feed any chunks, same result as
 * mime_charset_to_utf8() on the whole (a sequence cut by a chunk end
 * is held back). known (may be NULL) is false for an unknown charset,
 * which is then read as UTF-8. finish flushes, frees, NULLs *s. */
struct mime_charset_stream;
struct mime_charset_stream *mime_charset_stream_create(
	const unsigned char *charset, size_t charset_len, bool *known);
void mime_charset_stream_feed(struct mime_charset_stream *s,
			      const unsigned char *p, size_t len,
			      struct buf *out);
void mime_charset_stream_finish(struct mime_charset_stream **s,
				struct buf *out);
/* append p to out, replacing invalid UTF-8 and NUL bytes by U+FFFD */
void mime_charset_utf8_sanitize(const unsigned char *p, size_t len,
				struct buf *out);

/* Decode the RFC 2047 encoded words in an (unfolded) header value into
 * UTF-8, appending to out. Whitespace between two adjacent encoded
 * words is dropped; malformed words are kept as they are; text outside
 * words is sanitized to UTF-8. */
void mime_decode_words(const unsigned char *p, size_t len, struct buf *out);
/* Unfold (drop CR and LF, RFC 5322 2.2.3), trim, and decode words. */
void mime_header_decode(const unsigned char *p, size_t len, struct buf *out);
/* The header fields of raw[0..len) as SEARCH TEXT and HEADER see them:
 * "Name: value\n" each, the value unfolded and decoded; lines without
 * a colon are skipped. Appended to out. */
void mime_header_text(const unsigned char *raw, size_t len, struct buf *out);
/* Unfold only: CR/LF removed, leading and trailing whitespace trimmed */
void mime_header_unfold(const unsigned char *p, size_t len, struct buf *out);

/* One parameter of a Content-Type / Content-Disposition value, after
 * RFC 2231 processing (continuations joined, sorted by section). */
struct mime_param {
	struct buf name;   /* lowercase, without '*' or section number */
	struct buf raw;    /* for BODYSTRUCTURE: the joined value; for an
			    * extended parameter "charset'lang'%XX..." */
	struct buf value;  /* the value as UTF-8 (charset converted) */
	bool extended;     /* had charset'lang'value encoding */
};

struct mime_params {
	struct mime_param *v;
	size_t n;
};

/* Parse a structured header value "token/token; a=b; c*0*=..." or
 * "attachment; filename=...": the part before the first ';' goes to
 * value (trimmed, comments removed; may be NULL), the parameters to
 * params. Appends to params. */
void mime_rfc2231_parse(const unsigned char *p, size_t len,
			struct buf *value, struct mime_params *params);
/* the parameter named name (lowercase), or NULL */
const struct mime_param *mime_params_get(const struct mime_params *params,
					 const char *name);
void mime_params_free(struct mime_params *params);

/* ------------------------------------------------------------------ */
/* addresses (RFC 5322 3.4, with obsolete forms)                      */

/* One element as IMAP ENVELOPE wants it. A group is a start marker
 * (mailbox = group name, host = NULL), its members, and an end marker
 * (mailbox = NULL, host = NULL). NULL fields are NIL. name is the raw
 * display name (quotes removed, unfolded, encoded words NOT decoded, as
 * ENVELOPE sends it). */
struct mime_address {
	char *name;
	char *route;    /* obsolete source route "@a,@b" without the ':' */
	char *mailbox;
	char *host;
};

struct mime_address_list {
	struct mime_address *v;
	size_t n;
};

/* Parse an address-list header value; never fails, keeps what it can.
 * Appends to out. */
void mime_address_parse(const unsigned char *p, size_t len,
			struct mime_address_list *out);
void mime_address_list_free(struct mime_address_list *l);

/* ------------------------------------------------------------------ */
/* message-ids (RFC 5322 3.6.4)                                        */

/* The ids of a References / In-Reply-To / Message-ID value, in order,
 * without their angle brackets ("left@right"), for THREAD=REFERENCES.
 * Comments, phrases and malformed ids are skipped. Appends to out. */
struct mime_msgids {
	char **v;
	size_t n;
};
void mime_msgid_parse(const unsigned char *p, size_t len,
		      struct mime_msgids *out);
void mime_msgid_free(struct mime_msgids *l);

/* ------------------------------------------------------------------ */
/* dates (RFC 5322 3.3, with obsolete zones and 2-digit years)        */

/* Parse a Date header value. On success *utc is seconds since the epoch
 * (UTC) and *tz_minutes the zone offset (e.g. -300 for EST). */
bool mime_date_parse(const unsigned char *p, size_t len, int64_t *utc,
		     int *tz_minutes);

/* RFC 5256 section 2.1 base subject (for SORT and THREAD) of a raw,
 * undecoded Subject value, appended to out as UTF-8 */
void mime_summary_base_subject(const unsigned char *p, size_t len,
			       struct buf *out);
/* the same, and whether a "Re:", "Fwd:", "(fwd)" or "[fwd: ...]" was
 * taken off (a reply or forward, for THREAD=REFERENCES' grouping) */
bool mime_summary_base_subject_reply(const unsigned char *p, size_t len,
				     struct buf *out);

/* ------------------------------------------------------------------ */
/* IMAP output helpers                                                 */

/* Append an IMAP string: a quoted string when p is short safe 7-bit
 * text, otherwise a literal {n}\r\n...; NUL bytes are dropped.
 * mime_imap_nstring appends NIL for p == NULL. */
void mime_imap_string(struct buf *out, const unsigned char *p, size_t len);
void mime_imap_nstring(struct buf *out, const unsigned char *p, size_t len);

/* ------------------------------------------------------------------ */
/* SEARCH BODY / TEXT                                                  */

/* Decoded text of the body parts of a message for SEARCH: for every
 * text/ leaf part (any subtype) (and parts with no Content-Type), the content decoded
 * per its CTE and converted from its charset to UTF-8 is passed to cb
 * in one or more chunks (section identifies the part; a part's chunks
 * come in order, before the next part's). msg is the raw message the
 * part map was made from. Return false from cb to stop early. */
typedef bool mime_text_cb(void *ctx, const uint32_t *section, size_t depth,
			  const unsigned char *utf8, size_t len);
void mime_body_text(const unsigned char *partmap, size_t partmap_len,
		    const unsigned char *msg, size_t msg_len,
		    mime_text_cb *cb, void *ctx);

/* ------------------------------------------------------------------ */
/* PREVIEW (RFC 8970)                                                  */

#define MIME_PREVIEW_MAX 256		/* characters (code points) */
/* how much of a message a preview may read (config store.preview_*);
 * the defaults */
struct mime_preview_limits {
	uint64_t parts;		/* candidate parts tried */
	uint64_t read;		/* bytes of a part read */
};
#define MIME_PREVIEW_PARTS 8
#define MIME_PREVIEW_READ 65536
/* the n-th (from 0) part a preview may come from: a text/plain or
 * text/html leaf, not empty, in a known transfer encoding; false when
 * there is no such part */
bool mime_preview_part(const unsigned char *partmap, size_t len, size_t n,
		       struct mime_part_loc *loc);
/* reads len bytes at off of the message the part map was made from
 * (fewer at its end); -1 on error */
typedef ssize_t mime_read_fn(void *ctx, void *buf, size_t len, uint64_t off);
/* The preview of a message (appended to out, "" when it has no text):
 * from the first candidate part (mime_preview_part) whose text is not
 * empty, at most lim->parts tried, lim->read bytes of each. false when
 * rd failed. */
bool mime_preview(const unsigned char *partmap, size_t len,
		  const struct mime_preview_limits *lim, mime_read_fn *rd,
		  void *ctx, struct buf *out);
/* the preview of a part from its raw content (a prefix is enough): the
 * content transfer encoding and the charset decoded, appended to out
 * as mime_preview_text() does */
void mime_preview_make(const unsigned char *raw, size_t len,
		       enum mime_cte cte, const unsigned char *charset,
		       size_t charset_len, bool html, struct buf *out);
/* UTF-8 text to preview: HTML (html) to text (tags, comments and the
 * content of script, style, title and head dropped; entities decoded);
 * plain text without the lines that start with '>' (quotes of an
 * earlier message); whitespace runs (controls, NBSP, Unicode spaces)
 * one space, none at either end; cut at MIME_PREVIEW_MAX characters,
 * on a character boundary. Invalid UTF-8 becomes U+FFFD. */
void mime_preview_text(const unsigned char *text, size_t len, bool html,
		       struct buf *out);
/* the whole text of UTF-8 HTML as mime_preview_text() makes it, without
 * the length cut (Sieve's body :text) */
void mime_html_text(const unsigned char *html, size_t len, struct buf *out);

#endif
