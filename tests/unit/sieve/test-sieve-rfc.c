/* test-sieve-rfc.c - the example scripts of the Sieve RFCs (5228, 5229,
 * 5230, 5231, 5232, 5233, 5235, 5260, 5429, 5490, 3894, 5173, 6609 and
 * the regex draft), compiled and run against messages */
#include "test.h"
#include "sieve-testlib.h"

#include <stdlib.h>

static const char msg_money[] =
	"From: spammer@bulk.example.net\n"
	"To: someone@elsewhere.example.net\n"
	"Subject: MAKE MONEY FAST now\n"
	"\n"
	"buy\n";

static const char msg_plain[] =
	"From: friend@other.example.net\n"
	"To: me@example.com\n"
	"Subject: hello\n"
	"\n"
	"hi\n";

/* RFC 5228 9, the extended example: test-sieve-rfc-all.c */

TEST(sieve_rfc5228_core)
{
	/* 2.4.2: escapes, multi-line strings with dot-stuffing */
	RUN("require \"reject\";\nreject text:\n..dot\nline\n.\n;\n", msg_plain,
	    NULL, "reject:.dot\r\nline\r\n");
	RUN("if header :is \"subject\" \"h\\el\\\"lo\" { discard; }", msg_plain,
	    NULL, "keep");
	RUN("if header :is \"subject\" \"h\\ello\" { discard; }", msg_plain,
	    NULL, "discard");
	/* 2.4.1 numbers with quantifiers; 5.9 size */
	RUN("if size :under 1K { discard; }", msg_plain, NULL, "discard");
	RUN("if size :over 1M { discard; }", msg_plain, NULL, "keep");
	/* 5.5 exists, 5.8 not, 5.3 allof */
	RUN("if exists [\"From\",\"Date\"] { discard; }", msg_plain, NULL, "keep");
	RUN("if allof (exists \"From\", not exists \"X-No\") { discard; }",
	    msg_plain, NULL, "discard");
	/* 4.2 redirect, 3.3 stop, implicit keep cancelled */
	RUN("redirect \"a@example.net\"; stop; keep;", msg_plain, NULL,
	    "redirect:a@example.net");
	/* duplicates folded: redirect twice, keep twice */
	RUN("redirect \"a@example.net\"; redirect \"a@EXAMPLE.net\"; keep; keep;",
	    msg_plain, NULL, "redirect:a@example.net; keep");
	/* RFC 5321 2.4: local parts are case-sensitive */
	RUN("redirect \"a@example.net\"; redirect \"A@example.net\";",
	    msg_plain, NULL, "redirect:a@example.net; redirect:A@example.net");
	/* addresses as Pigeonhole reads them: quoted local parts kept
	 * quoted, no-domain entries left out, an unparsable value whole */
	static const char addr[] =
		"To: \"quoted local\"@example.org, g: a@g.example;, bare\n"
		"Reply-To: broken <@@>\n\nx\n";
	RUN("require [\"relational\", \"comparator-i;ascii-numeric\", \"fileinto\"];\n"
	    "if address :count \"eq\" :comparator \"i;ascii-numeric\" \"to\" \"2\" { fileinto \"a\"; }\n"
	    "if address :is \"to\" \"\\\"quoted local\\\"@example.org\" { fileinto \"b\"; }\n"
	    "if address :is \"reply-to\" \"broken <@@>\" { fileinto \"c\"; }\n"
	    "if address :localpart :contains \"reply-to\" \"\" { fileinto \"d\"; }\n",
	    addr, NULL, "fileinto:a; fileinto:b; fileinto:c");
	/* fileinto "INBOX" is keep: one copy */
	RUN("require \"fileinto\";\nkeep;\nfileinto \"INBOX\";", msg_plain, NULL,
	    "keep");
	RUN("require [\"fileinto\", \"copy\"];\nfileinto :copy \"inbox\";", msg_plain,
	    NULL, "keep");
	/* 2.4.2.4 encoded-character: 1*2HEXDIG pairs, empty and malformed
	 * sequences kept as written */
	RUN("require [\"encoded-character\", \"fileinto\"];\n"
	    "fileinto \"a${hex:}b${hex: 41  42 }${HEX:3}${unicode:263a}${hex:4G}\";",
	    msg_plain, NULL, "fileinto:a${hex:}bAB\x03\xe2\x98\xba${hex:4G}");
	/* :matches with ? and escapes */
	RUN("if header :matches \"subject\" \"h?l\\\\*\" { discard; }",
	    "Subject: hel*\n\nx\n", NULL, "discard");
	RUN("if header :matches \"subject\" \"h?l\\\\*\" { discard; }",
	    "Subject: hello\n\nx\n", NULL, "keep");
	/* unfolding: the TAB that starts a continuation line is a space */
	RUN("if header :is \"subject\" \"a b\tc\" { discard; }",
	    "Subject: a\r\n\tb\tc\r\n\r\nx\r\n", NULL, "discard");
	/* "?" is one octet (comparators work on octets, RFC 4790) */
	RUN("if header :matches \"subject\" \"caf?\" { discard; }",
	    "Subject: caf\xc3\xa9\n\nx\n", NULL, "keep");
	RUN("if header :matches \"subject\" \"caf??\" { discard; }",
	    "Subject: caf\xc3\xa9\n\nx\n", NULL, "discard");
	/* i;octet is case-sensitive, the default casemap is not */
	RUN("if header :is :comparator \"i;octet\" \"subject\" \"HELLO\" { discard; }",
	    msg_plain, NULL, "keep");
	RUN("if header :is \"subject\" \"HELLO\" { discard; }", msg_plain,
	    NULL, "discard");
	/* 2.7.2: header values decoded (RFC 2047), address parts */
	RUN("if header :contains \"subject\" \"caf\xc3\xa9\" { discard; }",
	    "Subject: =?ISO-8859-1?Q?caf=E9?= ok\n\nx\n", NULL, "discard");
	RUN("if address :localpart \"from\" \"friend\" { discard; }",
	    msg_plain, NULL, "discard");
}

TEST(sieve_lexer)
{
	/* CRLF scripts, comments everywhere, text: with a comment after it,
	 * numbers with quantifiers, case-insensitive identifiers and tags */
	RUN("# c\r\nrequire [\"reject\"]; /* multi\r\nline */\r\n"
	    "IF SIZE :UNDER 1k /* x */ {\r\n  reject text: # why\r\nno\r\n.\r\n;\r\n}\r\n",
	    msg_plain, NULL, "reject:no\r\n");
	RUN("if size :over 1M { discard; } if size :under 1G { discard; }",
	    msg_plain, NULL, "discard");
	RUN("require \"fileinto\"; fileinto \"a\\\\b\\\"c\";", msg_plain, NULL,
	    "fileinto:a\\b\"c");
}

TEST(sieve_rfc5229_variables)
{
	/* 3.1 match variables and the 4.1 modifiers: test-sieve-rfc-all.c */
	/* 3: names are case-insensitive, unknown variables are empty,
	 * text: strings expand too */
	RUN("require [\"variables\", \"reject\"];\n"
	    "set \"honorific\"  \"Mr\";\nset \"first_name\" \"Wile\";\n"
	    "set \"last_name\"  \"Coyote\";\n"
	    "set \"vacation\" text:\nDear ${HONORIFIC} ${last_name}${nothing},\n.\n;\n"
	    "reject \"${vacation}\";", msg_plain, NULL,
	    "reject:Dear Mr Coyote,\r\n");
	/* 5: string test */
	RUN("require [\"variables\"];\nset \"x\" \"abc\";\n"
	    "if string :matches \"${x}\" \"a*\" { discard; }", msg_plain, NULL,
	    "discard");
	/* without require "variables" "${x}" is literal */
	RUN("if header :is \"subject\" \"${x}\" { discard; }",
	    "Subject: ${x}\n\nx\n", NULL, "discard");
}

TEST(sieve_rfc5230_vacation)
{
	static const char s[] =
		"require \"vacation\";\n"
		"if header :contains \"subject\" \"cyrus\" {\n"
		"    vacation \"I'm out -- send mail to cyrus-bugs\";\n"
		"} else {\n"
		"    vacation \"I'm out -- call me at +1 304 555 0123\";\n}\n";
	static const char *const own[] = { "me@example.com", NULL };
	struct stl_env env = { .from = "friend@other.example.net",
			       .to = "me@example.com", .own = own };
	RUN(s, msg_plain, &env,
	    "vacation:friend@other.example.net:604800:Auto: hello; keep");
	/* 4.6: not to <>, lists, bulk, Auto-Submitted, owner-, -request */
	struct stl_env bounce = env;
	bounce.from = "";
	RUN(s, msg_plain, &bounce, "keep");
	RUN(s, "From: x@y.example\nTo: me@example.com\nList-Id: <l.example>\n\nx\n",
	    &env, "keep");
	RUN(s, "From: x@y.example\nTo: me@example.com\nPrecedence: bulk\n\nx\n",
	    &env, "keep");
	RUN(s, "From: x@y.example\nTo: me@example.com\nAuto-Submitted: auto-replied\n\nx\n",
	    &env, "keep");
	RUN(s, "From: x@y.example\nTo: me@example.com\nAuto-Submitted: no\n\nx\n",
	    &env, "vacation:friend@other.example.net:604800:Automated reply; keep");
	struct stl_env owner = env;
	owner.from = "owner-list@example.org";
	RUN(s, msg_plain, &owner, "keep");
	owner.from = "list-request@example.org";
	RUN(s, msg_plain, &owner, "keep");
	owner.from = "MAILER-DAEMON@example.org";
	RUN(s, msg_plain, &owner, "keep");
	/* 4.5: only when addressed to the user; never to oneself */
	RUN(s, "From: x@y.example\nTo: other@example.com\n\nx\n", &env, "keep");
	struct stl_env self = env;
	self.from = "me@example.com";
	RUN(s, msg_plain, &self, "keep");
	/* :addresses, :days clamped, :subject */
	RUN("require \"vacation\";\n"
	    "vacation :days 23 :addresses [\"tjs@example.edu\",\n"
	    "          \"ts4z@landru.example.edu\"] :subject \"away\"\n"
	    "   \"I'm away until October 19.\";",
	    "From: x@y.example\nCc: ts4z@landru.example.edu\n\nx\n", &env,
	    "vacation:friend@other.example.net:1987200:away; keep");
	RUN("require \"vacation\";\nvacation :days 1000 \"x\";", msg_plain, &env,
	    "vacation:friend@other.example.net:7776000:Auto: hello; keep");
	RUN("require \"vacation-seconds\";\nvacation :seconds 0 \"x\";",
	    msg_plain, &env,
	    "vacation:friend@other.example.net:86400:Auto: hello; keep");
	/* 4.2 :handle, 4.8 :mime, 4.3 :from (RFC 5230 examples) */
	RUN("require \"vacation\";\n"
	    "if header :contains \"subject\" \"lunch\" {\n"
	    "    vacation :handle \"ran-away\" \"I'm out and can't meet for lunch\";\n"
	    "} else {\n"
	    "    vacation :handle \"ran-away\" \"I'm out\";\n}\n",
	    msg_plain, &env,
	    "vacation:friend@other.example.net:604800:Auto: hello; keep");
	RUN("require \"vacation\";\n"
	    "vacation :mime text:\n"
	    "Content-Type: multipart/alternative; boundary=foo\n\n"
	    "--foo\n\nI'm at the beach relaxing.\n--foo--\n.\n;\n",
	    msg_plain, &env,
	    "vacation:friend@other.example.net:604800:Auto: hello; keep");
	RUN("require \"vacation\";\n"
	    "vacation :days 23 :from \"Me <me@example.com>\" :subject \"Gone\" \"x\";",
	    msg_plain, &env,
	    "vacation:friend@other.example.net:1987200:Gone; keep");
	/* 4.7: one vacation per run */
	RUN("require \"vacation\";\nvacation \"a\";\nvacation \"b\";", msg_plain,
	    &env, "runtime 3: only one vacation per run");
}

static const char msg_rel[] =
	"To: foo@example.com.invalid, baz@example.com.invalid\n"
	"Cc: qux@example.com.invalid\n"
	"From: tss@example.com.invalid\n"
	"X-Priority: 1\n"
	"\n"
	"x\n";

TEST(sieve_rfc5231_relational)
{
	/* RFC 5231 9, as printed (checked against checksieve's copy and
	 * thsmi/sieve's) */
	static const char s[] =
		"require [\"relational\", \"comparator-i;ascii-numeric\", \"fileinto\"];\n\n"
		"if header :value \"lt\" :comparator \"i;ascii-numeric\"\n"
		"          [\"x-priority\"] [\"3\"]\n{\n   fileinto \"Priority\";\n}\n\n"
		"elsif address :count \"gt\" :comparator \"i;ascii-numeric\"\n"
		"           [\"to\"] [\"5\"]\n{\n"
		"   # everything with more than 5 recipients in the \"to\" field\n"
		"   # is considered SPAM\n"
		"   fileinto \"SPAM\";\n}\n\n"
		"elsif address :value \"gt\" :all :comparator \"i;ascii-casemap\"\n"
		"           [\"from\"] [\"M\"]\n{\n   fileinto \"From N-Z\";\n"
		"} else {\n   fileinto \"From A-M\";\n}\n\n"
		"if allof ( address :count \"eq\" :comparator \"i;ascii-numeric\"\n"
		"                   [\"to\", \"cc\"] [\"1\"] ,\n"
		"           address :all :comparator \"i;ascii-casemap\"\n"
		"                   [\"to\", \"cc\"] [\"me@foo.example.com\"] )\n"
		"{\n   fileinto \"Only me\";\n}\n";
	RUN(s, msg_rel, NULL, "fileinto:Priority");
	RUN(s, "From: zed@x.example\nX-Priority: 5\nTo: me@foo.example.com\n\nx\n",
	    NULL, "fileinto:From N-Z; fileinto:Only me");
	RUN(s, "From: adam@x.example\nTo: me@foo.example.com\n"
	    "Cc: other@foo.example.com\n\nx\n", NULL, "fileinto:From A-M");
	RUN(s, "From: adam@x.example\nTo: a@x, b@x, c@x, d@x, e@x, f@x\n\nx\n",
	    NULL, "fileinto:SPAM");
	/* ascii-numeric: no digits is positive infinity */
	RUN("require [\"relational\", \"comparator-i;ascii-numeric\"];\n"
	    "if header :value \"gt\" :comparator \"i;ascii-numeric\" \"x-n\" \"99999\" { discard; }",
	    "X-N: none\n\nx\n", NULL, "discard");
	RUN("require [\"relational\"];\nif header :count \"ge\" :comparator \"i;ascii-numeric\" \"x\" \"1\" { discard; }",
	    msg_rel, NULL,
	    "error 2:35: comparator \"i;ascii-numeric\" needs require \"comparator-i;ascii-numeric\"");
}

TEST(sieve_rfc5232_imap4flags)
{
	RUN("require [\"imap4flags\", \"fileinto\"];\n"
	    "if header :contains \"from\" \"boss@frobnitzm.example.edu\" {\n"
	    "    setflag \"\\\\Flagged\";\n"
	    "    fileinto \"INBOX.From Boss\";\n}\n",
	    "From: boss@frobnitzm.example.edu\n\nx\n", NULL,
	    "fileinto:INBOX.From Boss[\\Flagged]");
	RUN("require [\"imap4flags\", \"variables\"];\n"
	    "addflag \"flagvar\" [\"\\\\Deleted\", \"\\\\Answered\"];\n"
	    "addflag \"flagvar\" \"\\\\deleted \\\\Seen\";\n"
	    "removeflag \"flagvar\" \"\\\\Answered\";\n"
	    "if hasflag \"flagvar\" \"\\\\Seen\" { keep :flags \"${flagvar}\"; }\n",
	    msg_plain, NULL, "keep[\\Deleted \\Seen]");
	RUN("require \"imap4flags\";\naddflag \"a b\"; addflag \"B c\";\n"
	    "removeflag \"a\";\nkeep;\nsetflag \"z\";",
	    msg_plain, NULL, "keep[b c]");
	RUN("require \"imap4flags\";\nsetflag \"\\\\Seen\";\n"
	    "if hasflag :is \"\\\\seen\" { discard; }", msg_plain, NULL, "discard");
	/* the implicit keep gets the internal flags */
	RUN("require \"imap4flags\";\naddflag \"$Work\";", msg_plain, NULL,
	    "keep[$Work]");
}

TEST(sieve_rfc5233_subaddress)
{
	static const char s[] =
		"require [\"envelope\", \"subaddress\", \"fileinto\"];\n"
		"if envelope :user \"to\" \"ken\" {\n"
		"  if envelope :detail \"to\" \"sieve\" {\n"
		"    fileinto \"sieve\";\n  }\n}\n"
		"if address :detail \"to\" \"\" { fileinto \"empty-detail\"; }\n";
	struct stl_env env = { .to = "ken+sieve@example.org" };
	RUN(s, msg_plain, &env, "fileinto:sieve");
	env.to = "ken@example.org";
	RUN(s, "To: ken+@example.org\n\nx\n", &env, "fileinto:empty-detail");
	RUN(s, "To: ken@example.org\n\nx\n", &env, "keep");
}

TEST(sieve_rfc5235_spamtest)
{
	static const char s[] =
		"require [\"spamtest\", \"fileinto\", \"relational\",\n"
		"         \"comparator-i;ascii-numeric\"];\n"
		"if spamtest :value \"eq\" :comparator \"i;ascii-numeric\" \"0\"\n"
		"{\n    fileinto \"INBOX.unclassified\";\n}\n"
		"elsif spamtest :value \"ge\" :comparator \"i;ascii-numeric\" \"3\"\n"
		"{\n    fileinto \"INBOX.spam-trap\";\n}\n";
	RUN(s, msg_plain, NULL, "fileinto:INBOX.unclassified");
	RUN(s, "X-Spam-Score: 9.1\n\nx\n", NULL, "fileinto:INBOX.spam-trap");
	RUN(s, "X-Spam-Score: -1.0\n\nx\n", NULL, "keep");
	RUN("require [\"spamtestplus\", \"fileinto\", \"relational\",\n"
	    "         \"comparator-i;ascii-numeric\"];\n"
	    "if spamtest :value \"ge\" :comparator \"i;ascii-numeric\" :percent \"50\"\n"
	    "{ fileinto \"INBOX.spam-trap\"; }\n",
	    "X-Spam-Score: 7.5\n\nx\n", NULL, "fileinto:INBOX.spam-trap");
	static const char v[] =
		"require [\"virustest\", \"fileinto\", \"relational\",\n"
		"         \"comparator-i;ascii-numeric\"];\n"
		"if virustest :value \"eq\" :comparator \"i;ascii-numeric\" \"0\"\n"
		"{ fileinto \"INBOX.unclassified\"; }\n"
		"if virustest :value \"eq\" :comparator \"i;ascii-numeric\" \"4\"\n"
		"{ fileinto \"INBOX.quarantine\"; }\n"
		"elsif virustest :value \"eq\" :comparator \"i;ascii-numeric\" \"5\"\n"
		"{ discard; }\n";
	RUN(v, msg_plain, NULL, "fileinto:INBOX.unclassified");
	RUN(v, "X-Virus-Status: Infected (Eicar-Signature)\n\nx\n", NULL, "discard");
	RUN(v, "X-Virus-Status: Clean\n\nx\n", NULL, "keep");
}

static const char msg_date[] =
	"From: boss@example.com\n"
	"Date: Tue, 1 Apr 1997 09:06:31 -0800\n"
	"Received: from a by b; Mon, 26 Feb 2007 08:00:00 -0500\n"
	"Received: from c by d; Mon, 26 Feb 2007 10:00:00 -0500\n"
	"\n"
	"x\n";

TEST(sieve_rfc5260_date_index)
{
	RUN("require [\"date\", \"relational\", \"fileinto\"];\n"
	    "if allof(header :is \"from\" \"boss@example.com\",\n"
	    "         date :value \"ge\" :originalzone \"date\" \"hour\" \"09\",\n"
	    "         date :value \"lt\" :originalzone \"date\" \"hour\" \"17\")\n"
	    "{ fileinto \"urgent\"; }\n", msg_date, NULL, "fileinto:urgent");
	/* in UTC (the zone of the run) it is 17:06 */
	RUN("require [\"date\", \"relational\", \"fileinto\"];\n"
	    "if date :value \"lt\" \"date\" \"hour\" \"17\" { fileinto \"urgent\"; }",
	    msg_date, NULL, "keep");
	RUN("require [\"date\", \"relational\", \"vacation\"];\n"
	    "if allof(currentdate :value \"ge\" \"date\" \"2025-11-30\",\n"
	    "         currentdate :value \"le\" \"date\" \"2025-12-07\")\n"
	    "{ vacation :days 7 \"I'm away during the first week in December.\"; }",
	    "From: a@b.example\nTo: rcpt@example.com\n\nx\n", NULL,
	    "vacation:sender@example.com:604800:Automated reply; keep");
	RUN("require [\"date\", \"variables\", \"fileinto\"];\n"
	    "if currentdate :matches \"month\" \"*\" { set \"month\" \"${1}\"; }\n"
	    "if currentdate :matches \"year\"  \"*\" { set \"year\"  \"${1}\"; }\n"
	    "fileinto \"${month}-${year}\";", msg_plain, NULL, "fileinto:12-2025");
	RUN("require [\"date\", \"fileinto\"];\n"
	    "if currentdate :zone \"-0100\" :is \"iso8601\" \"2025-12-02T23:00:00-01:00\" { fileinto \"a\"; }\n"
	    "if currentdate :is \"weekday\" \"3\" { fileinto \"b\"; }\n"
	    "if currentdate :is \"julian\" \"61012\" { fileinto \"c\"; }\n"
	    "if date :is \"date\" \"std11\" \"Tue, 01 Apr 1997 17:06:31 +0000\" { fileinto \"d\"; }",
	    msg_date, NULL, "fileinto:a; fileinto:b; fileinto:c; fileinto:d");
	RUN("require [\"date\", \"fileinto\", \"variables\"];\n"
	    "if currentdate :matches \"iso8601\" \"*\" { fileinto \"${1}\"; }",
	    msg_date, NULL, "fileinto:2025-12-03T00:00:00Z");
	/* index: the second Received from the top, and from the bottom */
	RUN("require [\"date\", \"relational\", \"index\"];\n"
	    "if date :value \"gt\" :index 2 :zone \"-0500\" \"received\"\n"
	    "        \"iso8601\" \"2007-02-26T09:00:00-05:00\"\n"
	    "{ redirect \"aftercutoff@example.org\"; }", msg_date, NULL,
	    "redirect:aftercutoff@example.org");
	RUN("require [\"date\", \"relational\", \"index\"];\n"
	    "if date :value \"gt\" :index 2 :last :zone \"-0500\" \"received\"\n"
	    "        \"iso8601\" \"2007-02-26T09:00:00-05:00\"\n"
	    "{ redirect \"aftercutoff@example.org\"; }", msg_date, NULL, "keep");
	RUN("require \"index\";\nif header :index 1 :last :contains \"received\" \"c by d\" { discard; }",
	    msg_date, NULL, "discard");
	/* :index counts the fields of all the names, in the list's order */
	RUN("require [\"index\", \"variables\", \"fileinto\"];\n"
	    "if header :index 2 :matches [\"to\",\"cc\"] \"*\" { fileinto \"a-${1}\"; }\n"
	    "if address :index 1 :last :matches [\"to\",\"cc\"] \"*\" { fileinto \"b-${1}\"; }\n",
	    "To: a@x.example\nCc: b@x.example\nTo: c@x.example\n\nx\n", NULL,
	    "fileinto:a-c@x.example; fileinto:b-b@x.example");
	RUN("require \"index\";\nif header :last :contains \"received\" \"x\" { discard; }",
	    msg_date, NULL, "error 2:4: :last wants :index");
	RUN("require \"date\";\nif date :zone \"0500\" \"date\" \"hour\" \"1\" { discard; }",
	    msg_date, NULL, "error 2:15: bad :zone \"0500\" (want +hhmm or -hhmm)");
}

TEST(sieve_rfc5429_reject)
{
	static const char s[] =
		"require [\"reject\"];\n"
		"if size :over 100K {\n"
		"   reject text:\n"
		"Your message is too big.  If you want to send me a big attachment,\n"
		"put it on a public web site and send me a URL.\n"
		".\n;\n}\n";
	RUN(s, msg_plain, NULL, "keep");
	char big[120000 + 64];
	memset(big, 'a', sizeof(big));
	memcpy(big, "Subject: x\n\n", 12);
	big[sizeof(big) - 1] = '\0';
	RUN(s, big, NULL,
	    "reject:Your message is too big.  If you want to send me a big attachment,\r\n"
	    "put it on a public web site and send me a URL.\r\n");
	RUN("require [\"ereject\"];\n"
	    "if address :domain :is \"from\" \"example.net\"\n"
	    "{ ereject \"I no longer accept mail from this domain\"; }",
	    "From: x@example.net\n\nx\n", NULL,
	    "ereject:I no longer accept mail from this domain");
	/* reject excludes keep and fileinto */
	RUN("require [\"reject\", \"fileinto\"];\nfileinto \"a\";\nreject \"no\";",
	    msg_plain, NULL,
	    "runtime 3: reject conflicts with an earlier keep/fileinto/redirect/vacation action");
	RUN("require [\"reject\"];\nreject \"no\";\nkeep;", msg_plain, NULL,
	    "runtime 3: keep conflicts with an earlier reject action");
}

TEST(sieve_rfc5490_mailbox)
{
	static const char s[] =
		"require [\"fileinto\", \"reject\", \"mailbox\"];\n"
		"if mailboxexists \"Partners\" {\n   fileinto \"Partners\";\n"
		"} else {\n   reject \"This message was not accepted by the Mailstore\";\n}\n";
	static const char *const boxes[] = { "Partners", NULL };
	struct stl_env env = { .mailboxes = boxes };
	RUN(s, msg_plain, &env, "fileinto:Partners");
	RUN(s, msg_plain, NULL,
	    "reject:This message was not accepted by the Mailstore");
	RUN("require [\"fileinto\", \"mailbox\"];\nfileinto :create \"INBOX/Partners\";",
	    msg_plain, NULL, "fileinto:INBOX/Partners:create");
}

TEST(sieve_rfc3894_copy)
{
	RUN("require [\"copy\"];\nredirect :copy \"sieve-admin@example.com\";",
	    msg_plain, NULL, "redirect:sieve-admin@example.com:copy; keep");
	RUN("require [\"copy\", \"fileinto\"];\nfileinto :copy \"incoming\";",
	    msg_plain, NULL, "fileinto:incoming:copy; keep");
	RUN("redirect :copy \"a@b.example\";", msg_plain, NULL,
	    "error 1:10: tag ':copy' of the redirect command needs require \"copy\"");
}

static const char msg_mime[] =
	"From: a@b.example\n"
	"Subject: plans\n"
	"MIME-Version: 1.0\n"
	"Content-Type: multipart/mixed; boundary=\"XX\"\n"
	"\n"
	"--XX\n"
	"Content-Type: text/plain; charset=iso-8859-1\n"
	"Content-Transfer-Encoding: quoted-printable\n"
	"\n"
	"the project schedule is late; missile caf=E9\n"
	"--XX\n"
	"Content-Type: application/pdf\n"
	"Content-Transfer-Encoding: base64\n"
	"\n"
	"TUFLRSBNT05FWSBGQVNU\n"
	"--XX--\n";

TEST(sieve_rfc5173_body)
{
	RUN("require \"body\";\nif body :raw :contains \"MAKE MONEY FAST\" { discard; }",
	    msg_money, NULL, "keep");
	RUN("require \"body\";\nif body :raw :contains \"TUFLRSBNT05FWSBGQVNU\" { discard; }",
	    msg_mime, NULL, "discard");
	RUN("require [\"body\", \"fileinto\"];\n"
	    "if body :content \"text\" :contains [\"missile\", \"coordinates\"]\n"
	    "{ fileinto \"secrets\"; }", msg_mime, NULL, "fileinto:secrets");
	RUN("require [\"body\", \"fileinto\"];\n"
	    "if body :text :contains \"project schedule\" { fileinto \"project/schedule\"; }",
	    msg_mime, NULL, "fileinto:project/schedule");
	RUN("require [\"body\"];\nif body :text :contains \"caf\xc3\xa9\" { discard; }",
	    msg_mime, NULL, "discard");
	RUN("require [\"body\"];\nif body :content \"application/pdf\" :contains \"MONEY\" { discard; }",
	    msg_mime, NULL, "discard");
	RUN("require [\"body\"];\nif body :text :contains \"MONEY\" { discard; }",
	    msg_mime, NULL, "keep");
	/* 5.2: a multipart's prologue, an embedded message's header; :text
	 * reads HTML as text */
	static const char nested[] =
		"Content-Type: multipart/mixed; boundary=\"o\"\n\npreamble text\n"
		"--o\nContent-Type: text/html\n\n<p>html <b>words</b></p>\n"
		"--o\nContent-Type: message/rfc822\n\nSubject: inner\n\ninner body\n"
		"--o--\nepilogue\n";
	static const char s[] =
		"require [\"body\", \"fileinto\"];\n"
		"if body :text :contains \"html words\" { fileinto \"a\"; }\n"
		"if body :content \"text/html\" :contains \"<b>\" { fileinto \"b\"; }\n"
		"if body :content \"multipart\" :contains \"preamble\" { fileinto \"c\"; }\n"
		"if body :content \"multipart\" :contains \"epilogue\" { fileinto \"d\"; }\n"
		"if body :content \"message/rfc822\" :contains \"Subject: inner\" { fileinto \"e\"; }\n"
		"if body :content \"message/rfc822\" :contains \"inner body\" { fileinto \"f\"; }\n"
		"if body :content \"text\" :contains \"inner body\" { fileinto \"g\"; }\n";
	RUN(s, nested, NULL,
	    "fileinto:a; fileinto:b; fileinto:c; fileinto:d; fileinto:e; fileinto:g");
}

TEST(sieve_rfc6609_include)
{
	struct stl_env env = {
		.inc_name = "subject_tests",
		.inc_text = "require [\"variables\", \"include\"];\n"
			    "global [\"test\", \"test_mailbox\"];\n"
			    "if header :contains \"Subject\" \"${test}\" {\n"
			    "    set \"test_mailbox\" \"spam-${test}\";\n}\n",
	};
	static const char s[] =
		"require [\"variables\", \"include\", \"relational\", \"fileinto\"];\n"
		"global \"test\";\nglobal \"test_mailbox\";\n"
		"set \"test\" \"$$\";\ninclude \"subject_tests\";\n"
		"set \"test\" \"Make money\";\ninclude \"subject_tests\";\n"
		"if string :count \"eq\" \"${test_mailbox}\" \"1\"\n"
		"{\n    fileinto \"${test_mailbox}\";\n    stop;\n}\n";
	RUN(s, "Subject: make money fast\n\nx\n", &env,
	    "fileinto:spam-Make money");
	RUN(s, msg_plain, &env, "keep");
	/* :once, :optional, return; a missing script is an error */
	struct stl_env e2 = { .inc_name = "lib",
		.inc_text = "require [\"include\", \"fileinto\"];\n"
			    "fileinto \"lib\";\nreturn;\nfileinto \"never\";\n" };
	RUN("require \"include\";\ninclude :once \"lib\";\ninclude :once \"lib\";\n"
	    "include :optional \"gone\";\nkeep;", msg_plain, &e2,
	    "fileinto:lib; keep");
	RUN("require \"include\";\ninclude \"gone\";", msg_plain, &e2,
	    "error 2:1: included personal script \"gone\" not found");
	/* loops refused at compile time */
	struct stl_env loop = {
		.inc_name = "a", .inc_text = "require \"include\";\ninclude \"b\";\n",
		.inc2_name = "b", .inc2_text = "require \"include\";\n\ninclude \"a\";\n" };
	RUN("require \"include\";\ninclude \"a\";", msg_plain, &loop,
	    "error 3:1: include loop: script \"a\" is already being included");
	RUN("require \"include\";\ninclude \"main\";", msg_plain, &loop,
	    "error 2:1: include loop: script \"main\" is already being included");
}

TEST(sieve_regex_draft)
{
	static const char s[] =
		"require \"regex\";\n"
		"if address :regex :comparator \"i;ascii-casemap\" \"from\" [\n"
		"      \"stephan(\\\\+.*)?@it\\\\.example\\\\.com\",\n"
		"      \"stephan(\\\\+.*)?@friep\\\\.example\\\\.com\"\n"
		"      ] {\n  discard;\n}\n";
	RUN(s, "From: Stephan+x@IT.example.com\n\nx\n", NULL, "discard");
	RUN(s, "From: stephan@other.example.com\n\nx\n", NULL, "keep");
	RUN("require [\"regex\", \"variables\", \"fileinto\"];\n"
	    "if header :regex \"subject\" \"^\\\\[([a-z-]+)\\\\] (.*)$\" {\n"
	    "  fileinto \"lists/${1}\";\n}",
	    "Subject: [acme-users] news\n\nx\n", NULL, "fileinto:lists/acme-users");
}
