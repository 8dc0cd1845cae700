/* milter-conf.h - the milter lists of tern.conf ([milter] smtp,
 * submission) in Postfix's syntax:
 *
 *   inet:127.0.0.1:11332, unix:/run/clamav/clamav-milter.ctl{default_action=accept, command_timeout=10s}
 *
 * "inet:HOST:PORT" (HOST may be [IPv6]), "unix:PATH" or "local:PATH";
 * the optional {...} sets default_action (accept, tempfail, reject,
 * quarantine), connect_timeout, command_timeout and eom_timeout
 * (content_timeout, Postfix's name, is the same) for that filter; the
 * rest comes from the [milter] defaults. */
#ifndef TERN_MILTER_CONF_H
#define TERN_MILTER_CONF_H

#include <stddef.h>
#include <stdint.h>

#include "lib/conf.h"

enum milter_default {
	MILTER_DEFAULT_ACCEPT, MILTER_DEFAULT_TEMPFAIL,
	MILTER_DEFAULT_REJECT, MILTER_DEFAULT_QUARANTINE,
};

struct milter_spec {
	char *name;		/* as written, without the {...}: logs */
	char *host;		/* inet: IP or name; NULL for unix */
	uint16_t port;
	char *path;		/* unix: socket path; NULL for inet */
	enum milter_default default_action;
	uint64_t connect_ms, command_ms, eom_ms;
};

struct milter_specs {
	size_t n;
	struct milter_spec *v;
};

/* parse a list; 0, or -1 with *err_r (malloc'd) saying what is wrong.
 * An empty or blank list is n = 0. */
int milter_specs_parse(const char *text, const struct tern_conf *conf,
		       struct milter_specs *out, char **err_r);
void milter_specs_free(struct milter_specs *specs);
/* "accept", "tempfail", ... -> 0 and *out, or -1 */
int milter_default_parse(const char *s, enum milter_default *out);
const char *milter_default_name(enum milter_default d);

#endif
