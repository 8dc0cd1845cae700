/* pop3.h - the POP3 services: "pop3" (port 110, STLS) and "pop3s" (port
 * 995, implicit TLS). RFC 1939, RFC 2449 (CAPA), RFC 2595 (STLS),
 * RFC 5034 (AUTH), RFC 3206 (response codes). */
#ifndef TERN_POP3_H
#define TERN_POP3_H

#include "lib/service.h"

extern const struct service pop3_service;
extern const struct service pop3s_service;

#endif
