/* http-autoconfig.c - client autoconfiguration from tern.conf's
 * listeners: Thunderbird's config-v1.1.xml, Outlook's Autodiscover
 * (POX, the 2006 schemas) and an Apple configuration profile
 * (.mobileconfig, unsigned). Only TLS listeners are offered (implicit
 * TLS first, then STARTTLS); only local domains get an answer. */
#include "http/http-private.h"

#include "store/store.h"

#include <ctype.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_ADDRESS 254
#define MAX_ENDPOINTS 8

struct endpoint {
	const char *kind;	/* "imap", "pop3", "smtp" */
	int port;
	bool implicit_tls;	/* else STARTTLS */
};

struct mailcfg {
	char *address;		/* NULL for Thunderbird's domain-only query */
	char *domain;		/* lowercased, local */
	const char *host;	/* the server's name */
	struct endpoint ep[MAX_ENDPOINTS];
	size_t n;
};

static void
add_endpoints(struct mailcfg *mc, const struct tern_conf *conf,
	      const char *kind, const char *tls_proto, const char *plain_proto)
{
	/* implicit TLS first: RFC 8314 prefers it */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < conf->n_listeners; i++) {
			const struct listener_conf *l = &conf->listeners[i];
			bool implicit = l->tls == TLS_MODE_IMPLICIT;

			if (l->tls == TLS_MODE_NONE || implicit != (pass == 0) ||
			    (strcmp(l->proto, tls_proto) && strcmp(l->proto, plain_proto)))
				continue;
			if (mc->n == MAX_ENDPOINTS)
				return;
			mc->ep[mc->n++] = (struct endpoint){ kind, l->port, implicit };
		}
	}
}

static bool
address_ok(const char *a)
{
	const char *at = strchr(a, '@');
	size_t n = strlen(a);

	if (n == 0 || n > MAX_ADDRESS || at == NULL || at == a ||
	    at[1] == '\0' || strchr(at + 1, '@'))
		return false;
	for (const char *p = a; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f || *p == '<' ||
		    *p == '>' || *p == '"' || *p == '&' || *p == '\'')
			return false;
	return true;
}

static void
mailcfg_free(struct mailcfg *mc)
{
	free(mc->address);
	free(mc->domain);
}

/* address (may be NULL) or a bare domain; false: the answer was sent */
static bool
mailcfg_load(h2o_req_t *req, struct service_env *env, char *address,
	     const char *domain, struct mailcfg *mc)
{
	memset(mc, 0, sizeof(*mc));
	mc->address = address;
	if (address != NULL && !address_ok(address)) {
		http_respond_error(req, 400, "Bad Request");
		mailcfg_free(mc);
		return false;
	}
	if (address != NULL)
		domain = strchr(address, '@') + 1;
	if (domain == NULL || !*domain || strlen(domain) > MAX_ADDRESS) {
		http_respond_error(req, 400, "Bad Request");
		mailcfg_free(mc);
		return false;
	}
	mc->domain = xstrdup(domain);
	for (char *p = mc->domain; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	if (strpbrk(mc->domain, "<>&\"' \t/") ||
	    !store_is_local_domain(env->store, mc->domain)) {
		http_respond_error(req, 404, "Not Found");
		mailcfg_free(mc);
		return false;
	}
	mc->host = env->conf->hostname;
	add_endpoints(mc, env->conf, "imap", "imaps", "imap");
	add_endpoints(mc, env->conf, "pop3", "pop3s", "pop3");
	add_endpoints(mc, env->conf, "smtp", "submissions", "submission");
	return true;
}

/* Thunderbird names the account by ?emailaddress=, or asks
 * autoconfig.DOMAIN for the domain alone */
void
http_autoconfig_thunderbird(h2o_req_t *req, struct service_env *env)
{
	struct mailcfg mc;
	struct buf b = BUF_INIT;
	char *addr = http_query_param(req, "emailaddress");
	char *host = NULL;
	const char *domain = NULL;

	if (addr == NULL) {
		host = xstrndup(req->authority.base, req->authority.len);
		if (strchr(host, ':'))
			*strchr(host, ':') = '\0';
		if (!strncasecmp(host, "autoconfig.", 11))
			domain = host + 11;
	}
	if (!mailcfg_load(req, env, addr, domain, &mc)) {
		free(host);
		return;
	}
	free(host);
	buf_printf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		   "<clientConfig version=\"1.1\">\n"
		   "  <emailProvider id=\"%s\">\n"
		   "    <domain>%s</domain>\n"
		   "    <displayName>%s</displayName>\n"
		   "    <displayShortName>%s</displayShortName>\n",
		   mc.domain, mc.domain, mc.domain, mc.domain);
	for (int out = 0; out < 2; out++) {
		for (size_t i = 0; i < mc.n; i++) {
			const struct endpoint *e = &mc.ep[i];
			const char *el = out ? "outgoingServer" : "incomingServer";

			if ((strcmp(e->kind, "smtp") == 0) != (out == 1))
				continue;
			buf_printf(&b, "    <%s type=\"%s\">\n"
				   "      <hostname>%s</hostname>\n"
				   "      <port>%d</port>\n"
				   "      <socketType>%s</socketType>\n"
				   "      <authentication>password-cleartext</authentication>\n"
				   "      <username>%%EMAILADDRESS%%</username>\n"
				   "    </%s>\n", el, e->kind, mc.host, e->port,
				   e->implicit_tls ? "SSL" : "STARTTLS", el);
		}
	}
	buf_append_str(&b, "  </emailProvider>\n</clientConfig>\n");
	http_respond(req, 200, "OK", "application/xml; charset=utf-8", b.data,
		     b.len);
	buf_free(&b);
	mailcfg_free(&mc);
}

/* the text of <EMailAddress> in Outlook's request (one element of a
 * fixed schema: no general XML parser needed) */
static char *
autodiscover_address(const char *body, size_t len)
{
	static const char open[] = "<EMailAddress>", close[] = "</EMailAddress>";
	const char *s = memmem(body, len, open, sizeof(open) - 1), *e;

	if (s == NULL)
		return NULL;
	s += sizeof(open) - 1;
	e = memmem(s, len - (size_t)(s - body), close, sizeof(close) - 1);
	if (e == NULL || e - s > MAX_ADDRESS)
		return NULL;
	return xstrndup(s, (size_t)(e - s));
}

void
http_autoconfig_autodiscover(h2o_req_t *req, struct service_env *env)
{
	struct mailcfg mc;
	struct buf b = BUF_INIT;
	char *addr = NULL;

	if (req->entity.base != NULL)
		addr = autodiscover_address(req->entity.base, req->entity.len);
	if (addr == NULL) {
		http_respond_error(req, 400, "Bad Request");
		return;
	}
	if (!mailcfg_load(req, env, addr, NULL, &mc))
		return;
	buf_append_str(&b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
		       "<Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/"
		       "autodiscover/responseschema/2006\">\n"
		       "  <Response xmlns=\"http://schemas.microsoft.com/exchange/"
		       "autodiscover/outlook/responseschema/2006a\">\n"
		       "    <Account>\n"
		       "      <AccountType>email</AccountType>\n"
		       "      <Action>settings</Action>\n");
	for (size_t i = 0; i < mc.n; i++) {
		const struct endpoint *e = &mc.ep[i];
		const char *type = !strcmp(e->kind, "imap") ? "IMAP" :
				   !strcmp(e->kind, "pop3") ? "POP3" : "SMTP";

		buf_printf(&b, "      <Protocol>\n"
			   "        <Type>%s</Type>\n"
			   "        <Server>%s</Server>\n"
			   "        <Port>%d</Port>\n"
			   "        <DomainRequired>off</DomainRequired>\n"
			   "        <LoginName>%s</LoginName>\n"
			   "        <SPA>off</SPA>\n"
			   "        <SSL>on</SSL>\n"
			   "        <Encryption>%s</Encryption>\n"
			   "        <AuthRequired>on</AuthRequired>\n"
			   "      </Protocol>\n", type, mc.host, e->port,
			   mc.address, e->implicit_tls ? "SSL" : "TLS");
	}
	buf_append_str(&b, "    </Account>\n  </Response>\n</Autodiscover>\n");
	http_respond(req, 200, "OK", "application/xml; charset=utf-8", b.data,
		     b.len);
	buf_free(&b);
	mailcfg_free(&mc);
}

/* stable per address and server: installing it again replaces it */
static void
profile_uuid(const char *host, const char *what, const char *address,
	     char out[37])
{
	unsigned char h[16];
	crypto_generichash_state st;

	crypto_generichash_init(&st, NULL, 0, sizeof(h));
	crypto_generichash_update(&st, (const unsigned char *)host, strlen(host) + 1);
	crypto_generichash_update(&st, (const unsigned char *)what, strlen(what) + 1);
	crypto_generichash_update(&st, (const unsigned char *)address, strlen(address));
	crypto_generichash_final(&st, h, sizeof(h));
	h[6] = (h[6] & 0x0f) | 0x40;	/* version 4 layout */
	h[8] = (h[8] & 0x3f) | 0x80;
	snprintf(out, 37, "%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-"
		 "%02X%02X%02X%02X%02X%02X", h[0], h[1], h[2], h[3], h[4], h[5],
		 h[6], h[7], h[8], h[9], h[10], h[11], h[12], h[13], h[14], h[15]);
}

static const struct endpoint *
first_of(const struct mailcfg *mc, const char *kind)
{
	for (size_t i = 0; i < mc->n; i++)
		if (!strcmp(mc->ep[i].kind, kind))
			return &mc->ep[i];
	return NULL;
}

void
http_autoconfig_mobileconfig(h2o_req_t *req, struct service_env *env)
{
	struct mailcfg mc;
	struct buf b = BUF_INIT;
	const struct endpoint *in, *out;
	char uuid_top[37], uuid_mail[37];
	char *addr = http_query_param(req, "emailaddress");

	if (addr == NULL) {
		http_respond_error(req, 400, "Bad Request");
		return;
	}
	if (!mailcfg_load(req, env, addr, NULL, &mc))
		return;
	in = first_of(&mc, "imap");
	if (in == NULL)
		in = first_of(&mc, "pop3");
	out = first_of(&mc, "smtp");
	if (in == NULL || out == NULL) {
		/* no TLS listener to offer: nothing a phone could use */
		http_respond_error(req, 404, "Not Found");
		mailcfg_free(&mc);
		return;
	}
	profile_uuid(mc.host, "profile", mc.address, uuid_top);
	profile_uuid(mc.host, "mail", mc.address, uuid_mail);
	buf_printf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		   "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
		   "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"
		   "<plist version=\"1.0\">\n<dict>\n"
		   "  <key>PayloadContent</key>\n  <array>\n  <dict>\n"
		   "    <key>EmailAccountDescription</key><string>%s</string>\n"
		   "    <key>EmailAccountName</key><string>%s</string>\n"
		   "    <key>EmailAccountType</key><string>%s</string>\n"
		   "    <key>EmailAddress</key><string>%s</string>\n"
		   "    <key>IncomingMailServerAuthentication</key><string>EmailAuthPassword</string>\n"
		   "    <key>IncomingMailServerHostName</key><string>%s</string>\n"
		   "    <key>IncomingMailServerPortNumber</key><integer>%d</integer>\n"
		   "    <key>IncomingMailServerUseSSL</key><true/>\n"
		   "    <key>IncomingMailServerUsername</key><string>%s</string>\n"
		   "    <key>OutgoingMailServerAuthentication</key><string>EmailAuthPassword</string>\n"
		   "    <key>OutgoingMailServerHostName</key><string>%s</string>\n"
		   "    <key>OutgoingMailServerPortNumber</key><integer>%d</integer>\n"
		   "    <key>OutgoingMailServerUseSSL</key><true/>\n"
		   "    <key>OutgoingMailServerUsername</key><string>%s</string>\n"
		   "    <key>OutgoingPasswordSameAsIncomingPassword</key><true/>\n"
		   "    <key>PayloadDescription</key><string>Mail account %s</string>\n"
		   "    <key>PayloadDisplayName</key><string>%s</string>\n"
		   "    <key>PayloadIdentifier</key><string>%s.mail.%s</string>\n"
		   "    <key>PayloadType</key><string>com.apple.mail.managed</string>\n"
		   "    <key>PayloadUUID</key><string>%s</string>\n"
		   "    <key>PayloadVersion</key><integer>1</integer>\n"
		   "  </dict>\n  </array>\n"
		   "  <key>PayloadDescription</key><string>Mail settings for %s</string>\n"
		   "  <key>PayloadDisplayName</key><string>%s mail</string>\n"
		   "  <key>PayloadIdentifier</key><string>%s.profile.%s</string>\n"
		   "  <key>PayloadRemovalDisallowed</key><false/>\n"
		   "  <key>PayloadType</key><string>Configuration</string>\n"
		   "  <key>PayloadUUID</key><string>%s</string>\n"
		   "  <key>PayloadVersion</key><integer>1</integer>\n"
		   "</dict>\n</plist>\n",
		   mc.address, mc.address,
		   !strcmp(in->kind, "imap") ? "EmailTypeIMAP" : "EmailTypePOP",
		   mc.address, mc.host, in->port, mc.address, mc.host, out->port,
		   mc.address, mc.address, mc.address, mc.host, uuid_mail,
		   uuid_mail, mc.address, mc.domain, mc.host, uuid_top, uuid_top);
	h2o_add_header(&req->pool, &req->res.headers,
		       H2O_TOKEN_CONTENT_DISPOSITION, NULL,
		       H2O_STRLIT("attachment; filename=\"mail.mobileconfig\""));
	http_respond(req, 200, "OK", "application/x-apple-aspen-config", b.data,
		     b.len);
	buf_free(&b);
	mailcfg_free(&mc);
}
