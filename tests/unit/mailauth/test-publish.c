/* test-publish.c - the records `tern dns` prints and how check
 * compares them. */
#include "test.h"

#include "lib/buf.h"
#include "mailauth/publish.h"

#include <stdlib.h>
#include <string.h>

TEST(publish_txt_data)
{
	char long_v[600];
	char *t;

	t = publish_txt_data("v=spf1 mx -all");
	CHECK_STR(t, "\"v=spf1 mx -all\"");
	free(t);
	t = publish_txt_data("a\"b\\c");
	CHECK_STR(t, "\"a\\\"b\\\\c\"");
	free(t);
	/* 255-byte character-strings */
	memset(long_v, 'x', 599);
	long_v[599] = '\0';
	t = publish_txt_data(long_v);
	CHECK_INT(strlen(t), 599 + 6 + 2);
	CHECK(t[256] == '"' && t[257] == ' ' && t[258] == '"');
	free(t);
}

static const struct publish_rr *
find(const struct publish_set *s, const char *name, const char *type)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->rr[i].name, name) && !strcmp(s->rr[i].type, type))
			return &s->rr[i];
	return NULL;
}

TEST(publish_records_from_listeners)
{
	struct tern_conf *conf = conf_defaults();
	struct listener_conf l[4] = {
		{ "submissions", "0.0.0.0", 465, TLS_MODE_IMPLICIT, 0 },
		{ "imap", "::", 143, TLS_MODE_STARTTLS, 0 },
		{ "imap", "0.0.0.0", 1993, TLS_MODE_IMPLICIT, 0 },
		{ "pop3", "127.0.0.1", 110, TLS_MODE_STARTTLS, 0 },
	};
	struct publish_dkim dk = { "s1._domainkey.example.org", "v=DKIM1; k=rsa; p=AAAA",
				   "s1", true };
	const char *addrs[1] = { "2001:db8::1" };
	struct listener_conf *saved = conf->listeners;
	size_t n_saved = conf->n_listeners;
	struct publish_set s;
	const struct publish_rr *r;

	free(conf->hostname);
	conf->hostname = xstrdup("mail.example.org");
	conf->listeners = l;
	conf->n_listeners = 4;
	publish_records(conf, "example.org", &dk, 1, addrs, 1, &s);
	r = find(&s, "_submissions._tcp.example.org.", "SRV");
	CHECK(r && !strcmp(r->data, "0 1 465 mail.example.org."));
	r = find(&s, "_submission._tcp.example.org.", "SRV");
	CHECK(r && !strcmp(r->data, "0 0 0 ."));
	r = find(&s, "_imaps._tcp.example.org.", "SRV");	/* imap + tls */
	CHECK(r && !strcmp(r->data, "0 1 1993 mail.example.org."));
	r = find(&s, "_imap._tcp.example.org.", "SRV");
	CHECK(r && !strcmp(r->data, "0 1 143 mail.example.org."));
	r = find(&s, "_pop3._tcp.example.org.", "SRV");	/* loopback only */
	CHECK(r && !strcmp(r->data, "0 0 0 ."));
	r = find(&s, "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.",
		 "PTR");
	CHECK(r && !strcmp(r->data, "mail.example.org."));
	r = find(&s, "mail.example.org.", "AAAA");
	CHECK(r && !strcmp(r->data, "2001:db8::1"));

	/* preferences and priorities are the owner's choice */
	r = find(&s, "example.org.", "MX");
	CHECK(r && publish_matches(r, "0 mail.example.org."));
	CHECK(r && !publish_matches(r, "10 mx.example.org."));
	CHECK(r && !publish_matches(r, "10 ail.example.org."));
	r = find(&s, "_imap._tcp.example.org.", "SRV");
	CHECK(r && publish_matches(r, "5 0 143 mail.example.org."));
	CHECK(r && !publish_matches(r, "0 1 144 mail.example.org."));
	CHECK(r && !publish_matches(r, "0 1 143 other.example.org."));
	r = find(&s, "_pop3._tcp.example.org.", "SRV");
	CHECK(r && publish_matches(r, "0 0 110 ."));
	CHECK(r && !publish_matches(r, "0 1 110 mail.example.org."));

	r = find(&s, "s1._domainkey.example.org.", "TXT");
	CHECK(r != NULL);
	CHECK(r && publish_matches(r, "v=DKIM1; k=rsa; p=AA AA"));
	CHECK(r && publish_matches(r, "k=rsa; p=AAAA"));
	CHECK(r && !publish_matches(r, "v=DKIM1; k=rsa; p=AAAB"));
	CHECK(r && !publish_matches(r, "v=DKIM1; k=rsa; p="));
	r = find(&s, "_dmarc.example.org.", "TXT");
	CHECK(r && publish_matches(r, "v=DMARC1; p=none"));
	CHECK(r && !publish_matches(r, "v=DMARC1; p=nope"));
	r = find(&s, "example.org.", "TXT");
	CHECK(r && publish_matches(r, "v=spf1 mx -all"));
	CHECK(r && !publish_matches(r, "v=spf1 mx ~all"));
	r = find(&s, "_smtp._tls.example.org.", "TXT");
	CHECK(r && publish_matches(r, "v=TLSRPTv1; rua=mailto:x@example.net"));
	CHECK(r && !publish_matches(r, "v=TLSRPTv10; rua=mailto:x@example.net"));
	publish_set_free(&s);

	conf->listeners = saved;
	conf->n_listeners = n_saved;
	conf_free(&conf);
}
