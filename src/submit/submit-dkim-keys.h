/* submit-dkim-keys.h - the server's DKIM signing keys, held in memory
 * (mailauth's dkim_cache) so that signing a submitted message reads no
 * file on the event loop. Loaded at start; rescanned on libuv's thread
 * pool every auth_checks.dkim_key_poll (a stat of each domain's key
 * folder; only changed domains are read again: `tern dkim rotate`,
 * `tern domain add`) and on SIGHUP (every domain read again). */
#ifndef TERN_SUBMIT_DKIM_KEYS_H
#define TERN_SUBMIT_DKIM_KEYS_H

#include <stdint.h>
#include <uv.h>

struct dkim_keyset;
struct submit_dkim_keys;

struct submit_dkim_keys *submit_dkim_keys_start(uv_loop_t *loop,
					    const char *data_dir,
					    uint64_t poll_ms);
/* SIGHUP: read every domain's keys again (off the loop) */
void submit_dkim_keys_reload(struct submit_dkim_keys *k, uint64_t poll_ms);
/* a reference to domain's keys (dkim_keys_free it), NULL: none */
struct dkim_keyset *submit_dkim_keys_get(struct submit_dkim_keys *k,
				       const char *domain);
void submit_dkim_keys_stop(struct submit_dkim_keys **k);

#endif
