/* jmap-mailbox.h - the mailbox area's method functions (jmap-methods.c lists
 * them) and what its files share */
#ifndef TERN_JMAP_MAILBOX_H
#define TERN_JMAP_MAILBOX_H

#include "jmap/jmap.h"
#include "store/store.h"

jmap_method_fn jmap_mailbox_get;		/* jmap-mailbox.c */
jmap_method_fn jmap_mailbox_query;		/* jmap-mailbox-query.c */
jmap_method_fn jmap_mailbox_query_changes;	/* jmap-mailbox-query.c */
jmap_method_fn jmap_mailbox_set;		/* jmap-mailbox-set.c */
jmap_method_fn jmap_mailbox_changes;		/* jmap-changes.c */
jmap_method_fn jmap_email_changes;		/* jmap-changes.c */
jmap_method_fn jmap_thread_changes;		/* jmap-changes.c */
jmap_method_fn jmap_thread_get;			/* jmap-thread.c */
jmap_method_fn jmap_email_import;		/* jmap-import.c */
jmap_method_fn jmap_email_copy;			/* jmap-import.c */

/* ---- shared by the area's files (jmap-mailbox.c) ---- */

/* the account's mailboxes as JMAP sees them: store rows with their
 * MAILBOXID, leaf name, parent and role */
struct jmap_mbox {
	struct store_mailbox *m;	/* in list */
	char id[STORE_OBJECTID_MAX];
	const char *leaf;		/* JMAP name: the last level */
	struct jmap_mbox *parent;	/* NULL: top level */
	const char *role;		/* NULL: none */
	unsigned depth;			/* 0: top level */
};
struct jmap_mboxes {
	struct store_mailbox_list list;
	size_t n;
	struct jmap_mbox *v;		/* the order of list */
};
/* 0, or a method error in *error_r (serverFail) */
int jmap_mboxes_load(struct jmap_ctx *c, struct jmap_mboxes *out,
		     json_t **error_r);
void jmap_mboxes_free(struct jmap_mboxes *l);
/* by MAILBOXID (a "#creation id" resolved first); NULL if none */
struct jmap_mbox *jmap_mboxes_find(struct jmap_ctx *c,
				   const struct jmap_mboxes *l,
				   const char *id);

/* RFC 8621 2's role names <-> STORE_SU_* (one bit); "inbox" is the
 * mailbox INBOX, no bit. jmap_role_su: 0 and false for no such role */
const char *jmap_role_name(const struct store_mailbox *m);
bool jmap_role_su(const char *role, unsigned *su_r);

/* the Mailbox object of m: every property, or those of the array
 * properties (checked before) */
json_t *jmap_mbox_json(struct jmap_ctx *c, const struct jmap_mbox *m,
		       json_t *properties);

/* State strings: the account's modseq in decimal (store.h). NULL with
 * *error_r (serverFail) on a store failure */
json_t *jmap_state(struct jmap_ctx *c, json_t **error_r);
/* a state string back to its modseq: false when it is none */
bool jmap_state_parse(const char *s, uint64_t *modseq_r);

/* the "ids" argument of a /get: NULL (JSON null or absent: all) or an
 * array of strings of at most jmap_max_objects_in_get(); false with
 * *error_r (invalidArguments, requestTooLarge) */
bool jmap_args_ids(struct jmap_ctx *c, json_t *args, json_t **ids_r,
		   json_t **error_r);
/* the "properties" argument: NULL (all) or an array whose every item
 * is one of known (NULL-ended); false with *error_r (invalidArguments) */
bool jmap_args_properties(json_t *args, const char *const *known,
			  json_t **props_r, json_t **error_r);
/* is prop wanted (props NULL: all)? */
bool jmap_prop_wanted(json_t *props, const char *prop);
/* a store error as a method error (serverFail with its text) */
json_t *jmap_store_error(int ret);

#endif
