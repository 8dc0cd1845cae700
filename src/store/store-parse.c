/* store-parse.c - parse a message once, while it streams into its blob
 * (src/mime's push parser), and keep what IMAP needs (struct
 * store_parse, stored in the blob's row). */
#include "store/store-private.h"

#include "lib/buf.h"
#include "mime/mime.h"

#include <stdlib.h>
#include <string.h>

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
	free(p->header);
	memset(p, 0, sizeof(*p));
}
