/* Hostile requests for tests/load/hostile.sh: generates N request bundles over raw sockets to a
 * server on 127.0.0.1 (random and malformed paths and request lines, `..` in every encoding,
 * NUL and invalid UTF-8 in query strings, 100 KB URLs and headers, absurd Range, If-None-Match
 * and Accept-Encoding values, other methods, bodies, HTTP/0.9, 1.0 and 2.0, pipelines), reads
 * every answer, and tallies the status codes. Every byte received is searched for the canary
 * tokens given on the command line and for /etc/passwd markers.
 *
 * Usage: hostile PORT N_BUNDLES THREADS CANARY_PATH... -- CANARY_TOKEN...
 * Prints "requests=", "bundles=", "status CODE COUNT", "closed_without_answer=", "hung=",
 * "leaks=", "fivexx=" and "*_example=" lines; exits 0 (the shell script judges the figures).
 * Debugging: HOSTILE_TRACE=1 reports on stderr every bundle the server stopped answering and
 * the request after which it closed; HOSTILE_DUMP=SEED writes that bundle's bytes to stdout
 * (bundle i is seed i + 1), to replay it with nc or a script. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dial.h"

#define MAX_REQS 64
/* Ten times the server's --timeout: a silence this long is a hang. */
#define READ_TIMEOUT_MS 30000

typedef struct sbuf {
    char *d;
    size_t len, cap;
} sbuf;

static void sb_grow(sbuf *b, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->d = realloc(b->d, b->cap);
        if (!b->d) {
            abort();
        }
    }
}

static void sb_add(sbuf *b, const void *p, size_t n)
{
    sb_grow(b, n);
    memcpy(b->d + b->len, p, n);
    b->len += n;
    b->d[b->len] = 0;
}

static void sb_puts(sbuf *b, const char *s)
{
    sb_add(b, s, strlen(s));
}

__attribute__((format(printf, 2, 3))) static void sb_printf(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    sb_grow(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->d + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

static void sb_rep(sbuf *b, const char *s, size_t times)
{
    for (size_t i = 0; i < times; i++) {
        sb_puts(b, s);
    }
}

/* ---- Randomness (xorshift, seeded per bundle so a failure can be replayed) ---------------- */

typedef struct rng {
    uint64_t s;
} rng;

static uint64_t rnd(rng *r)
{
    r->s ^= r->s << 13;
    r->s ^= r->s >> 7;
    r->s ^= r->s << 17;
    return r->s;
}

static size_t pick(rng *r, size_t n)
{
    return (size_t)(rnd(r) % n);
}

#define PICK(r, arr) ((arr)[pick((r), sizeof(arr) / sizeof((arr)[0]))])

/* ---- Ingredients ------------------------------------------------------------------------- */

static const char *canary_paths[16]; /* absolute paths of the planted files */
static size_t n_canary_paths;
static const char *canary_tokens[16];
static size_t n_canary_tokens;
static const char *const passwd_markers[] = {"root:x:0:0:", "daemon:x:1:1:", "/usr/sbin/nologin"};

/* The tables below are laid out by hand, several values a line. */
/* clang-format off */
static const char *const dotdots[] = {
    "../", "..%2f", "..%2F", "%2e%2e/", "%2E%2E/", "%2e%2e%2f", "%2E%2E%2F", ".%2e/", "%2e./",
    "%252e%252e%252f", "%252e%252e/", "..%252f", "%25252e%25252e%25252f", "..\\", "..%5c",
    "..%5C", "%2e%2e%5c", "%252e%252e%255c", "%c0%ae%c0%ae/", "%c0%ae%c0%ae%c0%af", "..%c0%af",
    "..%c1%9c", "..%c1%1c", "%e0%80%ae%e0%80%ae/", "%f0%80%80%ae%f0%80%80%ae/", "%c0%2e%c0%2e/",
    "%u002e%u002e/", "%u002e%u002e%u2215", "..%u2215", "..%u2216", "%uff0e%uff0e/",
    "\xef\xbc\x8e\xef\xbc\x8e/", "..\xef\xbc\x8f", "..;/", "....//", "...//", ".../", "..//",
    "..%00/", "..%0d%0a/", "..%09/", "%2e%2e%2f%2e%2e%2f", "./../", "/./../", "%2f..%2f",
    "..%2f%2f", ".%252e/", "%%32%65%%32%65/", "%2%65%2%65/", "..\xc0\xaf", "\xc0\xae\xc0\xae/",
};

static const char *const prefixes[] = {
    "/", "/static/", "/entries/", "/api/entries/", "/api/", "/search/", "/M8/", "//", "/./",
    "/static/..%2f", "",
};

static const char *const dotdot_targets[] = {
    "etc/passwd", "etc/passwd%00.md", "etc/passwd%00", "etc/passwd.md", "etc/./passwd",
    "etc//passwd", "proc/self/environ", "proc/self/cmdline", "proc/self/maps", "proc/self/fd/0",
    "proc/self/exe", "tmp", "etc/hostname", "etc/shadow", "dev/zero",
};

static const char *const pages[] = {
    "/", "/M8", "/m8", "/entries/M8", "/M8.md", "/M8.txt", "/M8.json", "/M1", "/M20",
    "/api/entries", "/api/entries/M8", "/healthz", "/search?q=oom", "/api/search?q=expandable",
    "/?q=checkpoint", "/search?q=empty_cache&format=text", "/static/app.js", "/static/style.css",
};

static const char *const bad_queries[] = {
    "%00", "a%00b", "%00%00%00", "%ff", "%ff%fe", "%c0%80", "%c0%af", "%ed%a0%80", "%ed%bf%bf",
    "%f4%90%80%80", "%f8%88%80%80%80", "%e2%82", "%c3", "%c3%28", "%a0%a1", "%fe%ff",
    "%ef%bb%bf", "%", "%g1", "%2", "%%", "%%%", "+++", "%20%20", "a%0d%0aSet-Cookie:x=1",
    "%1b[31m", "%7f", "\"", "%22%22%22", "(", ")", "AND", "NOT", "a OR", "*", "\"*", "NEAR(a b)",
    "col:val", "^a", "-", "--", "..%2f..%2fetc%2fpasswd", "%3cscript%3ealert(1)%3c/script%3e",
    "\xff\xfe", "\xc3\x28", "\xed\xa0\x80", "\xc0\x80", "\x80", "\xf5\x80\x80\x80",
};

static const char *const query_keys[] = {"q", "format", "limit", "highlight", "x", "", "q[]"};

static const char *const methods[] = {
    "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT", "PROPFIND", "MKCOL", "COPY",
    "MOVE", "LOCK", "UNLOCK", "SEARCH", "PRI", "get", "head", "Get", "GETT", "GE", "HEAD\t",
    "G\x00T", "\xff\xfe", "GET GET", "BREW", "M-SEARCH", "QUERY", "DEBUG", "TRACK",
};

static const char *const versions[] = {
    "HTTP/1.1", "HTTP/1.0", "HTTP/0.9", "HTTP/2.0", "HTTP/2", "HTTP/3", "HTTP/1.2", "HTTP/9.9",
    "HTTP/1.10", "HTTP/01.1", "http/1.1", "HTTP/1.1 ", "HTTP/1", "HTTP/", "HTTPS/1.1",
    "HTTP/1.1\x00", "HTTP/-1.1", "HTTP/1.99999999999999999999", "FOO", "",
};

static const char *const ranges[] = {
    "bytes=0-0", "bytes=-1", "bytes=0-", "bytes=5-1", "bytes=--", "bytes=-", "bytes=",
    "bytes=99999999999999999999999999-", "bytes=-99999999999999999999999999",
    "bytes=18446744073709551615-18446744073709551616", "bytes=9223372036854775807-",
    "bytes=-9223372036854775808", "bytes=0-1,2-3,4-5", "items=0-1", "bytes=a-b", "bytes 0-1",
    "bytes=0-0,-1", "bytes=1e9-2e9", "bytes=0x10-0x20", "=", "", ",,,,", "bytes=\xff-\x00",
};

static const char *const inms[] = {
    "*", "\"", "\"\"", "W/\"x\"", "W/", "\"unterminated", "*, *", "\"a\", \"b\", *", ",,,,",
    "\"x\"\"y\"", "W/W/W/\"x\"", "\xff\xfe", "null", "\"\\\"\"", "-1",
};

static const char *const encodings[] = {
    "gzip;q=0", "gzip;q=-1", "gzip;q=1e999", "gzip;q=NaN", "gzip;q=inf", "*;q=0",
    "identity;q=0", "identity;q=0, *;q=0", "gzip;q=0.0000000001", "gzip;q=1.0000000001",
    "br", "deflate", "x-gzip", "GZIP", "gzip;;;;", ";;;;", "gzip, gzip, gzip", "*", "",
    "gzip;q=", "gzip;q", "gzip;q=0.5;q=1", "\x01\xff", "gzip\x00identity", "compress;q=1",
    "gzip;q=00000000000000000000000001",
};

static const char *const accepts[] = {
    "text/html", "*/*", "application/json", "text/plain;q=0", "*/*;q=0", "text/*;q=NaN",
    "text/html;level=1;q=0.5, */*;q=0.1", ";;;", "\xff", "text/markdown", "",
};

static const char *const agents[] = {
    "curl/7.88.1", "Wget/1.21", "Mozilla/5.0", "", "\xff\xfe", "python-requests/2.31",
    "HTTPie/3", "() { :; }; echo vulnerable",
};
/* clang-format on */

/* ---- One bundle: bytes to send and how many answers to expect ---------------------------- */

typedef struct bundle {
    sbuf out;
    int n_req;
    int head[MAX_REQS];   /* answer i has no body (HEAD) */
    size_t off[MAX_REQS]; /* where request i starts in out */
    int half_close;       /* shut down our side after sending (an incomplete request) */
} bundle;

static void add_target(rng *r, sbuf *t);

/* A request-target that is hostile in one way. */
static void add_traversal(rng *r, sbuf *t)
{
    size_t k = pick(r, 10);
    if (k == 0) {
        /* Absolute and odd forms of a target. */
        static const char *const forms[] = {"http://127.0.0.1/../../../../etc/passwd",
                                            "file:///etc/passwd",
                                            "//etc/passwd",
                                            "/\\..\\..\\..\\etc\\passwd",
                                            "*",
                                            "../../../../etc/passwd",
                                            "etc/passwd",
                                            "http://evil.example/",
                                            "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
                                            "\\..\\..\\etc\\passwd"};
        sb_puts(t, PICK(r, forms));
        return;
    }
    sb_puts(t, PICK(r, prefixes));
    const char *dd = PICK(r, dotdots);
    size_t times = 1 + pick(r, 12);
    for (size_t i = 0; i < times; i++) {
        sb_puts(t, pick(r, 5) == 0 ? PICK(r, dotdots) : dd);
    }
    if (k <= 2 && n_canary_paths) {
        /* The planted files by absolute path (leading '/' dropped) and by name. */
        const char *cp = canary_paths[pick(r, n_canary_paths)];
        if (k == 1) {
            sb_puts(t, cp + 1);
        } else {
            const char *base = strrchr(cp, '/');
            sb_puts(t, base ? base + 1 : cp);
        }
    } else {
        sb_puts(t, PICK(r, dotdot_targets));
    }
    static const char *const tails[] = {"",           "",       "",     ".md",   ".txt", ".json",
                                        "?format=md", "%00.md", "?q=x", "#frag", "/",    ";x"};
    sb_puts(t, PICK(r, tails));
}

static void add_bad_query(rng *r, sbuf *t)
{
    static const char *const paths[] = {"/search",      "/api/search",    "/",   "/M8", "/healthz",
                                        "/api/entries", "/static/app.js", "/M88"};
    sb_puts(t, PICK(r, paths));
    sb_puts(t, pick(r, 8) == 0 ? "??" : "?");
    size_t n_args = 1 + pick(r, 4);
    for (size_t i = 0; i < n_args; i++) {
        if (i) {
            sb_puts(t, pick(r, 6) == 0 ? "&&" : "&");
        }
        sb_puts(t, PICK(r, query_keys));
        if (pick(r, 8) != 0) {
            sb_puts(t, "=");
        }
        size_t n_parts = 1 + pick(r, 3);
        for (size_t j = 0; j < n_parts; j++) {
            size_t w = pick(r, 4);
            if (w == 0) {
                sb_puts(t, PICK(r, bad_queries));
            } else if (w == 1) {
                /* A raw NUL byte in the request line. */
                sb_add(t, "a\0b", 3);
            } else if (w == 2) {
                static const char *const nums[] = {
                    "-1", "0", "101", "99999999999999999999", "1e3", "0x10", " 5", "5 ", "%35", ""};
                sb_puts(t, PICK(r, nums));
            } else {
                /* Random bytes, percent-encoded or not. */
                size_t n = 1 + pick(r, 40);
                for (size_t b = 0; b < n; b++) {
                    unsigned char c = (unsigned char)pick(r, 256);
                    if (pick(r, 2)) {
                        sb_printf(t, "%%%02x", c);
                    } else if (c > 0x20 && c != 0x7f) {
                        sb_add(t, &c, 1);
                    }
                }
            }
        }
    }
}

static void add_random_path(rng *r, sbuf *t)
{
    sb_puts(t, "/");
    size_t n = pick(r, 300);
    static const char alphabet[] = "abcMm0123456789/._-~%?#&=;+@:!$'()*,[]{}|\\^`\"<>";
    for (size_t i = 0; i < n; i++) {
        if (pick(r, 10) == 0) {
            unsigned char c = (unsigned char)(0x80 + pick(r, 128));
            sb_add(t, &c, 1);
        } else {
            sb_add(t, &alphabet[pick(r, sizeof alphabet - 1)], 1);
        }
    }
}

static void add_target(rng *r, sbuf *t)
{
    switch (pick(r, 4)) {
    case 0:
        add_traversal(r, t);
        break;
    case 1:
        add_bad_query(r, t);
        break;
    case 2:
        add_random_path(r, t);
        break;
    default:
        sb_puts(t, PICK(r, pages));
        break;
    }
}

/* Ordinary headers, some of them hostile. */
static void add_headers(rng *r, sbuf *o, int hostile)
{
    if (pick(r, 10) != 0) {
        sb_puts(o, "Host: 127.0.0.1\r\n");
    }
    if (!hostile) {
        return;
    }
    size_t n = pick(r, 5);
    for (size_t i = 0; i < n; i++) {
        switch (pick(r, 9)) {
        case 0:
            sb_printf(o, "Range: %s\r\n", PICK(r, ranges));
            break;
        case 1:
            sb_printf(o, "If-None-Match: %s\r\n", PICK(r, inms));
            break;
        case 2:
            sb_printf(o, "Accept-Encoding: %s\r\n", PICK(r, encodings));
            break;
        case 3:
            sb_printf(o, "Accept: %s\r\n", PICK(r, accepts));
            break;
        case 4:
            sb_printf(o, "User-Agent: %s\r\n", PICK(r, agents));
            break;
        case 5:
            sb_puts(o, "Host: a\r\nHost: b\r\n");
            break;
        case 6:
            sb_printf(o, "If-Range: %s\r\nRange: %s\r\n", PICK(r, inms), PICK(r, ranges));
            break;
        case 7:
            sb_printf(o, "Connection: %s\r\n", pick(r, 2) ? "keep-alive" : "close, Upgrade");
            break;
        default:
            sb_printf(o, "X-%u: %s\r\n", (unsigned)pick(r, 1000), PICK(r, bad_queries));
            break;
        }
    }
}

static void request(rng *r, bundle *b, const char *method, const char *target, size_t tlen,
                    const char *version, int hostile)
{
    if (b->n_req < MAX_REQS) {
        b->off[b->n_req] = b->out.len;
    }
    sb_puts(&b->out, method);
    sb_puts(&b->out, " ");
    sb_add(&b->out, target, tlen);
    if (*version) {
        sb_puts(&b->out, " ");
        sb_puts(&b->out, version);
    }
    sb_puts(&b->out, "\r\n");
    add_headers(r, &b->out, hostile);
    sb_puts(&b->out, "\r\n");
    if (b->n_req < MAX_REQS) {
        b->head[b->n_req] = strcmp(method, "HEAD") == 0;
    }
    b->n_req++;
}

/* A 100 KB something: URL, one header, many headers, or a header name. */
static void big(rng *r, bundle *b)
{
    sbuf t = {0};
    size_t kind = pick(r, 9);
    size_t size = 100 * 1024 + pick(r, 1024);
    if (kind == 0) {
        sb_puts(&t, "/search?q=");
        sb_rep(&t, "a", size);
    } else if (kind == 1) {
        sb_puts(&t, "/");
        sb_rep(&t, "x", size);
    } else if (kind == 2) {
        sb_puts(&t, "/M8?");
        sb_rep(&t, "a=b&", size / 4);
    } else if (kind == 3) {
        sb_puts(&t, "/");
        sb_rep(&t, "../", size / 3);
        sb_puts(&t, "etc/passwd");
    } else {
        sb_puts(&t, PICK(r, pages));
    }
    sb_printf(&b->out, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n", t.d);
    if (kind == 4) {
        sb_puts(&b->out, "X-Big: ");
        sb_rep(&b->out, "b", size);
        sb_puts(&b->out, "\r\n");
    } else if (kind == 5) {
        for (size_t i = 0; i < size / 32; i++) {
            sb_printf(&b->out, "X-H%zu: %020zu\r\n", i, i);
        }
    } else if (kind == 6) {
        static const char *const names[] = {"Range",  "If-None-Match", "Accept-Encoding",
                                            "Accept", "User-Agent",    "Cookie"};
        const char *name = PICK(r, names);
        sb_printf(&b->out, "%s: ", name);
        if (strcmp(name, "Range") == 0) {
            sb_puts(&b->out, "bytes=0-0");
            sb_rep(&b->out, ",0-0", size / 4);
        } else if (strcmp(name, "If-None-Match") == 0) {
            sb_rep(&b->out, "\"2ad6cd02-80f53fe8f591fe83-gz\", ", size / 32);
        } else if (strcmp(name, "Accept-Encoding") == 0) {
            sb_rep(&b->out, "gzip;q=0.5, ", size / 12);
        } else {
            sb_rep(&b->out, "text/html;q=0.1,", size / 16);
        }
        sb_puts(&b->out, "\r\n");
    } else if (kind == 7) {
        sb_rep(&b->out, "N", size);
        sb_puts(&b->out, ": v\r\n");
    } else if (kind == 8) {
        /* A header folded over many continuation lines (obs-fold). */
        sb_puts(&b->out, "X-Fold: a\r\n");
        sb_rep(&b->out, " folded\r\n", size / 9);
    }
    sb_puts(&b->out, "\r\n");
    b->n_req = 1;
    free(t.d);
}

/* Broken framing: bad line endings, no colon, NULs, bodies, chunked, smuggling. */
static void framing(rng *r, bundle *b)
{
    /* {bytes, length, half_close}: the unfinished ones shut our side so that the server sees
     * the end at once instead of waiting for its timeout. */
/* clang-format off */
#define RAW(s, half) {s, sizeof(s) - 1, half}
    static const struct {
        const char *s;
        size_t len;
        int half_close;
    } raw[] = {
        RAW("GET /M8 HTTP/1.1\nHost: x\n\n", 0),
        RAW("GET /M8 HTTP/1.1\rHost: x\r\r", 0),
        RAW("GET /M8 HTTP/1.1\r\nHost x\r\n\r\n", 0),
        RAW("GET /M8 HTTP/1.1\r\n: empty-name\r\n\r\n", 0),
        RAW("GET /M8 HTTP/1.1\r\nHost: x\r\n folded-first\r\n\r\n", 0),
        RAW(" GET /M8 HTTP/1.1\r\nHost: x\r\n\r\n", 0),
        RAW("\r\n\r\nGET /M8 HTTP/1.1\r\nHost: x\r\n\r\n", 0),
        RAW("GET  /M8  HTTP/1.1\r\nHost: x\r\n\r\n", 0),
        RAW("GET\t/M8\tHTTP/1.1\r\nHost: x\r\n\r\n", 0),
        RAW("GET /M8 HTTP/1.1 extra\r\nHost: x\r\n\r\n", 0),
        RAW("GET /M8\r\n\r\n", 0),
        RAW("GET /\r\n", 1),
        RAW("GET\r\n\r\n", 0),
        RAW("\r\n\r\n", 0),
        RAW("GET /M8 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello", 0),
        RAW("GET /M8 HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", 1),
        RAW("GET /M8 HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n", 1),
        RAW("GET /M8 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", 0),
        RAW("GET /M8 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 0),
        RAW("GET /M8 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n", 0),
        RAW("GET /M8 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n", 1),
        RAW("GET /M8 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n", 0),
        RAW("GET /M8 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 0),
        RAW("POST /api/search HTTP/1.1\r\nHost: x\r\nContent-Length: 7\r\n\r\nq=hello", 0),
        RAW("POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 10\r\n\r\n0123456789", 0),
        RAW("PUT /M8 HTTP/1.1\r\nHost: x\r\nContent-Length: 200000\r\n\r\n", 1),
        RAW("GET /M8 HTTP/1.1\r\nHost: x\r\nUpgrade: h2c\r\nConnection: Upgrade, HTTP2-Settings\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n", 0),
        RAW("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 1),
        RAW("GET /M8 HTTP/1.1\r\nHost: x\r\nX: a\x00b\r\n\r\n", 0),
        RAW("GET /M8 HTTP/1.1\r\nHost: x\r\nX\x00Y: a\r\n\r\n", 0),
        RAW("GET /M8 HTTP/1.1\r\nHost: x\r\nX: \xff\xfe\xfd\r\n\r\n", 0),
        RAW("GET /M8 HTTP/1.1\r\nHost: x\r\n\r\n\r\n\r\n", 0),
        RAW("GET /M8 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET /M1 HTTP/1.1\r\nHost: x\r\n\r\n", 0),
        RAW("\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03", 1),
        RAW("GET /M8 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\n", 1),
        RAW("GET /M8 HTTP/1.1\r\nHost: x", 1),
        RAW("GET /M8 HTT", 1),
    };
#undef RAW
    /* clang-format on */
    size_t i = pick(r, sizeof raw / sizeof raw[0]);
    sb_add(&b->out, raw[i].s, raw[i].len);
    b->n_req = 1;
    b->head[0] = 0;
    b->half_close = raw[i].half_close;
}

static void make_bundle(uint64_t seed, bundle *b)
{
    memset(b, 0, sizeof *b);
    rng r = {seed * 0x9E3779B97F4A7C15ull + 1};
    rnd(&r);
    size_t kind = pick(&r, 20);
    sbuf t = {0};
    if (kind < 4) {
        add_traversal(&r, &t);
        request(&r, b, pick(&r, 4) ? "GET" : "HEAD", t.d, t.len, "HTTP/1.1", pick(&r, 2));
    } else if (kind < 7) {
        add_bad_query(&r, &t);
        request(&r, b, pick(&r, 4) ? "GET" : "HEAD", t.d, t.len,
                pick(&r, 3) ? "HTTP/1.1" : "HTTP/1.0", pick(&r, 2));
    } else if (kind < 9) {
        add_random_path(&r, &t);
        request(&r, b, "GET", t.d, t.len, "HTTP/1.1", 1);
    } else if (kind < 11) {
        /* A real page with hostile Range, If-None-Match, Accept-Encoding, ... */
        sb_puts(&t, PICK(&r, pages));
        request(&r, b, pick(&r, 3) ? "GET" : "HEAD", t.d, t.len, "HTTP/1.1", 1);
    } else if (kind == 11) {
        add_target(&r, &t);
        const char *m = PICK(&r, methods);
        size_t mlen = strlen(m) ? strlen(m) : 1;
        sbuf mm = {0};
        if (pick(&r, 10) == 0) {
            sb_rep(&mm, "X", 1000);
        } else {
            sb_add(&mm, m, mlen);
        }
        request(&r, b, mm.d, t.d, t.len, "HTTP/1.1", pick(&r, 2));
        free(mm.d);
    } else if (kind == 12) {
        add_target(&r, &t);
        const char *v = PICK(&r, versions);
        request(&r, b, "GET", t.d, t.len, v, pick(&r, 2));
        if (strncmp(v, "HTTP/1.", 7) != 0) {
            b->half_close = 1; /* the server may wait for more of what it cannot parse */
        }
    } else if (kind == 13) {
        big(&r, b);
    } else if (kind == 14) {
        framing(&r, b);
    } else {
        /* A pipeline of 2..40 requests in one write, HTTP/1.1 or HTTP/1.0 keep-alive. */
        int n = 2 + (int)pick(&r, 39);
        int v10 = pick(&r, 4) == 0;
        for (int i = 0; i < n; i++) {
            t.len = 0;
            if (pick(&r, 3) == 0) {
                add_target(&r, &t);
            } else {
                sb_puts(&t, PICK(&r, pages));
            }
            const char *m = pick(&r, 10) == 0 ? "HEAD" : pick(&r, 15) == 0 ? "DELETE" : "GET";
            sb_puts(&b->out, "");
            request(&r, b, m, t.d, t.len, v10 ? "HTTP/1.0" : "HTTP/1.1", pick(&r, 2));
            if (v10 && i + 1 < n) {
                /* Keep-alive for 1.0 must be asked for: insert it before the blank line. */
                b->out.len -= 2;
                sb_puts(&b->out, "Connection: keep-alive\r\n\r\n");
            }
        }
    }
    free(t.d);
}

/* ---- Sending, reading, judging ----------------------------------------------------------- */

typedef struct stats {
    size_t status[600];
    size_t requests, bundles, answers, closed_without_answer, hung, leaks, other_status;
    size_t v505;     /* 505 for an HTTP version other than 1.x: correct, counted apart */
    size_t fivexx_n; /* every other 5xx: a server error */
    char fivexx[256];
    char leak[256];
    char hang[256];
} stats;

static unsigned short port;
static __thread int last_code;
static size_t n_bundles;
static size_t next_bundle;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static stats total;

static int dial(void)
{
    return dial_loopback(port);
}

/* The printable start of a request, for reports. */
static void describe(const sbuf *req, char *out, size_t size)
{
    size_t j = 0;
    for (size_t i = 0; i < req->len && j + 5 < size && i < 400; i++) {
        unsigned char c = (unsigned char)req->d[i];
        if (c >= 0x20 && c < 0x7f) {
            out[j++] = (char)c;
        } else {
            j += (size_t)snprintf(out + j, size - j, "\\x%02x", c);
        }
    }
    out[j] = 0;
}

/* Whether request i of b names a well-formed HTTP version other than 1.x ("HTTP/2.0",
 * "HTTP/0.9"): libmicrohttpd answers those 505 HTTP Version Not Supported before oomkb sees
 * the request, as RFC 9110 section 15.6.6 prescribes. Not a server error. */
static int version_unsupported(const bundle *b, int i)
{
    size_t start = i < MAX_REQS && b->n_req > 1 ? b->off[i] : 0;
    const char *line = b->out.d + start;
    size_t n = 0;
    while (start + n < b->out.len && line[n] != '\r' && line[n] != '\n') {
        n++;
    }
    return n >= 9 && memcmp(line + n - 9, " HTTP/", 6) == 0 && line[n - 3] >= '0' &&
           line[n - 3] <= '9' && line[n - 3] != '1' && line[n - 2] == '.' && line[n - 1] >= '0' &&
           line[n - 1] <= '9';
}

/* Parses as many complete answers as buf holds, from *pos on. Returns 1 while more may come. */
static int parse_answers(const sbuf *in, size_t *pos, const bundle *b, stats *st, int *n_final,
                         const sbuf *req)
{
    for (;;) {
        const char *p = in->d + *pos;
        size_t left = in->len - *pos;
        const char *end = memmem(p, left, "\r\n\r\n", 4);
        if (!end) {
            return 1;
        }
        int code = -1;
        if (sscanf(p, "HTTP/%*d.%*d %d", &code) != 1) {
            code = -1;
        }
        size_t head_len = (size_t)(end + 4 - p);
        long body = 0;
        const char *cl = memmem(p, head_len, "\r\nContent-Length:", 17);
        if (cl) {
            body = atol(cl + 17);
        }
        int is_head = *n_final < MAX_REQS && b->head[*n_final];
        if (code == 304 || code == 204 || (code >= 100 && code < 200) || is_head) {
            body = 0;
        }
        if (left < head_len + (size_t)body) {
            return 1;
        }
        *pos += head_len + (size_t)body;
        if (code >= 100 && code < 200) {
            continue; /* interim: the final answer follows */
        }
        if (code >= 0 && code < 600) {
            st->status[code]++;
        } else {
            st->other_status++;
        }
        if (code == 505 && version_unsupported(b, *n_final)) {
            st->v505++;
        } else if (code >= 500) {
            st->fivexx_n++;
            if (!st->fivexx[0]) {
                describe(req, st->fivexx, sizeof st->fivexx);
            }
        }
        st->answers++;
        last_code = code;
        (*n_final)++;
        if (*n_final >= b->n_req) {
            return 0;
        }
    }
}

static void run_bundle(uint64_t seed, stats *st)
{
    bundle b;
    make_bundle(seed, &b);
    st->bundles++;
    st->requests += (size_t)b.n_req;
    int fd = dial();
    if (fd < 0) {
        st->closed_without_answer++;
        free(b.out.d);
        return;
    }
    struct timeval tv = {2, 0};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    size_t off = 0;
    while (off < b.out.len) {
        ssize_t w = send(fd, b.out.d + off, b.out.len - off, MSG_NOSIGNAL);
        if (w <= 0) {
            break; /* the server may answer (414, 431) and close before reading it all */
        }
        off += (size_t)w;
    }
    if (b.half_close) {
        shutdown(fd, SHUT_WR);
    }
    sbuf in = {0};
    last_code = 0;
    size_t pos = 0;
    int n_final = 0;
    int more = 1;
    int hung = 0;
    while (more) {
        struct pollfd p = {fd, POLLIN, 0};
        int pr = poll(&p, 1, READ_TIMEOUT_MS);
        if (pr == 0) {
            hung = 1;
            break;
        }
        char tmp[65536];
        ssize_t r = recv(fd, tmp, sizeof tmp, 0);
        if (r <= 0) {
            break;
        }
        if (in.len < (8u << 20)) {
            sb_add(&in, tmp, (size_t)r);
        }
        more = parse_answers(&in, &pos, &b, st, &n_final, &b.out);
    }
    close(fd);
    if (getenv("HOSTILE_TRACE") && n_final < b.n_req) {
        char d[200];
        sbuf rest = b.out;
        if (n_final < MAX_REQS && b.n_req > 1) {
            rest.d += b.off[n_final];
            rest.len -= b.off[n_final];
        }
        describe(&rest, d, sizeof d);
        char prev[200] = "";
        if (n_final > 0 && n_final < MAX_REQS) {
            sbuf pr = {b.out.d + b.off[n_final - 1], b.off[n_final] - b.off[n_final - 1], 0};
            describe(&pr, prev, sizeof prev);
        }
        fprintf(stderr,
                "unanswered seed=%llu sent=%zu/%zu answers=%d/%d last=%d after: %s\n  next: %s\n",
                (unsigned long long)seed, off, b.out.len, n_final, b.n_req, last_code, prev, d);
    }
    if (n_final < b.n_req) {
        st->closed_without_answer += (size_t)(b.n_req - n_final);
    }
    if (hung) {
        st->hung++;
        if (!st->hang[0]) {
            describe(&b.out, st->hang, sizeof st->hang);
        }
    }
    for (size_t i = 0; in.len && i < n_canary_tokens + 3; i++) {
        const char *m =
            i < n_canary_tokens ? canary_tokens[i] : passwd_markers[i - n_canary_tokens];
        if (memmem(in.d, in.len, m, strlen(m))) {
            st->leaks++;
            if (!st->leak[0]) {
                char d[200];
                describe(&b.out, d, sizeof d);
                snprintf(st->leak, sizeof st->leak, "%s in the answer to %s", m, d);
            }
        }
    }
    free(in.d);
    free(b.out.d);
}

static void *worker(void *arg)
{
    (void)arg;
    stats *st = calloc(1, sizeof *st);
    for (;;) {
        pthread_mutex_lock(&mu);
        size_t i = next_bundle++;
        pthread_mutex_unlock(&mu);
        if (i >= n_bundles) {
            break;
        }
        run_bundle((uint64_t)i + 1, st);
    }
    pthread_mutex_lock(&mu);
    for (size_t c = 0; c < 600; c++) {
        total.status[c] += st->status[c];
    }
    total.requests += st->requests;
    total.bundles += st->bundles;
    total.answers += st->answers;
    total.closed_without_answer += st->closed_without_answer;
    total.hung += st->hung;
    total.leaks += st->leaks;
    total.other_status += st->other_status;
    total.v505 += st->v505;
    total.fivexx_n += st->fivexx_n;
    if (!total.fivexx[0]) {
        memcpy(total.fivexx, st->fivexx, sizeof total.fivexx);
    }
    if (!total.leak[0]) {
        memcpy(total.leak, st->leak, sizeof total.leak);
    }
    if (!total.hang[0]) {
        memcpy(total.hang, st->hang, sizeof total.hang);
    }
    pthread_mutex_unlock(&mu);
    free(st);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: hostile PORT N_BUNDLES THREADS CANARY_PATH... -- TOKEN...\n");
        return 2;
    }
    port = (unsigned short)atoi(argv[1]);
    n_bundles = (size_t)atol(argv[2]);
    int threads = atoi(argv[3]);
    int i = 4;
    for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (n_canary_paths < 16) {
            canary_paths[n_canary_paths++] = argv[i];
        }
    }
    for (i++; i < argc; i++) {
        if (n_canary_tokens < 16) {
            canary_tokens[n_canary_tokens++] = argv[i];
        }
    }
    if (getenv("HOSTILE_DUMP")) {
        /* Writes bundle N's bytes to stdout, to replay one by hand. */
        bundle b;
        make_bundle((uint64_t)atol(getenv("HOSTILE_DUMP")), &b);
        fwrite(b.out.d, 1, b.out.len, stdout);
        return 0;
    }
    pthread_t th[64];
    if (threads < 1 || threads > 64) {
        threads = 8;
    }
    for (int t = 0; t < threads; t++) {
        pthread_create(&th[t], NULL, worker, NULL);
    }
    for (int t = 0; t < threads; t++) {
        pthread_join(th[t], NULL);
    }
    printf("bundles=%zu\nrequests=%zu\nanswers=%zu\n", total.bundles, total.requests,
           total.answers);
    printf("closed_without_answer=%zu\nhung=%zu\nleaks=%zu\nunparsed_status=%zu\n",
           total.closed_without_answer, total.hung, total.leaks, total.other_status);
    for (int c = 0; c < 600; c++) {
        if (total.status[c]) {
            printf("status %d %zu\n", c, total.status[c]);
        }
    }
    printf("fivexx=%zu\nversion_505=%zu\n", total.fivexx_n, total.v505);
    if (total.fivexx[0]) {
        printf("fivexx_example=%s\n", total.fivexx);
    }
    if (total.leak[0]) {
        printf("leak_example=%s\n", total.leak);
    }
    if (total.hang[0]) {
        printf("hang_example=%s\n", total.hang);
    }
    return 0;
}
