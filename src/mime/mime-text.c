/* mime-text.c - decoded UTF-8 text of the body parts, for SEARCH BODY/TEXT */
#include "mime/mime-private.h"

/* parts are decoded in chunks of this many raw bytes */
#define TEXT_CHUNK 65536

struct text_ctx {
	const unsigned char *msg;
	size_t msg_len;
	mime_text_cb *cb;
	void *ctx;
};

/* utf8_split - how much of b can be converted now: an incomplete UTF-8
 * sequence at the end is kept for the next chunk */
static size_t
utf8_split(const struct buf *b)
{
	size_t n = b->len, back = 0;

	while (back < 3 && back < n && (b->data[n - 1 - back] & 0xc0) == 0x80)
		back++;
	if (back < n) {
		unsigned char c = b->data[n - 1 - back];
		size_t need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;

		if (need > back + 1)
			return n - back - 1;
	}
	return n;
}

static bool
is_utf8_charset(struct slice cs)
{
	return cs.len == 0 || slice_eq_cstr(cs, "utf-8") ||
	       slice_eq_cstr(cs, "utf8") || slice_eq_cstr(cs, "us-ascii");
}

static bool
text_part(void *vctx, const uint32_t *section, size_t depth,
	  const struct mime_part_loc *loc)
{
	struct text_ctx *t = vctx;
	struct mime_decoder d;
	struct buf raw = BUF_INIT, out = BUF_INIT;
	bool go = true, stream;
	uint64_t start = loc->body_start, end = loc->body_end;

	if (!slice_eq_cstr(loc->type, "text"))
		return true;
	if (start > t->msg_len)
		return true;
	if (end > t->msg_len)
		end = t->msg_len;
	/* UTF-8 streams chunk by chunk; other charsets convert once */
	stream = is_utf8_charset(loc->charset);
	mime_decoder_init(&d, loc->cte);
	for (uint64_t off = start; off < end && go; off += TEXT_CHUNK) {
		size_t n = end - off < TEXT_CHUNK ? (size_t)(end - off)
						  : TEXT_CHUNK;

		mime_decoder_feed(&d, t->msg + off, n, &raw);
		if (stream) {
			size_t k = utf8_split(&raw);

			mime_charset_utf8_sanitize(raw.data, k, &out);
			buf_consume(&raw, k);
			if (out.len > 0)
				go = t->cb(t->ctx, section, depth, out.data,
					   out.len);
			buf_reset(&out);
		}
	}
	mime_decoder_finish(&d, &raw);
	if (go && raw.len > 0) {
		mime_charset_to_utf8(loc->charset.p, loc->charset.len,
				     raw.data, raw.len, &out);
		if (out.len > 0)
			go = t->cb(t->ctx, section, depth, out.data, out.len);
	}
	buf_free(&raw);
	buf_free(&out);
	return go;
}

void
mime_body_text(const unsigned char *partmap, size_t partmap_len,
	       const unsigned char *msg, size_t msg_len, mime_text_cb *cb,
	       void *ctx)
{
	struct text_ctx t = { msg, msg_len, cb, ctx };

	mime_part_foreach_leaf(partmap, partmap_len, text_part, &t);
}
