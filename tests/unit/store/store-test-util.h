/* store-test-util.h - helpers shared by the store's unit tests */
#ifndef TERN_STORE_TEST_UTIL_H
#define TERN_STORE_TEST_UTIL_H

#include "store/store.h"
#include "test.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* open a store in test_tmpdir()/name (fsync on unless fast); bodies
 * are files unless inline (most tests count blob files) */
static inline struct store *
st_open2(const char *name, bool fast, bool inline_bodies)
{
	struct store_settings set;
	struct store *s = NULL;
	char path[512], *err = NULL;
	int ret;

	snprintf(path, sizeof(path), "%s/%s", test_tmpdir(), name);
	memset(&set, 0, sizeof(set));
	set.data_dir = path;
	set.unsafe_no_fsync = fast;
	set.blob_inline_max = inline_bodies ? STORE_INLINE_DEFAULT : 0;
	ret = store_open(&set, &s, &err);
	if (ret < 0) {
		test_fail(__FILE__, __LINE__, "store_open: %s (%s)",
			  store_strerror(ret), err ? err : "");
		free(err);
		return NULL;
	}
	return s;
}

/* open a store in test_tmpdir()/name with the other settings of set,
 * without fsync */
static inline struct store *
st_open_with(const char *name, struct store_settings *set)
{
	struct store *s = NULL;
	char path[512], *err = NULL;

	snprintf(path, sizeof(path), "%s/%s", test_tmpdir(), name);
	set->data_dir = path;
	set->unsafe_no_fsync = true;
	if (store_open(set, &s, &err) < 0) {
		test_fail(__FILE__, __LINE__, "store_open: %s", err ? err : "");
		free(err);
	}
	set->data_dir = NULL;	/* path was ours */
	return s;
}

static inline struct store *
st_open(const char *name, bool fast)
{
	return st_open2(name, fast, false);
}

/* a store with domain example.org and accounts a@, b@, c@ */
static inline struct store *
st_setup(const char *name, int64_t ids[3])
{
	struct store *s = st_open(name, true);
	const char *acc[] = { "a@example.org", "b@example.org",
			      "c@example.org" };

	if (s == NULL)
		return NULL;
	CHECK_INT(store_domain_add(s, "example.org", NULL, NULL), 0);
	for (int i = 0; i < 3; i++)
		CHECK_INT(store_account_add(s, acc[i], "$argon2id$x", "scram",
					    &ids[i], NULL, NULL), 0);
	return s;
}

static inline struct store_blob *
st_blob(struct store *s, const char *text)
{
	struct store_blob *b = NULL;

	CHECK_INT(store_blob_begin(s, &b), 0);
	if (b)
		CHECK_INT(store_blob_write(b, text, strlen(text)), 0);
	return b;
}

static inline int64_t
st_mbox(struct store *s, int64_t account, const char *name)
{
	struct store_mailbox mb;
	int64_t id = 0;

	if (store_mailbox_get(s, account, name, &mb) == 0)
		id = mb.id;
	store_mailbox_clear(&mb);
	return id;
}

/* count regular files under dir/sub (one level of subdirectories) */
static inline int
st_count_files(const char *name, const char *sub)
{
	char path[600];
	DIR *d;
	struct dirent *de;
	int n = 0;

	snprintf(path, sizeof(path), "%s/%s/%s", test_tmpdir(), name, sub);
	if ((d = opendir(path)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		char p2[1200];
		DIR *d2;
		struct dirent *de2;
		if (de->d_name[0] == '.')
			continue;
		snprintf(p2, sizeof(p2), "%s/%s", path, de->d_name);
		if ((d2 = opendir(p2)) == NULL) {
			n++;
			continue;
		}
		while ((de2 = readdir(d2)) != NULL)
			if (de2->d_name[0] != '.')
				n++;
		closedir(d2);
	}
	closedir(d);
	return n;
}

/* st_count_files once it reaches want (up to 5 s): freed blob files
 * are unlinked by the store's unlinker thread after the completion */
static inline int
st_count_files_settled(const char *name, const char *sub, int want)
{
	int n;

	for (int i = 0; i < 5000; i++) {
		if ((n = st_count_files(name, sub)) == want)
			break;
		usleep(1000);
	}
	return n;
}

/* read a whole message into a malloc'd NUL-terminated string */
static inline char *
st_read(struct store *s, int64_t account, int64_t mbox, uint32_t uid)
{
	struct store_reader *r = NULL;
	char *buf;
	uint64_t size;
	ssize_t n;

	if (store_msg_open(s, account, mbox, uid, &r) < 0)
		return NULL;
	size = store_reader_size(r);
	buf = malloc(size + 1);
	n = store_reader_pread(r, buf, size, 0);
	buf[n < 0 ? 0 : n] = '\0';
	store_reader_close(&r);
	return buf;
}

#endif
