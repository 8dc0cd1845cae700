/* cmd-export.c - `tern export ACCOUNT PATH`: an account's mailboxes as a
 * Maildir++ tree (INBOX at the root, "A/B" in ".A.B"), readable by
 * Dovecot, mutt and `tern import`.
 *
 * Each message is written to tmp/ and renamed into cur/ as
 * "<internaldate>.<uid>.tern:2,<flags>" with mtime = internal date;
 * keywords become Dovecot's letters (dovecot-keywords, 26 at most). */
#include "cli/cli.h"
#include "cli/maildir.h"
#include "lib/buf.h"
#include "store/store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define EXPORT_CHUNK 65536

struct export {
	struct store *st;
	int64_t account_id;
	size_t messages, mailboxes, failed;
	unsigned char chunk[EXPORT_CHUNK];
};

/* what is kept of a message between the index pass and the copy */
struct export_msg {
	uint32_t uid;
	uint32_t flags;
	int64_t internaldate;
	char *keywords;
};

static int
export_mkdir(const char *path)
{
	if (mkdir(path, 0700) < 0 && errno != EEXIST) {
		fprintf(stderr, "tern: export: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* export_folder - dir with cur/ new/ tmp/ (and maildirfolder when sub) */
static int
export_folder(const char *dir, bool sub)
{
	static const char *const subs[] = { "cur", "new", "tmp" };

	if (export_mkdir(dir) < 0)
		return -1;
	for (size_t i = 0; i < 3; i++) {
		char *p = xasprintf("%s/%s", dir, subs[i]);
		int rc = export_mkdir(p);

		free(p);
		if (rc < 0)
			return -1;
	}
	if (sub) {
		/* Maildir++: marks a folder for the delivery agents */
		char *p = xasprintf("%s/maildirfolder", dir);
		int fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);

		free(p);
		if (fd >= 0)
			close(fd);
	}
	return 0;
}

/* export_copy - the message as served (prefix + blob) into fd */
static int
export_copy(struct export *ex, struct store_reader *r, int fd)
{
	uint64_t off = 0, size = store_reader_size(r);

	while (off < size) {
		ssize_t got = store_reader_pread(r, ex->chunk, sizeof(ex->chunk), off);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return -1;
		for (ssize_t done = 0; done < got;) {
			ssize_t w = write(fd, ex->chunk + done, (size_t)(got - done));

			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				return -1;
			done += w;
		}
		off += (uint64_t)got;
	}
	return 0;
}

static void
export_message(struct export *ex, const struct store_mailbox *mb,
	       const char *dir, const struct export_msg *em,
	       struct maildir_kw *kw)
{
	struct store_reader *r = NULL;
	struct buf name = BUF_INIT;
	struct timespec times[2];
	char *tmp = NULL, *cur = NULL;
	bool lost = false;
	int fd = -1, rc;

	rc = store_msg_open(ex->st, ex->account_id, mb->id, em->uid, &r);
	if (rc < 0) {
		/* expunged since the list was taken: nothing to export */
		if (rc != STORE_ENOTFOUND) {
			fprintf(stderr, "tern: export: %s uid %u: %s\n", mb->name,
				em->uid, store_strerror(rc));
			ex->failed++;
		}
		return;
	}
	buf_printf(&name, "%lld.%u.tern", (long long)em->internaldate, em->uid);
	tmp = xasprintf("%s/tmp/%s", dir, buf_cstr(&name));
	maildir_info_append(&name, em->flags, em->keywords, kw, &lost);
	if (lost)
		fprintf(stderr, "tern: export: %s uid %u: more than %d keywords "
			"in the mailbox, some not exported\n", mb->name, em->uid,
			MAILDIR_KW_MAX);
	cur = xasprintf("%s/cur/%s", dir, buf_cstr(&name));
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	times[0].tv_sec = times[1].tv_sec = (time_t)em->internaldate;
	times[0].tv_nsec = times[1].tv_nsec = 0;
	if (fd < 0 || export_copy(ex, r, fd) < 0 || futimens(fd, times) < 0 ||
	    close(fd) < 0 || (fd = -1, rename(tmp, cur) < 0)) {
		fprintf(stderr, "tern: export: %s: %s\n", cur, strerror(errno));
		if (fd >= 0)
			close(fd);
		unlink(tmp);
		ex->failed++;
	} else {
		ex->messages++;
	}
	store_reader_close(&r);
	buf_free(&name);
	free(tmp);
	free(cur);
}

/* export_list - uid, flags, date and keywords of every message */
static int
export_list(struct export *ex, const struct store_mailbox *mb,
	    struct export_msg **v_r, size_t *n_r)
{
	struct store_uid_range all = { 1, UINT32_MAX };
	struct store_msg_iter *it = NULL;
	const struct store_msg *m;
	struct export_msg *v = NULL;
	size_t n = 0, cap = 0;
	int rc;

	rc = store_msg_iter_init(ex->st, ex->account_id, mb->id, &all, 1,
				 STORE_MSG_KEYWORDS, &it);
	while (rc == 0 && (rc = store_msg_iter_next(it, &m)) > 0) {
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			v = xrealloc(v, cap * sizeof(*v));
		}
		v[n].uid = m->uid;
		v[n].flags = m->flags;
		v[n].internaldate = m->internaldate;
		v[n].keywords = xstrdup(m->keywords ? m->keywords : "");
		n++;
		rc = 0;
	}
	store_msg_iter_free(&it);
	*v_r = v;
	*n_r = n;
	return rc;
}

static void
export_mailbox(struct export *ex, const char *root, const struct store_mailbox *mb)
{
	bool inbox = !strcmp(mb->name, "INBOX");
	struct export_msg *v = NULL;
	struct maildir_kw kw;
	size_t n = 0;
	char *dir;
	int rc;

	if (inbox) {
		dir = xstrdup(root);
	} else {
		char *folder = maildir_folder_name(mb->name);

		dir = xasprintf("%s/%s", root, folder);
		free(folder);
	}
	if (export_folder(dir, !inbox) < 0) {
		ex->failed++;
		free(dir);
		return;
	}
	ex->mailboxes++;
	/* the iterator holds a read snapshot: list first, copy after */
	rc = export_list(ex, mb, &v, &n);
	if (rc < 0) {
		fprintf(stderr, "tern: export: %s: %s\n", mb->name, store_strerror(rc));
		ex->failed++;
	}
	maildir_kw_load(&kw, dir);
	for (size_t i = 0; i < n; i++) {
		export_message(ex, mb, dir, &v[i], &kw);
		free(v[i].keywords);
	}
	if (maildir_kw_save(&kw, dir) < 0) {
		fprintf(stderr, "tern: export: %s/dovecot-keywords: %s\n", dir,
			strerror(errno));
		ex->failed++;
	}
	maildir_kw_free(&kw);
	free(v);
	free(dir);
}

/* export_target - PATH must be missing (created) or an empty folder */
static int
export_target(const char *path, bool force)
{
	struct stat st;
	struct dirent *de;
	DIR *d;
	bool empty = true;

	if (stat(path, &st) < 0) {
		if (errno != ENOENT || mkdir(path, 0700) < 0) {
			fprintf(stderr, "tern: export: %s: %s\n", path, strerror(errno));
			return -1;
		}
		return 0;
	}
	if (!S_ISDIR(st.st_mode)) {
		fprintf(stderr, "tern: export: %s: exists and is not a folder\n", path);
		return -1;
	}
	if ((d = opendir(path)) == NULL) {
		fprintf(stderr, "tern: export: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (empty && (de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			empty = false;
	closedir(d);
	if (!empty && !force) {
		fprintf(stderr, "tern: export: %s: not empty (%s); use --force to "
			"write into it anyway\n", path,
			maildir_is_maildir(path) ? "a Maildir already" : "other files");
		return -1;
	}
	return 0;
}

static int
export_usage(void)
{
	fprintf(stderr, "usage: tern export ACCOUNT PATH [--force]\n"
		"  writes a Maildir++ tree; PATH must be missing or empty\n"
		"  unless --force\n");
	return EXIT_USAGE;
}

int
cmd_export(struct cli *cli)
{
	const char *args[2];
	struct store_account acct = { 0 };
	struct store_mailbox_list l = { 0 };
	struct tern_conf *conf;
	struct export *ex;
	bool force = false;
	int n = 0, rc;

	for (int i = 0; i < cli->argc; i++) {
		if (!strcmp(cli->argv[i], "--force"))
			force = true;
		else if (cli->argv[i][0] == '-' || n == 2)
			return export_usage();
		else
			args[n++] = cli->argv[i];
	}
	if (n != 2)
		return export_usage();
	conf = cli_load_conf(cli);
	if (conf == NULL)
		return EXIT_CONFIG;
	ex = xcalloc(1, sizeof(*ex));
	ex->st = cli_open_store(conf);
	if (ex->st == NULL) {
		free(ex);
		conf_free(&conf);
		return 1;
	}
	rc = store_account_get(ex->st, args[0], 0, &acct);
	if (rc < 0) {
		fprintf(stderr, "tern: export: account %s: %s\n", args[0],
			rc == STORE_ENOTFOUND ? "no such account" : store_strerror(rc));
		rc = 1;
		goto out;
	}
	ex->account_id = acct.id;
	store_account_clear(&acct);
	if (export_target(args[1], force) < 0) {
		rc = 1;
		goto out;
	}
	rc = store_mailbox_list(ex->st, ex->account_id, &l);
	if (rc < 0) {
		fprintf(stderr, "tern: export: %s: %s\n", args[0], store_strerror(rc));
		rc = 1;
		goto out;
	}
	/* sorted with INBOX first, so the root exists before its folders;
	 * \Noselect mailboxes hold nothing, and import recreates them as
	 * parents of their children */
	for (size_t i = 0; i < l.n; i++)
		if (!(l.v[i].attrs & STORE_MBX_NOSELECT))
			export_mailbox(ex, args[1], &l.v[i]);
	store_mailbox_list_free(&l);
	/* one flush for the whole tree rather than an fsync per file */
	{
		int dfd = open(args[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (dfd < 0 || syncfs(dfd) < 0) {
			fprintf(stderr, "tern: export: %s: sync: %s\n", args[1],
				strerror(errno));
			ex->failed++;
		}
		if (dfd >= 0)
			close(dfd);
	}
	printf("exported %zu messages from %zu mailboxes, %zu failed\n",
	       ex->messages, ex->mailboxes, ex->failed);
	rc = ex->failed ? 1 : 0;
out:
	store_close(&ex->st);
	free(ex);
	conf_free(&conf);
	return rc;
}
