/* jmap-email-blob.c - the blobs of Emails (jmap.h "BLOB IDS"): "B" + the
 * 16 hex digits of an EMAILID is the whole message as served (prefix +
 * body, RFC 5322 bytes); "B<hex>.<partId>" is one part's content with
 * its Content-Transfer-Encoding removed, partId being the IMAP section
 * number ("1", "1.2"). The message is the Email's row in the lowest
 * mailbox id (store_email_rows' first); the part comes from the store's
 * part map (src/mime), read and decoded in chunks. */
#include "jmap/jmap.h"

#include "lib/buf.h"
#include "mime/mime.h"
#include "store/store.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define SECTION_MAX 32		/* parts nested deeper are not found */
#define CHUNK (64 * 1024)

/* "B<16 hex>[.<n>[.<n>...]]" -> "M<16 hex>" and the section path */
static bool
blob_id_parse(const char *id, char emailid[STORE_OBJECTID_MAX],
	      uint32_t *path, size_t *depth_r)
{
	const char *p = id + 17;
	uint64_t v;
	size_t depth = 0;

	if (strlen(id) < 17 || id[0] != 'B')
		return false;
	memcpy(emailid, id, 17);
	emailid[0] = 'M';
	emailid[17] = '\0';
	if (store_objectid_parse(emailid, 'M', &v) < 0)
		return false;
	while (*p == '.') {
		uint64_t n = 0;

		p++;
		if (*p < '1' || *p > '9' || depth == SECTION_MAX)
			return false;
		while (*p >= '0' && *p <= '9' && n <= UINT32_MAX)
			n = n * 10 + (uint64_t)(*p++ - '0');
		if (n > UINT32_MAX)
			return false;
		path[depth++] = (uint32_t)n;
	}
	*depth_r = depth;
	return *p == '\0';
}

/* bytes [off, end) of the reader, decoded by cte, appended to out */
static int
read_range(struct store_reader *r, uint64_t off, uint64_t end,
	   enum mime_cte cte, struct buf *out)
{
	struct mime_decoder d;
	unsigned char *chunk = xmalloc(CHUNK);
	int ret = 0;

	mime_decoder_init(&d, cte);
	while (off < end) {
		size_t want = end - off < CHUNK ? (size_t)(end - off) : CHUNK;
		ssize_t n = store_reader_pread(r, chunk, want, off);

		if (n <= 0) {
			ret = n < 0 ? -errno : -EIO;
			break;
		}
		mime_decoder_feed(&d, chunk, (size_t)n, out);
		off += (uint64_t)n;
	}
	mime_decoder_finish(&d, out);
	free(chunk);
	return ret;
}

static char *
part_type(const struct mime_part_loc *loc)
{
	if (loc->type.len == 0)
		return xstrdup("text/plain");
	return xasprintf("%.*s/%.*s", (int)loc->type.len,
			 (const char *)loc->type.p, (int)loc->subtype.len,
			 (const char *)loc->subtype.p);
}

int
jmap_email_blob_read(struct jmap_ctx *c, const char *blob_id, struct buf *out,
		     char **type_r)
{
	char emailid[STORE_OBJECTID_MAX];
	uint32_t path[SECTION_MAX];
	struct store_email_rows rows;
	struct store_reader *r = NULL;
	struct store_msg m;
	struct mime_part_loc loc;
	size_t depth = 0;
	int ret;

	if (type_r != NULL)
		*type_r = NULL;
	if (!blob_id_parse(blob_id, emailid, path, &depth))
		return -ENOENT;
	ret = store_email_rows(c->store, c->account_id, emailid, &rows);
	if (ret < 0)
		return ret == STORE_ENOTFOUND ? -ENOENT : -EIO;
	memset(&m, 0, sizeof(m));
	ret = store_msg_open(c->store, c->account_id, rows.v[0].mailbox_id,
			     rows.v[0].uid, &r);
	if (ret == 0 && depth > 0)
		ret = store_msg_get(c->store, c->account_id,
				    rows.v[0].mailbox_id, rows.v[0].uid,
				    STORE_MSG_FETCH, &m);
	store_email_rows_free(&rows);
	if (ret < 0) {
		store_reader_close(&r);
		store_msg_clear(&m);
		return ret == STORE_ENOTFOUND ? -ENOENT : -EIO;
	}
	if (depth == 0) {
		ret = read_range(r, 0, store_reader_size(r), MIME_CTE_7BIT,
				 out);
		if (ret == 0 && type_r != NULL)
			*type_r = xstrdup("message/rfc822");
	} else if (!mime_part_find(m.parse.partmap, m.parse.partmap_len, path,
				   depth, &loc)) {
		ret = -ENOENT;
	} else {
		/* part-map offsets are the body's: the prefix comes first */
		ret = read_range(r, m.prefix_len + loc.body_start,
				 m.prefix_len + loc.body_end,
				 loc.is_multipart ? MIME_CTE_7BIT : loc.cte, out);
		if (ret == 0 && type_r != NULL)
			*type_r = part_type(&loc);
	}
	store_reader_close(&r);
	store_msg_clear(&m);
	return ret;
}
