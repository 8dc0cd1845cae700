/* jmap-identity.c - Identity/get, /changes, /set (RFC 8621 6). The
 * addresses an account may send as are those SMTP submission lets it
 * use (submit_sender_owned): its own address and the aliases that
 * expand to it, one Identity each (id from the address, mayDelete
 * false); /set may add more Identities for those addresses and change
 * the name, replyTo, bcc and signatures of any (kept in jmap-records.c) */
#include "jmap/jmap-submission.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/service.h"
#include "submit/submit.h"

#define KIND "identity"

/* the id of an address's own Identity: stable, from the address */
static void
jmap_identity_id(const char *addr, char out[STORE_OBJECTID_MAX])
{
	unsigned char h[8];
	char *low = xstrdup(addr);
	uint64_t v = 0;

	for (char *p = low; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p += 32;
	crypto_generichash(h, sizeof(h), (const unsigned char *)low,
			   strlen(low), NULL, 0);
	for (size_t i = 0; i < sizeof(h); i++)
		v = v << 8 | h[i];
	store_objectid_fmt(out, 'I', v);
	free(low);
}

static int
jmap_identity_owned(struct jmap_ctx *c, const char *addr)
{
	return submit_sender_owned(c->store, c->env->conf->store.plus_separator,
				   c->account_id, c->address, addr);
}

/* an Identity with the stored properties over the defaults */
static json_t *
jmap_identity_make(const char *id, const char *email, json_t *stored,
		   bool may_delete)
{
	json_t *i = json_pack("{s:s, s:s, s:s, s:n, s:n, s:s, s:s, s:b}",
			      "id", id, "name", "", "email", email,
			      "replyTo", "bcc", "textSignature", "",
			      "htmlSignature", "", "mayDelete", may_delete);
	static const char *const props[] = { "name", "replyTo", "bcc",
		"textSignature", "htmlSignature" };

	for (size_t k = 0; stored && k < sizeof(props) / sizeof(props[0]); k++)
		if (json_object_get(stored, props[k]))
			json_object_set(i, props[k],
					json_object_get(stored, props[k]));
	return i;
}

json_t *
jmap_identities(struct jmap_ctx *c)
{
	struct store_alias_list al = { 0 };
	char id[STORE_OBJECTID_MAX];
	json_t *recs, *out = json_object(), *rec;
	const char *k;

	if (jmap_rec_list(c, KIND, &recs) < 0 ||
	    store_alias_list(c->store, NULL, &al) < 0) {
		json_decref(out);
		out = NULL;
		goto done;
	}
	jmap_identity_id(c->address, id);
	json_object_set_new(out, id, jmap_identity_make(id, c->address,
			    json_object_get(recs, id), false));
	for (size_t i = 0; i < al.n; i++) {
		const char *a = al.v[i].address;

		/* the catch-all "@domain" is nobody's address */
		if (a[0] == '@' ||
		    jmap_identity_owned(c, a) != 1)
			continue;
		jmap_identity_id(a, id);
		if (json_object_get(out, id) == NULL)
			json_object_set_new(out, id, jmap_identity_make(id, a,
					    json_object_get(recs, id), false));
	}
	/* the ones /set made, while their address is still the account's */
	json_object_foreach(recs, k, rec) {
		const char *email = json_string_value(json_object_get(rec,
								      "email"));

		if (json_is_true(json_object_get(rec, "created")) && email &&
		    jmap_identity_owned(c, email) == 1)
			json_object_set_new(out, k, jmap_identity_make(k, email,
					    rec, true));
	}
done:
	json_decref(recs);
	store_alias_list_free(&al);
	return out;
}

/* an Identity as it is kept is what a client sees */
static json_t *
jmap_identity_view(struct jmap_ctx *c, json_t *rec)
{
	(void)c;
	return json_incref(rec);
}

json_t *
jmap_identity_get(struct jmap_ctx *c, json_t *args, json_t **error_r)
{
	return jmap_rec_get(c, KIND, args, jmap_identities, jmap_identity_view,
			    error_r);
}

json_t *
jmap_identity_changes(struct jmap_ctx *c, json_t *args, json_t **error_r)
{
	return jmap_rec_changes(c, KIND, args, error_r);
}

/* a value of an EmailAddress[]|null property */
static bool
jmap_identity_addrs_ok(json_t *v)
{
	size_t i;
	json_t *a;

	if (json_is_null(v))
		return true;
	if (!json_is_array(v))
		return false;
	json_array_foreach(v, i, a) {
		const char *e = json_string_value(json_object_get(a, "email"));
		json_t *n = json_object_get(a, "name");

		if (e == NULL || strchr(e, '@') == NULL ||
		    (n && !json_is_null(n) && !json_is_string(n)))
			return false;
	}
	return true;
}

/* the settable properties of patch copied into rec; the first bad
 * property name, or NULL */
static const char *
jmap_identity_apply(json_t *rec, json_t *patch, bool create)
{
	const char *k;
	json_t *v;

	json_object_foreach(patch, k, v) {
		bool ok;

		if (strcmp(k, "name") == 0 || strcmp(k, "textSignature") == 0 ||
		    strcmp(k, "htmlSignature") == 0)
			ok = json_is_string(v);
		else if (strcmp(k, "replyTo") == 0 || strcmp(k, "bcc") == 0)
			ok = jmap_identity_addrs_ok(v);
		else if (strcmp(k, "email") == 0)
			ok = create ? json_is_string(v) :
			     json_equal(v, json_object_get(rec, "email"));
		else
			ok = false;
		if (!ok)
			return k;
		json_object_set(rec, k, v);
	}
	return NULL;
}

json_t *
jmap_identity_set(struct jmap_ctx *c, json_t *args, json_t **error_r)
{
	json_t *create = json_object_get(args, "create");
	json_t *update = json_object_get(args, "update");
	json_t *destroy = json_object_get(args, "destroy");
	const char *if_in = json_string_value(json_object_get(args,
							      "ifInState"));
	json_t *created = json_object(), *not_created = json_object();
	json_t *updated = json_object(), *not_updated = json_object();
	json_t *destroyed = json_array(), *not_destroyed = json_object();
	json_t *all = NULL, *v, *res;
	char *old_state = jmap_rec_state(c, KIND), *new_state;
	const char *k;
	size_t i;

	if ((create && !json_is_object(create) && !json_is_null(create)) ||
	    (update && !json_is_object(update) && !json_is_null(update)) ||
	    (destroy && !json_is_array(destroy) && !json_is_null(destroy))) {
		*error_r = jmap_error("invalidArguments", NULL);
		goto fail;
	}
	if (if_in && strcmp(if_in, old_state) != 0) {
		*error_r = jmap_error("stateMismatch", NULL);
		goto fail;
	}
	if ((all = jmap_identities(c)) == NULL) {
		*error_r = jmap_error("serverFail", NULL);
		goto fail;
	}
	json_object_foreach(create, k, v) {
		json_t *rec = json_object();
		const char *bad = json_is_object(v) ?
				  jmap_identity_apply(rec, v, true) : "create";
		const char *email = json_string_value(json_object_get(rec,
								      "email"));
		unsigned char rnd[8];
		uint64_t n = 0;
		char id[STORE_OBJECTID_MAX];
		int rc;

		if (bad == NULL && email == NULL)
			bad = "email";
		if (bad) {
			json_object_set_new(not_created, k, jmap_set_error(
				"invalidProperties", NULL, json_pack("[s]", bad)));
			json_decref(rec);
			continue;
		}
		if (jmap_identity_owned(c, email) != 1) {
			json_object_set_new(not_created, k, jmap_set_error(
				"forbiddenFrom", "not an address of this account",
				NULL));
			json_decref(rec);
			continue;
		}
		randombytes_buf(rnd, sizeof(rnd));
		for (size_t j = 0; j < sizeof(rnd); j++)
			n = n << 8 | rnd[j];
		store_objectid_fmt(id, 'I', n);
		json_object_set_new(rec, "id", json_string(id));
		json_object_set_new(rec, "created", json_true());
		rc = jmap_rec_put(c, KIND, id, rec);
		if (rc != 0) {
			json_object_set_new(not_created, k, jmap_set_error(
				rc == STORE_ELIMIT || rc == STORE_EQUOTA ?
				"overQuota" : "serverFail", store_strerror(rc),
				NULL));
		} else {
			json_object_set_new(created, k, json_pack(
				"{s:s, s:b}", "id", id, "mayDelete", 1));
			jmap_created_id_add(c, k, id);
		}
		json_decref(rec);
	}
	json_object_foreach(update, k, v) {
		const char *id = jmap_resolve_id(c, k);
		json_t *cur = id ? json_object_get(all, id) : NULL, *rec;
		const char *bad;
		int rc;

		if (cur == NULL) {
			json_object_set_new(not_updated, k, jmap_set_error(
				"notFound", NULL, NULL));
			continue;
		}
		rec = json_deep_copy(cur);
		json_object_del(rec, "mayDelete");
		if (json_is_true(json_object_get(cur, "mayDelete")))
			json_object_set_new(rec, "created", json_true());
		bad = json_is_object(v) ? jmap_identity_apply(rec, v, false) :
		      "update";
		if (bad)
			json_object_set_new(not_updated, k, jmap_set_error(
				"invalidProperties", NULL, json_pack("[s]", bad)));
		else if ((rc = jmap_rec_put(c, KIND, id, rec)) != 0)
			json_object_set_new(not_updated, k, jmap_set_error(
				"serverFail", store_strerror(rc), NULL));
		else
			json_object_set_new(updated, k, json_null());
		json_decref(rec);
	}
	json_array_foreach(destroy, i, v) {
		const char *id = jmap_resolve_id(c, json_string_value(v));
		json_t *cur = id ? json_object_get(all, id) : NULL;
		const char *key = json_string_value(v) ? json_string_value(v) : "";

		if (cur == NULL)
			json_object_set_new(not_destroyed, key, jmap_set_error(
				"notFound", NULL, NULL));
		else if (!json_is_true(json_object_get(cur, "mayDelete")))
			json_object_set_new(not_destroyed, key, jmap_set_error(
				"forbidden", "the account's own address",
				NULL));
		else if (jmap_rec_put(c, KIND, id, NULL) != 0)
			json_object_set_new(not_destroyed, key, jmap_set_error(
				"serverFail", NULL, NULL));
		else
			json_array_append(destroyed, v);
	}
	json_decref(all);
	new_state = jmap_rec_state(c, KIND);
	res = jmap_set_response(c, old_state, new_state, created, updated,
				destroyed, not_created, not_updated,
				not_destroyed);
	free(old_state);
	free(new_state);
	return res;
fail:
	free(old_state);
	json_decref(all);
	json_decref(created);
	json_decref(not_created);
	json_decref(updated);
	json_decref(not_updated);
	json_decref(destroyed);
	json_decref(not_destroyed);
	return NULL;
}
