/* smtp-cmd.c - verb table and command-line splitting (contract in smtp-cmd.h) */
#include "smtp/smtp-cmd.h"

#include <string.h>

static const struct smtp_verb smtp_verbs[SMTP_CMD_COUNT] = {
	{ SMTP_CMD_HELO, "HELO", SMTP_CF_ARGS | SMTP_CF_LAST | SMTP_CF_JUNK },
	{ SMTP_CMD_EHLO, "EHLO", SMTP_CF_ARGS | SMTP_CF_LAST | SMTP_CF_JUNK },
	{ SMTP_CMD_MAIL, "MAIL", SMTP_CF_ARGS | SMTP_CF_NEED_HELO |
	  SMTP_CF_ERROR_COUNTS },
	{ SMTP_CMD_RCPT, "RCPT", SMTP_CF_ARGS | SMTP_CF_NEED_HELO |
	  SMTP_CF_ERROR_COUNTS },
	{ SMTP_CMD_DATA, "DATA", SMTP_CF_NOARGS | SMTP_CF_NEED_HELO |
	  SMTP_CF_LAST | SMTP_CF_ERROR_COUNTS },
	{ SMTP_CMD_BDAT, "BDAT", SMTP_CF_ARGS | SMTP_CF_NEED_HELO |
	  SMTP_CF_ESMTP },
	{ SMTP_CMD_RSET, "RSET", SMTP_CF_NOARGS | SMTP_CF_JUNK },
	{ SMTP_CMD_NOOP, "NOOP", SMTP_CF_LAST | SMTP_CF_JUNK },
	{ SMTP_CMD_QUIT, "QUIT", SMTP_CF_NOARGS | SMTP_CF_LAST },
	{ SMTP_CMD_HELP, "HELP", SMTP_CF_LAST | SMTP_CF_JUNK },
	{ SMTP_CMD_VRFY, "VRFY", SMTP_CF_ARGS | SMTP_CF_LAST | SMTP_CF_JUNK },
	{ SMTP_CMD_EXPN, "EXPN", SMTP_CF_ARGS | SMTP_CF_LAST |
	  SMTP_CF_ERROR_COUNTS | SMTP_CF_JUNK },
	{ SMTP_CMD_STARTTLS, "STARTTLS", SMTP_CF_NOARGS | SMTP_CF_LAST |
	  SMTP_CF_ESMTP },
	{ SMTP_CMD_AUTH, "AUTH", SMTP_CF_ARGS | SMTP_CF_LAST |
	  SMTP_CF_ESMTP | SMTP_CF_NEED_HELO | SMTP_CF_ERROR_COUNTS },
};

const struct smtp_verb *
smtp_cmd_verb(enum smtp_cmd_id id)
{
	return id < SMTP_CMD_COUNT ? &smtp_verbs[id] : NULL;
}

const struct smtp_verb *
smtp_cmd_lookup(struct slice name)
{
	for (size_t i = 0; i < SMTP_CMD_COUNT; i++)
		if (slice_case_eq_cstr(name, smtp_verbs[i].name))
			return &smtp_verbs[i];
	return NULL;
}

bool
smtp_cmd_parse(struct slice line, struct smtp_cmd *cmd)
{
	size_t i = 0;

	memset(cmd, 0, sizeof(*cmd));
	for (size_t k = 0; k < line.len; k++)
		if ((line.p[k] < 32 && line.p[k] != '\t') || line.p[k] == 127)
			return false;
	while (line.len > 0 && (line.p[line.len - 1] == ' ' ||
				line.p[line.len - 1] == '\t'))
		line.len--;
	while (i < line.len && line.p[i] != ' ')
		i++;
	cmd->name = (struct slice){ line.p, i };
	if (i < line.len)
		i++;
	cmd->args = (struct slice){ line.p + i, line.len - i };
	cmd->verb = smtp_cmd_lookup(cmd->name);
	return true;
}

bool
smtp_cmd_strip_prefix(struct slice args, const char *prefix,
		      struct slice *rest_r)
{
	size_t n = strlen(prefix);

	if (args.len < n || !slice_case_prefix(args, prefix))
		return false;
	args.p += n;
	args.len -= n;
	while (args.len > 0 && args.p[0] == ' ') {
		args.p++;
		args.len--;
	}
	*rest_r = args;
	return true;
}
