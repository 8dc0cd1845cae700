/* managesieve-scripts.c - the script commands of RFC 5804 2.3-2.12 on
 * the store's Sieve scripts (store.h "Sieve scripts"): scripts are
 * compiled before they are stored, writes answer when committed */
#include "managesieve/managesieve-private.h"

#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "store/store.h"

/* a store error as a ManageSieve NO (RFC 5804 1.3 response codes) */
static void
ms_store_no(struct ms_session *s, int err)
{
	switch (err) {
	case STORE_ENOTFOUND:
		ms_reply(s, "NO", "NONEXISTENT", "No such script");
		break;
	case STORE_EEXIST:
		ms_reply(s, "NO", "ALREADYEXISTS", "A script of that name "
			 "exists");
		break;
	case STORE_EBUSY:
		ms_reply(s, "NO", "ACTIVE", "The script is active");
		break;
	case STORE_ELIMIT:
		ms_reply(s, "NO", "QUOTA/MAXSCRIPTS", "Too many scripts");
		break;
	case STORE_ETOOBIG:
		ms_reply(s, "NO", "QUOTA/MAXSIZE", "Script too big");
		break;
	case STORE_EQUOTA:
		ms_reply(s, "NO", "QUOTA", "Over the scripts quota");
		break;
	case STORE_EBADNAME:
		ms_reply(s, "NO", NULL, "Bad script name");
		break;
	default:
		log_error(s->id, "managesieve store error=\"%s\"",
			  store_strerror(err));
		ms_reply(s, "NO", "TRYLATER", "Temporary server error, try "
			 "again later");
		break;
	}
}

/* argument i as a script name; NULL after a reply */
static const char *
ms_name_arg(struct ms_session *s, size_t i, bool empty_ok)
{
	const char *name = ms_arg_cstr(&s->parser.cmd, i);

	if (name != NULL && name[0] == '\0' && empty_ok)
		return name;
	if (name == NULL || !store_sieve_name_valid(name)) {
		ms_reply(s, "NO", NULL, "Bad script name");
		return NULL;
	}
	return name;
}

/* the script argument, or NULL after a reply (too big: dropped) */
static struct ms_arg *
ms_script_arg(struct ms_session *s, size_t i)
{
	struct ms_arg *a = &s->parser.cmd.args[i];

	if (a->kind != MS_ARG_STRING) {
		ms_commands_bad(s, "Expected a script string");
		return NULL;
	}
	if (a->skipped ||
	    a->str.len > s->env->conf->sieve.max_script_size) {
		ms_reply(s, "NO", "QUOTA/MAXSIZE", "Script too big");
		return NULL;
	}
	return a;
}

/* compile; false after the NO with the errors */
static bool
ms_compile(struct ms_session *s, const char *name, struct ms_arg *a,
	   char **warnings_r)
{
	char *errors = NULL;

	*warnings_r = NULL;
	if (managesieve_compile(s->env->conf, s->env->store, s->account_id,
				name, (const char *)buf_cstr(&a->str),
				a->str.len, &errors) < 0) {
		ms_reply(s, "NO", NULL, errors);
		free(errors);
		return false;
	}
	*warnings_r = errors;
	return true;
}

/* a write committed (or not): reply and read on */
static void
ms_write_done(void *arg, int ret)
{
	struct ms_session *s = arg;

	if (ret < 0)
		ms_store_no(s, ret);
	else if (s->op_warnings != NULL)
		ms_reply(s, "OK", "WARNINGS", s->op_warnings);
	else
		ms_reply(s, "OK", NULL, "Done");
	free(s->op_warnings);
	s->op_warnings = NULL;
	ms_session_done_waiting(s);
	ms_session_unref(s);
}

/* a write queued (ret from the store call): wait for it */
static void
ms_write_wait(struct ms_session *s, int ret)
{
	if (ret < 0) {
		free(s->op_warnings);
		s->op_warnings = NULL;
		ms_store_no(s, ret);
		return;
	}
	s->wait = MS_WAIT_STORE;
	ms_session_ref(s);
}

static void
ms_log_op(struct ms_session *s, const char *what, const char *name)
{
	struct buf n = BUF_INIT;

	buf_append_escaped(&n, name, strlen(name), 100);
	log_info(s->id, "managesieve %s name=\"%s\"", what, buf_cstr(&n));
	buf_free(&n);
}

/* RFC 5804 2.3 */
void
ms_cmd_havespace(struct ms_session *s)
{
	struct ms_arg *size = &s->parser.cmd.args[1];
	const char *name = ms_name_arg(s, 0, false);
	int ret;

	if (name == NULL)
		return;
	if (size->kind != MS_ARG_NUMBER) {
		ms_commands_bad(s, "HAVESPACE takes a name and a number");
		return;
	}
	ret = store_sieve_havespace(s->env->store, s->account_id, name,
				    size->num);
	if (ret < 0)
		ms_store_no(s, ret);
	else
		ms_reply(s, "OK", NULL, "Putscript would succeed");
}

/* RFC 5804 2.6 */
void
ms_cmd_putscript(struct ms_session *s)
{
	const char *name = ms_name_arg(s, 0, false);
	struct ms_arg *a;
	int ret;

	if (name == NULL || (a = ms_script_arg(s, 1)) == NULL)
		return;
	if (!ms_compile(s, name, a, &s->op_warnings))
		return;
	s->n_put++;
	ms_log_op(s, "putscript", name);
	ret = store_sieve_put(s->env->store, s->account_id, name,
			      (const char *)a->str.data, a->str.len,
			      ms_write_done, s);
	ms_write_wait(s, ret);
}

/* RFC 5804 2.12 */
void
ms_cmd_checkscript(struct ms_session *s)
{
	struct ms_arg *a = ms_script_arg(s, 0);
	char *warnings = NULL;

	if (a == NULL || !ms_compile(s, "", a, &warnings))
		return;
	if (warnings != NULL)
		ms_reply(s, "OK", "WARNINGS", warnings);
	else
		ms_reply(s, "OK", NULL, "Script is valid");
	free(warnings);
}

/* RFC 5804 2.7 */
void
ms_cmd_listscripts(struct ms_session *s)
{
	struct store_sieve_list l;
	int ret = store_sieve_list(s->env->store, s->account_id, &l);

	if (ret < 0) {
		ms_store_no(s, ret);
		return;
	}
	for (size_t i = 0; i < l.n; i++) {
		ms_write_string(s, l.v[i].name, strlen(l.v[i].name));
		ms_write(s, l.v[i].active ? " ACTIVE\r\n" : "\r\n");
	}
	store_sieve_list_free(&l);
	ms_reply(s, "OK", NULL, "Listscripts completed");
}

/* RFC 5804 2.8: "" leaves none active */
void
ms_cmd_setactive(struct ms_session *s)
{
	const char *name = ms_name_arg(s, 0, true);

	if (name == NULL)
		return;
	ms_log_op(s, "setactive", name);
	ms_write_wait(s, store_sieve_setactive(s->env->store, s->account_id,
					       name, ms_write_done, s));
}

/* RFC 5804 2.9: the script as a literal, then OK */
void
ms_cmd_getscript(struct ms_session *s)
{
	const char *name = ms_name_arg(s, 0, false);
	char *text = NULL;
	size_t len = 0;
	int ret;

	if (name == NULL)
		return;
	ret = store_sieve_get(s->env->store, s->account_id, name, &text, &len);
	if (ret < 0) {
		ms_store_no(s, ret);
		return;
	}
	s->n_get++;
	if (!s->conn_gone)
		conn_printf(s->conn, "{%zu}\r\n", len);
	if (!s->conn_gone)
		conn_write(s->conn, text, len);
	ms_write(s, "\r\n");
	free(text);
	ms_reply(s, "OK", NULL, "Getscript completed");
}

/* RFC 5804 2.10 */
void
ms_cmd_deletescript(struct ms_session *s)
{
	const char *name = ms_name_arg(s, 0, false);

	if (name == NULL)
		return;
	s->n_delete++;
	ms_log_op(s, "deletescript", name);
	ms_write_wait(s, store_sieve_delete(s->env->store, s->account_id,
					    name, ms_write_done, s));
}

/* RFC 5804 2.11.1 */
void
ms_cmd_renamescript(struct ms_session *s)
{
	const char *from = ms_name_arg(s, 0, false), *to;

	if (from == NULL || (to = ms_name_arg(s, 1, false)) == NULL)
		return;
	ms_log_op(s, "renamescript", from);
	ms_write_wait(s, store_sieve_rename(s->env->store, s->account_id,
					    from, to, ms_write_done, s));
}
