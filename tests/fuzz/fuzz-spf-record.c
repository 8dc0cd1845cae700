/* fuzz-spf-record.c - libFuzzer harness for SPF record parsing and macro
 * expansion (src/mailauth/spf-record.c, spf-macro.c).
 *
 * The input is a TXT record (a "v=spf1 " is put in front when it has
 * none, so the terms get parsed). Checks: every domain-spec of a parsed
 * record expands (parsing has checked its macros) and the expansion
 * stays within its bound; as explanation text, the input expands exactly
 * when spf_macro_valid says it is valid (or when the output passes its
 * bound). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "mailauth/spf-macro.h"
#include "mailauth/spf-record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct spf_macro_ctx ctx = {
	.s = "strong-bad@email.example.com", .l = "strong-bad",
	.o = "email.example.com", .d = "email.example.com",
	.i = "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2",
	.c = "2001:db8::cb01", .p = "unknown", .v = "ip6", .h = "mx.example.org",
	.r = "mx.tern.example", .t = 1,
};

#define MAX_OUT 4096

static void
check_spec(const struct spf_record *r, struct spf_spec sp)
{
	struct buf out = BUF_INIT;
	bool ok;

	if (sp.len == 0)
		return;
	ok = spf_macro_expand(r->text + sp.off, sp.len, &ctx, false, MAX_OUT, &out);
	if (!ok && out.len <= MAX_OUT)
		abort();	/* a parsed domain-spec failed to expand */
	if (out.len > MAX_OUT + 8 * 255)
		abort();	/* the bound did not hold */
	buf_free(&out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct spf_record r;
	struct buf rec = BUF_INIT, out = BUF_INIT;
	const char *err;
	size_t off;

	if (!spf_record_is_spf((const char *)data, size))
		buf_append_str(&rec, "v=spf1 ");
	buf_append(&rec, data, size);
	if (spf_record_parse(&r, (const char *)rec.data, rec.len, &err, &off)) {
		for (size_t i = 0; i < r.n; i++)
			check_spec(&r, r.terms[i].spec);
		check_spec(&r, r.redirect);
		check_spec(&r, r.exp);
	} else if (err == NULL || off > rec.len) {
		abort();
	}
	spf_record_free(&r);

	bool valid = spf_macro_valid((const char *)data, size, true);
	bool expanded = spf_macro_expand((const char *)data, size, &ctx, true,
					 MAX_OUT, &out);

	if (expanded && !valid)
		abort();
	if (valid && !expanded && out.len <= MAX_OUT)
		abort();
	(void)spf_macro_uses_p((const char *)data, size);
	(void)spf_domain_spec_valid((const char *)data, size);
	buf_free(&out);
	buf_free(&rec);
	return 0;
}
