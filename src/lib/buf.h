/* buf.h - length-counted byte buffers and string slices.
 *
 * Protocol and message data are bytes with a length, never NUL-terminated
 * C strings: a buf may hold any byte, NUL included. buf_cstr() gives a
 * NUL-terminated view for text that is known to be text (the terminator
 * is kept after the data and never counted in len).
 *
 * Memory: a buf owns its storage (malloc); out of memory aborts, so no
 * call here returns an allocation error. */
#ifndef TERN_BUF_H
#define TERN_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

struct buf {
	unsigned char *data;
	size_t len;
	size_t cap;
};

/* A borrowed slice: never owns, never NUL-terminated. */
struct slice {
	const unsigned char *p;
	size_t len;
};

#define BUF_INIT { NULL, 0, 0 }
#define SLICE(s) ((struct slice){ (const unsigned char *)(s), sizeof(s) - 1 })

void buf_init(struct buf *b);
void buf_free(struct buf *b);
/* make room for n more bytes; returns the write position */
unsigned char *buf_reserve(struct buf *b, size_t n);
void buf_append(struct buf *b, const void *data, size_t n);
void buf_append_str(struct buf *b, const char *s);
void buf_append_byte(struct buf *b, unsigned char c);
void buf_append_slice(struct buf *b, struct slice s);
void buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
/* drop the first n bytes (n <= len), keeping the rest */
void buf_consume(struct buf *b, size_t n);
void buf_truncate(struct buf *b, size_t len);
static inline void buf_reset(struct buf *b) { buf_truncate(b, 0); }
/* NUL-terminated view of the data (the NUL is not part of len) */
const char *buf_cstr(struct buf *b);
/* detach the data as a malloc'd NUL-terminated string; b is emptied */
char *buf_steal(struct buf *b);
static inline struct slice buf_slice(const struct buf *b)
{
	return (struct slice){ b->data, b->len };
}

/* slices */
struct slice slice_from_cstr(const char *s);
bool slice_eq(struct slice a, struct slice b);
bool slice_eq_cstr(struct slice a, const char *s);
bool slice_case_eq_cstr(struct slice a, const char *s);
bool slice_case_prefix(struct slice a, const char *prefix);
struct slice slice_trim(struct slice s);
/* index of byte c in s, or -1 */
ptrdiff_t slice_find(struct slice s, unsigned char c);
/* malloc'd NUL-terminated copy (bytes copied as they are) */
char *slice_dup(struct slice s);
/* parse an unsigned decimal number; false on empty, junk or overflow */
bool slice_to_u64(struct slice s, uint64_t *out);

/* Escape client bytes for a log line: printable ASCII kept, others as
 * \xNN, backslash and double quote escaped, cut at max input bytes with
 * "..." appended. Appends to out. */
void buf_append_escaped(struct buf *out, const void *data, size_t len,
			size_t max);

/* malloc wrappers that abort on failure */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
