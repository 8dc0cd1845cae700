/* mime-testlib.c - helpers shared by the mime unit tests */
#include "mime-testlib.h"

#include <stdio.h>
#include <string.h>

bool
mime_test_load(const char *path, struct buf *out)
{
	FILE *f = fopen(path, "rb");
	unsigned char tmp[8192];
	size_t n;

	if (f == NULL)
		return false;
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
		buf_append(out, tmp, n);
	fclose(f);
	return true;
}

void
mime_test_parse(const unsigned char *msg, size_t len, size_t chunk,
		const struct mime_limits *limits, struct mime_summary *out)
{
	struct mime_parser *p = mime_parser_create(limits);

	if (chunk == 0)
		chunk = len ? len : 1;
	for (size_t off = 0; off < len; off += chunk)
		mime_parser_feed(p, msg + off, len - off < chunk ? len - off : chunk);
	mime_parser_finish(p, out);
	mime_parser_destroy(&p);
}

static bool
buf_same(const struct buf *a, const struct buf *b)
{
	return a->len == b->len && (a->len == 0 ||
				    memcmp(a->data, b->data, a->len) == 0);
}

bool
mime_test_same(const struct mime_summary *a, const struct mime_summary *b)
{
	const struct buf *x[] = {
		&a->envelope, &a->body, &a->bodystructure, &a->partmap,
		&a->subject, &a->from, &a->to, &a->cc, &a->bcc,
		&a->message_id, &a->in_reply_to, &a->references,
		&a->sort_subject, &a->sort_from, &a->sort_to, &a->sort_cc,
		&a->display_from, &a->display_to,
	};
	const struct buf *y[] = {
		&b->envelope, &b->body, &b->bodystructure, &b->partmap,
		&b->subject, &b->from, &b->to, &b->cc, &b->bcc,
		&b->message_id, &b->in_reply_to, &b->references,
		&b->sort_subject, &b->sort_from, &b->sort_to, &b->sort_cc,
		&b->display_from, &b->display_to,
	};

	for (size_t i = 0; i < sizeof(x) / sizeof(x[0]); i++)
		if (!buf_same(x[i], y[i]))
			return false;
	return a->date == b->date && a->date_tz == b->date_tz &&
	       a->size == b->size && a->header_len == b->header_len &&
	       a->nparts == b->nparts && a->truncated == b->truncated;
}

static bool
dump_leaf(void *ctx, const uint32_t *section, size_t depth,
	  const struct mime_part_loc *loc)
{
	struct buf *out = ctx;

	buf_append_str(out, "part ");
	for (size_t i = 0; i < depth; i++)
		buf_printf(out, "%s%u", i ? "." : "", section[i]);
	buf_printf(out, " %.*s/%.*s charset=%.*s cte=%s header=%llu body=%llu "
		   "end=%llu lines=%llu\n",
		   (int)loc->type.len, (const char *)loc->type.p,
		   (int)loc->subtype.len, (const char *)loc->subtype.p,
		   (int)loc->charset.len, (const char *)loc->charset.p,
		   mime_cte_name(loc->cte),
		   (unsigned long long)loc->header_start,
		   (unsigned long long)loc->body_start,
		   (unsigned long long)loc->body_end,
		   (unsigned long long)loc->lines);
	return true;
}

static void
line(struct buf *out, const char *name, const struct buf *b)
{
	buf_printf(out, "%s: ", name);
	buf_append_escaped(out, b->data, b->len, 100000);
	buf_append_byte(out, '\n');
}

void
mime_test_dump(const struct mime_summary *s, struct buf *out)
{
	line(out, "ENVELOPE", &s->envelope);
	line(out, "BODY", &s->body);
	line(out, "BODYSTRUCTURE", &s->bodystructure);
	line(out, "subject", &s->subject);
	line(out, "from", &s->from);
	line(out, "to", &s->to);
	line(out, "cc", &s->cc);
	line(out, "bcc", &s->bcc);
	line(out, "message-id", &s->message_id);
	line(out, "in-reply-to", &s->in_reply_to);
	line(out, "references", &s->references);
	line(out, "sort-subject", &s->sort_subject);
	line(out, "sort-from", &s->sort_from);
	line(out, "sort-to", &s->sort_to);
	line(out, "sort-cc", &s->sort_cc);
	line(out, "display-from", &s->display_from);
	line(out, "display-to", &s->display_to);
	if (s->date == INT64_MIN)
		buf_append_str(out, "date: none\n");
	else
		buf_printf(out, "date: %lld tz=%d\n", (long long)s->date,
			   s->date_tz);
	buf_printf(out, "size=%llu header_len=%llu parts=%u truncated=%d\n",
		   (unsigned long long)s->size,
		   (unsigned long long)s->header_len, s->nparts, s->truncated);
	mime_part_foreach_leaf(s->partmap.data, s->partmap.len, dump_leaf, out);
}
