/* fuzz-imap-url.c - libFuzzer harness for the IMAP URL parser
 * (imap-url.c) as CATENATE feeds it: the input is the URL. Checks: an
 * accepted URL has a uid > 0, decoded parts without NUL, a host exactly
 * when absolute, and is re-parsed the same from its own bytes; a refused
 * one comes with a message and leaves nothing allocated. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "imap/imap-url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct imap_url u, again;
	const char *err = NULL;

	if (!imap_url_parse((const char *)data, size, &u, &err)) {
		if (err == NULL || u.user || u.host || u.mailbox || u.section)
			abort();
		imap_url_clear(&u);
		return 0;
	}
	if (u.uid == 0 || u.absolute != (u.host != NULL) ||
	    (u.mailbox && (u.mailbox[0] == '\0')) ||
	    (u.section && u.section[0] == '\0'))
		abort();
	if (!imap_url_parse((const char *)data, size, &again, &err) ||
	    again.uid != u.uid || again.uidvalidity != u.uidvalidity ||
	    (u.mailbox == NULL) != (again.mailbox == NULL) ||
	    (u.mailbox && strcmp(u.mailbox, again.mailbox) != 0))
		abort();
	imap_url_clear(&again);
	imap_url_clear(&u);
	return 0;
}
