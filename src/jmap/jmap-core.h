/* jmap-core.h - the core area's method functions (jmap-methods.c lists
 * them) */
#ifndef TERN_JMAP_CORE_H
#define TERN_JMAP_CORE_H

#include "jmap/jmap.h"

#endif
