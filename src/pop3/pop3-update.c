/* pop3-update.c - QUIT in TRANSACTION: the UPDATE state (RFC 1939
 * section 6). Every message marked with DELE goes in one store_expunge
 * (one commit; IMAP sessions watching INBOX are told at once), and the
 * reply waits for that commit. A connection that drops without QUIT
 * never gets here: nothing is removed. */
#include "pop3/pop3-private.h"

#include <stdlib.h>

#include "lib/log.h"
#include "store/store.h"

static void
pop3_update_done(void *arg, int ret)
{
	struct pop3_session *s = arg;
	uint32_t n = s->md.ndeleted;

	s->wait = POP3_WAIT_NONE;
	if (ret == 0) {
		log_info(s->id, "pop3 update deleted=%u", n);
		pop3_session_reply(s, "+OK Bye, %u messages deleted", n);
	} else {
		log_error(s->id, "pop3 update failed deleted=0 error=\"%s\"",
			  store_strerror(ret));
		pop3_session_reply(s, "-ERR [SYS/TEMP] Deleting failed, "
				   "messages kept");
	}
	pop3_session_close(s, "quit");
	pop3_session_unref(s);
}

/* pop3_update_quit - enter UPDATE: expunge the marked messages */
void
pop3_update_quit(struct pop3_session *s)
{
	struct store_uid_range *ranges;
	size_t n;
	int rc;

	s->state = POP3_UPDATE;
	n = pop3_maildrop_deleted_ranges(&s->md, &ranges);
	if (n == 0) {
		log_info(s->id, "pop3 update deleted=0");
		pop3_session_reply(s, "+OK Bye");
		pop3_session_close(s, "quit");
		return;
	}
	s->wait = POP3_WAIT_UPDATE;
	pop3_session_ref(s);
	rc = store_expunge(s->env->store, s->account_id, s->md.mailbox_id,
			   ranges, n, false, NULL, pop3_update_done, s);
	free(ranges);
	if (rc < 0) {
		s->wait = POP3_WAIT_NONE;
		log_error(s->id, "pop3 update failed error=\"%s\"",
			  store_strerror(rc));
		pop3_session_reply(s, "-ERR [SYS/TEMP] Deleting failed, "
				   "messages kept");
		pop3_session_close(s, "quit");
		pop3_session_unref(s);
	}
}
