/* fuzz-imap-search.c - libFuzzer harness for the SEARCH program parser
 * (search-parse.c) and the evaluator: the input is the argument of
 * "t SEARCH <input>" (literals accepted), parsed for a mailbox of five
 * messages, then every accepted query is run against one message with
 * its header, body and parse fields. Checks: an error comes with a
 * message; a query gives the same answer before and after the message
 * text is loaded, and NOT query the opposite one. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "imap/imap-search.h"
#include "mime/mime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char msg_text[] =
	"From: Alice <alice@example.org>\r\nTo: bob@example.org\r\n"
	"Subject: =?utf-8?q?caf=C3=A9?= report\r\n"
	"Date: Mon, 7 Feb 1994 21:52:25 -0800\r\nX-Tag: blue\r\n"
	"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
	"--b\r\nContent-Type: text/plain; charset=iso-8859-1\r\n"
	"Content-Transfer-Encoding: quoted-printable\r\n\r\nna=EFve text\r\n"
	"--b\r\nContent-Type: text/html\r\nContent-Transfer-Encoding: base64"
	"\r\n\r\nPGI+Ym9sZDwvYj4=\r\n--b--\r\n";

static void
run_query(struct imap_session *s, const struct imap_arg *args)
{
	struct search_query q;
	const char *err = NULL;
	bool badcs = false;
	struct mime_summary ms;
	struct store_msg m;
	struct buf text = BUF_INIT, hdr = BUF_INIT;
	struct search_msg sm;

	if (!search_parse(s, args, &q, &err, &badcs)) {
		if (err == NULL || err[0] == '\0')
			abort();
		return;
	}
	mime_summary_init(&ms);
	mime_summarize((const unsigned char *)msg_text, sizeof(msg_text) - 1,
		       NULL, &ms);
	memset(&m, 0, sizeof(m));
	m.uid = 30;
	m.flags = 1;
	m.modseq = 7;
	m.size = sizeof(msg_text) - 1;
	m.internaldate = 760686745;
	m.keywords = (char *)"$Work Junk";
	m.parse.header_len = ms.header_len;
	m.parse.partmap = ms.partmap.data;
	m.parse.partmap_len = ms.partmap.len;
	m.parse.subject = (char *)"café report";
	m.parse.from = (char *)"Alice <alice@example.org>";
	m.parse.to = (char *)"bob@example.org";
	m.parse.sent_date = 760686745;
	memset(&sm, 0, sizeof(sm));
	sm.m = &m;
	sm.reader = store_reader_mem(NULL, 0, msg_text, sizeof(msg_text) - 1);
	sm.text = &text;
	sm.hdr = &hdr;
	{
		/* lazily loaded text and header give the same answer as
		 * loaded ones, and NOT is the negation */
		bool a = search_eval(&q.root, &sm);
		bool b = search_eval(&q.root, &sm);
		struct skey not = { .type = SK_NOT, .kids = &q.root,
				    .n_kids = 1 };

		if (a != b || search_eval(&not, &sm) == a)
			abort();
	}
	store_reader_close(&sm.reader);
	buf_free(&text);
	buf_free(&hdr);
	mime_summary_free(&ms);
	search_query_free(&q);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct imap_parser_limits lim = {
		.max_line = 8192, .max_literal = 1024, .max_args = 200,
		.max_depth = 16,
	};
	struct imap_parser *p = imap_parser_create(&lim);
	struct imap_session *s = calloc(1, sizeof(*s));
	struct buf line = BUF_INIT;
	size_t pos = 0, used;

	s->selected = true;
	s->view.n = s->view.cap = 5;
	s->view.msgs = calloc(5, sizeof(*s->view.msgs));
	for (uint32_t i = 0; i < 5; i++)
		s->view.msgs[i].uid = 10 * (i + 1);
	buf_append_str(&line, "t SEARCH ");
	buf_append(&line, data, size);
	buf_append_str(&line, "\r\n");
	for (unsigned turns = 0; turns < 1000 && pos < line.len; turns++) {
		enum imap_parse_result r = imap_parser_feed(
			p, line.data + pos, line.len - pos, &used);

		pos += used;
		if (r == IMAP_PARSE_LITERAL) {
			(void)imap_parser_literal_accept(p);
			continue;
		}
		if (r == IMAP_PARSE_DONE) {
			run_query(s, imap_parser_args(p));
			break;
		}
		if (r != IMAP_PARSE_NEED_MORE || used == 0)
			break;
	}
	imap_parser_destroy(&p);
	buf_free(&line);
	free(s->view.msgs);
	free(s);
	return 0;
}
