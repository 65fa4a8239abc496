/* Small shared helpers: allocation that aborts on exhaustion, a growable byte buffer,
 * whole-file reading and UTF-8 validation. Used by every module; depends on nothing.
 *
 * Ownership: every function returning a pointer hands it to the caller, who frees it
 * with free() (or buf_free() for a buf). Nothing here keeps state between calls, so
 * all of it is thread-safe. */
#ifndef OOMKB_UTIL_H
#define OOMKB_UTIL_H

#include <stdarg.h>
#include <stddef.h>

/* Allocation: out of memory prints a message and aborts (as cmark does); callers never
 * check for NULL. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* printf into a new string. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A growable, always NUL-terminated byte buffer. Zero-initialise (BUF_INIT) before use. */
typedef struct buf {
    char *data; /* NULL until the first append; then NUL-terminated */
    size_t len;
    size_t cap;
} buf;
#define BUF_INIT                                                                                   \
    {                                                                                              \
        NULL, 0, 0                                                                                 \
    }

void buf_grow(buf *b, size_t extra);
void buf_append(buf *b, const char *s, size_t n);
void buf_puts(buf *b, const char *s);
void buf_putc(buf *b, char c);
void buf_printf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Returns the contents (never NULL: "" for an empty buffer) and resets b; caller frees. */
char *buf_detach(buf *b);
void buf_free(buf *b);
/* Appends s with &, <, >, " and ' escaped for HTML text and attributes. */
void buf_html_escape(buf *b, const char *s, size_t n);

/* Reads a whole file. Returns 0 and sets *out_data (NUL-terminated, caller frees) and
 * *out_len; returns an errno value on failure. max_bytes bounds the size (0 = no bound):
 * a larger file fails with EFBIG. "-" is not special here. */
int util_read_file(const char *path, size_t max_bytes, char **out_data, size_t *out_len);

/* Reads fd to its end (one read when it is a regular file). Same contract as util_read_file;
 * reads at most max_bytes + 1 bytes before failing with EFBIG. */
int util_read_fd(int fd, size_t max_bytes, char **out_data, size_t *out_len);

/* Checks that s[0..n) is well-formed UTF-8 (no overlongs, surrogates or NUL bytes).
 * Returns 1 if valid; otherwise 0 and, when non-NULL, the 1-based line and byte offset
 * of the first bad byte. */
int util_utf8_valid(const char *s, size_t n, int *out_line, size_t *out_offset);

/* Appends s[0..n) with bytes that are not well-formed UTF-8, and control bytes, replaced by
 * '?', so that it can be echoed into JSON, HTML or a terminal. */
void util_utf8_clean(buf *b, const char *s, size_t n);

/* The value of a hexadecimal digit, or -1. */
int util_hexval(int c);

/* Whether needle (lowercase ASCII) occurs in s[0..n), ASCII case-insensitively. */
int util_contains_ci(const char *s, size_t n, const char *needle);

/* ASCII case-insensitive comparison, locale-independent. */
int util_strcasecmp(const char *a, const char *b);

#endif
