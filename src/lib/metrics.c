/* metrics.c - the server's counters (see metrics.h) */
#include "lib/metrics.h"

#include <string.h>

struct metrics metrics = {
	.proto = {
		{ .name = "smtp" }, { .name = "submission" },
		{ .name = "submissions" }, { .name = "imap" },
		{ .name = "imaps" }, { .name = "pop3" }, { .name = "pop3s" },
		{ .name = "http" }, { .name = "https" }, { .name = "metrics" },
		{ .name = "sieve" }, { .name = "other" },
	},
};

struct metrics_proto *
metrics_proto(const char *name)
{
	for (size_t i = 0; i < METRICS_PROTOS - 1; i++)
		if (strcmp(metrics.proto[i].name, name) == 0)
			return &metrics.proto[i];
	return &metrics.proto[METRICS_PROTOS - 1];
}
