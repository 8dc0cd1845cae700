/* jmap-email.h - the email area's method functions (jmap-methods.c lists
 * them) */
#ifndef TERN_JMAP_EMAIL_H
#define TERN_JMAP_EMAIL_H

#include "jmap/jmap.h"

jmap_method_fn jmap_email_get;		/* Email/get: jmap-email-get.c */
jmap_method_fn jmap_email_query;	/* Email/query: jmap-email-query.c */
jmap_method_fn jmap_email_query_changes; /* Email/queryChanges: same */
jmap_method_fn jmap_email_parse;	/* Email/parse: jmap-email-parse.c */
jmap_method_fn jmap_snippet_get;	/* SearchSnippet/get: jmap-snippet.c */

#endif
