/* test-buf.c - byte buffers, slices, escaping for logs */
#include "test.h"
#include "lib/buf.h"

TEST(buf_append_and_consume)
{
	struct buf b = BUF_INIT;

	buf_append(&b, "hello\0world", 11);
	CHECK_INT(b.len, 11);
	CHECK(b.data[5] == '\0');
	buf_consume(&b, 6);
	CHECK_MEM(b.data, b.len, "world");
	buf_printf(&b, " %d", 42);
	CHECK_STR(buf_cstr(&b), "world 42");
	buf_consume(&b, 100);
	CHECK_INT(b.len, 0);
	buf_free(&b);
}

TEST(buf_grows_large)
{
	struct buf b = BUF_INIT;

	for (int i = 0; i < 100000; i++)
		buf_append_byte(&b, (unsigned char)i);
	CHECK_INT(b.len, 100000);
	CHECK(b.data[99999] == (unsigned char)99999);
	buf_free(&b);
}

TEST(slice_helpers)
{
	uint64_t v;

	CHECK(slice_case_eq_cstr(SLICE("EHLO"), "ehlo"));
	CHECK(!slice_case_eq_cstr(SLICE("EHLOX"), "ehlo"));
	CHECK(slice_case_prefix(SLICE("MAIL FROM:<a@b>"), "mail from:"));
	CHECK(slice_eq_cstr(slice_trim(SLICE("  x y \r\n")), "x y"));
	CHECK_INT(slice_find(SLICE("abc"), 'c'), 2);
	CHECK_INT(slice_find(SLICE("abc"), 'd'), -1);
	CHECK(slice_to_u64(SLICE("18446744073709551615"), &v));
	CHECK(v == UINT64_MAX);
	CHECK(!slice_to_u64(SLICE("18446744073709551616"), &v));
	CHECK(!slice_to_u64(SLICE(""), &v));
	CHECK(!slice_to_u64(SLICE("12a"), &v));
}

TEST(escape_for_logs)
{
	struct buf b = BUF_INIT;

	buf_append_escaped(&b, "a\"b\\c\r\n\x01\xff", 9, 100);
	CHECK_STR(buf_cstr(&b), "a\\\"b\\\\c\\x0d\\x0a\\x01\\xff");
	buf_reset(&b);
	buf_append_escaped(&b, "abcdef", 6, 3);
	CHECK_STR(buf_cstr(&b), "abc...");
	buf_free(&b);
}
