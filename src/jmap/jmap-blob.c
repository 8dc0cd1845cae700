/* jmap-blob.c - the one reader of blobs by id: uploads here, Emails and
 * their parts in jmap-email-blob.c */
#include "jmap/jmap.h"
#include "jmap/jmap-upload.h"

#include "lib/service.h"

#include <errno.h>

int
jmap_blob_read(struct jmap_ctx *c, const char *blob_id, struct buf *out,
	       char **type_r)
{
	if (type_r != NULL)
		*type_r = NULL;
	if (blob_id == NULL)
		return -ENOENT;
	if (blob_id[0] == 'U')
		return jmap_upload_read(c->env->conf->data_dir, c->account_id,
					blob_id, c->env->conf->jmap.upload_expiry_ms,
					out, type_r);
	if (blob_id[0] == 'B')
		return jmap_email_blob_read(c, blob_id, out, type_r);
	return -ENOENT;
}
