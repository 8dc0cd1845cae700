/* test-deliver.c - the Sieve step's plan without a server: flags and
 * keywords merged into one row per mailbox, a missing mailbox as INBOX,
 * a redirect chain through local accounts cut at its bound with the
 * message kept where it stops, reject outcomes, no script = as without
 * Sieve */
#include "../store/store-test-util.h"

#include "deliver/deliver.h"
#include "lib/conf.h"

#define N_ACC 12

struct fixture {
	struct store *s;
	struct tern_conf *conf;
	int64_t id[N_ACC];
	char addr[N_ACC][32];
};

static void
fx_open(struct fixture *f, const char *name)
{
	memset(f, 0, sizeof(*f));
	f->s = st_open(name, true);
	f->conf = conf_defaults();
	CHECK_INT(store_domain_add(f->s, "example.org", NULL, NULL), 0);
	for (int i = 0; i < N_ACC; i++) {
		snprintf(f->addr[i], sizeof(f->addr[i]), "u%d@example.org", i);
		CHECK_INT(store_account_add(f->s, f->addr[i], "$argon2id$x",
					    "scram", &f->id[i], NULL, NULL), 0);
	}
}

static void
fx_close(struct fixture *f)
{
	store_close(&f->s);
	conf_free(&f->conf);
}

static void
fx_script(struct fixture *f, int acc, const char *text)
{
	CHECK_INT(store_sieve_put(f->s, f->id[acc], "s", text, strlen(text),
				  NULL, NULL), 0);
	CHECK_INT(store_sieve_setactive(f->s, f->id[acc], "s", NULL, NULL), 0);
}

static struct deliver_sieve *
fx_run(struct fixture *f, int acc, const char *msg)
{
	struct deliver_env env = { .store = f->s, .conf = f->conf, .id = "T",
				   .sender = "x@example.net" };
	struct store_rcpt row = { .kind = STORE_RCPT_LOCAL,
				  .account_id = f->id[acc],
				  .address = f->addr[acc] };
	struct deliver_sieve *d = deliver_sieve_new(&env, &row, 1, NULL);

	deliver_sieve_run(d, NULL, msg, strlen(msg));
	return d;
}

static const char msg[] = "From: <x@example.net>\r\nTo: <u0@example.org>\r\n"
			  "Subject: hi\r\n\r\nbody\r\n";

TEST(deliver_flags_merge_and_missing_mailbox)
{
	struct fixture f;
	struct deliver_sieve *d;
	struct store_rcpt *r;
	const char *reason;
	size_t n;

	fx_open(&f, "dlv1");
	fx_script(&f, 0, "require [\"fileinto\", \"imap4flags\"];\n"
		  "addflag \"\\\\Seen $a\";\n"
		  "fileinto :flags [\"\\\\Flagged\", \"$b\", \"bad(kw\"] \"Missing\";\n"
		  "keep;\n");
	d = fx_run(&f, 0, msg);
	CHECK_INT(deliver_sieve_outcome(d, true, &reason), DELIVER_STORE);
	r = deliver_sieve_rows(d, &n);
	/* Missing does not exist: INBOX, with keep's copy: one, flags merged */
	CHECK_INT((int)n, 1);
	CHECK(r[0].mailbox == NULL);
	CHECK_INT((int)r[0].flags, STORE_F_SEEN | STORE_F_FLAGGED);
	CHECK_STR(r[0].keywords, "$b $a");	/* in the order they ran */
	deliver_sieve_free(&d);
	fx_close(&f);
}

TEST(deliver_redirect_chain_bounded)
{
	struct fixture f;
	struct deliver_sieve *d;
	struct store_rcpt *r;
	const char *reason;
	char text[128];
	size_t n;

	fx_open(&f, "dlv2");
	/* u0 -> u1 -> ... -> u11: cut after DELIVER_MAX_CHAIN redirects */
	for (int i = 0; i + 1 < N_ACC; i++) {
		snprintf(text, sizeof(text), "redirect \"%s\";\n", f.addr[i + 1]);
		fx_script(&f, i, text);
	}
	d = fx_run(&f, 0, msg);
	CHECK_INT(deliver_sieve_outcome(d, true, &reason), DELIVER_STORE);
	r = deliver_sieve_rows(d, &n);
	CHECK_INT((int)n, 1);
	CHECK(r[0].kind == STORE_RCPT_LOCAL);
	CHECK(r[0].account_id == f.id[7]);
	CHECK(r[0].prefix_len > 0 &&
	      memmem(r[0].prefix, r[0].prefix_len, "Delivered-To: u7@", 17));
	deliver_sieve_free(&d);
	fx_close(&f);
}

TEST(deliver_reject_and_no_script)
{
	struct fixture f;
	struct deliver_sieve *d;
	const char *reason;
	size_t n;

	fx_open(&f, "dlv3");
	fx_script(&f, 0, "require \"reject\";\nreject \"go\naway\";\n");
	d = fx_run(&f, 0, msg);
	CHECK_INT(deliver_sieve_outcome(d, true, &reason), DELIVER_REJECT);
	CHECK_STR(reason, "go away");
	deliver_sieve_free(&d);
	/* JMAP cannot refuse: nothing stored, a DSN instead */
	d = fx_run(&f, 0, msg);
	CHECK_INT(deliver_sieve_outcome(d, false, &reason), DELIVER_NOTHING);
	deliver_sieve_free(&d);
	/* no script: the row as it was */
	d = fx_run(&f, 1, msg);
	CHECK_INT(deliver_sieve_outcome(d, true, &reason), DELIVER_STORE);
	CHECK(deliver_sieve_rows(d, &n)[0].account_id == f.id[1]);
	CHECK_INT((int)n, 1);
	deliver_sieve_free(&d);
	fx_close(&f);
}

TEST(deliver_quarantine_wins_over_fileinto)
{
	struct fixture f;
	struct deliver_env env;
	struct store_rcpt row, *r;
	struct deliver_sieve *d;
	const char *reason;
	size_t n;

	fx_open(&f, "dlv4");
	fx_script(&f, 0, "require [\"fileinto\", \"mailbox\"];\n"
		  "fileinto :create \"Work\";\nkeep;\n");
	memset(&env, 0, sizeof(env));
	env.store = f.s;
	env.conf = f.conf;
	env.sender = "x@example.net";
	memset(&row, 0, sizeof(row));
	row.kind = STORE_RCPT_LOCAL;
	row.account_id = f.id[0];
	row.address = f.addr[0];
	row.special_use = STORE_SU_JUNK;
	d = deliver_sieve_new(&env, &row, 1, NULL);
	deliver_sieve_run(d, NULL, msg, strlen(msg));
	CHECK_INT(deliver_sieve_outcome(d, true, &reason), DELIVER_STORE);
	r = deliver_sieve_rows(d, &n);
	/* one copy, in \Junk */
	CHECK_INT((int)n, 1);
	CHECK(r[0].mailbox == NULL);
	CHECK_INT((int)r[0].special_use, STORE_SU_JUNK);
	deliver_sieve_free(&d);
	fx_close(&f);
}
