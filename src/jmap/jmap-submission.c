/* jmap-submission.c - EmailSubmission/get, /changes, /set (RFC 8621 7).
 * A create sends the Email's message through src/submit, the path SMTP
 * submission takes (sender checks, Date/Message-ID, Bcc removal, DKIM,
 * local delivery and the queue); sending is immediate, so every
 * submission is "final" at once. The records are kept by
 * jmap-records.c. */
#include "jmap/jmap-submission.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "lib/log.h"
#include "lib/service.h"
#include "mime/mime.h"
#include "submit/submit.h"

#define KIND "submission"
/* submission records kept (RFC 8621 7: the server may delete them):
 * the oldest go, so that they take at most half of the account's
 * server METADATA entries (store.metadata_max_entries_mailbox, 100) */
#define JMAP_SUB_KEEP 50

/* drop the oldest records beyond keep */
static void
jmap_sub_prune(struct jmap_ctx *c, size_t keep)
{
	json_t *all = NULL, *v;
	const char *k;

	if (jmap_rec_list(c, KIND, &all) != 0) {
		json_decref(all);
		return;
	}
	while (json_object_size(all) > keep) {
		const char *oldest = NULL;
		json_int_t first = 0;

		/* _seq: the order they were made in (sendAt has seconds) */
		json_object_foreach(all, k, v) {
			json_int_t seq = json_integer_value(json_object_get(
				v, "_seq"));

			if (oldest == NULL || seq < first) {
				oldest = k;
				first = seq;
			}
		}
		char *gone = xstrdup(oldest);
		int rc = jmap_rec_put(c, KIND, gone, NULL);

		json_object_del(all, gone);
		free(gone);
		if (rc != 0)
			break;
	}
	json_decref(all);
}

/* the message of an Email's first row, without its delivery prefix */
static int
jmap_sub_read(struct jmap_ctx *c, const struct store_email_row *row,
	      struct buf *out)
{
	struct store_reader *r = NULL;
	uint64_t off, size;
	int rc;

	rc = store_msg_open(c->store, c->account_id, row->mailbox_id, row->uid,
			    &r);
	if (rc != 0)
		return rc;
	size = store_reader_size(r);
	for (off = row->prefix_len; off < size;) {
		unsigned char *p = buf_reserve(out, 65536);
		ssize_t n = store_reader_pread(r, p, 65536, off);

		if (n <= 0) {
			rc = STORE_EIO;
			break;
		}
		out->len += (size_t)n;
		off += (uint64_t)n;
	}
	store_reader_close(&r);
	return rc;
}

/* the addresses of header field name appended to list (no repeats) */
static void
jmap_sub_header_addrs(const struct buf *msg, const char *name, json_t *list)
{
	struct buf raw = BUF_INIT, v = BUF_INIT;
	struct mime_address_list l = { 0 };
	size_t hlen = msg->len;
	const unsigned char *end = memmem(msg->data, msg->len, "\r\n\r\n", 4);

	if (end != NULL)
		hlen = (size_t)(end - msg->data) + 4;
	if (mime_header_get(msg->data, hlen, name, &raw)) {
		mime_header_unfold(raw.data, raw.len, &v);
		mime_address_parse(v.data, v.len, &l);
	}
	for (size_t i = 0; i < l.n; i++) {
		char *a;
		size_t j;
		json_t *e;
		bool dup = false;

		if (l.v[i].host == NULL || l.v[i].mailbox == NULL)
			continue;
		a = xasprintf("%s@%s", l.v[i].mailbox, l.v[i].host);
		json_array_foreach(list, j, e)
			dup = dup || strcasecmp(json_string_value(
				json_object_get(e, "email")), a) == 0;
		if (!dup)
			json_array_append_new(list, json_pack(
				"{s:s, s:n}", "email", a, "parameters"));
		free(a);
	}
	mime_address_list_free(&l);
	buf_free(&raw);
	buf_free(&v);
}

/* the given envelope, checked, or the one the message implies (RFC
 * 8621 7: Sender or else From; To, Cc and Bcc); NULL: invalid */
static json_t *
jmap_sub_envelope(json_t *given, const struct buf *msg)
{
	json_t *from = json_array(), *rcpt;
	size_t i;
	json_t *e;

	if (given != NULL && !json_is_null(given)) {
		json_t *mf = json_object_get(given, "mailFrom");

		json_decref(from);
		rcpt = json_object_get(given, "rcptTo");
		if (!json_is_string(json_object_get(mf, "email")) ||
		    !json_is_array(rcpt))
			return NULL;
		/* no SMTP parameters are supported (submissionExtensions
		 * is empty) */
		if (!json_is_null(json_object_get(mf, "parameters")) &&
		    json_object_get(mf, "parameters"))
			return NULL;
		json_array_foreach(rcpt, i, e)
			if (!json_is_string(json_object_get(e, "email")) ||
			    (json_object_get(e, "parameters") &&
			     !json_is_null(json_object_get(e, "parameters"))))
				return NULL;
		return json_deep_copy(given);
	}
	jmap_sub_header_addrs(msg, "Sender", from);
	if (json_array_size(from) == 0)
		jmap_sub_header_addrs(msg, "From", from);
	rcpt = json_array();
	jmap_sub_header_addrs(msg, "To", rcpt);
	jmap_sub_header_addrs(msg, "Cc", rcpt);
	jmap_sub_header_addrs(msg, "Bcc", rcpt);
	e = json_pack("{s:O, s:o}", "mailFrom", json_array_size(from) ?
		      json_array_get(from, 0) : json_null(), "rcptTo", rcpt);
	json_decref(from);
	return e;
}

static json_t *
jmap_sub_error(enum submit_status st, const struct submit_outcome *o,
	       const struct tern_conf *conf)
{
	switch (st) {
	case SUBMIT_FORBIDDEN_MAIL_FROM:
		return jmap_set_error("forbiddenMailFrom", o->bad, NULL);
	case SUBMIT_FORBIDDEN_FROM:
		return jmap_set_error("forbiddenFrom", o->bad, NULL);
	case SUBMIT_INVALID_EMAIL:
		return jmap_set_error("invalidEmail", "no From header field",
				      json_pack("[s]", "from"));
	case SUBMIT_NO_RECIPIENTS:
		return jmap_set_error("noRecipients", NULL, NULL);
	case SUBMIT_TOO_MANY_RECIPIENTS: {
		json_t *e = jmap_set_error("tooManyRecipients", NULL, NULL);

		json_object_set_new(e, "maxRecipients",
				    json_integer((json_int_t)
						 conf->smtp.max_recipients));
		return e;
	}
	case SUBMIT_INVALID_RECIPIENTS: {
		json_t *e = jmap_set_error("invalidRecipients", NULL, NULL);

		json_object_set_new(e, "invalidRecipients",
				    json_pack("[s]", o->bad ? o->bad : ""));
		return e;
	}
	case SUBMIT_TOO_BIG:
		return jmap_set_error("tooLarge", NULL, NULL);
	default:
		return jmap_set_error("serverFail", "try again later", NULL);
	}
}

/* deliveryStatus (RFC 8621 7): local recipients have it, remote ones
 * are queued */
static json_t *
jmap_sub_delivery(struct jmap_ctx *c, json_t *rcpts)
{
	json_t *ds = json_object(), *e;
	size_t i;

	json_array_foreach(rcpts, i, e) {
		const char *a = json_string_value(json_object_get(e, "email"));
		struct store_resolved r = { 0 };
		bool local = store_resolve(c->store, a, &r) == 0;

		store_resolved_free(&r);
		json_object_set_new(ds, a, json_pack(
			"{s:s, s:s, s:s}", "smtpReply", local ?
			"250 2.0.0 Delivered" : "250 2.0.0 Queued",
			"delivered", local ? "yes" : "queued",
			"displayed", "unknown"));
	}
	return ds;
}

static json_t *
jmap_sub_create(struct jmap_ctx *c, json_t *idents, const char *cid,
		json_t *obj, json_t **err_r)
{
	const char *ident_id = jmap_resolve_id(c, json_string_value(
		json_object_get(obj, "identityId")));
	const char *email_id = jmap_resolve_id(c, json_string_value(
		json_object_get(obj, "emailId")));
	json_t *ident = ident_id ? json_object_get(idents, ident_id) : NULL;
	struct store_email_rows rows = { 0 };
	struct submit_outcome o = { 0 };
	struct buf msg = BUF_INIT;
	json_t *env = NULL, *rec = NULL, *v;
	const char **rcpts = NULL;
	const char *k;
	char id[STORE_OBJECTID_MAX], tid[STORE_OBJECTID_MAX], when[32] = "";
	unsigned char rnd[8];
	uint64_t n = 0;
	enum submit_status st;
	time_t now = time(NULL);
	struct tm tm;
	size_t i;
	int rc;

	*err_r = NULL;
	json_object_foreach(obj, k, v)
		if (strcmp(k, "identityId") && strcmp(k, "emailId") &&
		    strcmp(k, "envelope")) {
			*err_r = jmap_set_error("invalidProperties", NULL,
						json_pack("[s]", k));
			return NULL;
		}
	if (ident == NULL) {
		*err_r = jmap_set_error("invalidProperties", "no such identity",
					json_pack("[s]", "identityId"));
		return NULL;
	}
	if (email_id == NULL ||
	    store_email_rows(c->store, c->account_id, email_id, &rows) != 0) {
		*err_r = jmap_set_error("invalidProperties", "no such email",
					json_pack("[s]", "emailId"));
		return NULL;
	}
	rc = jmap_sub_read(c, &rows.v[0], &msg);
	if (rc != 0) {
		*err_r = jmap_set_error("serverFail", store_strerror(rc), NULL);
		goto out;
	}
	env = jmap_sub_envelope(json_object_get(obj, "envelope"), &msg);
	if (env == NULL) {
		*err_r = jmap_set_error("invalidProperties", NULL,
					json_pack("[s]", "envelope"));
		goto out;
	}
	if (json_is_null(json_object_get(env, "mailFrom")))
		json_object_set_new(env, "mailFrom", json_pack(
			"{s:O, s:n}", "email", json_object_get(ident, "email"),
			"parameters"));
	randombytes_buf(rnd, sizeof(rnd));
	for (size_t j = 0; j < sizeof(rnd); j++)
		n = n << 8 | rnd[j];
	store_objectid_fmt(id, 'S', n);
	{
		json_t *rt = json_object_get(env, "rcptTo");
		struct submit_msg m = {
			.account_id = c->account_id, .account = c->address,
			.mail_from = json_string_value(json_object_get(
				json_object_get(env, "mailFrom"), "email")),
			.n_rcpts = json_array_size(rt), .data = msg.data,
			.len = msg.len, .id = id,
		};

		rcpts = xcalloc(m.n_rcpts + 1, sizeof(*rcpts));
		json_array_foreach(rt, i, v)
			rcpts[i] = json_string_value(json_object_get(v, "email"));
		m.rcpts = rcpts;
		st = submit_message(c->store, c->env->conf, c->env->dkim_keys,
				    &m, &o);
	}
	if (st != SUBMIT_OK) {
		*err_r = jmap_sub_error(st, &o, c->env->conf);
		goto out;
	}
	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	store_objectid_fmt(tid, 'T', rows.v[0].threadid);
	rec = json_pack("{s:s, s:s, s:s, s:s, s:O, s:s, s:s, s:o, s:[], s:[]}",
			"id", id, "identityId", ident_id, "emailId", email_id,
			"threadId", tid, "envelope", env, "sendAt", when,
			"undoStatus", "final", "deliveryStatus",
			jmap_sub_delivery(c, json_object_get(env, "rcptTo")),
			"dsnBlobIds", "mdnBlobIds");
	/* where the remote copies wait: EmailSubmission/get reads their
	 * state there (not a property: jmap_sub_public drops it and
	 * _seq) */
	if (o.queue_msg_id > 0)
		json_object_set_new(rec, "_queue",
				    json_integer((json_int_t)o.queue_msg_id));
	/* the message has gone: a record that cannot be kept is logged,
	 * not reported as a failure to send */
	{
		char *seq = jmap_rec_state(c, KIND);

		json_object_set_new(rec, "_seq", json_integer(
			(json_int_t)strtoll(seq, NULL, 10)));
		free(seq);
	}
	jmap_sub_prune(c, JMAP_SUB_KEEP - 1);
	rc = jmap_rec_put(c, KIND, id, rec);
	if (rc != 0)
		log_warn(0, "jmap submission record not kept id=%s error=%s",
			 id, store_strerror(rc));
	jmap_created_id_add(c, cid, id);
out:
	json_decref(env);
	free(rcpts);
	submit_outcome_free(&o);
	buf_free(&msg);
	store_email_rows_free(&rows);
	if (rec == NULL)
		return NULL;
	v = json_pack("{s:s, s:s, s:s, s:O}", "id", id, "sendAt", when,
		      "undoStatus", "final", "threadId",
		      json_object_get(rec, "threadId"));
	json_decref(rec);
	return v;
}

/* the record as a client sees it: deliveryStatus of the remote
 * recipients from the queue while their message is in it; once it has
 * left, their fate is no longer known there */
static json_t *
jmap_sub_public(struct jmap_ctx *c, json_t *rec)
{
	json_t *out = json_deep_copy(rec), *ds, *q = json_object_get(rec,
								     "_queue");
	struct store_qmsg qm = { 0 };
	int rc;

	json_object_del(out, "_queue");
	json_object_del(out, "_seq");
	if (!json_is_integer(q))
		return out;
	ds = json_object_get(out, "deliveryStatus");
	rc = store_queue_get(c->store, (int64_t)json_integer_value(q), &qm);
	for (size_t i = 0; rc == 0 && i < qm.n; i++) {
		const struct store_qrcpt *r = &qm.rcpts[i];
		json_t *d = json_object_get(ds, r->address);
		const char *st = r->state == STORE_Q_DELIVERED ? "yes" :
				 r->state == STORE_Q_FAILED ? "no" : "queued";

		if (d == NULL)
			continue;
		json_object_set_new(d, "delivered", json_string(st));
		/* a remote server's reply; not a DNS or connection error */
		if (r->last_error && r->last_error[0] >= '2' &&
		    r->last_error[0] <= '5')
			json_object_set_new(d, "smtpReply",
					    json_string(r->last_error));
	}
	if (rc == STORE_ENOTFOUND) {
		const char *k;
		json_t *d;

		json_object_foreach(ds, k, d)
			if (strcmp(json_string_value(json_object_get(
				d, "delivered")) ? json_string_value(
				json_object_get(d, "delivered")) : "",
				"queued") == 0)
				json_object_set_new(d, "delivered",
						    json_string("unknown"));
	}
	store_qmsg_clear(&qm);
	return out;
}

static json_t *
jmap_subs(struct jmap_ctx *c)
{
	json_t *all = NULL;

	if (jmap_rec_list(c, KIND, &all) != 0) {
		json_decref(all);
		return NULL;
	}
	return all;
}

json_t *
jmap_submission_get(struct jmap_ctx *c, json_t *args, json_t **error_r)
{
	return jmap_rec_get(c, KIND, args, jmap_subs, jmap_sub_public,
			    error_r);
}

json_t *
jmap_submission_changes(struct jmap_ctx *c, json_t *args, json_t **error_r)
{
	return jmap_rec_changes(c, KIND, args, error_r);
}

/* onSuccessUpdateEmail / onSuccessDestroyEmail (RFC 8621 7.5): keys
 * are submission ids or "#creation ids" of this call; the Email/set
 * they make is answered as an implicit call of its own */
static json_t *
jmap_sub_on_success(struct jmap_ctx *c, json_t *args, json_t *created)
{
	json_t *upd = json_object_get(args, "onSuccessUpdateEmail");
	json_t *des = json_object_get(args, "onSuccessDestroyEmail");
	json_t *all = NULL, *updated = json_object(), *not_updated = json_object();
	json_t *destroyed = json_array(), *not_destroyed = json_object();
	json_t *v, *res;
	const char *k;
	char *old_state = jmap_account_state(c), *new_state;
	size_t i;

	jmap_rec_list(c, KIND, &all);
	json_object_foreach(upd, k, v) {
		const char *sid = k[0] == '#' ? json_string_value(json_object_get(
				json_object_get(created, k + 1), "id")) : k;
		const char *eid = sid ? json_string_value(json_object_get(
				json_object_get(all, sid), "emailId")) : NULL;
		json_t *err;

		if (k[0] == '#' && sid == NULL)
			continue;	/* that submission was not created */
		err = eid ? jmap_email_update(c, eid, v) :
		      jmap_set_error("notFound", NULL, NULL);
		if (err)
			json_object_set_new(not_updated, eid ? eid : k, err);
		else
			json_object_set_new(updated, eid, json_null());
	}
	json_array_foreach(des, i, v) {
		const char *s = json_string_value(v) ? json_string_value(v) : "";
		const char *sid = s[0] == '#' ? json_string_value(json_object_get(
				json_object_get(created, s + 1), "id")) : s;
		const char *eid = sid ? json_string_value(json_object_get(
				json_object_get(all, sid), "emailId")) : NULL;
		json_t *err;

		if (s[0] == '#' && sid == NULL)
			continue;
		err = eid ? jmap_email_destroy(c, eid) :
		      jmap_set_error("notFound", NULL, NULL);
		if (err)
			json_object_set_new(not_destroyed, eid ? eid : s, err);
		else
			json_array_append_new(destroyed, json_string(eid));
	}
	json_decref(all);
	new_state = jmap_account_state(c);
	res = json_pack("{s:s, s:s, s:s, s:n, s:n}", "accountId",
			c->account_id_str, "oldState", old_state ? old_state : "",
			"newState", new_state ? new_state : "", "created",
			"notCreated");
	jmap_set_result(res, "updated", updated);
	jmap_set_result(res, "destroyed", destroyed);
	jmap_set_result(res, "notUpdated", not_updated);
	jmap_set_result(res, "notDestroyed", not_destroyed);
	free(old_state);
	free(new_state);
	return res;
}

json_t *
jmap_submission_set(struct jmap_ctx *c, json_t *args, json_t **error_r)
{
	json_t *create = json_object_get(args, "create");
	json_t *update = json_object_get(args, "update");
	json_t *destroy = json_object_get(args, "destroy");
	const char *if_in = json_string_value(json_object_get(args,
							      "ifInState"));
	json_t *created = json_object(), *not_created = json_object();
	json_t *updated = json_object(), *not_updated = json_object();
	json_t *destroyed = json_array(), *not_destroyed = json_object();
	json_t *idents = NULL, *all = NULL, *v, *res, *implicit = NULL;
	char *old_state = jmap_rec_state(c, KIND), *new_state;
	const char *k;
	size_t i;

	if ((create && !json_is_object(create) && !json_is_null(create)) ||
	    (update && !json_is_object(update) && !json_is_null(update)) ||
	    (destroy && !json_is_array(destroy) && !json_is_null(destroy))) {
		*error_r = jmap_error("invalidArguments", NULL);
		goto fail;
	}
	if (json_object_size(create) + json_object_size(update) +
	    json_array_size(destroy) > jmap_max_objects_in_set(c)) {
		*error_r = jmap_error("requestTooLarge", NULL);
		goto fail;
	}
	if (if_in && strcmp(if_in, old_state) != 0) {
		*error_r = jmap_error("stateMismatch", NULL);
		goto fail;
	}
	if ((idents = jmap_identities(c)) == NULL) {
		*error_r = jmap_error("serverFail", NULL);
		goto fail;
	}
	json_object_foreach(create, k, v) {
		json_t *err = NULL;
		json_t *made = json_is_object(v) ?
			       jmap_sub_create(c, idents, k, v, &err) : NULL;

		if (made)
			json_object_set_new(created, k, made);
		else
			json_object_set_new(not_created, k, err ? err :
				jmap_set_error("invalidProperties", NULL, NULL));
	}
	jmap_rec_list(c, KIND, &all);
	json_object_foreach(update, k, v) {
		const char *id = jmap_resolve_id(c, k);

		/* sent at once: nothing is left to cancel */
		if (id == NULL || json_object_get(all, id) == NULL)
			json_object_set_new(not_updated, k, jmap_set_error(
				"notFound", NULL, NULL));
		else if (json_is_object(v) && json_object_size(v) == 1 &&
			 json_is_string(json_object_get(v, "undoStatus")))
			json_object_set_new(not_updated, k, jmap_set_error(
				"cannotUnsend", "sent already", NULL));
		else
			json_object_set_new(not_updated, k, jmap_set_error(
				"invalidProperties", NULL, NULL));
	}
	json_array_foreach(destroy, i, v) {
		const char *id = jmap_resolve_id(c, json_string_value(v));
		const char *key = json_string_value(v) ? json_string_value(v) : "";

		if (id == NULL || json_object_get(all, id) == NULL)
			json_object_set_new(not_destroyed, key, jmap_set_error(
				"notFound", NULL, NULL));
		else if (jmap_rec_put(c, KIND, id, NULL) != 0)
			json_object_set_new(not_destroyed, key, jmap_set_error(
				"serverFail", NULL, NULL));
		else
			json_array_append(destroyed, v);
	}
	json_decref(all);
	json_decref(idents);
	if (json_object_get(args, "onSuccessUpdateEmail") ||
	    json_object_get(args, "onSuccessDestroyEmail"))
		implicit = jmap_sub_on_success(c, args, created);
	new_state = jmap_rec_state(c, KIND);
	res = jmap_set_response(c, old_state, new_state, created, updated,
				destroyed, not_created, not_updated,
				not_destroyed);
	/* the implicit Email/set comes right after this call's response */
	if (implicit)
		jmap_response_add(c, "Email/set", implicit);
	free(old_state);
	free(new_state);
	return res;
fail:
	free(old_state);
	json_decref(idents);
	json_decref(created);
	json_decref(not_created);
	json_decref(updated);
	json_decref(not_updated);
	json_decref(destroyed);
	json_decref(not_destroyed);
	return NULL;
}
