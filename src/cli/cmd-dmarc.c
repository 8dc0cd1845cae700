/* cmd-dmarc.c - `tern dmarc`: send the DMARC aggregate reports of the
 * period so far (the server sends them each day at dmarc_reports.hour;
 * this is the same run by hand), and summarize the reports other
 * receivers mailed to our rua= address. */
#include "cli/cli.h"
#include "lib/base64.h"
#include "lib/buf.h"
#include "lib/gzip.h"
#include "mailauth/dmarc-xml.h"
#include "mailauth/dmarc.h"
#include "relay/dmarc-report.h"
#include "store/store.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define DMARC_USAGE \
	"usage: tern dmarc report --send [--now]   queue the reports now\n" \
	"       tern dmarc show [DOMAIN]           summarize received reports\n"

static int
report_send(const struct tern_conf *conf, bool now_all)
{
	int64_t now = (int64_t)time(NULL);
	int64_t end = dmarc_period_end(conf, now);
	struct store *store;
	char *err = NULL;
	int n;

	if (!conf->dmarc_reports.enable) {
		fprintf(stderr, "tern dmarc: dmarc_reports.enable is no: "
			"nothing is recorded or sent\n");
		return 1;
	}
	/* the period so far, or the one that ended at the last send hour */
	if (now_all)
		end = now + 1;
	if ((store = cli_open_store(conf)) == NULL)
		return 1;
	n = dmarc_send_run(conf, store, end, now, &err);
	store_close(&store);
	if (n < 0) {
		fprintf(stderr, "tern dmarc: %s\n", err ? err :
			store_strerror(n));
		free(err);
		return 1;
	}
	printf("%d report%s queued\n", n, n == 1 ? "" : "s");
	return 0;
}

/* ---- show ---- */

struct org {
	char name[DMARC_XML_FIELD];
	uint64_t reports, messages, pass, fail;
	struct ipsum {
		char ip[64];
		uint64_t messages, pass, fail;
	} *ips;
	size_t n_ips;
};

static uint64_t
sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static void
org_add(struct org **orgs, size_t *n, const struct dmarc_xml_report *r)
{
	struct org *o = NULL;

	for (size_t i = 0; i < *n && o == NULL; i++)
		if (strcmp((*orgs)[i].name, r->org_name) == 0)
			o = &(*orgs)[i];
	if (o == NULL) {
		*orgs = xrealloc(*orgs, (*n + 1) * sizeof(**orgs));
		o = &(*orgs)[(*n)++];
		memset(o, 0, sizeof(*o));
		snprintf(o->name, sizeof(o->name), "%s", r->org_name);
	}
	o->reports++;
	for (size_t i = 0; i < r->n; i++) {
		const struct dmarc_xml_record *rec = &r->v[i];
		bool pass = !strcmp(rec->dkim, "pass") || !strcmp(rec->spf, "pass");
		struct ipsum *ip = NULL;

		for (size_t k = 0; k < o->n_ips && ip == NULL; k++)
			if (strcmp(o->ips[k].ip, rec->source_ip) == 0)
				ip = &o->ips[k];
		if (ip == NULL) {
			o->ips = xrealloc(o->ips, (o->n_ips + 1) * sizeof(*o->ips));
			ip = &o->ips[o->n_ips++];
			memset(ip, 0, sizeof(*ip));
			snprintf(ip->ip, sizeof(ip->ip), "%s", rec->source_ip);
		}
		o->messages = sat_add(o->messages, rec->count);
		ip->messages = sat_add(ip->messages, rec->count);
		if (pass) {
			o->pass = sat_add(o->pass, rec->count);
			ip->pass = sat_add(ip->pass, rec->count);
		} else {
			o->fail = sat_add(o->fail, rec->count);
			ip->fail = sat_add(ip->fail, rec->count);
		}
	}
}

/* printable ASCII only: names come from other people's XML */
static void
print_safe(const char *s)
{
	for (; *s; s++)
		putchar(*s >= ' ' && *s < 0x7f ? *s : '?');
}

/* The report's XML from one message: the first part that holds a gzip
 * member or a zip archive (base64 or not), else an XML part as it is.
 * 0, -1 (none found) or -2 (corrupt or over the limit). */
static int
message_xml(const char *msg, size_t len, size_t limit, struct buf *xml)
{
	const char *p = msg, *end = msg + len;
	bool in_header = true, b64 = false, body_b64 = false;
	struct buf part = BUF_INIT;
	int ret = -1;

	while (p < end && ret != 0) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t n = eol ? (size_t)(eol - p) : (size_t)(end - p);
		bool boundary = n >= 2 && p[0] == '-' && p[1] == '-';

		if (n && p[n - 1] == '\r')
			n--;
		if (in_header) {
			if (n == 0) {
				in_header = false;
				body_b64 = b64;
				buf_reset(&part);
			} else if (n > 26 && strncasecmp(p, "Content-Transfer-Encoding:", 26) == 0) {
				b64 = memmem(p, n, "base64", 6) != NULL ||
				      memmem(p, n, "BASE64", 6) != NULL;
			}
		} else if (boundary || eol == NULL) {
			struct buf raw = BUF_INIT;

			if (eol == NULL && !boundary)
				buf_append(&part, p, n);
			if (body_b64)
				base64_decode_lenient(&raw, part.data, part.len);
			else
				buf_append(&raw, part.data, part.len);
			if (raw.len > 2 && raw.data[0] == 0x1f && raw.data[1] == 0x8b) {
				buf_reset(xml);
				ret = gzip_decompress(raw.data, raw.len, limit, xml) == 0 ?
				      0 : -2;
			} else if (raw.len > 4 && memcmp(raw.data, "PK\x03\x04", 4) == 0) {
				buf_reset(xml);
				ret = zip_first_file(raw.data, raw.len, limit, xml) == 0 ?
				      0 : -2;
			} else if (raw.len > 5 && (memmem(raw.data, raw.len < 200 ?
					raw.len : 200, "<feedback", 9) ||
				   memmem(raw.data, raw.len < 200 ? raw.len : 200,
					  "<?xml", 5)) && raw.len <= limit) {
				buf_reset(xml);
				buf_append(xml, raw.data, raw.len);
				ret = 0;
			}
			buf_free(&raw);
			if (ret == -2)
				break;
			in_header = true;
			b64 = false;
			buf_reset(&part);
		} else {
			buf_append(&part, p, n);
			buf_append_byte(&part, '\n');
		}
		p = eol ? eol + 1 : end;
	}
	buf_free(&part);
	return ret;
}

static int
read_message(struct store *store, int64_t account, int64_t mbox, uint32_t uid,
	     size_t limit, struct buf *out)
{
	struct store_reader *r = NULL;
	uint64_t off = 0, size;
	int rc = store_msg_open(store, account, mbox, uid, &r);

	if (rc < 0)
		return rc;
	size = store_reader_size(r);
	if (size > limit) {
		store_reader_close(&r);
		return STORE_ETOOBIG;
	}
	while (off < size) {
		ssize_t got = store_reader_pread(r, buf_reserve(out, 65536),
						 65536, off);

		if (got <= 0)
			break;
		out->len += (size_t)got;
		off += (uint64_t)got;
	}
	store_reader_close(&r);
	return 0;
}

static int
show(const struct tern_conf *conf, const char *domain)
{
	struct store_uid_range all = { 1, UINT32_MAX };
	struct store_strlist domains = { 0, NULL };
	struct store_resolved res = { 0, NULL };
	struct store_mailbox mb = { 0 };
	struct store_msg_iter *it = NULL;
	const struct store_msg *m;
	struct org *orgs = NULL;
	uint32_t *uids = NULL;
	size_t n_orgs = 0, n_uids = 0, limit = conf->dmarc_reports.max_report_size;
	uint64_t bad = 0;
	struct store *store;
	char *rua = NULL;
	int rc;

	if ((store = cli_open_store(conf)) == NULL)
		return 1;
	/* the mailbox dmarc-reports@ reaches */
	rc = store_domain_list(store, &domains);
	if (rc == 0 && domains.n > 0) {
		rua = xasprintf("dmarc-reports@%s", domains.v[0]);
		rc = store_resolve(store, rua, &res);
	} else if (rc == 0) {
		rc = STORE_ENOTFOUND;
	}
	if (rc == 0 && (res.v[0].kind != STORE_TARGET_LOCAL || !res.v[0].mailbox))
		rc = STORE_ENOTFOUND;
	if (rc == 0)
		rc = store_mailbox_get(store, res.v[0].account_id,
				       res.v[0].mailbox, &mb);
	if (rc == STORE_ENOTFOUND) {
		printf("no reports received yet\n");
		rc = 0;
		goto out;
	}
	if (rc == 0)
		rc = store_msg_iter_init(store, res.v[0].account_id, mb.id,
					 &all, 1, 0, &it);
	while (rc == 0 && (rc = store_msg_iter_next(it, &m)) > 0) {
		uids = xrealloc(uids, (n_uids + 1) * sizeof(*uids));
		uids[n_uids++] = m->uid;
		rc = 0;
	}
	store_msg_iter_free(&it);
	for (size_t i = 0; rc == 0 && i < n_uids; i++) {
		struct buf msg = BUF_INIT, xml = BUF_INIT;
		struct dmarc_xml_report r;
		const char *why = "no report attachment";
		int got = read_message(store, res.v[0].account_id, mb.id,
				       uids[i], limit * 2, &msg);

		if (got == 0 && message_xml((const char *)msg.data, msg.len,
					    limit, &xml) == 0) {
			if (dmarc_xml_parse((const char *)xml.data, xml.len, 0,
					    &r, &why) == 0) {
				why = NULL;
				if (domain == NULL ||
				    strcasecmp(r.domain, domain) == 0)
					org_add(&orgs, &n_orgs, &r);
				dmarc_xml_free(&r);
			}
		}
		if (why != NULL) {
			fprintf(stderr, "tern dmarc: message uid %u: %s\n",
				uids[i], why);
			bad++;
		}
		buf_free(&msg);
		buf_free(&xml);
	}
	for (size_t i = 0; i < n_orgs; i++) {
		struct org *o = &orgs[i];

		printf("org ");
		print_safe(o->name);
		printf(": reports=%" PRIu64 " messages=%" PRIu64 " pass=%" PRIu64
		       " fail=%" PRIu64 "\n", o->reports, o->messages, o->pass,
		       o->fail);
		for (size_t k = 0; k < o->n_ips; k++) {
			printf("  ");
			print_safe(o->ips[k].ip);
			printf(" messages=%" PRIu64 " pass=%" PRIu64 " fail=%"
			       PRIu64 "\n", o->ips[k].messages, o->ips[k].pass,
			       o->ips[k].fail);
		}
		free(o->ips);
	}
	if (bad)
		printf("unreadable: %" PRIu64 "\n", bad);
out:
	if (rc < 0)
		fprintf(stderr, "tern dmarc: %s\n", store_strerror(rc));
	free(orgs);
	free(uids);
	free(rua);
	store_mailbox_clear(&mb);
	store_resolved_free(&res);
	store_strlist_free(&domains);
	store_close(&store);
	return rc < 0 ? 1 : 0;
}

int
cmd_dmarc(struct cli *cli)
{
	struct tern_conf *conf;
	bool send = false, now = false;
	int rc;

	if (cli->argc >= 1 && strcmp(cli->argv[0], "report") == 0) {
		for (int i = 1; i < cli->argc; i++) {
			if (strcmp(cli->argv[i], "--send") == 0)
				send = true;
			else if (strcmp(cli->argv[i], "--now") == 0)
				now = true;
			else
				send = false, i = cli->argc;
		}
		if (!send) {
			fputs(DMARC_USAGE, stderr);
			return EXIT_USAGE;
		}
	} else if (!(cli->argc >= 1 && cli->argc <= 2 &&
		     strcmp(cli->argv[0], "show") == 0)) {
		fputs(DMARC_USAGE, stderr);
		return EXIT_USAGE;
	}
	if ((conf = cli_load_conf(cli)) == NULL)
		return EXIT_CONFIG;
	if (send)
		rc = report_send(conf, now);
	else
		rc = show(conf, cli->argc == 2 ? cli->argv[1] : NULL);
	conf_free(&conf);
	return rc;
}
