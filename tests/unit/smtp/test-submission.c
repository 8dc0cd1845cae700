/* test-submission.c - submission's pure parts: the From: value the
 * header watcher keeps, sender ownership against a real store (own
 * address, +tag, aliases, catch-all), From: address lists, and the
 * fields it adds */
#include "test.h"
#include "store/store-test-util.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "smtp/smtp-header.h"
#include "smtp/submission-private.h"

/* feed msg in pieces of step bytes (0: at once) */
static void
from_scan(const char *msg, size_t step, struct smtp_header *h)
{
	size_t len = strlen(msg), pos = 0;

	smtp_header_init(h);
	while (pos < len) {
		size_t n = step && step < len - pos ? step : len - pos;

		smtp_header_scan(h, (const unsigned char *)msg + pos, n);
		pos += n;
	}
}

static bool
from_is(const struct smtp_header *h, const char *want)
{
	const struct smtp_header_addr *a = &h->addr[SMTP_HDR_ADDR_FROM];

	return a->len == strlen(want) && memcmp(a->v, want, a->len) == 0;
}

TEST(submission_header_keeps_from)
{
	struct smtp_header h;

	for (size_t step = 0; step < 5; step++) {
		from_scan("Subject: from: x\r\nFROM : \"A\r\n B\" <a@b>\r\n"
			  "\tc\r\nTo: d@e\r\n\r\nFrom: body@x\r\n", step, &h);
		CHECK(from_is(&h, " \"A B\" <a@b>\tc"));
		CHECK(!h.addr[SMTP_HDR_ADDR_FROM].over);
		/* two From: fields: both kept, comma separated */
		from_scan("From: a@b\r\nX: y\r\nFrom: c@d\r\n\r\n", step, &h);
		CHECK(from_is(&h, " a@b, c@d"));
		/* Fromx: and X-From: are other fields */
		from_scan("Fromx: a@b\r\nX-From: c@d\r\n\r\n", step, &h);
		CHECK_INT(h.addr[SMTP_HDR_ADDR_FROM].len, 0);
		CHECK_INT(h.seen, 0);
		/* Sender:, Resent-From:, Resent-Sender: kept apart */
		from_scan("Resent-from: r@s\r\nSender: a@b\r\n"
			  "RESENT-SENDER :\r\n t@u\r\nFrom: c@d\r\n"
			  "Resent-Sender: v@w\r\n\r\n", step, &h);
		CHECK(from_is(&h, " c@d"));
		CHECK_INT(h.seen, SMTP_HDR_FROM | SMTP_HDR_SENDER |
			  SMTP_HDR_RESENT_FROM | SMTP_HDR_RESENT_SENDER);
		CHECK(h.addr[SMTP_HDR_ADDR_SENDER].len == 4 &&
		      !memcmp(h.addr[SMTP_HDR_ADDR_SENDER].v, " a@b", 4));
		CHECK(h.addr[SMTP_HDR_ADDR_RESENT_FROM].len == 4 &&
		      !memcmp(h.addr[SMTP_HDR_ADDR_RESENT_FROM].v, " r@s", 4));
		CHECK(h.addr[SMTP_HDR_ADDR_RESENT_SENDER].len == 9 &&
		      !memcmp(h.addr[SMTP_HDR_ADDR_RESENT_SENDER].v,
			      " t@u, v@w", 9));
	}
}

TEST(submission_header_from_too_long)
{
	struct smtp_header h;
	char *msg = malloc(SMTP_HDR_FROM_MAX + 64);

	strcpy(msg, "From: ");
	memset(msg + 6, 'a', SMTP_HDR_FROM_MAX);
	strcpy(msg + 6 + SMTP_HDR_FROM_MAX, "@b\r\n\r\n");
	from_scan(msg, 7, &h);
	CHECK(h.addr[SMTP_HDR_ADDR_FROM].over);
	CHECK_INT(h.addr[SMTP_HDR_ADDR_FROM].len, SMTP_HDR_FROM_MAX);
	CHECK(smtp_header_done(&h));
	free(msg);
}

/* a@, b@, c@example.org; aliases: team@ -> a@, b@; chain@ -> team@;
 * out@ -> x@remote.test; catch-all @example.org -> c@ */
static struct store *
own_setup(int64_t ids[3])
{
	struct store *s = st_setup("own", ids);

	if (s == NULL)
		return NULL;
	CHECK_INT(store_alias_add(s, "team@example.org", "a@example.org",
				  NULL, NULL), 0);
	CHECK_INT(store_alias_add(s, "team@example.org", "b@example.org",
				  NULL, NULL), 0);
	CHECK_INT(store_alias_add(s, "chain@example.org", "team@example.org",
				  NULL, NULL), 0);
	CHECK_INT(store_alias_add(s, "out@example.org", "x@remote.test",
				  NULL, NULL), 0);
	CHECK_INT(store_alias_add(s, "@example.org", "c@example.org",
				  NULL, NULL), 0);
	return s;
}

TEST(submit_sender_owned)
{
	int64_t ids[3];
	struct store *s = own_setup(ids);
	const char *a = "a@example.org", *c = "c@example.org";

	if (s == NULL)
		return;
	CHECK_INT(submit_sender_owned(s, "+", ids[0], a, a), 1);
	CHECK_INT(submit_sender_owned(s, "+", ids[0], a,
					  "A@Example.ORG"), 1);
	CHECK_INT(submit_sender_owned(s, "+", ids[0], a,
					  "a+list@example.org"), 1);
	/* plus-addressing off: a tag is another address */
	CHECK_INT(submit_sender_owned(s, "", ids[0], a,
					  "a+list@example.org"), 0);
	CHECK_INT(submit_sender_owned(s, "+", ids[0], a,
					  "b@example.org"), 0);
	CHECK_INT(submit_sender_owned(s, "+", ids[0], a,
					  "a@remote.test"), 0);
	CHECK_INT(submit_sender_owned(s, "+", ids[0], a, "a"), 0);
	CHECK_INT(submit_sender_owned(s, "+", ids[0], a, ""), 0);
	/* aliases, chains of them, with a tag */
	CHECK_INT(submit_sender_owned(s, "+", ids[0], a,
					  "team@example.org"), 1);
	CHECK_INT(submit_sender_owned(s, "+", ids[1], "b@example.org",
					  "Team@example.org"), 1);
	CHECK_INT(submit_sender_owned(s, "+", ids[0], a,
					  "chain@example.org"), 1);
	CHECK_INT(submit_sender_owned(s, "+", ids[0], a,
					  "team+x@example.org"), 1);
	CHECK_INT(submit_sender_owned(s, "+", ids[2], c,
					  "team@example.org"), 0);
	CHECK_INT(submit_sender_owned(s, "+", ids[0], a,
					  "out@example.org"), 0);
	/* the catch-all's target owns no address through it */
	CHECK_INT(submit_sender_owned(s, "+", ids[2], c,
					  "anything@example.org"), 0);
	store_close(&s);
}

static int
from_owned(struct store *s, int64_t id, const char *acct, const char *v,
	   char **bad)
{
	return submit_from_owned(s, "+", id, acct,
				     (const unsigned char *)v, strlen(v), bad);
}

TEST(submit_from_owned)
{
	int64_t ids[3];
	struct store *s = own_setup(ids);
	const char *a = "a@example.org";
	char *bad = NULL;
	int64_t i = 0;

	if (s == NULL)
		return;
	i = ids[0];
	CHECK_INT(from_owned(s, i, a, " a@example.org", NULL), 1);
	CHECK_INT(from_owned(s, i, a, " \"Ann (the @ one)\" <a@example.org>",
			     NULL), 1);
	CHECK_INT(from_owned(s, i, a, " Ann <a@example.org> (x@y.z)", NULL),
		  1);
	CHECK_INT(from_owned(s, i, a, " a@example.org, Team <team@example.org>",
			     NULL), 1);
	CHECK_INT(from_owned(s, i, a, " \"a\"@example.org", NULL), 1);
	CHECK_INT(from_owned(s, i, a, " g: a@example.org;", NULL), 1);
	/* refused: another address, among others too */
	CHECK_INT(from_owned(s, i, a, " b@example.org", &bad), 0);
	CHECK_STR(bad, "b@example.org");
	free(bad);
	CHECK_INT(from_owned(s, i, a, " a@example.org, b@example.org", &bad),
		  0);
	CHECK_STR(bad, "b@example.org");
	free(bad);
	/* no address at all */
	CHECK_INT(from_owned(s, i, a, "", NULL), 0);
	CHECK_INT(from_owned(s, i, a, " undisclosed:;", NULL), 0);
	CHECK_INT(from_owned(s, i, a, " Ann", NULL), 0);
	/* an '@' the parser dropped or took for a name */
	CHECK_INT(from_owned(s, i, a, " b@example.org <a@example.org>", NULL),
		  0);
	CHECK_INT(from_owned(s, i, a, " <a@example.org> b@example.org", NULL),
		  0);
	CHECK_INT(from_owned(s, i, a, " <@relay.test:a@example.org>", NULL), 0);
	store_close(&s);
}

TEST(submission_added_fields)
{
	struct buf b = BUF_INIT;
	char want[64];
	time_t t = 1795000000;	/* a fixed instant */
	struct tm tm;

	submit_date_field(&b, t);
	localtime_r(&t, &tm);
	strftime(want, sizeof(want), "Date: %a, %d %b %Y %H:%M:%S %z\r\n", &tm);
	CHECK_STR(buf_cstr(&b), want);
	buf_reset(&b);
	submit_message_id_field(&b, "ABC123", "mail.example.org");
	CHECK_INT(b.len, strlen("Message-ID: <ABC123.@mail.example.org>\r\n") +
		  24);
	CHECK(memcmp(b.data, "Message-ID: <ABC123.", 20) == 0);
	CHECK(strcmp(buf_cstr(&b) + b.len - 20, "@mail.example.org>\r\n") == 0);
	buf_free(&b);
}
