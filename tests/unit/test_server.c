/* The HTTP server, end to end: each test starts the server in-process on 127.0.0.1 port 0 and
 * talks real HTTP/1.1 over a plain socket (a tiny client below). Routes, statuses, content types
 * and hostile inputs are data in tests/cases/server/routes.tsv; the headers that need logic
 * (ETag/304, gzip, Vary, caching, keep-alive, HEAD), the link check over every page, the search
 * cache and the `oomkb serve` command itself are tested in code. */
#include <arpa/inet.h>
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "common/util.h"
#include "server/server.h"
#include "server/server_int.h"

#define ROUTES "tests/cases/server/routes.tsv"

static server *srv;
static unsigned port;

static void start(void)
{
    unsetenv("OOMKB_DB");
    server_opts o;
    memset(&o, 0, sizeof o);
    o.bind = "127.0.0.1";
    o.port = 0;
    o.threads = 2;
    o.quiet = 1;
    server_diag d;
    memset(&d, 0, sizeof d);
    server_status st = server_start(&o, &srv, &d);
    ck_assert_msg(st == SERVER_OK, "server_start: %s", d.message);
    port = server_port(srv);
    ck_assert_uint_ne(port, 0);
}

static void stop(void)
{
    server_stop(srv);
    srv = NULL;
}

/* ---- A tiny HTTP/1.1 client ------------------------------------------------------------ */

typedef struct resp {
    int status;
    char *head; /* status line and headers, NUL-terminated */
    char *body;
    size_t body_len;
} resp;

static void resp_free(resp *r)
{
    free(r->head);
    free(r->body);
    memset(r, 0, sizeof *r);
}

/* The value of header name (case-insensitive), copied into out; NULL when absent. */
static const char *header(const resp *r, const char *name, char *out, size_t out_size)
{
    size_t n = strlen(name);
    for (const char *p = strstr(r->head, "\r\n"); p && p[2]; p = strstr(p + 2, "\r\n")) {
        const char *line = p + 2;
        if (strncasecmp(line, name, n) == 0 && line[n] == ':') {
            const char *v = line + n + 1;
            while (*v == ' ') {
                v++;
            }
            size_t len = strcspn(v, "\r");
            snprintf(out, out_size, "%.*s", (int)len, v);
            return out;
        }
    }
    return NULL;
}

static int connect_local(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(fd, 0);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_msg(connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0, "connect: %s",
                  strerror(errno));
    /* Reads block: a server that does not answer runs into the test case's timeout. */
    return fd;
}

static void send_all(int fd, const char *s, size_t n)
{
    while (n) {
        ssize_t w = send(fd, s, n, MSG_NOSIGNAL);
        ck_assert_msg(w > 0, "send: %s", strerror(errno));
        s += w;
        n -= (size_t)w;
    }
}

/* Reads one response from fd, buffered in *pending across calls (keep-alive). head_only: the
 * request was HEAD or the status has no body. Returns 0, or -1 on EOF before a response. */
static int read_response(int fd, buf *pending, int head_only, resp *out)
{
    memset(out, 0, sizeof *out);
    for (;;) {
        char *end = pending->data ? strstr(pending->data, "\r\n\r\n") : NULL;
        if (end) {
            size_t head_len = (size_t)(end - pending->data) + 2;
            out->head = xstrndup(pending->data, head_len);
            out->status = atoi(out->head + 9);
            char cl[32];
            size_t body_len = 0;
            int no_body = head_only || out->status == 304 || out->status == 204;
            if (!no_body && header(out, "Content-Length", cl, sizeof cl)) {
                body_len = (size_t)strtoul(cl, NULL, 10);
            }
            size_t start = head_len + 2;
            while (pending->len < start + body_len) {
                char tmp[65536];
                ssize_t n = recv(fd, tmp, sizeof tmp, 0);
                ck_assert_msg(n > 0, "connection closed inside a body");
                buf_append(pending, tmp, (size_t)n);
            }
            out->body = xmalloc(body_len + 1);
            memcpy(out->body, pending->data + start, body_len);
            out->body[body_len] = '\0';
            out->body_len = body_len;
            size_t rest = pending->len - start - body_len;
            memmove(pending->data, pending->data + start + body_len, rest);
            pending->len = rest;
            pending->data[rest] = '\0';
            return 0;
        }
        char tmp[65536];
        ssize_t n = recv(fd, tmp, sizeof tmp, 0);
        if (n <= 0) {
            return -1;
        }
        buf_append(pending, tmp, (size_t)n);
    }
}

/* Sends METHOD target with extra headers ("Name: v | Name: v", "" or NULL) and reads the
 * response. */
static resp request(const char *method, const char *target, const char *headers)
{
    buf req = BUF_INIT;
    buf_printf(&req, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n", method, target);
    for (const char *h = headers; h && *h && strcmp(h, "-") != 0;) {
        size_t n = strcspn(h, "|");
        size_t len = n;
        while (len && h[len - 1] == ' ') {
            len--;
        }
        buf_append(&req, h, len);
        buf_puts(&req, "\r\n");
        h += n;
        while (*h == '|' || *h == ' ') {
            h++;
        }
    }
    buf_puts(&req, "Connection: close\r\n\r\n");
    int fd = connect_local();
    send_all(fd, req.data, req.len);
    buf pending = BUF_INIT;
    resp r;
    int rc = read_response(fd, &pending, strcmp(method, "HEAD") == 0, &r);
    ck_assert_msg(rc == 0, "no response to %s %s", method, target);
    close(fd);
    buf_free(&pending);
    buf_free(&req);
    return r;
}

static resp get(const char *target, const char *headers)
{
    return request("GET", target, headers);
}

#define BROWSER "Accept: text/html | User-Agent: Mozilla/5.0 (X11; Linux x86_64)"

/* ---- Routes as data ------------------------------------------------------------------- */

START_TEST(routes_table)
{
    char *data = NULL;
    size_t len = 0;
    ck_assert_int_eq(util_read_file(ROUTES, 0, &data, &len), 0);
    int lineno = 0;
    size_t cases = 0;
    char *save = NULL;
    for (char *line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        lineno++;
        if (!*line || line[0] == '#') {
            continue;
        }
        char *f[7];
        size_t n = 0;
        for (char *p = line; n < 7; n++) {
            f[n] = p;
            char *t = strchr(p, '\t');
            if (!t) {
                n++;
                break;
            }
            *t = '\0';
            p = t + 1;
        }
        ck_assert_msg(n == 7, "%s:%d: want 7 fields, got %zu", ROUTES, lineno, n);
        resp r = request(f[0], f[1], f[2]);
        int want = atoi(f[3]);
        ck_assert_msg(r.status == want, "%s:%d: %s %s: status %d, want %d\n%s%s", ROUTES, lineno,
                      f[0], f[1], r.status, want, r.head, r.body);
        char ct[256];
        if (strcmp(f[4], "-") != 0) {
            ck_assert_msg(header(&r, "Content-Type", ct, sizeof ct) &&
                              strncmp(ct, f[4], strlen(f[4])) == 0,
                          "%s:%d: %s: Content-Type %s, want %s", ROUTES, lineno, f[1],
                          header(&r, "Content-Type", ct, sizeof ct) ? ct : "(none)", f[4]);
        }
        if (strcmp(f[5], "-") != 0) {
            ck_assert_msg(strstr(r.body, f[5]), "%s:%d: %s: body lacks '%s':\n%.600s", ROUTES,
                          lineno, f[1], f[5], r.body);
        }
        if (strcmp(f[6], "-") != 0) {
            ck_assert_msg(!strstr(r.body, f[6]), "%s:%d: %s: body has '%s'", ROUTES, lineno, f[1],
                          f[6]);
        }
        /* Whatever the input: never a 5xx, and the security headers are always there. */
        ck_assert_msg(r.status < 500, "%s:%d: %s: %d", ROUTES, lineno, f[1], r.status);
        if (r.status != 405) {
            ck_assert_msg(header(&r, "X-Content-Type-Options", ct, sizeof ct) &&
                              strcmp(ct, "nosniff") == 0,
                          "%s:%d: no nosniff", ROUTES, lineno);
        }
        if (r.status == 405) {
            /* /api/diagnose takes POST only. */
            const char *allow = strstr(f[1], "/api/diagnose") ? "POST" : "GET, HEAD";
            ck_assert_msg(header(&r, "Allow", ct, sizeof ct) && strcmp(ct, allow) == 0,
                          "%s:%d: 405 without Allow: %s", ROUTES, lineno, allow);
        }
        resp_free(&r);
        cases++;
    }
    ck_assert_uint_gt(cases, 50);
    free(data);
}
END_TEST

/* ---- Hostile queries that do not fit a table line ---------------------------------------- */

START_TEST(hostile_queries)
{
    /* 10 KB of text: never refused; searched by its key terms, and echoed in the box. */
    buf t = BUF_INIT;
    buf_puts(&t, "/api/search?q=");
    for (int i = 0; i < 10 * 1024; i++) {
        buf_putc(&t, i % 7 == 6 ? '+' : 'a');
    }
    resp r = get(t.data, NULL);
    ck_assert_int_eq(r.status, 200);
    json_error_t je;
    json_t *j = json_loads(r.body, 0, &je);
    ck_assert_msg(j != NULL, "body is not JSON: %s", r.body);
    ck_assert_uint_eq(strlen(json_string_value(json_object_get(j, "query"))), 10 * 1024);
    json_decref(j);
    resp_free(&r);
    resp h = get(t.data + 4, BROWSER); /* /search?q=... */
    ck_assert_int_eq(h.status, 200);
    char ct[128];
    ck_assert_str_eq(header(&h, "Content-Type", ct, sizeof ct), SRV_CT_HTML);
    ck_assert_ptr_null(strstr(h.body, "too long"));
    ck_assert_ptr_nonnull(strstr(h.body, "value=\"aaaaaa aaaaaa aaaaaa"));
    resp_free(&h);
    buf_free(&t);

    /* Quotes, FTS5 syntax and lone punctuation: a well-formed JSON answer, never a 5xx. */
    static const char *const odd[] = {"%22",       "%22%22",          "(",         "AND",
                                      "a+OR",      "c%2B%2B",         "don%27t",   "multi-agent",
                                      "*",         "%22unterminated", "NEAR(a+b)", "zoom.us",
                                      "%E2%80%94", "%F0%9F%94%A5",    "M8*",       "--"};
    for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++) {
        char target[128];
        snprintf(target, sizeof target, "/api/search?q=%s", odd[i]);
        resp o = get(target, NULL);
        ck_assert_msg(o.status == 200 || o.status == 400, "%s: %d %s", odd[i], o.status, o.body);
        json_t *oj = json_loads(o.body, 0, &je);
        ck_assert_msg(oj != NULL, "%s: not JSON: %s", odd[i], o.body);
        json_decref(oj);
        resp_free(&o);
    }
}
END_TEST

/* Snippets are escaped before highlighting: a query term never becomes markup. */
START_TEST(snippets_are_safe_html)
{
    resp r = get("/api/search?q=reserved+allocated&limit=5", NULL);
    ck_assert_int_eq(r.status, 200);
    json_error_t je;
    json_t *j = json_loads(r.body, 0, &je);
    ck_assert_ptr_nonnull(j);
    json_t *results = json_object_get(j, "results");
    ck_assert_uint_gt(json_array_size(results), 0);
    for (size_t i = 0; i < json_array_size(results); i++) {
        json_t *hit = json_array_get(results, i);
        const char *plain = json_string_value(json_object_get(hit, "snippet"));
        ck_assert_ptr_nonnull(plain);
        ck_assert_ptr_null(strstr(plain, "<mark>"));
        const char *snip = json_string_value(json_object_get(hit, "snippet_html"));
        ck_assert_ptr_nonnull(snip);
        ck_assert_ptr_nonnull(strstr(snip, "<mark>"));
        /* Only <mark> and </mark> may appear as tags. */
        for (const char *p = strchr(snip, '<'); p; p = strchr(p + 1, '<')) {
            ck_assert_msg(strncmp(p, "<mark>", 6) == 0 || strncmp(p, "</mark>", 7) == 0,
                          "tag in snippet: %s", snip);
        }
        ck_assert_ptr_null(strchr(snip, '\x01'));
    }
    json_decref(j);
    resp_free(&r);
}
END_TEST

/* ---- Headers ------------------------------------------------------------------------------ */

START_TEST(security_and_cache_headers)
{
    resp r = get("/M8", BROWSER);
    ck_assert_int_eq(r.status, 200);
    char v[512];
    ck_assert_str_eq(header(&r, "Content-Type", v, sizeof v), "text/html; charset=utf-8");
    ck_assert_str_eq(header(&r, "Content-Security-Policy", v, sizeof v), SRV_CSP);
    ck_assert_str_eq(header(&r, "X-Content-Type-Options", v, sizeof v), "nosniff");
    ck_assert_str_eq(header(&r, "Referrer-Policy", v, sizeof v), "no-referrer");
    ck_assert_str_eq(header(&r, "Cache-Control", v, sizeof v), "no-cache");
    ck_assert_str_eq(header(&r, "Vary", v, sizeof v), "Accept, User-Agent, Accept-Encoding");
    ck_assert_ptr_nonnull(header(&r, "ETag", v, sizeof v));
    ck_assert_msg(v[0] == '"' && v[strlen(v) - 1] == '"', "ETag not strong: %s", v);
    /* The CSP is satisfiable: no inline script, style or event handler on the page. */
    ck_assert_ptr_null(strstr(r.body, "<script>"));
    ck_assert_ptr_null(strstr(r.body, "<style"));
    ck_assert_ptr_null(strstr(r.body, " style="));
    ck_assert_ptr_null(strstr(r.body, " onclick="));
    resp_free(&r);

    resp a = get("/api/search?q=zero", NULL);
    ck_assert_str_eq(header(&a, "Content-Type", v, sizeof v), "application/json; charset=utf-8");
    ck_assert_str_eq(header(&a, "Vary", v, sizeof v), "Accept-Encoding");
    ck_assert_ptr_null(header(&a, "Content-Security-Policy", v, sizeof v));
    ck_assert_ptr_nonnull(header(&a, "ETag", v, sizeof v));
    resp_free(&a);
}
END_TEST

START_TEST(etag_and_not_modified)
{
    static const char *const targets[] = {
        "/M8", "/", "/api/entries/M8", "/api/search?q=lora", "/search?q=snapshot", "/M8.md"};
    for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++) {
        resp r = get(targets[i], BROWSER);
        ck_assert_int_eq(r.status, 200);
        char etag[128];
        ck_assert_msg(header(&r, "ETag", etag, sizeof etag), "%s: no ETag", targets[i]);

        char h[512];
        snprintf(h, sizeof h, BROWSER " | If-None-Match: %s", etag);
        resp nm = get(targets[i], h);
        ck_assert_msg(nm.status == 304, "%s: If-None-Match gave %d", targets[i], nm.status);
        ck_assert_uint_eq(nm.body_len, 0);
        char etag2[128];
        ck_assert_str_eq(header(&nm, "ETag", etag2, sizeof etag2), etag);
        char v[128];
        ck_assert_ptr_nonnull(header(&nm, "Cache-Control", v, sizeof v));
        resp_free(&nm);

        /* Weak comparison, lists and '*' match too; another tag does not. */
        snprintf(h, sizeof h, BROWSER " | If-None-Match: \"nope\", W/%s", etag);
        nm = get(targets[i], h);
        ck_assert_int_eq(nm.status, 304);
        resp_free(&nm);
        nm = get(targets[i], BROWSER " | If-None-Match: *");
        ck_assert_int_eq(nm.status, 304);
        resp_free(&nm);
        nm = get(targets[i], BROWSER " | If-None-Match: \"2ad6cd02-0000000000000000\"");
        ck_assert_int_eq(nm.status, 200);
        resp_free(&nm);
        resp_free(&r);
    }
    /* Different representations of one URL have different ETags. */
    resp html = get("/M8", BROWSER);
    resp text = get("/M8", "User-Agent: curl/8.0");
    char e1[128];
    char e2[128];
    ck_assert_str_ne(header(&html, "ETag", e1, sizeof e1), header(&text, "ETag", e2, sizeof e2));
    resp_free(&html);
    resp_free(&text);
}
END_TEST

static char *gunzip(const char *in, size_t n, size_t *out_len)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    ck_assert_int_eq(inflateInit2(&z, 15 + 16), Z_OK);
    size_t cap = n * 20 + 1024;
    char *out = xmalloc(cap);
    z.next_in = (Bytef *)(uintptr_t)in;
    z.avail_in = (uInt)n;
    z.next_out = (Bytef *)out;
    z.avail_out = (uInt)cap;
    ck_assert_int_eq(inflate(&z, Z_FINISH), Z_STREAM_END);
    *out_len = z.total_out;
    inflateEnd(&z);
    return out;
}

START_TEST(gzip_when_accepted)
{
    static const char *const targets[] = {"/M8",
                                          "/",
                                          "/api/entries",
                                          "/search?q=checkpoint",
                                          "/api/search?q=checkpoint&limit=20",
                                          "/static/app.js"};
    for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++) {
        resp plain = get(targets[i], BROWSER);
        resp gz = get(targets[i], BROWSER " | Accept-Encoding: gzip, deflate, br");
        char v[128];
        ck_assert_msg(header(&gz, "Content-Encoding", v, sizeof v) && strcmp(v, "gzip") == 0,
                      "%s: not gzipped", targets[i]);
        ck_assert_ptr_nonnull(strstr(header(&gz, "Vary", v, sizeof v), "Accept-Encoding"));
        ck_assert_ptr_null(header(&plain, "Content-Encoding", v, sizeof v));
        ck_assert_uint_lt(gz.body_len, plain.body_len);
        size_t n = 0;
        char *inflated = gunzip(gz.body, gz.body_len, &n);
        ck_assert_uint_eq(n, plain.body_len);
        ck_assert_int_eq(memcmp(inflated, plain.body, n), 0);
        free(inflated);
        /* The gzip variant has its own strong ETag, and revalidates with it. */
        char e1[128];
        char e2[128];
        ck_assert_str_ne(header(&gz, "ETag", e1, sizeof e1), header(&plain, "ETag", e2, sizeof e2));
        char h[512];
        snprintf(h, sizeof h, BROWSER " | Accept-Encoding: gzip | If-None-Match: %s", e1);
        resp nm = get(targets[i], h);
        ck_assert_int_eq(nm.status, 304);
        ck_assert_str_eq(header(&nm, "ETag", e2, sizeof e2), e1);
        resp_free(&nm);
        /* q=0 refuses gzip. */
        resp no = get(targets[i], BROWSER " | Accept-Encoding: gzip;q=0, identity");
        ck_assert_ptr_null(header(&no, "Content-Encoding", v, sizeof v));
        resp_free(&no);
        resp_free(&plain);
        resp_free(&gz);
    }
}
END_TEST

START_TEST(fingerprinted_assets_are_immutable)
{
    resp home = get("/", BROWSER);
    static const char *const names[] = {"app", "style", "icon"};
    for (size_t i = 0; i < 3; i++) {
        char pat[32];
        snprintf(pat, sizeof pat, "/static/%s.", names[i]);
        const char *p = strstr(home.body, pat);
        ck_assert_msg(p, "home page does not link %s", pat);
        size_t n = strcspn(p, "\"");
        char *url = xstrndup(p, n);
        resp a = get(url, NULL);
        ck_assert_int_eq(a.status, 200);
        char v[128];
        ck_assert_str_eq(header(&a, "Cache-Control", v, sizeof v),
                         "public, max-age=31536000, immutable");
        /* The plain name serves the same bytes, revalidated. */
        const char *dot = strchr(url + 8, '.');
        char plain[64];
        snprintf(plain, sizeof plain, "/static/%.*s%s", (int)(dot - url - 8), url + 8,
                 strrchr(url, '.'));
        resp b = get(plain, NULL);
        ck_assert_int_eq(b.status, 200);
        ck_assert_str_eq(header(&b, "Cache-Control", v, sizeof v), "no-cache");
        ck_assert_uint_eq(a.body_len, b.body_len);
        ck_assert_int_eq(memcmp(a.body, b.body, a.body_len), 0);
        /* A stale fingerprint is not found. */
        char stale[96];
        snprintf(stale, sizeof stale, "/static/%s.0000000000%s", names[i], strrchr(url, '.'));
        resp s = get(stale, NULL);
        ck_assert_int_eq(s.status, 404);
        resp_free(&s);
        resp_free(&a);
        resp_free(&b);
        free(url);
    }
    resp_free(&home);
}
END_TEST

START_TEST(head_has_headers_without_body)
{
    static const char *const targets[] = {"/M8", "/api/search?q=lora", "/nope", "/static/app.js"};
    for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++) {
        resp g = get(targets[i], BROWSER);
        resp h = request("HEAD", targets[i], BROWSER);
        ck_assert_int_eq(h.status, g.status);
        char v[64];
        ck_assert_ptr_nonnull(header(&h, "Content-Length", v, sizeof v));
        ck_assert_uint_eq(strtoul(v, NULL, 10), g.body_len);
        ck_assert_uint_eq(h.body_len, 0);
        resp_free(&g);
        resp_free(&h);
    }
}
END_TEST

/* The libmicrohttpd 0.9.75 trap: answering on the first handler call closes the connection.
 * Three requests on one connection must all be answered, none with Connection: close. */
START_TEST(keep_alive)
{
    int fd = connect_local();
    static const char req[] = "GET /M8 HTTP/1.1\r\nHost: x\r\nAccept: text/html\r\n\r\n"
                              "GET /api/search?q=zero HTTP/1.1\r\nHost: x\r\n\r\n"
                              "HEAD /M9 HTTP/1.1\r\nHost: x\r\n\r\n";
    send_all(fd, req, sizeof req - 1);
    buf pending = BUF_INIT;
    for (int i = 0; i < 3; i++) {
        resp r;
        ck_assert_int_eq(read_response(fd, &pending, i == 2, &r), 0);
        ck_assert_int_eq(r.status, 200);
        char v[64];
        const char *conn = header(&r, "Connection", v, sizeof v);
        ck_assert_msg(!conn || strcasecmp(conn, "close") != 0, "request %d closed the connection",
                      i);
        resp_free(&r);
    }
    buf_free(&pending);
    close(fd);
}
END_TEST

/* ---- Every link on every page resolves ------------------------------------------------ */

static void check_links(const char *page, const char *body, size_t *n_checked)
{
    for (const char *p = strstr(body, "href=\""); p; p = strstr(p + 6, "href=\"")) {
        const char *v = p + 6;
        size_t n = strcspn(v, "\"#");
        if (n == 0 || strncmp(v, "http", 4) == 0) {
            continue;
        }
        char target[512];
        if (v[0] == '/') {
            snprintf(target, sizeof target, "%.*s", (int)n, v);
        } else {
            /* Relative (entry bodies link "M16"): resolve against the page's folder. */
            const char *slash = strrchr(page, '/');
            snprintf(target, sizeof target, "%.*s%.*s", (int)(slash - page + 1), page, (int)n, v);
        }
        for (char *a = strstr(target, "&amp;"); a; a = strstr(a, "&amp;")) {
            memmove(a + 1, a + 5, strlen(a + 5) + 1);
        }
        resp r = get(target, BROWSER);
        ck_assert_msg(r.status == 200, "%s links %s: %d", page, target, r.status);
        resp_free(&r);
        (*n_checked)++;
    }
}

START_TEST(every_link_resolves)
{
    resp list = get("/api/entries", NULL);
    json_error_t je;
    json_t *j = json_loads(list.body, 0, &je);
    ck_assert_ptr_nonnull(j);
    json_t *entries = json_object_get(j, "entries");
    ck_assert_uint_ge(json_array_size(entries), 20);
    size_t n_checked = 0;
    resp home = get("/", BROWSER);
    check_links("/", home.body, &n_checked);
    resp_free(&home);
    for (size_t i = 0; i < json_array_size(entries); i++) {
        const char *id = json_string_value(json_object_get(json_array_get(entries, i), "id"));
        char page[64];
        snprintf(page, sizeof page, "/%s", id);
        resp r = get(page, BROWSER);
        ck_assert_int_eq(r.status, 200);
        check_links(page, r.body, &n_checked);
        resp_free(&r);
        snprintf(page, sizeof page, "/entries/%s", id);
        r = get(page, BROWSER);
        check_links(page, r.body, &n_checked);
        resp_free(&r);
        /* The API entry carries what the issue promises. */
        snprintf(page, sizeof page, "/api/entries/%s", id);
        r = get(page, NULL);
        json_t *e = json_loads(r.body, 0, &je);
        ck_assert_msg(e, "%s: not JSON", page);
        static const char *const keys[] = {
            "id",         "title",         "section", "markdown",           "html",
            "references", "referenced_by", "lines",   "external_references"};
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
            ck_assert_msg(json_object_get(e, keys[k]), "%s lacks %s", page, keys[k]);
        }
        ck_assert_int_gt(json_integer_value(json_object_get(json_object_get(e, "lines"), "start")),
                         0);
        json_decref(e);
        resp_free(&r);
    }
    ck_assert_uint_gt(n_checked, 100);
    json_decref(j);
    resp_free(&list);
}
END_TEST

/* Entry pages: backlinks, previous/next, source lines, external references as plain text. */
START_TEST(entry_page_parts)
{
    resp r = get("/M8", BROWSER);
    ck_assert_ptr_nonnull(strstr(r.body, "<h2>Referenced by</h2>"));
    ck_assert_ptr_nonnull(strstr(r.body, "rel=\"prev\""));
    ck_assert_ptr_nonnull(strstr(r.body, "href=\"/M7\" rel=\"prev\""));
    ck_assert_ptr_nonnull(strstr(r.body, "href=\"/M9\" rel=\"next\""));
    ck_assert_ptr_nonnull(strstr(r.body, "lines 131"));
    /* U10 is compiled in (kb/gotchas-memory.md): a link, not an external reference. */
    ck_assert_ptr_nonnull(strstr(r.body, "href=\"U10\""));
    ck_assert_ptr_null(strstr(r.body, "href=\"gotchas"));
    resp_free(&r);
    /* U21 of the outside document is not compiled in: it links to the document's public source
     * and says it is outside the knowledge base. */
    r = get("/U41", BROWSER);
    ck_assert_ptr_nonnull(strstr(r.body, "href=\"https://github.com/sickn33/agentic-awesome-skills/"
                                         "blob/e66fc833f2022c3534ba74af835db14c34f9a732/skills/"
                                         "remote-gpu-trainer/references/gotchas_universal.md\""));
    ck_assert_ptr_nonnull(strstr(r.body, "(outside this knowledge base; its public source)"));
    ck_assert_ptr_null(strstr(r.body, "href=\"U21\""));
    resp_free(&r);
    /* A document with no known source is said to be outside, without a link. */
    resp m9 = get("/M9", BROWSER);
    ck_assert_ptr_nonnull(strstr(m9.body, "references/multinode.md</span> <span class=\"note\">"
                                          "(outside this knowledge base)"));
    resp_free(&m9);
    /* The first entry has no previous one, the last no next one. */
    resp first = get("/M1", BROWSER);
    ck_assert_ptr_null(strstr(first.body, "rel=\"prev\""));
    resp_free(&first);
}
END_TEST

/* The API's entry and search JSON are the kb module's, byte for byte: one schema for the
 * shell and the server. */
START_TEST(api_json_is_the_kb_schema)
{
    kb *k = NULL;
    ck_assert_int_eq(kb_open_embedded(&k, NULL), KB_OK);
    kb_entry *e = NULL;
    ck_assert_int_eq(kb_entry_get(k, "M8", &e, NULL), KB_OK);
    char *want = kb_entry_json(k, e, "", 1);
    resp r = get("/api/entries/M8", NULL);
    ck_assert_int_eq(r.status, 200);
    ck_assert_msg(strncmp(r.body, want, strlen(want)) == 0 && !strcmp(r.body + strlen(want), "\n"),
                  "API entry JSON differs from kb_entry_json:\n%s\n---\n%s", r.body, want);
    resp_free(&r);
    free(want);
    kb_entry_free(e);
    kb_results *res = NULL;
    kb_search_opts o = {10, 0, 0, 0, 0};
    ck_assert_int_eq(kb_search(k, "fragmantation", &o, &res, NULL), KB_OK);
    want = kb_results_json(res, "fragmantation", 10, "");
    r = get("/api/search?q=fragmantation", NULL);
    ck_assert_msg(strncmp(r.body, want, strlen(want)) == 0, "API search JSON differs:\n%s\n%s",
                  r.body, want);
    ck_assert_ptr_nonnull(strstr(r.body, "\"note\":\"showing results for fragmentation; "
                                         "search instead for fragmantation\""));
    resp_free(&r);
    free(want);
    kb_results_free(res);
    kb_close(k);
}
END_TEST

/* ---- Search cache --------------------------------------------------------------------- */

static void *search_worker(void *arg)
{
    static const char *const qs[] = {"lora",       "zero",       "validation", "snapshot",
                                     "expandable", "checkpoint", "bf16",       "offload"};
    size_t id = (size_t)(uintptr_t)arg;
    for (size_t i = 0; i < 40; i++) {
        char t[128];
        snprintf(t, sizeof t, "/api/search?q=%s&limit=%zu", qs[(i + id) % 8], 1 + (i % 3));
        resp r = get(t, NULL);
        if (r.status != 200 || !strstr(r.body, "\"results\"")) {
            resp_free(&r);
            return (void *)1;
        }
        resp_free(&r);
    }
    return NULL;
}

START_TEST(concurrent_searches)
{
    pthread_t th[4];
    for (size_t i = 0; i < 4; i++) {
        ck_assert_int_eq(pthread_create(&th[i], NULL, search_worker, (void *)(uintptr_t)i), 0);
    }
    for (size_t i = 0; i < 4; i++) {
        void *ret = NULL;
        pthread_join(th[i], &ret);
        ck_assert_ptr_null(ret);
    }
}
END_TEST

/* The route layer without sockets: the same normalised query is rendered once. */
START_TEST(search_cache_hits)
{
    srv_site *s = NULL;
    char err[256] = "";
    ck_assert_msg(srv_site_new(NULL, 1, NULL, &s, err, sizeof err) == SRV_OK, "%s", err);
    srv_request req = {"GET", "/api/search?q=expandable", NULL, NULL, NULL, NULL, NULL, NULL, 0, 0};
    srv_answer a1;
    srv_answer a2;
    srv_answer a3;
    srv_route(s, &req, &a1);
    req.target = "/api/search?q=++expandable+++";
    srv_route(s, &req, &a2);
    req.target = "/api/search?q=expandable&limit=3";
    srv_route(s, &req, &a3);
    ck_assert_int_eq(a1.rep->status, 200);
    ck_assert_ptr_eq(a1.rep, a2.rep);
    ck_assert_ptr_ne(a1.rep, a3.rep);
    size_t hits = 0;
    size_t misses = 0;
    size_t entries = 0;
    srv_cache_stats(s->cache, &hits, &misses, &entries);
    ck_assert_uint_eq(hits, 1);
    ck_assert_uint_eq(misses, 2);
    ck_assert_uint_eq(entries, 2);
    srv_answer_release(s, &a1);
    srv_answer_release(s, &a2);
    srv_answer_release(s, &a3);
    srv_site_free(s);
}
END_TEST

static int unref_calls;
static void count_unref(void *ud, srv_rep *r)
{
    (void)ud;
    unref_calls++;
    free(r->body);
    free(r);
}

START_TEST(search_cache_is_bounded)
{
    unref_calls = 0;
    srv_cache *c = srv_cache_new(3, 0, count_unref, NULL);
    for (int i = 0; i < 10; i++) {
        srv_rep *r = xcalloc(1, sizeof *r);
        r->body = xstrdup("x");
        r->len = 1;
        atomic_init(&r->refs, 0);
        char key[16];
        snprintf(key, sizeof key, "k%d", i);
        srv_cache_put(c, key, strlen(key), r);
    }
    size_t hits;
    size_t misses;
    size_t entries;
    srv_cache_stats(c, &hits, &misses, &entries);
    ck_assert_uint_eq(entries, 3);
    ck_assert_int_eq(unref_calls, 7);
    /* Least recently used goes first: touching k7 keeps it over k8. */
    srv_rep *r7 = srv_cache_get(c, "k7", 2);
    ck_assert_ptr_nonnull(r7);
    ck_assert_ptr_null(srv_cache_get(c, "k6", 2));
    srv_rep *r = xcalloc(1, sizeof *r);
    r->body = xstrdup("y");
    srv_cache_put(c, "k10", 3, r);
    ck_assert_ptr_null(srv_cache_get(c, "k8", 2));
    ck_assert_ptr_nonnull(srv_cache_get(c, "k7", 2));
    srv_cache_free(c);
    ck_assert_int_eq(unref_calls, 11);
}
END_TEST

/* ---- Start-up errors and the command -------------------------------------------------- */

START_TEST(port_in_use_and_bad_db)
{
    server_opts o;
    memset(&o, 0, sizeof o);
    o.bind = "127.0.0.1";
    o.port = port;
    o.quiet = 1;
    server *other = NULL;
    server_diag d;
    memset(&d, 0, sizeof d);
    ck_assert_int_eq(server_start(&o, &other, &d), SERVER_ERR_BIND);
    ck_assert_msg(strstr(d.message, "in use"), "message: %s", d.message);
    ck_assert_ptr_null(other);

    o.port = 0;
    o.db_path = "tests/cases/server/routes.tsv"; /* a file that is not a KB */
    ck_assert_int_eq(server_start(&o, &other, &d), SERVER_ERR_KB);
    o.db_path = "/nonexistent/kb.sqlite";
    ck_assert_int_eq(server_start(&o, &other, &d), SERVER_ERR_KB);
    ck_assert_ptr_null(other);
}
END_TEST

/* Runs `oomkb serve ARGS`; returns the pid, with its stdout and stderr as pipes. */
static pid_t spawn_serve(const char *const *args, int *out_fd, int *err_fd)
{
    int o[2];
    int e[2];
    ck_assert_int_eq(pipe(o), 0);
    ck_assert_int_eq(pipe(e), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        dup2(o[1], 1);
        dup2(e[1], 2);
        close(o[0]);
        close(e[0]);
        const char *argv[16] = {OOMKB_BIN, "serve"};
        size_t n = 2;
        for (; args[n - 2] && n < 15; n++) {
            argv[n] = args[n - 2];
        }
        argv[n] = NULL;
        execv(OOMKB_BIN, (char *const *)argv);
        _exit(127);
    }
    close(o[1]);
    close(e[1]);
    *out_fd = o[0];
    *err_fd = e[0];
    return pid;
}

/* Reads fd until needle appears or EOF; blocks (the test case's timeout bounds it). */
static size_t read_until(int fd, buf *b, const char *needle)
{
    while (!(b->data && strstr(b->data, needle))) {
        char tmp[4096];
        ssize_t n = read(fd, tmp, sizeof tmp);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        buf_append(b, tmp, (size_t)n);
    }
    return b->len;
}

/* The exit status of pid (128 + signal when killed); blocks, bounded by the test's timeout. */
static int wait_exit(pid_t pid)
{
    int st = 0;
    while (waitpid(pid, &st, 0) < 0) {
        if (errno != EINTR) {
            return -1;
        }
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

START_TEST(serve_command)
{
    /* Prints its URL, logs in common log format, stops cleanly on SIGTERM with status 0. */
    const char *args[] = {"--port", "0", "--threads", "2", NULL};
    int out_fd;
    int err_fd;
    pid_t pid = spawn_serve(args, &out_fd, &err_fd);
    buf out = BUF_INIT;
    read_until(out_fd, &out, "/ (");
    ck_assert_msg(out.data && strstr(out.data, "http://127.0.0.1:"), "stdout: %s",
                  out.data ? out.data : "");
    unsigned saved = port;
    port = (unsigned)atoi(strstr(out.data, "127.0.0.1:") + 10);
    resp r = get("/M8?x=%22", "User-Agent: curl/8");
    ck_assert_int_eq(r.status, 200);
    resp_free(&r);
    port = saved;
    buf err = BUF_INIT;
    read_until(err_fd, &err, "\n");
    ck_assert_msg(err.data && strstr(err.data, "127.0.0.1 - - [") &&
                      strstr(err.data, "] \"GET /M8?x=%22 HTTP/1.1\" 200 "),
                  "access log: %s", err.data ? err.data : "");
    kill(pid, SIGTERM);
    ck_assert_int_eq(wait_exit(pid), 0);
    close(out_fd);
    close(err_fd);
    buf_free(&out);
    buf_free(&err);

    /* A port in use and a bad --db are usage errors: exit 2 with a message. */
    char port_str[16];
    snprintf(port_str, sizeof port_str, "%u", port);
    const char *busy[] = {"--port", port_str, NULL};
    const char *bad_db[] = {"--port", "0", "--db", "/nonexistent/kb.sqlite", NULL};
    const char *bad_opt[] = {"--threads", "zero", NULL};
    const char *const *cases[] = {busy, bad_db, bad_opt};
    static const char *const want[] = {"in use", "kb.sqlite", "--threads"};
    for (size_t i = 0; i < 3; i++) {
        pid = spawn_serve(cases[i], &out_fd, &err_fd);
        buf e = BUF_INIT;
        read_until(err_fd, &e, want[i]);
        ck_assert_int_eq(wait_exit(pid), 2);
        ck_assert_msg(e.data && strstr(e.data, want[i]), "case %zu stderr: %s", i,
                      e.data ? e.data : "");
        buf_free(&e);
        close(out_fd);
        close(err_fd);
    }
}
END_TEST

/* ---- A burst of ready connections ------------------------------------------------------ */

/* The length of the listening socket's accept queue (/proc/net/tcp: rx_queue of the LISTEN
 * row for the port). */
static unsigned accept_backlog(unsigned listen_port)
{
    FILE *f = fopen("/proc/net/tcp", "r");
    ck_assert_ptr_nonnull(f);
    char line[512];
    unsigned backlog = 0;
    while (fgets(line, sizeof line, f)) {
        unsigned lport = 0, st = 0, tx = 0, rx = 0;
        if (sscanf(line, " %*u: %*x:%x %*x:%*x %x %x:%x", &lport, &st, &tx, &rx) == 4 &&
            lport == listen_port && st == 0x0A) {
            backlog = rx;
        }
    }
    fclose(f);
    return backlog;
}

/* True when every thread of pid sleeps (state S in /proc/PID/task/T/stat). */
static int all_threads_sleep(pid_t pid)
{
    char dir[64];
    snprintf(dir, sizeof dir, "/proc/%d/task", (int)pid);
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    int sleeping = 1;
    for (struct dirent *e; sleeping && (e = readdir(d));) {
        if (e->d_name[0] == '.') {
            continue;
        }
        char path[400];
        snprintf(path, sizeof path, "%s/%s/stat", dir, e->d_name);
        FILE *f = fopen(path, "r");
        char line[512] = "";
        if (f) {
            if (fgets(line, sizeof line, f)) {
                const char *paren = strrchr(line, ')');
                sleeping = paren && paren[1] == ' ' && paren[2] == 'S';
            }
            fclose(f);
        }
    }
    closedir(d);
    return sleeping;
}

static void pause_ms(long ms)
{
    struct timespec ts = {0, ms * 1000000L};
    nanosleep(&ts, NULL);
}

/* `others` idle connections send their request while the server is stopped (SIGSTOP), so that
 * all of them are ready at once when it goes on. libmicrohttpd's own loop (0.9.75-0.9.77)
 * answered none of them when exactly 128 were ready, until the next event or the idle timeout
 * (600 s here): the test then runs into the test case's timeout instead of reading answers. */
static void burst(int others)
{
    const char *args[] = {"--port", "0", "--threads", "1", "--timeout", "600", "--quiet", NULL};
    int out_fd = -1, err_fd = -1;
    pid_t pid = spawn_serve(args, &out_fd, &err_fd);
    buf out = BUF_INIT;
    read_until(out_fd, &out, "\n");
    const char *url = out.data ? strstr(out.data, "http://127.0.0.1:") : NULL;
    ck_assert_msg(url != NULL, "no URL from oomkb serve");
    port = (unsigned)atoi(url + strlen("http://127.0.0.1:"));

    static const char req[] = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    int *fd = xcalloc((size_t)others, sizeof *fd);
    for (int i = 0; i < others; i++) {
        fd[i] = connect_local();
    }
    /* Every connection accepted and the server idle (five looks in a row), then stopped. */
    for (int quiet = 0; quiet < 5;) {
        quiet = accept_backlog(port) == 0 && all_threads_sleep(pid) ? quiet + 1 : 0;
        pause_ms(2);
    }
    ck_assert_int_eq(kill(pid, SIGSTOP), 0);
    int st = 0;
    ck_assert_int_eq(waitpid(pid, &st, WUNTRACED), pid);
    ck_assert(WIFSTOPPED(st));
    for (int i = 0; i < others; i++) {
        send_all(fd[i], req, sizeof req - 1);
    }
    ck_assert_int_eq(kill(pid, SIGCONT), 0);
    for (int i = 0; i < others; i++) {
        buf pending = BUF_INIT;
        resp r;
        ck_assert_msg(read_response(fd[i], &pending, 0, &r) == 0, "connection %d of %d: no answer",
                      i, others);
        ck_assert_int_eq(r.status, 200);
        resp_free(&r);
        buf_free(&pending);
        close(fd[i]);
    }
    free(fd);
    buf_free(&out);
    kill(pid, SIGTERM);
    ck_assert_int_eq(wait_exit(pid), 0);
    close(out_fd);
    close(err_fd);
}

/* 128 ready at once (the library's batch), and either side of it. */
START_TEST(burst_of_ready_connections)
{
    static const int counts[] = {128, 127, 129, 256};
    burst(counts[_i]);
}
END_TEST

/* ---- The OOM doctor on the web ---------------------------------------------------------- */

static const char *const OOM_MSG =
    "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 20.00 MiB. GPU 0 has a total "
    "capacity of 23.65 GiB of which 15.06 MiB is free. Including non-PyTorch memory, this process "
    "has 23.62 GiB memory in use. Of the allocated memory 20.53 GiB is allocated by PyTorch, and "
    "2.64 GiB is reserved by PyTorch but unallocated.";

/* Sends req over a fresh connection and reads the one response. */
static resp exchange(const buf *req)
{
    int fd = connect_local();
    send_all(fd, req->data, req->len);
    buf pending = BUF_INIT;
    resp r;
    ck_assert_int_eq(read_response(fd, &pending, 0, &r), 0);
    close(fd);
    buf_free(&pending);
    return r;
}

/* A POST with a body over a fresh connection. */
static resp post(const char *target, const char *ctype, const char *body, size_t len)
{
    buf req = BUF_INIT;
    buf_printf(&req,
               "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: %s\r\nContent-Length: "
               "%zu\r\nAccept: text/html\r\nUser-Agent: Mozilla/5.0\r\nConnection: close\r\n\r\n",
               target, ctype, len);
    buf_append(&req, body, len);
    resp r = exchange(&req);
    buf_free(&req);
    return r;
}

/* A POST that declares len bytes and, as curl does for large bodies, waits for the server's
 * "100 Continue" before sending them: the server answers a body over the limit at once, and
 * a client that sent the body anyway would race the server's close (EPIPE or a reset). */
static resp post_expecting_continue(const char *target, const char *ctype, size_t len)
{
    buf req = BUF_INIT;
    buf_printf(&req,
               "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: %s\r\nContent-Length: "
               "%zu\r\nExpect: 100-continue\r\nUser-Agent: curl/8.0.1\r\nConnection: "
               "close\r\n\r\n",
               target, ctype, len);
    resp r = exchange(&req);
    buf_free(&req);
    return r;
}

START_TEST(diagnose_page_and_api)
{
    /* The page works without JavaScript: a form that POSTs to itself. */
    resp r = get("/diagnose", BROWSER);
    ck_assert_int_eq(r.status, 200);
    ck_assert_ptr_nonnull(strstr(r.body, "<form class=\"diagnose-form\" action=\"/diagnose\" "
                                         "method=\"post\">"));
    ck_assert_ptr_nonnull(strstr(r.body, "<textarea id=\"log\" name=\"log\""));
    resp_free(&r);
    buf form = BUF_INIT;
    buf_puts(&form, "log=");
    srv_url_encode(&form, OOM_MSG);
    r = post("/diagnose", "application/x-www-form-urlencoded", form.data, form.len);
    ck_assert_int_eq(r.status, 200);
    ck_assert_ptr_nonnull(
        strstr(r.body, "<section class=\"diagnosis\" data-verdict=\"fragmentation\">"));
    ck_assert_ptr_nonnull(strstr(r.body, "href=\"/M8\">M8 — expandable_segments:True"));
    ck_assert_ptr_nonnull(
        strstr(r.body, "Tried to allocate 20.00 MiB. GPU 0 has")); /* kept in the box */
    resp_free(&r);
    buf_free(&form);
    /* The API: a raw body in, JSON out; also with curl's default form content type. */
    static const char *const ctypes[] = {"text/plain", "application/x-www-form-urlencoded"};
    for (int i = 0; i < 2; i++) {
        r = post("/api/diagnose", ctypes[i], OOM_MSG, strlen(OOM_MSG));
        ck_assert_int_eq(r.status, 200);
        json_t *j = json_loads(r.body, 0, NULL);
        ck_assert_ptr_nonnull(j);
        json_t *ev = json_array_get(json_object_get(j, "events"), 0);
        ck_assert_str_eq(json_string_value(json_object_get(json_object_get(ev, "verdict"), "id")),
                         "fragmentation");
        ck_assert_str_eq(json_string_value(json_object_get(
                             json_array_get(json_object_get(ev, "entries"), 0), "url")),
                         "/M8");
        json_decref(j);
        resp_free(&r);
    }
    /* Nothing to diagnose is a 200 with no events; 1 MiB is taken, one byte more is a 413. */
    char *big = xmalloc(SRV_MAX_BODY + 2);
    memset(big, 'x', SRV_MAX_BODY + 1);
    big[SRV_MAX_BODY + 1] = '\0';
    r = post("/api/diagnose", "text/plain", big, SRV_MAX_BODY);
    ck_assert_int_eq(r.status, 200);
    ck_assert_ptr_nonnull(strstr(r.body, "\"events\": []"));
    resp_free(&r);
    r = post_expecting_continue("/api/diagnose", "text/plain", SRV_MAX_BODY + 1);
    ck_assert_int_eq(r.status, 413);
    ck_assert_ptr_nonnull(strstr(r.body, "over 1 MiB"));
    resp_free(&r);
    free(big);
    /* POST elsewhere is still a 405; GET on the API says how to use it. */
    r = post("/M8", "text/plain", "x", 1);
    ck_assert_int_eq(r.status, 405);
    resp_free(&r);
    r = get("/api/diagnose", NULL);
    ck_assert_int_eq(r.status, 405);
    resp_free(&r);
}
END_TEST

/* A pasted OOM message in the search box: the diagnosis card above the results, the query kept
 * in the box; the API carries it as "diagnosis". */
START_TEST(search_shows_the_diagnosis)
{
    buf t = BUF_INIT;
    buf_puts(&t, "/search?q=");
    srv_url_encode(&t, OOM_MSG);
    resp r = get(t.data, BROWSER);
    ck_assert_int_eq(r.status, 200);
    const char *card = strstr(r.body, "<section class=\"diagnosis\"");
    const char *hits = strstr(r.body, "<ol class=\"hits");
    ck_assert_ptr_nonnull(card);
    ck_assert_msg(!hits || card < hits, "the card is not above the results");
    ck_assert_ptr_nonnull(strstr(r.body, "value=\"torch.OutOfMemoryError: CUDA out of memory."));
    ck_assert_ptr_null(strstr(r.body, "too long"));
    resp_free(&r);
    buf_free(&t);
    buf_puts(&t, "/api/search?q=");
    srv_url_encode(&t, OOM_MSG);
    r = get(t.data, NULL);
    ck_assert_int_eq(r.status, 200);
    json_t *j = json_loads(r.body, 0, NULL);
    ck_assert_ptr_nonnull(j);
    json_t *d = json_object_get(j, "diagnosis");
    ck_assert_ptr_nonnull(d);
    ck_assert_ptr_nonnull(
        strstr(json_string_value(json_object_get(d, "html")), "Verdict: fragmentation"));
    ck_assert_int_gt(json_integer_value(json_object_get(j, "count")), 0);
    json_decref(j);
    resp_free(&r);
    buf_free(&t);
}
END_TEST

Suite *suite_server(void);

Suite *suite_server(void)
{
    Suite *s = suite_create("server");
    TCase *http = tcase_create("http");
    tcase_add_checked_fixture(http, start, stop);
    tcase_set_timeout(http, 60);
    tcase_add_test(http, routes_table);
    tcase_add_test(http, hostile_queries);
    tcase_add_test(http, diagnose_page_and_api);
    tcase_add_test(http, search_shows_the_diagnosis);
    tcase_add_test(http, snippets_are_safe_html);
    tcase_add_test(http, security_and_cache_headers);
    tcase_add_test(http, etag_and_not_modified);
    tcase_add_test(http, gzip_when_accepted);
    tcase_add_test(http, fingerprinted_assets_are_immutable);
    tcase_add_test(http, head_has_headers_without_body);
    tcase_add_test(http, keep_alive);
    tcase_add_test(http, every_link_resolves);
    tcase_add_test(http, entry_page_parts);
    tcase_add_test(http, api_json_is_the_kb_schema);
    tcase_add_test(http, concurrent_searches);
    tcase_add_test(http, port_in_use_and_bad_db);
    tcase_add_test(http, serve_command);
    suite_add_tcase(s, http);
    TCase *cache = tcase_create("cache");
    tcase_add_test(cache, search_cache_hits);
    tcase_add_test(cache, search_cache_is_bounded);
    suite_add_tcase(s, cache);
    TCase *loop = tcase_create("event_loop");
    tcase_set_timeout(loop, 60);
    tcase_add_loop_test(loop, burst_of_ready_connections, 0, 4);
    suite_add_tcase(s, loop);
    return s;
}
