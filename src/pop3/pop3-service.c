/* pop3-service.c - the "pop3" and "pop3s" services, and the lock that
 * allows one POP3 session per account at a time (RFC 2449 [IN-USE]).
 *
 * The lock table lives on the loop thread of this process. It is taken
 * after a successful login and released when the session is freed, i.e.
 * after its UPDATE commit, so the next session's snapshot never sees
 * messages a previous QUIT is still removing. */
#include "pop3/pop3.h"
#include "pop3/pop3-private.h"

#include <stdlib.h>

#include "lib/log.h"
#include "pop3/pop3-sizes.h"

#define POP3_LOCK_BUCKETS 1024

struct pop3_lock {
	int64_t account_id;
	struct pop3_lock *next;
};

static struct pop3_lock *pop3_locks[POP3_LOCK_BUCKETS];

static struct pop3_lock **
pop3_service_bucket(int64_t account_id)
{
	uint64_t h = (uint64_t)account_id * 0x9e3779b97f4a7c15ULL;

	return &pop3_locks[h >> 54];
}

/* pop3_service_lock - take the account's lock; false if it is held */
bool
pop3_service_lock(int64_t account_id)
{
	struct pop3_lock **b = pop3_service_bucket(account_id), *l;

	for (l = *b; l != NULL; l = l->next) {
		if (l->account_id == account_id)
			return false;
	}
	l = xmalloc(sizeof(*l));
	l->account_id = account_id;
	l->next = *b;
	*b = l;
	return true;
}

void
pop3_service_unlock(int64_t account_id)
{
	struct pop3_lock **p = pop3_service_bucket(account_id), *l;

	for (; (l = *p) != NULL; p = &l->next) {
		if (l->account_id == account_id) {
			*p = l->next;
			free(l);
			return;
		}
	}
}

/* pop3_service_init - once for both services: check the config */
static int
pop3_service_init(struct service_env *env)
{
	if (env->conf->pop3.timeout_ms < 10 * 60 * 1000)
		log_warn(0, "pop3.timeout is %llu ms: RFC 1939 wants at least "
			 "10 minutes",
			 (unsigned long long)env->conf->pop3.timeout_ms);
	return 0;
}

static void
pop3_service_deinit(struct service_env *env)
{
	pop3_sizes_clear();
}

const struct service pop3_service = {
	.proto = "pop3",
	.default_tls = TLS_MODE_STARTTLS,
	.init = pop3_service_init,
	.deinit = pop3_service_deinit,
	.accept = pop3_session_accept,
	.ops = &pop3_session_ops,
	.busy_reply = "-ERR [SYS/TEMP] Too many connections\r\n",
};

const struct service pop3s_service = {
	.proto = "pop3s",
	.default_tls = TLS_MODE_IMPLICIT,
	.accept = pop3_session_accept,
	.ops = &pop3_session_ops,
	.busy_reply = NULL,
};
