/* test-managesieve-parse.c - ManageSieve command lines: names, quoted
 * strings and escapes, numbers, literals across lines, SASL responses,
 * and every malformed form (with the literal of a refused command read
 * past) */
#include "test.h"

#include <stdio.h>
#include <string.h>

#include "managesieve/managesieve-parse.h"

static enum ms_parse_result
line(struct ms_parser *p, const char *s, uint64_t *lit)
{
	return ms_parse_line(p, (const unsigned char *)s, strlen(s), lit);
}

TEST(ms_parse_simple)
{
	struct ms_parser p;
	uint64_t lit;

	ms_parser_init(&p);
	ms_parser_reset(&p, false);
	CHECK_INT(line(&p, "listscripts", &lit), MS_PARSE_DONE);
	CHECK(p.error == NULL);
	CHECK_STR(p.cmd.name, "LISTSCRIPTS");
	CHECK_INT((int)p.cmd.nargs, 0);

	ms_parser_reset(&p, false);
	CHECK_INT(line(&p, "HAVESPACE \"a \\\"b\\\\\" 4294967295", &lit),
		  MS_PARSE_DONE);
	CHECK(p.error == NULL);
	CHECK_INT((int)p.cmd.nargs, 2);
	CHECK_STR(ms_arg_cstr(&p.cmd, 0), "a \"b\\");
	CHECK(p.cmd.args[1].kind == MS_ARG_NUMBER);
	CHECK(p.cmd.args[1].num == 4294967295ULL);
	CHECK(ms_arg_cstr(&p.cmd, 1) == NULL);
	CHECK(ms_arg_cstr(&p.cmd, 2) == NULL);

	ms_parser_reset(&p, false);
	CHECK_INT(line(&p, "SETACTIVE \"\"", &lit), MS_PARSE_DONE);
	CHECK_STR(ms_arg_cstr(&p.cmd, 0), "");
	ms_parser_free(&p);
}

TEST(ms_parse_literals)
{
	struct ms_parser p;
	uint64_t lit;

	ms_parser_init(&p);
	ms_parser_reset(&p, false);
	CHECK_INT(line(&p, "PUTSCRIPT {3+}", &lit), MS_PARSE_LITERAL);
	CHECK(lit == 3 && p.want == 3);
	/* given in pieces, more offered than wanted */
	CHECK_INT((int)ms_parse_literal(&p, "a", 1), 1);
	CHECK_INT((int)ms_parse_literal(&p, "\0bXYZ", 5), 2);
	CHECK(p.want == 0);
	CHECK_INT(line(&p, " {0}", &lit), MS_PARSE_LITERAL);
	CHECK(lit == 0);
	CHECK_INT(line(&p, "", &lit), MS_PARSE_DONE);
	CHECK(p.error == NULL);
	CHECK_INT((int)p.cmd.nargs, 2);
	CHECK(p.cmd.args[0].str.len == 3 &&
	      memcmp(p.cmd.args[0].str.data, "a\0b", 3) == 0);
	CHECK(ms_arg_cstr(&p.cmd, 0) == NULL);	/* holds a NUL */
	CHECK_STR(ms_arg_cstr(&p.cmd, 1), "");

	/* a literal dropped (too big) */
	ms_parser_reset(&p, false);
	CHECK_INT(line(&p, "PUTSCRIPT \"x\" {10+}", &lit), MS_PARSE_LITERAL);
	ms_parse_literal_skip(&p);
	CHECK_INT((int)ms_parse_literal(&p, "0123456789", 10), 10);
	CHECK_INT(line(&p, "", &lit), MS_PARSE_DONE);
	CHECK(p.error == NULL && p.cmd.args[1].skipped);
	CHECK(p.cmd.args[1].literal_len == 10);
	CHECK(ms_arg_cstr(&p.cmd, 1) == NULL);
	ms_parser_free(&p);
}

/* each is refused with an error, nothing left open */
TEST(ms_parse_malformed)
{
	static const char *const bad[] = {
		"", " NOOP", "NOOP ", "NOOP  \"a\"", "NOOP \"a", "NOOP \"a\\b\"",
		"NOOP atom", "NOOP \"a\"\"b\"", "NOOP 4294967296", "NOOP 12x",
		"NOOP {3", "NOOP {x}", "NOOP {3} \"a\"", "NOOP {3++}",
		"N0OP", "NOOP \"a\" \"b\" \"c\" \"d\"",
		"AVERYVERYVERYLONGCOMMANDNAME",
	};
	struct ms_parser p;
	char big[1100];
	uint64_t lit;

	ms_parser_init(&p);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ms_parser_reset(&p, false);
		CHECK_INT(line(&p, bad[i], &lit), MS_PARSE_DONE);
		if (p.error == NULL)
			test_fail(__FILE__, __LINE__, "accepted: %s", bad[i]);
	}
	/* a quoted string over 1024 octets */
	memset(big, 'a', sizeof(big));
	big[0] = '"';
	big[1030] = '"';
	big[1031] = '\0';
	ms_parser_reset(&p, false);
	{
		char cmd[1200];

		snprintf(cmd, sizeof(cmd), "NOOP %s", big);
		CHECK_INT(line(&p, cmd, &lit), MS_PARSE_DONE);
		CHECK(p.error != NULL);
	}
	/* a refused command's literal is still read past */
	ms_parser_reset(&p, false);
	CHECK_INT(line(&p, "NOOP junk {4+}", &lit), MS_PARSE_LITERAL);
	CHECK(p.error != NULL && lit == 4);
	CHECK_INT((int)ms_parse_literal(&p, "ABCD", 4), 4);
	CHECK_INT(line(&p, " {2}", &lit), MS_PARSE_LITERAL);
	CHECK_INT((int)ms_parse_literal(&p, "xy", 2), 2);
	CHECK_INT(line(&p, "", &lit), MS_PARSE_DONE);
	CHECK(p.error != NULL);
	ms_parser_free(&p);
}

TEST(ms_parse_sasl_response)
{
	struct ms_parser p;
	uint64_t lit;

	ms_parser_init(&p);
	ms_parser_reset(&p, true);
	CHECK_INT(line(&p, "\"dGVzdA==\"", &lit), MS_PARSE_DONE);
	CHECK(p.error == NULL);
	CHECK_STR(p.cmd.name, "");
	CHECK_STR(ms_arg_cstr(&p.cmd, 0), "dGVzdA==");
	ms_parser_reset(&p, true);
	CHECK_INT(line(&p, "{4+}", &lit), MS_PARSE_LITERAL);
	CHECK_INT((int)ms_parse_literal(&p, "abcd", 4), 4);
	CHECK_INT(line(&p, "", &lit), MS_PARSE_DONE);
	CHECK_STR(ms_arg_cstr(&p.cmd, 0), "abcd");
	ms_parser_reset(&p, true);
	CHECK_INT(line(&p, "", &lit), MS_PARSE_DONE);
	CHECK(p.error != NULL);
	ms_parser_reset(&p, true);
	CHECK_INT(line(&p, "AUTHENTICATE", &lit), MS_PARSE_DONE);
	CHECK(p.error != NULL);
	ms_parser_free(&p);
}
