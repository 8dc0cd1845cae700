/* mime-parser.c - push parser: RFC 5322 header blocks and the MIME tree.
 *
 * Bytes are consumed line by line. The first LINE_PREFIX bytes of each
 * line are held back until the line can be classified (boundary of an
 * open multipart, blank line ending a header, continuation, field); the
 * rest of the line streams through. Nothing else is buffered: memory is
 * the tree plus the interesting header fields of each part. */
#include "mime/mime-private.h"

#include <stdlib.h>
#include <string.h>

#define LINE_PREFIX (2 + MIME_BOUNDARY_MAX + 2)

struct mime_parser {
	struct mime_limits lim;
	struct mime_tree t;
	uint32_t cap;
	uint32_t cur;           /* node whose header or body is being read */
	bool in_header;

	uint64_t off;           /* bytes consumed */
	uint64_t nl;            /* LFs consumed (before the current line) */
	uint64_t line_start;
	unsigned char lbuf[LINE_PREFIX];
	size_t llen;
	bool classified;        /* the current line's kind is known */
	bool skip_line;         /* boundary line: its rest is ignored */
	bool pending_child;     /* create a part when the line ends */
	uint32_t pending_parent;
	unsigned prev_eol;      /* EOL length of the previous line, 0 at start */
	bool prev_empty;        /* the previous line was only an EOL */
	unsigned char last_byte;

	size_t kept_total;      /* header bytes kept, all parts */
	struct mime_fields fields;
};

void
mime_limits_default(struct mime_limits *l)
{
	l->max_depth = 100;
	l->max_parts = 10000;
	l->max_header_bytes = 256 * 1024;
	l->max_total_header_bytes = 4 * 1024 * 1024;
}

static struct mime_node *
node(struct mime_parser *p, uint32_t i)
{
	return &p->t.nodes[i];
}

/* new_node - a part starting at hdr_start under parent; it becomes cur */
static void
new_node(struct mime_parser *p, uint32_t parent, uint64_t hdr_start)
{
	struct mime_node *n;
	uint32_t i = p->t.n;

	if (p->t.n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 8;
		p->t.nodes = xrealloc(p->t.nodes, p->cap * sizeof(*p->t.nodes));
	}
	n = &p->t.nodes[p->t.n++];
	memset(n, 0, sizeof(*n));
	n->hdr_start = n->body_start = n->body_end = hdr_start;
	n->parent = parent;
	n->first_child = n->last_child = n->next = MIME_NONE;
	if (parent == MIME_NONE) {
		n->message_header = true;
	} else {
		struct mime_node *par = node(p, parent);

		n->depth = par->depth + 1;
		n->message_header = par->kind == MIME_NODE_MESSAGE;
		if (par->last_child == MIME_NONE)
			par->first_child = i;
		else
			node(p, par->last_child)->next = i;
		par->last_child = i;
		par->nchildren++;
	}
	p->cur = i;
	p->in_header = true;
	p->fields.fs = MIME_FS_SKIP;
}

struct mime_parser *
mime_parser_create(const struct mime_limits *limits)
{
	struct mime_parser *p = xcalloc(1, sizeof(*p));

	if (limits != NULL)
		p->lim = *limits;
	else
		mime_limits_default(&p->lim);
	if (p->lim.max_parts < 1)
		p->lim.max_parts = 1;
	if (p->lim.max_total_header_bytes == 0)
		p->lim.max_total_header_bytes = 4 * 1024 * 1024;
	new_node(p, MIME_NONE, 0);
	return p;
}

/* header_end - the header of cur ends; decide what its body is */
static void
header_end(struct mime_parser *p, uint64_t body_start, uint64_t nl_body)
{
	struct mime_node *n = node(p, p->cur);
	const struct mime_param *bp;
	bool digest_child = false;

	p->in_header = false;
	p->fields.fs = MIME_FS_SKIP;
	n->body_start = n->body_end = body_start;
	n->nl_body = nl_body;
	if (n->parent != MIME_NONE) {
		struct mime_node *par = node(p, n->parent);

		digest_child = par->kind == MIME_NODE_MULTIPART &&
			       slice_eq_cstr(buf_slice(&par->subtype), "digest");
	}
	mime_parser_header_derive(n, digest_child);

	if (slice_eq_cstr(buf_slice(&n->type), "multipart")) {
		if (n->depth >= p->lim.max_depth) {
			n->cut = true;
			p->t.truncated = true;
			return;
		}
		n->kind = MIME_NODE_MULTIPART;
		bp = mime_params_get(&n->params, "boundary");
		if (bp != NULL && bp->value.len > 0)
			buf_append(&n->boundary, bp->value.data,
				   bp->value.len > MIME_BOUNDARY_MAX ?
				   MIME_BOUNDARY_MAX : bp->value.len);
		return;
	}
	if (slice_eq_cstr(buf_slice(&n->type), "message") &&
	    (slice_eq_cstr(buf_slice(&n->subtype), "rfc822") ||
	     slice_eq_cstr(buf_slice(&n->subtype), "global"))) {
		if (n->cte == MIME_CTE_QP || n->cte == MIME_CTE_BASE64) {
			/* an encoded message is not parsed; IMAP may not show
			 * message/rfc822 without its envelope, so it is shown
			 * as application/octet-stream */
			n->cut = true;
			return;
		}
		if (n->depth >= p->lim.max_depth ||
		    p->t.n >= p->lim.max_parts) {
			n->cut = true;
			p->t.truncated = true;
			return;
		}
		n->kind = MIME_NODE_MESSAGE;
		new_node(p, p->cur, body_start);
	}
}

/* close_node - cur's body ends at end; cur becomes its parent. Its
 * lines are the line ends in it (RFC 3501 body-fld-lines, as Dovecot):
 * before a boundary the last CRLF is the boundary's, and a last line
 * without one is not counted. */
static void
close_node(struct mime_parser *p, uint64_t end, uint64_t nl_end)
{
	struct mime_node *n = node(p, p->cur);

	if (end > n->body_start) {
		n->body_end = end;
		n->lines = nl_end - n->nl_body;
	} else {
		n->body_end = n->body_start;
		n->lines = 0;
	}
	p->cur = n->parent;
}

/* close_to - close every open part below node a (a itself with
 * a == MIME_NONE), all ending at end */
static void
close_to(struct mime_parser *p, uint32_t a, uint64_t end, uint64_t nl_end)
{
	while (p->cur != a && p->cur != MIME_NONE) {
		if (p->in_header) {
			struct mime_node *n = node(p, p->cur);

			header_end(p, end > n->hdr_start ? end : n->hdr_start,
				   nl_end);
			continue;
		}
		close_node(p, end, nl_end);
	}
}

/* boundary_match - the open multipart whose boundary starts this line.
 * As RFC 2046 5.1.1 says, the boundary only has to begin the line; when
 * several do, the longest wins (then the innermost), as in Dovecot. */
static uint32_t
boundary_match(struct mime_parser *p, bool *is_close)
{
	const unsigned char *l = p->lbuf;
	size_t len = p->llen, best_len = 0;
	uint32_t best = MIME_NONE;

	if (len < 3 || l[0] != '-' || l[1] != '-')
		return MIME_NONE;
	for (uint32_t i = p->cur; i != MIME_NONE; i = node(p, i)->parent) {
		struct mime_node *n = node(p, i);
		size_t bl = n->boundary.len;

		if (n->kind != MIME_NODE_MULTIPART || n->closed || bl == 0 ||
		    (i == p->cur && p->in_header) || bl <= best_len)
			continue;
		if (len < 2 + bl || memcmp(l + 2, n->boundary.data, bl) != 0)
			continue;
		best = i;
		best_len = bl;
	}
	if (best != MIME_NONE)
		*is_close = len >= 4 + best_len && l[2 + best_len] == '-' &&
			    l[3 + best_len] == '-';
	return best;
}

static void
field_data(struct mime_parser *p, const unsigned char *d, size_t len)
{
	mime_parser_header_data(&p->fields, node(p, p->cur), &p->lim,
				&p->kept_total, &p->t.truncated, d, len);
}

/* line_end - the LF ending the current line was consumed */
static void
line_end(struct mime_parser *p, bool cr)
{
	unsigned eol = cr ? 2 : 1;

	p->nl++;
	p->prev_empty = p->off - p->line_start == eol;
	if (p->in_header && p->prev_empty && !p->skip_line)
		header_end(p, p->off, p->nl);
	if (p->pending_child) {
		p->pending_child = false;
		new_node(p, p->pending_parent, p->off);
	}
	p->prev_eol = eol;
	p->line_start = p->off;
	p->llen = 0;
	p->classified = false;
	p->skip_line = false;
}

/* classify - the held-back start of the line is complete enough */
static void
classify(struct mime_parser *p)
{
	bool is_close = false;
	uint32_t a = boundary_match(p, &is_close);

	p->classified = true;
	if (a != MIME_NONE && !is_close && p->t.n >= p->lim.max_parts) {
		p->t.truncated = true;
		a = MIME_NONE;  /* no room for the part: the line is content */
	}
	if (a != MIME_NONE) {
		uint64_t end = p->line_start - p->prev_eol;
		uint64_t nl_end = p->nl - (p->prev_eol > 0);

		close_to(p, a, end, nl_end);
		if (is_close) {
			node(p, a)->closed = true;
		} else {
			p->pending_child = true;
			p->pending_parent = a;
		}
		p->skip_line = true;
		return;
	}
	if (!p->in_header)
		return;
	if (p->lbuf[0] == ' ' || p->lbuf[0] == '\t') {
		/* continuation: the current field goes on */
	} else if (p->lbuf[0] == '\n' || (p->llen >= 2 && p->lbuf[0] == '\r' &&
					  p->lbuf[1] == '\n')) {
		return; /* blank line: the header ends at line_end() */
	} else {
		mime_parser_header_field(&p->fields);
	}
	field_data(p, p->lbuf, p->llen);
}

void
mime_parser_feed(struct mime_parser *p, const void *data, size_t len)
{
	const unsigned char *d = data;
	size_t i = 0;

	while (i < len) {
		if (!p->classified) {
			unsigned char c = 0;

			while (i < len && p->llen < LINE_PREFIX) {
				c = d[i++];
				p->lbuf[p->llen++] = c;
				p->off++;
				if (c == '\n')
					break;
			}
			if (c == '\n' || p->llen == LINE_PREFIX) {
				bool cr = p->llen >= 2 ? p->lbuf[p->llen - 2] == '\r'
						       : p->last_byte == '\r';

				p->last_byte = p->lbuf[p->llen - 1];
				classify(p);
				if (c == '\n')
					line_end(p, cr);
			} else {
				p->last_byte = p->lbuf[p->llen - 1];
			}
			continue;
		}
		{
			const unsigned char *lf = memchr(d + i, '\n', len - i);
			size_t n = lf ? (size_t)(lf - (d + i)) + 1 : len - i;
			bool cr = n >= 2 ? d[i + n - 2] == '\r' : p->last_byte == '\r';

			if (p->in_header && !p->skip_line)
				field_data(p, d + i, n);
			p->off += n;
			i += n;
			p->last_byte = d[i - 1];
			if (lf != NULL)
				line_end(p, cr);
		}
	}
}

/* parser_end - end of input: close every open part */
static void
parser_end(struct mime_parser *p)
{
	if (p->llen > 0 && !p->classified)
		classify(p);
	if (p->in_header)
		header_end(p, p->off, p->nl);
	close_to(p, MIME_NONE, p->off, p->nl);
	p->t.size = p->off;
}

void
mime_parser_finish(struct mime_parser *p, struct mime_summary *out)
{
	parser_end(p);
	mime_summary_free(out);
	mime_summary_init(out);
	mime_envelope_write(&p->t.nodes[0], &out->envelope);
	mime_bodystructure_write(&p->t, 0, false, &out->body);
	mime_bodystructure_write(&p->t, 0, true, &out->bodystructure);
	mime_partmap_write(&p->t, &out->partmap);
	mime_summary_fill(&p->t, out);
}

void
mime_parser_destroy(struct mime_parser **pp)
{
	struct mime_parser *p = *pp;

	if (p == NULL)
		return;
	for (uint32_t i = 0; i < p->t.n; i++) {
		struct mime_node *n = &p->t.nodes[i];

		for (int f = 0; f < MIME_F_COUNT; f++)
			buf_free(&n->field[f]);
		buf_free(&n->type);
		buf_free(&n->subtype);
		buf_free(&n->boundary);
		mime_params_free(&n->params);
	}
	free(p->t.nodes);
	free(p);
	*pp = NULL;
}

void
mime_summarize(const unsigned char *msg, size_t len,
	       const struct mime_limits *limits, struct mime_summary *out)
{
	struct mime_parser *p = mime_parser_create(limits);

	mime_parser_feed(p, msg, len);
	mime_parser_finish(p, out);
	mime_parser_destroy(&p);
}
