/* jmap-methods.c - every JMAP method tern serves, by area. A method is
 * served when it is listed here; nothing is advertised that is not. */
#include "jmap/jmap.h"

/* ---------------------------------------------------------------- */
/* Core (RFC 8620): jmap-core.c                                      */
#include "jmap/jmap-core.h"

const struct jmap_method jmap_core_methods[] = {
	{ "Core/echo", "urn:ietf:params:jmap:core", jmap_core_echo },
	{ NULL, NULL, NULL }	/* end of the Core methods */
};

/* ---------------------------------------------------------------- */
/* Mailbox, Thread, Email changes/copy/import (RFC 8621 2, 3, 4)     */
#include "jmap/jmap-mailbox.h"

#define MAIL "urn:ietf:params:jmap:mail"
const struct jmap_method jmap_mailbox_methods[] = {
	{ "Mailbox/get", MAIL, jmap_mailbox_get },
	{ "Mailbox/changes", MAIL, jmap_mailbox_changes },
	{ "Mailbox/query", MAIL, jmap_mailbox_query },
	{ "Mailbox/queryChanges", MAIL, jmap_mailbox_query_changes },
	{ "Mailbox/set", MAIL, jmap_mailbox_set },
	{ "Thread/get", MAIL, jmap_thread_get },
	{ "Thread/changes", MAIL, jmap_thread_changes },
	{ "Email/changes", MAIL, jmap_email_changes },
	{ "Email/import", MAIL, jmap_email_import },
	{ "Email/copy", MAIL, jmap_email_copy },
	{ NULL, NULL, NULL }	/* end of the Mailbox methods */
};
#undef MAIL

/* ---------------------------------------------------------------- */
/* Email reading and searching (RFC 8621 4, 5)                       */
#include "jmap/jmap-email.h"

const struct jmap_method jmap_email_methods[] = {
	{ "Email/get", "urn:ietf:params:jmap:mail", jmap_email_get },
	{ "Email/query", "urn:ietf:params:jmap:mail", jmap_email_query },
	{ "Email/queryChanges", "urn:ietf:params:jmap:mail",
	  jmap_email_query_changes },
	{ "Email/parse", "urn:ietf:params:jmap:mail", jmap_email_parse },
	{ "SearchSnippet/get", "urn:ietf:params:jmap:mail", jmap_snippet_get },
	{ NULL, NULL, NULL }	/* end of the Email methods */
};

/* ---------------------------------------------------------------- */
/* Email/set, Identity, EmailSubmission (RFC 8621 4.6, 6, 7)         */
#include "jmap/jmap-submission.h"

const struct jmap_method jmap_submission_methods[] = {
	{ "Email/set", "urn:ietf:params:jmap:mail", jmap_email_set },
	{ "Identity/get", "urn:ietf:params:jmap:submission", jmap_identity_get },
	{ "Identity/changes", "urn:ietf:params:jmap:submission",
	  jmap_identity_changes },
	{ "Identity/set", "urn:ietf:params:jmap:submission", jmap_identity_set },
	{ "EmailSubmission/get", "urn:ietf:params:jmap:submission",
	  jmap_submission_get },
	{ "EmailSubmission/changes", "urn:ietf:params:jmap:submission",
	  jmap_submission_changes },
	{ "EmailSubmission/set", "urn:ietf:params:jmap:submission",
	  jmap_submission_set },
	{ "EmailSubmission/query", "urn:ietf:params:jmap:submission",
	  jmap_submission_query },
	{ "EmailSubmission/queryChanges", "urn:ietf:params:jmap:submission",
	  jmap_submission_query_changes },
	{ NULL, NULL, NULL }	/* end of the submission methods */
};
