/* smtp.h - the SMTP services that src/cli/services.c lists */
#ifndef TERN_SMTP_H
#define TERN_SMTP_H

#include "lib/service.h"

/* port 25: mail for our domains from other servers (STARTTLS offered) */
extern const struct service smtp_service;

#endif
