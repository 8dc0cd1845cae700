/* services.c - the protocols built into this tern (see lib/service.h).
 * A listener whose protocol is not listed here is not opened. */
#include "http/http.h"
#include "imap/imap.h"
#include "lib/service.h"
#include "managesieve/managesieve.h"
#include "pop3/pop3.h"
#include "relay/relay.h"
#include "smtp/smtp.h"
#include "smtp/submission.h"

const struct service *const tern_services[] = {
	&smtp_service,
	&submission_service,
	&submissions_service,
	&imap_service,
	&imaps_service,
	&pop3_service,
	&pop3s_service,
	&managesieve_service,
	&http_service,
	&https_service,
	&metrics_service,
	&relay_service,		/* no listener: the outbound queue */
	&dmarc_report_service,	/* no listener: the daily reports */
	NULL
};
