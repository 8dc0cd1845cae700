/* imap-service.c - the "imap" (143, STARTTLS) and "imaps" (993,
 * implicit TLS) services */
#include "imap/imap.h"
#include "imap/imap-private.h"

const struct service imap_service = {
	.proto = "imap",
	.default_tls = TLS_MODE_STARTTLS,
	.accept = imap_session_accept,
	.ops = &imap_session_ops,
	.busy_reply = "* BYE [UNAVAILABLE] Too many connections\r\n",
};

const struct service imaps_service = {
	.proto = "imaps",
	.default_tls = TLS_MODE_IMPLICIT,
	.accept = imap_session_accept,
	.ops = &imap_session_ops,
	.busy_reply = NULL,
};
