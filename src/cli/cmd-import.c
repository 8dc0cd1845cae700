/* cmd-import.c - `tern import ACCOUNT PATH`: Maildir, Maildir++ and mbox
 * (one file, or a folder of them) into an account's mailboxes.
 *
 * Messages stream into store blobs (bare LF becomes CRLF on the way) and
 * are appended with up to IMPORT_WINDOW appends in flight, so the store's
 * writer commits them in batches instead of one fsync per message.
 *
 * A message already in its target mailbox (same identity: Message-ID and
 * size, see store_blob_identity) is not imported again, so a second run
 * of the same import adds nothing; the summary counts them. */
#include "cli/cli.h"
#include "cli/import-seen.h"
#include "cli/maildir.h"
#include "lib/buf.h"
#include "mime/mime.h"
#include "store/store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define IMPORT_CHUNK 65536
#define IMPORT_WINDOW 64
#define IMPORT_CAPTURE_MAX 998	/* bytes kept of a header we read */

struct import {
	struct store *st;
	int64_t account_id;
	size_t messages, mailboxes, skipped, duplicates;
	bool failed;		/* a folder or file could not be imported */
	/* "mailbox_id identity" of every message there or imported now */
	struct import_seen *seen;
	int64_t *loaded;	/* mailboxes whose messages are in seen */
	size_t n_loaded;
	/* appends in flight; the counters above change under lock too */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	size_t in_flight;
};

/* one message streaming into a blob */
struct import_msg {
	struct import *imp;
	struct store_blob *blob;
	int error;		/* first store error, 0 if none */
	bool cr;		/* last byte taken was CR */
	size_t len;
	unsigned char out[IMPORT_CHUNK];
};

struct import_pending {
	struct import *imp;
	char *label;
};

/* ------------------------------------------------------------------ */
/* messages                                                           */

static void
import_msg_begin(struct import *imp, struct import_msg *m)
{
	m->imp = imp;
	m->blob = NULL;
	m->cr = false;
	m->len = 0;
	m->error = store_blob_begin(imp->st, &m->blob);
}

static void
import_msg_flush(struct import_msg *m)
{
	if (m->error == 0 && m->len > 0) {
		int rc = store_blob_write(m->blob, m->out, m->len);

		if (rc < 0)
			m->error = rc;
	}
	m->len = 0;
}

/* import_msg_write - append bytes, turning bare LF into CRLF */
static void
import_msg_write(struct import_msg *m, const unsigned char *p, size_t n)
{
	if (m->error)
		return;
	for (size_t i = 0; i < n; i++) {
		if (m->len + 2 > sizeof(m->out))
			import_msg_flush(m);
		if (p[i] == '\n' && !m->cr)
			m->out[m->len++] = '\r';
		m->out[m->len++] = p[i];
		m->cr = p[i] == '\r';
	}
}

static void
import_done(void *arg, int ret)
{
	struct import_pending *pd = arg;
	struct import *imp = pd->imp;

	pthread_mutex_lock(&imp->lock);
	if (ret < 0) {
		fprintf(stderr, "tern: import: %s: %s\n", pd->label,
			store_strerror(ret));
		imp->skipped++;
	} else {
		imp->messages++;
	}
	imp->in_flight--;
	pthread_cond_signal(&imp->cond);
	pthread_mutex_unlock(&imp->lock);
	free(pd->label);
	free(pd);
}

/* wait until at most max appends are in flight */
static void
import_wait(struct import *imp, size_t max)
{
	pthread_mutex_lock(&imp->lock);
	while (imp->in_flight > max)
		pthread_cond_wait(&imp->cond, &imp->lock);
	pthread_mutex_unlock(&imp->lock);
}

static void
import_skip(struct import *imp, const char *label, const char *why)
{
	fprintf(stderr, "tern: import: %s: %s, skipped\n", label, why);
	pthread_mutex_lock(&imp->lock);
	imp->skipped++;
	pthread_mutex_unlock(&imp->lock);
}

/* "mailbox_id identity" (identity is taken) */
static char *
import_key(int64_t mailbox_id, char *identity)
{
	char *key = xasprintf("%lld %s", (long long)mailbox_id, identity);

	free(identity);
	return key;
}

/* what the mailbox holds joins the seen set, once per mailbox */
static int
import_load_seen(struct import *imp, int64_t mailbox_id)
{
	struct store_strlist l = { 0 };
	int rc;

	for (size_t i = 0; i < imp->n_loaded; i++)
		if (imp->loaded[i] == mailbox_id)
			return 0;
	rc = store_mailbox_identities(imp->st, mailbox_id, &l);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < l.n; i++) {
		import_seen_add(imp->seen, import_key(mailbox_id, l.v[i]));
		l.v[i] = NULL;
	}
	store_strlist_free(&l);
	imp->loaded = xrealloc(imp->loaded,
			       (imp->n_loaded + 1) * sizeof(*imp->loaded));
	imp->loaded[imp->n_loaded++] = mailbox_id;
	return 0;
}

/* import_msg_finish - hand the blob to store_append (label is taken) */
static void
import_msg_finish(struct import_msg *m, int64_t mailbox_id, uint32_t flags,
		  const char *keywords, int64_t idate, int32_t tz, char *label)
{
	struct import *imp = m->imp;
	struct import_pending *pd;
	int rc;

	import_msg_flush(m);
	if (m->error == 0 && store_blob_size(m->blob) == 0)
		m->error = STORE_EINVAL;
	if (m->error) {
		import_skip(imp, label, m->error == STORE_EINVAL ?
			    "empty message" : store_strerror(m->error));
		store_blob_abort(&m->blob);
		free(label);
		return;
	}
	if (!import_seen_add(imp->seen, import_key(mailbox_id,
						   store_blob_identity(m->blob)))) {
		pthread_mutex_lock(&imp->lock);
		imp->duplicates++;
		pthread_mutex_unlock(&imp->lock);
		store_blob_abort(&m->blob);
		free(label);
		return;
	}
	import_wait(imp, IMPORT_WINDOW - 1);
	pd = xcalloc(1, sizeof(*pd));
	pd->imp = imp;
	pd->label = label;
	pthread_mutex_lock(&imp->lock);
	imp->in_flight++;
	pthread_mutex_unlock(&imp->lock);
	rc = store_append(imp->st, imp->account_id, mailbox_id, &m->blob, flags,
			  keywords, idate, tz, NULL, import_done, pd);
	if (rc < 0) {
		/* refused before queueing: no completion will come */
		pthread_mutex_lock(&imp->lock);
		imp->in_flight--;
		pthread_mutex_unlock(&imp->lock);
		import_skip(imp, label, store_strerror(rc));
		free(label);
		free(pd);
	}
}

/* import_mailbox - id of name, created (with parents) when missing */
static int
import_mailbox(struct import *imp, const char *name, int64_t *id_r)
{
	struct store_mailbox mb = { 0 };
	int rc = store_mailbox_get(imp->st, imp->account_id, name, &mb);

	if (rc == 0 && !(mb.attrs & STORE_MBX_NOSELECT)) {
		*id_r = mb.id;
	} else if (rc == 0 || rc == STORE_ENOTFOUND) {
		rc = store_mailbox_create(imp->st, imp->account_id, name, 0,
					  id_r, NULL, NULL);
	}
	store_mailbox_clear(&mb);
	if (rc == 0)
		rc = import_load_seen(imp, *id_r);
	if (rc < 0) {
		fprintf(stderr, "tern: import: mailbox %s: %s\n", name,
			store_strerror(rc));
		imp->failed = true;
		return rc;
	}
	imp->mailboxes++;
	return 0;
}

static char *
import_join(const char *prefix, const char *name)
{
	return prefix ? xasprintf("%s/%s", prefix, name) : xstrdup(name);
}

/* ------------------------------------------------------------------ */
/* Maildir                                                            */

struct import_file {
	char *path;
	const char *name;	/* within path */
	struct timespec mtime;
	bool cur;
};

static int
import_file_cmp(const void *a, const void *b)
{
	const struct import_file *x = a, *y = b;

	if (x->mtime.tv_sec != y->mtime.tv_sec)
		return x->mtime.tv_sec < y->mtime.tv_sec ? -1 : 1;
	/* delivery names start with the time: "100.9" before "100.10" */
	return strverscmp(x->name, y->name);
}

static void
import_list_sub(const char *dir, const char *sub, struct import_file **v,
		size_t *n, size_t *cap)
{
	char *path = xasprintf("%s/%s", dir, sub);
	DIR *d = opendir(path);
	struct dirent *de;

	if (d == NULL) {
		if (errno != ENOENT)
			fprintf(stderr, "tern: import: %s: %s\n", path, strerror(errno));
		free(path);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		struct import_file *f;
		struct stat st;
		char *p;

		if (de->d_name[0] == '.')
			continue;
		p = xasprintf("%s/%s", path, de->d_name);
		if (stat(p, &st) < 0 || !S_ISREG(st.st_mode)) {
			free(p);
			continue;
		}
		if (*n == *cap) {
			*cap = *cap ? *cap * 2 : 64;
			*v = xrealloc(*v, *cap * sizeof(**v));
		}
		f = &(*v)[(*n)++];
		f->path = p;
		f->name = p + strlen(path) + 1;
		f->mtime = st.st_mtim;
		f->cur = !strcmp(sub, "cur");
	}
	closedir(d);
	free(path);
}

static void
import_maildir_file(struct import *imp, struct import_msg *m,
		    const struct import_file *f, const struct maildir_kw *kw,
		    int64_t mailbox_id)
{
	struct buf keywords = BUF_INIT;
	uint32_t flags = 0;
	unsigned char chunk[IMPORT_CHUNK];
	int fd = open(f->path, O_RDONLY | O_CLOEXEC);
	ssize_t got;

	if (fd < 0) {
		import_skip(imp, f->path, strerror(errno));
		return;
	}
	if (f->cur)
		flags = maildir_info_parse(f->name, kw, &keywords);
	import_msg_begin(imp, m);
	while ((got = read(fd, chunk, sizeof(chunk))) != 0) {
		if (got < 0) {
			if (errno == EINTR)
				continue;
			import_skip(imp, f->path, strerror(errno));
			store_blob_abort(&m->blob);
			close(fd);
			buf_free(&keywords);
			return;
		}
		import_msg_write(m, chunk, (size_t)got);
	}
	close(fd);
	import_msg_finish(m, mailbox_id, flags, buf_cstr(&keywords),
			  f->mtime.tv_sec, 0, xstrdup(f->path));
	buf_free(&keywords);
}

/* import_maildir_folder - cur/ and new/ of dir into mailbox */
static void
import_maildir_folder(struct import *imp, const char *dir, const char *mailbox)
{
	struct import_file *v = NULL;
	struct import_msg *m;
	struct maildir_kw kw;
	size_t n = 0, cap = 0;
	int64_t id = 0;

	if (import_mailbox(imp, mailbox, &id) < 0)
		return;
	maildir_kw_load(&kw, dir);
	import_list_sub(dir, "cur", &v, &n, &cap);
	import_list_sub(dir, "new", &v, &n, &cap);
	if (n > 1)
		qsort(v, n, sizeof(*v), import_file_cmp);
	m = xmalloc(sizeof(*m));
	for (size_t i = 0; i < n; i++) {
		import_maildir_file(imp, m, &v[i], &kw, id);
		free(v[i].path);
	}
	free(m);
	free(v);
	maildir_kw_free(&kw);
}

static int
import_strcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* import_maildir - root into base (INBOX by default), Maildir++
 * subfolders ".A.B" into A/B (under base when one was given) */
static void
import_maildir(struct import *imp, const char *root, const char *base)
{
	DIR *d = opendir(root);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0;

	import_maildir_folder(imp, root, base ? base : "INBOX");
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] != '.' || !strcmp(de->d_name, ".") ||
		    !strcmp(de->d_name, ".."))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			names = xrealloc(names, cap * sizeof(*names));
		}
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	/* sorted: parents come before their children */
	if (n > 1)
		qsort(names, n, sizeof(*names), import_strcmp);
	for (size_t i = 0; i < n; i++) {
		char *path = xasprintf("%s/%s", root, names[i]);
		char *name, *full;

		if (!maildir_is_maildir(path)) {
			free(path);
			free(names[i]);
			continue;
		}
		name = maildir_mailbox_name(names[i]);
		if (name == NULL) {
			fprintf(stderr, "tern: import: %s: not a Maildir++ folder "
				"name, skipped\n", path);
			imp->failed = true;
		} else {
			full = import_join(base, name);
			import_maildir_folder(imp, path, full);
			free(full);
		}
		free(name);
		free(path);
		free(names[i]);
	}
	free(names);
}

/* ------------------------------------------------------------------ */
/* mbox                                                               */

enum import_kind {
	IMPORT_ERROR,
	IMPORT_EMPTY,
	IMPORT_MBOX,
	IMPORT_OTHER,
};

/* import_sniff - an mbox starts with a "From " line */
static enum import_kind
import_sniff(const char *path)
{
	char head[5];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t got;

	if (fd < 0)
		return IMPORT_ERROR;
	got = read(fd, head, sizeof(head));
	close(fd);
	if (got < 0)
		return IMPORT_ERROR;
	if (got == 0)
		return IMPORT_EMPTY;
	if (got == 5 && memcmp(head, "From ", 5) == 0)
		return IMPORT_MBOX;
	return IMPORT_OTHER;
}

struct import_reader {
	int fd;
	bool eof;
	size_t pos, end;
	unsigned char buf[IMPORT_CHUNK];
};

/* import_reader_next - the next piece of the file: a whole line through
 * its LF when it fits the buffer, else a buffer-full of it. Returns the
 * length, 0 at the end, -1 on a read error (errno). The bytes stay
 * valid until the next call. */
static ssize_t
import_reader_next(struct import_reader *r, const unsigned char **p_r)
{
	for (;;) {
		unsigned char *nl = memchr(r->buf + r->pos, '\n', r->end - r->pos);
		size_t n;
		ssize_t got;

		if (nl != NULL || r->eof || (r->pos == 0 && r->end == sizeof(r->buf))) {
			n = nl ? (size_t)(nl + 1 - (r->buf + r->pos)) : r->end - r->pos;
			*p_r = r->buf + r->pos;
			r->pos += n;
			return (ssize_t)n;
		}
		memmove(r->buf, r->buf + r->pos, r->end - r->pos);
		r->end -= r->pos;
		r->pos = 0;
		got = read(r->fd, r->buf + r->end, sizeof(r->buf) - r->end);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return -1;
		if (got == 0)
			r->eof = true;
		r->end += (size_t)got;
	}
}

static int
import_month(const char *s)
{
	static const char months[] = "janfebmaraprmayjunjulaugsepoctnovdec";

	if (strlen(s) != 3)
		return -1;
	for (int i = 0; i < 12; i++)
		if (strncasecmp(months + 3 * i, s, 3) == 0)
			return i;
	return -1;
}

/* import_from_date - the date of a "From sender Tue Nov 27 03:06:35 2026"
 * line (asctime, maybe a zone name before the year or a numeric zone
 * after it). Without a numeric zone the time is taken as UTC. */
static bool
import_from_date(const unsigned char *p, size_t len, int64_t *t_r, int32_t *tz_r)
{
	char line[256], *tok[24], *save = NULL;
	size_t n = 0;

	if (len >= sizeof(line))
		len = sizeof(line) - 1;
	memcpy(line, p, len);
	line[len] = '\0';
	for (char *s = strtok_r(line, " \t\r\n", &save); s && n < 24;
	     s = strtok_r(NULL, " \t\r\n", &save))
		tok[n++] = s;
	for (size_t i = 1; i + 3 < n; i++) {
		int mon = import_month(tok[i]), day, hh, mm, ss = 0, year, used;
		size_t y = i + 3;
		struct tm tm = { 0 };
		int32_t tz = 0;

		if (mon < 0 || sscanf(tok[i + 1], "%2d%n", &day, &used) != 1 ||
		    tok[i + 1][used] || sscanf(tok[i + 2], "%d:%d%n", &hh, &mm, &used) != 2)
			continue;
		if (tok[i + 2][used] == ':' && sscanf(tok[i + 2] + used, ":%d", &ss) != 1)
			continue;
		/* "Tue Nov 27 03:06:35 PST 2026" */
		if (strlen(tok[y]) != 4 && y + 1 < n)
			y++;
		if (strlen(tok[y]) != 4 || sscanf(tok[y], "%4d%n", &year, &used) != 1 ||
		    used != 4 || year < 1970)
			continue;
		if (y + 1 < n && (tok[y + 1][0] == '+' || tok[y + 1][0] == '-') &&
		    strlen(tok[y + 1]) == 5) {
			int z = atoi(tok[y + 1] + 1);

			tz = (int32_t)((z / 100) * 60 + z % 100);
			if (tok[y + 1][0] == '-')
				tz = -tz;
		}
		if (day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60 ||
		    hh < 0 || mm < 0 || ss < 0)
			continue;
		tm.tm_year = year - 1900;
		tm.tm_mon = mon;
		tm.tm_mday = day;
		tm.tm_hour = hh;
		tm.tm_min = mm;
		tm.tm_sec = ss;
		*t_r = (int64_t)timegm(&tm) - (int64_t)tz * 60;
		*tz_r = tz;
		return true;
	}
	return false;
}

/* mbox bookkeeping headers: read for flags, not copied (as Dovecot hides
 * them); Content-Length would be wrong after the CRLF conversion */
enum import_hdr {
	HDR_KEEP,
	HDR_DATE,
	HDR_STATUS,
	HDR_XSTATUS,
	HDR_XKEYWORDS,
	HDR_DROP,
};

static enum import_hdr
import_hdr_kind(const unsigned char *p, size_t len)
{
	static const struct {
		const char *name;
		enum import_hdr kind;
	} hdrs[] = {
		{ "date", HDR_DATE }, { "status", HDR_STATUS },
		{ "x-status", HDR_XSTATUS }, { "x-keywords", HDR_XKEYWORDS },
		{ "x-uid", HDR_DROP }, { "x-imap", HDR_DROP },
		{ "x-imapbase", HDR_DROP }, { "content-length", HDR_DROP },
	};
	size_t n = 0;

	while (n < len && p[n] != ':' && p[n] != ' ' && p[n] != '\t')
		n++;
	for (size_t i = 0; i < sizeof(hdrs) / sizeof(hdrs[0]); i++)
		if (strlen(hdrs[i].name) == n &&
		    strncasecmp(hdrs[i].name, (const char *)p, n) == 0)
			return hdrs[i].kind;
	return HDR_KEEP;
}

struct import_mbox {
	struct import *imp;
	struct import_msg *m;
	const char *path;
	int64_t mailbox_id;
	bool in_msg;
	bool header;		/* in the header block */
	bool drop;		/* the current header field is not copied */
	bool skip_line;		/* the rest of the current line is not copied */
	bool blank;		/* a blank line is held back: it may be the
				   separator before the next "From " */
	struct buf *capture;	/* header value being read, or NULL */
	struct buf date, status, xstatus, xkeywords;
	bool from_date;
	int64_t idate;
	int32_t tz;
	size_t nmsg, line, msg_line;
};

static void
import_mbox_start(struct import_mbox *x, const unsigned char *p, size_t len)
{
	x->in_msg = true;
	x->header = true;
	x->drop = false;
	x->blank = false;
	x->capture = NULL;
	buf_reset(&x->date);
	buf_reset(&x->status);
	buf_reset(&x->xstatus);
	buf_reset(&x->xkeywords);
	x->idate = 0;
	x->tz = 0;
	x->from_date = import_from_date(p, len, &x->idate, &x->tz);
	x->nmsg++;
	x->msg_line = x->line;
	import_msg_begin(x->imp, x->m);
}

static void
import_mbox_end(struct import_mbox *x)
{
	struct buf kw = BUF_INIT;
	uint32_t flags = 0;
	const char *p;

	if (!x->in_msg)
		return;
	x->in_msg = false;
	/* the held-back blank line was the separator: dropped */
	for (p = buf_cstr(&x->status); *p; p++)
		if (*p == 'R')
			flags |= STORE_F_SEEN;
	for (p = buf_cstr(&x->xstatus); *p; p++) {
		if (*p == 'A')
			flags |= STORE_F_ANSWERED;
		else if (*p == 'F')
			flags |= STORE_F_FLAGGED;
		else if (*p == 'D')
			flags |= STORE_F_DELETED;
		else if (*p == 'T')
			flags |= STORE_F_DRAFT;
	}
	for (p = buf_cstr(&x->xkeywords); *p;) {
		size_t n;

		p += strspn(p, " \t\r\n,");
		n = strcspn(p, " \t\r\n,");
		if (n && maildir_keyword_ok(p, n)) {
			if (kw.len)
				buf_append_byte(&kw, ' ');
			buf_append(&kw, p, n);
		}
		p += n;
	}
	if (!x->from_date && x->date.len) {
		int64_t t;
		int tz;

		if (mime_date_parse(x->date.data, x->date.len, &t, &tz)) {
			x->idate = t;
			x->tz = tz;
		}
	}
	import_msg_finish(x->m, x->mailbox_id, flags, buf_cstr(&kw), x->idate,
			  x->tz, xasprintf("%s: message %zu (line %zu)", x->path,
					   x->nmsg, x->msg_line));
	buf_free(&kw);
}

static void
import_mbox_capture(struct import_mbox *x, const unsigned char *p, size_t len)
{
	if (x->capture == NULL)
		return;
	if (len > IMPORT_CAPTURE_MAX - x->capture->len)
		len = IMPORT_CAPTURE_MAX - x->capture->len;
	buf_append(x->capture, p, len);
}

static bool
import_is_blank(const unsigned char *p, size_t len)
{
	return (len == 1 && p[0] == '\n') ||
	       (len == 2 && p[0] == '\r' && p[1] == '\n');
}

/* import_mbox_line - one piece of the file; start: it begins a line */
static void
import_mbox_line(struct import_mbox *x, const unsigned char *p, size_t len,
		 bool start)
{
	struct import_msg *m = x->m;
	int64_t t;
	int32_t tz;

	if (!start) {
		if (!x->skip_line)
			import_msg_write(m, p, len);
		return;
	}
	x->line++;
	x->skip_line = false;
	/* a separator: the first line, or "From " after a blank line, or
	 * one with a date (writers that forgot the blank line) */
	if (len >= 5 && memcmp(p, "From ", 5) == 0 &&
	    (!x->in_msg || x->blank || import_from_date(p, len, &t, &tz))) {
		import_mbox_end(x);
		import_mbox_start(x, p, len);
		x->skip_line = true;
		return;
	}
	if (import_is_blank(p, len)) {
		if (x->blank)
			import_msg_write(m, (const unsigned char *)"\n", 1);
		x->blank = true;
		x->header = false;
		x->capture = NULL;
		return;
	}
	if (x->blank) {
		import_msg_write(m, (const unsigned char *)"\n", 1);
		x->blank = false;
	}
	if (x->header) {
		if (p[0] == ' ' || p[0] == '\t') {
			import_mbox_capture(x, p, len);
		} else {
			enum import_hdr k = import_hdr_kind(p, len);
			ptrdiff_t colon = slice_find((struct slice){ p, len }, ':');

			x->drop = k != HDR_KEEP && k != HDR_DATE;
			x->capture = k == HDR_DATE ? &x->date :
				     k == HDR_STATUS ? &x->status :
				     k == HDR_XSTATUS ? &x->xstatus :
				     k == HDR_XKEYWORDS ? &x->xkeywords : NULL;
			if (colon >= 0)
				import_mbox_capture(x, p + colon + 1,
						    len - (size_t)colon - 1);
		}
		if (x->drop) {
			x->skip_line = true;
			return;
		}
		import_msg_write(m, p, len);
		return;
	}
	/* mboxrd: ">From ", ">>From "... lose one '>' */
	if (p[0] == '>') {
		size_t i = 1;

		while (i < len && p[i] == '>')
			i++;
		if (len - i >= 5 && memcmp(p + i, "From ", 5) == 0) {
			p++;
			len--;
		}
	}
	import_msg_write(m, p, len);
}

/* import_mbox_file - every message of the mbox at path into mailbox */
static void
import_mbox_file(struct import *imp, const char *path, const char *mailbox)
{
	struct import_reader *r;
	struct import_mbox x;
	const unsigned char *p;
	bool start = true;
	ssize_t n;
	int fd;

	memset(&x, 0, sizeof(x));
	if (import_mailbox(imp, mailbox, &x.mailbox_id) < 0)
		return;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "tern: import: %s: %s\n", path, strerror(errno));
		imp->failed = true;
		return;
	}
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	r = xcalloc(1, sizeof(*r));
	r->fd = fd;
	x.imp = imp;
	x.path = path;
	x.m = xmalloc(sizeof(*x.m));
	while ((n = import_reader_next(r, &p)) > 0) {
		import_mbox_line(&x, p, (size_t)n, start);
		start = p[n - 1] == '\n';
	}
	if (n < 0) {
		fprintf(stderr, "tern: import: %s: %s\n", path, strerror(errno));
		imp->failed = true;
		if (x.in_msg) {
			char *label = xasprintf("%s: message %zu (line %zu)",
						path, x.nmsg, x.msg_line);

			import_skip(imp, label, "read error");
			store_blob_abort(&x.m->blob);
			free(label);
		}
	} else {
		import_mbox_end(&x);
	}
	close(fd);
	free(r);
	free(x.m);
	buf_free(&x.date);
	buf_free(&x.status);
	buf_free(&x.xstatus);
	buf_free(&x.xkeywords);
}

/* files of a mail client's folder that are not mail */
static bool
import_ignored(const char *name)
{
	static const char *const ext[] = {
		".msf", ".dat", ".html", ".json", ".sqlite", ".lock", ".idx",
	};
	size_t len = strlen(name);

	if (name[0] == '.')
		return true;
	for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		size_t n = strlen(ext[i]);

		if (len > n && strcasecmp(name + len - n, ext[i]) == 0)
			return true;
	}
	return false;
}

/* import_mbox_dir - a folder of mbox files (mutt, Thunderbird): each file
 * is a mailbox named after it; Thunderbird's "Name.sbd" folders hold
 * Name's children; a Maildir inside is imported as one. Returns how many
 * mailboxes were found. */
static size_t
import_mbox_dir(struct import *imp, const char *dir, const char *prefix)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0, found = 0;

	if (d == NULL) {
		fprintf(stderr, "tern: import: %s: %s\n", dir, strerror(errno));
		imp->failed = true;
		return 0;
	}
	while ((de = readdir(d)) != NULL) {
		if (import_ignored(de->d_name))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			names = xrealloc(names, cap * sizeof(*names));
		}
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (n > 1)
		qsort(names, n, sizeof(*names), import_strcmp);
	for (size_t i = 0; i < n; i++) {
		char *path = xasprintf("%s/%s", dir, names[i]);
		size_t len = strlen(names[i]);
		struct stat st;

		if (stat(path, &st) < 0) {
			fprintf(stderr, "tern: import: %s: %s\n", path, strerror(errno));
			imp->failed = true;
		} else if (S_ISDIR(st.st_mode)) {
			char *name;

			if (len > 4 && !strcmp(names[i] + len - 4, ".sbd"))
				names[i][len - 4] = '\0';
			name = import_join(prefix, names[i]);
			if (maildir_is_maildir(path)) {
				import_maildir_folder(imp, path, name);
				found++;
			} else {
				found += import_mbox_dir(imp, path, name);
			}
			free(name);
		} else if (S_ISREG(st.st_mode)) {
			enum import_kind k = import_sniff(path);
			char *name = import_join(prefix, names[i]);

			if (k == IMPORT_MBOX || k == IMPORT_EMPTY) {
				import_mbox_file(imp, path, name);
				found++;
			} else if (k == IMPORT_ERROR) {
				fprintf(stderr, "tern: import: %s: %s\n", path,
					strerror(errno));
				imp->failed = true;
			} else {
				fprintf(stderr, "tern: import: %s: not an mbox "
					"file, ignored\n", path);
			}
			free(name);
		}
		free(path);
		free(names[i]);
	}
	free(names);
	return found;
}

/* ------------------------------------------------------------------ */
/* the command                                                        */

static int
import_usage(void)
{
	fprintf(stderr, "usage: tern import ACCOUNT PATH [--mailbox NAME]\n"
		"  PATH: a Maildir (Maildir++ subfolders too), an mbox file, or a\n"
		"  folder of mbox files (one mailbox per file)\n"
		"  --mailbox NAME: import into NAME (and below) instead of INBOX\n"
		"  messages already in the target mailbox (same Message-ID, or\n"
		"  Date, From and Subject, and size) are skipped\n");
	return EXIT_USAGE;
}

/* import_path - what PATH is decides how it is read; 0 or 1 (failed) */
static int
import_path(struct import *imp, const char *path, const char *target)
{
	struct stat st;
	enum import_kind k;

	if (stat(path, &st) < 0) {
		fprintf(stderr, "tern: import: %s: %s\n", path, strerror(errno));
		return 1;
	}
	if (S_ISDIR(st.st_mode)) {
		if (maildir_is_maildir(path)) {
			import_maildir(imp, path, target);
			return 0;
		}
		if (import_mbox_dir(imp, path, target) == 0 && !imp->failed) {
			fprintf(stderr, "tern: import: %s: neither a Maildir (no cur/ "
				"or new/) nor a folder of mbox files\n", path);
			return 1;
		}
		return 0;
	}
	if (!S_ISREG(st.st_mode)) {
		fprintf(stderr, "tern: import: %s: not a Maildir or mbox file\n", path);
		return 1;
	}
	k = import_sniff(path);
	if (k == IMPORT_ERROR) {
		fprintf(stderr, "tern: import: %s: %s\n", path, strerror(errno));
		return 1;
	}
	if (k == IMPORT_OTHER) {
		fprintf(stderr, "tern: import: %s: not an mbox file (it does not "
			"start with a \"From \" line) nor a Maildir\n", path);
		return 1;
	}
	if (k == IMPORT_EMPTY)
		fprintf(stderr, "tern: import: %s: empty mbox, no messages\n", path);
	import_mbox_file(imp, path, target ? target : "INBOX");
	return 0;
}

int
cmd_import(struct cli *cli)
{
	const char *args[2], *target = NULL;
	struct store_account acct = { 0 };
	struct import imp = { 0 };
	struct tern_conf *conf;
	int n = 0, rc;

	for (int i = 0; i < cli->argc; i++) {
		if (!strcmp(cli->argv[i], "--mailbox") && i + 1 < cli->argc)
			target = cli->argv[++i];
		else if (!strncmp(cli->argv[i], "--mailbox=", 10))
			target = cli->argv[i] + 10;
		else if (cli->argv[i][0] == '-' || n == 2)
			return import_usage();
		else
			args[n++] = cli->argv[i];
	}
	if (n != 2 || (target && *target == '\0'))
		return import_usage();
	conf = cli_load_conf(cli);
	if (conf == NULL)
		return EXIT_CONFIG;
	imp.st = cli_open_store(conf);
	if (imp.st == NULL) {
		conf_free(&conf);
		return 1;
	}
	rc = store_account_get(imp.st, args[0], 0, &acct);
	if (rc < 0) {
		fprintf(stderr, "tern: import: account %s: %s\n", args[0],
			rc == STORE_ENOTFOUND ? "no such account" : store_strerror(rc));
		store_close(&imp.st);
		conf_free(&conf);
		return 1;
	}
	imp.account_id = acct.id;
	store_account_clear(&acct);
	pthread_mutex_init(&imp.lock, NULL);
	pthread_cond_init(&imp.cond, NULL);
	imp.seen = import_seen_new();
	rc = import_path(&imp, args[1], target);
	import_wait(&imp, 0);
	if (rc == 0) {
		printf("imported %zu messages into %zu mailboxes, %zu skipped, "
		       "%zu duplicates already there\n", imp.messages,
		       imp.mailboxes, imp.skipped, imp.duplicates);
		if (imp.skipped || imp.failed)
			rc = 1;
	}
	store_close(&imp.st);
	import_seen_free(&imp.seen);
	free(imp.loaded);
	pthread_cond_destroy(&imp.cond);
	pthread_mutex_destroy(&imp.lock);
	conf_free(&conf);
	return rc;
}
