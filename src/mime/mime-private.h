/* mime-private.h - the MIME tree shared by the parser and the writers
 * (envelope, bodystructure, part map, summary). Not for other modules. */
#ifndef TERN_MIME_PRIVATE_H
#define TERN_MIME_PRIVATE_H

#include "mime/mime.h"

#define MIME_NONE UINT32_MAX
/* longer boundary parameters are cut (RFC 2046 allows 70 bytes) */
#define MIME_BOUNDARY_MAX 200

enum mime_field {
	/* kept for every part */
	MIME_F_CONTENT_TYPE = 0,
	MIME_F_CTE,
	MIME_F_CONTENT_ID,
	MIME_F_CONTENT_DESC,
	MIME_F_CONTENT_DISP,
	MIME_F_CONTENT_LANG,
	MIME_F_CONTENT_LOC,
	MIME_F_CONTENT_MD5,
	/* kept for message headers only (the top level, message/rfc822) */
	MIME_F_DATE,
	MIME_F_SUBJECT,
	MIME_F_FROM,
	MIME_F_SENDER,
	MIME_F_REPLY_TO,
	MIME_F_TO,
	MIME_F_CC,
	MIME_F_BCC,
	MIME_F_IN_REPLY_TO,
	MIME_F_MESSAGE_ID,
	MIME_F_REFERENCES,
	MIME_F_COUNT
};

#define MIME_F_FIRST_MESSAGE MIME_F_DATE

enum mime_node_kind {
	MIME_NODE_LEAF = 0,
	MIME_NODE_MULTIPART,
	MIME_NODE_MESSAGE,      /* message/rfc822: one child, the message */
};

struct mime_node {
	uint64_t hdr_start, body_start, body_end;
	uint64_t nl_body;       /* LFs before body_start */
	uint64_t lines;         /* lines of [body_start, body_end) */
	uint32_t parent, first_child, last_child, next;
	uint32_t nchildren;
	unsigned depth;
	enum mime_node_kind kind;
	bool message_header;    /* a message's header: envelope fields kept */
	bool cut;               /* a limit made this multipart/message a leaf */
	bool closed;            /* multipart: close delimiter seen */
	bool has[MIME_F_COUNT];
	struct buf field[MIME_F_COUNT];  /* raw values, folding kept */
	size_t kept;                     /* bytes kept in field[] */
	/* derived when the header ends */
	struct buf type, subtype;        /* lowercase */
	struct mime_params params;
	enum mime_cte cte;
	struct buf boundary;
};

/* the header field being read (mime-parser-header.c) */
enum mime_fstate { MIME_FS_SKIP = 0, MIME_FS_NAME, MIME_FS_VALUE };

#define MIME_FIELD_NAME_MAX 32

struct mime_fields {
	enum mime_fstate fs;
	enum mime_field field;
	unsigned char name[MIME_FIELD_NAME_MAX];
	size_t nlen;
	bool name_long;
};

struct mime_tree {
	struct mime_node *nodes;    /* nodes[0] is the message */
	uint32_t n;
	uint64_t size;
	bool truncated;
};

/* grow an array of n elements (capacity: the next power of two, so
 * public structs need no capacity field) to hold one more */
static inline void *
mime_grow(void *v, size_t n, size_t size)
{
	if (n == 0 || (n & (n - 1)) == 0)
		return xrealloc(v, (n ? 2 * n : 1) * size);
	return v;
}

/* mime-parser-header.c: a header line starting a new field */
void mime_parser_header_field(struct mime_fields *f);
/* mime-parser-header.c: bytes of the current header line (after the
 * field start or a continuation): the interesting fields' values are
 * kept in n within the limits (kept_total counts all parts) */
void mime_parser_header_data(struct mime_fields *f, struct mime_node *n,
			     const struct mime_limits *lim, size_t *kept_total,
			     bool *truncated, const unsigned char *d,
			     size_t len);
/* mime-parser-header.c: the header of n ended: derive its type,
 * subtype, parameters and CTE (digest_child: the default is
 * message/rfc822, RFC 2046 5.1.5) */
void mime_parser_header_derive(struct mime_node *n, bool digest_child);

/* mime-envelope.c: IMAP ENVELOPE of a message header node */
void mime_envelope_write(const struct mime_node *msg, struct buf *out);

/* mime-bodystructure.c: BODY (ext = false) or BODYSTRUCTURE (ext = true)
 * of node i */
void mime_bodystructure_write(const struct mime_tree *t, uint32_t i,
			      bool ext, struct buf *out);

/* mime-partmap.c: serialize the tree */
void mime_partmap_write(const struct mime_tree *t, struct buf *out);

/* mime-summary.c: fill the decoded header values and SORT keys */
void mime_summary_fill(const struct mime_tree *t, struct mime_summary *out);

#endif
