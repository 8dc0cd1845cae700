/* test-relay-data.c - dot-stuffing and the 8-bit scan */
#include "test.h"
#include "relay/smtp-client-data.h"

static void
stuff_chunks(const char *in, size_t chunk, struct buf *out)
{
	struct smtp_dot d;
	size_t n = strlen(in);

	smtp_dot_init(&d);
	buf_reset(out);
	for (size_t i = 0; i < n; i += chunk)
		smtp_dot_stuff(&d, (const unsigned char *)in + i,
			       n - i < chunk ? n - i : chunk, out);
	smtp_dot_end(&d, out);
}

TEST(relay_dot_stuffing)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "", ".\r\n" },
		{ "a\r\n", "a\r\n.\r\n" },
		{ "a", "a\r\n.\r\n" },
		{ ".\r\n", "..\r\n.\r\n" },
		{ "x\r\n.\r\ny", "x\r\n..\r\ny\r\n.\r\n" },
		{ "..a\r\n.b", "...a\r\n..b\r\n.\r\n" },
		{ "mid.dot\r\n", "mid.dot\r\n.\r\n" },
		/* bare LF and bare CR repaired: no smuggled end of data */
		{ "a\n.\nb\n", "a\r\n..\r\nb\r\n.\r\n" },
		{ "a\r.\rb", "a\r\n..\r\nb\r\n.\r\n" },
		{ "a\r\n\r\n.\r\n", "a\r\n\r\n..\r\n.\r\n" },
		{ "end\r", "end\r\n.\r\n" },
	};
	struct buf out = BUF_INIT;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		/* whole, and one byte at a time, give the same bytes */
		stuff_chunks(cases[i].in, 1000, &out);
		CHECK_MEM(out.data, out.len, cases[i].out);
		stuff_chunks(cases[i].in, 1, &out);
		CHECK_MEM(out.data, out.len, cases[i].out);
		stuff_chunks(cases[i].in, 2, &out);
		CHECK_MEM(out.data, out.len, cases[i].out);
	}
	buf_free(&out);
}

TEST(relay_scan_8bit)
{
	struct smtp_scan s;
	const char *plain = "Subject: hi\r\n\r\nbody\r\n";
	const char *b8 = "Subject: hi\r\n\r\nb\xc3\xa9\r\n";
	const char *h8 = "Subject: h\xc3\xa9\r\n\r\nbody\r\n";

	smtp_scan_init(&s);
	smtp_scan_feed(&s, (const unsigned char *)plain, strlen(plain));
	CHECK(!s.header_8bit && !s.body_8bit && !s.in_header);
	smtp_scan_init(&s);
	for (size_t i = 0; i < strlen(b8); i++)
		smtp_scan_feed(&s, (const unsigned char *)b8 + i, 1);
	CHECK(!s.header_8bit && s.body_8bit);
	smtp_scan_init(&s);
	smtp_scan_feed(&s, (const unsigned char *)h8, strlen(h8));
	CHECK(s.header_8bit && !s.body_8bit);
	CHECK(smtp_addr_is_utf8("j\xc3\xb6rg@b.test"));
	CHECK(!smtp_addr_is_utf8("jorg@b.test"));
	CHECK(!smtp_addr_is_utf8(""));
}

/* a domain in U-labels goes as its A-label: no SMTPUTF8 needed; a
 * non-ASCII local part keeps the address as it is */
TEST(relay_addr_wire_form)
{
	static const struct { const char *in, *wire; bool utf8; } v[] = {
		{ "anna@b\xc3\xbc" "cher.example", "anna@xn--bcher-kva.example", false },
		{ "j\xc3\xb6rg@b\xc3\xbc" "cher.example", "j\xc3\xb6rg@b\xc3\xbc" "cher.example", true },
		{ "anna@xn--bcher-kva.example", "anna@xn--bcher-kva.example", false },
		{ "", "", false },
		/* not a valid IDN: sent as it is, with SMTPUTF8 */
		{ "anna@b\xc3" ".example", "anna@b\xc3" ".example", true },
	};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct buf b = BUF_INIT;

		smtp_addr_put(&b, v[i].in);
		CHECK_MEM(b.data, b.len, v[i].wire);
		CHECK(smtp_addr_is_utf8(v[i].in) == v[i].utf8);
		buf_free(&b);
	}
}
