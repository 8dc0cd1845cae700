/* jmap-email-args.c - the arguments Email/get and Email/parse share:
 * properties, bodyProperties and the body value options */
#include "jmap/jmap-email-render.h"
#include "jmap/jmap.h"

#include <string.h>

static json_t *
bad_list(json_t *list, const char *what, bool (*valid)(const char *))
{
	if (list == NULL || json_is_null(list))
		return NULL;
	if (!json_is_array(list))
		return jmap_error("invalidArguments", what);
	for (size_t i = 0; i < json_array_size(list); i++) {
		const char *n = json_string_value(json_array_get(list, i));

		if (n == NULL || !valid(n)) {
			json_t *e = jmap_error("invalidArguments", what);

			json_object_set_new(e, "arguments",
					    json_pack("[s]", what));
			if (n != NULL)
				json_object_set_new(e, "description",
					json_sprintf("unknown property %s in %s",
						     n, what));
			return e;
		}
	}
	return NULL;
}

json_t *
jmap_email_props_check(json_t *props, json_t *body_props)
{
	json_t *e = bad_list(props, "properties", jmap_email_prop_valid);

	if (e == NULL)
		e = bad_list(body_props, "bodyProperties",
			     jmap_body_prop_valid);
	return e;
}

json_t *
jmap_body_opts_parse(json_t *args, struct jmap_body_opts *opt)
{
	static const char *const flags[] = {
		"fetchTextBodyValues", "fetchHTMLBodyValues",
		"fetchAllBodyValues"
	};
	bool *dst[] = { &opt->fetch_text, &opt->fetch_html, &opt->fetch_all };
	json_t *v = json_object_get(args, "maxBodyValueBytes");

	memset(opt, 0, sizeof(*opt));
	for (size_t i = 0; i < 3; i++) {
		json_t *f = json_object_get(args, flags[i]);

		if (f != NULL && !json_is_boolean(f) && !json_is_null(f))
			return jmap_error("invalidArguments", flags[i]);
		*dst[i] = json_is_true(f);
	}
	if (v != NULL && !json_is_null(v)) {
		if (!json_is_integer(v) || json_integer_value(v) < 1)
			return jmap_error("invalidArguments",
					  "maxBodyValueBytes");
		opt->max_bytes = (size_t)json_integer_value(v);
	}
	opt->body_props = json_object_get(args, "bodyProperties");
	if (json_is_null(opt->body_props))
		opt->body_props = NULL;
	return NULL;
}

