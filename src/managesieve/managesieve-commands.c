/* managesieve-commands.c - the command table (RFC 5804 2): which
 * commands exist, in which state, with which arguments; LOGOUT and
 * NOOP; bad commands counted toward managesieve.max_errors */
#include "managesieve/managesieve-private.h"

#include <string.h>

#include "lib/log.h"
#include "lib/metrics.h"

enum ms_when { MS_ANY, MS_PRE, MS_POST };

struct ms_cmd_def {
	const char *name;
	enum ms_when when;
	size_t min, max;	/* arguments */
	void (*run)(struct ms_session *s);
};

static void
ms_cmd_logout(struct ms_session *s)
{
	ms_reply(s, "OK", NULL, "Logout completed");
	ms_close(s, "logout");
}

/* RFC 5804 2.11: an optional tag comes back in the TAG code */
static void
ms_cmd_noop(struct ms_session *s)
{
	const char *tag = ms_arg_cstr(&s->parser.cmd, 0);

	if (s->parser.cmd.nargs == 0) {
		ms_reply(s, "OK", NULL, "Done");
		return;
	}
	if (tag == NULL) {
		ms_commands_bad(s, "NOOP takes a string");
		return;
	}
	/* the code holds the tag as a string */
	ms_write(s, "OK (TAG ");
	ms_write_string(s, tag, strlen(tag));
	ms_write(s, ") \"Done\"\r\n");
}

static const struct ms_cmd_def ms_cmds[] = {
	{ "AUTHENTICATE", MS_PRE, 1, 2, ms_cmd_authenticate },
	{ "STARTTLS", MS_PRE, 0, 0, ms_cmd_starttls },
	{ "CAPABILITY", MS_ANY, 0, 0, ms_cmd_capability },
	{ "LOGOUT", MS_ANY, 0, 0, ms_cmd_logout },
	{ "NOOP", MS_ANY, 0, 1, ms_cmd_noop },
	{ "UNAUTHENTICATE", MS_POST, 0, 0, ms_cmd_unauthenticate },
	{ "HAVESPACE", MS_POST, 2, 2, ms_cmd_havespace },
	{ "PUTSCRIPT", MS_POST, 2, 2, ms_cmd_putscript },
	{ "CHECKSCRIPT", MS_POST, 1, 1, ms_cmd_checkscript },
	{ "LISTSCRIPTS", MS_POST, 0, 0, ms_cmd_listscripts },
	{ "SETACTIVE", MS_POST, 1, 1, ms_cmd_setactive },
	{ "GETSCRIPT", MS_POST, 1, 1, ms_cmd_getscript },
	{ "DELETESCRIPT", MS_POST, 1, 1, ms_cmd_deletescript },
	{ "RENAMESCRIPT", MS_POST, 2, 2, ms_cmd_renamescript },
};

void
ms_commands_bad(struct ms_session *s, const char *text)
{
	uint64_t max = s->env->conf->managesieve.max_errors;

	s->bad_commands++;
	if (max > 0 && s->bad_commands >= max) {
		log_info(s->id, "managesieve too many bad commands");
		ms_reply(s, "BYE", NULL, "Too many bad commands");
		ms_close(s, "errors");
		return;
	}
	ms_reply(s, "NO", NULL, text);
}

void
ms_commands_run(struct ms_session *s)
{
	struct ms_command *c = &s->parser.cmd;
	const struct ms_cmd_def *d = NULL;

	if (!s->conn_gone)
		conn_metrics(s->conn)->commands++;
	if (s->parser.error != NULL) {
		ms_commands_bad(s, s->parser.error);
		return;
	}
	for (size_t i = 0; i < sizeof(ms_cmds) / sizeof(ms_cmds[0]); i++)
		if (strcmp(ms_cmds[i].name, c->name) == 0)
			d = &ms_cmds[i];
	if (d == NULL) {
		ms_commands_bad(s, "Unknown command");
		return;
	}
	if (d->when == MS_PRE && s->state == MS_AUTH) {
		ms_commands_bad(s, "Already authenticated");
		return;
	}
	if (d->when == MS_POST && s->state != MS_AUTH) {
		ms_commands_bad(s, "Authenticate first");
		return;
	}
	if (c->nargs < d->min || c->nargs > d->max) {
		ms_commands_bad(s, "Wrong number of arguments");
		return;
	}
	d->run(s);
}
