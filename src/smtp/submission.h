/* submission.h - message submission (RFC 6409): the "submission" service
 * (port 587, STARTTLS) and "submissions" (port 465, implicit TLS, RFC
 * 8314), for src/cli/services.c.
 *
 * Both run the port-25 session (smtp-session.h) with a policy that:
 *   - requires AUTH (RFC 4954: PLAIN, LOGIN, SCRAM-SHA-256) before MAIL,
 *     and TLS before AUTH while smtp.require_tls_for_auth is set (the
 *     default): EHLO advertises AUTH only when it may be used;
 *   - lets the authenticated account send only as its own address or
 *     one of its aliases, in MAIL FROM and in the From: header, unless
 *     smtp.allow_sender_mismatch;
 *   - adds Date, Message-ID and From when the message lacks them
 *     (RFC 6409 8.2, 8.3);
 *   - relays: once authenticated, remote recipients are queued. */
#ifndef TERN_SUBMISSION_H
#define TERN_SUBMISSION_H

#include "lib/service.h"

extern const struct service submission_service;
extern const struct service submissions_service;

#endif
