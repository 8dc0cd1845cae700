/* mime-body.c - decoded UTF-8 text of the body parts, for SEARCH BODY/TEXT */
#include "mime/mime-private.h"

/* parts are decoded in chunks of this many raw bytes */
#define TEXT_CHUNK 65536

struct text_ctx {
	const unsigned char *msg;
	size_t msg_len;
	mime_text_cb *cb;
	void *ctx;
};

static bool
text_part(void *vctx, const uint32_t *section, size_t depth,
	  const struct mime_part_loc *loc)
{
	struct text_ctx *t = vctx;
	struct mime_decoder d;
	struct mime_charset_stream *cs;
	struct buf raw = BUF_INIT, out = BUF_INIT;
	bool go = true;
	uint64_t start = loc->body_start, end = loc->body_end;

	if (!slice_eq_cstr(loc->type, "text") || start > t->msg_len)
		return true;
	if (end > t->msg_len)
		end = t->msg_len;
	/* raw chunk -> CTE decoder -> charset stream -> callback */
	mime_decoder_init(&d, loc->cte);
	cs = mime_charset_stream_create(loc->charset.p, loc->charset.len, NULL);
	for (uint64_t off = start; off < end && go; off += TEXT_CHUNK) {
		size_t n = end - off < TEXT_CHUNK ? (size_t)(end - off)
						  : TEXT_CHUNK;

		mime_decoder_feed(&d, t->msg + off, n, &raw);
		mime_charset_stream_feed(cs, raw.data, raw.len, &out);
		buf_reset(&raw);
		if (out.len > 0)
			go = t->cb(t->ctx, section, depth, out.data, out.len);
		buf_reset(&out);
	}
	mime_decoder_finish(&d, &raw);
	mime_charset_stream_feed(cs, raw.data, raw.len, &out);
	mime_charset_stream_finish(&cs, &out);
	if (go && out.len > 0)
		go = t->cb(t->ctx, section, depth, out.data, out.len);
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
