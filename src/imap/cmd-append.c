/* cmd-append.c - APPEND (RFC 9051 6.3.12) with MULTIAPPEND (RFC 3502),
 * CATENATE (RFC 4469), UTF8 (RFC 6855) and UIDPLUS APPENDUID, and
 * REPLACE (RFC 8508).
 *
 * The arguments are walked as they arrive: at each literal header the
 * messages complete so far are checked and the literal is refused
 * (mailbox, size, quota, count) or streamed into the current message's
 * store blob; CATENATE URL parts are copied into it when seen. All
 * messages go to the store in one write at the end: all or none. */
#include "imap/imap-private.h"
#include "imap/imap-fetch.h"
#include "imap/imap-url.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/log.h"

enum app_cur {
	CUR_NONE,
	CUR_LITERAL,		/* its literal is the next argument */
	CUR_UTF8,		/* UTF8 (~{n}) */
	CUR_CATENATE,		/* CATENATE (parts) */
};

struct imap_append {
	size_t base;		/* index of the mailbox argument */
	bool replace;
	bool target_known;
	size_t argi;		/* next top-level argument to walk */
	int64_t owner_id;	/* the mailbox's (shared: not ours) */
	unsigned rights;	/* the session's on it (STORE_ACL_*) */
	int64_t mailbox_id;
	uint32_t uidvalidity;
	uint32_t replace_uid;
	struct store_append_msg *msgs;
	size_t n, cap;
	enum app_cur cur;	/* msgs[n - 1] is being built */
	size_t cat_i;		/* next CATENATE part to walk */
	bool lit_nonul;		/* the literal streaming must hold no NUL */
	uint64_t mem;		/* bytes of finished messages in memory */
	int error;		/* a blob write failed */
	bool nul;		/* a NUL in a TEXT literal */
	/* why the command fails (refused, or told at its end) */
	const char *status, *text;
	char *code;
};

static void
imap_append_free(struct imap_append *app)
{
	if (app == NULL)
		return;
	for (size_t i = 0; i < app->n; i++) {
		store_blob_abort(&app->msgs[i].blob);
		free(app->msgs[i].keywords);
	}
	free(app->msgs);
	free(app->code);
	free(app);
}

void
imap_append_cleanup(struct imap_session *s)
{
	imap_append_free(s->app);
	s->app = NULL;
}

/* the command fails: status (BAD/NO), response code or NULL, text */
static bool
app_fail(struct imap_append *app, const char *status, const char *code,
	 const char *text)
{
	if (app->status == NULL) {
		app->status = status;
		app->code = code ? xstrdup(code) : NULL;
		app->text = text;
	}
	return false;
}

/* the command's name and where its mailbox argument is */
static size_t
app_base(const char *name, const struct imap_arg *a, bool *replace)
{
	*replace = false;
	if (strcasecmp(name, "REPLACE") == 0) {
		*replace = true;
		return 1;
	}
	if (strcasecmp(name, "UID") == 0 && imap_arg_atom_eq(&a[0], "REPLACE")) {
		*replace = true;
		return 2;
	}
	return 0;
}

/* mailbox (and REPLACE's message), before the first message begins */
static bool
app_target(struct imap_session *s, struct imap_append *app,
	   const struct imap_arg *a)
{
	struct imap_mbox m;
	char *name;
	int rc;

	if (app->replace) {
		struct store_uid_range *r = NULL;
		const struct imap_arg *set = &a[app->base - 1];
		const char *err;
		uint32_t *uids = NULL;
		size_t n = 0, nu = 0;
		unsigned rights;

		if (!s->selected)
			return app_fail(app, "BAD", NULL, "No mailbox selected");
		if (set->type != IMAP_ARG_ATOM || strchr(set->u.str, ',') ||
		    strchr(set->u.str, ':'))
			return app_fail(app, "BAD", NULL,
					"One message number expected");
		if (!imap_view_ranges(s, set->u.str, app->base == 2, &r, &n,
				      &err)) {
			free(r);
			return app_fail(app, app->base == 2 ? "BAD" : "NO",
					NULL, "No such message");
		}
		if (n > 0)
			uids = imap_view_uids(s, r, n, &nu);
		free(r);
		if (nu != 1) {
			free(uids);
			return app_fail(app, "NO", NULL, "No such message");
		}
		app->replace_uid = uids[0];
		free(uids);
		if (s->view.readonly)
			return app_fail(app, "NO", "READ-ONLY",
					"Mailbox is read-only");
		/* RFC 8508 3.3 (RFC 4314): the old message goes as by
		 * STORE \Deleted and EXPUNGE on the selected mailbox; its
		 * rights read now (a literal comes before the command's
		 * own check, imap_acl_command) */
		rights = s->view.rights;
		if (s->view.account_id != s->account_id &&
		    store_acl_rights(s->env->store, s->account_id, s->user,
				     s->view.account_id, s->view.mailbox_id,
				     &rights) < 0)
			rights = 0;
		if ((rights & (STORE_ACL_T | STORE_ACL_E)) !=
		    (STORE_ACL_T | STORE_ACL_E)) {
			imap_acl_log(s, "denied", s->view.name, NULL,
				     STORE_ACL_T | STORE_ACL_E);
			return app_fail(app, "NO", "NOPERM",
					"Permission denied");
		}
	}
	name = imap_mailbox_arg(s, &a[app->base]);
	if (name == NULL)
		return app_fail(app, "BAD", NULL, "Invalid mailbox name");
	rc = imap_mailbox_access(s, name, STORE_ACL_I, &m);
	free(name);
	if (rc == 0 && (m.m.attrs & STORE_MBX_NOSELECT))
		rc = STORE_ENOSELECT;
	app->owner_id = m.owner_id;
	app->mailbox_id = m.m.id;
	app->uidvalidity = m.m.uidvalidity;
	app->rights = m.rights;
	imap_mbox_clear(&m);
	if (rc == STORE_ENOTFOUND || rc == STORE_EBADNAME)
		return app_fail(app, "NO", "TRYCREATE", "No such mailbox");
	if (rc == IMAP_ACL_ENOPERM)
		return app_fail(app, "NO", "NOPERM", "Permission denied");
	if (rc == STORE_ENOSELECT)
		return app_fail(app, "NO", "CANNOT",
				"Mailbox cannot be selected");
	if (rc != 0)
		return app_fail(app, "NO", "SERVERBUG", store_strerror(rc));
	app->target_known = true;
	return true;
}

/* a new message with its options a[i..j) (flags, date) */
static bool
app_begin(struct imap_session *s, struct imap_append *app,
	  const struct imap_arg *a, size_t i, size_t j, enum app_cur kind)
{
	struct store_append_msg *m;
	struct buf kw = BUF_INIT;
	uint64_t max = app->replace ? 1 : s->env->conf->imap.max_multiappend;
	int rc;

	if (!app->target_known && !app_target(s, app, a))
		return false;
	if (app->n >= (max ? max : 1)) {
		log_info(s->id, "imap %s: more than %llu messages",
			 app->replace ? "REPLACE" : "APPEND",
			 (unsigned long long)max);
		return app_fail(app, app->replace ? "BAD" : "NO",
				app->replace ? NULL : "LIMIT",
				app->replace ? "REPLACE takes one message" :
				"Too many messages in one APPEND");
	}
	if (app->n == app->cap) {
		app->cap = app->cap ? app->cap * 2 : 4;
		app->msgs = xrealloc(app->msgs, app->cap * sizeof(*app->msgs));
	}
	m = &app->msgs[app->n];
	memset(m, 0, sizeof(*m));
	if (i < j && a[i].type == IMAP_ARG_LIST) {
		if (!imap_parse_flags(&a[i], &m->flags, &kw)) {
			buf_free(&kw);
			return app_fail(app, "BAD", NULL, "Invalid flags");
		}
		i++;
	}
	/* RFC 4314 4: the flags the user has no right to are not set */
	m->flags &= imap_acl_flags_allowed(app->rights);
	if (!(app->rights & STORE_ACL_W))
		buf_reset(&kw);
	if (kw.len > 0)
		m->keywords = buf_steal(&kw);
	buf_free(&kw);
	app->n++;
	if (i < j && a[i].type == IMAP_ARG_QUOTED) {
		if (!imap_parse_datetime(a[i].u.str, &m->internaldate,
					 &m->internaldate_tz))
			return app_fail(app, "BAD", NULL, "Invalid date-time");
		i++;
	}
	if (i != j)
		return app_fail(app, "BAD", NULL, "Invalid APPEND arguments");
	rc = store_blob_begin(s->env->store, &m->blob);
	if (rc != 0)
		return app_fail(app, "NO", "SERVERBUG", store_strerror(rc));
	app->cur = kind;
	app->cat_i = 0;
	return true;
}

/* a message is complete: while more may follow it holds no file
 * descriptor, and memory only up to imap.multiappend_memory in all */
static bool
app_finish(struct imap_session *s, struct imap_append *app)
{
	struct store_blob *b = app->msgs[app->n - 1].blob;
	uint64_t budget = s->env->conf->imap.multiappend_memory;
	int rc;

	app->cur = CUR_NONE;
	if (app->error != 0)
		return false;
	rc = store_blob_park(b, app->mem + store_blob_mem(b) > budget);
	if (rc != 0) {
		app->error = rc;
		return false;
	}
	app->mem += store_blob_mem(b);
	return true;
}

/* a literal of size bytes is about to go into the current message */
static bool
app_room(struct imap_session *s, struct imap_append *app, uint64_t size)
{
	struct store_append_msg *m = &app->msgs[app->n - 1];
	uint64_t have = store_blob_size(m->blob);
	int rc;

	if (size > s->env->conf->imap.max_literal ||
	    have + size > s->env->conf->imap.max_literal) {
		log_info(s->id, "imap APPEND: message over %llu bytes",
			 (unsigned long long)s->env->conf->imap.max_literal);
		return app_fail(app, "NO", "TOOBIG", "Message too big");
	}
	rc = store_quota_check(s->env->store, app->owner_id, have + size);
	if (rc == STORE_EQUOTA)
		return app_fail(app, "NO", "OVERQUOTA", "Quota exceeded");
	return true;
}

/* copy a CATENATE URL part into the current message: this user's own
 * message, or with a URLAUTH that verifies for this user (RFC 4469 5)
 * any user's on this server */
static bool
app_url(struct imap_session *s, struct imap_append *app,
	const struct imap_arg *arg)
{
	struct store_append_msg *cur = &app->msgs[app->n - 1];
	struct imap_url u;
	struct imap_url_part p;
	char *oname = NULL;	/* the mailbox's name in its owner's account */
	const char *err = NULL;
	int64_t owner = s->account_id;
	uint64_t off, len;
	bool ok = false;
	int rc = 0;

	memset(&p, 0, sizeof(p));
	memset(&u, 0, sizeof(u));
	/* url-resp-text: TEXT-CHAR but "]" */
	for (size_t i = 0; i < arg->len; i++) {
		unsigned char c = (unsigned char)arg->u.str[i];

		if (c < 0x20 || c == ']' || c == 0x7f || c == 0xff)
			goto bad_noecho;
	}
	if (!imap_url_parse(arg->u.str, arg->len, &u, &err))
		goto bad;
	if (u.access != IMAP_URL_ACCESS_NONE) {
		if (!imap_urlauth_verify(s, arg->u.str, &u, &owner, &err))
			goto bad;
	} else if (u.absolute && (u.user == NULL || s->user == NULL ||
				  strcasecmp(u.user, s->user) != 0)) {
		/* only this user's own messages: a URL naming another user
		 * (or none: anonymous) fails like a missing message */
		err = "Not this user's URL";
		goto bad;
	}
	if (u.absolute && (s->env->conf->hostname == NULL ||
			   strcasecmp(u.host, s->env->conf->hostname) != 0)) {
		err = "Not this server's URL";
		goto bad;
	}
	if (u.mailbox == NULL && !s->selected) {
		err = "No mailbox selected";
		goto bad;
	}
	if (u.access == IMAP_URL_ACCESS_NONE) {
		/* resolved as this user (RFC 4469 5): a shared mailbox
		 * needs r, and one it may not read is a bad URL like one
		 * that does not exist; a URLAUTH URL is its owner's */
		struct imap_mbox mb;

		rc = imap_mailbox_access(s, u.mailbox ? u.mailbox :
					 s->view.name, STORE_ACL_R, &mb);
		if (rc == 0) {
			owner = mb.owner_id;
			oname = xstrdup(mb.oname);
		}
		imap_mbox_clear(&mb);
		if (rc != 0) {
			err = rc == IMAP_ACL_ENOPERM ? "No read right" :
				"No such mailbox";
			goto bad;
		}
		rc = 0;
	}
	if (!imap_url_part_open(s, owner, oname ? oname : u.mailbox, &u, &p,
				&err))
		goto bad;
	off = p.off;
	len = p.len;
	if (!app_room(s, app, len))
		goto out;
	if (p.in_filtered) {
		rc = store_blob_write(cur->blob, p.filtered.data + off,
				      (size_t)len);
	} else {
		unsigned char chunk[16384];

		while (len > 0 && rc == 0) {
			size_t n = len > sizeof(chunk) ? sizeof(chunk) :
				(size_t)len;
			ssize_t got = store_reader_pread(p.r, chunk, n, off);

			if (got <= 0) {
				rc = STORE_EIO;
				break;
			}
			rc = store_blob_write(cur->blob, chunk, (size_t)got);
			off += (uint64_t)got;
			len -= (uint64_t)got;
		}
	}
	if (rc != 0) {
		app_fail(app, "NO", rc == STORE_ETOOBIG ? "TOOBIG" :
			 "SERVERBUG", store_strerror(rc));
		goto out;
	}
	ok = true;
	goto out;
bad:
	log_info(s->id, "imap CATENATE: bad URL (%s)", err ? err : "?");
	{
		char *code = xasprintf("BADURL %s", arg->u.str);

		app_fail(app, "NO", code, "Bad CATENATE URL");
		free(code);
	}
	goto out;
bad_noecho:
	log_info(s->id, "imap CATENATE: bad URL (control characters)");
	app_fail(app, "BAD", NULL, "Invalid URL");
out:
	imap_url_part_clear(&p);
	free(oname);
	imap_url_clear(&u);
	return ok;
}

enum walk {
	WALK_FAIL,
	WALK_DONE,		/* every message complete */
	WALK_STREAM,		/* the literal is the current message's */
	WALK_KEEP,		/* the literal is a URL: keep it in memory */
};

/* Walk the top-level arguments a[app->argi..argc). At a literal header
 * (lit: depth 0 or 1) the last argument may be an open list (depth 1);
 * at the command's end (!lit) everything is complete. */
static enum walk
app_walk(struct imap_session *s, struct imap_append *app,
	 const struct imap_arg *a, size_t argc, bool lit, unsigned depth)
{
	size_t i = app->argi;

	if (lit && depth > 1)
		return app_fail(app, "BAD", NULL, "Unexpected literal"),
			WALK_FAIL;
	for (;;) {
		bool open = lit && depth == 1 && i == argc - 1;

		if (app->cur == CUR_NONE) {
			size_t j = i;

			if (j < argc && a[j].type == IMAP_ARG_LIST &&
			    !(lit && depth == 1 && j == argc - 1))
				j++;
			if (j < argc && a[j].type == IMAP_ARG_QUOTED)
				j++;
			if (j == argc) {
				if (!lit && i == argc && app->n > 0)
					return WALK_DONE;
				if (!lit || depth != 0) {
					app_fail(app, "BAD", NULL, app->n ?
						 "Invalid APPEND arguments" :
						 "APPEND needs a message");
					return WALK_FAIL;
				}
				if (!app_begin(s, app, a, i, j, CUR_LITERAL))
					return WALK_FAIL;
				app->argi = argc;	/* its literal */
				return WALK_STREAM;
			}
			if (j + 1 < argc && a[j + 1].type == IMAP_ARG_LIST &&
			    (imap_arg_atom_eq(&a[j], "CATENATE") ||
			     (imap_arg_atom_eq(&a[j], "UTF8") && s->utf8))) {
				bool cat = imap_arg_atom_eq(&a[j], "CATENATE");

				if (!app_begin(s, app, a, i, j, cat ?
					       CUR_CATENATE : CUR_UTF8))
					return WALK_FAIL;
				i = j + 1;
				app->argi = i;
				continue;
			}
			app_fail(app, "BAD", NULL, "Invalid APPEND arguments");
			return WALK_FAIL;
		}
		if (app->cur == CUR_LITERAL) {
			if (i >= argc || a[i].type != IMAP_ARG_EXTERN)
				return app_fail(app, "BAD", NULL, "Syntax "
						"error"), WALK_FAIL;
			if (!app_finish(s, app))
				return WALK_FAIL;
			app->argi = ++i;
			continue;
		}
		const struct imap_arg *l = a[i].u.list;
		size_t ln = a[i].len, k;

		if (app->cur == CUR_UTF8) {
			if (open && ln == 0 &&
			    imap_parser_literal_binary(s->parser))
				return WALK_STREAM;
			if (open || ln != 1 || l[0].type != IMAP_ARG_EXTERN)
				return app_fail(app, "BAD", NULL, "UTF8 needs "
						"one literal8"), WALK_FAIL;
			if (!app_finish(s, app))
				return WALK_FAIL;
			app->argi = ++i;
			continue;
		}
		for (k = app->cat_i; k < ln; k += 2) {
			bool text = imap_arg_atom_eq(&l[k], "TEXT");

			if (!text && !imap_arg_atom_eq(&l[k], "URL"))
				break;
			if (k + 1 == ln && open) {
				app->cat_i = k;
				return text ? WALK_STREAM : WALK_KEEP;
			}
			if (k + 1 == ln)
				break;
			if (text && l[k + 1].type != IMAP_ARG_EXTERN)
				break;
			if (!text) {
				if (!imap_arg_is_astring(&l[k + 1]))
					break;
				app->cat_i = k + 2;
				if (!app_url(s, app, &l[k + 1]))
					return WALK_FAIL;
			}
		}
		app->cat_i = k;
		if (k < ln || open || ln == 0)
			return app_fail(app, "BAD", NULL, "Invalid CATENATE "
					"part"), WALK_FAIL;
		if (app->error != 0 || app->nul)
			return WALK_FAIL;
		if (!app_finish(s, app))
			return WALK_FAIL;
		app->argi = ++i;
	}
}

/* refuse the literal before it is read; the reply is the command's */
static void
imap_append_refuse(struct imap_session *s)
{
	struct imap_append *app = s->app;
	const char *tag = imap_parser_tag(s->parser);
	const char *status = app->status ? app->status : "NO";
	const char *text = app->text ? app->text : "APPEND failed";

	if (app->status == NULL && app->error != 0) {
		status = "NO";
		app->code = xstrdup(app->error == STORE_ETOOBIG ? "TOOBIG" :
				    "SERVERBUG");
		text = store_strerror(app->error);
	} else if (app->status == NULL && app->nul) {
		text = "NUL in a TEXT literal";
	}
	imap_parser_fail(s->parser, app->code, text);
	imap_printf(s, "%s %s %s%s%s%s\r\n", tag, status,
		    app->code ? "[" : "", app->code ? app->code : "",
		    app->code ? "] " : "", text);
	if (strcmp(status, "BAD") == 0)
		imap_session_count_bad(s);
	s->replied = true;
	imap_append_cleanup(s);
}

static struct imap_append *
app_new(struct imap_session *s)
{
	struct imap_append *app = xcalloc(1, sizeof(*app));
	const struct imap_arg *a = imap_parser_partial_args(s->parser);

	app->base = app_base(imap_parser_name(s->parser), a, &app->replace);
	app->argi = app->base + 1;
	return app;
}

bool
imap_append_wants(struct imap_session *s)
{
	const char *name = imap_parser_name(s->parser);
	const struct imap_arg *a;
	bool replace;
	size_t base;

	if (name == NULL || s->state == IMAP_NOTAUTH)
		return false;
	if (strcasecmp(name, "APPEND") != 0 &&
	    strcasecmp(name, "REPLACE") != 0 && strcasecmp(name, "UID") != 0)
		return false;
	a = imap_parser_partial_args(s->parser);
	base = app_base(name, a, &replace);
	if (strcasecmp(name, "UID") == 0 && !replace)
		return false;
	return imap_parser_arg_count(s->parser) > base;
}

void
imap_append_literal(struct imap_session *s)
{
	struct imap_parser *p = s->parser;
	const struct imap_arg *a;
	uint64_t size = imap_parser_literal_size(p);
	enum walk w;

	if (s->app == NULL)
		s->app = app_new(s);
	if (s->app->error != 0 || s->app->nul) {
		imap_append_refuse(s);
		return;
	}
	a = imap_parser_partial_args(p);
	w = app_walk(s, s->app, a, imap_parser_arg_count(p), true,
		     imap_parser_literal_depth(p));
	if (w == WALK_KEEP) {
		/* a URL sent as a literal: an astring like any other */
		if (size > s->env->conf->imap.max_line ||
		    !imap_parser_literal_accept(p)) {
			app_fail(s->app, "BAD", "TOOBIG", "URL too long");
			imap_append_refuse(s);
			return;
		}
		if (imap_parser_literal_sync(p))
			imap_printf(s, "+ Ready for literal data\r\n");
		return;
	}
	if (w != WALK_STREAM || !app_room(s, s->app, size)) {
		imap_append_refuse(s);
		return;
	}
	/* a CATENATE TEXT literal is CHAR8 (no NUL) unless a literal8 */
	s->app->lit_nonul = s->app->cur == CUR_CATENATE &&
		!imap_parser_literal_binary(p);
	imap_parser_literal_extern(p);
	s->lit_left = size;
	s->wait = size > 0 ? IMAP_WAIT_LITERAL : IMAP_WAIT_NONE;
	if (imap_parser_literal_sync(p))
		imap_printf(s, "+ Ready for literal data\r\n");
}

void
imap_append_input(struct imap_session *s)
{
	struct slice in = conn_input(s->conn);
	struct imap_append *app = s->app;
	size_t n = in.len;

	if (n > s->lit_left)
		n = (size_t)s->lit_left;
	if (app != NULL && app->lit_nonul && memchr(in.p, '\0', n) != NULL)
		app->nul = true;
	if (app != NULL && app->error == 0 && !app->nul) {
		int rc = store_blob_write(app->msgs[app->n - 1].blob, in.p, n);

		if (rc < 0)
			app->error = rc;
	}
	conn_consume(s->conn, n);
	s->lit_left -= n;
	if (s->lit_left == 0)
		s->wait = IMAP_WAIT_NONE;
}

/* "APPENDUID v uid-set" (the uids are consecutive, in order) */
static void
appenduid_code(const struct imap_append *app, struct buf *b)
{
	uint32_t lo = app->msgs[0].uid, hi = app->msgs[app->n - 1].uid;

	if (lo == hi)
		buf_printf(b, "APPENDUID %u %u", app->uidvalidity, lo);
	else
		buf_printf(b, "APPENDUID %u %u:%u", app->uidvalidity, lo, hi);
}

static void
cmd_append_done(struct imap_cmd *cmd, int ret)
{
	struct imap_append *app = cmd->ctx;
	struct buf code = BUF_INIT;

	if (ret == STORE_ENOTFOUND && app->replace) {
		imap_cmd_reply(cmd, "NO", "No such message");
	} else if (ret != 0) {
		imap_cmd_store_error(cmd, ret);
	} else if (app->replace) {
		appenduid_code(app, &code);
		imap_printf(cmd->s, "* OK [%s] Replacement message ready\r\n",
			    buf_cstr(&code));
		if (cmd->s->selected)
			imap_view_expunged(cmd->s, &app->replace_uid, 1);
		imap_cmd_reply(cmd, "OK", "REPLACE completed");
	} else {
		appenduid_code(app, &code);
		imap_cmd_reply(cmd, "OK", "[%s] APPEND completed",
			       buf_cstr(&code));
	}
	buf_free(&code);
	imap_cmd_end(cmd);
}

static void
imap_append_ctx_free(void *p)
{
	imap_append_free(p);
}

static enum imap_cmd_ret
app_reply_fail(struct imap_cmd *cmd, struct imap_append *app)
{
	if (app->status != NULL)
		return imap_cmd_reply(cmd, app->status, "%s%s%s%s",
				      app->code ? "[" : "",
				      app->code ? app->code : "",
				      app->code ? "] " : "", app->text);
	if (app->nul)
		return imap_cmd_reply(cmd, "NO", "NUL in a TEXT literal");
	return imap_cmd_store_error(cmd, app->error);
}

enum imap_cmd_ret
cmd_append(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->s;
	struct imap_append *app = s->app;
	const struct imap_arg *a;
	store_cb *cb;

	s->app = NULL;
	if (app == NULL)	/* no literal: CATENATE of URLs, or an error */
		app = app_new(s);
	a = imap_parser_args(s->parser);
	cmd->ctx = app;
	cmd->ctx_free = imap_append_ctx_free;
	if (app->status == NULL && app->error == 0 && !app->nul &&
	    app_walk(s, app, a, imap_args_count(a), false, 0) != WALK_DONE)
		return app_reply_fail(cmd, app);
	if (app->status != NULL || app->error != 0 || app->nul)
		return app_reply_fail(cmd, app);
	cb = imap_cmd_write_prepare(cmd, cmd_append_done);
	return imap_cmd_write_started(cmd, store_append_many(
		s->env->store, app->owner_id, app->mailbox_id, app->msgs,
		app->n, app->replace ? s->view.account_id : 0,
		app->replace ? s->view.mailbox_id : 0,
		app->replace_uid, cb, s));
}

enum imap_cmd_ret
cmd_replace(struct imap_cmd *cmd)
{
	return cmd_append(cmd);
}
