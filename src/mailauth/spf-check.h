/* spf-check.h - the state of one SPF check, shared by the files of the
 * evaluator (spf-eval.c: the loop, terms and frames; spf-names.c: the
 * client's validated names; spf-exp.c: the explanation). Not public:
 * callers use spf.h. */
#ifndef TERN_SPF_CHECK_H
#define TERN_SPF_CHECK_H

#include "lib/buf.h"
#include "mailauth/spf.h"
#include "mailauth/spf-ip.h"
#include "mailauth/spf-macro.h"
#include "mailauth/spf-record.h"

#define SPF_NAME_MAX 253
#define SPF_EXPAND_MAX 8192

struct spf_frame {
	char *domain;
	struct spf_record rec;
	bool have_rec;
	bool redirected;	/* reached by redirect=: none is a permerror */
	size_t term;
};

enum spf_phase {
	PH_START,	/* count the term */
	PH_TARGET,	/* expand its domain-spec */
	PH_ASK,		/* ask its question */
	PH_WAIT,	/* a question is out */
	PH_MXADDR,	/* next MX name's addresses */
	PH_EXP_TEXT,	/* the exp text (c->target) waits for %{p} */
	PH_DONE,	/* c->term_match is the answer */
};

enum spf_state { ST_TERMS, ST_EXP, ST_DONE };

typedef void spf_cont_fn(struct spf_check *c, const struct mauth_dns_answer *a);

struct spf_check {
	const struct mauth_resolver *res;
	spf_cb *cb;
	void *arg;
	void *pending;
	spf_cont_fn *k;
	enum spf_state state;
	struct spf_limits lim;

	struct spf_ip ip;
	char *sender, *local, *sdomain, *helo, *receiver;
	char ipi[80], ipc[64], rev[96];
	time_t now;
	unsigned terms, voids, lookups;

	struct spf_frame *fr;
	size_t depth, maxdepth;

	enum spf_phase phase;
	bool term_match;
	bool term_void;		/* the term has counted its void lookup */
	char *target;
	char **names;		/* MX names of the mx term */
	size_t nnames, iname;

	/* the client's names: PTR, then each name's addresses (5.5) */
	int val_state;		/* 0 not asked, 1 asking, 2 known */
	bool val_void, val_err;
	char **vnames;
	bool *vok;
	size_t nv, iv;

	enum spf_result result;
	struct buf reason, expl;
};

/* spf-eval.c */
void spf_finish(struct spf_check *c, enum spf_result r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void spf_ask(struct spf_check *c, const char *name, enum mauth_dns_type type,
	     spf_cont_fn *k);
enum mauth_dns_type spf_addr_type(const struct spf_check *c);
/* labels of 1 to 63 bytes, 253 bytes at most, min_labels labels at least,
 * not a [literal] (RFC 7208 4.3) */
bool spf_domain_ok(const char *d, size_t min_labels);
void spf_macro_ctx_fill(const struct spf_check *c, const char *domain,
			struct spf_macro_ctx *mc);
char *spf_expand_name(struct spf_check *c, const char *domain, const char *s,
		      size_t len);
struct spf_frame *spf_top(struct spf_check *c);

/* spf-names.c: true when the names are known, else they are being
 * asked (or the check has finished) */
bool spf_validated(struct spf_check *c);
bool spf_name_under(const char *name, const char *domain);
const char *spf_pick_p(const struct spf_check *c, const char *domain);

/* spf-exp.c */
const char *spf_explanation(struct spf_check *c);
void spf_exp_step(struct spf_check *c);

#endif
