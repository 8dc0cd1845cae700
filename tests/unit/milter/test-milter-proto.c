/* test-milter-proto.c - the milter codec: packets as libmilter reads
 * them, replies as filters write them, bad replies refused, the
 * Postfix-syntax filter lists */
#include "test.h"

#include <stdlib.h>

#include "lib/conf.h"
#include "milter/milter-conf.h"
#include "milter/milter-proto.h"

static void
put_u32(struct buf *b, uint32_t v)
{
	unsigned char x[4] = { v >> 24, v >> 16, v >> 8, v };

	buf_append(b, x, 4);
}

/* a reply packet: length, command, data */
static void
reply_packet(struct buf *b, char cmd, const void *data, size_t n)
{
	put_u32(b, (uint32_t)n + 1);
	buf_append_byte(b, (unsigned char)cmd);
	buf_append(b, data, n);
}

TEST(milter_put_optneg)
{
	struct buf b = BUF_INIT;
	static const unsigned char want[] = {
		0, 0, 0, 13, 'O', 0, 0, 0, 6, 0, 0, 0x01, 0x33,
		0, 0x1f, 0xf7, 0xff
	};

	milter_put_optneg(&b, MILTER_ACTIONS, MILTER_PROTOCOL);
	CHECK_INT(b.len, sizeof(want));
	CHECK(memcmp(b.data, want, sizeof(want)) == 0);
	buf_free(&b);
}

TEST(milter_put_connect_and_macros)
{
	struct buf b = BUF_INIT;
	const char *names[] = { "j", "{client_addr}" };
	const char *values[] = { "mx.example", "192.0.2.1" };
	static const unsigned char conn[] =
		"\0\0\0\x16" "Cunknown\0" "4\x01\x19" "192.0.2.1";
	static const unsigned char mac[] =
		"\0\0\0\x27" "DCj\0mx.example\0{client_addr}\0" "192.0.2.1";

	milter_put_connect(&b, "unknown", '4', 281, "192.0.2.1");
	/* the literal's own NUL is the address's */
	CHECK_INT(b.len, sizeof(conn));
	CHECK(memcmp(b.data, conn, sizeof(conn)) == 0);
	buf_reset(&b);
	milter_put_macros(&b, SMFIC_CONNECT, names, values, 2);
	CHECK_INT(b.len, sizeof(mac));
	CHECK(memcmp(b.data, mac, sizeof(mac)) == 0);
	buf_free(&b);
}

TEST(milter_put_header_body_nul)
{
	struct buf b = BUF_INIT;
	char big[70000];

	/* a NUL in a value ends it (it would end the string anyway) */
	milter_put_header(&b, "Subject", 7, "a\0b", 3);
	CHECK_INT(b.len, 4 + 1 + 8 + 2);
	CHECK(memcmp(b.data + 5, "Subject\0a\0", 10) == 0);
	buf_reset(&b);
	memset(big, 'x', sizeof(big));
	milter_put_body(&b, big, sizeof(big));
	CHECK_INT(b.len, 5 + MILTER_CHUNK_SIZE);
	buf_free(&b);
}

TEST(milter_packet_next)
{
	struct buf b = BUF_INIT;
	const unsigned char *data;
	size_t len, used;
	char cmd;

	reply_packet(&b, SMFIR_CONTINUE, NULL, 0);
	reply_packet(&b, SMFIR_ADDHEADER, "X-A\0v\0", 6);
	CHECK_INT(milter_packet_next(b.data, 3, 1024, &cmd, &data, &len, &used), 0);
	CHECK_INT(milter_packet_next(b.data, b.len, 1024, &cmd, &data, &len, &used), 1);
	CHECK_INT(cmd, 'c');
	CHECK_INT(len, 0);
	CHECK_INT(used, 5);
	CHECK_INT(milter_packet_next(b.data + 5, 8, 1024, &cmd, &data, &len, &used), 0);
	CHECK_INT(milter_packet_next(b.data + 5, b.len - 5, 1024, &cmd, &data, &len,
				     &used), 1);
	CHECK_INT(cmd, 'h');
	CHECK_INT(len, 6);
	/* length 0, or over the limit: the stream is broken */
	CHECK_INT(milter_packet_next((const unsigned char *)"\0\0\0\0c", 5, 1024,
				     &cmd, &data, &len, &used), -1);
	CHECK_INT(milter_packet_next((const unsigned char *)"\x7f\0\0\0c", 5, 1024,
				     &cmd, &data, &len, &used), -1);
	buf_free(&b);
}

TEST(milter_reply_parse)
{
	struct milter_reply r;
	const char *why;
	struct buf b = BUF_INIT;

	CHECK(milter_reply_parse('h', (const unsigned char *)"X-Spam\0yes\0", 11,
				 &r, &why));
	CHECK_INT(r.name_len, 6);
	CHECK(memcmp(r.text, "yes", 3) == 0);
	CHECK(milter_reply_parse('m', (const unsigned char *)"\0\0\0\2X-A\0\0", 9,
				 &r, &why));
	CHECK_INT(r.index, 2);
	CHECK_INT(r.text_len, 0);
	CHECK(milter_reply_parse('y', (const unsigned char *)"554 5.7.1 Gtube pattern\0",
				 24, &r, &why));
	CHECK_INT(r.code, 554);
	CHECK_STR(r.enh, "5.7.1");
	CHECK(milter_reply_parse('y', (const unsigned char *)"451 try later\0", 14,
				 &r, &why));
	CHECK_INT(r.code, 451);
	CHECK_STR(r.enh, "");
	/* OPTNEG with macro lists */
	put_u32(&b, 6);
	put_u32(&b, SMFIF_ADDHDRS);
	put_u32(&b, SMFIP_NR_HDR);
	put_u32(&b, MILTER_STAGE_EOM);
	buf_append(&b, "{i} j\0", 6);
	CHECK(milter_reply_parse('O', b.data, b.len, &r, &why));
	CHECK_INT(r.version, 6);
	CHECK_INT(r.protocol, SMFIP_NR_HDR);
	CHECK(r.symlist[MILTER_STAGE_EOM] != NULL);
	CHECK(milter_symlist_has(r.symlist[MILTER_STAGE_EOM],
				 r.symlist_len[MILTER_STAGE_EOM], "i"));
	CHECK(milter_symlist_has(r.symlist[MILTER_STAGE_EOM],
				 r.symlist_len[MILTER_STAGE_EOM], "{j}"));
	CHECK(!milter_symlist_has(r.symlist[MILTER_STAGE_EOM],
				  r.symlist_len[MILTER_STAGE_EOM], "{mail_addr}"));
	buf_free(&b);
}

TEST(milter_reply_parse_bad)
{
	struct milter_reply r;
	const char *why;

	/* missing NUL, no value, bad names, 2xx/garbage reply codes,
	 * unknown commands, short OPTNEG, truncated macro list */
	CHECK(!milter_reply_parse('h', (const unsigned char *)"X-A\0v", 5, &r, &why));
	CHECK(!milter_reply_parse('h', (const unsigned char *)"X-A\0", 4, &r, &why));
	CHECK(!milter_reply_parse('h', (const unsigned char *)"\0v\0", 3, &r, &why));
	CHECK(!milter_reply_parse('h', (const unsigned char *)"X A\0v\0", 6, &r, &why));
	CHECK(!milter_reply_parse('h', (const unsigned char *)"X:A\0v\0", 6, &r, &why));
	CHECK(!milter_reply_parse('i', (const unsigned char *)"\0\0", 2, &r, &why));
	CHECK(!milter_reply_parse('y', (const unsigned char *)"250 ok\0", 7, &r, &why));
	CHECK(!milter_reply_parse('y', (const unsigned char *)"55x no\0", 7, &r, &why));
	CHECK(!milter_reply_parse('y', (const unsigned char *)"550x\0", 5, &r, &why));
	CHECK(!milter_reply_parse('y', (const unsigned char *)"550 a\x01\0", 7, &r, &why));
	CHECK(!milter_reply_parse('Z', NULL, 0, &r, &why));
	CHECK_STR(why, "unknown reply");
	CHECK(!milter_reply_parse('O', (const unsigned char *)"\0\0\0\6", 4, &r, &why));
	CHECK(!milter_reply_parse('O', (const unsigned char *)
				  "\0\0\0\6\0\0\0\0\0\0\0\0\0\0", 14, &r, &why));
	CHECK(!milter_reply_parse('O', (const unsigned char *)
				  "\0\0\0\6\0\0\0\0\0\0\0\0\0\0\0\5ij", 18, &r, &why));
}

TEST(milter_specs_parse)
{
	struct tern_conf *conf = conf_defaults();
	struct milter_specs sp;
	char *err = NULL;

	CHECK_INT(milter_specs_parse("", conf, &sp, &err), 0);
	CHECK_INT(sp.n, 0);
	CHECK_INT(milter_specs_parse(" inet:127.0.0.1:11332, unix:/run/x.sock"
				     "{default_action=accept, command_timeout=10s}"
				     " inet:[::1]:99 {eom_timeout=3}", conf, &sp,
				     &err), 0);
	CHECK_INT(sp.n, 3);
	CHECK_STR(sp.v[0].host, "127.0.0.1");
	CHECK_INT(sp.v[0].port, 11332);
	CHECK_INT(sp.v[0].default_action, MILTER_DEFAULT_TEMPFAIL);
	CHECK_INT(sp.v[0].command_ms, 30000);
	CHECK_STR(sp.v[1].path, "/run/x.sock");
	CHECK_INT(sp.v[1].default_action, MILTER_DEFAULT_ACCEPT);
	CHECK_INT(sp.v[1].command_ms, 10000);
	CHECK_STR(sp.v[2].host, "::1");
	CHECK_INT(sp.v[2].eom_ms, 3000);
	milter_specs_free(&sp);
	static const char *const bad[] = {
		"inet:mail.example:25", "inet:127.0.0.1", "inet:127.0.0.1:0",
		"inet:127.0.0.1:70000", "unix:relative.sock", "tcp:1.2.3.4:5",
		"inet:127.0.0.1:25{default_action=maybe}",
		"inet:127.0.0.1:25{command_timeout=soon}",
		"inet:127.0.0.1:25{colour=blue}", "inet:127.0.0.1:25{timeout}",
		"inet:127.0.0.1:25{default_action=accept",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err = NULL;
		CHECK_INT(milter_specs_parse(bad[i], conf, &sp, &err), -1);
		CHECK(err != NULL);
		free(err);
	}
	conf_free(&conf);
}
