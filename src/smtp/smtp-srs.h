/* smtp-srs.h - SRS on port 25 (mailauth/srs.h): the queued copy of mail
 * forwarded through an alias to another domain gets a rewritten sender
 * in our domain, and RCPT to such an address of ours (a bounce or reply
 * coming back) resolves to the address it stands for */
#ifndef TERN_SMTP_SRS_H
#define TERN_SMTP_SRS_H

#include <stdbool.h>
#include <stddef.h>

#include "mailauth/srs.h"
#include "store/store.h"

struct smtp_session;

/* the envelope sender of the transaction's queued copy: the SRS
 * rewrite into buf when it applies, else the sender as received */
const char *smtp_srs_queue_sender(struct smtp_session *s, char *buf,
				  size_t len);

/* RCPT: false when address is no SRS address of a domain we serve (the
 * store resolves it as usual); else true with *ret the store's answer
 * for its original (0 with *r filled in, or STORE_ENOTFOUND when the
 * hash or the timestamp does not check out, logged) */
bool smtp_srs_resolve(struct smtp_session *s, const char *address,
		      struct store_resolved *r, int *ret);

#endif
