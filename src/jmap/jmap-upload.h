/* jmap-upload.h - uploaded blobs (RFC 8620 6.1) on disk:
 * <data_dir>/jmap-uploads/<account row id>/U<32 hex>, one file each:
 * the media type, a newline, then the bytes. Written to a temporary
 * name, fsync'd, renamed. An upload older than jmap.upload_expiry (by
 * its mtime) is gone: reads refuse it, sweeps delete it. Pool threads
 * (blocking file I/O). */
#ifndef TERN_JMAP_UPLOAD_H
#define TERN_JMAP_UPLOAD_H

#include <stddef.h>
#include <stdint.h>

struct buf;

#define JMAP_UPLOAD_ID_LEN 33	/* "U" + 32 hex */

/* a new upload of the account: blob_id gets its id. 0 or -errno. */
int jmap_upload_save(const char *data_dir, int64_t account_id,
		     const char *type, const void *data, size_t len,
		     char blob_id[JMAP_UPLOAD_ID_LEN + 1]);

/* the account's upload blob_id, unexpired: bytes appended to out,
 * *type_r (may be NULL) malloc'd. 0, -ENOENT or -errno. */
int jmap_upload_read(const char *data_dir, int64_t account_id,
		     const char *blob_id, uint64_t expiry_ms, struct buf *out,
		     char **type_r);

/* delete the expired uploads of every account; does nothing when the
 * last sweep was less than a minute (or the expiry time) ago */
void jmap_upload_sweep(const char *data_dir, uint64_t expiry_ms);

#endif
