/* conf-keys.h - the table of tern.conf keys (conf-keys.c) */
#ifndef TERN_CONF_KEYS_H
#define TERN_CONF_KEYS_H

#include "lib/conf.h"

enum conf_type {
	CONF_STRING,	/* char * */
	CONF_INT,	/* int */
	CONF_NUMBER,	/* uint64_t */
	CONF_SIZE,	/* uint64_t bytes, K/M/G suffixes */
	CONF_DURATION,	/* uint64_t milliseconds */
	CONF_BOOL	/* bool */
};

struct conf_key {
	const char *name;
	enum conf_type type;
	size_t offset;
	const char *def;
	const char *help;
};

extern const struct conf_key conf_keys[];

#endif
