/* submit-owner.c - which addresses an account may send as: its own
 * (with a +tag) and its aliases, alone or in a From: address list
 * (contract in submit.h). Store reads only, no session. */
#include "submit/submit.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mime/mime.h"
#include "store/store.h"

/* a in the aliases table (not through the catch-all), expanding to
 * account_id: 1, 0, or a store error */
static int
submission_sender_alias(struct store *store, int64_t account_id,
			const char *a)
{
	struct store_alias_list l = { 0 };
	struct store_resolved r = { 0 };
	bool listed = false;
	int rc, owned = 0;

	rc = store_alias_list(store, strrchr(a, '@') + 1, &l);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < l.n && !listed; i++)
		listed = strcasecmp(l.v[i].address, a) == 0;
	store_alias_list_free(&l);
	if (!listed)
		return 0;
	/* its expansion, aliases of aliases included */
	rc = store_resolve(store, a, &r);
	if (rc == STORE_ENOTFOUND || rc == STORE_ELOOP)
		return 0;
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < r.n; i++)
		if (r.v[i].kind == STORE_TARGET_LOCAL &&
		    r.v[i].account_id == account_id)
			owned = 1;
	store_resolved_free(&r);
	return owned;
}

/* "user+tag@dom" -> "user@dom" (malloc'd), NULL without a tag */
static char *
submission_sender_untag(const char *a, const char *plus_sep)
{
	const char *at = strrchr(a, '@');
	size_t cut;

	if (plus_sep == NULL || plus_sep[0] == '\0' || at == NULL)
		return NULL;
	cut = strcspn(a, plus_sep);
	if (cut == 0 || a + cut >= at)
		return NULL;
	return xasprintf("%.*s%s", (int)cut, a, at);
}

int
submit_sender_owned(struct store *store, const char *plus_sep,
			int64_t account_id, const char *account,
			const char *addr)
{
	char *a = NULL, *base;
	int rc;

	rc = store_address_normalize(addr, false, &a);
	if (rc == STORE_EBADADDR)
		return 0;
	if (rc < 0)
		return rc;
	base = submission_sender_untag(a, plus_sep);
	if (strcmp(a, account) == 0 || (base && strcmp(base, account) == 0))
		rc = 1;
	else if ((rc = submission_sender_alias(store, account_id, a)) == 0 &&
		 base != NULL)
		rc = submission_sender_alias(store, account_id, base);
	free(base);
	free(a);
	return rc;
}

/* '@' signs outside quoted strings, comments and domain literals: each
 * belongs to one address a reader sees (an obsolete route has more and
 * is refused: nobody submits those) */
static size_t
submission_from_ats(const unsigned char *p, size_t len)
{
	size_t ats = 0, depth = 0;
	bool quoted = false, literal = false;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = p[i];

		if (c == '\\' && (quoted || depth > 0 || literal)) {
			i++;
		} else if (quoted) {
			quoted = c != '"';
		} else if (depth > 0) {
			if (c == '(')
				depth++;
			else if (c == ')')
				depth--;
		} else if (literal) {
			literal = c != ']';
		} else if (c == '"') {
			quoted = true;
		} else if (c == '(') {
			depth = 1;
		} else if (c == '[') {
			literal = true;
		} else if (c == '@') {
			ats++;
		}
	}
	return ats;
}

int
submit_from_owned(struct store *store, const char *plus_sep,
		      int64_t account_id, const char *account,
		      const unsigned char *value, size_t len, char **bad_r)
{
	struct mime_address_list l = { 0 };
	size_t n = 0;
	int rc = 1;

	if (bad_r)
		*bad_r = NULL;
	mime_address_parse(value, len, &l);
	for (size_t i = 0; i < l.n && rc == 1; i++) {
		const struct mime_address *m = &l.v[i];
		char *addr;

		if (m->host == NULL)
			continue;	/* a group's start or end */
		n++;
		addr = xasprintf("%s@%s", m->mailbox ? m->mailbox : "",
				 m->host);
		rc = submit_sender_owned(store, plus_sep, account_id,
					     account, addr);
		if (rc == 0 && bad_r)
			*bad_r = addr;
		else
			free(addr);
	}
	mime_address_list_free(&l);
	if (rc == 1 && (n == 0 || submission_from_ats(value, len) != n))
		rc = 0;
	return rc;
}
