/* jmap-mailbox.h - the mailbox area's method functions (jmap-methods.c lists
 * them) */
#ifndef TERN_JMAP_MAILBOX_H
#define TERN_JMAP_MAILBOX_H

#include "jmap/jmap.h"

#endif
