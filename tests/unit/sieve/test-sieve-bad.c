/* test-sieve-bad.c - malformed scripts get the right line:col error;
 * limits (size, nesting, actions, redirects, CPU, includes) hold */
#include "test.h"
#include "sieve-testlib.h"
#include "lib/buf.h"

#include <stdlib.h>

static const char msg[] = "From: a@b.example\nSubject: x\n\nbody\n";

TEST(sieve_bad_syntax)
{
	RUN("if header :is \"a\" \"b\n{ keep; }\n", msg, NULL,
	    "error 1:19: unterminated quoted string");
	RUN("require \"reject\";\nreject text:\nno end\n", msg, NULL,
	    "error 2:8: unterminated multi-line string (missing \".\" line)");
	RUN("keep;\n/* open", msg, NULL, "error 2:1: unterminated comment");
	RUN("keep", msg, NULL,
	    "error 1:5: expected ';' or '{' after the command's arguments");
	RUN("if true { keep;", msg, NULL,
	    "error 1:16: missing '}' at the end of the script");
	RUN("keep; }", msg, NULL, "error 1:7: unexpected '}'");
	RUN("if header :is [\"a\" \"b\"] \"c\" { keep; }", msg, NULL,
	    "error 1:20: expected ',' or ']' in the string list");
	RUN("if anyof (true, false true) { keep; }", msg, NULL,
	    "error 1:23: the false test takes no test");
	RUN("if anyof (true; false) { keep; }", msg, NULL,
	    "error 1:15: expected ',' or ')' in the test list");
	RUN("if size :over 99999999999999999999 { keep; }", msg, NULL,
	    "error 1:15: number too large");
	RUN("keep;\n  @", msg, NULL, "error 2:3: unexpected character '@'");
	RUN("if size :over 10X { keep; }", msg, NULL, "error 1:15: bad number");
}

TEST(sieve_bad_semantics)
{
	RUN("require [\"fileinto\", \"foo\"];", msg, NULL,
	    "error 1:9: unknown extension \"foo\"");
	RUN("\n  fileinto \"x\";", msg, NULL,
	    "error 2:3: the fileinto command needs require \"fileinto\"");
	RUN("keep;\nrequire \"fileinto\";", msg, NULL,
	    "error 2:1: require must come before any other command, at the top of the script");
	RUN("frobnicate;", msg, NULL, "error 1:1: unknown command 'frobnicate'");
	RUN("if frob { keep; }", msg, NULL, "error 1:4: unknown test 'frob'");
	RUN("if keep { keep; }", msg, NULL,
	    "error 1:4: 'keep' is a command, not a test here");
	RUN("keep :foo;", msg, NULL,
	    "error 1:6: unknown tag ':foo' for the keep command");
	RUN("redirect;", msg, NULL,
	    "error 1:1: the redirect command takes 1 positional argument, 0 given");
	RUN("redirect 1;", msg, NULL,
	    "error 1:10: the redirect command wants a string here");
	RUN("if size \"1\" { keep; }", msg, NULL,
	    "error 1:9: the size test wants a number here");
	RUN("if size 1 { keep; }", msg, NULL,
	    "error 1:4: size wants :over or :under");
	RUN("if header :is :contains \"a\" \"b\" { keep; }", msg, NULL,
	    "error 1:15: tag ':contains' given twice (or with a tag it excludes) for the header test");
	RUN("if header :comparator \"i;foo\" \"a\" \"b\" { keep; }", msg, NULL,
	    "error 1:23: unknown comparator \"i;foo\"");
	RUN("if header :regex \"a\" \"b\" { keep; }", msg, NULL,
	    "error 1:11: tag ':regex' of the header test needs require \"regex\"");
	RUN("else { keep; }", msg, NULL, "error 1:1: else without if");
	RUN("if true keep;", msg, NULL, "error 1:9: the true test takes no test");
	RUN("keep { }", msg, NULL, "error 1:1: keep takes no block");
	RUN("require \"fileinto\" { stop; }", msg, NULL,
	    "error 1:1: require takes no block");
	RUN("if true;", msg, NULL, "error 1:1: if wants a block \"{ ... }\"");
	RUN("if anyof true { keep; }", msg, NULL,
	    "error 1:4: anyof wants a test list \"( ... )\"");
	RUN("require \"variables\";\nset \"1a\" \"x\";", msg, NULL,
	    "error 2:5: bad variable name \"1a\"");
	RUN("require \"variables\";\nset :lower :upper \"a\" \"x\";", msg, NULL,
	    "error 2:12: modifiers :lower and :upper exclude each other");
	RUN("require \"encoded-character\";\nkeep :foo \"${unicode:110000}\";",
	    msg, NULL, "error 2:11: invalid unicode character U+110000 in encoded-character");
	RUN("require \"include\";\ninclude \"a\";", msg, NULL,
	    "error 2:1: included personal script \"a\" not found");
	/* constant arguments checked as Pigeonhole does */
	RUN("require \"envelope\";\nif envelope \"x-foo\" \"a\" { keep; }", msg,
	    NULL, "error 2:13: envelope part \"x-foo\" is not supported");
	RUN("require \"comparator-i;ascii-numeric\";\n"
	    "if header :contains :comparator \"i;ascii-numeric\" \"x\" \"1\" { keep; }",
	    msg, NULL, "error 2:4: comparator i;ascii-numeric does not support :contains");
	RUN("if address :is \"subject\" \"a\" { keep; }", msg, NULL,
	    "error 1:16: header \"subject\" holds no addresses: not allowed in the address test");
	RUN("require [\"variables\", \"fileinto\"];\nfileinto \"${foo.bar}\";", msg,
	    NULL, "error 2:10: variable in unknown namespace \"foo\"");
}

TEST(sieve_bad_big_and_deep)
{
	struct buf b = BUF_INIT;

	/* 1 MB script: refused before parsing */
	buf_append_str(&b, "keep;\n");
	while (b.len < 1024 * 1024)
		buf_append_str(&b, "# padding padding padding padding padding\n");
	RUN(buf_cstr(&b), msg, NULL,
	    "error 1:1: script too large (1048578 bytes, at most 262144)");
	/* 10,000 nested blocks: the nesting limit, no deep recursion */
	buf_reset(&b);
	for (int i = 0; i < 10000; i++)
		buf_append_str(&b, "if true {\n");
	buf_append_str(&b, "keep;");
	for (int i = 0; i < 10000; i++)
		buf_append_str(&b, "}");
	struct sieve_limits lim;
	sieve_limits_default(&lim);
	lim.max_script_size = 1 << 20;
	struct stl_env env = { .lim = &lim };
	RUN(buf_cstr(&b), msg, &env, "error 33:4: nesting too deep");
	/* 10,000 nested tests */
	buf_reset(&b);
	buf_append_str(&b, "if ");
	for (int i = 0; i < 10000; i++)
		buf_append_str(&b, "not ");
	buf_append_str(&b, "true { keep; }");
	RUN(buf_cstr(&b), msg, &env, "error 1:132: nesting too deep");
	buf_free(&b);
}

TEST(sieve_bad_regex)
{
	/* back-references: exponential in glibc; refused at compile time */
	RUN("require \"regex\";\nif header :regex \"subject\" \"(a*)*\\\\1\" { keep; }",
	    msg, NULL,
	    "error 2:28: back-references (\\1) are not allowed in a :regex key");
	RUN("require \"regex\";\nif header :regex \"subject\" \"((a{1,100}){1,100}){1,100}\" { keep; }",
	    msg, NULL, "error 2:28: regular expression too complex (repetition bounds)");
	RUN("require \"regex\";\nif header :regex \"subject\" \"a(\" { keep; }",
	    msg, NULL, "error 2:28: bad regular expression: Unmatched ( or \\(");
	/* a key made at run time is checked at run time */
	RUN("require [\"regex\", \"variables\"];\nset \"k\" \"(a)\\\\1\";\n"
	    "if header :regex \"subject\" \"${k}\" { keep; }", msg, NULL,
	    "runtime 3: back-references (\\1) are not allowed in a :regex key");
	/* a pathological but legal pattern stays fast */
	RUN("require \"regex\";\nif header :regex \"subject\" \"(x+x+)+y\" { discard; }",
	    "Subject: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n\nx\n",
	    NULL, "keep");
}

TEST(sieve_limits_run)
{
	struct sieve_limits lim;
	struct stl_env env = { .lim = &lim };
	struct buf b = BUF_INIT;

	sieve_limits_default(&lim);
	lim.max_actions = 3;
	RUN("require \"fileinto\";\nfileinto \"a\";\nfileinto \"b\";\nfileinto \"c\";\nfileinto \"d\";",
	    msg, &env, "runtime 5: too many actions (at most 3)");
	sieve_limits_default(&lim);
	lim.max_redirects = 2;
	RUN("redirect \"a@x.example\";\nredirect \"b@x.example\";\nredirect \"c@x.example\";",
	    msg, &env, "runtime 3: too many redirects (at most 2)");
	RUN("redirect \"not an address\";", msg, NULL,
	    "error 1:10: redirect: bad address \"not an address\"");
	RUN("require \"vacation\";\nvacation :from \"Me <me@>\" \"x\";", msg, NULL,
	    "error 2:1: vacation :from \"Me <me@>\" is not an address");
	RUN("require \"vacation\";\nvacation :addresses [\"a@b.example\", \"c\"] \"x\";",
	    msg, NULL, "error 2:1: vacation :addresses \"c\" is not an address");
	RUN("require \"vacation\";\nvacation :from \"Me <me@x.example>\" \"x\";", msg,
	    NULL, "keep");
	RUN("require \"variables\";\nset \"a\" \"no address\";\nredirect \"${a}\";",
	    msg, NULL, "runtime 3: redirect: bad address \"no address\"");
	/* CPU: a long script of slow matches hits the limit */
	sieve_limits_default(&lim);
	lim.max_cpu_ms = 20;
	lim.max_script_size = 1 << 20;
	buf_append_str(&b, "require \"body\";\n");
	for (int i = 0; i < 15000; i++)
		buf_append_str(&b, "if body :raw :matches \"*a*b*c*d*e*f*g*\" { discard; }\n");
	struct buf m = BUF_INIT;
	buf_append_str(&m, "Subject: x\n\n");
	for (int i = 0; i < 2000; i++)
		buf_append_str(&m, "abcdef ");
	char *got = stl_run(buf_cstr(&b), buf_cstr(&m), &env);
	CHECK(strncmp(got, "runtime ", 8) == 0 && strstr(got, "CPU time limit"));
	free(got);
	buf_free(&b);
	buf_free(&m);
	/* a limits struct with zeros: the defaults */
	memset(&lim, 0, sizeof(lim));
	RUN("require [\"variables\", \"fileinto\"];\n"
	    "if header :matches \"subject\" \"*\" { fileinto \"${1}\"; }", msg, &env,
	    "fileinto:x");
	/* include limits */
	sieve_limits_default(&lim);
	lim.max_includes = 2;
	env.inc_name = "lib";
	env.inc_text = "require \"include\";\nkeep;\n";
	RUN("require \"include\";\ninclude \"lib\";\ninclude \"lib\";\ninclude \"lib\";",
	    msg, &env, "runtime 4: too many includes (at most 2)");
}
