/* test-sieve-rfc-all.c - the exhaustive pass over the Sieve RFCs' example
 * scripts: every script or snippet each text shows, compiled and run on a
 * message that exercises it, the actions asserted (the RFC's stated
 * outcome where it states one). test-sieve-rfc.c has the first, partial
 * pass; an example already there is named in this table with "(rfc.c)".
 *
 * Section numbers are the RFCs'; "test" is sieve_rfcall_<name>. Scripts
 * are as printed but for the changes noted at the test (a missing
 * require added, a ';' added, RFC 5260's stray comma; actions added
 * inside a block to observe a value are marked so at the test).
 *
 * "src" is where the script text was checked, byte for byte but for
 * whitespace (the RFC texts themselves could not be read whole):
 *   T  Thomas Schmid's Thunderbird add-on tests, thsmi/sieve
 *      tests/tests/sieve/Sieve*Test.js (copies of the RFC examples)
 *   G  foxcpp/go-sieve parser/parser_test.go (RFC 5228 9)
 *   C  checksieve's python tests (RFC 5231 9, RFC 5235 3.2)
 *   R  a file of the RFC 5228 examples in a public repository (found
 *      by its text; keeps the RFC's own tag order where T reorders:
 *      2.7.3 ":contains :comparator", 5.1 "address :is :all")
 *   D  Dovecot's dregex test list (the regex draft's patterns only)
 *   J  jSieve's variables tests ("RFC 5229 Section 3. Examples")
 *   E  a file of the RFC 5260 examples in a public repository
 *   -  no source found: as the previous pass transcribed it
 *
 * RFC / section      src  example                              test
 * 5228 2.3           R,T  "# this is a comment" size 100k      rfc5228_comments
 * 5228 2.3           R,T  bracketed comment inside discard     rfc5228_comments
 * 5228 2.4.2.4       R    header :contains "$${hex:24 24}"     rfc5228_encoded
 * 5228 2.5.1         R,T  anyof (not exists, fool@)            rfc5228_tests
 * 5228 2.7.3         R    :contains :comparator "i;octet"      rfc5228_comparator
 * 5228 2.9           R,T  size :over 500K discard              rfc5228_tests
 * 5228 3.1           R,T  if/elsif/else redirect (3 ways)      rfc5228_if
 * 5228 3.1           R,T  if/elsif/else discard, fileinto      rfc5228_if
 * 5228 3.2           -    require list; two requires           rfc5228_require
 * 5228 3.2           -    require after a command: error       rfc5228_require
 * 5228 4.1           R,T  fileinto "INBOX.harassment"          rfc5228_actions
 * 5228 4.2           R    redirect "bart@example.com"          rfc5228_actions
 * 5228 4.3           R,T  size :under 1M keep/discard = not    rfc5228_actions
 * 5228 4.4           R,T  discard from idiot                   rfc5228_actions
 * 5228 5.1           R    address :is :all from tim            rfc5228_tests
 * 5228 5.2, 5.3, 5.8 -    allof/anyof/not truth tables         rfc5228_tests
 * 5228 5.4           R,T  envelope :all :is from tim           rfc5228_tests
 * 5228 5.5           R,T  exists ["From","Date"]               rfc5228_tests
 * 5228 5.7           R    X-Caffeine :is "" / :contains "",    rfc5228_tests
 *                         not header :matches "Cc" "?*"
 * 5228 5.9           -    4,000 octets: neither over nor under rfc5228_tests
 * 5228 9             G,R,T the extended example, all branches  rfc5228_extended
 * 5228 2.10.5, 3.2   -    fileinto without require: error      rfc5228_require
 * 5229 3             -    "${fo\o}" ... "\\${foo}" quoting     rfc5229_strings
 * 5229 3             T    "regarding ${dollar}{beep}"          rfc5229_strings
 * 5229 3             T    "dear${hex:20 24 7b 4e}ame}" (';'    rfc5229_strings
 *                         added; as printed: error)
 * 5229 3             J    company ACME: ${full} ${BAD${Company} rfc5229_strings
 *                         "${company" "${${company}}" ...
 * 5229 3             J    "&%${}!" "${doh!}" unchanged         rfc5229_strings
 * 5229 3.1           T    List-ID / Subject / To ${N}          rfc5229_match
 * 5229 4             T    set honorific ... text:              rfc5229_set
 * 5229 4.1           T    the modifier table (juMBlEd lETteRS) rfc5229_set
 * 5229 5             T    string :matches " ${state} "         rfc5229_string
 * 5229 3.2           -    a failed test leaves ${N} unchanged  rfc5229_string
 * 5229 3             -    set on a match variable: error       rfc5229_set
 * 5230 4.8           T    cyrus / call me                      (rfc.c)
 * 5230 4.8           T    :subject "Automatic response to: ${1}" rfc5230
 * 5230 4.8           T    :handle "ran-away"                   rfc5230
 * 5230 4.8           T    :mime multipart/alternative          rfc5230
 * 5230 4.8           T    :days 23 :addresses                  rfc5230
 * 5230 4.8           T    boss: redirect pleeb, else vacation  rfc5230
 * 5230               T    accept-language en / es              rfc5230
 * 5230               T    ourdivision: Gone fishing / Je suis  rfc5230
 * 5231 9             C,T  x-priority/to/from/only me           (rfc.c)
 * 5231 9             T    :count on to+cc / received (the "2", rfc5231
 *                         "3" key list is tern's addition)
 * 5232 3.1           T    size :over 500K setflag \Deleted     rfc5232
 * 5232 3.1           T    boss@frobnitzm flagvar (needs        rfc5232
 *                         "variables": as printed an error)
 * 5232 3.2           T    addflag flagvar, the four forms      rfc5232
 * 5232 3.3           T    $MDNRequired removeflag (same)       rfc5232
 * 5232 4             T    hasflag :is "b A" = ["b","A"]        rfc5232
 * 5232 4             T    hasflag :contains "MyVar" (all 8)    rfc5232
 * 5232 5             T    fileinto :flags \Deleted, keep :flags rfc5232
 * 5232 6             T    the extended example, all branches   rfc5232
 * 5233 6             T    postmaster / mta-filters / foo       rfc5233
 * 5235 3.1 / 3.3     C    spamtest, virustest examples         (rfc.c)
 * 5235 3.2           C    spamtestplus :value "eq" "0"         rfc5235
 * 5235 3.2           C    spamtestplus :percent :count "eq" "0" rfc5235
 * 5260 4             E,T  urgent (boss, :originalzone hours)   (rfc.c)
 * 5260 4             T    weekend (received weekday 0/6)       rfc5260
 * 5260 5             T    pager out of hours (currentdate)     rfc5260
 * 5260 5             T    vacation first week of July 2007     rfc5260
 * 5260 5             T    month-year                           (rfc.c)
 * 5260 5             T    std11 addheader (editheader: error)  rfc5260
 * 5260 6             E    header :index 1 :matches received    rfc5260
 * 5260 7             C,E  :index 2 received (both print it     rfc5260
 *                         without the stray comma)
 * 5429 2.1           T    reject "Your message is too big"     rfc5429
 * 5429 2.1           T    reject coyote birdseed               rfc5429
 * 5429 2.2           T    ereject someone@example.com          rfc5429
 * 5490 3.1           T    fileinto :create "INBOX.harassment"  rfc5490
 * 5490 3.2           T    mailboxexists "Partners"             rfc5490
 * 5490 3.3-3.5       T    metadata, servermetadata (not        rfc5490
 *                         offered): error; the vacation and set
 *                         parts of the scripts unverified
 * 3894 4             T    fileinto :copy "incoming"            (rfc.c)
 * 3894 (not RFC)     -    redirect :copy under a test          rfc3894
 * 5173 5.1           T    :raw "MAKE MONEY FAST" (MIME part    rfc5173
 *                         headers seen, outer header not)
 * 5173 5.2 / 5.3     T    :content text + audio/mp3, :text     rfc5173
 * 6609 3.1-3.4, 4    T    include :personal/:global, global,   rfc6609
 *                         return, the variables example (rfc.c)
 * 6609 3.4           T    global "i_am_on_vacation"            rfc6609
 * 6609 3.5           -    "${global.i_am_on_vacation}"         rfc6609
 * invalid forms the RFCs name, each a line:col error (-):     errors
 *   5228 2.6.2 a tag after the positional arguments; 5228 2.7.3 an
 *   unknown comparator; 5260 4 :zone with :originalzone; 5173 5 two
 *   transforms; 5490 3.1 :create without "mailbox"; regex 3
 *   :regex with i;ascii-numeric; 5229 4 set of "${x}"; 5230 4.1
 *   :days not a number
 * regex draft 3      D    not to me(+detail) / uppercase subject regex
 * regex draft 3, 4, 5 D   address :regex, List-ID,            regex
 *                         Subject ${1} ${2}, :quoteregex
 */
#include "test.h"
#include "sieve-testlib.h"
#include "lib/buf.h"

#include <stdlib.h>
#include <string.h>

/* a message of exactly total octets (CRLF lines), body all 'a' */
static char *
msg_sized(const char *head, size_t total)
{
	size_t hl = strlen(head);
	char *m = xmalloc(total + 1);

	memcpy(m, head, hl);
	for (size_t i = hl; i < total; i++)
		m[i] = 'a';
	if (total >= hl + 2) {
		m[total - 2] = '\r';
		m[total - 1] = '\n';
	}
	m[total] = '\0';
	return m;
}

/* the run's output contains part (vacation details vary in the handle) */
#define RUN_HAS(script, msg, env, part)                                   \
	do {                                                              \
		char *got_ = stl_run(script, msg, env);                   \
		if (!strstr(got_, part))                                  \
			CHECK_STR(got_, part);                            \
		free(got_);                                               \
	} while (0)

static const char msg_plain[] =
	"From: friend@other.example.net\n"
	"To: me@example.com\n"
	"Subject: hello\n"
	"\n"
	"hi\n";

/* ---- RFC 5228 ---- */

TEST(sieve_rfcall_rfc5228_comments)
{
	/* 2.3 both comment forms */
	static const char hash[] =
		"if size :over 100k { # this is a comment\n"
		"    discard;\n"
		"}\n";
	static const char bracket[] =
		"if size :over 100K { /* this is a comment\n"
		"    this is still a comment */ discard /* this is a comment\n"
		"    */ ;\n"
		"}\n";
	char *big = msg_sized("Subject: big\r\n\r\n", 102401);
	char *edge = msg_sized("Subject: edge\r\n\r\n", 102400);
	RUN(hash, big, NULL, "discard");
	RUN(hash, edge, NULL, "keep");
	RUN(hash, msg_plain, NULL, "keep");
	RUN(bracket, big, NULL, "discard");
	RUN(bracket, msg_plain, NULL, "keep");
	free(big);
	free(edge);
}

TEST(sieve_rfcall_rfc5228_encoded)
{
	/* 2.4.2.4: "$${hex:24 24}" is "$$$" */
	RUN("require [\"encoded-character\", \"fileinto\"];\n"
	    "fileinto \"$${hex:24 24}\";", msg_plain, NULL, "fileinto:$$$");
	RUN("require \"encoded-character\";\n"
	    "if header :is \"subject\" \"$${hex:24 24}\" { discard; }",
	    "Subject: $$$\n\nx\n", NULL, "discard");
	/* 2.4.2.4 as printed */
	static const char enc[] =
		"require \"encoded-character\";\n"
		"if header :contains \"Subject\" \"$${hex:24 24}\" {\n"
		"    discard;\n}\n";
	RUN(enc, "Subject: win $$$ now\n\nx\n", NULL, "discard");
	RUN(enc, "Subject: win $$ now\n\nx\n", NULL, "keep");
	/* without the require the string is as written */
	RUN("require \"fileinto\";\nfileinto \"$${hex:24 24}\";", msg_plain,
	    NULL, "fileinto:$${hex:24 24}");
}

TEST(sieve_rfcall_rfc5228_comparator)
{
	/* 2.7.3 */
	static const char s[] =
		"if header :contains :comparator \"i;octet\" \"Subject\"\n"
		"        \"MAKE MONEY FAST\" {\n"
		"        discard;\n"
		"}\n";
	RUN(s, "Subject: MAKE MONEY FAST now\n\nx\n", NULL, "discard");
	RUN(s, "Subject: make money fast now\n\nx\n", NULL, "keep");
}

TEST(sieve_rfcall_rfc5228_if)
{
	/* 3.1, first example */
	static const char r[] =
		"if header :contains [\"From\"] [\"coyote\"] {\n"
		"    redirect \"acm@example.com\";\n"
		"} elsif header :contains \"Subject\" \"$$$\" {\n"
		"    redirect \"postmaster@example.com\";\n"
		"} else {\n"
		"    redirect \"field@example.com\";\n"
		"}\n";
	RUN(r, "From: coyote@desert.example.org\nSubject: $$$\n\nx\n", NULL,
	    "redirect:acm@example.com");
	RUN(r, "From: rr@desert.example.org\nSubject: win $$$\n\nx\n", NULL,
	    "redirect:postmaster@example.com");
	RUN(r, msg_plain, NULL, "redirect:field@example.com");
	/* 3.1, second example (its fileinto needs the require, 3.2) */
	static const char d[] =
		"require \"fileinto\";\n"
		"if header :contains \"from\" \"coyote\" {\n"
		"    discard;\n"
		"} elsif header :contains [\"subject\"] [\"$$$\"] {\n"
		"    discard;\n"
		"} else {\n"
		"    fileinto \"INBOX\";\n"
		"}\n";
	RUN(d, "From: coyote@desert.example.org\n\nx\n", NULL, "discard");
	RUN(d, "Subject: $$$\n\nx\n", NULL, "discard");
	RUN(d, msg_plain, NULL, "keep");
	/* elsif / else without an if */
	RUN("elsif true { discard; }", msg_plain, NULL,
	    "error 1:1: elsif without if");
}

TEST(sieve_rfcall_rfc5228_require)
{
	/* 3.2 */
	RUN("require [\"fileinto\", \"reject\"];\n", msg_plain, NULL, "keep");
	RUN("require \"fileinto\";\nrequire \"vacation\";\n", msg_plain, NULL,
	    "keep");
	/* 3.2: require only at the start */
	RUN("keep;\nrequire \"fileinto\";\n", msg_plain, NULL,
	    "error 2:1: require must come before any other command, at the top of the script");
	/* 2.10.5 / 3.2: an extension used without its require */
	RUN("fileinto \"x\";", msg_plain, NULL,
	    "error 1:1: the fileinto command needs require \"fileinto\"");
	/* 3.2: an unknown capability fails the script */
	RUN("require \"no-such-extension\";", msg_plain, NULL,
	    "error 1:9: unknown extension \"no-such-extension\"");
}

TEST(sieve_rfcall_rfc5228_actions)
{
	/* 4.1 */
	static const char f[] =
		"require \"fileinto\";\n"
		"if header :contains [\"from\"] \"coyote\" {\n"
		"    fileinto \"INBOX.harassment\";\n"
		"}\n";
	RUN(f, "From: coyote@desert.example.org\n\nx\n", NULL,
	    "fileinto:INBOX.harassment");
	RUN(f, msg_plain, NULL, "keep");
	/* 4.2 */
	RUN("redirect \"bart@example.com\";", msg_plain, NULL,
	    "redirect:bart@example.com");
	/* 4.3: these two scripts are the same */
	static const char k1[] =
		"if size :under 1M {\n    keep;\n} else {\n    discard;\n}\n";
	static const char k2[] = "if not size :under 1M {\n    discard;\n}\n";
	char *big = msg_sized("Subject: big\r\n\r\n", 1048577);
	RUN(k1, msg_plain, NULL, "keep");
	RUN(k2, msg_plain, NULL, "keep");
	RUN(k1, big, NULL, "discard");
	RUN(k2, big, NULL, "discard");
	free(big);
	/* 4.4 */
	static const char d[] =
		"if header :contains [\"from\"] [\"idiot@example.com\"] {\n"
		"    discard;\n}\n";
	RUN(d, "From: The Idiot <idiot@example.com>\n\nx\n", NULL, "discard");
	RUN(d, msg_plain, NULL, "keep");
}

TEST(sieve_rfcall_rfc5228_tests)
{
	/* 2.5.1 the test-list example */
	static const char tl[] =
		"if anyof (not exists [\"From\", \"Date\"],\n"
		"          header :contains \"from\" \"fool@example.com\") {\n"
		"    discard;\n}\n";
	RUN(tl, "From: fool@example.com\nDate: Tue, 1 Apr 1997 09:06:31 -0800\n\nx\n",
	    NULL, "discard");
	RUN(tl, "From: a@b.example\nDate: Tue, 1 Apr 1997 09:06:31 -0800\n\nx\n",
	    NULL, "keep");
	RUN(tl, "From: a@b.example\n\nx\n", NULL, "discard");
	/* 2.9 the command example */
	char *b500 = msg_sized("Subject: big\r\n\r\n", 512001);
	RUN("if size :over 500K { discard; }", b500, NULL, "discard");
	RUN("if size :over 500K { discard; }", msg_plain, NULL, "keep");
	free(b500);
	/* 5.1 */
	static const char a[] =
		"if address :is :all \"from\" \"tim@example.com\" {\n"
		"    discard;\n}\n";
	RUN(a, "From: Tim <tim@example.com>\n\nx\n", NULL, "discard");
	RUN(a, "From: tim@example.com.au\n\nx\n", NULL, "keep");
	/* 5.2, 5.3, 5.8: the truth tables the RFC lists */
	RUN("require \"fileinto\";\n"
	    "if allof (false, false) { fileinto \"a1\"; }\n"
	    "if allof (false, true) { fileinto \"a2\"; }\n"
	    "if allof (true, true) { fileinto \"a3\"; }\n"
	    "if anyof (false, false) { fileinto \"o1\"; }\n"
	    "if anyof (false, true) { fileinto \"o2\"; }\n"
	    "if anyof (true, true) { fileinto \"o3\"; }\n"
	    "if not true { fileinto \"n1\"; }\n"
	    "if not false { fileinto \"n2\"; }\n"
	    "if not not true { fileinto \"n3\"; }\n",
	    msg_plain, NULL,
	    "fileinto:a3; fileinto:o2; fileinto:o3; fileinto:n2; fileinto:n3");
	/* 5.4 */
	static const char e[] =
		"require \"envelope\";\n"
		"if envelope :all :is \"from\" \"tim@example.com\" {\n"
		"    discard;\n}\n";
	struct stl_env tim = { .from = "tim@example.com" };
	RUN(e, msg_plain, &tim, "discard");
	RUN(e, msg_plain, NULL, "keep");
	/* 5.5: true only when all the fields exist */
	static const char x[] =
		"if not exists [\"From\",\"Date\"] {\n    discard;\n}\n";
	RUN(x, msg_plain, NULL, "discard");
	RUN(x, "From: a@b.example\nDate: Tue, 1 Apr 1997 09:06:31 -0800\n\nx\n",
	    NULL, "keep");
	/* 5.7 */
	static const char caf[] = "X-Caffeine: C8H10N4O2\n\nx\n";
	RUN("if header :is [\"X-Caffeine\"] [\"\"] { discard; }", caf, NULL,
	    "keep");
	RUN("if header :contains [\"X-Caffeine\"] [\"\"] { discard; }", caf, NULL,
	    "discard");
	/* 5.7 as the examples file R has it */
	static const char caf3[] =
		"if anyof(header :is [\"X-Caffeine\"] [\"\"], header :contains [\"X-Caffeine\"] [\"\"], not header :matches \"Cc\" \"?*\") {\n"
		"    stop;\n}\ndiscard;\n";
	RUN(caf3, "X-Caffeine: C8H10N4O2\nCc: a@b.example\n\nx\n", NULL, "keep");
	RUN(caf3, "Cc: a@b.example\n\nx\n", NULL, "discard");
	RUN(caf3, "X-Caffeine: C8H10N4O2\n\nx\n", NULL, "keep");
	/* 5.9: a message of exactly 4,000 octets is neither */
	char *m = msg_sized("Subject: size\r\n\r\n", 4000);
	RUN("require \"fileinto\";\n"
	    "if size :over 4000 { fileinto \"over\"; }\n"
	    "if size :under 4000 { fileinto \"under\"; }\n"
	    "if size :over 3999 { fileinto \"over3999\"; }\n"
	    "if size :under 4001 { fileinto \"under4001\"; }\n",
	    m, NULL, "fileinto:over3999; fileinto:under4001");
	free(m);
}

TEST(sieve_rfcall_rfc5228_extended)
{
	/* 9: the whole example (RFC 3028's reject part is gone in 5228) */
	static const char s[] =
		"#\n# Example Sieve Filter\n"
		"# Declare any optional features or extension used by the script\n#\n"
		"require [\"fileinto\"];\n\n"
		"#\n# Handle messages from known mailing lists\n"
		"# Move messages from IETF filter discussion list to filter mailbox\n#\n"
		"if header :is \"Sender\" \"owner-ietf-mta-filters@imc.org\"\n"
		"        {\n        fileinto \"filter\";  # move to \"filter\" mailbox\n        }\n"
		"#\n# Keep all messages to or from people in my company\n#\n"
		"elsif address :DOMAIN :is [\"From\", \"To\"] \"example.com\"\n"
		"        {\n        keep;               # keep in \"In\" mailbox\n        }\n"
		"#\n# Try and catch unsolicited email.  If a message is not to me,\n"
		"# or it contains a subject known to be spam, file it away.\n#\n"
		"elsif anyof (NOT address :all :contains\n"
		"               [\"To\", \"Cc\", \"Bcc\"] \"me@example.com\",\n"
		"             header :matches \"subject\"\n"
		"               [\"*make*money*fast*\", \"*university*dipl*mas*\"])\n"
		"        {\n        fileinto \"spam\";   # move to \"spam\" mailbox\n        }\n"
		"else\n        {\n"
		"        # Move all other (non-company) mail to \"personal\"\n"
		"        # mailbox.\n"
		"        fileinto \"personal\";\n        }\n";
	char *big = msg_sized("Sender: owner-ietf-mta-filters@imc.org\r\n\r\n",
			      1048577);
	RUN(s, big, NULL, "fileinto:filter");
	free(big);
	RUN(s, "Sender: owner-ietf-mta-filters@imc.org\nTo: me@example.com\n\nx\n",
	    NULL, "fileinto:filter");
	RUN(s, "From: boss@example.com\nTo: me@example.com\n\nx\n", NULL, "keep");
	RUN(s, "From: a@b.example\nTo: you@x.example\n\nx\n", NULL,
	    "fileinto:spam");
	RUN(s, "From: a@b.example\nCc: me@example.com\n"
	    "Subject: University diplomas\n\nx\n", NULL, "fileinto:spam");
	RUN(s, "From: a@b.example\nCc: me@example.com\nSubject: hi\n\nx\n",
	    NULL, "fileinto:personal");
}

/* ---- RFC 5229 ---- */

TEST(sieve_rfcall_rfc5229_strings)
{
	/* 3: quoting and ${ } (foo = "FOO") */
	static const char pre[] =
		"require [\"variables\", \"fileinto\"];\nset \"foo\" \"FOO\";\n";
	static const struct { const char *in, *out; } q[] = {
		{ "\\\"${fo\\\\o}\\\"", "FOO" },	/* "${fo\o}" */
		{ "\\\"${fo\\\\\\\\o}\\\"", "${fo\\o}" },	/* "${fo\\o}" */
		{ "\\\"\\\\${foo}\\\"", "FOO" },	/* "\${foo}" */
		{ "\\\"\\\\\\\\${foo}\\\"", "\\FOO" },	/* "\\${foo}" */
	};
	for (size_t i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
		struct buf b = BUF_INIT;
		buf_printf(&b, "%sfileinto %s;", pre, q[i].in);
		/* the table holds C-escaped Sieve; undo one level */
		char *src = buf_steal(&b), *w = src;
		for (char *r = src; *r; r++) {
			if (*r == '\\' && r[1])
				r++;
			*w++ = *r;
		}
		*w = '\0';
		struct buf want = BUF_INIT;
		buf_printf(&want, "fileinto:%s", q[i].out);
		char *got = stl_run(src, msg_plain, NULL);
		CHECK_STR(got, (char *)want.data);
		free(got);
		buf_free(&want);
		free(src);
	}
	/* 3: "${dollar}{beep}" is not expanded twice */
	RUN("require [\"variables\", \"fileinto\"];\n"
	    "set \"dollar\" \"$\";\n"
	    "set \"text\" \"regarding ${dollar}{beep}\";\n"
	    "fileinto \"${text}\";\n",
	    msg_plain, NULL, "fileinto:regarding ${beep}");
	/* 3: with encoded-character, decoding comes first (the test string
	 * is "dear Ethelbert"); the RFC's "set" lacks its ';', added here,
	 * as printed it is a syntax error */
	static const char eth[] =
		"require [\"encoded-character\", \"variables\"];\n"
		"set \"name\" \"Ethelbert\";\n"
		"if header :contains \"Subject\" \"dear${hex:20 24 7b 4e}ame}\" {\n"
		"    # the test string is \"dear Ethelbert\"\n"
		"    discard;\n}\n";
	RUN(eth, "Subject: oh dear Ethelbert!\n\nx\n", NULL, "discard");
	RUN(eth, "Subject: dear ${Name}\n\nx\n", NULL, "keep");
	RUN("require [\"encoded-character\", \"variables\"];\n"
	    "set \"name\" \"Ethelbert\"\n"
	    "if header :contains \"Subject\" \"dear${hex:20 24 7b 4e}ame}\" {\n}\n",
	    msg_plain, NULL, "error 3:1: the set command takes no test");
	/* 3: company = ACME, nothing else set */
	static const char acme[] =
		"require [\"variables\", \"fileinto\"];\n"
		"set \"company\" \"ACME\";\n"
		"fileinto \"[${full}]\";\n"
		"fileinto \"${company}\";\n"
		"fileinto \"${BAD${Company}\";\n"
		"fileinto \"${President, ${Company} Inc.}\";\n"
		"fileinto \"${company\";\n"
		"fileinto \"${${company}}\";\n"
		"fileinto \"${${${company}}}\";\n"
		"fileinto \"&%${}!\";\n"
		"fileinto \"${doh!}\";\n";
	RUN(acme, msg_plain, NULL,
	    "fileinto:[]; fileinto:ACME; fileinto:${BADACME; "
	    "fileinto:${President, ACME Inc.}; fileinto:${company; "
	    "fileinto:${ACME}; fileinto:${${ACME}}; fileinto:&%${}!; "
	    "fileinto:${doh!}");
}

TEST(sieve_rfcall_rfc5229_match)
{
	/* 3.1 the match-variable example, the values its comments state */
	static const char s[] =
		"require [\"fileinto\", \"variables\"];\n"
		"if header :matches \"List-ID\" \"*<*@*\" {\n"
		"    fileinto \"INBOX.lists.${2}\"; stop;\n}\n"
		"# Imagine the header\n"
		"# Subject: [acme-users] [fwd] version 1.0 is out\n"
		"if header :matches \"Subject\" \"[*] *\" {\n"
		"    # ${1} will hold \"acme-users\",\n"
		"    # ${2} will hold \"[fwd] version 1.0 is out\"\n"
		"    fileinto \"INBOX.lists.${1}\"; fileinto \"${2}\"; stop;\n}\n"
		"# Imagine the header\n# To: coyote@ACME.Example.COM\n"
		"if address :matches [\"To\", \"Cc\"] [\"coyote@**.com\",\n"
		"        \"wile@**.com\"] {\n"
		"    # ${0} is the matching address\n"
		"    # ${1} is always the empty string\n"
		"    # ${2} is part of the domain name (\"ACME.Example\")\n"
		"    fileinto \"INBOX.business.${2}\"; fileinto \"${0}[${1}]\"; stop;\n"
		"} else {\n"
		"    # Control wouldn't reach this block if any match was\n"
		"    # successful, so no match variables are set at this\n"
		"    # point.\n}\n"
		"if anyof (true, address :domain :matches \"To\" \"*.com\") {\n"
		"    # The second test is never evaluated, so there are\n"
		"    # still no match variables set.\n"
		"    fileinto \"none[${1}]\";\n"
		"    stop;\n}\n";
	RUN(s, "List-ID: Acme <acme-users@lists.example.com>\n\nx\n", NULL,
	    "fileinto:INBOX.lists.acme-users");
	RUN(s, "Subject: [acme-users] [fwd] version 1.0 is out\n\nx\n", NULL,
	    "fileinto:INBOX.lists.acme-users; fileinto:[fwd] version 1.0 is out");
	RUN(s, "To: coyote@ACME.Example.COM\n\nx\n", NULL,
	    "fileinto:INBOX.business.ACME.Example; "
	    "fileinto:coyote@ACME.Example.COM[]");
	RUN(s, "To: someone@example.com\n\nx\n", NULL, "fileinto:none[]");
}

TEST(sieve_rfcall_rfc5229_set)
{
	/* 4 */
	RUN("require [\"variables\", \"reject\"];\n"
	    "set \"honorific\"  \"Mr\";\n"
	    "set \"first_name\" \"Wile\";\n"
	    "set \"last_name\"  \"Coyote\";\n"
	    "set \"vacation\" text:\n"
	    "Dear ${HONORIFIC} ${last_name},\n"
	    "I'm out, please leave a message after the meep.\n"
	    ".\n;\n"
	    "reject \"${vacation}\";", msg_plain, NULL,
	    "reject:Dear Mr Coyote,\r\n"
	    "I'm out, please leave a message after the meep.\r\n");
	/* 4.1: the table of the modifiers' results */
	RUN("require [\"variables\", \"fileinto\"];\n"
	    "set \"a\" \"juMBlEd lETteRS\";\n"
	    "set :length \"b\" \"${a}\"; fileinto \"${b}\";\n"
	    "set :lower \"b\" \"${a}\"; fileinto \"${b}\";\n"
	    "set :upper \"b\" \"${a}\"; fileinto \"${b}\";\n"
	    "set :lowerfirst \"b\" \"${a}\"; fileinto \"${b}\";\n"
	    "set :upperfirst \"b\" \"${a}\"; fileinto \"${b}\";\n"
	    "set :upperfirst :lower \"b\" \"${a}\"; fileinto \"${b}\";\n"
	    "set :quotewildcard \"b\" \"Rock*\"; fileinto \"${b}\";\n",
	    msg_plain, NULL,
	    "fileinto:15; fileinto:jumbled letters; fileinto:JUMBLED LETTERS; "
	    "fileinto:juMBlEd lETteRS; fileinto:JuMBlEd lETteRS; "
	    "fileinto:Jumbled letters; fileinto:Rock\\*");
	/* 3: match variables cannot be set; names are identifiers */
	RUN("require \"variables\";\nset \"1\" \"x\";", msg_plain, NULL,
	    "error 2:5: bad variable name \"1\"");
	/* two modifiers of one precedence class */
	RUN("require \"variables\";\nset :lower :upper \"b\" \"x\";", msg_plain,
	    NULL, "error 2:12: modifiers :lower and :upper exclude each other");
}

TEST(sieve_rfcall_rfc5229_string)
{
	/* 5: "the above test always succeeds" */
	RUN("require \"variables\";\n"
	    "set \"state\" \"${state} pending\";\n"
	    "if string :matches \" ${state} \" \"* pending *\" {\n"
	    "    # the above test always succeeds\n"
	    "    discard;\n}\n", msg_plain, NULL, "discard");
	/* 3.2: a test that fails leaves the match variables as they were */
	RUN("require [\"variables\", \"fileinto\"];\n"
	    "if header :matches \"subject\" \"h*\" { }\n"
	    "if header :matches \"subject\" \"x*\" { }\n"
	    "fileinto \"${1}\";", msg_plain, NULL, "fileinto:ello");
}

/* ---- RFC 5230 ---- */

TEST(sieve_rfcall_rfc5230)
{
	static const char *const own[] = { "me@example.com", NULL };
	struct stl_env env = { .from = "friend@other.example.net",
			       .to = "me@example.com", .own = own,
			       .vacation_detail = true };
	/* the cyrus / call me example: test-sieve-rfc.c */
	/* :subject with a match variable */
	static const char subj[] =
		"require [\"vacation\", \"variables\"];\n"
		"if header :matches \"subject\" \"*\" {\n"
		"    vacation :subject \"Automatic response to: ${1}\"\n"
		"             \"I'm away -- send mail to foo in my absence\";\n}\n";
	RUN_HAS(subj, msg_plain, &env,
		"vacation:friend@other.example.net:604800:"
		"Automatic response to: hello|");
	RUN_HAS(subj, msg_plain, &env,
		"|-|-|I'm away -- send mail to foo in my absence; keep");
	/* :handle: both branches are one reply (same handle) */
	static const char h[] =
		"require \"vacation\";\n"
		"if header :contains \"subject\" \"lunch\" {\n"
		"    vacation :handle \"ran-away\" \"I'm out and can't meet for lunch\";\n"
		"} else {\n"
		"    vacation :handle \"ran-away\" \"I'm out\";\n}\n";
	RUN_HAS(h, "To: me@example.com\nSubject: lunch?\n\nx\n", &env,
		"|ran-away|-|-|I'm out and can't meet for lunch; keep");
	RUN_HAS(h, msg_plain, &env, "|ran-away|-|-|I'm out; keep");
	/* :mime */
	static const char mime[] =
		"require \"vacation\";\n"
		"vacation :mime text:\n"
		"Content-Type: multipart/alternative; boundary=foo\n"
		"\n"
		"--foo\n"
		"\n"
		"I'm at the beach relaxing.  Mmmm, surf...\n"
		"\n"
		"--foo\n"
		"Content-Type: text/html; charset=us-ascii\n"
		"\n"
		"<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.0//EN\"\n"
		" \"http://www.w3.org/TR/REC-html40/strict.dtd\">\n"
		"<HTML><HEAD><TITLE>How to relax</TITLE>\n"
		"<BASE HREF=\"http://home.example.com/pictures/\"></HEAD>\n"
		"<BODY><P>I'm at the <A HREF=\"beach.gif\">beach</A> relaxing.\n"
		"Mmmm, <A HREF=\"ocean.gif\">surf</A>...\n"
		"</BODY></HTML>\n"
		"\n"
		"--foo--\n"
		"\n"
		".\n;\n";
	RUN_HAS(mime, msg_plain, &env,
		"|-|mime|Content-Type: multipart/alternative; boundary=foo\r\n");
	RUN_HAS(mime, msg_plain, &env, "--foo--\r\n\r\n; keep");
	/* :days 23 :addresses: the message is to one of them */
	static const char days[] =
		"require \"vacation\";\n"
		"vacation :days 23 :addresses [\"tjs@example.edu\",\n"
		"                              \"ts4z@landru.example.edu\"]\n"
		"\"I'm away until October 19.  If it's an emergency, call 911, I guess.\" ;\n";
	RUN_HAS(days, "From: x@y.example\nTo: tjs@example.edu\nSubject: s\n\nx\n",
		&env, "vacation:friend@other.example.net:1987200:Auto: s|");
	/* 4.5: not to one of the user's addresses: no reply */
	RUN(days, "From: x@y.example\nTo: someone@example.edu\n\nx\n", &env,
	    "keep");
	/* boss: redirect, everyone else the vacation reply */
	static const char boss[] =
		"require \"vacation\";\n"
		"if header :contains \"from\" \"boss@example.edu\" {\n"
		"    redirect \"pleeb@isp.example.org\";\n"
		"} else {\n"
		"    vacation \"Sorry, I'm away, I'll read your\n"
		"message when I get around to it.\";\n}\n";
	RUN(boss, "From: boss@example.edu\nTo: me@example.com\n\nx\n", &env,
	    "redirect:pleeb@isp.example.org");
	RUN_HAS(boss, msg_plain, &env,
		"|Sorry, I'm away, I'll read your\n"
		"message when I get around to it.; keep");
	/* the two language examples: the reply chosen by a test */
	static const char lang[] =
		"require \"vacation\";\n"
		"if header :contains [\"accept-language\", \"content-language\"] \"en\"\n"
		"{\n"
		"    vacation \"I am away this week.\";\n"
		"} else {\n"
		"    vacation \"Estoy ausente esta semana.\";\n}\n";
	RUN_HAS(lang, "To: me@example.com\nContent-Language: en-US\n\nx\n", &env,
		"|I am away this week.; keep");
	RUN_HAS(lang, "To: me@example.com\nContent-Language: es\n\nx\n", &env,
		"|Estoy ausente esta semana.; keep");
	static const char fish[] =
		"require \"vacation\";\n"
		"if address :matches \"from\" \"*@ourdivision.example.com\"\n"
		"{\n"
		"    vacation :subject \"Gone fishing\"\n"
		"             \"Having lots of fun! Back in a day or two!\";\n"
		"} else {\n"
		"    vacation :subject \"Je suis parti cette semaine\"\n"
		"             \"Je lirai votre message quand je retourne.\";\n}\n";
	RUN_HAS(fish, "From: a@ourdivision.example.com\nTo: me@example.com\n\nx\n",
		&env, ":Gone fishing|");
	RUN_HAS(fish, "From: a@ourdivision.example.com\nTo: me@example.com\n\nx\n",
		&env, "|-|-|Having lots of fun! Back in a day or two!; keep");
	RUN_HAS(fish, msg_plain, &env, ":Je suis parti cette semaine|");
	RUN_HAS(fish, msg_plain, &env,
		"|-|-|Je lirai votre message quand je retourne.; keep");
}

TEST(sieve_rfcall_rfc5231)
{
	/* 9: the message and the :count tests with the results it states */
	static const char m[] =
		"received: ...\nreceived: ...\n"
		"subject: example\n"
		"to: foo@example.com.invalid, baz@example.com.invalid\n"
		"cc: qux@example.com.invalid\n\nx\n";
	static const char s[] =
		"require [\"relational\", \"comparator-i;ascii-numeric\", \"fileinto\"];\n"
		"if address :count \"ge\" :comparator \"i;ascii-numeric\"\n"
		"        [\"to\", \"cc\"] [\"3\"] { fileinto \"t1\"; }\n"
		"if anyof ( address :count \"ge\" :comparator \"i;ascii-numeric\"\n"
		"                   [\"to\"] [\"3\"],\n"
		"           address :count \"ge\" :comparator \"i;ascii-numeric\"\n"
		"                   [\"cc\"] [\"3\"] ) { fileinto \"t2\"; }\n"
		"if header :count \"ge\" :comparator \"i;ascii-numeric\"\n"
		"        [\"received\"] [\"3\"] { fileinto \"t3\"; }\n"
		"if header :count \"ge\" :comparator \"i;ascii-numeric\"\n"
		"        \"received\" [\"2\", \"3\"] { fileinto \"t4\"; }\n"
		"if header :count \"ge\" :comparator \"i;ascii-numeric\"\n"
		"        [\"received\", \"subject\"] [\"3\"] { fileinto \"t5\"; }\n"
		"if header :count \"ge\" :comparator \"i;ascii-numeric\"\n"
		"        [\"to\", \"cc\"] [\"3\"] { fileinto \"t6\"; }\n";
	RUN(s, m, NULL, "fileinto:t1; fileinto:t4; fileinto:t5");
	/* :value "gt" with ascii-casemap compares as strings */
	RUN("require \"relational\";\n"
	    "if header :value \"gt\" \"subject\" \"M\" { discard; }",
	    "Subject: Nice\n\nx\n", NULL, "discard");
	/* a relational match without a relation is an error */
	RUN("require \"relational\";\nif header :value \"xx\" \"subject\" \"M\" { discard; }",
	    msg_plain, NULL,
	    "error 2:18: unknown relational operator \"xx\"");
}

/* ---- RFC 5232 ---- */

TEST(sieve_rfcall_rfc5232)
{
	/* 3.1-3.3: the flag variable's value after each command */
	RUN("require [\"imap4flags\", \"variables\", \"fileinto\"];\n"
	    "setflag \"flagvar\" \"\\\\Flagged\";\n"
	    "fileinto \"${flagvar}\";\n"
	    "addflag \"flagvar\" \"\\\\Deleted\";\n"
	    "addflag \"flagvar\" [\"\\\\Deleted\", \"\\\\Answered\"];\n"
	    "fileinto \"${flagvar}\";\n"
	    "removeflag \"flagvar\" \"\\\\Flagged\";\n"
	    "fileinto \"${flagvar}\";\n"
	    "removeflag \"flagvar\" [\"\\\\Deleted\", \"\\\\Answered\"];\n"
	    "fileinto \"[${flagvar}]\";\n",
	    msg_plain, NULL,
	    "fileinto:\\Flagged; fileinto:\\Flagged \\Deleted \\Answered; "
	    "fileinto:\\Deleted \\Answered; fileinto:[]");
	/* 4: hasflag on "MyVar" */
	RUN("require [\"imap4flags\", \"variables\", \"relational\",\n"
	    "         \"comparator-i;ascii-numeric\", \"fileinto\"];\n"
	    "set \"MyVar\" \"NonJunk Junk gnus-forward $Forwarded NotJunk JunkRecorded $Junk $NotJunk\";\n"
	    "if hasflag :contains \"MyVar\" \"Junk\" { fileinto \"1\"; }\n"
	    "if hasflag :contains \"MyVar\" \"forward\" { fileinto \"2\"; }\n"
	    "if hasflag :contains \"MyVar\" [\"label\", \"forward\"] { fileinto \"3\"; }\n"
	    "if hasflag :contains \"MyVar\" [\"junk\", \"forward\"] { fileinto \"4\"; }\n"
	    "if hasflag :count \"ge\" :comparator \"i;ascii-numeric\" \"MyVar\" \"2\" { fileinto \"5\"; }\n"
	    "if hasflag :is \"MyVar\" \"Junk\" { fileinto \"6\"; }\n"
	    "if hasflag :is \"MyVar\" \"label\" { fileinto \"7\"; }\n",
	    msg_plain, NULL,
	    "fileinto:1; fileinto:2; fileinto:3; fileinto:4; fileinto:5; fileinto:6");
	/* 5: :flags on fileinto and keep replace the internal variable */
	RUN("require [\"imap4flags\", \"fileinto\"];\n"
	    "addflag \"\\\\Seen\";\n"
	    "fileinto :flags \"\\\\Deleted\" \"INBOX.From Boss\";\n"
	    "keep :flags [\"$Work\", \"\\\\Flagged\"];\n",
	    msg_plain, NULL,
	    "fileinto:INBOX.From Boss[\\Deleted]; keep[$Work \\Flagged]");
	/* 3.1-3.3, 4, 5: the snippets as printed */
	char *big = msg_sized("From: boss@company.example.com\r\n\r\n", 1048577);
	RUN("require \"imap4flags\";\n"
	    "if size :over 500K {\n    setflag \"\\\\Deleted\";\n}\n",
	    big, NULL, "keep[\\Deleted]");
	RUN("require \"imap4flags\";\n"
	    "require \"fileinto\";\n\n"
	    "if header :contains \"from\" \"boss@frobnitzm.example.edu\" {\n"
	    "    setflag \"flagvar\" \"\\\\Flagged\";\n"
	    "    fileinto :flags \"${flagvar}\" \"INBOX.From Boss\";\n}\n",
	    "From: boss@frobnitzm.example.edu\n\nx\n", NULL,
	    "error 5:13: a variable name argument needs require \"variables\"");
	RUN("require [\"imap4flags\", \"variables\"];\n"
	    "require \"fileinto\";\n\n"
	    "if header :contains \"from\" \"boss@frobnitzm.example.edu\" {\n"
	    "    setflag \"flagvar\" \"\\\\Flagged\";\n"
	    "    fileinto :flags \"${flagvar}\" \"INBOX.From Boss\";\n}\n",
	    "From: boss@frobnitzm.example.edu\n\nx\n", NULL,
	    "fileinto:INBOX.From Boss[\\Flagged]");
	RUN("require [\"imap4flags\", \"variables\", \"fileinto\"];\n\n"
	    "addflag \"flagvar\" \"\\\\Deleted\";\n"
	    "addflag \"flagvar\" \"\\\\Answered\";\n\n"
	    "addflag \"flagvar\" [\"\\\\Deleted\", \"\\\\Answered\"];\n\n"
	    "addflag \"flagvar\" \"\\\\Deleted \\\\Answered\";\n\n"
	    "addflag \"flagvar\" \"\\\\Answered \\\\Deleted\";\n"
	    "fileinto \"${flagvar}\";\n",
	    msg_plain, NULL, "fileinto:\\Deleted \\Answered");
	static const char mdn[] =
		"require \"imap4flags\";\n"
		"require \"fileinto\";\n\n"
		"if header :contains \"Disposition-Notification-To\"\n"
		"    \"mel@example.com\" {\n"
		"     addflag \"flagvar\" \"$MDNRequired\";\n}\n"
		"if header :contains \"from\" \"imap@cac.washington.example.edu\" {\n"
		"    removeflag \"flagvar\" \"$MDNRequired\";\n"
		"    fileinto :flags \"${flagvar}\" \"INBOX.imap-list\";\n}\n";
	RUN(mdn, "Disposition-Notification-To: mel@example.com\n"
	    "From: imap@cac.washington.example.edu\n\nx\n", NULL,
	    "error 6:14: a variable name argument needs require \"variables\"");
	char *mdnv = xasprintf("require \"variables\";\n%s", mdn);
	RUN(mdnv, "Disposition-Notification-To: mel@example.com\n"
	    "From: imap@cac.washington.example.edu\n\nx\n", NULL,
	    "fileinto:INBOX.imap-list");
	RUN(mdnv, "Disposition-Notification-To: mel@example.com\n\nx\n", NULL,
	    "keep");
	free(mdnv);
	RUN("require [\"imap4flags\", \"fileinto\"];\n\n"
	    "setflag \"A b\";\n"
	    "if hasflag :is \"b A\" { fileinto \"1\"; }\n"
	    "if hasflag [\"b\",\"A\"] { fileinto \"2\"; }\n",
	    msg_plain, NULL, "fileinto:1[A b]; fileinto:2[A b]");
	RUN("require [\"imap4flags\", \"variables\", \"fileinto\"];\n"
	    "set \"MyVar\" \"NonJunk Junk gnus-forward $Forwarded NotJunk JunkRecorded $Junk $NotJunk\";\n"
	    "if hasflag :contains \"MyVar\" \"junk forward\" { fileinto \"1\"; }\n"
	    "if hasflag :contains \"MyVar\" \"forward junk\" { fileinto \"2\"; }\n"
	    "if hasflag :contains \"MyVar\" \"label\" { fileinto \"3\"; }\n"
	    "if hasflag :contains \"MyVar\" [\"label1\", \"label2\"] { fileinto \"4\"; }\n",
	    msg_plain, NULL, "fileinto:1; fileinto:2");
	RUN("require [\"imap4flags\", \"variables\"];\n"
	    "require \"fileinto\";\n\n"
	    "set \"MyFlags\" \"$Work\";\n"
	    "fileinto :flags \"\\\\Deleted\" \"INBOX.From Boss\";\n"
	    "keep :flags \"${MyFlags}\";\n",
	    msg_plain, NULL, "fileinto:INBOX.From Boss[\\Deleted]; keep[$Work]");
	/* 6: the extended example */
	static const char s[] =
		"#\n# Example Sieve Filter\n"
		"# Declare any optional features or extension used by the script\n#\n"
		"require [\"fileinto\", \"imap4flags\", \"variables\"];\n\n"
		"#\n# Move large messages to a special mailbox\n#\n"
		"  if size :over 1M\n        {\n"
		"        addflag \"MyFlags\" \"Big\";\n"
		"        if header :is \"From\" \"boss@company.example.com\"\n"
		"                   {\n"
		"# The message will be marked as \"\\Flagged Big\" when filed into\n"
		"# mailbox \"Big messages\"\n"
		"                   addflag \"MyFlags\" \"\\\\Flagged\";\n"
		"                   }\n"
		"        fileinto :flags \"${MyFlags}\" \"Big messages\";\n"
		"        }\n\n"
		"if header :is \"From\" \"grandma@example.net\"\n        {\n"
		"        addflag \"MyFlags\" [\"\\\\Answered\", \"$MDNSent\"];\n"
		"# If the message is bigger than 1Mb it will be marked as\n"
		"# \"Big \\Answered $MDNSent\" when filed into mailbox \"grandma\".\n"
		"# If the message is shorter than 1Mb it will be marked as\n"
		"# \"\\Answered $MDNSent\"\n"
		"        fileinto :flags \"${MyFlags}\" \"GrandMa\";\n"
		"        }\n\n"
		"#\n# Handle messages from known mailing lists\n"
		"# Move messages from IETF filter discussion list to filter folder\n#\n"
		"if header :is \"Sender\" \"owner-ietf-mta-filters@example.org\"\n"
		"        {\n"
		"        set \"MyFlags\" \"\\\\Flagged $Work\";\n"
		"# Message will have both \"\\Flagged\" and $Work flags\n"
		"        keep :flags \"${MyFlags}\";\n"
		"        }\n\n"
		"#\n# Keep all messages to or from people in my company\n#\n"
		"elsif anyof( address :domain :is [\"From\", \"To\"] \"company.example.com\")\n"
		"        {\n"
		"        keep :flags \"${MyFlags}\"; # keep in \"Inbox\" folder\n"
		"        }\n\n"
		"# Try to catch unsolicited email.  If a message is not to me,\n"
		"# or it contains a subject known to be spam, file it away.\n#\n"
		"elsif anyof (not address :all :contains\n"
		"               [\"To\", \"Cc\"] \"me@company.example.com\",\n"
		"             header :matches \"subject\"\n"
		"               [\"*make*money*fast*\", \"*university*dipl*mas*\"])\n\n"
		"        {\n"
		"        removeflag \"MyFlags\" \"\\\\Flagged\";\n"
		"        fileinto :flags \"${MyFlags}\" \"spam\";\n"
		"        }\n"
		"else\n        {\n"
		"        # Move all other external mail to \"personal\"\n"
		"        # folder.\n"
		"        fileinto :flags \"${MyFlags}\" \"personal\";\n"
		"        }\n";
	RUN(s, big, NULL,
	    "fileinto:Big messages[Big \\Flagged]; keep[Big \\Flagged]");
	free(big);
	RUN(s, "From: grandma@example.net\nTo: me@company.example.com\n\nx\n",
	    NULL, "fileinto:GrandMa[\\Answered $MDNSent]; keep[\\Answered $MDNSent]");
	RUN(s, "From: grandma@example.net\nTo: x@y.example\n\nx\n", NULL,
	    "fileinto:GrandMa[\\Answered $MDNSent]; fileinto:spam[\\Answered $MDNSent]");
	RUN(s, "Sender: owner-ietf-mta-filters@example.org\n\nx\n", NULL,
	    "keep[\\Flagged $Work]");
	RUN(s, "From: a@b.example\nTo: x@y.example\n\nx\n", NULL, "fileinto:spam");
	RUN(s, "From: a@company.example.com\n\nx\n", NULL, "keep");
	RUN(s, "From: a@b.example\nTo: x@y.example\nCc: me@company.example.com\n"
	    "Subject: Make money fast\n\nx\n", NULL, "fileinto:spam");
	RUN(s, "From: a@b.example\nTo: x@y.example\nCc: me@company.example.com\n"
	    "\nx\n", NULL, "fileinto:personal");
}

/* ---- RFC 5233 ---- */

TEST(sieve_rfcall_rfc5233)
{
	static const char s[] =
		"require [\"envelope\", \"subaddress\", \"fileinto\"];\n"
		"# In this example the same user account receives mail for both\n"
		"# \"ken@example.com\" and \"postmaster@example.com\"\n"
		"# File all messages to postmaster into a single mailbox,\n"
		"# ignoring the :detail part.\n"
		"if envelope :user \"to\" \"postmaster\" {\n"
		"    fileinto \"inbox.postmaster\";\n    stop;\n}\n"
		"# File mailing list messages (subscribed as \"ken+mta-filters\").\n"
		"if envelope :detail \"to\" \"mta-filters\" {\n"
		"    fileinto \"inbox.ietf-mta-filters\";\n}\n"
		"# Redirect all mail sent to \"ken+foo\".\n"
		"if envelope :detail \"to\" \"foo\" {\n"
		"    redirect \"ken@example.net\";\n}\n";
	struct stl_env env = { .to = "postmaster+x@example.com" };
	RUN(s, msg_plain, &env, "fileinto:inbox.postmaster");
	env.to = "postmaster@example.com";
	RUN(s, msg_plain, &env, "fileinto:inbox.postmaster");
	env.to = "ken+mta-filters@example.com";
	RUN(s, msg_plain, &env, "fileinto:inbox.ietf-mta-filters");
	env.to = "ken+foo@example.com";
	RUN(s, msg_plain, &env, "redirect:ken@example.net");
	env.to = "ken@example.com";
	RUN(s, msg_plain, &env, "keep");
	/* 4: "ken+" has the empty detail, "ken" none at all */
	static const char e[] =
		"require [\"envelope\", \"subaddress\"];\n"
		"if envelope :detail \"to\" \"\" { discard; }\n";
	env.to = "ken+@example.com";
	RUN(e, msg_plain, &env, "discard");
	env.to = "ken@example.com";
	RUN(e, msg_plain, &env, "keep");
}

/* ---- RFC 5235 ---- */

TEST(sieve_rfcall_rfc5235)
{
	/* 3.2: the spamtestplus example: :count "eq" "0" is "not tested"
	 * (with :percent "0" is a score, "definitely not spam") */
	static const char p[] =
		"require [\"spamtestplus\", \"fileinto\", \"relational\",\n"
		"         \"comparator-i;ascii-numeric\"];\n"
		"if spamtest :percent :count \"eq\"\n"
		"            :comparator \"i;ascii-numeric\" \"0\"\n"
		"{\n    fileinto \"INBOX.unclassified\";\n}\n"
		"elsif spamtest :percent :value \"eq\"\n"
		"               :comparator \"i;ascii-numeric\" \"0\"\n"
		"{\n    fileinto \"INBOX.not-spam\";\n}\n"
		"elsif spamtest :percent :value \"lt\"\n"
		"               :comparator \"i;ascii-numeric\" \"37\"\n"
		"{\n    fileinto \"INBOX.spam-trap\";\n}\n"
		"else\n{\n    discard;\n}\n";
	RUN(p, "X-Spam-Score: no score\n\nx\n", NULL, "fileinto:INBOX.unclassified");
	/* 3.2: the first spamtestplus example (:value "eq" "0" without
	 * :percent is "not tested") */
	static const char pv[] =
		"require [\"spamtestplus\", \"fileinto\", \"relational\",\n"
		"         \"comparator-i;ascii-numeric\"];\n\n"
		"if spamtest :value \"eq\"\n"
		"            :comparator \"i;ascii-numeric\" \"0\"\n"
		"{\n    fileinto \"INBOX.unclassified\";\n}\n"
		"elsif spamtest :percent :value \"eq\"\n"
		"                :comparator \"i;ascii-numeric\" \"0\"\n"
		"{\n    fileinto \"INBOX.not-spam\";\n}\n"
		"elsif spamtest :percent :value \"lt\"\n"
		"                :comparator \"i;ascii-numeric\" \"37\"\n"
		"{\n    fileinto \"INBOX.spam-trap\";\n}\n"
		"else\n{\n    discard;\n}\n";
	/* the two examples decide alike */
	static const char *const both[] = { p, pv };
	for (size_t i = 0; i < 2; i++) {
		RUN(both[i], msg_plain, NULL, "fileinto:INBOX.unclassified");
		RUN(both[i], "X-Spam-Score: 0\n\nx\n", NULL, "fileinto:INBOX.not-spam");
		RUN(both[i], "X-Spam-Score: 3\n\nx\n", NULL, "fileinto:INBOX.spam-trap");
		RUN(both[i], "X-Spam-Score: 12\n\nx\n", NULL, "discard");
	}
	/* without :percent, "0" is the untested value, one of it */
	RUN("require [\"spamtest\", \"relational\", \"comparator-i;ascii-numeric\"];\n"
	    "if spamtest :count \"eq\" :comparator \"i;ascii-numeric\" \"1\" { discard; }",
	    msg_plain, NULL, "discard");
	/* :percent without spamtestplus */
	RUN("require [\"spamtest\", \"relational\", \"comparator-i;ascii-numeric\"];\n"
	    "if spamtest :percent :value \"ge\" :comparator \"i;ascii-numeric\" \"50\" { discard; }",
	    msg_plain, NULL,
	    "error 2:13: tag ':percent' of the spamtest test needs require \"spamtestplus\"");
}

/* ---- RFC 5260 ---- */

/* the first Received on a Saturday */
static const char msg_date[] =
	"From: boss@example.com\nDate: Tue, 1 Apr 1997 09:06:31 -0800\n"
	"Received: from a by b; Sat, 24 Feb 2007 08:00:00 -0500\n"
	"Received: from c by d; Mon, 26 Feb 2007 10:00:00 -0500\n\nx\n";

TEST(sieve_rfcall_rfc5260)
{
	/* 4 / 5: weekend (received is Saturday: the first Received) */
	static const char w[] =
		"require [\"date\", \"fileinto\"];\n"
		"if anyof(date :is \"received\" \"weekday\" \"0\",\n"
		"         date :is \"received\" \"weekday\" \"6\")\n"
		"{ fileinto \"weekend\"; }\n";
	RUN(w, msg_date, NULL, "fileinto:weekend");
	RUN(w, "Received: from c by d; Mon, 26 Feb 2007 10:00:00 -0500\n\nx\n",
	    NULL, "keep");
	/* 5: out of hours to the pager (now is Wednesday 00:00 UTC) */
	RUN("require [\"date\", \"relational\"];\n"
	    "if anyof(currentdate :is \"weekday\" \"0\",\n"
	    "         currentdate :is \"weekday\" \"6\",\n"
	    "         currentdate :value \"lt\" \"hour\" \"09\",\n"
	    "         currentdate :value \"ge\" \"hour\" \"17\")\n"
	    "{ redirect \"pager@example.com\"; }\n",
	    msg_plain, NULL, "redirect:pager@example.com");
	/* 5: vacation in the first week of July 2007 (now is 2025-12-03) */
	RUN("require [\"date\", \"relational\", \"vacation\"];\n"
	    "if allof(currentdate :value \"ge\" \"date\" \"2007-06-30\",\n"
	    "         currentdate :value \"le\" \"date\" \"2007-07-07\")\n"
	    "{ vacation :days 7  \"I'm away during the first week in July.\"; }\n",
	    "From: a@b.example\nTo: rcpt@example.com\n\nx\n", NULL, "keep");
	/* 5: the std11 form of currentdate, for a header (editheader is
	 * not offered: the example fails to compile on its require) */
	RUN("require [\"variables\", \"date\", \"editheader\"];\n"
	    "if currentdate :matches \"std11\" \"*\"\n"
	    "{addheader \"Processing-date\" \"${0}\";}\n",
	    msg_plain, NULL,
	    "error 1:9: unknown extension \"editheader\"");
	RUN("require [\"variables\", \"date\", \"fileinto\"];\n"
	    "if currentdate :matches \"std11\" \"*\"\n"
	    "{fileinto \"${0}\";}\n",
	    msg_plain, NULL, "fileinto:Wed, 03 Dec 2025 00:00:00 +0000");
	/* 4.2: the RFC's list of date-parts, for Tue, 1 Apr 1997 09:06:31
	 * -0800 in its original zone */
	RUN("require [\"date\", \"variables\", \"fileinto\"];\n"
	    "set \"o\" \"\";\n"
	    "if date :originalzone :matches \"date\" \"year\" \"*\" { set \"o\" \"${o}${1} \"; }\n"
	    "if date :originalzone :matches \"date\" \"month\" \"*\" { set \"o\" \"${o}${1} \"; }\n"
	    "if date :originalzone :matches \"date\" \"day\" \"*\" { set \"o\" \"${o}${1} \"; }\n"
	    "if date :originalzone :matches \"date\" \"date\" \"*\" { set \"o\" \"${o}${1} \"; }\n"
	    "if date :originalzone :matches \"date\" \"julian\" \"*\" { set \"o\" \"${o}${1} \"; }\n"
	    "if date :originalzone :matches \"date\" \"hour\" \"*\" { set \"o\" \"${o}${1} \"; }\n"
	    "if date :originalzone :matches \"date\" \"minute\" \"*\" { set \"o\" \"${o}${1} \"; }\n"
	    "if date :originalzone :matches \"date\" \"second\" \"*\" { set \"o\" \"${o}${1} \"; }\n"
	    "if date :originalzone :matches \"date\" \"time\" \"*\" { set \"o\" \"${o}${1} \"; }\n"
	    "if date :originalzone :matches \"date\" \"iso8601\" \"*\" { set \"o\" \"${o}${1} \"; }\n"
	    "if date :originalzone :matches \"date\" \"std11\" \"*\" { set \"o\" \"${o}${1} \"; }\n"
	    "if date :originalzone :matches \"date\" \"zone\" \"*\" { set \"o\" \"${o}${1} \"; }\n"
	    "if date :originalzone :matches \"date\" \"weekday\" \"*\" { set \"o\" \"${o}${1}\"; }\n"
	    "fileinto \"${o}\";\n",
	    msg_date, NULL,
	    "fileinto:1997 04 01 1997-04-01 50539 09 06 31 09:06:31 "
	    "1997-04-01T09:06:31-08:00 Tue, 01 Apr 1997 09:06:31 -0800 -0800 2");
	/* 6: header :index 1 :matches on the first Received (the block is
	 * tern's, to see the match variables) */
	RUN("require [\"index\", \"variables\", \"fileinto\"];\n"
	    "if header :index 1 :matches \"received\" \"*(* [*.*.*.*])*\" {\n"
	    "    fileinto \"${3}.${4}.${5}.${6}\";\n}\n",
	    "Received: from mail.example.com (mail.example.com [192.0.2.1])\n"
	    "  by mx.example.net; Mon, 26 Feb 2007 08:00:00 -0500\n"
	    "Received: from b (b [198.51.100.7]) by c; Mon, 26 Feb 2007 07:00:00 -0500\n"
	    "\nx\n", NULL, "fileinto:192.0.2.1");
	/* 7: :index 2 (the RFC's example has a stray comma before the
	 * block; written without it here, with it a syntax error).
	 * Pigeonhole 0.5 reads the first Received for date :index 2 and
	 * keeps; RFC 5260 7 has :index pick the second, as here. */
	static const char idx[] =
		"require [\"date\", \"relational\", \"index\"];\n"
		"if date :value \"gt\" :index 2 :zone \"-0500\" \"received\"\n"
		"        \"iso8601\" \"2007-02-26T09:00:00-05:00\"\n"
		"{ redirect \"aftercutoff@example.org\"; }\n";
	RUN(idx, msg_date, NULL, "redirect:aftercutoff@example.org");
	RUN(idx, "Received: x; Mon, 26 Feb 2007 10:00:00 -0500\n"
	    "Received: y; Mon, 26 Feb 2007 08:00:00 -0500\n\nx\n", NULL, "keep");
	RUN("require [\"date\", \"relational\", \"index\"];\n"
	    "if date :value \"gt\" :index 2 :zone \"-0500\" \"received\"\n"
	    "        \"iso8601\" \"2007-02-26T09:00:00-05:00\",\n"
	    "{ redirect \"aftercutoff@example.org\"; }\n",
	    msg_date, NULL, "error 3:46: expected ';' or '{' after the command's arguments");
}

/* ---- RFC 5429 ---- */

TEST(sieve_rfcall_rfc5429)
{
	/* 2.2 ereject */
	static const char e[] =
		"require [\"ereject\"];\n\n"
		"if address \"from\" \"someone@example.com\" {\n"
		"    ereject \"I no longer accept mail from this address\";\n}\n";
	RUN(e, "From: Someone <someone@example.com>\n\nx\n", NULL,
	    "ereject:I no longer accept mail from this address");
	/* 2.1 reject of a big message */
	static const char big_r[] =
		"require [\"reject\"];\n\n"
		"if size :over 100K {\n"
		"  reject text:\n"
		"Your message is too big.  If you want to send me a big attachment,\n"
		"put it on a public web site and send me a URL.\n"
		".\n;\n}\n";
	char *big = msg_sized("Subject: big\r\n\r\n", 102401);
	RUN(big_r, big, NULL,
	    "reject:Your message is too big.  If you want to send me a big attachment,\r\n"
	    "put it on a public web site and send me a URL.\r\n");
	RUN(big_r, msg_plain, NULL, "keep");
	free(big);
	RUN(e, msg_plain, NULL, "keep");
	/* 2.1: reject with the require of 2.1.1 */
	RUN("require [\"reject\"];\n\n"
	    "if header :contains \"from\" \"coyote@desert.example.org\" {\n"
	    "    reject text:\nI am not taking mail from you, and I don't\n"
	    "want your birdseed, either!\n.\n;\n}\n",
	    "From: coyote@desert.example.org\n\nx\n", NULL,
	    "reject:I am not taking mail from you, and I don't\r\n"
	    "want your birdseed, either!\r\n");
	/* 2.3 reject cancels the implicit keep; with discard it stays */
	RUN("require \"reject\";\nreject \"no\";\ndiscard;", msg_plain, NULL,
	    "reject:no; discard");
}

/* ---- RFC 5490 ---- */

TEST(sieve_rfcall_rfc5490)
{
	/* 3.1 */
	static const char cr[] =
		"require \"fileinto\";\n"
		"require \"mailbox\";\n\n"
		"if header :contains [\"from\"] \"coyote\" {\n"
		"   fileinto :create \"INBOX.harassment\";\n}\n";
	RUN(cr, "From: coyote@desert.example.org\n\nx\n", NULL,
	    "fileinto:INBOX.harassment:create");
	RUN(cr, msg_plain, NULL, "keep");
	/* 3.2 as printed */
	static const char ex[] =
		"require [\"fileinto\", \"mailbox\"];\n"
		"if mailboxexists \"Partners\" {\n"
		"   fileinto \"Partners\";\n} else {\n   keep;\n}\n";
	/* 3.2: several names, true only when all exist */
	static const char *const boxes[] = { "Partners", "Friends", NULL };
	struct stl_env env = { .mailboxes = boxes };
	RUN(ex, msg_plain, &env, "fileinto:Partners");
	RUN(ex, msg_plain, NULL, "keep");
	RUN("require [\"mailbox\"];\n"
	    "if mailboxexists [\"Partners\", \"Friends\"] { discard; }", msg_plain,
	    &env, "discard");
	RUN("require [\"mailbox\"];\n"
	    "if mailboxexists [\"Partners\", \"Others\"] { discard; }", msg_plain,
	    &env, "keep");
	/* 3.3-3.6: the metadata extensions are not offered */
	RUN("require [\"mboxmetadata\", \"vacation\"];\n"
	    "if metadata :is \"INBOX\"\n"
	    "    \"/private/vendor/vendor.isode/auto-replies\" \"on\" {\n"
	    "    vacation text:\nI'm away on holidays till March 2009.\n"
	    "Expect a delay.\n.\n;\n}\n",
	    msg_plain, NULL, "error 1:9: unknown extension \"mboxmetadata\"");
	RUN("require [\"servermetadata\", \"variables\", \"envelope\"];\n"
	    "if servermetadata :matches\n"
	    "    \"/private/vendor/vendor.isode/notification-uri\" \"*\" {\n"
	    "    set \"notif_uri\" \"${0}\";\n}\n",
	    msg_plain, NULL, "error 1:9: unknown extension \"servermetadata\"");
}

/* ---- RFC 3894 ---- */

TEST(sieve_rfcall_rfc3894)
{
	/* not an RFC example (no source shows it; the RFC's, fileinto
	 * :copy "incoming", is in test-sieve-rfc.c): redirect :copy under
	 * a test */
	static const char s[] =
		"require [\"copy\"];\n"
		"if header :contains \"subject\" \"sieve\" {\n"
		"    redirect :copy \"sieve-admin@example.com\";\n}\n";
	RUN(s, "Subject: a sieve question\n\nx\n", NULL,
	    "redirect:sieve-admin@example.com:copy; keep");
	RUN(s, msg_plain, NULL, "keep");
	/* :copy keeps the implicit keep, explicit discard still cancels */
	RUN("require [\"copy\", \"fileinto\"];\n"
	    "fileinto :copy \"archive\";\ndiscard;", msg_plain, NULL,
	    "fileinto:archive:copy; discard");
}

/* ---- RFC 5173 ---- */

static const char msg_mp3[] =
	"From: a@b.example\n"
	"Content-Type: multipart/mixed; boundary=\"B\"\n"
	"\n"
	"--B\n"
	"Content-Type: text/plain\n"
	"\n"
	"the coordinates are enclosed\n"
	"--B\n"
	"Content-Type: audio/mp3\n"
	"Content-Transfer-Encoding: base64\n"
	"\n"
	"SUQz\n"
	"--B--\n";

TEST(sieve_rfcall_rfc5173)
{
	/* 6: the first example (two rules) */
	static const char s[] =
		"require [\"body\", \"fileinto\"];\n"
		"# Save any message with any text MIME part that contains the\n"
		"# words \"missile\" or \"coordinates\" in the \"secrets\" folder.\n"
		"if body :content \"text\" :contains [\"missile\", \"coordinates\"] {\n"
		"        fileinto \"secrets\";\n}\n"
		"# Save any message with an audio/mp3 MIME part in\n"
		"# the \"jukebox\" folder.\n"
		"if body :content \"audio/mp3\" :contains \"\" {\n"
		"        fileinto \"jukebox\";\n}\n";
	RUN(s, msg_mp3, NULL, "fileinto:secrets; fileinto:jukebox");
	RUN(s, msg_plain, NULL, "keep");
	/* 6: :text */
	static const char t[] =
		"require [\"body\", \"fileinto\"];\n"
		"# Save messages mentioning the project schedule in the\n"
		"# project/schedule folder.\n"
		"if body :text :contains \"project schedule\" {\n"
		"        fileinto \"project/schedule\";\n}\n";
	RUN(t, "Subject: x\n\nwhere is the project schedule?\n", NULL,
	    "fileinto:project/schedule");
	RUN(t, msg_plain, NULL, "keep");
	/* 5.1 :raw: the body undecoded */
	static const char r[] =
		"require \"body\";\n\n"
		"# This will match a message containing the literal text\n"
		"# \"MAKE MONEY FAST\" in body parts (ignoring any\n"
		"# content-transfer-encodings) or MIME headers other than\n"
		"# the outermost RFC 2822 header.\n\n"
		"if body :raw :contains \"MAKE MONEY FAST\" {\n        discard;\n}\n";
	RUN(r, "Subject: x\n\nMAKE MONEY FAST today\n", NULL, "discard");
	RUN(r, "Subject: x\nContent-Transfer-Encoding: base64\n\n"
	    "TUFLRSBNT05FWSBGQVNU\n", NULL, "keep");
	/* 5.1: MIME part headers are in the raw body, the outer header
	 * is not */
	RUN(r, "Subject: MAKE MONEY FAST\nContent-Type: multipart/mixed; boundary=b\n"
	    "\n--b\nContent-Type: text/plain\n\nhello\n--b--\n", NULL, "keep");
	RUN(r, "Content-Type: multipart/mixed; boundary=b\n"
	    "\n--b\nContent-Type: text/plain\nX-Note: MAKE MONEY FAST\n\n"
	    "hello\n--b--\n", NULL, "discard");
	/* 5: :content "" matches every part */
	RUN("require \"body\";\nif body :content \"\" :contains \"SUQz\" { discard; }",
	    msg_mp3, NULL, "keep");
	RUN("require \"body\";\nif body :content \"audio\" :contains \"ID3\" { discard; }",
	    msg_mp3, NULL, "discard");
}

/* ---- RFC 6609 ---- */

TEST(sieve_rfcall_rfc6609)
{
	/* 5: the example's scripts */
	static const char *const scripts[] = {
		"always_allow",
		"if address :is \"from\" \"boss@example.com\"\n{\n    keep;\n}\n"
		"elsif address :is \"from\" \"ceo@example.com\"\n{\n    keep;\n}\n",
		"global:spam_tests",
		"require [\"reject\"];\n"
		"if header :contains \"Subject\" \"XXXX\"\n{\n"
		"    reject \"Subject XXXX is unacceptable.\";\n}\n"
		"elsif address :is \"from\" \"money@example.com\"\n{\n"
		"    reject \"Mail from this sender is unwelcome.\";\n}\n",
		"spam_tests",
		"require [\"reject\"];\n"
		"if header :contains \"Subject\" \"$$$\"\n{\n"
		"    reject \"Subject $$$ is unacceptable.\";\n}\n"
		"elsif address :is \"from\" \"cash@example.com\"\n{\n"
		"    reject \"Mail from this sender is unwelcome.\";\n}\n",
		"mailing_lists",
		"require [\"fileinto\"];\n"
		"if header :is \"Sender\" \"owner-ietf-mta-filters@example.org\"\n{\n"
		"    fileinto \"lists.sieve\";\n}\n"
		"elsif header :is \"Sender\" \"owner-ietf-imapext@example.org\"\n{\n"
		"    fileinto \"lists.imapext\";\n}\n",
		NULL,
	};
	struct stl_env env = { .scripts = scripts };
	static const char main_s[] =
		"require [\"include\"];\n\n"
		"include :personal \"always_allow\";\n"
		"include :global \"spam_tests\";\n"
		"include :personal \"spam_tests\";\n"
		"include :personal \"mailing_lists\";\n";
	/* keep (always_allow) then reject (the global spam_tests, its
	 * line 4): the two conflict, a runtime error (RFC 5429 2.1) */
	RUN(main_s, "From: boss@example.com\nSubject: XXXX\n\nx\n", &env,
	    "runtime 4: reject conflicts with an earlier keep/fileinto/redirect/vacation action");
	RUN(main_s, "From: a@b.example\nSubject: XXXX\n\nx\n", &env,
	    "reject:Subject XXXX is unacceptable.");
	RUN(main_s, "From: cash@example.com\n\nx\n", &env,
	    "reject:Mail from this sender is unwelcome.");
	RUN(main_s, "Sender: owner-ietf-imapext@example.org\n\nx\n", &env,
	    "fileinto:lists.imapext");
	RUN(main_s, msg_plain, &env, "keep");
	/* :global and :personal are separate namespaces */
	RUN("require \"include\";\ninclude :global \"mailing_lists\";",
	    msg_plain, &env,
	    "error 2:1: included global script \"mailing_lists\" not found");
	/* 3.4 global without variables: error; 3.3 return at top level */
	RUN("require \"include\";\nglobal \"x\";", msg_plain, NULL,
	    "error 2:1: global needs require \"variables\"");
	RUN("require \"include\";\nreturn;\ndiscard;", msg_plain, NULL, "keep");
	/* 3.1: :once and :optional together; the included require list
	 * is its own */
	static const char *const lib[] = {
		"lib", "require \"fileinto\";\nfileinto \"lib\";\n", NULL };
	struct stl_env e2 = { .scripts = lib };
	RUN("require \"include\";\ninclude :once :optional \"lib\";\n"
	    "include :once \"lib\";\ninclude :optional \"gone\";\n",
	    msg_plain, &e2, "fileinto:lib");
	RUN("require \"include\";\nfileinto \"x\";", msg_plain, &e2,
	    "error 2:1: the fileinto command needs require \"fileinto\"");
}

TEST(sieve_rfcall_rfc6609_global_namespace)
{
	/* 3.5: the global. namespace, set in one script, read in another */
	static const char *const scripts[] = {
		"vac",
		"require [\"variables\", \"include\", \"vacation\"];\n"
		"if string :is \"${global.i_am_on_vacation}\" \"1\"\n{\n"
		"    vacation \"It's true, I am on vacation.\";\n}\n",
		NULL,
	};
	static const char *const own[] = { "me@example.com", NULL };
	struct stl_env env = { .scripts = scripts, .own = own,
			       .from = "friend@other.example.net",
			       .to = "me@example.com" };
	RUN("require [\"variables\", \"include\"];\n"
	    "set \"global.i_am_on_vacation\" \"1\";\ninclude \"vac\";\n",
	    msg_plain, &env,
	    "vacation:friend@other.example.net:604800:Auto: hello; keep");
	RUN("require [\"variables\", \"include\"];\n"
	    "set \"global.i_am_on_vacation\" \"0\";\ninclude \"vac\";\n",
	    msg_plain, &env, "keep");
	/* 3.4: global and the global. namespace name one variable (the
	 * script as thsmi/sieve copies it) */
	RUN("require [\"variables\", \"include\", \"vacation\"];\n"
	    "global \"i_am_on_vacation\";\n\n"
	    "set \"global.i_am_on_vacation\" \"1\";\n\n"
	    "if string :is \"${i_am_on_vacation}\" \"1\"\n{\n"
	    "    vacation \"It's true, I am on vacation.\";\n}\n",
	    msg_plain, &env,
	    "vacation:friend@other.example.net:604800:Auto: hello; keep");
	/* the namespace is include's: without it the name is bad */
	RUN("require \"variables\";\nset \"global.x\" \"1\";", msg_plain, NULL,
	    "error 2:5: bad variable name \"global.x\"");
}

/* ---- draft-ietf-sieve-regex ---- */

TEST(sieve_rfcall_regex)
{
	/* 4: the variables example */
	static const char s[] =
		"require [\"regex\", \"variables\", \"fileinto\"];\n"
		"if header :regex \"List-ID\" \"<(.*)@\" {\n"
		"    fileinto \"lists.${1}\"; stop;\n}\n"
		"# Imagine the header\n"
		"# Subject: [acme-users] [fwd] version 1.0 is out\n"
		"if header :regex \"Subject\" \"^\\\\[(.*)\\\\] (.*)$\" {\n"
		"    # ${1} will hold \"acme-users] [fwd\"\n"
		"    stop;\n}\n";
	RUN(s, "List-ID: Acme <acme-users@lists.example.com>\n\nx\n", NULL,
	    "fileinto:lists.acme-users");
	RUN("require [\"regex\", \"variables\", \"fileinto\"];\n"
	    "if header :regex \"Subject\" \"^\\\\[(.*)\\\\] (.*)$\" {\n"
	    "    fileinto \"${1}\"; fileinto \"${2}\";\n}\n",
	    "Subject: [acme-users] [fwd] version 1.0 is out\n\nx\n", NULL,
	    "fileinto:acme-users] [fwd; fileinto:version 1.0 is out");
	/* 3: "try to catch unsolicited email": not to me (with an optional
	 * +detail) or an all-uppercase subject */
	static const char u[] =
		"require \"regex\";\n"
		"# Try to catch unsolicited email.\n"
		"if anyof (\n"
		"  # if a message is not to me (with optional +detail),\n"
		"  not address :regex [\"to\", \"cc\", \"bcc\"]\n"
		"    \"me(\\\\+.*)?@company\\\\.com\",\n"
		"  # or the subject is all uppercase (no lowercase)\n"
		"  header :regex :comparator \"i;octet\" \"subject\"\n"
		"    \"^[^[:lower:]]+$\" ) {\n"
		"  discard;    # junk it\n}\n";
	RUN(u, "To: me+lists@company.com\nSubject: Hello there\n\nx\n", NULL,
	    "keep");
	RUN(u, "To: me@company.com\nSubject: BUY NOW!!\n\nx\n", NULL, "discard");
	RUN(u, "To: you@company.com\nSubject: Hello there\n\nx\n", NULL,
	    "discard");
	RUN(u, "To: me@companyxcom\nSubject: Hello there\n\nx\n", NULL,
	    "discard");
	/* 5: :quoteregex */
	RUN("require [\"regex\", \"variables\", \"fileinto\"];\n"
	    "set :quoteregex \"b\" \"[a.b]*(c)\";\nfileinto \"${b}\";\n",
	    msg_plain, NULL, "fileinto:\\[a\\.b\\]\\*\\(c\\)");
	/* 3: a bad expression is a compile error */
	RUN("require \"regex\";\nif header :regex \"subject\" \"(\" { discard; }",
	    msg_plain, NULL, "error 2:28: bad regular expression: Unmatched ( or \\(");
}

TEST(sieve_rfcall_errors)
{
	RUN("if header \"subject\" :contains \"x\" { discard; }", msg_plain, NULL,
	    "error 1:21: tag ':contains' of the header test comes after a positional argument; tags go first");
	RUN("if header :comparator \"i;nonesuch\" \"subject\" \"x\" { discard; }",
	    msg_plain, NULL, "error 1:23: unknown comparator \"i;nonesuch\"");
	RUN("require \"date\";\n"
	    "if date :zone \"+0100\" :originalzone \"date\" \"hour\" \"1\" { discard; }",
	    msg_plain, NULL, "error 2:23: tag ':originalzone' given twice (or with a tag it excludes) for the date test");
	RUN("require \"body\";\nif body :raw :text :contains \"x\" { discard; }",
	    msg_plain, NULL, "error 2:14: tag ':text' given twice (or with a tag it excludes) for the body test");
	RUN("require \"fileinto\";\nfileinto :create \"x\";", msg_plain, NULL, "error 2:10: tag ':create' of the fileinto command needs require \"mailbox\"");
	RUN("require [\"regex\", \"comparator-i;ascii-numeric\"];\n"
	    "if header :regex :comparator \"i;ascii-numeric\" \"subject\" \"1\" { discard; }",
	    msg_plain, NULL, "error 2:4: comparator i;ascii-numeric does not support :regex");
	RUN("require \"variables\";\nset \"${x}\" \"y\";", msg_plain, NULL, "error 2:5: bad variable name \"${x}\"");
	RUN("require \"vacation\";\nvacation :days \"7\" \"x\";", msg_plain, NULL, "error 2:10: tag ':days' of the vacation command needs a number after it");
}
