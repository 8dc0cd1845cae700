/* fuzz-mime-preview.c - libFuzzer harness for the PREVIEW text
 * (src/mime/mime-preview.c): the input as a whole message (part choice,
 * decoding) and as text, plain and HTML. Checks: the preview is valid
 * UTF-8 of at most MIME_PREVIEW_MAX characters, without NUL, control
 * characters or a space at either end or two in a row. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/utf8.h"
#include "mime/mime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(const struct buf *b)
{
	size_t i = 0, chars = 0;
	uint32_t cp, prev = 0;

	while (i < b->len) {
		size_t n = utf8_next(b->data + i, b->len - i, &cp);

		if (n == 0 || cp < 0x20 || cp == 0x7f)
			abort();
		if (cp == ' ' && (chars == 0 || prev == ' '))
			abort();
		prev = cp;
		chars++;
		i += n;
	}
	if (chars > MIME_PREVIEW_MAX || (chars > 0 && prev == ' '))
		abort();
}

static ssize_t
rd(void *ctx, void *buf, size_t len, uint64_t off)
{
	const struct buf *m = ctx;

	if (off >= m->len)
		return 0;
	if (len > m->len - off)
		len = (size_t)(m->len - off);
	memcpy(buf, m->data + off, len);
	return (ssize_t)len;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf msg = BUF_INIT, out = BUF_INIT;
	struct mime_summary ms;
	struct mime_preview_limits lim = { MIME_PREVIEW_PARTS,
					   MIME_PREVIEW_READ };

	buf_append(&msg, data, size);
	mime_summary_init(&ms);
	mime_summarize(data, size, NULL, &ms);
	if (!mime_preview(ms.partmap.data, ms.partmap.len, &lim, rd, &msg,
			  &out))
		abort();
	check(&out);
	mime_summary_free(&ms);
	for (int html = 0; html < 2; html++) {
		buf_reset(&out);
		mime_preview_text(data, size, html, &out);
		check(&out);
		buf_reset(&out);
		mime_preview_make(data, size, MIME_CTE_QP,
				  (const unsigned char *)"iso-8859-1", 10,
				  html, &out);
		check(&out);
	}
	buf_free(&out);
	buf_free(&msg);
	return 0;
}
