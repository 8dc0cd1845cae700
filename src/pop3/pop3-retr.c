/* pop3-retr.c - RETR and TOP: the message streams from the store in
 * chunks read on a worker thread, through the CRLF/dot-stuffing writer,
 * paced by the connection's on_drain, so a 50 MB message never sits
 * whole in memory (at most one chunk and conn_low_water of output). */
#include "pop3/pop3-private.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "store/store.h"

#define POP3_RETR_CHUNK (64 * 1024)

static void pop3_retr_queue(struct pop3_session *s);
static bool pop3_retr_step(struct pop3_session *s);

/* pop3_retr_cleanup - close the reader, free the buffer */
void
pop3_retr_cleanup(struct pop3_session *s)
{
	struct pop3_retr *r = &s->retr;

	if (r->in_flight)
		return;		/* the worker's completion cleans up */
	if (r->reader != NULL)
		store_reader_close(&r->reader);
	free(r->chunk);
	r->chunk = NULL;
}

/* pop3_retr_end - the message is out (or failed): read commands again */
static void
pop3_retr_end(struct pop3_session *s)
{
	struct pop3_retr *r = &s->retr;

	if (r->reader != NULL)
		store_reader_close(&r->reader);
	free(r->chunk);
	r->chunk = NULL;
	pop3_session_done_waiting(s);
}

static void
pop3_retr_work(uv_work_t *w)
{
	struct pop3_session *s = w->data;
	struct pop3_retr *r = &s->retr;

	if (r->reader == NULL) {
		r->open_err = store_msg_open(s->env->store, s->account_id,
					     s->md.mailbox_id, r->uid,
					     &r->reader);
		if (r->open_err == STORE_ENOTFOUND &&
		    pop3_load_msg_exists(s->env->store, s->account_id,
					 s->md.mailbox_id, r->uid))
			r->open_err = STORE_EIO; /* its body is missing */
		if (r->open_err != 0)
			return;
	}
	r->nread = store_reader_pread(r->reader, r->chunk, POP3_RETR_CHUNK,
				      r->off);
}

/* pop3_retr_first - the status line, once the message opened */
static bool
pop3_retr_first(struct pop3_session *s)
{
	struct pop3_retr *r = &s->retr;

	if (r->open_err != 0) {
		if (r->open_err == STORE_ENOTFOUND) {
			pop3_session_reply(s, "-ERR Message was removed by "
					   "another "
				   "session");
		} else {
			log_error(s->id, "pop3 retr "
				  "uid=%" PRIu32 " error=\"%s\"",
				  r->uid, store_strerror(r->open_err));
			pop3_session_reply(s, "-ERR [SYS/TEMP] Cannot read the "
					   "message");
		}
		return false;
	}
	if (r->nread < 0) {
		log_error(s->id, "pop3 retr uid=%" PRIu32 " read failed",
			  r->uid);
		pop3_session_reply(s, "-ERR [SYS/TEMP] Cannot read the "
				   "message");
		return false;
	}
	if (r->top)
		pop3_session_reply(s, "+OK Top of message follows");
	else
		pop3_session_reply(s, "+OK %" PRIu64 " octets", r->size);
	r->started = true;
	return true;
}

static void
pop3_retr_after_work(uv_work_t *w, int status)
{
	struct pop3_session *s = w->data;
	struct pop3_retr *r = &s->retr;
	bool more = true;

	r->in_flight = false;
	if (s->conn_gone) {
		pop3_retr_cleanup(s);
		pop3_session_unref(s);
		return;
	}
	more = pop3_retr_step(s);
	pop3_session_flush(s);
	if (more && conn_output_pending(s->conn) < conn_low_water)
		pop3_retr_queue(s);	/* else on_drain asks for more */
	pop3_session_unref(s);
}

/* pop3_retr_step - a chunk arrived: send it; false when the message is
 * done (or failed) */
static bool
pop3_retr_step(struct pop3_session *s)
{
	struct pop3_retr *r = &s->retr;
	struct buf out = BUF_INIT;
	bool more = true;

	if (!r->started && !pop3_retr_first(s)) {
		pop3_retr_end(s);
		return false;
	}
	if (r->nread < 0) {
		/* inside a multi-line reply: nothing can be said but goodbye */
		log_error(s->id, "pop3 retr uid=%" PRIu32 " read failed at "
			  "offset=%" PRIu64, r->uid, r->off);
		pop3_session_close(s, "error");
		pop3_retr_end(s);
		return false;
	}
	if (r->nread > 0) {
		r->off += (uint64_t)r->nread;
		more = pop3_dot_feed(&r->dot, r->chunk, (size_t)r->nread, &out);
	}
	if (r->nread == 0 || !more) {
		pop3_dot_finish(&r->dot, &out);
		if (!r->top && pop3_dot_octets(&r->dot) != r->size)
			log_error(s->id, "pop3 retr "
				  "uid=%" PRIu32 " size changed "
				  "announced=%" PRIu64 " sent=%" PRIu64, r->uid,
				  r->size, pop3_dot_octets(&r->dot));
		s->bytes_sent += out.len;
		conn_write(s->conn, out.data, out.len);
		buf_free(&out);
		pop3_retr_end(s);
		return false;
	}
	s->bytes_sent += out.len;
	conn_write(s->conn, out.data, out.len);
	buf_free(&out);
	return true;
}

static void
pop3_retr_queue(struct pop3_session *s)
{
	struct pop3_retr *r = &s->retr;

	r->in_flight = true;
	r->job.work.data = s;
	pop3_session_ref(s);
	if (pop3_session_queue_work(s, &r->job, pop3_retr_work,
				    pop3_retr_after_work) != 0) {
		r->in_flight = false;
		r->open_err = STORE_EIO;
		pop3_session_unref(s);
		pop3_session_close(s, "error");
	}
}

/* pop3_retr_drain - output fell low: read the next chunk */
void
pop3_retr_drain(struct pop3_session *s)
{
	struct pop3_retr *r = &s->retr;

	/* a client reading a big message is not idle */
	conn_set_timeout(s->conn, s->env->conf->pop3.timeout_ms);
	if (r->started && !r->in_flight && r->chunk != NULL)
		pop3_retr_queue(s);
}

/* pop3_retr_start - RETR msgno (top_lines NULL) or TOP msgno n */
void
pop3_retr_start(struct pop3_session *s, uint32_t msgno,
		const uint64_t *top_lines)
{
	const struct pop3_msg *m = pop3_maildrop_get(&s->md, msgno);
	struct pop3_retr *r = &s->retr;

	r->uid = m->uid;
	r->size = m->size;
	r->top = top_lines != NULL;
	r->off = 0;
	r->nread = 0;
	r->open_err = 0;
	r->started = false;
	pop3_dot_init(&r->dot, top_lines);
	if (r->chunk == NULL)
		r->chunk = xmalloc(POP3_RETR_CHUNK);
	if (r->top)
		s->n_top++;
	else
		s->n_retr++;
	s->wait = POP3_WAIT_RETR;
	pop3_retr_queue(s);
}
