/* smtp-bounce.h - a DSN for recipients that failed in the commit after
 * their RCPT got 250 (a quota reached by a concurrent delivery): the
 * message was accepted for the others, so these are bounced, never
 * dropped silently (RFC 5321 6.1). */
#ifndef TERN_SMTP_BOUNCE_H
#define TERN_SMTP_BOUNCE_H

struct smtp_session;

/* After a successful store_deliver() in which some of t->srcpts failed:
 * build the report on the thread pool from a stored copy and deliver it
 * to the envelope sender (nothing for <> or NOTIFY without FAILURE). */
void smtp_bounce_failed(struct smtp_session *s);

#endif
