/* log.h - one line per event: time, level, 64-bit session id, key=value.
 *
 *   2026-11-27T02:31:00.123Z info 00000000000003e8 smtp connect ip=127.0.0.1
 *
 * Client bytes never go into a line raw: put them through
 * buf_append_escaped() (lib/buf.h), which escapes and bounds them. */
#ifndef TERN_LOG_H
#define TERN_LOG_H

#include <stdint.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

void log_set_level(enum log_level level);
/* parse "debug", "info", "warn", "error"; -1 if unknown */
int log_level_parse(const char *s);
static inline _Bool log_level_valid(const char *s) { return log_level_parse(s) >= 0; }
void log_set_fd(int fd);

/* id 0 means "not a session" and prints as "-" */
void log_msg(enum log_level level, uint64_t id, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define log_debug(id, ...) log_msg(LOG_DEBUG, (id), __VA_ARGS__)
#define log_info(id, ...)  log_msg(LOG_INFO, (id), __VA_ARGS__)
#define log_warn(id, ...)  log_msg(LOG_WARN, (id), __VA_ARGS__)
#define log_error(id, ...) log_msg(LOG_ERROR, (id), __VA_ARGS__)

/* a fresh session id, unique for this process run */
uint64_t log_new_id(void);

#endif
