/* mime-testlib.h - helpers shared by the mime unit tests */
#ifndef TERN_MIME_TESTLIB_H
#define TERN_MIME_TESTLIB_H

#include "mime/mime.h"

/* read a file (path relative to the repo root) into out; false if absent */
bool mime_test_load(const char *path, struct buf *out);
/* parse msg fed in chunks of chunk bytes (0: all at once) */
void mime_test_parse(const unsigned char *msg, size_t len, size_t chunk,
		     const struct mime_limits *limits, struct mime_summary *out);
/* true if every field of a and b is identical */
bool mime_test_same(const struct mime_summary *a, const struct mime_summary *b);
/* a readable dump of everything in a summary (for golden .ref files) */
void mime_test_dump(const struct mime_summary *s, struct buf *out);

#endif
