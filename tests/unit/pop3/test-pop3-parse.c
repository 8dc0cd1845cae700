/* test-pop3-parse.c - command table, argument splitting, message numbers */
#include "test.h"

#include "pop3/pop3-parse.h"

static enum pop3_parse_result
parse(const char *line, struct pop3_command *cmd)
{
	return pop3_parse_command((struct slice){ (const unsigned char *)line,
						  strlen(line) }, cmd);
}

static const struct {
	const char *line;
	enum pop3_parse_result res;
	enum pop3_cmd cmd;
	size_t nargs;
	const char *arg0, *arg1;
} parse_cases[] = {
	/* RFC 1939 examples */
	{ "USER mrose", POP3_PARSE_OK, POP3_CMD_USER, 1, "mrose", NULL },
	{ "PASS secret", POP3_PARSE_OK, POP3_CMD_PASS, 1, "secret", NULL },
	{ "STAT", POP3_PARSE_OK, POP3_CMD_STAT, 0, NULL, NULL },
	{ "LIST", POP3_PARSE_OK, POP3_CMD_LIST, 0, NULL, NULL },
	{ "LIST 2", POP3_PARSE_OK, POP3_CMD_LIST, 1, "2", NULL },
	{ "RETR 1", POP3_PARSE_OK, POP3_CMD_RETR, 1, "1", NULL },
	{ "DELE 1", POP3_PARSE_OK, POP3_CMD_DELE, 1, "1", NULL },
	{ "NOOP", POP3_PARSE_OK, POP3_CMD_NOOP, 0, NULL, NULL },
	{ "RSET", POP3_PARSE_OK, POP3_CMD_RSET, 0, NULL, NULL },
	{ "QUIT", POP3_PARSE_OK, POP3_CMD_QUIT, 0, NULL, NULL },
	{ "TOP 1 10", POP3_PARSE_OK, POP3_CMD_TOP, 2, "1", "10" },
	{ "UIDL", POP3_PARSE_OK, POP3_CMD_UIDL, 0, NULL, NULL },
	{ "UIDL 2", POP3_PARSE_OK, POP3_CMD_UIDL, 1, "2", NULL },
	{ "CAPA", POP3_PARSE_OK, POP3_CMD_CAPA, 0, NULL, NULL },
	{ "STLS", POP3_PARSE_OK, POP3_CMD_STLS, 0, NULL, NULL },
	/* RFC 5034 */
	{ "AUTH PLAIN", POP3_PARSE_OK, POP3_CMD_AUTH, 1, "PLAIN", NULL },
	{ "AUTH PLAIN =", POP3_PARSE_OK, POP3_CMD_AUTH, 2, "PLAIN", "=" },
	{ "AUTH PLAIN dGVzdAB0ZXN0AHRlc3RwYXNzdGVzdHBhc3N0ZXN0cGFzc3Rlc3RwYXNz",
	  POP3_PARSE_OK, POP3_CMD_AUTH, 2, "PLAIN",
	  "dGVzdAB0ZXN0AHRlc3RwYXNzdGVzdHBhc3N0ZXN0cGFzc3Rlc3RwYXNz" },
	{ "AUTH", POP3_PARSE_OK, POP3_CMD_AUTH, 0, NULL, NULL },
	/* case */
	{ "stat", POP3_PARSE_OK, POP3_CMD_STAT, 0, NULL, NULL },
	{ "rEtR 7", POP3_PARSE_OK, POP3_CMD_RETR, 1, "7", NULL },
	/* PASS keeps spaces */
	{ "PASS two  words ", POP3_PARSE_OK, POP3_CMD_PASS, 1, "two  words ", NULL },
	/* malformed */
	{ "", POP3_PARSE_EMPTY, POP3_CMD_UNKNOWN, 0, NULL, NULL },
	{ " STAT", POP3_PARSE_UNKNOWN, POP3_CMD_UNKNOWN, 0, NULL, NULL },
	{ "FOO", POP3_PARSE_UNKNOWN, POP3_CMD_UNKNOWN, 0, NULL, NULL },
	{ "APOP mrose c4c9334bac560ecc979e58001b3e22fb", POP3_PARSE_UNKNOWN,
	  POP3_CMD_UNKNOWN, 0, NULL, NULL },
	{ "STATX", POP3_PARSE_UNKNOWN, POP3_CMD_UNKNOWN, 0, NULL, NULL },
	{ "STAT 1", POP3_PARSE_BAD_ARGS, POP3_CMD_STAT, 0, NULL, NULL },
	{ "STAT ", POP3_PARSE_BAD_ARGS, POP3_CMD_STAT, 0, NULL, NULL },
	{ "RETR", POP3_PARSE_BAD_ARGS, POP3_CMD_RETR, 0, NULL, NULL },
	{ "RETR ", POP3_PARSE_BAD_ARGS, POP3_CMD_RETR, 0, NULL, NULL },
	{ "RETR 1 2", POP3_PARSE_BAD_ARGS, POP3_CMD_RETR, 0, NULL, NULL },
	{ "RETR  1", POP3_PARSE_BAD_ARGS, POP3_CMD_RETR, 0, NULL, NULL },
	{ "RETR 1 ", POP3_PARSE_BAD_ARGS, POP3_CMD_RETR, 0, NULL, NULL },
	{ "TOP 1", POP3_PARSE_BAD_ARGS, POP3_CMD_TOP, 0, NULL, NULL },
	{ "TOP 1 2 3", POP3_PARSE_BAD_ARGS, POP3_CMD_TOP, 0, NULL, NULL },
	{ "PASS", POP3_PARSE_BAD_ARGS, POP3_CMD_PASS, 0, NULL, NULL },
	{ "PASS ", POP3_PARSE_BAD_ARGS, POP3_CMD_PASS, 0, NULL, NULL },
	{ "USER", POP3_PARSE_BAD_ARGS, POP3_CMD_USER, 0, NULL, NULL },
	{ "USER a b", POP3_PARSE_BAD_ARGS, POP3_CMD_USER, 0, NULL, NULL },
	{ "AUTH PLAIN a b", POP3_PARSE_BAD_ARGS, POP3_CMD_AUTH, 0, NULL, NULL },
	{ "LIST 12345678901234567890123456789012345678901",
	  POP3_PARSE_BAD_ARGS, POP3_CMD_LIST, 0, NULL, NULL },
	{ "AUTH 12345678901234567890123456789012345678901",
	  POP3_PARSE_BAD_ARGS, POP3_CMD_AUTH, 0, NULL, NULL },
	{ "STAT\t", POP3_PARSE_BAD_CHAR, POP3_CMD_UNKNOWN, 0, NULL, NULL },
	{ "RETR 1\r", POP3_PARSE_BAD_CHAR, POP3_CMD_RETR, 0, NULL, NULL },
	{ "PASS a\x7f", POP3_PARSE_BAD_CHAR, POP3_CMD_PASS, 0, NULL, NULL },
	{ "\x01", POP3_PARSE_BAD_CHAR, POP3_CMD_UNKNOWN, 0, NULL, NULL },
};

TEST(pop3_parse_table)
{
	size_t i;

	for (i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		struct pop3_command cmd;
		enum pop3_parse_result r = parse(parse_cases[i].line, &cmd);

		if (r != parse_cases[i].res) {
			test_fail(__FILE__, __LINE__, "\"%s\": result %d, want %d",
				  parse_cases[i].line, r, parse_cases[i].res);
			continue;
		}
		if (parse_cases[i].cmd != POP3_CMD_UNKNOWN) {
			CHECK(cmd.def != NULL);
			if (cmd.def)
				CHECK_INT(cmd.def->cmd, parse_cases[i].cmd);
		}
		if (r != POP3_PARSE_OK)
			continue;
		CHECK_INT(cmd.nargs, parse_cases[i].nargs);
		if (parse_cases[i].arg0)
			CHECK_MEM(cmd.args[0].p, cmd.args[0].len, parse_cases[i].arg0);
		if (parse_cases[i].arg1)
			CHECK_MEM(cmd.args[1].p, cmd.args[1].len, parse_cases[i].arg1);
	}
}

TEST(pop3_parse_nul_byte)
{
	struct pop3_command cmd;
	static const unsigned char line[] = "RETR 1\0002";

	CHECK_INT(pop3_parse_command((struct slice){ line, sizeof(line) - 1 },
				     &cmd), POP3_PARSE_BAD_CHAR);
	CHECK_INT(pop3_parse_command((struct slice){ line + 4, 1 }, &cmd),
		  POP3_PARSE_UNKNOWN);
}

TEST(pop3_parse_states)
{
	const struct pop3_cmd_def *d;

	d = pop3_parse_lookup(SLICE("user"));
	CHECK(d && d->states == POP3_STATE_AUTHORIZATION);
	d = pop3_parse_lookup(SLICE("RETR"));
	CHECK(d && d->states == POP3_STATE_TRANSACTION);
	d = pop3_parse_lookup(SLICE("quit"));
	CHECK(d && d->states == (POP3_STATE_AUTHORIZATION |
				 POP3_STATE_TRANSACTION));
	d = pop3_parse_lookup(SLICE("Capa"));
	CHECK(d && d->states == (POP3_STATE_AUTHORIZATION |
				 POP3_STATE_TRANSACTION));
	CHECK(pop3_parse_lookup(SLICE("APOP")) == NULL);
	CHECK(pop3_parse_lookup(SLICE("")) == NULL);
}

TEST(pop3_parse_msgno)
{
	uint32_t n = 0;

	CHECK(pop3_parse_msgno(SLICE("1"), 5, &n) && n == 1);
	CHECK(pop3_parse_msgno(SLICE("5"), 5, &n) && n == 5);
	CHECK(pop3_parse_msgno(SLICE("005"), 5, &n) && n == 5);
	CHECK(!pop3_parse_msgno(SLICE("6"), 5, &n));
	CHECK(!pop3_parse_msgno(SLICE("0"), 5, &n));
	CHECK(!pop3_parse_msgno(SLICE("-1"), 5, &n));
	CHECK(!pop3_parse_msgno(SLICE("+1"), 5, &n));
	CHECK(!pop3_parse_msgno(SLICE("1a"), 5, &n));
	CHECK(!pop3_parse_msgno(SLICE(""), 5, &n));
	CHECK(!pop3_parse_msgno(SLICE("4294967297"), UINT32_MAX, &n));
	CHECK(!pop3_parse_msgno(SLICE("99999999999999999999999"), UINT32_MAX, &n));
	CHECK(pop3_parse_msgno(SLICE("4294967295"), UINT32_MAX, &n) &&
	      n == UINT32_MAX);
	CHECK(!pop3_parse_msgno(SLICE("1"), 0, &n));
}

TEST(pop3_parse_lines)
{
	uint64_t n = 7;

	CHECK(pop3_parse_lines(SLICE("0"), &n) && n == 0);
	CHECK(pop3_parse_lines(SLICE("10"), &n) && n == 10);
	CHECK(pop3_parse_lines(SLICE("99999999999999999999999"), &n) &&
	      n == UINT64_MAX);
	CHECK(!pop3_parse_lines(SLICE("-1"), &n));
	CHECK(!pop3_parse_lines(SLICE("x"), &n));
	CHECK(!pop3_parse_lines(SLICE(""), &n));
}
