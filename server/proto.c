/* HTTP protocol helpers for the server: request-target and query parsing, content
 * negotiation, ETags, gzip and escaping. Pure functions over strings: no sockets, no
 * libmicrohttpd, no global state, so they are unit-tested and fuzzed on their own. */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "server/server_int.h"

/* Decodes s[0..n) into out. -1 on a bad escape or a NUL byte, encoded or not. */
static int percent_decode(const char *s, size_t n, int plus_is_space, buf *out)
{
    buf_grow(out, n);
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)s[i];
        if (c == '%') {
            if (i + 2 >= n) {
                return -1;
            }
            int hi = util_hexval((unsigned char)s[i + 1]);
            int lo = util_hexval((unsigned char)s[i + 2]);
            if (hi < 0 || lo < 0) {
                return -1;
            }
            c = hi * 16 + lo;
            i += 2;
        } else if (c == '+' && plus_is_space) {
            c = ' ';
        }
        if (c == 0) {
            return -1;
        }
        buf_putc(out, (char)c);
    }
    buf_append(out, "", 0); /* NUL-terminated even when empty */
    return 0;
}

int srv_target_split(const char *target, buf *path, const char **out_query)
{
    *out_query = NULL;
    if (!target || target[0] != '/') {
        return -1;
    }
    size_t n = strcspn(target, "?#");
    if (target[n] == '?') {
        *out_query = target + n + 1;
    }
    return percent_decode(target, n, 0, path);
}

int srv_query_arg(const char *query, const char *name, buf *out)
{
    if (!query) {
        return 0;
    }
    size_t name_len = strlen(name);
    const char *p = query;
    while (*p && *p != '#') {
        size_t n = strcspn(p, "&#");
        const char *eq = memchr(p, '=', n);
        size_t key_len = eq ? (size_t)(eq - p) : n;
        buf key = BUF_INIT;
        int bad = percent_decode(p, key_len, 1, &key);
        int hit =
            !bad && key.len == name_len && memcmp(key.data ? key.data : "", name, name_len) == 0;
        buf_free(&key);
        if (hit) {
            if (!eq) {
                buf_puts(out, "");
                return 1;
            }
            return percent_decode(eq + 1, n - key_len - 1, 1, out) < 0 ? -1 : 1;
        }
        p += n;
        if (*p == '&') {
            p++;
        }
    }
    return 0;
}

srv_fmt srv_fmt_parse(const char *s)
{
    static const struct {
        const char *name;
        srv_fmt fmt;
    } names[] = {{"html", SRV_FMT_HTML}, {"text", SRV_FMT_TEXT},   {"txt", SRV_FMT_TEXT},
                 {"md", SRV_FMT_MD},     {"markdown", SRV_FMT_MD}, {"json", SRV_FMT_JSON}};
    for (size_t i = 0; s && i < sizeof names / sizeof names[0]; i++) {
        if (util_strcasecmp(s, names[i].name) == 0) {
            return names[i].fmt;
        }
    }
    return SRV_FMT_NONE;
}

/* Case-insensitive equality of s[0..n) and the NUL-terminated word. */
static int span_is(const char *s, size_t n, const char *word)
{
    size_t m = strlen(word);
    if (n != m) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        if (tolower((unsigned char)s[i]) != tolower((unsigned char)word[i])) {
            return 0;
        }
    }
    return 1;
}

static void trim_span(const char **s, size_t *n)
{
    while (*n && (**s == ' ' || **s == '\t')) {
        (*s)++;
        (*n)--;
    }
    while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t')) {
        (*n)--;
    }
}

/* Parses an RFC 9110 qvalue ("0", "0.5", "1.000") in thousandths; -1 if malformed. */
static int qvalue(const char *p, size_t n)
{
    if (n == 0 || (p[0] != '0' && p[0] != '1')) {
        return -1;
    }
    int q = (p[0] - '0') * 1000;
    if (n == 1) {
        return q;
    }
    if (p[1] != '.' || n > 5) {
        return -1;
    }
    int scale = 100;
    for (size_t i = 2; i < n; i++, scale /= 10) {
        if (!isdigit((unsigned char)p[i])) {
            return -1;
        }
        q += (p[i] - '0') * scale;
    }
    return q > 1000 ? -1 : q;
}

/* The q parameter among one list element's parameters ("; q=0.5; level=1"), in thousandths.
 * A malformed q counts as 0 so that garbage never wins. */
static int parse_q(const char *params, size_t n)
{
    int q = 1000;
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && params[j] != ';') {
            j++;
        }
        const char *p = params + i;
        size_t len = j - i;
        trim_span(&p, &len);
        if (len >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
            q = qvalue(p + 2, len - 2);
            if (q < 0) {
                return 0;
            }
        }
        i = j + 1;
    }
    return q;
}

/* Calls fn for each element of a comma-separated header with its token and q value. */
typedef void (*elem_fn)(void *ud, const char *tok, size_t n, int q);

static void each_elem(const char *h, elem_fn fn, void *ud)
{
    while (h && *h) {
        size_t n = strcspn(h, ",");
        size_t tn = strcspn(h, ";,");
        const char *tok = h;
        size_t tlen = tn;
        trim_span(&tok, &tlen);
        int q = tn < n ? parse_q(h + tn + 1, n - tn - 1) : 1000;
        if (tlen) {
            fn(ud, tok, tlen, q);
        }
        h += n;
        if (*h == ',') {
            h++;
        }
    }
}

struct accept_state {
    int q[4]; /* best q per format: html, text, md, json; -1 = not mentioned */
};

static void accept_elem(void *ud, const char *tok, size_t n, int q)
{
    struct accept_state *st = ud;
    static const struct {
        const char *type;
        int slot;
    } types[] = {{"text/html", 0},     {"application/xhtml+xml", 0}, {"text/plain", 1},
                 {"text/markdown", 2}, {"text/x-markdown", 2},       {"application/json", 3}};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        if (span_is(tok, n, types[i].type) && q > st->q[types[i].slot]) {
            st->q[types[i].slot] = q;
        }
    }
}

srv_fmt srv_accept_pick(const char *accept, unsigned offered)
{
    struct accept_state st = {{-1, -1, -1, -1}};
    each_elem(accept, accept_elem, &st);
    /* Tie order: HTML, Markdown, text, JSON (a browser listing several types wants HTML). */
    static const struct {
        int slot;
        srv_fmt fmt;
    } order[] = {{0, SRV_FMT_HTML}, {2, SRV_FMT_MD}, {1, SRV_FMT_TEXT}, {3, SRV_FMT_JSON}};
    srv_fmt best = SRV_FMT_NONE;
    int best_q = 0;
    for (size_t i = 0; i < 4; i++) {
        int q = st.q[order[i].slot];
        if ((offered & (unsigned)order[i].fmt) && q > best_q) {
            best = order[i].fmt;
            best_q = q;
        }
    }
    return best;
}

int srv_ua_is_terminal(const char *ua)
{
    if (!ua || !*ua) {
        return 1;
    }
    static const char *const prefixes[] = {
        "curl/",      "wget/",          "httpie/", "python-requests/", "python-urllib/", "libcurl",
        "powershell", "fetch libfetch", "xh/"};
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
        size_t n = strlen(prefixes[i]);
        if (strlen(ua) >= n && span_is(ua, n, prefixes[i])) {
            return 1;
        }
    }
    /* Windows PowerShell puts its name after "Mozilla/5.0 (Windows NT; ...)". */
    return strstr(ua, "PowerShell/") != NULL;
}

srv_fmt srv_negotiate(srv_fmt explicit_fmt, const char *accept, const char *ua, unsigned offered)
{
    if (explicit_fmt != SRV_FMT_NONE && (offered & (unsigned)explicit_fmt)) {
        return explicit_fmt;
    }
    srv_fmt f = srv_accept_pick(accept, offered);
    if (f != SRV_FMT_NONE) {
        return f;
    }
    if (srv_ua_is_terminal(ua) && (offered & SRV_FMT_TEXT)) {
        return SRV_FMT_TEXT;
    }
    if (offered & SRV_FMT_HTML) {
        return SRV_FMT_HTML;
    }
    for (unsigned bit = 1; bit <= SRV_FMT_JSON; bit <<= 1) {
        if (offered & bit) {
            return (srv_fmt)bit;
        }
    }
    return SRV_FMT_NONE;
}

struct gzip_state {
    int gzip_q;
    int star_q;
};

static void encoding_elem(void *ud, const char *tok, size_t n, int q)
{
    struct gzip_state *st = ud;
    if (span_is(tok, n, "gzip") || span_is(tok, n, "x-gzip")) {
        st->gzip_q = q;
    } else if (span_is(tok, n, "*")) {
        st->star_q = q;
    }
}

int srv_accepts_gzip(const char *accept_encoding)
{
    struct gzip_state st = {-1, -1};
    each_elem(accept_encoding, encoding_elem, &st);
    if (st.gzip_q >= 0) {
        return st.gzip_q > 0;
    }
    return st.star_q > 0;
}

int srv_etag_matches(const char *if_none_match, const char *etag)
{
    if (!if_none_match || !etag || !*etag) {
        return 0;
    }
    size_t elen = strlen(etag);
    const char *p = if_none_match;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == ',') {
            p++;
        }
        if (*p == '*') {
            return 1;
        }
        if (p[0] == 'W' && p[1] == '/') {
            p += 2;
        }
        if (*p != '"') {
            /* Not an entity-tag: skip to the next element. */
            p += strcspn(p, ",");
            continue;
        }
        const char *end = strchr(p + 1, '"');
        if (!end) {
            return 0;
        }
        size_t n = (size_t)(end - p) + 1;
        if (n == elen && memcmp(p, etag, n) == 0) {
            return 1;
        }
        p = end + 1;
    }
    return 0;
}

void srv_etag_make(const char *kb_fp, const void *body, size_t len, const char *suffix, char *out,
                   size_t out_size)
{
    /* FNV-1a, 64 bits: not cryptographic, but an ETag only has to change when the bytes do. */
    uint64_t h = 1469598103934665603ULL;
    const unsigned char *p = body;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 1099511628211ULL;
    }
    snprintf(out, out_size, "\"%.8s-%016llx%s\"", kb_fp, (unsigned long long)h,
             suffix ? suffix : "");
}

int srv_gzip(const void *in, size_t n, char **out, size_t *out_len)
{
    return srv_gzip_fast(in, n, 0, out, out_len);
}

int srv_gzip_fast(const void *in, size_t n, int fast, char **out, size_t *out_len)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    /* windowBits + 16 selects the gzip wrapper. A fast answer gets a window no larger than
     * its body and a small hash: zlib's setup (allocating and clearing 256 KiB at the best
     * settings) cost more than compressing a search answer. */
    int bits = 15;
    int mem = 9;
    if (fast) {
        for (bits = 9; bits < 15 && ((size_t)1 << bits) < n; bits++) {
        }
        mem = 6;
    }
    if (deflateInit2(&z, fast ? Z_BEST_SPEED : Z_BEST_COMPRESSION, Z_DEFLATED, bits + 16, mem,
                     Z_DEFAULT_STRATEGY) != Z_OK) {
        return -1;
    }
    size_t cap = deflateBound(&z, (uLong)n);
    char *dst = xmalloc(cap);
    z.next_in = (Bytef *)in; /* zlib only reads it */
    z.avail_in = (uInt)n;
    z.next_out = (Bytef *)dst;
    z.avail_out = (uInt)cap;
    int rc = deflate(&z, Z_FINISH);
    size_t total = z.total_out;
    deflateEnd(&z);
    if (rc != Z_STREAM_END) {
        free(dst);
        return -1;
    }
    *out = dst;
    *out_len = total;
    return 0;
}

void srv_marked_html(buf *b, const char *s)
{
    int open = 0;
    for (const char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == KB_MARK_OPEN[0]) {
            if (!open) {
                buf_puts(b, "<mark>");
                open = 1;
            }
        } else if (c == KB_MARK_CLOSE[0]) {
            if (open) {
                buf_puts(b, "</mark>");
                open = 0;
            }
        } else if (c < 0x20 && c != '\n' && c != '\t') {
            continue;
        } else {
            buf_html_escape(b, p, 1);
        }
    }
    if (open) {
        buf_puts(b, "</mark>");
    }
}

void srv_marked_plain(buf *b, const char *s)
{
    int space = 0;
    for (const char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '\n' || c == '\t' || c == ' ') {
            space = 1;
        } else if (c >= 0x20) {
            if (space) {
                buf_putc(b, ' ');
                space = 0;
            }
            buf_putc(b, (char)c);
        }
    }
}

void srv_url_encode(buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (isalnum(*p) || *p == '-' || *p == '_' || *p == '.' || *p == '~') {
            buf_putc(b, (char)*p);
        } else {
            buf_putc(b, '%');
            buf_putc(b, hex[*p >> 4]);
            buf_putc(b, hex[*p & 15]);
        }
    }
}

void srv_query_normalize(const char *in, buf *out)
{
    int space = 0;
    buf_puts(out, "");
    for (const char *p = in; *p; p++) {
        if (isspace((unsigned char)*p)) {
            space = out->len > 0;
            continue;
        }
        if (space) {
            buf_putc(out, ' ');
            space = 0;
        }
        buf_putc(out, *p);
    }
}

void srv_slug(buf *b, const char *text, size_t n)
{
    int dash = 0;
    size_t start = b->len;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)text[i];
        if (isalnum(c)) {
            if (dash && b->len > start) {
                buf_putc(b, '-');
            }
            dash = 0;
            buf_putc(b, (char)tolower(c));
        } else {
            dash = 1;
        }
    }
    if (b->len == start) {
        buf_puts(b, "section");
    }
}

void srv_utf8_clean(buf *b, const char *s, size_t n)
{
    util_utf8_clean(b, s, n);
}
