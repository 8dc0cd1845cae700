/* jmap-email-keywords.c - what Email/set and EmailSubmission share:
 * keywords as IMAP flags (RFC 8621 4.1.1: $seen is \Seen ...; other
 * keywords are IMAP keywords), the account's mailboxes by MAILBOXID,
 * the state string */
#include "jmap/jmap-submission.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct {
	const char *kw;
	uint32_t flag;
} jmap_kw_flags[] = {
	{ "$seen", STORE_F_SEEN }, { "$flagged", STORE_F_FLAGGED },
	{ "$answered", STORE_F_ANSWERED }, { "$draft", STORE_F_DRAFT },
};

bool
jmap_keyword_valid(const char *k)
{
	size_t len = strlen(k);

	if (len == 0 || len > 255)
		return false;
	/* an IMAP atom: %x21-%x7e but ( ) { ] % * " \ */
	for (size_t i = 0; i < len; i++)
		if (k[i] < 0x21 || k[i] > 0x7e || strchr("(){]%*\"\\", k[i]))
			return false;
	return true;
}

bool
jmap_keywords_parse(json_t *keywords, uint32_t *flags, struct buf *kw)
{
	const char *k;
	json_t *v;

	*flags = 0;
	if (!json_is_object(keywords))
		return false;
	json_object_foreach(keywords, k, v) {
		bool system = false;

		if (!json_is_true(v) || !jmap_keyword_valid(k))
			return false;
		for (size_t i = 0; i < sizeof(jmap_kw_flags) /
		     sizeof(jmap_kw_flags[0]); i++)
			if (strcasecmp(k, jmap_kw_flags[i].kw) == 0) {
				*flags |= jmap_kw_flags[i].flag;
				system = true;
			}
		if (system)
			continue;
		if (kw->len > 0)
			buf_append_byte(kw, ' ');
		/* the JMAP side is lowercase (RFC 8621 4.1.1) */
		for (const char *p = k; *p; p++)
			buf_append_byte(kw, (unsigned char)(*p >= 'A' && *p <= 'Z'
							    ? *p + 32 : *p));
	}
	return true;
}

int
jmap_mailboxes_load(struct jmap_ctx *c, struct jmap_mailboxes *m)
{
	int rc;

	memset(m, 0, sizeof(*m));
	rc = store_mailbox_list(c->store, c->account_id, &m->l);
	if (rc < 0)
		return rc;
	m->ids = xcalloc(m->l.n ? m->l.n : 1, sizeof(*m->ids));
	for (size_t i = 0; i < m->l.n; i++)
		store_mailbox_objectid(c->store, m->l.v[i].id,
				       m->l.v[i].uidvalidity, m->ids[i]);
	return 0;
}

int64_t
jmap_mailboxes_find(struct jmap_ctx *c, const struct jmap_mailboxes *m,
		    const char *id)
{
	id = jmap_resolve_id(c, id);
	for (size_t i = 0; id != NULL && i < m->l.n; i++)
		if (strcmp(m->ids[i], id) == 0 &&
		    !(m->l.v[i].attrs & STORE_MBX_NOSELECT))
			return m->l.v[i].id;
	return 0;
}

const char *
jmap_mailboxes_name(const struct jmap_mailboxes *m, int64_t id)
{
	for (size_t i = 0; i < m->l.n; i++)
		if (m->l.v[i].id == id)
			return m->ids[i];
	return NULL;
}

void
jmap_mailboxes_free(struct jmap_mailboxes *m)
{
	store_mailbox_list_free(&m->l);
	free(m->ids);
	m->ids = NULL;
}

char *
jmap_account_state(struct jmap_ctx *c)
{
	uint64_t modseq;

	if (store_account_modseq(c->store, c->account_id, &modseq) < 0)
		return NULL;
	return xasprintf("%" PRIu64, modseq);
}
