/* smtp-cmd-ehlo.c - EHLO and HELO: the client's name, the extensions */
#include "smtp/smtp-session.h"

#include <string.h>

#include "lib/log.h"
#include "smtp/smtp-milter.h"

/* keep the first word, printable ASCII only (it goes into Received:) */
static bool
smtp_cmd_helo_name(struct smtp_session *s, struct slice args)
{
	size_t n = 0;

	for (size_t i = 0; i < args.len && args.p[i] != ' '; i++) {
		unsigned char c = args.p[i];

		if (c <= 32 || c >= 127 || c == '(' || c == ')' || c == '\\')
			return false;
		if (n + 1 >= sizeof(s->helo))
			return false;
		s->helo[n++] = (char)c;
	}
	s->helo[n] = '\0';
	return n > 0;
}

static bool
smtp_cmd_hello(struct smtp_session *s, struct slice args, bool esmtp)
{
	char old[sizeof(s->helo)];

	memcpy(old, s->helo, sizeof(old));
	if (!smtp_cmd_helo_name(s, args)) {
		memcpy(s->helo, old, sizeof(old));
		smtp_session_reply(s, 501, "5.5.2", "Syntax: %s hostname",
				   esmtp ? "EHLO" : "HELO");
		return false;
	}
	/* RFC 5321 4.1.4: a new EHLO resets the transaction */
	s->esmtp = esmtp;
	s->state = SMTP_S_HELO;
	smtp_session_reset(s);
	log_debug(s->id, "smtp %s name=%s", esmtp ? "ehlo" : "helo", s->helo);
	return true;
}

/* HELO's name goes to the milters alone */
#define SMTP_NO_ARGS ((struct slice){ NULL, 0 })

/* a milter refused the greeting: as if none had come */
static void
smtp_cmd_hello_undo(struct smtp_session *s)
{
	s->helo[0] = '\0';
	s->state = SMTP_S_CONNECTED;
}

bool
smtp_cmd_helo(struct smtp_session *s, struct slice args)
{
	const char *host = smtp_session_conf(s)->hostname;

	if (!smtp_cmd_hello(s, args, false))
		return false;
	if (smtp_milter_command(s, MILTER_STAGE_HELO, s->helo, SMTP_NO_ARGS,
				250, NULL, host, smtp_cmd_hello_undo))
		return true;
	/* RFC 2034 3: no enhanced code on the HELO/EHLO reply */
	smtp_session_reply(s, 250, NULL, "%s", host);
	return true;
}

bool
smtp_cmd_ehlo(struct smtp_session *s, struct slice args)
{
	const struct tern_conf *conf = smtp_session_conf(s);
	struct buf kw = BUF_INIT;

	if (!smtp_cmd_hello(s, args, true))
		return false;
	buf_printf(&kw, "%s Hello %s [%s]\n", conf->hostname, s->helo,
		   conn_peer_ip(s->conn));
	buf_append_str(&kw, "PIPELINING\n");
	buf_printf(&kw, "SIZE %llu\n",
		   (unsigned long long)conf->smtp.max_message_size);
	buf_append_str(&kw, "8BITMIME\nSMTPUTF8\nENHANCEDSTATUSCODES\n");
	if (conn_tls_available(s->conn) && !conn_is_tls(s->conn))
		buf_append_str(&kw, "STARTTLS\n");
	buf_append_str(&kw, "CHUNKING\nDSN\n");
	if (s->policy->ehlo_keywords)
		s->policy->ehlo_keywords(s, &kw);
	if (!smtp_milter_command(s, MILTER_STAGE_HELO, s->helo, SMTP_NO_ARGS,
				 250, NULL, buf_cstr(&kw), smtp_cmd_hello_undo))
		smtp_session_reply(s, 250, NULL, "%s", buf_cstr(&kw));
	buf_free(&kw);
	return true;
}
