/* Request routing: method, raw request-target and a few headers in; one rep and one variant
 * (identity, gzip or 304) out. Static pages come from the site's prebuilt reps; searches go
 * through the cache; every malformed input becomes a 400 or 404 here, so the glue never has
 * to judge a request. No sockets, no libmicrohttpd: unit tests and fuzzers call srv_route. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "server/server_int.h"

/* Chooses the variant: 304 when If-None-Match names either ETag of the rep, else gzip when the
 * client takes it and it pays. */
static void answer(const srv_request *req, srv_rep *r, srv_answer *out)
{
    int gz = r->gz != NULL && srv_accepts_gzip(req->accept_encoding);
    out->rep = r;
    out->variant = gz ? SRV_GZIP : SRV_IDENTITY;
    if (r->etag[0] && req->if_none_match &&
        (srv_etag_matches(req->if_none_match, r->etag) ||
         (r->gz && srv_etag_matches(req->if_none_match, r->etag_gz)))) {
        out->variant = gz ? SRV_NOT_MODIFIED_GZ : SRV_NOT_MODIFIED;
    }
}

void srv_answer_release(srv_site *s, srv_answer *a)
{
    if (a->rep) {
        srv_rep_unref(s, a->rep);
        a->rep = NULL;
    }
}

/* An error answer in the format the route would have used. ids (may be NULL) are suggested. */
static void error_answer(srv_site *s, srv_answer *out, int status, const char *message, srv_fmt fmt,
                         const kb_strlist *ids, const char *q)
{
    char *body;
    const char *ctype;
    if (fmt == SRV_FMT_JSON) {
        body = srv_render_error_json(status, message, ids, s);
        ctype = SRV_CT_JSON;
    } else if (fmt == SRV_FMT_HTML) {
        buf m = BUF_INIT;
        buf_html_escape(&m, message, strlen(message));
        static const char *const titles[] = {"Bad request", "Not found", "Error"};
        const char *title = status == 400 ? titles[0] : status == 404 ? titles[1] : titles[2];
        body = srv_render_error_html(s, status, title, m.data, ids, q);
        buf_free(&m);
        ctype = SRV_CT_HTML;
    } else {
        body = srv_render_error_text(status, message, ids, s);
        ctype = SRV_CT_TEXT;
    }
    srv_rep *r = srv_rep_new(s, status, ctype, SRV_CC_REVALIDATE, SRV_VARY_NEGOTIATED, body,
                             strlen(body), 0);
    out->rep = r;
    out->variant = SRV_IDENTITY;
}

/* The format an error on this request should use: JSON under /api/, else negotiated. */
static srv_fmt error_fmt(const srv_request *req, const char *path)
{
    if (path && strncmp(path, "/api/", 5) == 0) {
        return SRV_FMT_JSON;
    }
    return srv_negotiate(SRV_FMT_NONE, req->accept, req->user_agent,
                         SRV_FMT_HTML | SRV_FMT_TEXT | SRV_FMT_JSON);
}

/* Reads ?format=: 1 and *out (NONE when absent), or 0 when present but unknown. */
static int format_arg(const char *query, srv_fmt *out)
{
    buf v = BUF_INIT;
    int rc = srv_query_arg(query, "format", &v);
    *out = SRV_FMT_NONE;
    if (rc == 1) {
        *out = srv_fmt_parse(v.data);
    }
    buf_free(&v);
    return rc == 0 || (rc == 1 && *out != SRV_FMT_NONE);
}

/* ---- Search ----------------------------------------------------------------------------- */

/* Checks and normalises the q argument into nq. Returns NULL when fine, else the message. */
static const char *query_check(const char *query, buf *nq, int *out_present)
{
    buf raw = BUF_INIT;
    int rc = srv_query_arg(query, "q", &raw);
    *out_present = rc == 1;
    const char *msg = NULL;
    if (rc < 0) {
        msg = "malformed query string (bad %-escape or a NUL byte)";
    } else if (rc == 1 && !util_utf8_valid(raw.data, raw.len, NULL, NULL)) {
        msg = "query is not valid UTF-8";
    } else if (rc == 1) {
        for (size_t i = 0; i < raw.len; i++) {
            unsigned char c = (unsigned char)raw.data[i];
            if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f) {
                msg = "query contains control characters";
                break;
            }
        }
        if (!msg) {
            srv_query_normalize(raw.data, nq);
        }
    }
    buf_free(&raw);
    return msg;
}

/* Reads ?limit=: the default when absent; 0 when not a number in 1..SRV_MAX_LIMIT. */
static size_t limit_arg(const char *query, size_t dflt)
{
    buf v = BUF_INIT;
    int rc = srv_query_arg(query, "limit", &v);
    size_t limit = rc == 0 ? dflt : 0;
    if (rc == 1 && v.len > 0 && v.len <= 3) {
        limit = 0;
        for (size_t i = 0; i < v.len; i++) {
            if (!isdigit((unsigned char)v.data[i])) {
                limit = 0;
                break;
            }
            limit = limit * 10 + (size_t)(v.data[i] - '0');
        }
        if (limit > SRV_MAX_LIMIT) {
            limit = 0;
        }
    }
    buf_free(&v);
    return limit;
}

/* The results in fmt, with the diagnosis of a pasted OOM message first. */
static char *search_body(const srv_site *s, const char *q, size_t limit, srv_fmt fmt,
                         const kb_results *res, const srv_paste *paste)
{
    if (fmt == SRV_FMT_HTML) {
        return srv_render_search_html_card(s, q, res, NULL, paste->card_html);
    }
    if (fmt == SRV_FMT_JSON) {
        char *body = srv_render_search_json(q, limit, res);
        return paste->card_json ? srv_json_add_diagnosis(body, paste->card_json) : body;
    }
    char *body = srv_render_search_text(q, res, NULL);
    if (paste->card_text) {
        char *both = xasprintf("%s\n%s", paste->card_text, body);
        free(body);
        body = both;
    }
    return body;
}

/* ?exact=1: the words as typed, no spelling correction (the "search instead for" link). */
static int exact_arg(const char *query)
{
    buf v = BUF_INIT;
    int exact = srv_query_arg(query, "exact", &v) == 1 && v.len == 1 && v.data[0] == '1';
    buf_free(&v);
    return exact;
}

/* The search cache's key: everything an answer depends on, then the normalised query. */
static void cache_key(buf *key, int api, srv_fmt fmt, size_t limit, int flags, const char *q,
                      size_t n)
{
    buf_printf(key, "%c%d:%zu:%d:", api ? 'a' : 'p', (int)fmt, limit, flags);
    buf_append(key, q, n);
}

/* Runs a search (or takes it from the cache) and answers it in fmt. */
static void search(srv_site *s, const srv_request *req, const char *query, srv_fmt fmt, int api,
                   srv_answer *out)
{
    buf nq = BUF_INIT;
    int present = 0;
    const char *msg = query_check(query, &nq, &present);
    size_t limit = limit_arg(query, api ? SRV_DEFAULT_LIMIT : SRV_PAGE_LIMIT);
    if (!msg && limit == 0) {
        msg = "limit must be a number from 1 to 100";
    }
    if (!msg && api && (!present || nq.len == 0)) {
        msg = present ? "empty query" : "missing q parameter";
    }
    if (msg) {
        error_answer(s, out, 400, msg, fmt, NULL, nq.data);
        buf_free(&nq);
        return;
    }
    const char *q = nq.data ? nq.data : "";
    if (!*q) {
        /* The search page with no query yet: a prompt, the same for everyone. */
        char *body = fmt == SRV_FMT_HTML ? srv_render_search_html(s, "", NULL, NULL)
                     : fmt == SRV_FMT_JSON
                         ? srv_render_error_json(400, "missing q parameter", NULL, s)
                         : srv_render_search_text("", NULL, NULL);
        const char *ct = fmt == SRV_FMT_HTML   ? SRV_CT_HTML
                         : fmt == SRV_FMT_JSON ? SRV_CT_JSON
                                               : SRV_CT_TEXT;
        srv_rep *r = srv_rep_new(s, fmt == SRV_FMT_JSON ? 400 : 200, ct, SRV_CC_REVALIDATE,
                                 SRV_VARY_NEGOTIATED, body, strlen(body), 1);
        answer(req, r, out);
        buf_free(&nq);
        return;
    }

    int exact = exact_arg(query);
    /* A client that does not take gzip gets (and caches) an answer without a gzip variant:
     * compressing what nobody asked compressed was most of a new search's cost. */
    int gz = srv_accepts_gzip(req->accept_encoding);
    buf key = BUF_INIT;
    cache_key(&key, api, fmt, limit, exact * 2 + gz, q, nq.len);
    srv_rep *r = srv_cache_get(s->cache, key.data, key.len);
    if (r) {
        answer(req, r, out);
        buf_free(&key);
        buf_free(&nq);
        return;
    }

    kb_results *res = NULL;
    kb_diag diag;
    memset(&diag, 0, sizeof diag);
    kb_search_opts opts = {limit, 0, 0, 0, exact};
    /* A pasted OOM message gets its diagnosis above the results; a paste longer than a query
     * is searched by its key terms (server/diagnose.c). */
    srv_paste paste;
    srv_paste_prepare(s, q, fmt, &paste);
    kb *k = srv_kb_acquire(s);
    kb_status st = kb_search(k, paste.query ? paste.query : q, &opts, &res, &diag);
    srv_kb_release(s, k);

    int status = 200;
    char *body;
    if (st == KB_OK) {
        body = search_body(s, q, limit, fmt, res, &paste);
    } else {
        /* KB_ERR_INPUT is the query's fault: say why. Anything else is ours. */
        status = st == KB_ERR_INPUT ? 400 : 500;
        const char *why = diag.message[0] ? diag.message : "the query could not be searched";
        body = fmt == SRV_FMT_HTML   ? srv_render_search_html(s, q, NULL, why)
               : fmt == SRV_FMT_JSON ? srv_render_error_json(status, why, NULL, s)
                                     : srv_render_search_text(q, NULL, why);
    }
    kb_results_free(res);
    srv_paste_free(&paste);
    const char *ct = fmt == SRV_FMT_HTML   ? SRV_CT_HTML
                     : fmt == SRV_FMT_JSON ? SRV_CT_JSON
                                           : SRV_CT_TEXT;
    r = srv_rep_new(s, status, ct, SRV_CC_REVALIDATE, api ? SRV_VARY_ENCODING : SRV_VARY_NEGOTIATED,
                    body, strlen(body), gz ? SRV_TAG_GZIP_FAST : SRV_TAG_PLAIN);
    if (status != 500) {
        if (s->hooks.prepare) {
            s->hooks.prepare(s->hooks.ud, r);
        }
        srv_cache_put(s->cache, key.data, key.len, r);
    }
    answer(req, r, out);
    buf_free(&key);
    buf_free(&nq);
}

/* ---- Not found ---------------------------------------------------------------------------- */

/* Suggestions for a path that matched nothing: near IDs for an ID-shaped last segment, else
 * the best search hits for its words. Bounded: long or odd segments get none. */
static void suggest(srv_site *s, const char *path, kb_strlist *out)
{
    out->items = NULL;
    out->n = 0;
    const char *seg = strrchr(path, '/');
    seg = seg ? seg + 1 : path;
    size_t n = strcspn(seg, ".");
    if (n < 2 || n > 64 || !util_utf8_valid(seg, n, NULL, NULL)) {
        return;
    }
    size_t letters = 0;
    while (letters < n && isalpha((unsigned char)seg[letters])) {
        letters++;
    }
    size_t digits = letters;
    while (digits < n && isdigit((unsigned char)seg[digits])) {
        digits++;
    }
    char *word = xstrndup(seg, n);
    kb *k = srv_kb_acquire(s);
    if (letters > 0 && letters <= 4 && digits == n && digits > letters) {
        kb_suggest_ids(k, word, 3, out);
    } else {
        for (char *p = word; *p; p++) {
            if (*p == '-' || *p == '_' || *p == '+' || (unsigned char)*p < 0x20) {
                *p = ' ';
            }
        }
        kb_results *res = NULL;
        kb_search_opts opts = {3, 0, 0, 0, 0};
        kb_diag diag;
        memset(&diag, 0, sizeof diag);
        if (kb_search(k, word, &opts, &res, &diag) == KB_OK && res->fallback != KB_MATCH_NONE) {
            out->items = xcalloc(res->n ? res->n : 1, sizeof *out->items);
            for (size_t i = 0; i < res->n; i++) {
                out->items[out->n++] = xstrdup(res->hits[i].id);
            }
        }
        kb_results_free(res);
    }
    srv_kb_release(s, k);
    free(word);
}

static void not_found(srv_site *s, const srv_request *req, const char *path, srv_answer *out)
{
    kb_strlist ids = {NULL, 0};
    if (strncmp(path, "/static/", 8) != 0) {
        suggest(s, path, &ids);
    }
    buf msg = BUF_INIT;
    buf_puts(&msg, "nothing at ");
    srv_utf8_clean(&msg, path, strlen(path) > 200 ? 200 : strlen(path));
    error_answer(s, out, 404, msg.data, error_fmt(req, path), &ids, "");
    buf_free(&msg);
    kb_strlist_free(&ids);
}

/* ---- Routes ------------------------------------------------------------------------------- */

/* /ID, /ID.md, /ID.txt, /ID.html, /ID.json (seg is what follows the last '/'). */
static int entry_route(srv_site *s, const srv_request *req, const char *seg, const char *query,
                       srv_answer *out)
{
    size_t n = strlen(seg);
    srv_fmt suffix = SRV_FMT_NONE;
    const char *dot = strrchr(seg, '.');
    if (dot) {
        suffix = srv_fmt_parse(dot + 1);
        if (suffix == SRV_FMT_NONE) {
            return 0;
        }
        n = (size_t)(dot - seg);
    }
    const srv_entry *e = srv_site_entry(s, seg, n);
    if (!e) {
        return 0;
    }
    srv_fmt fmt = suffix;
    if (fmt == SRV_FMT_NONE && !format_arg(query, &fmt)) {
        error_answer(s, out, 400, "format must be html, text, md or json", error_fmt(req, NULL),
                     NULL, "");
        return 1;
    }
    fmt = srv_negotiate(fmt, req->accept, req->user_agent,
                        SRV_FMT_HTML | SRV_FMT_TEXT | SRV_FMT_MD | SRV_FMT_JSON);
    srv_rep *r = fmt == SRV_FMT_TEXT   ? e->text
                 : fmt == SRV_FMT_MD   ? e->md
                 : fmt == SRV_FMT_JSON ? e->json
                                       : e->html;
    answer(req, r, out);
    return 1;
}

static int static_route(srv_site *s, const srv_request *req, const char *path, srv_answer *out)
{
    for (size_t i = 0; i < s->bundle.n; i++) {
        const srv_asset *a = &s->bundle.items[i];
        if (!s->asset_reps[2 * i]) {
            continue;
        }
        if (strcmp(path, a->url) == 0) {
            answer(req, s->asset_reps[2 * i], out);
            return 1;
        }
        if (strcmp(path + 8, a->name) == 0) {
            answer(req, s->asset_reps[2 * i + 1], out);
            return 1;
        }
    }
    return 0;
}

/* GET and HEAD everywhere; POST reaches the diagnose routes. */
static int method_allowed(const char *m)
{
    return m && (strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0 || strcmp(m, "POST") == 0);
}

void srv_route(srv_site *s, const srv_request *req, srv_answer *out)
{
    out->rep = NULL;
    out->variant = SRV_IDENTITY;
    if (!method_allowed(req->method)) {
        out->rep = s->not_allowed;
        return;
    }
    if (srv_diagnose_route(s, req, out)) {
        return; /* /diagnose, /api/diagnose, and POST anywhere (server/diagnose.c) */
    }
    buf pb = BUF_INIT;
    const char *query = NULL;
    if (srv_target_split(req->target, &pb, &query) < 0) {
        error_answer(s, out, 400, "malformed request target", error_fmt(req, NULL), NULL, "");
        buf_free(&pb);
        return;
    }
    const char *path = pb.data;
    srv_fmt fmt = SRV_FMT_NONE;
    if (strcmp(path, "/") == 0) {
        buf q = BUF_INIT;
        int has_q = srv_query_arg(query, "q", &q);
        if (!format_arg(query, &fmt)) {
            error_answer(s, out, 400, "format must be html, text or json", error_fmt(req, NULL),
                         NULL, "");
        } else if (has_q != 0) {
            /* /?q= is the shareable URL of a search typed on the home page. */
            search(s, req, query,
                   srv_negotiate(fmt, req->accept, req->user_agent, SRV_FMT_HTML | SRV_FMT_TEXT), 0,
                   out);
        } else {
            fmt = srv_negotiate(fmt, req->accept, req->user_agent,
                                SRV_FMT_HTML | SRV_FMT_TEXT | SRV_FMT_JSON);
            answer(req,
                   fmt == SRV_FMT_TEXT   ? s->home_text
                   : fmt == SRV_FMT_JSON ? s->api_entries
                                         : s->home_html,
                   out);
        }
        buf_free(&q);
    } else if (strcmp(path, "/healthz") == 0) {
        answer(req, s->healthz, out);
    } else if (strcmp(path, "/search") == 0 || strcmp(path, "/api/search") == 0) {
        int api = path[1] == 'a';
        if (!api && !format_arg(query, &fmt)) {
            error_answer(s, out, 400, "format must be html, text or json", error_fmt(req, NULL),
                         NULL, "");
        } else {
            fmt = api ? SRV_FMT_JSON
                      : srv_negotiate(fmt, req->accept, req->user_agent,
                                      SRV_FMT_HTML | SRV_FMT_TEXT | SRV_FMT_JSON);
            search(s, req, query, fmt, api, out);
        }
    } else if (strcmp(path, "/api/entries") == 0) {
        answer(req, s->api_entries, out);
    } else if (strncmp(path, "/api/entries/", 13) == 0 && !strchr(path + 13, '/') &&
               srv_site_entry(s, path + 13, strlen(path + 13))) {
        answer(req, srv_site_entry(s, path + 13, strlen(path + 13))->json, out);
    } else if ((strncmp(path, "/static/", 8) == 0 && !strchr(path + 8, '/') &&
                static_route(s, req, path, out)) ||
               (strncmp(path, "/entries/", 9) == 0 && !strchr(path + 9, '/') &&
                entry_route(s, req, path + 9, query, out)) ||
               (!strchr(path + 1, '/') && entry_route(s, req, path + 1, query, out))) {
        /* answered by the route that matched */
    } else {
        not_found(s, req, path, out);
    }
    buf_free(&pb);
}
