/* queue-admin.c - the queue as an administrator sees it (tern queue) */
#include "relay/queue-admin.h"
#include "lib/buf.h"
#include "store/store.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *
queue_admin_state(enum store_qstate s)
{
	return s == STORE_Q_PENDING ? "pending" :
	       s == STORE_Q_DELIVERED ? "delivered" : "failed";
}

static void
queue_admin_time(int64_t t, char *out, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void
queue_admin_print_msg(const struct store_qmsg *m, FILE *out)
{
	struct buf b = BUF_INIT;
	char t[32];

	queue_admin_time(m->created, t, sizeof(t));
	buf_append_escaped(&b, m->sender, strlen(m->sender), 300);
	fprintf(out, "queue_id=%" PRId64 " arrival=%s size=%" PRIu64
		" from=<%s> rcpts=%zu\n", m->id, t, m->size, buf_cstr(&b),
		m->n);
	for (size_t i = 0; i < m->n; i++) {
		const struct store_qrcpt *r = &m->rcpts[i];

		buf_reset(&b);
		buf_append_escaped(&b, r->address, strlen(r->address), 300);
		queue_admin_time(r->next_attempt, t, sizeof(t));
		fprintf(out, "  to=<%s> state=%s attempts=%u next=%s",
			buf_cstr(&b), queue_admin_state(r->state), r->attempts,
			t);
		if (r->last_error) {
			buf_reset(&b);
			buf_append_escaped(&b, r->last_error,
					   strlen(r->last_error), 300);
			fprintf(out, " error=\"%s\"", buf_cstr(&b));
		}
		fputc('\n', out);
	}
	buf_free(&b);
}

int
queue_admin_list(struct store *store, FILE *out)
{
	struct store_qlist l = { 0, NULL };
	int ret = store_queue_list(store, &l);

	if (ret != 0)
		return ret;
	if (l.n == 0)
		fprintf(out, "queue is empty\n");
	for (size_t i = 0; i < l.n; i++)
		queue_admin_print_msg(&l.v[i], out);
	store_qlist_free(&l);
	return 0;
}

int
queue_admin_show(struct store *store, int64_t id, FILE *out)
{
	struct store_qmsg m;
	struct store_reader *r = NULL;
	int ret;

	memset(&m, 0, sizeof(m));
	ret = store_queue_get(store, id, &m);
	if (ret != 0)
		return ret;
	queue_admin_print_msg(&m, out);
	if (m.envid)
		fprintf(out, "envid=%s\n", m.envid);
	fprintf(out, "ret=%s\n", m.ret == STORE_RET_FULL ? "full" :
		m.ret == STORE_RET_HDRS ? "hdrs" : "default");
	if (store_queue_open(store, id, &r) == 0) {
		char buf[8192];
		uint64_t off = 0;
		ssize_t n;
		bool end = false;

		fprintf(out, "\n");
		/* the header, up to its blank line (64 KiB at most) */
		while (!end && off < 65536 &&
		       (n = store_reader_pread(r, buf, sizeof(buf), off)) > 0) {
			struct buf b = BUF_INIT;
			size_t len = (size_t)n;
			const char *e = memmem(buf, len, "\r\n\r\n", 4);

			if (e) {
				len = (size_t)(e - buf) + 2;
				end = true;
			}
			/* escape control bytes but keep the line breaks */
			for (size_t i = 0; i < len; i++) {
				unsigned char c = (unsigned char)buf[i];

				if (c == '\n' || c == '\t' || (c >= 32 && c < 127))
					buf_append_byte(&b, c);
				else if (c != '\r')
					buf_printf(&b, "\\x%02x", c);
			}
			fwrite(b.data, 1, b.len, out);
			buf_free(&b);
			off += (uint64_t)n;
		}
		store_reader_close(&r);
	}
	store_qmsg_clear(&m);
	return 0;
}

static int
queue_admin_retry_msg(struct store *store, const struct store_qmsg *m,
		      int64_t now)
{
	struct store_qupdate *u = xcalloc(m->n ? m->n : 1, sizeof(*u));
	size_t n = 0;
	int ret = 0;

	for (size_t i = 0; i < m->n; i++) {
		if (m->rcpts[i].state != STORE_Q_PENDING)
			continue;
		u[n].rcpt_id = m->rcpts[i].id;
		u[n].state = STORE_Q_PENDING;
		u[n].next_attempt = now;
		u[n].error = m->rcpts[i].last_error;
		n++;
	}
	if (n > 0)
		ret = store_queue_update(store, u, n, NULL, NULL);
	free(u);
	return ret;
}

int
queue_admin_retry(struct store *store, int64_t id)
{
	int64_t now = (int64_t)time(NULL);
	int ret;

	if (id != 0) {
		struct store_qmsg m;

		memset(&m, 0, sizeof(m));
		ret = store_queue_get(store, id, &m);
		if (ret == 0)
			ret = queue_admin_retry_msg(store, &m, now);
		store_qmsg_clear(&m);
		return ret;
	}
	{
		struct store_qlist l = { 0, NULL };

		ret = store_queue_list(store, &l);
		for (size_t i = 0; ret == 0 && i < l.n; i++)
			ret = queue_admin_retry_msg(store, &l.v[i], now);
		store_qlist_free(&l);
	}
	return ret;
}

int
queue_admin_delete(struct store *store, int64_t id)
{
	return store_queue_remove(store, id, NULL, NULL);
}

static int
queue_admin_id(const char *s, int64_t *id)
{
	uint64_t v;

	if (s == NULL || !slice_to_u64(slice_from_cstr(s), &v) || v == 0 ||
	    v > INT64_MAX)
		return -1;
	*id = (int64_t)v;
	return 0;
}

int
queue_admin_main(struct store *store, int argc, char **argv, FILE *out,
		 FILE *err)
{
	const char *act = argc > 0 ? argv[0] : "";
	int64_t id = 0;
	int ret;

	if (strcmp(act, "list") == 0 && argc == 1) {
		ret = queue_admin_list(store, out);
	} else if (strcmp(act, "flush") == 0 && argc == 1) {
		ret = queue_admin_retry(store, 0);
		if (ret == 0)
			fprintf(out, "every queued message is due now\n");
	} else if ((strcmp(act, "show") == 0 || strcmp(act, "retry") == 0 ||
		    strcmp(act, "delete") == 0) && argc == 2) {
		if (queue_admin_id(argv[1], &id) < 0) {
			fprintf(err, "tern queue %s: bad queue id \"%s\"\n",
				act, argv[1]);
			return 2;
		}
		if (act[0] == 's')
			ret = queue_admin_show(store, id, out);
		else if (act[0] == 'r')
			ret = queue_admin_retry(store, id);
		else
			ret = queue_admin_delete(store, id);
		if (ret == 0 && act[0] != 's')
			fprintf(out, "queue_id=%" PRId64 " %s\n", id,
				act[0] == 'r' ? "due now" : "deleted");
	} else {
		fprintf(err, "usage: tern queue list\n"
			"       tern queue show|retry|delete QUEUE_ID\n"
			"       tern queue flush\n");
		return 2;
	}
	if (ret != 0) {
		fprintf(err, "tern queue %s: %s\n", act, store_strerror(ret));
		return 1;
	}
	return 0;
}

int
queue_admin_cli(struct store *store, int argc, char **argv)
{
	return queue_admin_main(store, argc, argv, stdout, stderr);
}
