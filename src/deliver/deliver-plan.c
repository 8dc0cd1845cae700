/* deliver-plan.c - a script's actions carried out as store rows: keep
 * and fileinto (mailbox, :create, imap4flags' flags and keywords; one
 * row per mailbox), redirect (a queued copy, or a local account's own
 * delivery with its own script), reject/ereject and vacation noted for
 * after the commit, discard as nothing */
#include "deliver/deliver-private.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/log.h"

static const struct {
	const char *name;
	uint32_t bit;
} deliver_sys_flags[] = {
	{ "\\Seen", STORE_F_SEEN }, { "\\Answered", STORE_F_ANSWERED },
	{ "\\Flagged", STORE_F_FLAGGED }, { "\\Deleted", STORE_F_DELETED },
	{ "\\Draft", STORE_F_DRAFT },
};

/* an IMAP atom that may be a keyword (RFC 3501 flag-keyword) */
static bool
deliver_keyword_ok(const char *k, size_t n)
{
	if (n == 0 || n > 100)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)k[i];

		if (c <= 32 || c >= 127 || strchr("(){%*\"\\]", c))
			return false;
	}
	return true;
}

static bool
deliver_has_word(const struct buf *kw, const char *w, size_t n)
{
	const char *p = kw->len ? (const char *)kw->data : "";
	size_t len = kw->len;

	for (size_t i = 0; i < len;) {
		size_t e = i;

		while (e < len && p[e] != ' ')
			e++;
		if (e - i == n && strncasecmp(p + i, w, n) == 0)
			return true;
		i = e + 1;
	}
	return false;
}

/* imap4flags' list (each string may hold several names) into system
 * flag bits and a keyword string; \Recent and unknown \names dropped */
static void
deliver_flags(const char *const *flags, uint32_t *bits, struct buf *kw)
{
	for (size_t i = 0; flags && flags[i]; i++) {
		const char *p = flags[i];

		while (*p) {
			size_t n;

			while (*p == ' ')
				p++;
			n = strcspn(p, " ");
			if (n && *p == '\\') {
				for (size_t j = 0; j < sizeof(deliver_sys_flags) /
				     sizeof(deliver_sys_flags[0]); j++)
					if (strlen(deliver_sys_flags[j].name) == n &&
					    strncasecmp(p, deliver_sys_flags[j].name,
							n) == 0)
						*bits |= deliver_sys_flags[j].bit;
			} else if (deliver_keyword_ok(p, n) &&
				   !deliver_has_word(kw, p, n)) {
				if (kw->len)
					buf_append_byte(kw, ' ');
				buf_append(kw, p, n);
			}
			p += n;
		}
	}
}

static struct store_rcpt *
deliver_row_new(struct deliver_sieve *d)
{
	struct store_rcpt *r;

	if (d->n_out == d->cap_out) {
		d->cap_out = d->cap_out ? d->cap_out * 2 : 8;
		d->out = xrealloc(d->out, d->cap_out * sizeof(*d->out));
		d->pre_off = xrealloc(d->pre_off,
				      d->cap_out * 2 * sizeof(*d->pre_off));
	}
	r = &d->out[d->n_out];
	memset(r, 0, sizeof(*r));
	d->pre_off[d->n_out * 2] = SIZE_MAX;
	d->pre_off[d->n_out * 2 + 1] = SIZE_MAX;
	d->n_out++;
	return r;
}

void
deliver_plan_copy(struct deliver_sieve *d, size_t row)
{
	*deliver_row_new(d) = d->in[row];
}

static bool
deliver_same_mailbox(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* a fileinto whose mailbox is missing (and no :create) goes to INBOX,
 * said in the log; INBOX in any case is INBOX */
static const char *
deliver_target_mailbox(struct deliver_sieve *d, const struct deliver_unit *u,
		       const char *mailbox, bool create)
{
	struct store_mailbox mb;
	int rc;

	if (mailbox == NULL || strcasecmp(mailbox, "INBOX") == 0)
		return NULL;
	if (create)
		return mailbox;
	memset(&mb, 0, sizeof(mb));
	rc = store_mailbox_get(d->env.store, u->account_id, mailbox, &mb);
	if (rc == 0) {
		store_mailbox_clear(&mb);
		return mailbox;
	}
	log_info(d->env.log_id, "sieve fileinto account=%s mailbox=\"%s\" "
		 "error=%s: INBOX", u->address, mailbox, store_strerror(rc));
	return NULL;
}

/* a local copy for unit u into mailbox (NULL: INBOX, or the original
 * row's own choice) */
static void
deliver_local(struct deliver_sieve *d, size_t ui, const char *mailbox,
	      bool create, const char *const *flags)
{
	const struct deliver_unit *u = &d->units[ui];
	const struct store_rcpt *src = &d->in[u->src];
	struct buf kw = BUF_INIT;
	uint32_t bits = 0;
	struct store_rcpt *r = NULL;

	/* quarantined (DMARC, a milter): \Junk wins over the script's
	 * mailboxes, one copy */
	if (u->original && src->special_use)
		mailbox = NULL;
	mailbox = deliver_target_mailbox(d, u, mailbox, create);
	if (mailbox == NULL && u->original) {
		/* a role's own mailbox (DMARC reports) */
		mailbox = src->mailbox;
		create = src->create_mailbox;
	}
	/* keep and fileinto of one mailbox: one copy, flags merged */
	for (size_t i = 0; i < d->n_out && r == NULL; i++)
		if (d->out[i].kind == STORE_RCPT_LOCAL &&
		    d->out[i].account_id == u->account_id &&
		    deliver_same_mailbox(d->out[i].mailbox, mailbox))
			r = &d->out[i];
	if (r && r->keywords)
		buf_append_str(&kw, r->keywords);
	deliver_flags(flags, &bits, &kw);
	if (r == NULL) {
		r = deliver_row_new(d);
		r->kind = STORE_RCPT_LOCAL;
		r->account_id = u->account_id;
		r->address = deliver_str(d, u->address);
		r->mailbox = deliver_str(d, mailbox);
		r->create_mailbox = create;
		r->orcpt = src->orcpt;
		r->notify = src->notify;
		if (u->original)
			r->special_use = src->special_use;
		if (u->original) {
			r->prefix = src->prefix;
			r->prefix_len = src->prefix_len;
		} else {
			size_t i = d->n_out - 1;

			d->pre_off[i * 2] = d->pre.len;
			deliver_unit_prefix(d, u, &d->pre);
			d->pre_off[i * 2 + 1] = d->pre.len;
		}
	}
	r->flags |= bits;
	r->keywords = kw.len ? deliver_str(d, buf_cstr(&kw)) : NULL;
	buf_free(&kw);
}

/* a queued copy to address, once per address */
static void
deliver_remote(struct deliver_sieve *d, const struct deliver_unit *u,
	       const char *address)
{
	const char *at = strrchr(u->address, '@');
	struct store_rcpt *r;

	for (size_t i = 0; i < d->n_out; i++)
		if (d->out[i].kind == STORE_RCPT_REMOTE &&
		    strcasecmp(d->out[i].address, address) == 0)
			return;
	r = deliver_row_new(d);
	r->kind = STORE_RCPT_REMOTE;
	r->address = deliver_str(d, address);
	/* our Delivered-To makes a copy that comes back a loop (when this
	 * is the delivery's first queued row: the queue keeps one prefix) */
	d->pre_off[(d->n_out - 1) * 2] = d->pre.len;
	buf_printf(&d->pre, "Delivered-To: %s\r\n", u->address);
	buf_append(&d->pre, d->remote_front.data, d->remote_front.len);
	d->pre_off[(d->n_out - 1) * 2 + 1] = d->pre.len;
	if (d->srs_domain == NULL && at)
		d->srs_domain = xstrdup(at + 1);
}

/* is account in the chain that led to unit ui (ui included)? */
static bool
deliver_in_chain(const struct deliver_sieve *d, size_t ui, int64_t account)
{
	for (size_t i = ui; i != SIZE_MAX; i = d->units[i].parent)
		if (d->units[i].account_id == account)
			return true;
	return false;
}

static bool
deliver_has_unit(const struct deliver_sieve *d, int64_t account)
{
	for (size_t i = 0; i < d->n_units; i++)
		if (d->units[i].account_id == account)
			return true;
	return false;
}

static void
deliver_unit_add(struct deliver_sieve *d, size_t ui,
		 const struct store_target *tg, const char *address)
{
	struct deliver_unit *u;
	size_t src = d->units[ui].src;
	unsigned depth = d->units[ui].depth + 1;

	d->units = xrealloc(d->units, (d->n_units + 1) * sizeof(*d->units));
	u = &d->units[d->n_units++];
	memset(u, 0, sizeof(*u));
	u->account_id = tg->account_id;
	u->address = xstrdup(tg->address);
	u->orig_to = xstrdup(address);
	u->src = src;
	u->depth = depth;
	u->parent = ui;
}

/* false: refused (logged); the caller keeps the message instead */
static bool
deliver_redirect(struct deliver_sieve *d, size_t ui, const char *address)
{
	const struct deliver_unit *u = &d->units[ui];
	struct store_resolved res = { 0, NULL };
	const char *why = NULL;
	int rc;

	if (deliver_delivered_to(d->msg.data + d->headroom, d->len, address))
		why = "loop (Delivered-To)";
	else if (u->depth + 1 >= DELIVER_MAX_CHAIN)
		why = "chain too long";
	if (why == NULL) {
		rc = store_resolve(d->env.store, address, &res);
		if (rc == STORE_ENOTLOCAL) {
			deliver_remote(d, u, address);
			return true;
		}
		if (rc != 0)
			why = store_strerror(rc);
	}
	for (size_t i = 0; why == NULL && i < res.n; i++) {
		const struct store_target *tg = &res.v[i];

		if (tg->kind != STORE_TARGET_LOCAL)
			continue;
		if (deliver_in_chain(d, ui, tg->account_id))
			why = "loop (redirected here before)";
		else if (d->n_units >= DELIVER_MAX_UNITS)
			why = "too many accounts";
	}
	for (size_t i = 0; why == NULL && i < res.n; i++) {
		const struct store_target *tg = &res.v[i];

		if (tg->kind != STORE_TARGET_LOCAL)
			deliver_remote(d, &d->units[ui], tg->address);
		else if (!deliver_has_unit(d, tg->account_id))
			deliver_unit_add(d, ui, tg, address);
		/* else it has its own copy of this message already */
	}
	store_resolved_free(&res);
	if (why)
		log_warn(d->env.log_id, "sieve redirect refused account=%s "
			 "to=<%s> reason=\"%s\": kept", d->units[ui].address,
			 address, why);
	return why == NULL;
}

void
deliver_plan_unit(struct deliver_sieve *d, size_t ui)
{
	struct deliver_unit *u = &d->units[ui];
	size_t n_out = d->n_out;
	bool rejected = false;

	if (!u->ran) {
		/* no script, or it failed: INBOX as without Sieve */
		deliver_local(d, ui, NULL, false, NULL);
		return;
	}
	for (size_t i = 0; i < d->units[ui].res.n; i++) {
		const struct sieve_action *a = &d->units[ui].res.v[i];

		switch (a->kind) {
		case SIEVE_KEEP:
			deliver_local(d, ui, NULL, false, a->flags);
			break;
		case SIEVE_FILEINTO:
			deliver_local(d, ui, a->mailbox, a->create, a->flags);
			break;
		case SIEVE_REDIRECT:
			if (!deliver_redirect(d, ui, a->address))
				deliver_local(d, ui, NULL, false, NULL);
			break;
		case SIEVE_REJECT:
		case SIEVE_EREJECT:
			d->rej = xrealloc(d->rej, (d->n_rej + 1) *
					  sizeof(*d->rej));
			d->rej[d->n_rej].unit = ui;
			d->rej[d->n_rej++].reason = a->reason ? a->reason : "";
			rejected = true;
			break;
		case SIEVE_VACATION:
			d->vac = xrealloc(d->vac, (d->n_vac + 1) *
					  sizeof(*d->vac));
			d->vac[d->n_vac].unit = ui;
			d->vac[d->n_vac++].a = a;
			break;
		case SIEVE_DISCARD:
			break;
		}
	}
	/* a refused original recipient (SMTP 550 when all of them are) */
	if (rejected && d->units[ui].original && d->n_out == n_out)
		d->row_rejected[d->units[ui].src] = true;
}
