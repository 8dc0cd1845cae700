/* fuzz-milter-reply.c - libFuzzer harness for what a milter sends tern
 * (src/milter/milter-proto.c): the input is a stream of reply packets
 * cut by milter_packet_next() and parsed by milter_reply_parse(), as
 * milter-client.c does. Checks: a packet never reaches past the input;
 * every string of a parsed reply lies inside its packet and ends at a
 * NUL there; a REPLYCODE is 4xx/5xx with an enhanced code of its class
 * or none; a header name has no blank, control or ':'. The tail of the
 * input (after the last whole packet) also goes through the filter-list
 * parser (milter-conf.c) as text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/conf.h"
#include "milter/milter-conf.h"
#include "milter/milter-proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_str(const unsigned char *pkt, size_t len, const char *s, size_t n)
{
	if (s == NULL)
		return;
	if ((const unsigned char *)s < pkt ||
	    (const unsigned char *)s + n >= pkt + len + 1 || s[n] != '\0')
		abort();
}

static void
check_reply(const unsigned char *pkt, size_t len, const struct milter_reply *r)
{
	check_str(pkt, len, r->name, r->name_len);
	check_str(pkt, len, r->text, r->text_len);
	for (int i = 0; i < MILTER_STAGE_COUNT; i++) {
		check_str(pkt, len, r->symlist[i], r->symlist_len[i]);
		if (r->symlist[i])
			(void)milter_symlist_has(r->symlist[i], r->symlist_len[i],
						 "{i}");
	}
	if (r->body && (r->body < pkt || r->body + r->body_len > pkt + len))
		abort();
	if (r->cmd == SMFIR_REPLYCODE) {
		if (r->code < 400 || r->code > 599)
			abort();
		if (r->enh[0] && r->enh[0] != '0' + r->code / 100)
			abort();
	}
	for (size_t i = 0; r->name && i < r->name_len; i++)
		if ((unsigned char)r->name[i] <= 32 || r->name[i] == ':' ||
		    (unsigned char)r->name[i] >= 127)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tern_conf *conf;
	size_t off = 0;

	if (conf == NULL)
		conf = conf_defaults();
	while (off < size) {
		const unsigned char *pkt;
		struct milter_reply r;
		const char *why;
		size_t len, used;
		char cmd;
		int rc = milter_packet_next(data + off, size - off, 1 << 20, &cmd,
					    &pkt, &len, &used);

		if (rc <= 0)
			break;
		if (used > size - off || pkt + len != data + off + used)
			abort();
		if (milter_reply_parse(cmd, pkt, len, &r, &why))
			check_reply(pkt, len, &r);
		else if (why == NULL)
			abort();
		off += used;
	}
	if (off < size) {
		char *text = malloc(size - off + 1);
		struct milter_specs specs;
		char *err = NULL;

		memcpy(text, data + off, size - off);
		text[size - off] = '\0';
		if (milter_specs_parse(text, conf, &specs, &err) == 0)
			milter_specs_free(&specs);
		else if (err == NULL)
			abort();
		free(err);
		free(text);
	}
	return 0;
}
