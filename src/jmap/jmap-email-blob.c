/* jmap-email-blob.c - PLACEHOLDER until h-jmapstore is merged: H-store's
 * file of the same name (the "B..." blobs of Emails and their parts)
 * replaces this one. Until then no "B..." blob is found. */
#include "jmap/jmap.h"

#include <errno.h>

int
jmap_email_blob_read(struct jmap_ctx *c, const char *blob_id, struct buf *out,
		     char **type_r)
{
	(void)c;
	(void)blob_id;
	(void)out;
	if (type_r != NULL)
		*type_r = NULL;
	return -ENOENT;
}
