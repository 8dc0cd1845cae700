/* cmd-list.c - LIST, LSUB, STATUS */
#include "imap/imap-private.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "imap/imap-utf7.h"

/* does name match pattern? '*' anything, '%' anything but '/' */
static bool
list_match(const char *p, const char *n)
{
	for (; *p; p++) {
		if (*p == '*' || *p == '%') {
			bool star = *p == '*';

			for (;;) {
				if (list_match(p + 1, n))
					return true;
				if (*n == '\0' || (!star && *n == '/'))
					return false;
				n++;
			}
		}
		if (*p != *n)
			return false;
		n++;
	}
	return *n == '\0';
}

/* reference + pattern as UTF-8, "INBOX" in any case made "INBOX" */
static char *
list_pattern(struct imap_session *s, const struct imap_arg *ref,
	     const struct imap_arg *pat)
{
	struct buf b = BUF_INIT, d = BUF_INIT;

	buf_append(&b, ref->u.str, ref->len);
	buf_append(&b, pat->u.str, pat->len);
	if (!s->utf8 && imap_utf7_decode(&d, (const char *)b.data, b.len)) {
		buf_free(&b);
		b = d;
	} else {
		buf_free(&d);
	}
	buf_cstr(&b);
	if (b.len >= 5 && strncasecmp((char *)b.data, "INBOX", 5) == 0 &&
	    (b.len == 5 || b.data[5] == '/' || b.data[5] == '*' ||
	     b.data[5] == '%'))
		memcpy(b.data, "INBOX", 5);
	return buf_steal(&b);
}

static const struct {
	unsigned bit;
	const char *name;
} list_special[] = {
	{ STORE_SU_ALL, "\\All" },
	{ STORE_SU_ARCHIVE, "\\Archive" },
	{ STORE_SU_DRAFTS, "\\Drafts" },
	{ STORE_SU_FLAGGED, "\\Flagged" },
	{ STORE_SU_JUNK, "\\Junk" },
	{ STORE_SU_SENT, "\\Sent" },
	{ STORE_SU_TRASH, "\\Trash" },
};

static void
list_line(struct imap_session *s, struct buf *b, const char *what,
	  const struct store_mailbox *m, bool lsub)
{
	bool first = true;
	size_t i;

	buf_printf(b, "* %s (", what);
#define ATTR(x) do { if (!first) buf_append_byte(b, ' '); \
		buf_append_str(b, x); first = false; } while (0)
	if (m->attrs & STORE_MBX_NOSELECT)
		ATTR("\\Noselect");
	if (!lsub) {
		ATTR(m->attrs & STORE_MBX_HASCHILDREN ? "\\HasChildren" :
		     "\\HasNoChildren");
		for (i = 0; i < sizeof(list_special) / sizeof(list_special[0]);
		     i++)
			if (m->special_use & list_special[i].bit)
				ATTR(list_special[i].name);
	}
#undef ATTR
	buf_append_str(b, ") \"/\" ");
	imap_append_mailbox(s, b, m->name);
	buf_append_str(b, "\r\n");
}

static enum imap_cmd_ret
cmd_list_common(struct imap_cmd *cmd, bool lsub)
{
	struct imap_session *s = cmd->s;
	const struct imap_arg *a = cmd->args;
	struct store_mailbox_list l = { 0 };
	struct buf b = BUF_INIT;
	char *pat;
	size_t i;
	int rc;

	if (!imap_arg_is_astring(&a[0]) || !imap_arg_is_astring(&a[1]) ||
	    a[2].type != IMAP_ARG_EOL)
		return imap_cmd_bad(cmd, "Reference and pattern expected");
	if (a[1].len == 0) {
		if (!lsub)
			imap_printf(s, "* LIST (\\Noselect) \"/\" \"\"\r\n");
		return imap_cmd_reply(cmd, "OK", "%s completed", cmd->name);
	}
	rc = store_mailbox_list(s->env->store, s->account_id, &l);
	if (rc != 0)
		return imap_cmd_store_error(cmd, rc);
	pat = list_pattern(s, &a[0], &a[1]);
	if (strlen(pat) - strcspn(pat, "*%") > 0) {
		size_t w = 0;

		for (i = 0; pat[i]; i++)
			w += pat[i] == '*' || pat[i] == '%';
		if (w > 8) {
			/* backtracking cost grows with each wildcard */
			free(pat);
			store_mailbox_list_free(&l);
			return imap_cmd_bad(cmd, "Pattern too complex");
		}
	}
	for (i = 0; i < l.n; i++) {
		if (lsub && !(l.v[i].attrs & STORE_MBX_SUBSCRIBED))
			continue;
		if (list_match(pat, l.v[i].name))
			list_line(s, &b, lsub ? "LSUB" : "LIST", &l.v[i], lsub);
	}
	imap_write(s, b.data, b.len);
	buf_free(&b);
	free(pat);
	store_mailbox_list_free(&l);
	return imap_cmd_reply(cmd, "OK", "%s completed", cmd->name);
}

enum imap_cmd_ret
cmd_list(struct imap_cmd *cmd)
{
	return cmd_list_common(cmd, false);
}

enum imap_cmd_ret
cmd_lsub(struct imap_cmd *cmd)
{
	return cmd_list_common(cmd, true);
}

enum imap_cmd_ret
cmd_status(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->s;
	const struct imap_arg *a = cmd->args, *it;
	struct store_mailbox m = { 0 };
	struct buf b = BUF_INIT;
	char *name;
	int rc;

	if (a[0].type == IMAP_ARG_EOL || a[1].type != IMAP_ARG_LIST ||
	    a[1].len == 0 || a[2].type != IMAP_ARG_EOL)
		return imap_cmd_bad(cmd, "STATUS needs a mailbox and items");
	name = imap_mailbox_arg(s, &a[0]);
	if (name == NULL)
		return imap_cmd_bad(cmd, "Invalid mailbox name");
	rc = store_mailbox_get(s->env->store, s->account_id, name, &m);
	free(name);
	if (rc == 0 && (m.attrs & STORE_MBX_NOSELECT))
		rc = STORE_ENOSELECT;
	if (rc != 0) {
		store_mailbox_clear(&m);
		return imap_cmd_store_error(cmd, rc);
	}
	buf_append_str(&b, "* STATUS ");
	imap_append_mailbox(s, &b, m.name);
	buf_append_str(&b, " (");
	for (it = a[1].u.list; it->type != IMAP_ARG_EOL; it++) {
		if (it != a[1].u.list)
			buf_append_byte(&b, ' ');
		if (imap_arg_atom_eq(it, "MESSAGES"))
			buf_printf(&b, "MESSAGES %u", m.messages);
		else if (imap_arg_atom_eq(it, "UIDNEXT"))
			buf_printf(&b, "UIDNEXT %u", m.uidnext);
		else if (imap_arg_atom_eq(it, "UIDVALIDITY"))
			buf_printf(&b, "UIDVALIDITY %u", m.uidvalidity);
		else if (imap_arg_atom_eq(it, "UNSEEN"))
			buf_printf(&b, "UNSEEN %u", m.unseen);
		else if (imap_arg_atom_eq(it, "RECENT"))
			buf_append_str(&b, "RECENT 0");
		else if (imap_arg_atom_eq(it, "SIZE"))
			buf_printf(&b, "SIZE %llu", (unsigned long long)m.size);
		else if (imap_arg_atom_eq(it, "HIGHESTMODSEQ"))
			buf_printf(&b, "HIGHESTMODSEQ %llu",
				   (unsigned long long)m.highestmodseq);
		else if (imap_arg_atom_eq(it, "DELETED"))
			buf_printf(&b, "DELETED %u", m.deleted);
		else {
			buf_free(&b);
			store_mailbox_clear(&m);
			return imap_cmd_bad(cmd, "Unknown STATUS item");
		}
	}
	buf_append_str(&b, ")\r\n");
	imap_write(s, b.data, b.len);
	buf_free(&b);
	store_mailbox_clear(&m);
	return imap_cmd_reply(cmd, "OK", "Status completed");
}
