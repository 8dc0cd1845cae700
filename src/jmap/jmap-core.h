/* jmap-core.h - the core area's method functions (jmap-methods.c lists
 * them) and the dispatcher's lookups */
#ifndef TERN_JMAP_CORE_H
#define TERN_JMAP_CORE_H

#include "jmap/jmap.h"

struct jmap_limits;
struct tern_conf;

/* Core/echo (RFC 8620 4) */
json_t *jmap_core_echo(struct jmap_ctx *c, json_t *args, json_t **error_r);

/* the method of that name in any table, or NULL */
const struct jmap_method *jmap_method_find(const char *name);
/* true when cap is core or some listed method's capability */
bool jmap_capability_served(const char *cap);
/* the [jmap] limits of conf */
void jmap_limits_from_conf(struct jmap_limits *lim, const struct tern_conf *conf);

#endif
