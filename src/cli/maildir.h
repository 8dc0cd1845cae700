/* maildir.h - Maildir++ naming shared by `tern import` and `tern export`:
 * info-suffix flags, Dovecot keyword letters, folder names.
 *
 * Folder names follow Dovecot's Maildir++ layout: mailbox "A/B" is the
 * folder ".A.B" beside cur/new/tmp of the root (INBOX), each level in
 * IMAP modified UTF-7. A '.' or '%' inside a level is written %2E/%25
 * (Dovecot's maildir_name_escape_char = %). */
#ifndef TERN_CLI_MAILDIR_H
#define TERN_CLI_MAILDIR_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/buf.h"

/* Dovecot's dovecot-keywords: letter 'a' + i stands for keyword v[i] */
#define MAILDIR_KW_MAX 26

struct maildir_kw {
	size_t n;
	char *v[MAILDIR_KW_MAX];
};

/* maildir_keyword_ok - an IMAP keyword the store can keep: an atom,
 * not a system flag (no backslash) */
bool maildir_keyword_ok(const char *s, size_t len);

/* maildir_is_maildir - PATH has a cur/ or new/ folder */
bool maildir_is_maildir(const char *path);

/* maildir_kw_load - read DIR/dovecot-keywords (missing file: none) */
void maildir_kw_load(struct maildir_kw *kw, const char *dir);
/* maildir_kw_save - write DIR/dovecot-keywords if kw->n > 0; -1 + errno */
int maildir_kw_save(const struct maildir_kw *kw, const char *dir);
void maildir_kw_free(struct maildir_kw *kw);

/* maildir_info_parse - STORE_F_* flags of a file name's ":2,FLAGS"
 * suffix (';' and '!' accepted for ':'); keyword letters append their
 * keywords (space-separated) to keywords_out. 0 without a suffix. */
uint32_t maildir_info_parse(const char *name, const struct maildir_kw *kw,
			    struct buf *keywords_out);
/* maildir_info_append - append ":2,FLAGS" (ASCII order) for flags and
 * the keywords kw knows; keywords it does not know are added to kw when
 * a letter is free, else *lost_r is set */
void maildir_info_append(struct buf *out, uint32_t flags,
			 const char *keywords, struct maildir_kw *kw,
			 bool *lost_r);

/* maildir_folder_name - ".A.B" for mailbox "A/B" (malloc'd) */
char *maildir_folder_name(const char *mailbox);
/* maildir_mailbox_name - "A/B" for folder ".A.B" (malloc'd), NULL if
 * the name has an empty level */
char *maildir_mailbox_name(const char *folder);

#endif
