/* fuzz-conf.c - libFuzzer harness for the config parser (conf.c): the
 * input is a whole tern.conf text. Checks: a config is returned or an
 * error message naming the file, never both or neither; an accepted
 * config passes the value parsers' own bounds. The first line is also
 * fed to the size, duration, boolean and host:port parsers. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
values(const uint8_t *data, size_t size)
{
	char s[256];
	const uint8_t *nl = memchr(data, '\n', size);
	size_t n = nl ? (size_t)(nl - data) : size;
	uint64_t u;
	bool b;
	char *addr = NULL;
	int port = -1;

	if (n >= sizeof(s))
		n = sizeof(s) - 1;
	memcpy(s, data, n);
	s[n] = '\0';
	(void)conf_parse_size(s, &u);
	(void)conf_parse_duration_ms(s, &u);
	(void)conf_parse_bool(s, &b);
	if (conf_parse_hostport(s, &addr, &port)) {
		if (addr == NULL || port < 0 || port > 65535)
			abort();
	}
	free(addr);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *err = NULL;
	struct tern_conf *c;

	if (size > 0)
		values(data, size);
	/* conf_load hands over an empty file as (NULL, 0) */
	c = conf_parse("fuzz.conf", size ? (const char *)data : NULL, size,
		       &err);
	if ((c == NULL) == (err == NULL))
		abort();
	if (err != NULL && strncmp(err, "fuzz.conf", 9) != 0)
		abort();
	if (c != NULL) {
		for (size_t i = 0; i < c->n_listeners; i++)
			if (c->listeners[i].port < 0 ||
			    c->listeners[i].port > 65535 ||
			    c->listeners[i].address == NULL)
				abort();
		if (c->hostname == NULL || c->data_dir == NULL)
			abort();
	}
	conf_free(&c);
	free(err);
	return 0;
}
