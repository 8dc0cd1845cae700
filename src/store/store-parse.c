/* store-parse.c - parse a message once, while it streams into its blob
 * (src/mime's push parser), and keep what IMAP needs (struct
 * store_parse, stored in the blob's row). */
#include "store/store-private.h"

#include "lib/buf.h"
#include "mime/mime.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void
store_parse_begin(struct store_blob *b)
{
	b->parser = mime_parser_create(NULL);
}

void
store_parse_feed(struct store_blob *b, const void *data, size_t len)
{
	if (b->parser != NULL)
		mime_parser_feed(b->parser, data, len);
}

/* malloc'd NUL-terminated copy; NULL when empty (field absent) */
static char *
str_or_null(const struct buf *v)
{
	if (v->len == 0)
		return NULL;
	return xstrndup((const char *)v->data, v->len);
}

struct preview_src {
	struct store_blob *b;
	int fd;			/* the blob file, opened on first read */
};

static ssize_t
preview_read(void *ctx, void *buf, size_t len, uint64_t off)
{
	struct preview_src *src = ctx;
	struct store_blob *b = src->b;

	if (off >= b->size)
		return 0;
	if (len > b->size - off)
		len = (size_t)(b->size - off);
	if (!b->has_file) {
		if (off + len > b->mem.len)
			return -1;
		memcpy(buf, b->mem.data + off, len);
		return (ssize_t)len;
	}
	/* the writing fd is write-only */
	if (src->fd < 0)
		src->fd = openat(b->store->blobs_dirfd, b->tmpname,
				 O_RDONLY | O_CLOEXEC);
	return src->fd < 0 ? -1 : pread(src->fd, buf, len, (off_t)off);
}

/* PREVIEW (RFC 8970), made once here and kept in the blob's row ("" for
 * a message without text; NULL when the bytes could not be read back:
 * then it is made when first asked for) */
static char *
parse_preview(struct store_blob *b, const struct store_parse *p)
{
	struct preview_src src = { b, -1 };
	struct buf out = BUF_INIT;
	bool ok = true;

	if (p->partmap != NULL)
		ok = mime_preview(p->partmap, p->partmap_len,
				  &b->store->preview, preview_read, &src,
				  &out);
	if (src.fd >= 0)
		close(src.fd);
	if (!ok) {
		buf_free(&out);
		return NULL;
	}
	buf_append_byte(&out, '\0');
	return (char *)buf_steal(&out);
}

void
store_parse_finish(struct store_blob *b)
{
	struct mime_parser *mp = b->parser;
	struct store_parse *p = &b->parse;
	struct mime_summary ms;
	struct mime_part_loc loc;

	if (b->parsed || mp == NULL)
		return;
	mime_summary_init(&ms);
	mime_parser_finish(mp, &ms);
	mime_parser_destroy(&mp);
	b->parser = NULL;

	store_parse_clear(p);
	p->envelope = str_or_null(&ms.envelope);
	p->body = str_or_null(&ms.body);
	p->bodystructure = str_or_null(&ms.bodystructure);
	p->sent_date = ms.date == INT64_MIN ? 0 : ms.date;
	p->sent_tz = ms.date == INT64_MIN ? 0 : ms.date_tz;
	p->header_len = ms.header_len;
	p->subject = str_or_null(&ms.subject);
	p->from = str_or_null(&ms.from);
	p->to = str_or_null(&ms.to);
	p->cc = str_or_null(&ms.cc);
	p->bcc = str_or_null(&ms.bcc);
	p->message_id = str_or_null(&ms.message_id);
	p->in_reply_to = str_or_null(&ms.in_reply_to);
	p->references = str_or_null(&ms.references);
	p->sort_subject = str_or_null(&ms.sort_subject);
	p->sort_from = str_or_null(&ms.sort_from);
	p->sort_to = str_or_null(&ms.sort_to);
	p->sort_cc = str_or_null(&ms.sort_cc);
	p->sort_display_from = str_or_null(&ms.display_from);
	p->sort_display_to = str_or_null(&ms.display_to);
	if (ms.partmap.len) {
		p->partmap = xmalloc(ms.partmap.len);
		memcpy(p->partmap, ms.partmap.data, ms.partmap.len);
		p->partmap_len = ms.partmap.len;
		if (mime_part_find(p->partmap, p->partmap_len, NULL, 0, &loc))
			p->body_lines = loc.lines;
	}
	p->preview = parse_preview(b, p);
	mime_summary_free(&ms);
	b->parsed = true;
}

void
store_parse_abort(struct store_blob *b)
{
	struct mime_parser *mp = b->parser;

	mime_parser_destroy(&mp);
	b->parser = NULL;
}

void
store_parse_clear(struct store_parse *p)
{
	free(p->envelope);
	free(p->body);
	free(p->bodystructure);
	free(p->subject);
	free(p->from);
	free(p->to);
	free(p->cc);
	free(p->bcc);
	free(p->message_id);
	free(p->in_reply_to);
	free(p->references);
	free(p->sort_subject);
	free(p->sort_from);
	free(p->sort_to);
	free(p->sort_cc);
	free(p->sort_display_from);
	free(p->sort_display_to);
	free(p->headers);
	free(p->partmap);
	free(p->preview);
	free(p->header);
	memset(p, 0, sizeof(*p));
}
