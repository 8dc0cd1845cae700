/* jmap-email-get.c - Email/get (RFC 8621 4.2): the metadata from the
 * store rows, the rest rendered from the message (jmap-email-render) */
#include "jmap/jmap-email.h"
#include "jmap/jmap-email-render.h"
#include "jmap/jmap-email-store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* which parts of the message the properties need */
enum { NEED_HEADER = 1, NEED_BODY = 2 };

static unsigned
props_need(json_t *props)
{
	unsigned need = 0;

	for (size_t i = 0; i < json_array_size(props); i++) {
		const char *n = json_string_value(json_array_get(props, i));
		struct jmap_hprop hp;

		/* hasAttachment: from the stored BODYSTRUCTURE (one()) */
		if (jmap_email_body_prop(n) && strcmp(n, "preview") != 0 &&
		    strcmp(n, "hasAttachment") != 0)
			need |= NEED_BODY;
		else if (strcmp(n, "preview") == 0 ||
			 strcmp(n, "headers") == 0 ||
			 jmap_hprop_parse(n, &hp) == 1)
			need |= NEED_HEADER;
	}
	return need;
}

static bool
has(json_t *props, const char *name)
{
	for (size_t i = 0; i < json_array_size(props); i++)
		if (strcmp(json_string_value(json_array_get(props, i)),
			   name) == 0)
			return true;
	return false;
}

/* the metadata properties (RFC 8621 4.1.1) */
static void
meta(struct jmap_ctx *c, const struct jmap_mboxes *mb,
     const struct jmap_email *e, json_t *props, json_t *o)
{
	const struct store_msg *m = &e->msg;

	if (has(props, "blobId")) {
		char b[STORE_OBJECTID_MAX];

		snprintf(b, sizeof(b), "B%.16s", e->id + 1);
		json_object_set_new(o, "blobId", json_string(b));
	}
	if (has(props, "threadId")) {
		char t[STORE_OBJECTID_MAX];

		store_objectid_fmt(t, 'T', e->rows.v[0].threadid);
		json_object_set_new(o, "threadId", json_string(t));
	}
	if (has(props, "mailboxIds")) {
		json_t *ids = json_object();

		for (size_t i = 0; i < e->rows.n; i++) {
			for (size_t k = 0; k < mb->n; k++)
				if (mb->v[k].m->id == e->rows.v[i].mailbox_id)
					json_object_set_new(ids, mb->v[k].id,
							    json_true());
		}
		json_object_set_new(o, "mailboxIds", ids);
	}
	if (has(props, "keywords"))
		json_object_set_new(o, "keywords",
				    jmap_keywords(m->flags, m->keywords));
	if (has(props, "size"))
		json_object_set_new(o, "size", json_integer((json_int_t)m->size));
	if (has(props, "receivedAt")) {
		char d[32];

		jmap_date_format(m->internaldate, 0, true, d);
		json_object_set_new(o, "receivedAt", json_string(d));
	}
}

static int
one(struct jmap_ctx *c, const struct jmap_mboxes *mb, const char *id,
    json_t *props,
    const struct jmap_body_opts *opt, unsigned need, json_t **out)
{
	struct jmap_email e;
	struct buf msg = BUF_INIT;
	json_t *o;
	int r, att = -1;

	/* FETCH: header_len, part map, preview; not the SEARCH text */
	r = jmap_email_load(c, id, STORE_MSG_FETCH | STORE_MSG_KEYWORDS, &e);
	if (r < 0)
		return r;
	o = json_pack("{s:s}", "id", e.id);
	meta(c, mb, &e, props, o);
	if (has(props, "hasAttachment") &&
	    (att = jmap_email_has_attachment(e.msg.parse.bodystructure)) < 0)
		need |= NEED_BODY;	/* none stored: the body says */
	if (need != 0) {
		const struct store_parse *p = &e.msg.parse;
		size_t hlen = e.msg.prefix_len + (size_t)p->header_len;
		char blob[STORE_OBJECTID_MAX];

		r = jmap_email_read(c, &e, need & NEED_BODY ? SIZE_MAX : hlen,
				    &msg);
		if (r < 0) {
			json_decref(o);
			buf_free(&msg);
			jmap_email_clear(&e);
			return r;
		}
		snprintf(blob, sizeof(blob), "B%.16s", e.id + 1);
		struct jmap_msg_src src = {
			msg.data ? msg.data : (const unsigned char *)"",
			msg.len, hlen < msg.len ? hlen : msg.len,
			p->partmap, p->partmap_len, e.msg.prefix_len, blob,
			p->preview
		};
		if (!(need & NEED_BODY) && has(props, "preview") &&
		    p->preview == NULL) {
			/* an older tern's message: the preview needs the body */
			buf_reset(&msg);
			r = jmap_email_read(c, &e, SIZE_MAX, &msg);
			src.msg = msg.data ? msg.data : src.msg;
			src.len = msg.len;
		}
		if (r == 0)
			jmap_email_render(&src, props, opt, o);
	}
	/* (a render without the body set it from the header alone) */
	if (att >= 0)
		json_object_set_new(o, "hasAttachment", json_boolean(att));
	buf_free(&msg);
	jmap_email_clear(&e);
	*out = o;
	return r;
}

json_t *
jmap_email_get(struct jmap_ctx *c, json_t *args, json_t **error_r)
{
	json_t *ids = json_object_get(args, "ids");
	json_t *props = json_object_get(args, "properties");
	struct jmap_body_opts opt;
	struct jmap_mboxes mb;
	json_t *res = NULL, *list, *nf, *all_ids = NULL;
	json_t *state;
	unsigned need;

	if ((*error_r = jmap_email_props_check(props,
			json_object_get(args, "bodyProperties"))) != NULL ||
	    (*error_r = jmap_body_opts_parse(args, &opt)) != NULL)
		return NULL;
	if (ids != NULL && !json_is_null(ids) && !json_is_array(ids)) {
		*error_r = jmap_error("invalidArguments", "ids");
		return NULL;
	}
	if (json_array_size(ids) > jmap_max_objects_in_get(c)) {
		*error_r = jmap_error("requestTooLarge", NULL);
		return NULL;
	}
	if (jmap_mboxes_load(c, &mb, error_r) < 0)
		return NULL;
	if (ids == NULL || json_is_null(ids)) {
		/* every Email: allowed while they fit in one get */
		char id[STORE_OBJECTID_MAX];
		struct jmap_erows ix;

		if (jmap_erows_load(c, 0, 0, &ix) < 0) {
			jmap_mboxes_free(&mb);
			*error_r = jmap_error("serverFail", NULL);
			return NULL;
		}
		jmap_erows_sort(&ix);
		all_ids = json_array();
		for (size_t i = 0; i < ix.n; i++) {
			if (i > 0 && ix.v[i].emailid == ix.v[i - 1].emailid)
				continue;
			snprintf(id, sizeof(id), "M%016llx",
				 (unsigned long long)ix.v[i].emailid);
			json_array_append_new(all_ids, json_string(id));
		}
		jmap_erows_free(&ix);
		ids = all_ids;
		if (json_array_size(ids) > jmap_max_objects_in_get(c)) {
			*error_r = jmap_error("requestTooLarge", NULL);
			goto out;
		}
	}
	props = props && !json_is_null(props) ? json_incref(props) :
						jmap_email_default_props();
	need = props_need(props);
	if ((state = jmap_state(c, error_r)) == NULL) {
		json_decref(props);
		goto out;
	}
	list = json_array();
	nf = json_array();
	for (size_t i = 0; i < json_array_size(ids); i++) {
		const char *id = json_string_value(json_array_get(ids, i));
		json_t *o = NULL;
		int r;

		if (id == NULL) {
			*error_r = jmap_error("invalidArguments", "ids");
			break;
		}
		id = jmap_resolve_id(c, id);
		r = id ? one(c, &mb, id, props, &opt, need, &o) :
			 STORE_ENOTFOUND;
		if (r == STORE_ENOTFOUND) {
			json_array_append_new(nf, json_string(
				json_string_value(json_array_get(ids, i))));
		} else if (r < 0) {
			*error_r = jmap_error("serverFail",
					      store_strerror(r));
			break;
		} else {
			json_array_append_new(list, o);
		}
	}
	if (*error_r == NULL)
		res = json_pack("{s:s, s:O, s:O, s:O}", "accountId",
				c->account_id_str, "state", state, "list",
				list, "notFound", nf);
	json_decref(state);
	json_decref(list);
	json_decref(nf);
	json_decref(props);
out:
	json_decref(all_ids);
	jmap_mboxes_free(&mb);
	return res;
}
