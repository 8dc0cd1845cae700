/* managesieve.h - the ManageSieve service (RFC 5804): "sieve" (port
 * 4190, STARTTLS). Users keep their Sieve scripts in the store through
 * it; delivery runs the active one. */
#ifndef TERN_MANAGESIEVE_H
#define TERN_MANAGESIEVE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/service.h"

struct store;

extern const struct service managesieve_service;

/* Compile a script as PUTSCRIPT and `tern sieve put` do before storing
 * it: includes (RFC 6609) read the account's other scripts
 * (:personal) and sieve.global_dir (:global), as delivery does
 * (deliver_sieve_include). 0, or -1 with the
 * "line:col: message" lines in *errors_r (malloc'd); 0 with *errors_r
 * set: compiled, with warnings (RFC 5804 WARNINGS). */
int managesieve_compile(const struct tern_conf *conf, struct store *store,
			int64_t account_id, const char *name,
			const char *text, size_t len, char **errors_r);

#endif
