/* test-store-dmarc.c - the rows of DMARC aggregate reports: grouped by
 * identical results with their count, the latest row's policy first,
 * the per-day limit, deletion once reported and by age. */
#include "store-test-util.h"

static struct store_dmarc_row
row(int64_t t, const char *domain, const char *ip, const char *disp,
    const char *p)
{
	return (struct store_dmarc_row){
		.time = t, .header_from = domain, .policy_domain = domain,
		.rua = "mailto:r@example.net!10m", .adkim = "r", .aspf = "r",
		.p = p, .sp = p, .pct = 100, .source_ip = ip,
		.envelope_from = domain, .disposition = disp,
		.dmarc_dkim = "pass", .dmarc_spf = "fail",
		.dkim = "example.org s1 pass", .spf_domain = domain,
		.spf_scope = "mfrom", .spf_result = "softfail",
	};
}

TEST(store_dmarc_rows_grouped_limited_deleted)
{
	struct store *s = st_open("dmarc1", true);
	int64_t day = 1700006400, first, last;
	struct store_dmarc_rows r;
	struct store_strlist l;
	struct store_dmarc_row x;

	x = row(day + 10, "example.org", "192.0.2.1", "none", "none");
	CHECK_INT(store_dmarc_record(s, &x, 5, NULL, NULL), 0);
	x.time = day + 20;
	CHECK_INT(store_dmarc_record(s, &x, 5, NULL, NULL), 0);
	x = row(day + 30, "example.org", "192.0.2.2", "quarantine", "quarantine");
	CHECK_INT(store_dmarc_record(s, &x, 5, NULL, NULL), 0);
	x = row(day + 40, "other.example", "192.0.2.1", "reject", "reject");
	CHECK_INT(store_dmarc_record(s, &x, 5, NULL, NULL), 0);
	x.time = day + 50;
	CHECK_INT(store_dmarc_record(s, &x, 5, NULL, NULL), 0);
	/* the day has its 5 rows: the sixth is refused, the next day not */
	x.time = day + 60;
	CHECK_INT(store_dmarc_record(s, &x, 5, NULL, NULL), STORE_ELIMIT);
	x.time = day + 86400;
	CHECK_INT(store_dmarc_record(s, &x, 5, NULL, NULL), 0);

	CHECK_INT(store_dmarc_domains(s, day + 86400, &l), 0);
	CHECK_INT(l.n, 2);
	CHECK_STR(l.v[0], "example.org");
	CHECK_STR(l.v[1], "other.example");
	store_strlist_free(&l);

	CHECK_INT(store_dmarc_rows(s, "example.org", day + 86400, &r, &first,
				   &last), 0);
	CHECK_INT(r.n, 3);
	/* the latest row's policy; then the groups by source IP */
	CHECK_STR(r.v[0].p, "quarantine");
	CHECK_STR(r.v[0].rua, "mailto:r@example.net!10m");
	CHECK_STR(r.v[1].source_ip, "192.0.2.1");
	CHECK_INT(r.v[1].count, 2);
	CHECK_STR(r.v[1].dkim, "example.org s1 pass");
	CHECK_STR(r.v[2].source_ip, "192.0.2.2");
	CHECK_INT(r.v[2].count, 1);
	CHECK_STR(r.v[2].disposition, "quarantine");
	CHECK_INT(first, day + 10);
	CHECK_INT(last, day + 30);
	store_dmarc_rows_free(&r);

	/* reported: that domain's rows before the end go */
	CHECK_INT(store_dmarc_delete(s, "example.org", day + 86400, NULL, NULL), 0);
	CHECK_INT(store_dmarc_rows(s, "example.org", day + 86400, &r, &first,
				   &last), 0);
	CHECK_INT(r.n, 0);
	store_dmarc_rows_free(&r);
	/* the limit is on what a day records, reported or not */
	x.time = day + 70;
	CHECK_INT(store_dmarc_record(s, &x, 5, NULL, NULL), STORE_ELIMIT);
	/* retention: every row older than the cut */
	CHECK_INT(store_dmarc_delete(s, NULL, day + 86400, NULL, NULL), 0);
	CHECK_INT(store_dmarc_domains(s, day + 2 * 86400, &l), 0);
	CHECK_INT(l.n, 1);
	store_strlist_free(&l);
	CHECK_INT(store_dmarc_rows(s, "other.example", day + 2 * 86400, &r,
				   &first, &last), 0);
	CHECK_INT(r.n, 2);
	CHECK_INT(r.v[1].count, 1);
	CHECK_INT(first, day + 86400);
	store_dmarc_rows_free(&r);
	store_close(&s);
}

TEST(store_dmarc_role_mailbox)
{
	int64_t ids[3];
	struct store *s;
	struct store_settings set;
	struct store_resolved r;
	char path[512], *err = NULL;

	/* off without a mailbox name */
	s = st_setup("dmarc2", ids);
	CHECK_INT(store_resolve(s, "dmarc-reports@example.org", &r), STORE_ENOTFOUND);
	store_close(&s);
	snprintf(path, sizeof(path), "%s/dmarc2", test_tmpdir());
	memset(&set, 0, sizeof(set));
	set.data_dir = path;
	set.unsafe_no_fsync = true;
	set.dmarc_mailbox = "DMARC Reports";
	CHECK_INT(store_open(&set, &s, &err), 0);
	CHECK_INT(store_resolve(s, "dmarc-reports@example.org", &r), 0);
	CHECK_INT(r.n, 1);
	CHECK_STR(r.v[0].address, "a@example.org");
	CHECK_STR(r.v[0].mailbox, "DMARC Reports");
	store_resolved_free(&r);
	/* postmaster@ itself still goes to the INBOX */
	CHECK_INT(store_resolve(s, "postmaster@example.org", &r), 0);
	CHECK(r.v[0].mailbox == NULL);
	store_resolved_free(&r);
	store_close(&s);
}
