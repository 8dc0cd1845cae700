/* test-pop3-dot.c - CRLF conversion, byte-stuffing, TOP cut and octet
 * counts, fed whole, in every split and one byte at a time */
#include "test.h"

#include <stdlib.h>

#include "pop3/pop3-dot.h"

/* run msg through the machine with chunks of size step (0: whole) */
static void
run(const char *msg, size_t len, const uint64_t *top, size_t step,
    struct buf *out, uint64_t *octets_r)
{
	struct pop3_dot d;
	size_t off = 0;

	pop3_dot_init(&d, top);
	if (step == 0)
		step = len ? len : 1;
	while (off < len) {
		size_t n = len - off < step ? len - off : step;

		if (!pop3_dot_feed(&d, msg + off, n, out))
			break;
		off += n;
	}
	pop3_dot_finish(&d, out);
	*octets_r = pop3_dot_octets(&d);
}

/* the size a count-only pass gives */
static uint64_t
count_only(const char *msg, size_t len, size_t step)
{
	struct buf none = BUF_INIT;
	struct pop3_dot d;
	size_t off = 0;

	(void)none;
	pop3_dot_init(&d, NULL);
	if (step == 0)
		step = len ? len : 1;
	while (off < len) {
		size_t n = len - off < step ? len - off : step;

		pop3_dot_feed(&d, msg + off, n, NULL);
		off += n;
	}
	pop3_dot_finish(&d, NULL);
	return pop3_dot_octets(&d);
}

static const struct {
	const char *in;
	long top;		/* -1: RETR */
	const char *out;	/* sent bytes, terminator included */
} dot_cases[] = {
	{ "", -1, ".\r\n" },
	{ "a\r\n", -1, "a\r\n.\r\n" },
	{ "a\n", -1, "a\r\n.\r\n" },
	{ "a", -1, "a\r\n.\r\n" },
	{ "a\r", -1, "a\r\n.\r\n" },
	{ "a\rb\r\n", -1, "a\rb\r\n.\r\n" },
	{ ".\r\n", -1, "..\r\n.\r\n" },
	{ ".a\r\n..b\r\nc.\r\n.", -1, "..a\r\n...b\r\nc.\r\n..\r\n.\r\n" },
	{ "S: x\n\n.\n", -1, "S: x\r\n\r\n..\r\n.\r\n" },
	{ "a\n\n\nb\n", -1, "a\r\n\r\n\r\nb\r\n.\r\n" },
	{ "\r\n\r\n", -1, "\r\n\r\n.\r\n" },
	/* TOP */
	{ "H: 1\r\nH: 2\r\n\r\nb1\r\nb2\r\nb3\r\n", 0, "H: 1\r\nH: 2\r\n\r\n.\r\n" },
	{ "H: 1\r\nH: 2\r\n\r\nb1\r\nb2\r\nb3\r\n", 1,
	  "H: 1\r\nH: 2\r\n\r\nb1\r\n.\r\n" },
	{ "H: 1\r\nH: 2\r\n\r\nb1\r\nb2\r\nb3\r\n", 3,
	  "H: 1\r\nH: 2\r\n\r\nb1\r\nb2\r\nb3\r\n.\r\n" },
	{ "H: 1\r\nH: 2\r\n\r\nb1\r\nb2\r\nb3\r\n", 99,
	  "H: 1\r\nH: 2\r\n\r\nb1\r\nb2\r\nb3\r\n.\r\n" },
	{ "H: 1\n\n.b1\nb2", 1, "H: 1\r\n\r\n..b1\r\n.\r\n" },
	{ "H: 1\n\nb1\nb2", 2, "H: 1\r\n\r\nb1\r\nb2\r\n.\r\n" },
	{ "H: 1\nH: 2", 0, "H: 1\r\nH: 2\r\n.\r\n" },
	{ "H: 1\r\n\r\n\r\n\r\nx\r\n", 2, "H: 1\r\n\r\n\r\n\r\n.\r\n" },
	{ "", 0, ".\r\n" },
	{ "\r\nbody\r\n", 0, "\r\n.\r\n" },
	{ "H: a\r\n \r\nb\r\n", 0, "H: a\r\n \r\nb\r\n.\r\n" },
};

TEST(pop3_dot_cases)
{
	size_t i, step;

	for (i = 0; i < sizeof(dot_cases) / sizeof(dot_cases[0]); i++) {
		size_t len = strlen(dot_cases[i].in);
		uint64_t top = (uint64_t)dot_cases[i].top;
		const uint64_t *topp = dot_cases[i].top >= 0 ? &top : NULL;

		for (step = 0; step <= len + 1; step++) {
			struct buf out = BUF_INIT;
			uint64_t octets;
			size_t want = strlen(dot_cases[i].out);

			run(dot_cases[i].in, len, topp, step, &out, &octets);
			if (out.len != want ||
			    memcmp(out.data, dot_cases[i].out, want) != 0)
				test_fail(__FILE__, __LINE__,
					  "case %zu step %zu: \"%.*s\"", i, step,
					  (int)out.len, (const char *)out.data);
			if (topp == NULL) {
				/* size: sent minus stuffing and ".CRLF" */
				size_t dots = 0, j;

				for (j = 0; j + 1 < want; j++) {
					if ((j == 0 || dot_cases[i].out[j - 1] == '\n') &&
					    dot_cases[i].out[j] == '.' &&
					    dot_cases[i].out[j + 1] == '.')
						dots++;
				}
				CHECK_INT(octets, want - 3 - dots);
				CHECK_INT(count_only(dot_cases[i].in, len, step),
					  octets);
			}
			buf_free(&out);
		}
	}
}

/* a big message in random chunks: same bytes as fed whole */
TEST(pop3_dot_random_chunks)
{
	struct buf msg = BUF_INIT, whole = BUF_INIT, pieces = BUF_INIT;
	struct pop3_dot d;
	uint64_t octets;
	size_t off = 0, i;
	unsigned seed = 12345;
	static const char alphabet[] = "ab.\r\n\n.";

	for (i = 0; i < 200000; i++) {
		seed = seed * 1103515245u + 12345u;
		buf_append_byte(&msg, (unsigned char)alphabet[(seed >> 16) % 7]);
	}
	run((const char *)msg.data, msg.len, NULL, 0, &whole, &octets);
	pop3_dot_init(&d, NULL);
	while (off < msg.len) {
		size_t n;

		seed = seed * 1103515245u + 12345u;
		n = (seed >> 16) % 300;
		if (n > msg.len - off)
			n = msg.len - off;
		pop3_dot_feed(&d, msg.data + off, n, &pieces);
		off += n;
	}
	pop3_dot_finish(&d, &pieces);
	CHECK_INT(pieces.len, whole.len);
	CHECK(memcmp(pieces.data, whole.data, whole.len) == 0);
	CHECK_INT(pop3_dot_octets(&d), octets);
	CHECK_INT(count_only((const char *)msg.data, msg.len, 7), octets);
	/* every LF in the output is preceded by CR */
	for (i = 0; i < whole.len; i++) {
		if (whole.data[i] == '\n')
			CHECK(i > 0 && whole.data[i - 1] == '\r');
	}
	buf_free(&msg);
	buf_free(&whole);
	buf_free(&pieces);
}

TEST(pop3_dot_feed_stops_at_cut)
{
	struct pop3_dot d;
	struct buf out = BUF_INIT;
	uint64_t top = 1;

	pop3_dot_init(&d, &top);
	CHECK(pop3_dot_feed(&d, "H: x\r\n\r\n", 8, &out));
	CHECK(!pop3_dot_feed(&d, "b1\r\nb2\r\n", 8, &out));
	CHECK(!pop3_dot_feed(&d, "b3\r\n", 4, &out));
	pop3_dot_finish(&d, &out);
	CHECK_MEM(out.data, out.len, "H: x\r\n\r\nb1\r\n.\r\n");
	buf_free(&out);
}
