/* jmap-upload.c - uploads on disk (see jmap-upload.h) */
#include "jmap/jmap-upload.h"

#include "lib/buf.h"
#include "lib/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SWEEP_EVERY_S 60

static char *
account_dir(const char *data_dir, int64_t account_id)
{
	return xasprintf("%s/jmap-uploads/%" PRId64, data_dir, account_id);
}

static int
mkdir_p2(const char *data_dir, const char *dir)
{
	char *top = xasprintf("%s/jmap-uploads", data_dir);
	int r = 0;

	if (mkdir(top, 0700) < 0 && errno != EEXIST)
		r = -errno;
	else if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		r = -errno;
	free(top);
	return r;
}

static int
write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n > 0) {
		ssize_t w = write(fd, c, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r = 0;

	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		r = -errno;
	close(fd);
	return r;
}

int
jmap_upload_save(const char *data_dir, int64_t account_id, const char *type,
		 const void *data, size_t len,
		 char blob_id[JMAP_UPLOAD_ID_LEN + 1])
{
	unsigned char rnd[16];
	char *dir = account_dir(data_dir, account_id), *tmp, *path;
	int fd, r;

	blob_id[0] = 'U';
	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(blob_id + 1, JMAP_UPLOAD_ID_LEN, rnd, sizeof(rnd));
	tmp = xasprintf("%s/.tmp-%s", dir, blob_id);
	path = xasprintf("%s/%s", dir, blob_id);
	if ((r = mkdir_p2(data_dir, dir)) < 0)
		goto out;
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		r = -errno;
		goto out;
	}
	if ((r = write_all(fd, type, strlen(type))) == 0 &&
	    (r = write_all(fd, "\n", 1)) == 0 &&
	    (r = write_all(fd, data, len)) == 0 && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r == 0)
		r = fsync_dir(dir);
	if (r < 0)
		unlink(tmp);
out:
	if (r < 0)
		log_error(0, "jmap upload write failed dir=%s error=\"%s\"", dir,
			  strerror(-r));
	free(tmp);
	free(path);
	free(dir);
	return r;
}

/* "U" + 32 lower-case hex: nothing else ever names a file */
static bool
upload_id_valid(const char *id)
{
	if (strlen(id) != JMAP_UPLOAD_ID_LEN || id[0] != 'U')
		return false;
	for (size_t i = 1; i < JMAP_UPLOAD_ID_LEN; i++)
		if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
			return false;
	return true;
}

static bool
expired(const struct stat *st, uint64_t expiry_ms)
{
	return expiry_ms > 0 &&
	       (uint64_t)(time(NULL) - st->st_mtime) * 1000 >= expiry_ms;
}

int
jmap_upload_read(const char *data_dir, int64_t account_id, const char *blob_id,
		 uint64_t expiry_ms, struct buf *out, char **type_r)
{
	char *dir, *path, *nl;
	struct buf all = BUF_INIT;
	struct stat st;
	int fd, r = 0;

	if (type_r != NULL)
		*type_r = NULL;
	if (!upload_id_valid(blob_id))
		return -ENOENT;
	dir = account_dir(data_dir, account_id);
	path = xasprintf("%s/%s", dir, blob_id);
	free(dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	free(path);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || expired(&st, expiry_ms)) {
		close(fd);
		return -ENOENT;
	}
	for (;;) {
		unsigned char *p = buf_reserve(&all, 65536);
		ssize_t n = read(fd, p, 65536);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			break;
		}
		if (n == 0)
			break;
		all.len += (size_t)n;
	}
	close(fd);
	nl = r == 0 ? memchr(all.data, '\n', all.len) : NULL;
	if (r == 0 && nl == NULL)
		r = -EIO;
	if (r == 0) {
		size_t tl = (size_t)(nl - (char *)all.data);

		if (type_r != NULL)
			*type_r = xstrndup((char *)all.data, tl);
		buf_append(out, nl + 1, all.len - tl - 1);
	}
	buf_free(&all);
	return r;
}

static void
sweep_dir(const char *dir, uint64_t expiry_ms)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (d == NULL)
		return;
	/* left-over .tmp- files of a crash go too: they are as old */
	while ((e = readdir(d)) != NULL) {
		struct stat st;

		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISREG(st.st_mode) && expired(&st, expiry_ms) &&
		    unlinkat(dirfd(d), e->d_name, 0) == 0)
			log_debug(0, "jmap upload expired dir=%s file=%s", dir,
				  e->d_name);
	}
	closedir(d);
}

void
jmap_upload_sweep(const char *data_dir, uint64_t expiry_ms)
{
	static _Atomic int64_t last;
	int64_t now = (int64_t)time(NULL), prev = atomic_load(&last);
	char *top;
	DIR *d;
	struct dirent *e;

	int64_t every = expiry_ms / 1000 < SWEEP_EVERY_S ?
			(int64_t)(expiry_ms / 1000) : SWEEP_EVERY_S;

	if (expiry_ms == 0 || now - prev < every ||
	    !atomic_compare_exchange_strong(&last, &prev, now))
		return;
	top = xasprintf("%s/jmap-uploads", data_dir);
	if ((d = opendir(top)) != NULL) {
		while ((e = readdir(d)) != NULL) {
			if (e->d_name[0] == '.')
				continue;
			char *sub = xasprintf("%s/%s", top, e->d_name);

			sweep_dir(sub, expiry_ms);
			free(sub);
		}
		closedir(d);
	}
	free(top);
}
