/* smtp-dmarcrep.h - record the DMARC verdict of a port-25 message for
 * the aggregate reports (RFC 7489 7.2) when dmarc_reports.enable is on
 * and the From domain's record has rua=. smtp-auth.c calls these. */
#ifndef TERN_SMTP_DMARCREP_H
#define TERN_SMTP_DMARCREP_H

#include <stddef.h>

#include "mailauth/dkim.h"
#include "mailauth/dmarc.h"
#include "mailauth/spf.h"

struct smtp_session;
struct smtp_dmarcrep;

/* keep what the report needs from the verdict (valid only now) into
 * *rp (replaced); nothing when reports are off or the record has no
 * rua= */
void smtp_dmarcrep_keep(struct smtp_dmarcrep **rp, struct smtp_session *s,
			const struct dmarc_verdict *v);
/* the checks are over and the message's fate known: disposition is
 * "none", "quarantine" or "reject" (NULL: a temporary refusal, the
 * message comes again: nothing recorded). Writes the row (without
 * waiting) and frees *rp. */
void smtp_dmarcrep_record(struct smtp_dmarcrep **rp, struct smtp_session *s,
			  enum spf_result spf, const char *spf_domain,
			  const struct dkim_sig_result *sigs, size_t n_sigs,
			  const char *disposition);
void smtp_dmarcrep_free(struct smtp_dmarcrep **rp);

#endif
