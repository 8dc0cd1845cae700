/* store-blob-read.c - the bytes of a blob still being delivered (not
 * committed yet): Sieve reads the message before the commit decides
 * where it goes. From memory for a small body, else its file. */
#include "store/store-private.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"

int
store_blob_read(struct store_blob *b, size_t headroom, struct buf *out)
{
	unsigned char *p;
	uint64_t off = 0;
	int fd;

	if (b->failed)
		return STORE_EIO;
	if (b->size > SIZE_MAX - headroom)
		return STORE_ETOOBIG;
	p = buf_reserve(out, headroom + (size_t)b->size);
	memset(p, 0, headroom);
	p += headroom;
	if (!b->has_file) {
		memcpy(p, b->mem.data, (size_t)b->size);
		out->len += headroom + (size_t)b->size;
		return 0;
	}
	/* the writer's descriptor is write-only (and may be parked) */
	fd = openat(b->store->blobs_dirfd, b->tmpname, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		log_error(0, "store: open blobs/%s: %s", b->tmpname,
			  strerror(errno));
		return STORE_EIO;
	}
	while (off < b->size) {
		ssize_t n = pread(fd, p + off, (size_t)(b->size - off),
				  (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			log_error(0, "store: read blobs/%s: %s", b->tmpname,
				  n < 0 ? strerror(errno) : "short file");
			close(fd);
			return STORE_EIO;
		}
		off += (uint64_t)n;
	}
	close(fd);
	out->len += headroom + (size_t)b->size;
	return 0;
}
