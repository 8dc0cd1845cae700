/* log.c - timestamped key=value log lines to stderr (or a chosen fd) */
#include "lib/log.h"
#include "lib/buf.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static enum log_level min_level = LOG_INFO;
static int log_fd = 2;
static _Atomic uint64_t next_id;

static const char *const level_names[] = { "debug", "info", "warn", "error" };

void
log_set_level(enum log_level level)
{
	min_level = level;
}

int
log_level_parse(const char *s)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(s, level_names[i]) == 0)
			return i;
	return -1;
}

void
log_set_fd(int fd)
{
	log_fd = fd;
}

uint64_t
log_new_id(void)
{
	/* random high bits make ids from different runs distinguishable */
	static uint64_t base;

	if (base == 0) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		base = ((uint64_t)ts.tv_sec << 24) ^ ((uint64_t)ts.tv_nsec << 8);
		base &= ~(uint64_t)0xffffff;
	}
	return base + atomic_fetch_add(&next_id, 1) + 1;
}

void
log_msg(enum log_level level, uint64_t id, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	struct timespec ts;
	struct tm tm;
	va_list ap;

	if (level < min_level)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	buf_printf(&b, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s ",
		   tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		   tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000,
		   level_names[level]);
	if (id)
		buf_printf(&b, "%016llx ", (unsigned long long)id);
	else
		buf_append_str(&b, "- ");
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	buf_append_byte(&b, '\n');
	/* one write per line keeps lines whole between threads */
	if (write(log_fd, b.data, b.len) < 0) {
		/* nowhere left to report it */
	}
	buf_free(&b);
}
