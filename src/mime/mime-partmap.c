/* mime-partmap.c - the serialized part map and IMAP section lookup.
 *
 * Format: "TPM1", then the parts in preorder. A part is
 *   varint fields_len, fields, varint subtree_len, its children
 * fields: flags (1 multipart, 2 message), nchildren, header_start,
 *   body_start - header_start, body_end - body_start,
 *   msg_body_start - body_start, lines, cte, then type, subtype and
 *   charset as varint length + bytes.
 * Varints are LEB128. A message/rfc822 part has one child: the message. */
#include "mime/mime-private.h"

#include <string.h>

#define PM_MAGIC "TPM1"
#define PM_MULTIPART 1
#define PM_MESSAGE 2
#define PM_MAX_DEPTH 256

struct rec {
	struct mime_part_loc loc;
	size_t children;    /* offset of the first child record */
	size_t end;         /* offset just past the subtree */
};

static void
put_varint(struct buf *b, uint64_t v)
{
	while (v >= 0x80) {
		buf_append_byte(b, (unsigned char)(v | 0x80));
		v >>= 7;
	}
	buf_append_byte(b, (unsigned char)v);
}

static void
put_bytes(struct buf *b, const void *p, size_t len)
{
	put_varint(b, len);
	buf_append(b, p, len);
}

static void
put_record(struct buf *out, unsigned flags, uint32_t nchildren,
	   const struct mime_node *n, uint64_t msg_body_start,
	   const char *type, const char *subtype, const struct buf *children)
{
	struct buf f = BUF_INIT;
	const struct mime_param *cs = mime_params_get(&n->params, "charset");

	put_varint(&f, flags);
	put_varint(&f, nchildren);
	put_varint(&f, n->hdr_start);
	put_varint(&f, n->body_start - n->hdr_start);
	put_varint(&f, n->body_end - n->body_start);
	put_varint(&f, msg_body_start - n->body_start);
	put_varint(&f, n->lines);
	put_varint(&f, (uint64_t)n->cte);
	if (type != NULL) {
		put_bytes(&f, type, strlen(type));
		put_bytes(&f, subtype, strlen(subtype));
	} else {
		put_bytes(&f, n->type.data, n->type.len);
		put_bytes(&f, n->subtype.data, n->subtype.len);
	}
	if (cs != NULL && type == NULL) {
		struct buf lc = BUF_INIT;

		buf_append(&lc, cs->value.data, cs->value.len);
		for (size_t i = 0; i < lc.len; i++)
			if (lc.data[i] >= 'A' && lc.data[i] <= 'Z')
				lc.data[i] += 32;
		put_bytes(&f, lc.data, lc.len);
		buf_free(&lc);
	} else {
		put_varint(&f, 0);
	}
	put_varint(out, f.len);
	buf_append(out, f.data, f.len);
	put_varint(out, children ? children->len : 0);
	if (children)
		buf_append(out, children->data, children->len);
	buf_free(&f);
}

static void
write_node(const struct mime_tree *t, uint32_t i, struct buf *out)
{
	const struct mime_node *n = &t->nodes[i];
	struct buf kids = BUF_INIT;

	if (n->kind == MIME_NODE_MULTIPART) {
		if (n->first_child == MIME_NONE) {
			/* no part found: one empty text part (the body is
			 * all preamble), as BODYSTRUCTURE shows it */
			struct mime_node fake = *n;

			fake.hdr_start = n->body_start;
			fake.body_end = n->body_start;
			fake.lines = 0;
			fake.cte = MIME_CTE_7BIT;
			put_record(&kids, 0, 0, &fake, n->body_start, "text",
				   "plain", NULL);
			put_record(out, PM_MULTIPART, 1, n, n->body_start,
				   NULL, NULL, &kids);
		} else {
			for (uint32_t c = n->first_child; c != MIME_NONE;
			     c = t->nodes[c].next)
				write_node(t, c, &kids);
			put_record(out, PM_MULTIPART, n->nchildren, n,
				   n->body_start, NULL, NULL, &kids);
		}
	} else if (n->kind == MIME_NODE_MESSAGE) {
		write_node(t, n->first_child, &kids);
		put_record(out, PM_MESSAGE, 1, n,
			   t->nodes[n->first_child].body_start, NULL, NULL,
			   &kids);
	} else if (n->cut) {
		put_record(out, 0, 0, n, n->body_start, "application",
			   "octet-stream", NULL);
	} else {
		put_record(out, 0, 0, n, n->body_start, NULL, NULL, NULL);
	}
	buf_free(&kids);
}

void
mime_partmap_write(const struct mime_tree *t, struct buf *out)
{
	buf_append(out, PM_MAGIC, 4);
	write_node(t, 0, out);
}

/* reading */

static bool
get_varint(const unsigned char *p, size_t len, size_t *pos, uint64_t *v)
{
	*v = 0;
	for (unsigned shift = 0; shift < 64; shift += 7) {
		unsigned char c;

		if (*pos >= len)
			return false;
		c = p[(*pos)++];
		*v |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80))
			return true;
	}
	return false;
}

static bool
get_bytes(const unsigned char *p, size_t len, size_t *pos, struct slice *s)
{
	uint64_t n;

	if (!get_varint(p, len, pos, &n) || n > len - *pos)
		return false;
	s->p = p + *pos;
	s->len = (size_t)n;
	*pos += (size_t)n;
	return true;
}

/* read_rec - the record at pos (bounded by end) */
static bool
read_rec(const unsigned char *p, size_t end, size_t pos, struct rec *r)
{
	uint64_t flen, flags, nch, hs, hl, bl, ml, lines, cte, sub;
	size_t fend;

	memset(r, 0, sizeof(*r));
	if (!get_varint(p, end, &pos, &flen) || flen > end - pos)
		return false;
	fend = pos + (size_t)flen;
	if (!get_varint(p, fend, &pos, &flags) ||
	    !get_varint(p, fend, &pos, &nch) ||
	    !get_varint(p, fend, &pos, &hs) ||
	    !get_varint(p, fend, &pos, &hl) ||
	    !get_varint(p, fend, &pos, &bl) ||
	    !get_varint(p, fend, &pos, &ml) ||
	    !get_varint(p, fend, &pos, &lines) ||
	    !get_varint(p, fend, &pos, &cte) ||
	    !get_bytes(p, fend, &pos, &r->loc.type) ||
	    !get_bytes(p, fend, &pos, &r->loc.subtype) ||
	    !get_bytes(p, fend, &pos, &r->loc.charset) ||
	    nch > UINT32_MAX || cte > MIME_CTE_UNKNOWN)
		return false;
	pos = fend;
	if (!get_varint(p, end, &pos, &sub) || sub > end - pos)
		return false;
	r->loc.header_start = hs;
	r->loc.body_start = hs + hl;
	r->loc.body_end = r->loc.body_start + bl;
	r->loc.msg_body_start = r->loc.body_start + ml;
	r->loc.lines = lines;
	r->loc.cte = (enum mime_cte)cte;
	r->loc.is_multipart = flags & PM_MULTIPART;
	r->loc.is_message = flags & PM_MESSAGE;
	r->loc.nchildren = (unsigned)nch;
	r->children = pos;
	r->end = pos + (size_t)sub;
	return true;
}

/* child - the k-th (1-based) child record of r */
static bool
child(const unsigned char *p, const struct rec *r, uint32_t k,
      struct rec *out)
{
	size_t pos = r->children;

	if (k < 1 || k > r->loc.nchildren)
		return false;
	for (uint32_t j = 1;; j++) {
		if (pos >= r->end || !read_rec(p, r->end, pos, out))
			return false;
		if (j == k)
			return true;
		pos = out->end;
	}
}

static bool
root(const unsigned char *p, size_t len, struct rec *r)
{
	if (len < 4 || memcmp(p, PM_MAGIC, 4) != 0)
		return false;
	return read_rec(p, len, 4, r);
}

bool
mime_part_find(const unsigned char *partmap, size_t len,
	       const uint32_t *path, size_t depth, struct mime_part_loc *loc)
{
	struct rec ctx, target;
	bool ctx_is_message = true;

	if (!root(partmap, len, &ctx))
		return false;
	target = ctx;
	for (size_t d = 0; d < depth; d++) {
		if (d > 0) {
			/* descend into the part found so far */
			if (target.loc.is_message) {
				if (!child(partmap, &target, 1, &ctx))
					return false;
				ctx_is_message = true;
			} else if (target.loc.is_multipart) {
				ctx = target;
				ctx_is_message = false;
			} else {
				return false;
			}
		}
		if (ctx.loc.is_multipart) {
			if (!child(partmap, &ctx, path[d], &target))
				return false;
		} else if (path[d] == 1 && ctx_is_message) {
			target = ctx;
		} else {
			/* only a message's single body is part 1 of it */
			return false;
		}
	}
	*loc = target.loc;
	return true;
}

struct walk {
	const unsigned char *p;
	mime_part_cb *cb;
	void *ctx;
	uint32_t path[PM_MAX_DEPTH];
	bool stop;
};

static bool walk_msg(struct walk *w, const struct rec *msg, size_t depth);

static bool
walk_part(struct walk *w, const struct rec *r, size_t depth)
{
	struct rec c;

	if (r->loc.is_message) {
		if (!child(w->p, r, 1, &c))
			return false;
		return walk_msg(w, &c, depth);
	}
	if (r->loc.is_multipart) {
		if (depth >= PM_MAX_DEPTH)
			return true;
		for (uint32_t k = 1; k <= r->loc.nchildren && !w->stop; k++) {
			if (!child(w->p, r, k, &c))
				return false;
			w->path[depth] = k;
			if (!walk_part(w, &c, depth + 1))
				return false;
		}
		return true;
	}
	if (!w->cb(w->ctx, w->path, depth, &r->loc))
		w->stop = true;
	return true;
}

static bool
walk_msg(struct walk *w, const struct rec *msg, size_t depth)
{
	if (msg->loc.is_multipart || depth >= PM_MAX_DEPTH)
		return walk_part(w, msg, depth);
	w->path[depth] = 1;
	if (msg->loc.is_message) {
		struct rec c;

		if (!child(w->p, msg, 1, &c))
			return false;
		return walk_msg(w, &c, depth + 1);
	}
	return walk_part(w, msg, depth + 1);
}

bool
mime_part_foreach_leaf(const unsigned char *partmap, size_t len,
		       mime_part_cb *cb, void *ctx)
{
	struct walk w = { .p = partmap, .cb = cb, .ctx = ctx };
	struct rec r;

	if (!root(partmap, len, &r))
		return false;
	return walk_msg(&w, &r, 0);
}
