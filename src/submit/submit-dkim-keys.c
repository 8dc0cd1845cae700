/* submit-dkim-keys.c - DKIM keys in memory, rescanned off the loop */
#include "submit/submit-dkim-keys.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "lib/buf.h"
#include "lib/idn.h"
#include "lib/log.h"
#include "mailauth/dkim.h"

struct submit_dkim_keys {
	uv_loop_t *loop;
	/* the loop applies scans; JMAP's pool threads read keys too */
	uv_mutex_t lock;
	struct dkim_cache *cache;
	uv_timer_t timer;
	uv_work_t work;
	struct dkim_cache_scan *scan;	/* in flight, or NULL */
	bool again_forced;		/* a SIGHUP during a scan */
	bool stopping;
	bool timer_closed;
};

static void scan_start(struct submit_dkim_keys *k, bool force);

static void
maybe_free(struct submit_dkim_keys *k)
{
	if (k->stopping && k->timer_closed && k->scan == NULL) {
		dkim_cache_free(k->cache);
		uv_mutex_destroy(&k->lock);
		free(k);
	}
}

static void
on_work(uv_work_t *w)
{
	struct submit_dkim_keys *k = w->data;

	dkim_cache_scan_run(k->scan);
}

static void
after_work(uv_work_t *w, int status)
{
	struct submit_dkim_keys *k = w->data;
	struct dkim_cache_scan *sc = k->scan;
	size_t n;

	k->scan = NULL;
	if (k->stopping || status != 0) {
		dkim_cache_scan_free(sc);
		maybe_free(k);
		return;
	}
	uv_mutex_lock(&k->lock);
	n = dkim_cache_scan_apply(k->cache, sc);
	uv_mutex_unlock(&k->lock);
	if (n > 0)
		log_info(0, "dkim keys reloaded domains=%zu changed=%zu",
			 dkim_cache_domains(k->cache), n);
	if (k->again_forced) {
		k->again_forced = false;
		scan_start(k, true);
	}
}

static void
scan_start(struct submit_dkim_keys *k, bool force)
{
	if (k->scan != NULL) {
		if (force)
			k->again_forced = true;
		return;
	}
	k->scan = dkim_cache_scan_prepare(k->cache, force);
	k->work.data = k;
	if (uv_queue_work(k->loop, &k->work, on_work, after_work) != 0) {
		dkim_cache_scan_free(k->scan);
		k->scan = NULL;
	}
}

static void
on_timer(uv_timer_t *t)
{
	scan_start(t->data, false);
}

struct submit_dkim_keys *
submit_dkim_keys_start(uv_loop_t *loop, const char *data_dir, uint64_t poll_ms)
{
	struct submit_dkim_keys *k = xcalloc(1, sizeof(*k));

	k->loop = loop;
	uv_mutex_init(&k->lock);	/* fails only without memory */
	k->cache = dkim_cache_new(data_dir);
	/* at start, before any session: read them here */
	dkim_cache_load(k->cache, true);
	log_info(0, "dkim keys loaded domains=%zu", dkim_cache_domains(k->cache));
	uv_timer_init(loop, &k->timer);
	k->timer.data = k;
	/* the poll must not keep a stopping loop alive */
	uv_unref((uv_handle_t *)&k->timer);
	if (poll_ms > 0)
		uv_timer_start(&k->timer, on_timer, poll_ms, poll_ms);
	return k;
}

void
submit_dkim_keys_reload(struct submit_dkim_keys *k, uint64_t poll_ms)
{
	if (k == NULL)
		return;
	uv_timer_stop(&k->timer);
	if (poll_ms > 0)
		uv_timer_start(&k->timer, on_timer, poll_ms, poll_ms);
	scan_start(k, true);
}

struct dkim_keyset *
submit_dkim_keys_get(struct submit_dkim_keys *k, const char *domain)
{
	/* key folders are named by the A-label form, in lowercase */
	char *ascii = k != NULL ? idn_to_ascii(domain) : NULL;
	struct dkim_keyset *ks = NULL;

	if (ascii != NULL) {
		uv_mutex_lock(&k->lock);
		ks = dkim_cache_get(k->cache, ascii);
		uv_mutex_unlock(&k->lock);
	}
	free(ascii);
	return ks;
}

static void
on_timer_closed(uv_handle_t *h)
{
	struct submit_dkim_keys *k = h->data;

	k->timer_closed = true;
	maybe_free(k);
}

void
submit_dkim_keys_stop(struct submit_dkim_keys **kp)
{
	struct submit_dkim_keys *k = *kp;

	if (k == NULL)
		return;
	*kp = NULL;
	k->stopping = true;
	uv_close((uv_handle_t *)&k->timer, on_timer_closed);
}
