/* maildir.c - Maildir++ naming shared by import and export (maildir.h) */
#include "cli/maildir.h"
#include "imap/imap-utf7.h"
#include "store/store.h"
#include "lib/hex.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* info letters in ASCII order, as the Maildir spec wants them written */
static const struct {
	char letter;
	uint32_t flag;
} maildir_letters[] = {
	{ 'D', STORE_F_DRAFT },
	{ 'F', STORE_F_FLAGGED },
	{ 'R', STORE_F_ANSWERED },
	{ 'S', STORE_F_SEEN },
	{ 'T', STORE_F_DELETED },
};

bool
maildir_keyword_ok(const char *s, size_t len)
{
	if (len == 0 || len > 200)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		/* RFC 3501 atom-specials, CTL, 8-bit; '\' starts system flags */
		if (c <= ' ' || c >= 0x7f || strchr("(){%*\"\\]", c))
			return false;
	}
	return true;
}

static bool
maildir_isdir(const char *dir, const char *sub)
{
	char *p = xasprintf("%s/%s", dir, sub);
	struct stat st;
	bool ok = stat(p, &st) == 0 && S_ISDIR(st.st_mode);

	free(p);
	return ok;
}

bool
maildir_is_maildir(const char *path)
{
	return maildir_isdir(path, "cur") || maildir_isdir(path, "new");
}

void
maildir_kw_load(struct maildir_kw *kw, const char *dir)
{
	char *p = xasprintf("%s/dovecot-keywords", dir);
	FILE *f = fopen(p, "r");
	char line[512];

	memset(kw, 0, sizeof(*kw));
	free(p);
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *end, *name;
		unsigned long i = strtoul(line, &end, 10);
		size_t len;

		if (end == line || *end != ' ' || i >= MAILDIR_KW_MAX)
			continue;
		name = end + 1;
		len = strcspn(name, "\r\n");
		if (!maildir_keyword_ok(name, len) || kw->v[i] != NULL)
			continue;
		kw->v[i] = xstrndup(name, len);
		if (i + 1 > kw->n)
			kw->n = i + 1;
	}
	fclose(f);
}

int
maildir_kw_save(const struct maildir_kw *kw, const char *dir)
{
	char *p;
	FILE *f;
	int rc = 0;

	if (kw->n == 0)
		return 0;
	p = xasprintf("%s/dovecot-keywords", dir);
	f = fopen(p, "w");
	free(p);
	if (f == NULL)
		return -1;
	for (size_t i = 0; i < kw->n; i++)
		if (kw->v[i])
			fprintf(f, "%zu %s\n", i, kw->v[i]);
	if (ferror(f))
		rc = -1;
	if (fclose(f) != 0)
		rc = -1;
	return rc;
}

void
maildir_kw_free(struct maildir_kw *kw)
{
	for (size_t i = 0; i < MAILDIR_KW_MAX; i++)
		free(kw->v[i]);
	memset(kw, 0, sizeof(*kw));
}

uint32_t
maildir_info_parse(const char *name, const struct maildir_kw *kw,
		   struct buf *keywords_out)
{
	const char *info = NULL;
	uint32_t flags = 0;

	/* the last ":2," wins; ';' and '!' stand in on some filesystems */
	for (const char *p = name; *p; p++)
		if (strchr(":;!", *p) && p[1] == '2' && p[2] == ',')
			info = p + 3;
	if (info == NULL)
		return 0;
	for (; *info; info++) {
		char c = *info;

		for (size_t i = 0; i < sizeof(maildir_letters) /
			     sizeof(maildir_letters[0]); i++)
			if (maildir_letters[i].letter == c)
				flags |= maildir_letters[i].flag;
		if (c >= 'a' && c <= 'z' && kw && kw->v[c - 'a']) {
			if (keywords_out->len)
				buf_append_byte(keywords_out, ' ');
			buf_append_str(keywords_out, kw->v[c - 'a']);
		}
	}
	return flags;
}

/* letter of keyword name in kw, adding it when a letter is free; 0 if full */
static char
maildir_kw_letter(struct maildir_kw *kw, const char *name, size_t len)
{
	for (size_t i = 0; i < kw->n; i++)
		if (kw->v[i] && strlen(kw->v[i]) == len &&
		    strncasecmp(kw->v[i], name, len) == 0)
			return (char)('a' + i);
	if (kw->n == MAILDIR_KW_MAX)
		return 0;
	kw->v[kw->n] = xstrndup(name, len);
	return (char)('a' + kw->n++);
}

void
maildir_info_append(struct buf *out, uint32_t flags, const char *keywords,
		    struct maildir_kw *kw, bool *lost_r)
{
	bool letters[MAILDIR_KW_MAX] = { false };

	buf_append_str(out, ":2,");
	for (size_t i = 0; i < sizeof(maildir_letters) /
		     sizeof(maildir_letters[0]); i++)
		if (flags & maildir_letters[i].flag)
			buf_append_byte(out, (unsigned char)maildir_letters[i].letter);
	for (const char *p = keywords; p && *p;) {
		size_t n;
		char c;

		p += strspn(p, " ");
		n = strcspn(p, " ");
		if (n == 0)
			break;
		c = maildir_kw_letter(kw, p, n);
		if (c)
			letters[c - 'a'] = true;
		else
			*lost_r = true;
		p += n;
	}
	for (int i = 0; i < MAILDIR_KW_MAX; i++)
		if (letters[i])
			buf_append_byte(out, (unsigned char)('a' + i));
}

char *
maildir_folder_name(const char *mailbox)
{
	struct buf out = BUF_INIT, level = BUF_INIT;

	for (const char *p = mailbox; *p;) {
		size_t n = strcspn(p, "/");

		buf_reset(&level);
		/* names come from the store as UTF-8; fall back to raw bytes */
		if (!imap_utf7_encode(&level, p, n)) {
			buf_reset(&level);
			buf_append(&level, p, n);
		}
		buf_append_byte(&out, '.');
		for (size_t i = 0; i < level.len; i++) {
			unsigned char c = level.data[i];

			if (c == '.' || c == '%')
				buf_printf(&out, "%%%02X", c);
			else
				buf_append_byte(&out, c);
		}
		p += n;
		if (*p == '/')
			p++;
	}
	buf_free(&level);
	return buf_steal(&out);
}

char *
maildir_mailbox_name(const char *folder)
{
	struct buf out = BUF_INIT, level = BUF_INIT;
	const char *p = folder;

	if (*p == '.')
		p++;
	for (;;) {
		size_t n = strcspn(p, "."), mark;

		if (n == 0) {
			buf_free(&out);
			buf_free(&level);
			return NULL;
		}
		buf_reset(&level);
		for (size_t i = 0; i < n; i++) {
			int hi, lo;

			if (p[i] == '%' && i + 2 < n &&
			    (hi = hex_digit(p[i + 1])) >= 0 &&
			    (lo = hex_digit(p[i + 2])) >= 0) {
				buf_append_byte(&level, (unsigned char)(hi << 4 | lo));
				i += 2;
			} else {
				buf_append_byte(&level, (unsigned char)p[i]);
			}
		}
		if (out.len)
			buf_append_byte(&out, '/');
		mark = out.len;
		/* Dovecot and Courier write modified UTF-7; a name that is
		 * not canonical mUTF-7 is taken as it is (UTF-8 setups) */
		if (!imap_utf7_decode(&out, (const char *)level.data, level.len)) {
			buf_truncate(&out, mark);
			buf_append(&out, level.data, level.len);
		}
		p += n;
		if (*p == '\0')
			break;
		p++;
	}
	buf_free(&level);
	return buf_steal(&out);
}
