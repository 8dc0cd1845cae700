/* cmd-fetch.c - FETCH and UID FETCH: messages are answered in batches
 * from the store's cached parse results; large body data is streamed
 * from the message blob as the connection drains, and the loop gets
 * control back between batches */
#include "imap/imap-fetch.h"
#include "imap/imap-search.h"

#include <stdlib.h>
#include <string.h>

/* messages per loop pass */
#define FETCH_BATCH 200
#define FETCH_CHUNK (64 * 1024)

struct fetch_ctx {
	struct fetch_items items;
	uint32_t *uids;
	size_t n, next;
	struct fetch_out out;	/* the current message's pending output */
	size_t seg;
	uint64_t seg_done;
	struct store_reader *reader;
	uint32_t *seen;
	size_t n_seen;
	struct store_uid_range *ranges;
	struct store_flags_result fres;
	bool changedsince_set;
	uint64_t changedsince;
	/* batches built on a worker thread (SQLite reads, blob reads and
	 * formatting off the loop); a message whose data must be streamed
	 * is left to the loop */
	struct work_gate_job job;	/* through the account's pool share */
	struct buf wbuf;
	int w_rc;
	bool loop_msg;		/* x->uids[x->next] needs the loop */
	uint64_t progress_ms;	/* INPROGRESS: the last report */
};

static void
fetch_ctx_free(void *p)
{
	struct fetch_ctx *x = p;

	fetch_items_free(&x->items);
	fetch_out_clear(&x->out);
	store_reader_close(&x->reader);
	store_flags_result_free(&x->fres);
	buf_free(&x->wbuf);
	free(x->uids);
	free(x->seen);
	free(x->ranges);
	free(x);
}

/* write the pending output; false when the connection must drain first */
static bool
fetch_flush(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->s;
	struct fetch_ctx *x = cmd->ctx;
	unsigned char *chunk = NULL;

	for (; x->seg < x->out.n; x->seg++, x->seg_done = 0) {
		struct fetch_seg *sg = &x->out.v[x->seg];

		if (sg->len == 0) {
			imap_write(s, sg->text.data, sg->text.len);
			continue;
		}
		while (x->seg_done < sg->len) {
			size_t n = sg->len - x->seg_done > FETCH_CHUNK ?
				   FETCH_CHUNK : (size_t)(sg->len - x->seg_done);
			ssize_t got = -1;

			if (s->conn_gone)
				break;
			if (conn_output_pending(s->conn) > 4 * conn_low_water) {
				free(chunk);
				s->drain_wait = true;
				return false;
			}
			if (chunk == NULL)
				chunk = xmalloc(FETCH_CHUNK);
			if (x->reader != NULL)
				got = store_reader_pread(x->reader, chunk, n,
							 sg->off + x->seg_done);
			if (got <= 0) {
				/* truncated blob: keep the literal's length */
				memset(chunk, ' ', n);
				got = (ssize_t)n;
			}
			if (sg->nonul)
				fetch_nonul(chunk, (size_t)got);
			imap_write(s, chunk, (size_t)got);
			x->seg_done += (uint64_t)got;
		}
	}
	free(chunk);
	fetch_out_clear(&x->out);
	x->seg = 0;
	x->seg_done = 0;
	store_reader_close(&x->reader);
	return true;
}

/* one message's answer into x->out; uid: a UID FETCH */
static void
fetch_message_of(struct imap_session *s, struct fetch_ctx *x, bool uid,
		 const struct store_msg *m)
{
	struct fetch_out *o = &x->out;
	uint32_t flags = m->flags | imap_view_recent(&s->view, m->uid);
	bool first = true, mark_seen = false;
	size_t i;

	/* RFC 4314 4: \Seen is set only with the s right */
	if (x->items.sets_seen && !(flags & STORE_F_SEEN) &&
	    !s->view.readonly && (s->view.rights & STORE_ACL_S)) {
		mark_seen = true;
		flags |= STORE_F_SEEN;
		x->seen = xrealloc(x->seen, (x->n_seen + 1) * sizeof(*x->seen));
		x->seen[x->n_seen++] = m->uid;
	}
	/* numbers without printf: the listing query's hot path */
	buf_append(fetch_out_buf(o), "* ", 2);
	if (s->uidonly) {
		fetch_buf_u64(fetch_out_buf(o), m->uid);
		buf_append(fetch_out_buf(o), " UIDFETCH (", 11);
	} else {
		fetch_buf_u64(fetch_out_buf(o),
			      imap_view_seq(&s->view, m->uid));
		buf_append(fetch_out_buf(o), " FETCH (", 8);
	}
	if (uid && !x->items.want_uid && !s->uidonly) {
		buf_append(fetch_out_buf(o), "UID ", 4);
		fetch_buf_u64(fetch_out_buf(o), m->uid);
		first = false;
	}
	for (i = 0; i < x->items.n; i++) {
		const struct fetch_item *it = &x->items.v[i];
		/* straight into the answer (sections add pieces of their
		 * own through o, not b) */
		struct buf *b;

		if (!first)
			fetch_out_text(o, " ", 1);
		first = false;
		b = fetch_out_buf(o);
		switch (it->kind) {
		case FETCH_FLAGS:
			buf_append_str(b, "FLAGS ");
			imap_append_flags(b, flags, m->keywords);
			break;
		case FETCH_UID:
			buf_append_str(b, "UID ");
			fetch_buf_u64(b, m->uid);
			break;
		case FETCH_MODSEQ:
			buf_append_str(b, "MODSEQ (");
			fetch_buf_u64(b, m->modseq);
			buf_append_byte(b, ')');
			break;
		case FETCH_EMAILID:
		case FETCH_THREADID: {
			char id[STORE_OBJECTID_MAX];

			if (it->kind == FETCH_EMAILID)
				store_msg_emailid(m, id);
			else
				store_msg_threadid(s->env->store, m, id);
			buf_printf(b, "%s (%s)", it->kind == FETCH_EMAILID ?
				   "EMAILID" : "THREADID", id);
			break;
		}
		case FETCH_PREVIEW: {
			struct buf made = BUF_INIT;
			struct mime_preview_limits lim = {
				s->env->conf->store.preview_parts,
				s->env->conf->store.preview_read };

			if (x->reader == NULL && m->parse.preview == NULL &&
			    !it->lazy)
				(void)store_msg_open(s->env->store,
						     s->view.account_id,
						     s->view.mailbox_id, m->uid,
						     &x->reader);
			if (fetch_preview(o, it, m, x->reader, &lim, &made))
				/* made now: kept for the next time */
				store_msg_preview_keep(s->env->store,
						       s->view.account_id,
						       s->view.mailbox_id,
						       m->uid, buf_cstr(&made));
			buf_free(&made);
			break;
		}
		case FETCH_SAVEDATE:
			/* every message has one (the column is as old as
			 * the store), kept in UTC */
			buf_append_str(b, "SAVEDATE ");
			imap_append_date(b, m->savedate, 0);
			break;
		case FETCH_INTERNALDATE:
			buf_append_str(b, "INTERNALDATE ");
			imap_append_date(b, m->internaldate,
					 m->internaldate_tz);
			break;
		case FETCH_SIZE:
			buf_append_str(b, "RFC822.SIZE ");
			fetch_buf_u64(b, m->size);
			break;
		case FETCH_ENVELOPE:
			buf_append_str(b, "ENVELOPE ");
			buf_append_str(b, m->parse.envelope ?
				       m->parse.envelope :
				       "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)");
			break;
		case FETCH_BODY:
		case FETCH_BODYSTRUCTURE: {
			const char *bs = it->kind == FETCH_BODY ?
				m->parse.body : m->parse.bodystructure;

			buf_append_str(b, it->kind == FETCH_BODY ?
				       "BODY " : "BODYSTRUCTURE ");
			buf_append_str(b, bs ? bs :
				       "(\"text\" \"plain\" (\"charset\" "
				       "\"us-ascii\") NIL NIL \"7bit\" 0 0)");
			break;
		}
		case FETCH_BINARY_SIZE:
			if (x->reader == NULL)
				(void)store_msg_open(s->env->store,
						     s->view.account_id,
						     s->view.mailbox_id, m->uid,
						     &x->reader);
			fetch_binary_size(o, it, m, x->reader);
			break;
		case FETCH_SECTION:
			if (m->parse.header != NULL &&
			    (m->prefix_len == 0 || m->prefix != NULL) &&
			    fetch_section_is_header(it)) {
				/* the listing query: no blob to open */
				struct store_reader *hr = store_reader_mem(
					m->prefix, m->prefix_len,
					m->parse.header,
					(size_t)m->parse.header_len);

				fetch_body_section(o, it, m, hr);
				store_reader_close(&hr);
				break;
			}
			if (x->reader == NULL)
				(void)store_msg_open(s->env->store,
						     s->view.account_id,
						     s->view.mailbox_id, m->uid,
						     &x->reader);
			fetch_body_section(o, it, m, x->reader);
			break;
		}
	}
	if (x->changedsince_set && !x->items.want_modseq)
		fetch_out_printf(o, "%sMODSEQ (%llu)", first ? "" : " ",
				 (unsigned long long)m->modseq);
	if (mark_seen && !x->items.want_flags) {
		struct buf b = BUF_INIT;

		buf_append_str(&b, first ? "FLAGS " : " FLAGS ");
		imap_append_flags(&b, flags, m->keywords);
		fetch_out_text(o, b.data, b.len);
		buf_free(&b);
	}
	fetch_out_text(o, ")\r\n", 3);
}

static void
fetch_message(struct imap_cmd *cmd, const struct store_msg *m)
{
	fetch_message_of(cmd->s, cmd->ctx, cmd->uid, m);
}

int
imap_fetch_build(struct imap_session *s, const struct fetch_items *items,
		 const uint32_t *uids, size_t n, uint64_t max_bytes,
		 struct buf *out, size_t *left_r)
{
	struct fetch_ctx x = { .items = *items };
	struct store_uid_range r;
	struct store_msg_iter *it = NULL;
	const struct store_msg *m;
	unsigned char *chunk = NULL;
	size_t next = 0;
	int rc;

	*left_r = 0;
	if (n == 0)
		return 0;
	x.items.sets_seen = false;	/* a notification sets no flag */
	r.lo = uids[0];
	r.hi = uids[n - 1];
	rc = store_msg_iter_init(s->env->store, s->account_id,
				 s->view.mailbox_id, &r, 1,
				 x.items.store_fields, &it);
	if (rc != 0)
		return rc;
	while (store_msg_iter_next(it, &m) == 1) {
		while (next < n && uids[next] < m->uid)
			next++;
		if (next >= n)
			break;
		if (uids[next] != m->uid)
			continue;
		fetch_message_of(s, &x, false, m);
		if (max_bytes > 0) {
			uint64_t sz = out->len;

			for (size_t i = 0; i < x.out.n; i++)
				sz += x.out.v[i].text.len + x.out.v[i].len;
			if (sz > max_bytes) {
				fetch_out_clear(&x.out);
				store_reader_close(&x.reader);
				*left_r = n - next;
				break;
			}
		}
		/* what the loop would stream, read here (off the loop) */
		for (size_t i = 0; i < x.out.n; i++) {
			struct fetch_seg *sg = &x.out.v[i];
			uint64_t done = 0;

			buf_append(out, sg->text.data, sg->text.len);
			while (done < sg->len) {
				size_t k = sg->len - done > FETCH_CHUNK ?
					   FETCH_CHUNK : (size_t)(sg->len - done);
				ssize_t got = -1;

				if (chunk == NULL)
					chunk = xmalloc(FETCH_CHUNK);
				if (x.reader != NULL)
					got = store_reader_pread(x.reader, chunk,
							k, sg->off + done);
				if (got <= 0) {
					/* truncated blob, as fetch_flush */
					memset(chunk, ' ', k);
					got = (ssize_t)k;
				}
				if (sg->nonul)
					fetch_nonul(chunk, (size_t)got);
				buf_append(out, chunk, (size_t)got);
				done += (uint64_t)got;
			}
		}
		fetch_out_clear(&x.out);
		store_reader_close(&x.reader);
		next++;
	}
	free(chunk);
	free(x.seen);
	store_msg_iter_free(&it);
	return 0;
}

static void
fetch_seen_done(struct imap_cmd *cmd, int ret)
{
	struct fetch_ctx *x = cmd->ctx;
	size_t i;

	if (ret == 0) {
		for (i = 0; i < x->fres.n; i++) {
			struct imap_msg *m = imap_view_find(&cmd->s->view,
							    x->fres.v[i].uid);

			if (m != NULL) {
				m->flags = x->fres.v[i].flags |
					   (m->flags & IMAP_F_RECENT);
				m->modseq = x->fres.v[i].modseq;
			}
		}
	}
	imap_cmd_reply(cmd, "OK", "Fetch completed");
	imap_cmd_end(cmd);
}

/* on a worker: the next batch into x->wbuf (text only) */
static void
fetch_work(uv_work_t *w)
{
	struct imap_cmd *cmd = w->data;
	struct imap_session *s = cmd->s;
	struct fetch_ctx *x = cmd->ctx;
	size_t last = x->next + FETCH_BATCH < x->n ?
		      x->next + FETCH_BATCH - 1 : x->n - 1;
	struct store_uid_range r = { x->uids[x->next], x->uids[last] };
	struct store_msg_iter *it = NULL;
	const struct store_msg *m;
	size_t i;

	x->w_rc = store_msg_iter_init(s->env->store, s->view.account_id,
				      s->view.mailbox_id, &r, 1,
				      x->items.store_fields, &it);
	if (x->w_rc != 0)
		return;
	x->out.no_stream = true;
	while (x->wbuf.len < 1024 * 1024 && store_msg_iter_next(it, &m) == 1) {
		size_t n_seen = x->n_seen;

		while (x->next < x->n && x->uids[x->next] < m->uid)
			x->next++;
		if (x->next >= x->n || x->uids[x->next] != m->uid)
			continue;
		if (x->changedsince_set && m->modseq <= x->changedsince) {
			x->next++;
			continue;
		}
		fetch_message(cmd, m);
		store_reader_close(&x->reader);
		if (x->out.wants_stream) {
			/* too big to build here: the loop streams it */
			x->n_seen = n_seen;
			fetch_out_clear(&x->out);
			x->loop_msg = true;
			break;
		}
		for (i = 0; i < x->out.n; i++)
			buf_append(&x->wbuf, x->out.v[i].text.data,
				   x->out.v[i].text.len);
		fetch_out_clear(&x->out);
		x->next++;
	}
	x->out.no_stream = false;
	if (!x->loop_msg && x->wbuf.len < 1024 * 1024)
		/* uids the store no longer has (expunged meanwhile) */
		while (x->next < x->n && x->uids[x->next] <= r.hi)
			x->next++;
	store_msg_iter_free(&it);
}

static enum imap_cmd_ret fetch_run(struct imap_cmd *cmd);

static void
fetch_after_work(uv_work_t *w, int status)
{
	struct imap_cmd *cmd = w->data;
	struct imap_session *s = cmd->s;
	struct fetch_ctx *x = cmd->ctx;

	if (!s->conn_gone && s->cmd == cmd) {
		if (status != 0 || x->w_rc != 0) {
			imap_cmd_store_error(cmd, status != 0 ? STORE_EIO :
					     x->w_rc);
			imap_cmd_end(cmd);
		} else {
			imap_write(s, x->wbuf.data, x->wbuf.len);
			buf_reset(&x->wbuf);
			if (fetch_run(cmd) == IMAP_CMD_DONE)
				imap_cmd_end(cmd);
		}
	}
	imap_session_unref(s);
}

static enum imap_cmd_ret
fetch_run(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->s;
	struct fetch_ctx *x = cmd->ctx;
	size_t budget = FETCH_BATCH;

	if (!fetch_flush(cmd))
		return IMAP_CMD_WAIT;
	/* between two whole FETCH responses */
	imap_cmd_progress(cmd, &x->progress_ms, x->next, x->n, "Fetched");
	if (x->next < x->n && !x->loop_msg) {
		if (conn_output_pending(s->conn) > 4 * conn_low_water) {
			s->drain_wait = true;
			return IMAP_CMD_WAIT;
		}
		x->job.work.data = cmd;
		imap_session_ref(s);
		if (imap_session_queue_work(s, &x->job, fetch_work,
					    fetch_after_work) == 0)
			return IMAP_CMD_WAIT;
		imap_session_unref(s);
	}
	/* on the loop: one message to stream (or no thread pool) */
	if (x->loop_msg)
		budget = 1;
	x->loop_msg = false;
	while (x->next < x->n && budget > 0) {
		size_t last = x->next + FETCH_BATCH < x->n ?
			      x->next + FETCH_BATCH - 1 : x->n - 1;
		struct store_uid_range r = { x->uids[x->next], x->uids[last] };
		struct store_msg_iter *it = NULL;
		const struct store_msg *m;
		int rc;

		rc = store_msg_iter_init(s->env->store, s->view.account_id,
					 s->view.mailbox_id, &r, 1,
					 x->items.store_fields, &it);
		if (rc != 0)
			return imap_cmd_store_error(cmd, rc);
		while (budget > 0 && store_msg_iter_next(it, &m) == 1) {
			while (x->next < x->n && x->uids[x->next] < m->uid)
				x->next++;
			if (x->next >= x->n || x->uids[x->next] != m->uid)
				continue;
			x->next++;
			if (x->changedsince_set && m->modseq <= x->changedsince)
				continue;
			budget--;
			fetch_message(cmd, m);
			if (!fetch_flush(cmd)) {
				store_msg_iter_free(&it);
				return IMAP_CMD_WAIT;
			}
		}
		store_msg_iter_free(&it);
		/* uids the store no longer has (expunged meanwhile) */
		if (budget > 0)
			while (x->next < x->n && x->uids[x->next] <= r.hi)
				x->next++;
	}
	if (x->next < x->n) {
		imap_cmd_yield(cmd);
		return IMAP_CMD_WAIT;
	}
	if (x->n_seen > 0) {
		struct imap_seqset set;
		size_t i, n;
		store_cb *cb;

		imap_seqset_from_sorted(&set, x->seen, x->n_seen);
		x->ranges = xcalloc(set.n, sizeof(*x->ranges));
		for (i = 0; i < set.n; i++) {
			x->ranges[i].lo = set.v[i].lo;
			x->ranges[i].hi = set.v[i].hi;
		}
		n = set.n;
		imap_seqset_free(&set);
		cb = imap_cmd_write_prepare(cmd, fetch_seen_done);
		x->n_seen = 0;
		return imap_cmd_write_started(cmd, store_flags(
			s->env->store, s->view.account_id, s->view.mailbox_id,
			x->ranges, n, STORE_FLAGS_ADD, STORE_F_SEEN, NULL,
			STORE_UNCHANGEDSINCE_NONE,
			&x->fres, cb, s));
	}
	return imap_cmd_reply(cmd, "OK", "Fetch completed");
}

/* the PARTIAL FETCH modifier (RFC 9394 3.3): only the messages of the
 * set in the range (1 the lowest uid, -1 the highest); with
 * CHANGEDSINCE, counted among the changed ones the client knows of */
static void
fetch_partial(struct imap_session *s, struct fetch_ctx *x,
	      const struct search_partial *pr)
{
	size_t i, o = 0, from, count;

	if (x->changedsince_set) {
		for (i = 0; i < x->n; i++) {
			const struct imap_msg *m = imap_view_find(&s->view,
								  x->uids[i]);

			if (m != NULL && m->modseq > x->changedsince)
				x->uids[o++] = x->uids[i];
		}
		x->n = o;
	}
	search_partial_window(pr, x->n, &from, &count);
	if (count > 0)
		memmove(x->uids, x->uids + from, count * sizeof(*x->uids));
	x->n = count;
}

enum imap_cmd_ret
cmd_fetch(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->s;
	const struct imap_arg *a = cmd->args, *mod;
	struct store_uid_range *ranges;
	struct fetch_ctx *x;
	const char *err;
	size_t n;

	bool vanished = false, condstore = false;
	bool partial = false;
	struct search_partial pr;

	if (a[0].type != IMAP_ARG_ATOM || a[1].type == IMAP_ARG_EOL)
		return imap_cmd_bad(cmd, "FETCH needs a set and items");
	x = xcalloc(1, sizeof(*x));
	cmd->ctx = x;
	cmd->ctx_free = fetch_ctx_free;
	if (!fetch_items_parse(&a[1], &x->items, &err))
		return imap_cmd_bad(cmd, err);
	mod = &a[1 + x->items.n_args];
	if (mod->type == IMAP_ARG_LIST && mod[1].type == IMAP_ARG_EOL) {
		/* RFC 7162: (CHANGEDSINCE modseq [VANISHED]) */
		const struct imap_arg *m = mod->u.list;

		for (; m->type != IMAP_ARG_EOL; m++) {
			if (imap_arg_atom_eq(m, "CHANGEDSINCE") &&
			    m[1].type == IMAP_ARG_ATOM &&
			    slice_to_u64(slice_from_cstr(m[1].u.str),
					 &x->changedsince)) {
				x->changedsince_set = true;
				condstore = true;
				m++;
			} else if (imap_arg_atom_eq(m, "VANISHED") &&
				   cmd->uid && s->qresync) {
				vanished = true;
			} else if (imap_arg_atom_eq(m, "PARTIAL") &&
				   cmd->uid && !partial) {
				/* RFC 9394 3.3: UID FETCH only, once */
				if (m[1].type != IMAP_ARG_ATOM ||
				    !search_partial_parse(m[1].u.str, &pr))
					return imap_cmd_bad(cmd, "Invalid "
							    "PARTIAL range");
				partial = true;
				m++;
			} else {
				return imap_cmd_bad(cmd, "Invalid FETCH "
						    "modifier");
			}
		}
		if (vanished && !x->changedsince_set)
			return imap_cmd_bad(cmd, "VANISHED needs CHANGEDSINCE");
		if (condstore)
			imap_condstore_enable(s);
	} else if (mod->type != IMAP_ARG_EOL) {
		return imap_cmd_bad(cmd, "Invalid FETCH arguments");
	}
	if (x->items.want_modseq)
		imap_condstore_enable(s);
	if (!imap_view_ranges(s, a[0].u.str, cmd->uid, &ranges, &n, &err))
		return imap_cmd_bad(cmd, err);
	if (vanished)
		imap_view_vanished_earlier(s, x->changedsince, ranges, n);
	x->uids = imap_view_uids(s, ranges, n, &x->n);
	free(ranges);
	if (partial)
		fetch_partial(s, x, &pr);
	x->progress_ms = imap_now_ms();
	cmd->resume = fetch_run;
	return fetch_run(cmd);
}
