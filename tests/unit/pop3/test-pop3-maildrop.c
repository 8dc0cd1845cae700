/* test-pop3-maildrop.c - snapshot numbering, marks, RSET, STAT, expunge
 * ranges and UIDL values */
#include "test.h"

#include <stdlib.h>

#include "pop3/pop3-maildrop.h"

TEST(pop3_maildrop_uidl)
{
	char u[POP3_UIDL_LEN + 1];

	pop3_maildrop_uidl(u, 1, 1);
	CHECK_STR(u, "0000000100000001");
	pop3_maildrop_uidl(u, 0x5f3a2b1c, 0xffffffff);
	CHECK_STR(u, "5f3a2b1cffffffff");
	pop3_maildrop_uidl(u, 0xdeadbeef, 42);
	CHECK_STR(u, "deadbeef0000002a");
	CHECK_INT(strlen(u), POP3_UIDL_LEN);
}

TEST(pop3_maildrop_marks)
{
	static const uint32_t uids[] = { 3, 4, 5, 9, 10, 12 };
	static const uint64_t sizes[] = { 100, 200, 300, 400, 500, 600 };
	struct pop3_maildrop md;
	struct store_uid_range *r;
	uint32_t count;
	uint64_t octets;
	size_t n;

	pop3_maildrop_init(&md, 7, 1234, 6, uids, sizes);
	pop3_maildrop_stat(&md, &count, &octets);
	CHECK_INT(count, 6);
	CHECK_INT(octets, 2100);
	CHECK(pop3_maildrop_get(&md, 0) == NULL);
	CHECK(pop3_maildrop_get(&md, 7) == NULL);
	CHECK(pop3_maildrop_get(&md, 4)->uid == 9);
	CHECK_INT(pop3_maildrop_deleted_ranges(&md, &r), 0);
	CHECK(r == NULL);

	CHECK_INT(pop3_maildrop_dele(&md, 1), POP3_DELE_OK);
	CHECK_INT(pop3_maildrop_dele(&md, 1), POP3_DELE_ALREADY);
	CHECK_INT(pop3_maildrop_dele(&md, 0), POP3_DELE_NOSUCH);
	CHECK_INT(pop3_maildrop_dele(&md, 7), POP3_DELE_NOSUCH);
	CHECK(pop3_maildrop_get(&md, 1) == NULL);
	pop3_maildrop_stat(&md, &count, &octets);
	CHECK_INT(count, 5);
	CHECK_INT(octets, 2000);
	pop3_maildrop_rset(&md);
	CHECK(pop3_maildrop_get(&md, 1) != NULL);
	pop3_maildrop_stat(&md, &count, &octets);
	CHECK_INT(count, 6);
	CHECK_INT(octets, 2100);

	/* 3,4,5 merge; 9,10 merge; 12 alone; numbers stay fixed */
	CHECK_INT(pop3_maildrop_dele(&md, 1), POP3_DELE_OK);
	CHECK_INT(pop3_maildrop_dele(&md, 2), POP3_DELE_OK);
	CHECK_INT(pop3_maildrop_dele(&md, 3), POP3_DELE_OK);
	CHECK_INT(pop3_maildrop_dele(&md, 4), POP3_DELE_OK);
	CHECK_INT(pop3_maildrop_dele(&md, 5), POP3_DELE_OK);
	CHECK_INT(pop3_maildrop_dele(&md, 6), POP3_DELE_OK);
	n = pop3_maildrop_deleted_ranges(&md, &r);
	CHECK_INT(n, 3);
	CHECK(r[0].lo == 3 && r[0].hi == 5);
	CHECK(r[1].lo == 9 && r[1].hi == 10);
	CHECK(r[2].lo == 12 && r[2].hi == 12);
	free(r);
	pop3_maildrop_stat(&md, &count, &octets);
	CHECK_INT(count, 0);
	CHECK_INT(octets, 0);
	pop3_maildrop_free(&md);
}

TEST(pop3_maildrop_empty)
{
	struct pop3_maildrop md;
	uint32_t count;
	uint64_t octets;

	pop3_maildrop_init(&md, 1, 1, 0, NULL, NULL);
	pop3_maildrop_stat(&md, &count, &octets);
	CHECK_INT(count, 0);
	CHECK_INT(octets, 0);
	CHECK(pop3_maildrop_get(&md, 1) == NULL);
	CHECK_INT(pop3_maildrop_dele(&md, 1), POP3_DELE_NOSUCH);
	pop3_maildrop_free(&md);
}
