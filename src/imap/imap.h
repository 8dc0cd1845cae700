/* imap.h - the IMAP server's services (see lib/service.h) */
#ifndef TERN_IMAP_H
#define TERN_IMAP_H

#include "lib/service.h"

extern const struct service imap_service;
extern const struct service imaps_service;

#endif
