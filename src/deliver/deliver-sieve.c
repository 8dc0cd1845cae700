/* deliver-sieve.c - the Sieve step of a delivery (contract in
 * deliver.h): the message read once, each local account's script run
 * in turn (redirects to local accounts append theirs), the rows
 * planned by deliver-plan.c */
#include "deliver/deliver-private.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "lib/conf.h"
#include "lib/log.h"

bool
deliver_sieve_wanted(const struct tern_conf *conf, struct store *store,
		     const struct store_rcpt *rows, size_t n)
{
	if (!conf->sieve.enable)
		return false;
	for (size_t i = 0; i < n; i++) {
		int64_t version;

		/* one indexed read; a store error is the step's to log */
		if (rows[i].kind == STORE_RCPT_LOCAL &&
		    store_sieve_active(store, rows[i].account_id, NULL, NULL,
				       NULL, &version) != STORE_ENOTFOUND)
			return true;
	}
	return false;
}

static char *
dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

struct deliver_sieve *
deliver_sieve_new(const struct deliver_env *env, const struct store_rcpt *rows,
		  size_t n, const char *const *orig_to)
{
	struct deliver_sieve *d = xcalloc(1, sizeof(*d));

	d->env = *env;
	d->id = xstrdup(env->id ? env->id : "-");
	d->sender = xstrdup(env->sender ? env->sender : "");
	d->auth = dup_or_null(env->auth);
	d->envid = dup_or_null(env->envid);
	d->env.id = d->id;
	d->env.sender = d->sender;
	d->env.auth = d->auth;
	d->env.envid = d->envid;
	buf_append(&d->local_front, env->local_front, env->local_front_len);
	buf_append(&d->remote_front, env->remote_front,
		   env->remote_front_len);
	d->in = xcalloc(n ? n : 1, sizeof(*d->in));
	memcpy(d->in, rows, n * sizeof(*rows));
	d->n_in = n;
	d->orig_to = xcalloc(n ? n : 1, sizeof(*d->orig_to));
	d->row_rejected = xcalloc(n ? n : 1, sizeof(bool));
	for (size_t i = 0; i < n; i++) {
		d->orig_to[i] = xstrdup(orig_to && orig_to[i] ? orig_to[i] :
				       rows[i].address ? rows[i].address : "");
		d->in[i].address = deliver_str(d, rows[i].address);
		d->in[i].mailbox = deliver_str(d, rows[i].mailbox);
		d->in[i].orcpt = deliver_str(d, rows[i].orcpt);
		d->in[i].keywords = deliver_str(d, rows[i].keywords);
	}
	return d;
}

void
deliver_sieve_free(struct deliver_sieve **dp)
{
	struct deliver_sieve *d = *dp;

	if (d == NULL)
		return;
	*dp = NULL;
	for (size_t i = 0; i < d->n_units; i++) {
		free(d->units[i].address);
		free(d->units[i].orig_to);
		free(d->units[i].script);
		if (d->units[i].ran)
			sieve_result_free(&d->units[i].res);
	}
	free(d->units);
	for (size_t i = 0; i < d->n_in; i++)
		free(d->orig_to[i]);
	free(d->orig_to);
	for (size_t i = 0; i < d->n_strs; i++)
		free(d->strs[i]);
	free(d->strs);
	free(d->in);
	free(d->out);
	free(d->pre_off);
	free(d->vac);
	free(d->rej);
	free(d->row_rejected);
	free(d->srs_domain);
	buf_free(&d->pre);
	buf_free(&d->reply);
	buf_free(&d->msg);
	buf_free(&d->local_front);
	buf_free(&d->remote_front);
	free(d->id);
	free(d->sender);
	free(d->auth);
	free(d->envid);
	free(d);
}

const char *
deliver_str(struct deliver_sieve *d, const char *s)
{
	if (s == NULL)
		return NULL;
	d->strs = xrealloc(d->strs, (d->n_strs + 1) * sizeof(*d->strs));
	d->strs[d->n_strs] = xstrdup(s);
	return d->strs[d->n_strs++];
}

/* a local copy's own fields (as src/submit writes them) */
void
deliver_unit_prefix(const struct deliver_sieve *d,
		    const struct deliver_unit *u, struct buf *out)
{
	buf_printf(out, "Return-Path: <%s>\r\nDelivered-To: %s\r\n",
		   d->sender, u->address);
	buf_append(out, d->local_front.data, d->local_front.len);
}

struct deliver_mbox_arg {
	struct store *store;
	int64_t account_id;
};

/* mailboxexists (RFC 5490 3.1) */
static bool
deliver_mailbox_exists(void *arg, const char *name)
{
	struct deliver_mbox_arg *a = arg;
	struct store_mailbox mb;

	memset(&mb, 0, sizeof(mb));
	if (store_mailbox_get(a->store, a->account_id, name, &mb) != 0)
		return false;
	store_mailbox_clear(&mb);
	return true;
}

/* one line per run: what the script decided */
static void
deliver_log_run(const struct deliver_sieve *d, const struct deliver_unit *u)
{
	struct buf b = BUF_INIT;
	static const char *const names[] = {
		[SIEVE_KEEP] = "keep", [SIEVE_FILEINTO] = "fileinto",
		[SIEVE_REDIRECT] = "redirect", [SIEVE_REJECT] = "reject",
		[SIEVE_EREJECT] = "ereject", [SIEVE_DISCARD] = "discard",
		[SIEVE_VACATION] = "vacation",
	};

	for (size_t i = 0; i < u->res.n && i < 32; i++) {
		const struct sieve_action *a = &u->res.v[i];
		const char *arg = a->kind == SIEVE_FILEINTO ? a->mailbox :
				  a->kind == SIEVE_REDIRECT ? a->address : NULL;

		buf_append_str(&b, i ? "," : "");
		buf_append_str(&b, names[a->kind]);
		if (arg) {
			buf_append_byte(&b, ':');
			buf_append_escaped(&b, arg, strlen(arg), 128);
		}
	}
	log_info(d->env.log_id, "sieve id=%s account=%s script=%s actions=%s",
		 d->id, u->address, u->script, b.len ? buf_cstr(&b) : "none");
	buf_free(&b);
}

/* run the unit's script; u->ran when it gave actions */
static void
deliver_run_unit(struct deliver_sieve *d, size_t ui)
{
	const struct tern_conf *conf = d->env.conf;
	struct deliver_unit *u = &d->units[ui];
	struct deliver_mbox_arg mbox = { d->env.store, u->account_id };
	const char *own[3] = { u->address, u->orig_to, NULL };
	const struct sieve_script *script = NULL;
	struct sieve_limits lim;
	struct sieve_msg m;
	struct buf pre = BUF_INIT;
	const unsigned char *pfx;
	size_t plen;
	struct tm tm;
	int rc;

	if (!d->loaded || deliver_script_get(d, u, &script) <= 0)
		return;
	if (u->original) {
		pfx = d->in[u->src].prefix;
		plen = pfx ? d->in[u->src].prefix_len : 0;
	} else {
		deliver_unit_prefix(d, u, &pre);
		pfx = pre.data;
		plen = pre.len;
	}
	if (plen > d->headroom)
		plen = 0;	/* cannot happen: headroom is sized for it */
	memset(&m, 0, sizeof(m));
	m.data = d->msg.data + d->headroom - plen;
	if (plen)
		memcpy(d->msg.data + d->headroom - plen, pfx, plen);
	m.len = plen + d->len;
	m.env_from = d->sender;
	m.env_to = u->address;
	m.env_orig_to = u->orig_to;
	m.auth = d->auth;
	m.now = time(NULL);
	localtime_r(&m.now, &tm);
	m.local_offset = (int)tm.tm_gmtoff;
	m.own_addresses = own;
	m.mailbox_exists = deliver_mailbox_exists;
	m.arg = &mbox;
	m.spam_header = conf->sieve.spamtest_header;
	m.spam_max = (double)conf->sieve.spamtest_max;
	m.virus_header = conf->sieve.virustest_header;
	deliver_sieve_limits(conf, &lim);
	memset(&u->res, 0, sizeof(u->res));
	rc = sieve_run(script, &m, &lim, &u->res);
	if (rc == 0) {
		u->ran = true;
		deliver_log_run(d, u);
	} else {
		const struct sieve_diag *g = u->res.diags.n ?
					     &u->res.diags.v[0] : NULL;

		log_warn(d->env.log_id, "sieve error account=%s script=%s "
			 "line=%u: %s", u->address,
			 g && g->script[0] ? g->script : u->script,
			 g ? g->line : 0, g ? g->msg : "runtime error");
		sieve_result_free(&u->res);
	}
	deliver_script_release(script);
	buf_free(&pre);
}

/* the message into d->msg, with room in front for the largest prefix */
static void
deliver_load(struct deliver_sieve *d, struct store_blob *blob,
	     const void *data, size_t len)
{
	size_t room = 0;
	int rc = 0;

	for (size_t i = 0; i < d->n_in; i++)
		if (d->in[i].prefix && d->in[i].prefix_len > room)
			room = d->in[i].prefix_len;
	/* a redirected copy's prefix: two fields and the front ones */
	if (room < d->local_front.len + strlen(d->sender) + 600)
		room = d->local_front.len + strlen(d->sender) + 600;
	d->headroom = room;
	if (blob) {
		rc = store_blob_read(blob, room, &d->msg);
		d->len = d->msg.len > room ? d->msg.len - room : 0;
	} else {
		memset(buf_reserve(&d->msg, room), 0, room);
		d->msg.len = room;
		buf_append(&d->msg, data, len);
		d->len = len;
	}
	if (rc != 0)
		log_error(d->env.log_id, "sieve error id=%s: message not "
			  "read (%s): kept", d->id, store_strerror(rc));
	d->loaded = rc == 0;
}

void
deliver_sieve_run(struct deliver_sieve *d, struct store_blob *blob,
		  const void *data, size_t len)
{
	deliver_load(d, blob, data, len);
	for (size_t i = 0; i < d->n_in; i++) {
		struct deliver_unit *u;

		if (d->in[i].kind != STORE_RCPT_LOCAL) {
			/* queued as they were (alias forwards, relaying) */
			deliver_plan_copy(d, i);
			continue;
		}
		d->units = xrealloc(d->units,
				    (d->n_units + 1) * sizeof(*d->units));
		u = &d->units[d->n_units++];
		memset(u, 0, sizeof(*u));
		u->account_id = d->in[i].account_id;
		u->address = xstrdup(d->in[i].address ? d->in[i].address :
				     "");
		u->orig_to = xstrdup(d->orig_to[i]);
		u->src = i;
		u->original = true;
		u->parent = SIZE_MAX;
	}
	/* local redirects append units as they go */
	for (size_t ui = 0; ui < d->n_units; ui++) {
		deliver_run_unit(d, ui);
		deliver_plan_unit(d, ui);
	}
}

enum deliver_outcome
deliver_sieve_outcome(struct deliver_sieve *d, bool can_refuse,
		      const char **reason_r)
{
	bool all = can_refuse && d->n_rej > 0;

	*reason_r = NULL;
	if (d->n_out > 0)
		return DELIVER_STORE;
	for (size_t i = 0; i < d->n_in && all; i++)
		all = d->row_rejected[i];
	if (!all)
		return DELIVER_NOTHING;
	/* one line of printable ASCII for the SMTP reply */
	buf_reset(&d->reply);
	for (const char *p = d->rej[0].reason; p && *p && d->reply.len < 200;
	     p++)
		buf_append_byte(&d->reply, *p >= 32 && *p < 127 ? *p : ' ');
	*reason_r = d->reply.len ? buf_cstr(&d->reply) : "Rejected";
	d->n_rej = 0;	/* the refusal tells the sender: no DSN */
	return DELIVER_REJECT;
}

struct store_rcpt *
deliver_sieve_rows(struct deliver_sieve *d, size_t *n_r)
{
	for (size_t i = 0; i < d->n_out; i++) {
		if (d->pre_off[i * 2] == SIZE_MAX)
			continue;
		d->out[i].prefix = d->pre.data + d->pre_off[i * 2];
		d->out[i].prefix_len = d->pre_off[i * 2 + 1] -
				       d->pre_off[i * 2];
	}
	*n_r = d->n_out;
	return d->out;
}

const char *
deliver_sieve_srs_domain(const struct deliver_sieve *d)
{
	return d->srs_domain;
}
