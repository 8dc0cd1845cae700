/* cmd-metadata.c - GETMETADATA, SETMETADATA (RFC 5464: METADATA and
 * METADATA-SERVER). Mailbox "" names the server entries, which are per
 * account here but for /shared/admin (imap.metadata_admin, read-only);
 * the other server /shared entries would be seen by every user, so no
 * user may write them. A mailbox's entries are its owner's; another
 * account reaches them through the ACL access check (meta_access). */
#include "imap/imap-private.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"

#define META_ADMIN "/shared/admin"

/* RFC 5464 3.2: "/private" or "/shared", then "/name" levels; no "*"
 * or "%", no "//", no trailing "/". Printable ASCII only here, kept
 * lowercase (entry names compare without case, as Dovecot's). bare:
 * the tree root alone may be named (GETMETADATA with DEPTH). NULL and
 * *why on a bad name. */
static char *
meta_entry(const struct imap_arg *a, bool bare, const char **why)
{
	char *e;

	if (!imap_arg_is_astring(a)) {
		*why = "Entry name expected";
		return NULL;
	}
	for (size_t i = 0; i < a->len; i++) {
		unsigned char c = (unsigned char)a->u.str[i];

		if (c <= 0x20 || c >= 0x7f || c == '*' || c == '%') {
			*why = "Invalid character in entry name";
			return NULL;
		}
		if (c == '/' && i + 1 < a->len && a->u.str[i + 1] == '/') {
			*why = "Entry name can't contain consecutive '/'";
			return NULL;
		}
	}
	if (a->len > 0 && a->u.str[a->len - 1] == '/') {
		*why = "Entry name can't end with '/'";
		return NULL;
	}
	e = xstrndup(a->u.str, a->len);
	for (char *p = e; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	if ((strncmp(e, "/private", 8) != 0 || (e[8] != '/' && e[8] != '\0')) &&
	    (strncmp(e, "/shared", 7) != 0 || (e[7] != '/' && e[7] != '\0'))) {
		*why = "Entry name must begin with /private or /shared";
		free(e);
		return NULL;
	}
	if (!bare && strchr(e + 1, '/') == NULL) {
		*why = "Entry name needs a name below /private or /shared";
		free(e);
		return NULL;
	}
	return e;
}

static enum imap_cmd_ret
meta_bad(struct imap_cmd *cmd, const char *why)
{
	log_info(cmd->s->id, "imap %s refused reason=\"%s\"", cmd->name, why);
	return imap_cmd_bad(cmd, why);
}

static void
meta_value(struct buf *b, const unsigned char *v, size_t len)
{
	/* literal8 only for a value with NUL (RFC 5464 5.4 allows it) */
	buf_printf(b, "%s{%zu}\r\n", memchr(v, '\0', len) ? "~" : "", len);
	buf_append(b, v, len);
}

/* GETMETADATA on the thread pool, as LIST: an account's entries may
 * be up to store.metadata_max_bytes */
struct getmeta_ctx {
	struct work_gate_job job;
	int64_t owner_id;	/* the mailbox's account */
	bool shared;		/* another account's: no /private entries */
	char *mbox;		/* the owner's name for it ("": server) */
	char *dname;		/* the session's name for it */
	char **names;
	size_t n;
	int depth;
	uint64_t maxsize;
	uint64_t longest;	/* largest value left out by MAXSIZE */
	struct buf out;		/* the METADATA response, if any */
	int rc;
};

static void
getmeta_ctx_free(void *p)
{
	struct getmeta_ctx *x = p;

	for (size_t i = 0; i < x->n; i++)
		free(x->names[i]);
	free(x->names);
	free(x->mbox);
	free(x->dname);
	buf_free(&x->out);
	free(x);
}

/* one requested name's entries into b (*out: entries so far) */
static int
getmeta_one(struct imap_session *s, struct getmeta_ctx *x, const char *name,
	    struct buf *b, size_t *out)
{
	const char *admin = s->env->conf->imap.metadata_admin;
	struct store_meta_list l = { 0 };
	size_t k = strlen(name);
	bool found = false;
	int rc;

	/* a shared mailbox's /private entries are its owner's: none are
	 * the session's (RFC 5464 3.3 makes private entries optional) */
	if (!x->shared || strncmp(name, "/private", 8) != 0)
		rc = store_meta_get(s->env->store, x->owner_id, x->mbox,
				    &name, 1, x->depth, &l);
	else
		rc = 0;
	for (size_t j = 0; j < l.n && rc == 0; j++) {
		struct store_meta_entry *e = &l.v[j];

		if (e->name[k] == '\0')
			found = true;
		if (e->len > x->maxsize) {
			if (e->len > x->longest)
				x->longest = e->len;
			continue;
		}
		buf_printf(b, "%s%s ", (*out)++ ? " " : "", e->name);
		meta_value(b, e->value, e->len);
	}
	store_meta_list_free(&l);
	/* the read-only server entry from the config */
	if (rc == 0 && x->mbox[0] == '\0' && admin[0] != '\0' &&
	    (strcmp(name, META_ADMIN) == 0 ||
	     (x->depth != 0 && strcmp(name, "/shared") == 0))) {
		size_t len = strlen(admin);

		if (strcmp(name, META_ADMIN) == 0)
			found = true;
		if (len > x->maxsize) {
			if (len > x->longest)
				x->longest = len;
		} else {
			buf_printf(b, "%s" META_ADMIN " ", (*out)++ ? " " : "");
			meta_value(b, (const unsigned char *)admin, len);
		}
	}
	/* RFC 5464 4.2: an entry that does not exist is NIL (as Dovecot:
	 * not where DEPTH asked for what is below it) */
	if (rc == 0 && !found && x->depth == 0)
		buf_printf(b, "%s%s NIL", (*out)++ ? " " : "", name);
	return rc;
}

/* on a worker: only the store (its per-thread reader) is used */
static void
getmeta_work(uv_work_t *w)
{
	struct imap_cmd *cmd = w->data;
	struct imap_session *s = cmd->s;
	struct getmeta_ctx *x = cmd->ctx;
	struct store_meta_list l = { 0 };
	struct buf b = BUF_INIT;
	size_t out = 0;

	/* the mailbox must exist even when no entry is asked for */
	x->rc = store_meta_get(s->env->store, x->owner_id, x->mbox, NULL, 0,
			       0, &l);
	store_meta_list_free(&l);
	buf_append_str(&b, "* METADATA ");
	imap_append_mailbox(s, &b, x->dname);
	buf_append_str(&b, " (");
	for (size_t i = 0; i < x->n && x->rc == 0; i++)
		x->rc = getmeta_one(s, x, x->names[i], &b, &out);
	buf_append_str(&b, ")\r\n");
	if (x->rc == 0 && out > 0) {
		buf_free(&x->out);
		x->out = b;
	} else {
		buf_free(&b);
	}
}

static enum imap_cmd_ret
getmeta_finish(struct imap_cmd *cmd)
{
	struct getmeta_ctx *x = cmd->ctx;

	if (x->rc < 0)
		return imap_cmd_store_error(cmd, x->rc);
	if (x->out.len)
		imap_write(cmd->s, x->out.data, x->out.len);
	if (x->longest > 0)
		return imap_cmd_reply(cmd, "OK", "[METADATA LONGENTRIES %llu] "
				      "Getmetadata completed",
				      (unsigned long long)x->longest);
	return imap_cmd_reply(cmd, "OK", "Getmetadata completed");
}

static void
getmeta_after_work(uv_work_t *w, int status)
{
	struct imap_cmd *cmd = w->data;
	struct imap_session *s = cmd->s;
	struct getmeta_ctx *x = cmd->ctx;

	if (!s->conn_gone && s->cmd == cmd) {
		if (status != 0)
			x->rc = STORE_EIO;
		if (getmeta_finish(cmd) == IMAP_CMD_DONE)
			imap_cmd_end(cmd);
	}
	imap_session_unref(s);
}

/* RFC 5464 3.3: a mailbox's entries, private or shared, are read and
 * set only with the l right and one of r, s, w, i, p; the server's ("")
 * are the session's own. 0 and *owner_r, *oname_r (malloc'd), *shared_r;
 * else a store error or IMAP_ACL_ENOPERM. */
static int
meta_access(struct imap_session *s, const char *mbox, int64_t *owner_r,
	    char **oname_r, bool *shared_r)
{
	const unsigned any = STORE_ACL_R | STORE_ACL_S | STORE_ACL_W |
			     STORE_ACL_I | STORE_ACL_P;
	struct imap_mbox mb;
	int rc;

	*owner_r = s->account_id;
	*shared_r = false;
	*oname_r = NULL;
	if (mbox[0] == '\0') {
		*oname_r = xstrdup("");
		return 0;
	}
	rc = imap_mailbox_access(s, mbox, STORE_ACL_L, &mb);
	if (rc == 0 && !(mb.rights & any)) {
		imap_acl_log(s, "denied", mbox, NULL, STORE_ACL_R);
		rc = IMAP_ACL_ENOPERM;
	}
	if (rc == 0) {
		*owner_r = mb.owner_id;
		*shared_r = mb.shared;
		*oname_r = xstrdup(mb.oname);
	}
	imap_mbox_clear(&mb);
	return rc;
}

static enum imap_cmd_ret
meta_refused(struct imap_cmd *cmd, int rc)
{
	if (rc == IMAP_ACL_ENOPERM)
		return imap_cmd_reply(cmd, "NO", "[NOPERM] Permission denied");
	return imap_cmd_store_error(cmd, rc);
}

/* GETMETADATA [(MAXSIZE n DEPTH 0|1|infinity)] mailbox entry|(entries) */
enum imap_cmd_ret
cmd_getmetadata(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->s;
	const struct imap_arg *a = cmd->args, *ents;
	uint64_t maxsize = UINT64_MAX;
	int depth = 0;
	size_t n, i;
	char **names, *mbox, *end;
	const char *why = NULL;
	struct getmeta_ctx *x;
	int rc;

	if (a[0].type == IMAP_ARG_LIST) {
		const struct imap_arg *o = a[0].u.list;

		for (; o->type != IMAP_ARG_EOL; o += 2) {
			if (imap_arg_atom_eq(o, "MAXSIZE") &&
			    o[1].type == IMAP_ARG_ATOM &&
			    isdigit((unsigned char)o[1].u.str[0]) &&
			    o[1].len <= 10) {
				maxsize = strtoull(o[1].u.str, &end, 10);
				if (*end != '\0' || maxsize > UINT32_MAX)
					return meta_bad(cmd, "Invalid value "
							"for MAXSIZE option");
			} else if (imap_arg_atom_eq(o, "DEPTH") &&
				   o[1].type == IMAP_ARG_ATOM) {
				if (strcmp(o[1].u.str, "0") == 0)
					depth = 0;
				else if (strcmp(o[1].u.str, "1") == 0)
					depth = 1;
				else if (imap_arg_atom_eq(&o[1], "infinity"))
					depth = -1;
				else
					return meta_bad(cmd, "Invalid value "
							"for DEPTH option");
			} else {
				return meta_bad(cmd, "Unknown or incomplete "
						"GETMETADATA option");
			}
		}
		a++;
	}
	if (!imap_arg_is_astring(&a[0]) ||
	    (a[1].type != IMAP_ARG_LIST && !imap_arg_is_astring(&a[1])) ||
	    a[2].type != IMAP_ARG_EOL)
		return meta_bad(cmd, "GETMETADATA needs a mailbox and entries");
	ents = a[1].type == IMAP_ARG_LIST ? a[1].u.list : &a[1];
	n = a[1].type == IMAP_ARG_LIST ? a[1].len : 1;
	names = xcalloc(n ? n : 1, sizeof(*names));
	for (i = 0; i < n && why == NULL; i++)
		names[i] = meta_entry(&ents[i], true, &why);
	mbox = why ? NULL : a[0].len ? imap_mailbox_arg(s, &a[0]) :
		xstrdup("");
	if (why == NULL && mbox == NULL)
		why = "Invalid mailbox name";
	if (why != NULL) {
		for (i = 0; i < n; i++)
			free(names[i]);
		free(names);
		return meta_bad(cmd, why);
	}
	x = xcalloc(1, sizeof(*x));
	x->dname = mbox;
	x->names = names;
	x->n = n;
	x->depth = depth;
	x->maxsize = maxsize;
	cmd->ctx = x;
	cmd->ctx_free = getmeta_ctx_free;
	rc = meta_access(s, x->dname, &x->owner_id, &x->mbox, &x->shared);
	if (rc != 0)
		return meta_refused(cmd, rc);
	x->job.work.data = cmd;
	imap_session_ref(s);
	if (imap_session_queue_work(s, &x->job, getmeta_work,
				    getmeta_after_work) == 0)
		return IMAP_CMD_WAIT;
	imap_session_unref(s);
	getmeta_work(&x->job.work);	/* no thread pool: here */
	return getmeta_finish(cmd);
}

/* what SETMETADATA changes, for NOTIFY once it is committed */
struct setmeta_ctx {
	char *mbox;		/* "": the server's entries */
	struct store_meta_entry *e;	/* names only */
	size_t n;
};

static void
setmeta_ctx_free(void *p)
{
	struct setmeta_ctx *x = p;

	for (size_t i = 0; i < x->n; i++)
		free(x->e[i].name);
	free(x->e);
	free(x->mbox);
	free(x);
}

static void
setmeta_done(struct imap_cmd *cmd, int ret)
{
	struct imap_session *s = cmd->s;
	struct setmeta_ctx *x = cmd->ctx;

	if (ret == 0)
		/* RFC 5465 5.7, 5.8: sessions that asked are told */
		imap_notify_metadata(s, x->mbox, x->e, x->n);

	if (ret == STORE_ELIMIT) {
		log_info(s->id, "imap setmetadata refused reason=toomany");
		imap_cmd_reply(cmd, "NO", "[METADATA TOOMANY] Too many "
			       "metadata entries");
	} else if (ret == STORE_EQUOTA) {
		log_info(s->id, "imap setmetadata refused reason=bytes");
		imap_cmd_reply(cmd, "NO", "[OVERQUOTA] Metadata storage limit "
			       "reached");
	} else if (ret == STORE_ETOOBIG) {
		imap_cmd_reply(cmd, "NO", "[METADATA MAXSIZE %llu] Value too "
			       "big", (unsigned long long)
			       s->env->conf->store.metadata_max_value);
	} else if (ret != 0) {
		imap_cmd_store_error(cmd, ret);
	} else {
		imap_cmd_reply(cmd, "OK", "Setmetadata completed");
	}
	imap_cmd_end(cmd);
}

/* SETMETADATA mailbox (entry value|NIL ...) */
enum imap_cmd_ret
cmd_setmetadata(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->s;
	const struct imap_arg *a = cmd->args, *p;
	uint64_t max = s->env->conf->store.metadata_max_value;
	struct store_meta_entry *e;
	struct setmeta_ctx *x;
	const char *why = NULL;
	size_t n, i;
	char *mbox = NULL, *oname = NULL;
	int64_t owner = s->account_id;
	bool readonly = false, big = false, shared = false;
	bool has_private = false, has_shared = false;
	store_cb *cb;
	int rc;

	if (!imap_arg_is_astring(&a[0]) || a[1].type != IMAP_ARG_LIST ||
	    a[2].type != IMAP_ARG_EOL)
		return meta_bad(cmd, "SETMETADATA needs a mailbox and a list "
				"of entries and values");
	if (a[1].len % 2 != 0)
		return meta_bad(cmd, "Entry value missing");
	n = a[1].len / 2;
	p = a[1].u.list;
	e = xcalloc(n ? n : 1, sizeof(*e));
	for (i = 0; i < n && why == NULL; i++) {
		const struct imap_arg *v = &p[2 * i + 1];

		e[i].name = meta_entry(&p[2 * i], false, &why);
		if (why != NULL)
			break;
		if (v->type == IMAP_ARG_NIL)
			continue;
		if (!imap_arg_is_string(v)) {
			why = "Entry value must be a string or NIL";
			break;
		}
		e[i].value = (unsigned char *)v->u.str;
		e[i].len = v->len;
		if (max && v->len > max)
			big = true;
		if (a[0].len == 0 && strncmp(e[i].name, "/shared/", 8) == 0)
			readonly = true;
	}
	for (i = 0; i < n && why == NULL; i++) {
		if (strncmp(e[i].name, "/private/", 9) == 0)
			has_private = true;
		else
			has_shared = true;
	}
	if (why == NULL && a[0].len && (mbox = imap_mailbox_arg(s, &a[0])) ==
	    NULL)
		why = "Invalid mailbox name";
	if (why != NULL) {
		rc = 0;
		goto out;
	}
	if (readonly) {
		log_info(s->id, "imap setmetadata refused reason=readonly");
		rc = 1;
		goto out;
	}
	rc = meta_access(s, mbox ? mbox : "", &owner, &oname, &shared);
	/* what every sharer reads is changed only with w, as keywords */
	if (rc == 0 && shared && has_shared) {
		struct imap_mbox mb;

		if (imap_mailbox_access(s, mbox, STORE_ACL_W, &mb) != 0) {
			log_info(s->id, "imap setmetadata refused "
				 "reason=noperm");
			rc = IMAP_ACL_ENOPERM;
		}
		imap_mbox_clear(&mb);
	}
	if (rc != 0) {
		rc = rc == IMAP_ACL_ENOPERM ? 3 : rc;
		goto out;
	}
	if (shared && has_private) {
		log_info(s->id, "imap setmetadata refused reason=noprivate");
		rc = 4;
		goto out;
	}
	if (big) {
		log_info(s->id, "imap setmetadata refused reason=maxsize");
		rc = 2;
		goto out;
	}
	cb = imap_cmd_write_prepare(cmd, setmeta_done);
	rc = store_meta_set(s->env->store, owner, oname, e, n, cb, s);
	free(oname);
	/* the names stay with the command (store_meta_set copied all);
	 * the change is told under this session's name of the mailbox */
	x = xcalloc(1, sizeof(*x));
	x->mbox = mbox ? mbox : xstrdup("");
	x->e = e;
	x->n = n;
	for (i = 0; i < n; i++)
		e[i].value = NULL;	/* the parser's */
	cmd->ctx = x;
	cmd->ctx_free = setmeta_ctx_free;
	return imap_cmd_write_started(cmd, rc);
out:
	for (i = 0; i < n; i++)
		free(e[i].name);
	free(e);
	free(mbox);
	free(oname);
	if (why != NULL)
		return meta_bad(cmd, why);
	if (rc == 3)
		return imap_cmd_reply(cmd, "NO", "[NOPERM] Permission denied");
	if (rc == 4)
		return imap_cmd_reply(cmd, "NO", "[METADATA NOPRIVATE] No "
				      "private entries on a shared mailbox");
	if (rc < 0)
		return imap_cmd_store_error(cmd, rc);
	if (rc == 1)
		return imap_cmd_reply(cmd, "NO", "[PERMISSION] Server /shared "
				      "entries are read-only");
	return imap_cmd_reply(cmd, "NO", "[METADATA MAXSIZE %llu] Value too "
			      "big", (unsigned long long)max);
}
