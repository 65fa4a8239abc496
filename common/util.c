/* Shared helpers: aborting allocation, growable buffers, file reading, UTF-8 checks.
 * See util.h for the contracts. */
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void oom(size_t n)
{
    fprintf(stderr, "oomkb: out of memory allocating %zu bytes\n", n);
    abort();
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        oom(n);
    }
    return p;
}

void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) {
        oom(n * size);
    }
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        oom(n);
    }
    return q;
}

char *xstrdup(const char *s)
{
    return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
    char *p = xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *xasprintf(const char *fmt, ...)
{
    buf b = BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    return buf_detach(&b);
}

void buf_grow(buf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap) {
        return;
    }
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + extra + 1) {
        cap *= 2;
    }
    b->data = xrealloc(b->data, cap);
    b->cap = cap;
}

void buf_append(buf *b, const char *s, size_t n)
{
    buf_grow(b, n);
    if (n) {
        memcpy(b->data + b->len, s, n);
    }
    b->len += n;
    b->data[b->len] = '\0';
}

void buf_puts(buf *b, const char *s)
{
    buf_append(b, s, strlen(s));
}

void buf_putc(buf *b, char c)
{
    buf_append(b, &c, 1);
}

void buf_vprintf(buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0) {
        return;
    }
    buf_grow(b, (size_t)n);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void buf_printf(buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(b, fmt, ap);
    va_end(ap);
}

char *buf_detach(buf *b)
{
    char *p = b->data ? b->data : xstrdup("");
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}

void buf_free(buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void buf_html_escape(buf *b, const char *s, size_t n)
{
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        const char *rep = NULL;
        switch (s[i]) {
        case '&':
            rep = "&amp;";
            break;
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '"':
            rep = "&quot;";
            break;
        case '\'':
            rep = "&#39;";
            break;
        default:
            continue;
        }
        buf_append(b, s + start, i - start);
        buf_puts(b, rep);
        start = i + 1;
    }
    buf_append(b, s + start, n - start);
}

int util_read_file(const char *path, size_t max_bytes, char **out_data, size_t *out_len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        return errno;
    }
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        fclose(f);
        return EISDIR;
    }
    buf b = BUF_INIT;
    char chunk[65536];
    size_t n;
    int err = 0;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (max_bytes && b.len + n > max_bytes) {
            err = EFBIG;
            break;
        }
        buf_append(&b, chunk, n);
    }
    if (!err && ferror(f)) {
        err = errno ? errno : EIO;
    }
    fclose(f);
    if (err) {
        buf_free(&b);
        return err;
    }
    *out_len = b.len;
    *out_data = buf_detach(&b);
    return 0;
}

int util_utf8_valid(const char *s, size_t n, int *out_line, size_t *out_offset)
{
    const unsigned char *p = (const unsigned char *)s;
    int line = 1;
    size_t i = 0;
    while (i < n) {
        unsigned c = p[i];
        size_t len = 0;
        unsigned min = 0;
        unsigned cp = 0;
        if (c != 0 && c < 0x80) { /* NUL is refused with the other bad bytes, below */
            if (c == '\n') {
                line++;
            }
            i++;
            continue;
        }
        if ((c & 0xE0) == 0xC0) {
            len = 2, min = 0x80, cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3, min = 0x800, cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4, min = 0x10000, cp = c & 0x07;
        } else {
            goto bad;
        }
        if (i + len > n) {
            goto bad;
        }
        for (size_t k = 1; k < len; k++) {
            if ((p[i + k] & 0xC0) != 0x80) {
                goto bad;
            }
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            goto bad;
        }
        i += len;
    }
    return 1;
bad:
    if (out_line) {
        *out_line = line;
    }
    if (out_offset) {
        *out_offset = i;
    }
    return 0;
}

int util_strcasecmp(const char *a, const char *b)
{
    for (;; a++, b++) {
        int ca = (unsigned char)*a;
        int cb = (unsigned char)*b;
        if (ca >= 'A' && ca <= 'Z') {
            ca += 32;
        }
        if (cb >= 'A' && cb <= 'Z') {
            cb += 32;
        }
        if (ca != cb || !ca) {
            return ca - cb;
        }
    }
}

int util_hexval(int c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

int util_contains_ci(const char *s, size_t n, const char *needle)
{
    size_t m = strlen(needle);
    for (size_t i = 0; i + m <= n; i++) {
        size_t k = 0;
        while (k < m) {
            int c = (unsigned char)s[i + k];
            if ((c >= 'A' && c <= 'Z' ? c + 32 : c) != needle[k]) {
                break;
            }
            k++;
        }
        if (k == m) {
            return 1;
        }
    }
    return 0;
}

void util_utf8_clean(buf *b, const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {
            buf_putc(b, (char)(c < 0x20 || c == 0x7f ? '?' : c));
            i++;
            continue;
        }
        size_t len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
        if (len > 1 && i + len <= n && util_utf8_valid(s + i, len, NULL, NULL)) {
            buf_append(b, s + i, len);
            i += len;
        } else {
            buf_putc(b, '?');
            i++;
        }
    }
}

int util_read_fd(int fd, size_t max_bytes, char **out_data, size_t *out_len)
{
    buf b = BUF_INIT;
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
        size_t hint = (size_t)st.st_size;
        buf_grow(&b, (max_bytes && hint > max_bytes ? max_bytes : hint) + 1);
    }
    for (;;) {
        buf_grow(&b, 65536);
        ssize_t n = read(fd, b.data + b.len, b.cap - b.len - 1);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            int e = n < 0 ? errno : 0;
            if (e) {
                buf_free(&b);
                return e;
            }
            break;
        }
        b.len += (size_t)n;
        b.data[b.len] = '\0';
        if (max_bytes && b.len > max_bytes) {
            buf_free(&b);
            return EFBIG;
        }
    }
    *out_len = b.len;
    *out_data = buf_detach(&b);
    return 0;
}
