/* smtp-auth.h - the mail checks of one port-25 message (SPF, DKIM,
 * DMARC, ARC; src/mailauth) and what they decide.
 *
 * SPF starts at MAIL FROM (client IP, HELO, MAIL FROM), so its DNS runs
 * while the client sends RCPT and the body. The header fields and the
 * body are fed to the DKIM and ARC verifiers as they stream into the
 * store (the body is hashed, never kept). At the end of DATA/BDAT LAST
 * the session waits (paused; the loop serves the others) for SPF, then
 * the DKIM and ARC key lookups, then DMARC, at most
 * auth_checks.timeout. The verdict:
 *   DMARC fail under p=reject           550 5.7.1, nothing stored
 *   no From field, or several            550 5.7.1 (RFC 7489 6.6.1)
 *   DMARC fail under p=quarantine       delivered to \Junk
 *     (p=reject with auth_checks.dmarc_reject off: quarantined too)
 *   SPF fail                            recorded; 550 5.7.23 only with
 *                                       auth_checks.spf_fail_reject
 *   a temporary error that could change the verdict (DMARC temperror,
 *   SPF/DKIM temperror under a failing enforced policy), or the time
 *   limit                               451 4.7.0 (never a silent pass)
 * Mail from auth_checks.trusted_forwarders (smtp-forwarders.h) is
 * checked and recorded but never refused nor quarantined. A DMARC fail
 * whose ARC chain passes with the newest seal by a domain in
 * auth_checks.arc_trusted_sealers is delivered (an ARC temperror then:
 * 451). The Authentication-Results field with the config's host name
 * as authserv-id goes in front of the message. */
#ifndef TERN_SMTP_AUTH_H
#define TERN_SMTP_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "smtp/smtp-reply.h"

struct smtp_session;
struct smtp_auth;

enum smtp_auth_action {
	SMTP_AUTH_ACCEPT = 0,
	SMTP_AUTH_JUNK,		/* deliver to the \Junk mailbox */
	SMTP_AUTH_REFUSE,	/* answer status (5xx or 4xx), store nothing */
};

/* at MAIL FROM (port 25, checks enabled): SPF starts */
struct smtp_auth *smtp_auth_start(struct smtp_session *s);
/* a whole header field as on the wire, without its final CRLF */
void smtp_auth_field(struct smtp_auth *a, const char *field, size_t len);
void smtp_auth_end_header(struct smtp_auth *a);
void smtp_auth_body(struct smtp_auth *a, const void *p, size_t len);

/* the checks are over: smtp_auth_action() etc. tell the verdict */
typedef void smtp_auth_done_cb(struct smtp_session *s);
/* Wait for every check (cb runs later, never inside this call). */
void smtp_auth_finish(struct smtp_auth *a, smtp_auth_done_cb *cb);

enum smtp_auth_action smtp_auth_action(const struct smtp_auth *a);
/* the reply for SMTP_AUTH_REFUSE */
const struct smtp_status *smtp_auth_status(const struct smtp_auth *a);
/* the Authentication-Results field (CRLF-ended), NULL when none */
const char *smtp_auth_results(const struct smtp_auth *a);

/* the ARC verdict on the chain the message came with (smtp-arc.c
 * seals with it); NULL before the checks are over */
struct arc_verdict;
const struct arc_verdict *smtp_auth_arc(const struct smtp_auth *a);

/* cancel what still runs; NULL-safe; *a = NULL */
void smtp_auth_free(struct smtp_auth **a);

/* server exit (smtp service deinit): every message still waiting gets
 * its 451 now (its session is told, and ends) */
void smtp_auth_shutdown(void);

#endif
