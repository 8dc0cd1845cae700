/* sieve-cmds.c - the commands, tests and capabilities tern knows */
#include "sieve/sieve-private.h"

#include <string.h>
#include <strings.h>

/* tags: CMP = :comparator, MATCH = :is :contains :matches (+ :regex,
 * :value, :count when required), ADDR = :all :localpart :domain (+ :user
 * :detail), INDEX = :index :last */
static const struct sieve_cmd cmds[] = {
	{ "require", C_REQUIRE, false, NULL, "l", "" },
	{ "if", C_IF, false, NULL, "", "" },
	{ "elsif", C_ELSIF, false, NULL, "", "" },
	{ "else", C_ELSE, false, NULL, "", "" },
	{ "stop", C_STOP, false, NULL, "", "" },
	{ "keep", C_KEEP, false, NULL, "", "flags" },
	{ "discard", C_DISCARD, false, NULL, "", "" },
	{ "redirect", C_REDIRECT, false, NULL, "s", "copy" },
	{ "fileinto", C_FILEINTO, false, "fileinto", "s", "copy flags create" },
	{ "reject", C_REJECT, false, "reject", "s", "" },
	{ "ereject", C_EREJECT, false, "ereject", "s", "" },
	{ "vacation", C_VACATION, false, "vacation", "s",
	  "days seconds subject from addresses mime handle" },
	{ "setflag", C_SETFLAG, false, "imap4flags", "?sl", "" },
	{ "addflag", C_ADDFLAG, false, "imap4flags", "?sl", "" },
	{ "removeflag", C_REMOVEFLAG, false, "imap4flags", "?sl", "" },
	{ "set", C_SET, false, "variables", "ss",
	  "lower upper lowerfirst upperfirst quotewildcard quoteregex length" },
	{ "include", C_INCLUDE, false, "include", "s",
	  "personal global once optional" },
	{ "return", C_RETURN, false, "include", "", "" },
	{ "global", C_GLOBAL, false, "include", "l", "" },

	{ "address", T_ADDRESS, true, NULL, "ll", "CMP MATCH ADDR INDEX" },
	{ "envelope", T_ENVELOPE, true, "envelope", "ll", "CMP MATCH ADDR" },
	{ "header", T_HEADER, true, NULL, "ll", "CMP MATCH INDEX" },
	{ "exists", T_EXISTS, true, NULL, "l", "" },
	{ "size", T_SIZE, true, NULL, "n", "over under" },
	{ "not", T_NOT, true, NULL, "", "" },
	{ "anyof", T_ANYOF, true, NULL, "", "" },
	{ "allof", T_ALLOF, true, NULL, "", "" },
	{ "true", T_TRUE, true, NULL, "", "" },
	{ "false", T_FALSE, true, NULL, "", "" },
	{ "body", T_BODY, true, "body", "l", "CMP MATCH raw content text" },
	{ "date", T_DATE, true, "date", "sll",
	  "CMP MATCH INDEX zone originalzone" },
	{ "currentdate", T_CURRENTDATE, true, "date", "sl", "CMP MATCH zone" },
	{ "hasflag", T_HASFLAG, true, "imap4flags", "?ll", "CMP MATCH" },
	{ "string", T_STRING, true, "variables", "ll", "CMP MATCH" },
	{ "mailboxexists", T_MAILBOXEXISTS, true, "mailbox", "l", "" },
	{ "spamtest", T_SPAMTEST, true, "spamtest", "s", "CMP MATCH percent" },
	{ "virustest", T_VIRUSTEST, true, "virustest", "s", "CMP MATCH" },
};

const struct sieve_cmd *
sieve_cmd_find(const char *name, bool test)
{
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (cmds[i].test == test && strcasecmp(cmds[i].name, name) == 0)
			return &cmds[i];
	return NULL;
}

static const struct {
	const char *name;
	unsigned bit;
} exts[] = {
	{ "fileinto", EXT_FILEINTO },
	{ "reject", EXT_REJECT },
	{ "ereject", EXT_EREJECT },
	{ "envelope", EXT_ENVELOPE },
	{ "encoded-character", EXT_ENCODED },
	{ "imap4flags", EXT_IMAP4FLAGS },
	{ "copy", EXT_COPY },
	{ "body", EXT_BODY },
	{ "variables", EXT_VARIABLES },
	{ "relational", EXT_RELATIONAL },
	{ "comparator-i;ascii-numeric", EXT_NUMERIC },
	{ "subaddress", EXT_SUBADDRESS },
	{ "vacation", EXT_VACATION },
	{ "vacation-seconds", EXT_VACSECONDS | EXT_VACATION },
	{ "date", EXT_DATE },
	{ "index", EXT_INDEX },
	{ "mailbox", EXT_MAILBOX },
	{ "include", EXT_INCLUDE },
	{ "regex", EXT_REGEX },
	{ "spamtest", EXT_SPAMTEST },
	{ "spamtestplus", EXT_SPAMTESTPLUS | EXT_SPAMTEST },
	{ "virustest", EXT_VIRUSTEST },
};

unsigned
sieve_ext_bit(const char *name, bool *known)
{
	*known = true;
	if (strcmp(name, "comparator-i;octet") == 0 ||
	    strcmp(name, "comparator-i;ascii-casemap") == 0)
		return 0;
	for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++)
		if (strcmp(exts[i].name, name) == 0)
			return exts[i].bit;
	*known = false;
	return 0;
}

const char *
sieve_extensions(void)
{
	return "fileinto reject ereject envelope encoded-character imap4flags "
	       "copy body variables relational comparator-i;ascii-numeric "
	       "subaddress vacation vacation-seconds date index mailbox "
	       "include regex spamtest spamtestplus virustest";
}
