/* fuzz-sieve.c - libFuzzer harness for the Sieve module (src/sieve).
 *
 * The input is a script. It is compiled (includes answered with two
 * small fixed scripts, one of which includes itself) and, when it
 * compiles, run on a fixed multipart message with tight limits. Checks:
 * no crash, leak or hang; a run either fails with a diagnostic or
 * gives at least one action. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "sieve/sieve.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char msg[] =
	"Return-Path: <a@example.org>\r\n"
	"From: =?UTF-8?Q?J=C3=BCrgen?= <a+tag@example.org>\r\n"
	"To: b@example.com, group: c@example.net;\r\n"
	"Subject: [list] hello\r\n"
	"Date: Fri, 21 Nov 1997 09:55:06 -0600\r\n"
	"X-Spam-Score: 12.5\r\n"
	"MIME-Version: 1.0\r\n"
	"Content-Type: multipart/mixed; boundary=\"b\"\r\n"
	"\r\n"
	"--b\r\n"
	"Content-Type: text/plain; charset=iso-8859-1\r\n"
	"Content-Transfer-Encoding: quoted-printable\r\n"
	"\r\n"
	"caf=E9 world\r\n"
	"--b\r\n"
	"Content-Type: application/octet-stream\r\n"
	"Content-Transfer-Encoding: base64\r\n"
	"\r\n"
	"aGVsbG8=\r\n"
	"--b--\r\n";

static int
get(void *arg, bool global, const char *name, char **text_r, size_t *len_r)
{
	const char *t;

	if (strcmp(name, "loop") == 0)
		t = "require \"include\"; include \"loop\";";
	else if (strcmp(name, "lib") == 0)
		t = "require [\"include\", \"variables\"]; global \"g\";"
		    " set \"g\" \"${g}x\"; return;";
	else
		return -1;
	*text_r = xstrdup(t);
	*len_r = strlen(t);
	return 0;
}

static bool
exists(void *arg, const char *name)
{
	return strcmp(name, "Work") == 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const own[] = { "b@example.com", NULL };
	struct sieve_limits lim;
	struct sieve_diags diags = { NULL, 0 };
	struct sieve_includer inc = { get, NULL };
	struct sieve_result r;
	struct sieve_msg m;

	sieve_limits_default(&lim);
	lim.max_cpu_ms = 200;
	struct sieve_script *s = sieve_compile("fuzz", (const char *)data, size,
					       &lim, &inc, &diags);
	free(sieve_diags_text(&diags));
	sieve_diags_free(&diags);
	if (!s)
		return 0;
	memset(&m, 0, sizeof(m));
	m.data = (const unsigned char *)msg;
	m.len = sizeof(msg) - 1;
	m.env_from = "a@example.org";
	m.env_to = "b@example.com";
	m.env_orig_to = "b@example.com";
	m.now = 1764720000;
	m.own_addresses = own;
	m.mailbox_exists = exists;
	m.spam_header = "X-Spam-Score";
	m.spam_max = 15;
	m.virus_header = "X-Virus-Status";
	int rc = sieve_run(s, &m, &lim, &r);
	if ((rc == 0 && r.n == 0) || (rc < 0 && r.diags.n == 0))
		abort();
	sieve_result_free(&r);
	sieve_script_free(s);
	return 0;
}
