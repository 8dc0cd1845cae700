/* test-submit-message.c - submit_message(), the whole-message sending
 * path JMAP uses, against a real store: what the recipient gets (the
 * added fields, no Bcc, its own Return-Path and Delivered-To), the
 * queued copy of a remote recipient, and each refusal */
#include "test.h"
#include "store/store-test-util.h"

#include <stdlib.h>
#include <string.h>

#include "lib/conf.h"
#include "submit/submit.h"

static const char *const test_msg =
	"From: A <a@example.org>\r\n"
	"To: b@example.org\r\n"
	"Bcc: c@example.org,\r\n"
	"  secret@example.org\r\n"
	"Subject: hi\r\n"
	"\r\n"
	"body\r\n";

static enum submit_status
send(struct store *s, struct tern_conf *conf, int64_t id, const char *msg,
     const char *from, const char *const *rcpts, size_t n,
     struct submit_outcome *o)
{
	struct submit_msg m = {
		.account_id = id, .account = "a@example.org",
		.mail_from = from, .rcpts = rcpts, .n_rcpts = n,
		.data = (const unsigned char *)msg, .len = strlen(msg),
		.id = "T1",
	};

	submit_outcome_free(o);
	return submit_message(s, conf, NULL, &m, o);
}

/* account id's INBOX message uid 1, whole */
static char *
read_inbox(struct store *s, int64_t id)
{
	struct store_mailbox mb = { 0 };
	struct store_reader *r = NULL;
	char *out = NULL;

	if (store_mailbox_get(s, id, "INBOX", &mb) == 0 &&
	    store_msg_open(s, id, mb.id, 1, &r) == 0) {
		size_t n = store_reader_size(r);

		out = xcalloc(1, n + 1);
		CHECK_INT(store_reader_pread(r, out, n, 0), n);
		store_reader_close(&r);
	}
	store_mailbox_clear(&mb);
	return out;
}

TEST(submit_message_delivers)
{
	int64_t ids[3];
	struct store *s = st_setup("submit-msg", ids);
	struct tern_conf *conf = conf_defaults();
	struct submit_outcome o = { 0 };
	const char *rcpts[] = { "b@example.org", "x@remote.test",
				"B@example.org" };
	char *got;

	if (s == NULL)
		return;
	free(conf->hostname);
	conf->hostname = xstrdup("mx.example.org");
	CHECK_INT(send(s, conf, ids[0], test_msg, "a@example.org", rcpts, 3,
		       &o), SUBMIT_OK);
	/* b named twice is one copy; the remote one is queued */
	CHECK_INT(o.local, 1);
	CHECK_INT(o.remote, 1);
	CHECK(o.queue_msg_id > 0);
	got = read_inbox(s, ids[1]);
	CHECK(got != NULL);
	if (got != NULL) {
		const char *front = "Return-Path: <a@example.org>\r\n"
				    "Delivered-To: b@example.org\r\nDate: ";

		CHECK(strncmp(got, front, strlen(front)) == 0);
		CHECK(strstr(got, "Message-ID: <T1.") != NULL);
		CHECK(strstr(got, "@mx.example.org>\r\n") != NULL);
		CHECK(strstr(got, "Bcc") == NULL && strstr(got, "secret") == NULL);
		CHECK(strstr(got, "From: A <a@example.org>\r\nTo: b@example.org"
			     "\r\nSubject: hi\r\n\r\nbody\r\n") != NULL);
	}
	free(got);
	submit_outcome_free(&o);
	conf_free(&conf);
	store_close(&s);
}

TEST(submit_message_refuses)
{
	int64_t ids[3];
	struct store *s = st_setup("submit-refuse", ids);
	struct tern_conf *conf = conf_defaults();
	struct submit_outcome o = { 0 };
	const char *b[] = { "b@example.org" };
	const char *unknown[] = { "b@example.org", "nobody@example.org" };

	if (s == NULL)
		return;
	CHECK_INT(send(s, conf, ids[0], test_msg, "a@example.org", b, 0, &o),
		  SUBMIT_NO_RECIPIENTS);
	CHECK_INT(send(s, conf, ids[0], test_msg, "b@example.org", b, 1, &o),
		  SUBMIT_FORBIDDEN_MAIL_FROM);
	CHECK_STR(o.bad, "b@example.org");
	CHECK_INT(send(s, conf, ids[0], "From: b@example.org\r\n\r\nx\r\n",
		       "a@example.org", b, 1, &o), SUBMIT_FORBIDDEN_FROM);
	CHECK_STR(o.bad, "b@example.org");
	CHECK_INT(send(s, conf, ids[0], "Sender: c@example.org\r\nFrom: "
		       "a@example.org\r\n\r\nx\r\n", "a@example.org", b, 1,
		       &o), SUBMIT_FORBIDDEN_FROM);
	CHECK_INT(send(s, conf, ids[0], "To: b@example.org\r\n\r\nx\r\n",
		       "a@example.org", b, 1, &o), SUBMIT_INVALID_EMAIL);
	CHECK_INT(send(s, conf, ids[0], test_msg, "a@example.org", unknown, 2,
		       &o), SUBMIT_INVALID_RECIPIENTS);
	CHECK_STR(o.bad, "nobody@example.org");
	conf->smtp.max_recipients = 1;
	CHECK_INT(send(s, conf, ids[0], test_msg, "a@example.org", unknown, 2,
		       &o), SUBMIT_TOO_MANY_RECIPIENTS);
	/* nothing was delivered by any of them */
	CHECK(read_inbox(s, ids[1]) == NULL);
	submit_outcome_free(&o);
	conf_free(&conf);
	store_close(&s);
}
