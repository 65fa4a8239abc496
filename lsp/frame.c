/* LSP base protocol framing: "Header: value\r\n" lines, a blank line, then Content-Length
 * bytes of body. Header names are case-insensitive; Content-Type is accepted and ignored. */
#include <string.h>

#include "lsp/lsp.h"

static const char CL[] = "content-length";

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* Whether p[0..n) is "Content-Length", in any case. */
static int is_content_length(const char *p, size_t n)
{
    if (n != sizeof CL - 1) {
        return 0;
    }
    for (size_t k = 0; k < n; k++) {
        if (lower((unsigned char)p[k]) != CL[k]) {
            return 0;
        }
    }
    return 1;
}

/* The offset of the next "Content-Length" header after offset 0, or len. */
static size_t resync(const char *buf, size_t len)
{
    for (size_t i = 1; i + sizeof CL - 1 <= len; i++) {
        if (is_content_length(buf + i, sizeof CL - 1)) {
            return i;
        }
    }
    return len;
}

/* Parses a Content-Length value: optional blanks, digits, optional blanks. Values past 2^48
 * are not a length any client means. Returns 1 and sets *out, or 0 if malformed. */
static int parse_length(const char *p, const char *end, size_t *out)
{
    while (p < end && (*p == ' ' || *p == '\t')) {
        p++;
    }
    if (p == end) {
        return 0;
    }
    size_t v = 0;
    for (; p < end && *p != ' ' && *p != '\t'; p++) {
        if (*p < '0' || *p > '9' || v > ((size_t)1 << 48)) {
            return 0;
        }
        v = v * 10 + (size_t)(*p - '0');
    }
    while (p < end && (*p == ' ' || *p == '\t')) {
        p++;
    }
    if (p != end || v > ((size_t)1 << 48)) {
        return 0;
    }
    *out = v;
    return 1;
}

long lsp_frame_parse(const char *buf, size_t len, size_t *body_off, size_t *body_len, size_t *skip)
{
    size_t i = 0;
    int have_length = 0;
    size_t content_length = 0;
    *skip = 0;
    for (;;) {
        /* One header line. */
        const char *nl = memchr(buf + i, '\n', len - i);
        if (!nl) {
            if (len - i > 8192) {
                goto malformed; /* no header is that long */
            }
            return LSP_FRAME_MORE;
        }
        size_t end = (size_t)(nl - buf);
        size_t line_end = end > i && buf[end - 1] == '\r' ? end - 1 : end;
        if (line_end == i) {
            i = end + 1;
            break; /* blank line: headers done */
        }
        const char *colon = memchr(buf + i, ':', line_end - i);
        if (!colon) {
            goto malformed;
        }
        if (is_content_length(buf + i, (size_t)(colon - (buf + i)))) {
            if (!parse_length(colon + 1, buf + line_end, &content_length)) {
                goto malformed;
            }
            have_length = 1;
        }
        i = end + 1;
    }
    if (!have_length) {
        goto malformed;
    }
    if (content_length > LSP_MAX_BODY) {
        *skip = i + content_length;
        return LSP_FRAME_TOO_LARGE;
    }
    if (len - i < content_length) {
        return LSP_FRAME_MORE;
    }
    *body_off = i;
    *body_len = content_length;
    return (long)(i + content_length);
malformed:
    *skip = resync(buf, len);
    return LSP_FRAME_MALFORMED;
}
