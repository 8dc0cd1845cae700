/* store-parse.c - parse a message once, while it streams into its blob,
 * and keep what IMAP needs (struct store_parse).
 *
 * Until src/mime's push parser is wired in, only the header length and
 * the body's line count are computed here. */
#include "store/store-private.h"

#include <stdlib.h>
#include <string.h>

struct parse_state {
	/* last 3 bytes seen, to find the end of the header across writes */
	unsigned char tail[3];
	size_t ntail;
	bool in_body;
	uint64_t pos;
	uint64_t header_len;
	uint64_t body_lines;
	bool body_nonempty;
	unsigned char last;
};

void
store_parse_begin(struct store_blob *b)
{
	b->parser = calloc(1, sizeof(struct parse_state));
}

void
store_parse_feed(struct store_blob *b, const void *data, size_t len)
{
	struct parse_state *ps = b->parser;
	const unsigned char *p = data;

	if (ps == NULL)
		return;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = p[i];
		ps->pos++;
		if (!ps->in_body) {
			/* header ends at CRLFCRLF or LFLF */
			if (c == '\n' && ((ps->ntail >= 1 && ps->tail[2] == '\n') ||
			    (ps->ntail >= 3 && ps->tail[0] == '\n' &&
			     ps->tail[1] == '\r' && ps->tail[2] == '\r') ||
			    (ps->ntail >= 2 && ps->tail[1] == '\n' &&
			     ps->tail[2] == '\r'))) {
				ps->in_body = true;
				ps->header_len = ps->pos;
			} else if (c == '\n' && ps->pos == 1) {
				ps->in_body = true;
				ps->header_len = 1;
			} else if (c == '\n' && ps->pos == 2 && ps->tail[2] == '\r') {
				ps->in_body = true;
				ps->header_len = 2;
			}
			ps->tail[0] = ps->tail[1];
			ps->tail[1] = ps->tail[2];
			ps->tail[2] = c;
			if (ps->ntail < 3)
				ps->ntail++;
		} else {
			ps->body_nonempty = true;
			if (c == '\n')
				ps->body_lines++;
		}
		ps->last = c;
	}
}

void
store_parse_finish(struct store_blob *b)
{
	struct parse_state *ps = b->parser;

	if (b->parsed || ps == NULL)
		return;
	b->parse.header_len = ps->in_body ? ps->header_len : ps->pos;
	b->parse.body_lines = ps->body_lines +
		(ps->body_nonempty && ps->last != '\n' ? 1 : 0);
	b->parsed = true;
	free(ps);
	b->parser = NULL;
}

void
store_parse_abort(struct store_blob *b)
{
	free(b->parser);
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
	memset(p, 0, sizeof(*p));
}
