/* dsn-deliver.c - hand a built DSN to the store: the sender's INBOX when
 * local (one durable commit), the outbound queue when remote */
#include "relay/dsn.h"
#include "lib/log.h"
#include "store/store.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

int
dsn_deliver(struct store *store, const char *sender, const struct buf *report)
{
	struct store_resolved res = { 0, NULL };
	struct store_envelope env = { "", NULL, STORE_RET_DEFAULT };
	struct store_rcpt *rcpts;
	struct store_blob *blob = NULL;
	struct buf prefix = BUF_INIT, sig = BUF_INIT;
	size_t n;
	int ret;

	ret = store_resolve(store, sender, &res);
	if (ret == STORE_ENOTLOCAL) {
		rcpts = xcalloc(1, sizeof(*rcpts));
		rcpts[0].kind = STORE_RCPT_REMOTE;
		rcpts[0].address = sender;
		n = 1;
	} else if (ret == 0) {
		rcpts = xcalloc(res.n, sizeof(*rcpts));
		for (size_t i = 0; i < res.n; i++) {
			struct store_rcpt *r = &rcpts[i];

			if (res.v[i].kind == STORE_TARGET_LOCAL) {
				r->kind = STORE_RCPT_LOCAL;
				r->account_id = res.v[i].account_id;
				r->address = res.v[i].address;
			} else {
				r->kind = STORE_RCPT_REMOTE;
				r->address = res.v[i].address;
			}
		}
		n = res.n;
	} else {
		log_warn(0, "dsn dropped to=<%s> reason=\"%s\"", sender,
			 store_strerror(ret));
		return ret;
	}
	/* trace fields for local copies (RFC 5321 4.4: Return-Path <>) */
	buf_append_str(&prefix, "Return-Path: <>\r\n");
	for (size_t i = 0; i < n; i++) {
		if (rcpts[i].kind == STORE_RCPT_LOCAL) {
			rcpts[i].prefix = prefix.data;
			rcpts[i].prefix_len = prefix.len;
		}
	}
	if (dsn_sign(store_data_dir(store), report, (int64_t)time(NULL), &sig))
		report = &sig;
	ret = store_blob_begin(store, &blob);
	if (ret == 0)
		ret = store_blob_write(blob, report->data, report->len);
	if (ret == 0)
		ret = store_deliver(store, &blob, &env, rcpts, n, NULL, NULL,
				    NULL);
	store_blob_abort(&blob);
	if (ret == 0)
		log_info(0, "dsn sent to=<%s> size=%zu", sender, report->len);
	else
		log_warn(0, "dsn failed to=<%s> error=%s", sender,
			 store_strerror(ret));
	free(rcpts);
	buf_free(&prefix);
	buf_free(&sig);
	store_resolved_free(&res);
	return ret;
}
