/* Fuzzes the server's request handling without sockets: the input is newline-separated
 * fields (method, request-target, Accept, Accept-Encoding, User-Agent, If-None-Match,
 * Content-Type, body; a missing line is an absent header) routed through srv_route on a site over
 * the built-in KB, and fed to each protocol helper directly. Oracles: every request gets an answer,
 * never a 5xx, and the variant chosen exists (gzip body for gzip, an ETag for a 304). */
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "server/server_int.h"
#include "tests/fuzz/fuzz.h"

#define N_FIELDS 8

static srv_site *the_site(void)
{
    static srv_site *site;
    if (!site) {
        char err[256];
        if (srv_site_new(NULL, 1, NULL, &site, err, sizeof err) != SRV_OK) {
            abort();
        }
    }
    return site;
}

/* The pure helpers on the same strings. */
static void helpers(char *const f[N_FIELDS])
{
    const char *target = f[1] ? f[1] : "";
    buf b = BUF_INIT;
    const char *query = NULL;
    if (srv_target_split(target, &b, &query) == 0 && query) {
        static const char *const names[] = {"q", "limit", "format", ""};
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
            buf v = BUF_INIT;
            if (srv_query_arg(query, names[i], &v) == 1) {
                buf n = BUF_INIT;
                srv_query_normalize(v.data ? v.data : "", &n);
                buf_free(&n);
            }
            buf_free(&v);
        }
    }
    buf_free(&b);
    srv_fmt_parse(target);
    srv_negotiate(srv_fmt_parse(target), f[2], f[4], SRV_FMT_HTML | SRV_FMT_TEXT | SRV_FMT_JSON);
    srv_accept_pick(f[2], SRV_FMT_HTML | SRV_FMT_TEXT | SRV_FMT_MD | SRV_FMT_JSON);
    if (f[4]) {
        srv_ua_is_terminal(f[4]);
    }
    if (f[3]) {
        srv_accepts_gzip(f[3]);
    }
    if (f[5]) {
        srv_etag_matches(f[5], "\"abc-0123\"");
    }
    buf o = BUF_INIT;
    srv_marked_html(&o, target);
    srv_marked_plain(&o, target);
    srv_url_encode(&o, target);
    srv_slug(&o, target, strlen(target));
    srv_utf8_clean(&o, target, strlen(target));
    buf_free(&o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *f[N_FIELDS] = {NULL};
    const char *p = (const char *)data;
    const char *end = p + size;
    for (int i = 0; i < N_FIELDS && p <= end; i++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        f[i] = xstrndup(p, (size_t)((nl ? nl : end) - p));
        if (!nl) {
            break;
        }
        p = nl + 1;
    }
    srv_site *s = the_site();
    srv_request req = {f[0] ? f[0] : "GET",
                       f[1] ? f[1] : "/",
                       f[2],
                       f[3],
                       f[4],
                       f[5],
                       f[6],
                       f[7],
                       f[7] ? strlen(f[7]) : 0,
                       0};
    srv_answer a;
    srv_route(s, &req, &a);
    const srv_rep *r = a.rep;
    if (!r || r->status < 200 || r->status >= 500 || !r->body || !r->ctype) {
        abort();
    }
    if ((a.variant == SRV_GZIP && !r->gz) || (a.variant == SRV_NOT_MODIFIED && !r->etag[0]) ||
        (a.variant == SRV_NOT_MODIFIED_GZ && !r->etag_gz[0])) {
        abort();
    }
    if (r->body[r->len] != '\0' || (r->gz && r->gz_len == 0)) {
        abort(); /* bodies are NUL-terminated at len (the contract in server_int.h) */
    }
    srv_answer_release(s, &a);
    helpers(f);
    for (int i = 0; i < N_FIELDS; i++) {
        free(f[i]);
    }
    return 0;
}
