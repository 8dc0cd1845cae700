/* jmap-submission.h - the submission area's method functions (jmap-methods.c lists
 * them) */
#ifndef TERN_JMAP_SUBMISSION_H
#define TERN_JMAP_SUBMISSION_H

#include "jmap/jmap.h"

#endif
