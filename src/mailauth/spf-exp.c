/* spf-exp.c - the explanation of a fail (RFC 7208 6.2): exp= is asked
 * only then, and any trouble with it (DNS, not one record, bad macros,
 * non-ASCII) gives the default text. */
#include "mailauth/spf-check.h"

#include <stdlib.h>
#include <string.h>

/* the explanation goes into a 550 reply: printable ASCII only */
const char *
spf_explanation(struct spf_check *c)
{
	if (c->expl.len == 0)
		buf_printf(&c->expl, "%s is not allowed to send mail from %s",
			   c->ipc, c->sdomain);
	for (size_t i = 0; i < c->expl.len; i++)
		if (c->expl.data[i] < 0x20 || c->expl.data[i] > 0x7e)
			c->expl.data[i] = '?';
	return buf_cstr(&c->expl);
}

static void
on_exp(struct spf_check *c, const struct mauth_dns_answer *a)
{
	struct spf_frame *f = spf_top(c);
	struct spf_macro_ctx mc;
	bool ok = true;

	c->phase = PH_DONE;
	if (a->rcode != MAUTH_DNS_DATA || a->n != 1)
		return;
	for (size_t i = 0; i < a->rr[0].len; i++)
		if ((unsigned char)a->rr[0].text[i] > 0x7e ||
		    (unsigned char)a->rr[0].text[i] < 0x20)
			ok = false;
	if (!ok || !spf_macro_valid(a->rr[0].text, a->rr[0].len, true))
		return;
	if (spf_macro_uses_p(a->rr[0].text, a->rr[0].len) && !spf_validated(c)) {
		/* keep the text and expand once the names are known */
		free(c->target);
		c->target = xstrdup(a->rr[0].text);
		c->phase = PH_EXP_TEXT;
		return;
	}
	spf_macro_ctx_fill(c, f->domain, &mc);
	if (!spf_macro_expand(a->rr[0].text, a->rr[0].len, &mc, true, 1024,
			      &c->expl))
		buf_reset(&c->expl);
}

void
spf_exp_step(struct spf_check *c)
{
	struct spf_frame *f = spf_top(c);
	struct spf_macro_ctx mc;

	switch (c->phase) {
	case PH_TARGET: {
		const char *s = f->rec.text + f->rec.exp.off;
		size_t len = f->rec.exp.len;
		char *name;

		if (spf_macro_uses_p(s, len) && !spf_validated(c))
			return;
		name = spf_expand_name(c, f->domain, s, len);
		if (name == NULL || !spf_domain_ok(name, 1)) {
			free(name);
			spf_finish(c, SPF_FAIL, NULL);
			return;
		}
		c->phase = PH_WAIT;
		spf_ask(c, name, MAUTH_DNS_TXT, on_exp);
		free(name);
		return;
	}
	case PH_EXP_TEXT:
		if (!spf_validated(c))
			return;
		spf_macro_ctx_fill(c, f->domain, &mc);
		if (!spf_macro_expand(c->target, strlen(c->target), &mc, true,
				      1024, &c->expl))
			buf_reset(&c->expl);
		/* fall through */
	default:
		spf_finish(c, SPF_FAIL, NULL);
		return;
	}
}
