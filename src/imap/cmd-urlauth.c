/* cmd-urlauth.c - URLAUTH (RFC 4467): GENURLAUTH, URLFETCH, RESETKEY,
 * and the checks CATENATE shares: whether a URLAUTH URL verifies for
 * this session, and reading the part a URL names.
 *
 * Mechanism INTERNAL: the token is HMAC-SHA1 (RFC 4467 7's suggestion;
 * 160 bits, over its 128-bit floor), keyed with the mailbox's access key
 * (store-urlauth.c), of the URL up to and including ";URLAUTH=<access>",
 * in lowercase hex.
 *
 * submit+<user> is for a submit server fetching on a user's behalf
 * (BURL). tern's IMAP sessions are never that server, so such URLs are
 * made but never verify here: URLFETCH gives NIL and CATENATE BADURL,
 * even in the named user's own session. */
#include "imap/imap-private.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "imap/imap-fetch.h"
#include "imap/imap-url.h"
#include "lib/log.h"
#include "store/store.h"

#define URLAUTH_TOKEN_HEX 40	/* HMAC-SHA1 in hex */

/* the INTERNAL token of url[0..rump_len) under key, NUL-terminated */
static void
urlauth_token(const unsigned char key[STORE_URLAUTH_KEY_LEN],
	      const char *url, size_t rump_len,
	      char hex[URLAUTH_TOKEN_HEX + 1])
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	HMAC(EVP_sha1(), key, STORE_URLAUTH_KEY_LEN,
	     (const unsigned char *)url, rump_len, mac, &n);
	sodium_bin2hex(hex, URLAUTH_TOKEN_HEX + 1, mac, 20);
}

static bool
urlauth_server(struct imap_session *s, const struct imap_url *u)
{
	return u->absolute && u->host != NULL &&
		s->env->conf->hostname != NULL &&
		strcasecmp(u->host, s->env->conf->hostname) == 0;
}

bool
imap_urlauth_verify(struct imap_session *s, const char *url,
		    const struct imap_url *u, int64_t *owner_r,
		    const char **err_r)
{
	unsigned char key[STORE_URLAUTH_KEY_LEN];
	char want[URLAUTH_TOKEN_HEX + 1], got[URLAUTH_TOKEN_HEX + 1];
	int64_t owner = s->account_id;
	bool ok;

	if (u->access == IMAP_URL_ACCESS_NONE || u->mech == NULL) {
		*err_r = "No URLAUTH";
		return false;
	}
	if (strcasecmp(u->mech, "INTERNAL") != 0 ||
	    strlen(u->token) != URLAUTH_TOKEN_HEX) {
		*err_r = "Unknown URLAUTH mechanism";
		return false;
	}
	if (!urlauth_server(s, u) || u->user == NULL) {
		*err_r = "Not this server's URL";
		return false;
	}
	if (u->has_expire && (int64_t)time(NULL) >= u->expire) {
		*err_r = "URL expired";
		return false;
	}
	switch (u->access) {
	case IMAP_URL_ACCESS_ANONYMOUS:
	case IMAP_URL_ACCESS_AUTHUSER:
		ok = s->user != NULL;
		break;
	case IMAP_URL_ACCESS_USER:
		ok = s->user != NULL &&
			strcasecmp(u->access_user, s->user) == 0;
		break;
	default:
		ok = false;	/* submit+: see the top of this file */
		break;
	}
	if (!ok) {
		*err_r = "URLAUTH access not granted to this user";
		return false;
	}
	if (s->user == NULL || strcasecmp(u->user, s->user) != 0) {
		struct store_account a = { 0 };

		ok = store_account_get(s->env->store, u->user, 0, &a) == 0 &&
			a.enabled;
		owner = a.id;
		store_account_clear(&a);
		if (!ok) {
			*err_r = "No such user";
			return false;
		}
	}
	if (store_urlauth_key(s->env->store, owner, u->mailbox, key) != 0) {
		*err_r = "No access key";
		return false;
	}
	urlauth_token(key, url, u->rump_len, want);
	sodium_memzero(key, sizeof(key));
	for (size_t i = 0; i < URLAUTH_TOKEN_HEX; i++) {
		char c = u->token[i];

		got[i] = (c >= 'A' && c <= 'F') ? (char)(c - 'A' + 'a') : c;
	}
	got[URLAUTH_TOKEN_HEX] = '\0';
	if (sodium_memcmp(want, got, URLAUTH_TOKEN_HEX) != 0) {
		*err_r = "Wrong URLAUTH token";
		return false;
	}
	*owner_r = owner;
	return true;
}

void
imap_url_part_clear(struct imap_url_part *p)
{
	if (p->have_msg)
		store_msg_clear(&p->msg);
	store_reader_close(&p->r);
	fetch_items_free(&p->fi);
	buf_free(&p->filtered);
	memset(p, 0, sizeof(*p));
}

bool
imap_url_part_open(struct imap_session *s, int64_t account_id,
		   const char *mailbox, const struct imap_url *u,
		   struct imap_url_part *p, const char **err_r)
{
	struct store_mailbox mb = { 0 };
	struct imap_arg item = { 0 };
	struct buf b = BUF_INIT;
	const char *err = NULL;
	int rc;

	memset(p, 0, sizeof(*p));
	rc = store_mailbox_get(s->env->store, account_id, mailbox, &mb);
	if (rc != 0 || (u->uidvalidity && u->uidvalidity != mb.uidvalidity)) {
		err = "No such mailbox";
		goto fail;
	}
	if (store_msg_get(s->env->store, account_id, mb.id, u->uid,
			  STORE_MSG_FETCH, &p->msg) != 0) {
		err = "No such message";
		goto fail;
	}
	p->have_msg = true;
	buf_printf(&b, "BODY.PEEK[%s]", u->section ? u->section : "");
	item.type = IMAP_ARG_ATOM;
	item.len = b.len;
	item.u.str = buf_cstr(&b);
	if (!fetch_items_parse(&item, &p->fi, &err) || p->fi.n != 1 ||
	    p->fi.v[0].kind != FETCH_SECTION) {
		err = "Invalid section";
		goto fail;
	}
	if (u->partial) {
		p->fi.v[0].partial = true;
		p->fi.v[0].p_off = u->p_off;
		p->fi.v[0].p_len = u->p_len ? u->p_len : UINT64_MAX;
	}
	if (store_msg_open(s->env->store, account_id, mb.id, u->uid,
			   &p->r) != 0) {
		err = "Message unreadable";
		goto fail;
	}
	if (!fetch_section_data(&p->fi.v[0], &p->msg, p->r, &p->filtered,
				&p->off, &p->len)) {
		err = "No such part";
		goto fail;
	}
	/* HEADER.FIELDS: the bytes are in filtered */
	p->in_filtered = p->filtered.len > 0 ||
		p->fi.v[0].part == FETCH_PART_FIELDS ||
		p->fi.v[0].part == FETCH_PART_FIELDS_NOT;
	store_mailbox_clear(&mb);
	buf_free(&b);
	return true;
fail:
	store_mailbox_clear(&mb);
	buf_free(&b);
	imap_url_part_clear(p);
	*err_r = err;
	return false;
}

/* ---- GENURLAUTH url mechanism [url mechanism ...] ---- */

struct genurlauth {
	char **urls;
	char **mailboxes;
	size_t n;
};

static void
genurlauth_free(void *ctx)
{
	struct genurlauth *g = ctx;

	for (size_t i = 0; i < g->n; i++) {
		free(g->urls[i]);
		free(g->mailboxes[i]);
	}
	free(g->urls);
	free(g->mailboxes);
	free(g);
}

static void
genurlauth_done(struct imap_cmd *cmd, int ret)
{
	struct imap_session *s = cmd->s;
	struct genurlauth *g = cmd->ctx;
	struct buf b = BUF_INIT;

	if (ret == STORE_ENOTFOUND) {
		imap_cmd_reply(cmd, "NO", "[NONEXISTENT] No such mailbox");
		imap_cmd_end(cmd);
		return;
	}
	if (ret != 0) {
		imap_cmd_store_error(cmd, ret);
		imap_cmd_end(cmd);
		return;
	}
	buf_append_str(&b, "* GENURLAUTH");
	for (size_t i = 0; i < g->n; i++) {
		unsigned char key[STORE_URLAUTH_KEY_LEN];
		char hex[URLAUTH_TOKEN_HEX + 1];
		int rc = store_urlauth_key(s->env->store, s->account_id,
					   g->mailboxes[i], key);

		if (rc != 0) {
			/* deleted or reset since the keys were made */
			buf_free(&b);
			imap_cmd_reply(cmd, "NO", "Mailbox changed meanwhile");
			imap_cmd_end(cmd);
			return;
		}
		urlauth_token(key, g->urls[i], strlen(g->urls[i]), hex);
		sodium_memzero(key, sizeof(key));
		buf_append_byte(&b, ' ');
		buf_printf(&b, "\"%s:internal:%s\"", g->urls[i], hex);
	}
	buf_append_str(&b, "\r\n");
	imap_write(s, b.data, b.len);
	buf_free(&b);
	imap_cmd_reply(cmd, "OK", "GENURLAUTH completed");
	imap_cmd_end(cmd);
}

enum imap_cmd_ret
cmd_genurlauth(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->s;
	const struct imap_arg *a = cmd->args;
	struct genurlauth *g;
	size_t n = 0;
	store_cb *cb;
	int rc;

	while (a[n].type != IMAP_ARG_EOL)
		n++;
	if (n == 0 || n % 2 != 0)
		return imap_cmd_bad(cmd, "GENURLAUTH needs URL and mechanism "
				    "pairs");
	if (n / 2 > s->env->conf->imap.max_urlfetch)
		return imap_cmd_reply(cmd, "NO", "[LIMIT] Too many URLs");
	g = xcalloc(1, sizeof(*g));
	g->urls = xcalloc(n / 2, sizeof(*g->urls));
	g->mailboxes = xcalloc(n / 2, sizeof(*g->mailboxes));
	cmd->ctx = g;
	cmd->ctx_free = genurlauth_free;
	for (size_t i = 0; i < n; i += 2) {
		struct imap_url u;
		const char *err = "Invalid URL";

		if (!imap_arg_is_astring(&a[i]) ||
		    !imap_url_parse(a[i].u.str, a[i].len, &u, &err)) {
			log_info(s->id, "imap GENURLAUTH: bad URL (%s)", err);
			return imap_cmd_bad(cmd, "Invalid URL");
		}
		if (u.access == IMAP_URL_ACCESS_NONE || u.mech != NULL) {
			imap_url_clear(&u);
			log_info(s->id, "imap GENURLAUTH: not a URLAUTH rump");
			return imap_cmd_bad(cmd, "URL is not a URLAUTH rump");
		}
		if (u.has_expire && (int64_t)time(NULL) >= u.expire) {
			imap_url_clear(&u);
			return imap_cmd_bad(cmd, "URLAUTH has already expired");
		}
		if (a[i + 1].type != IMAP_ARG_ATOM ||
		    !imap_arg_atom_eq(&a[i + 1], "INTERNAL")) {
			imap_url_clear(&u);
			return imap_cmd_reply(cmd, "NO", "Unknown URLAUTH "
					      "mechanism");
		}
		if (!urlauth_server(s, &u) || u.user == NULL ||
		    s->user == NULL || strcasecmp(u.user, s->user) != 0) {
			imap_url_clear(&u);
			log_info(s->id, "imap GENURLAUTH: another user's or "
				 "server's URL");
			return imap_cmd_reply(cmd, "NO", "Not this user's URL");
		}
		g->urls[g->n] = xstrndup(a[i].u.str, a[i].len);
		g->mailboxes[g->n++] = u.mailbox;
		u.mailbox = NULL;
		imap_url_clear(&u);
	}
	cb = imap_cmd_write_prepare(cmd, genurlauth_done);
	rc = store_urlauth_key_make(s->env->store, s->account_id,
				    (const char *const *)g->mailboxes, g->n,
				    cb, s);
	return imap_cmd_write_started(cmd, rc);
}

/* ---- URLFETCH url [url ...] ---- */

/* the part a URLAUTH URL names into out, false with *err_r if it does
 * not verify or exist */
static bool
urlfetch_one(struct imap_session *s, const struct imap_arg *arg,
	     struct buf *out, const char **err_r)
{
	struct imap_url u;
	struct imap_url_part p;
	int64_t owner;
	bool ok = false;

	if (!imap_arg_is_astring(arg)) {
		*err_r = "Not a string";
		return false;
	}
	if (!imap_url_parse(arg->u.str, arg->len, &u, err_r))
		return false;
	if (!imap_urlauth_verify(s, arg->u.str, &u, &owner, err_r) ||
	    !imap_url_part_open(s, owner, u.mailbox, &u, &p, err_r))
		goto out;
	if (p.in_filtered) {
		buf_append(out, p.filtered.data + p.off, (size_t)p.len);
	} else {
		unsigned char chunk[16384];
		uint64_t off = p.off, len = p.len;

		while (len > 0) {
			size_t n = len > sizeof(chunk) ? sizeof(chunk) :
				(size_t)len;
			ssize_t got = store_reader_pread(p.r, chunk, n, off);

			if (got <= 0) {
				*err_r = "Message unreadable";
				imap_url_part_clear(&p);
				goto out;
			}
			buf_append(out, chunk, (size_t)got);
			off += (uint64_t)got;
			len -= (uint64_t)got;
		}
	}
	/* an nstring holds no NUL: shown as 0x80, as FETCH BODY[] does */
	if (out->len > 0 && memchr(out->data, '\0', out->len) != NULL)
		fetch_nonul(out->data, out->len);
	imap_url_part_clear(&p);
	ok = true;
out:
	imap_url_clear(&u);
	return ok;
}

enum imap_cmd_ret
cmd_urlfetch(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->s;
	const struct imap_arg *a = cmd->args;
	size_t n = 0;

	while (a[n].type != IMAP_ARG_EOL)
		n++;
	if (n == 0)
		return imap_cmd_bad(cmd, "URLFETCH needs a URL");
	if (n > s->env->conf->imap.max_urlfetch) {
		log_info(s->id, "imap URLFETCH: %zu URLs, over "
			 "imap.max_urlfetch", n);
		return imap_cmd_reply(cmd, "NO", "[LIMIT] Too many URLs");
	}
	for (size_t i = 0; i < n; i++)
		if (!imap_arg_is_astring(&a[i]))
			return imap_cmd_bad(cmd, "URLFETCH takes URLs");
	/* one response per URL: only one part in memory at a time */
	for (size_t i = 0; i < n; i++) {
		struct buf data = BUF_INIT, b = BUF_INIT;
		const char *err = NULL;

		buf_append_str(&b, "* URLFETCH ");
		imap_append_astring(&b, a[i].u.str, a[i].len);
		if (urlfetch_one(s, &a[i], &data, &err)) {
			buf_printf(&b, " {%zu}\r\n", data.len);
			imap_write(s, b.data, b.len);
			imap_write(s, data.data, data.len);
			imap_write(s, "\r\n", 2);
		} else {
			/* RFC 4467 6.1: NIL, whatever the reason */
			log_info(s->id, "imap URLFETCH: NIL (%s)",
				 err ? err : "?");
			buf_append_str(&b, " NIL\r\n");
			imap_write(s, b.data, b.len);
		}
		buf_free(&data);
		buf_free(&b);
	}
	return imap_cmd_reply(cmd, "OK", "URLFETCH completed");
}

/* ---- RESETKEY [mailbox [mechanism ...]] ---- */

/* with a mailbox, OK [URLMECH ...] names its mechanisms (RFC 4467 6.2,
 * as its example and Dovecot answer) */
static void
resetkey_done(struct imap_cmd *cmd, int ret)
{
	if (ret == STORE_ENOTFOUND)
		imap_cmd_reply(cmd, "NO", "[NONEXISTENT] No such mailbox");
	else if (ret != 0)
		imap_cmd_store_error(cmd, ret);
	else if (cmd->args[0].type != IMAP_ARG_EOL)
		imap_cmd_reply(cmd, "OK", "[URLMECH INTERNAL] Key removed");
	else
		imap_cmd_reply(cmd, "OK", "All keys removed");
	imap_cmd_end(cmd);
}

enum imap_cmd_ret
cmd_resetkey(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->s;
	const struct imap_arg *a = cmd->args;
	char *mbox = NULL;
	store_cb *cb;
	int rc;

	if (a[0].type != IMAP_ARG_EOL) {
		if (!imap_arg_is_astring(&a[0]))
			return imap_cmd_bad(cmd, "Invalid mailbox");
		for (size_t i = 1; a[i].type != IMAP_ARG_EOL; i++) {
			if (a[i].type != IMAP_ARG_ATOM)
				return imap_cmd_bad(cmd, "Invalid mechanism");
			if (!imap_arg_atom_eq(&a[i], "INTERNAL"))
				return imap_cmd_reply(cmd, "NO", "Unknown "
						      "URLAUTH mechanism");
		}
		if ((mbox = imap_mailbox_arg(s, &a[0])) == NULL)
			return imap_cmd_bad(cmd, "Invalid mailbox name");
	}
	cb = imap_cmd_write_prepare(cmd, resetkey_done);
	rc = store_urlauth_reset(s->env->store, s->account_id, mbox, cb, s);
	free(mbox);
	return imap_cmd_write_started(cmd, rc);
}
