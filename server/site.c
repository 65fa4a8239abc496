/* The site: everything the server answers that does not depend on a query, built once at
 * start-up from the KB and the web bundle (home page, every entry in four formats, the entry
 * list, static assets), plus the kb handle pool and the rep life cycle. Building all of it for
 * the 20-entry KB takes a few milliseconds; answering is then a lookup and a pointer hand-off. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/pages.h"
#include "server/server_int.h"

/* Bodies shorter than this are sent as they are: gzip's 18-byte frame eats the gain. */
#define GZIP_MIN_BYTES 256

static srv_rep *rep_make(srv_site *s, int status, const char *ctype, const char *cache,
                         const char *vary, char *body, size_t len, int tag)
{
    srv_rep *r = xcalloc(1, sizeof *r);
    r->status = status;
    r->ctype = ctype;
    r->cache_control = cache;
    r->vary = vary;
    r->is_html = strncmp(ctype, "text/html", 9) == 0;
    r->body = body;
    r->len = len;
    atomic_init(&r->refs, 1);
    atomic_init(&r->mem_refs, 1);
    if (tag) {
        srv_etag_make(s->fp, body, len, NULL, r->etag, sizeof r->etag);
        if (tag != SRV_TAG_PLAIN && len >= GZIP_MIN_BYTES &&
            srv_gzip_fast(body, len, tag == SRV_TAG_GZIP_FAST, &r->gz, &r->gz_len) == 0) {
            if (r->gz_len >= len) {
                free(r->gz);
                r->gz = NULL;
                r->gz_len = 0;
            } else {
                srv_etag_make(s->fp, body, len, "-gz", r->etag_gz, sizeof r->etag_gz);
            }
        }
    }
    return r;
}

srv_rep *srv_rep_new(srv_site *s, int status, const char *ctype, const char *cache,
                     const char *vary, char *body, size_t len, int tag)
{
    return rep_make(s, status, ctype, cache, vary, body, len, tag);
}

/* A rep owned by the site until srv_site_free, prepared by the glue at once. */
static srv_rep *pinned_status(srv_site *s, int status, const char *allow, const char *ctype,
                              const char *cache, const char *vary, char *body)
{
    srv_rep *r = rep_make(s, status, ctype, cache, vary, body, strlen(body), status == 200);
    r->pinned = 1;
    r->allow = allow;
    if (s->hooks.prepare) {
        s->hooks.prepare(s->hooks.ud, r);
    }
    return r;
}

static srv_rep *pinned(srv_site *s, const char *ctype, const char *cache, const char *vary,
                       char *body)
{
    return pinned_status(s, 200, NULL, ctype, cache, vary, body);
}

static void rep_destroy(srv_rep *r)
{
    free(r->body);
    free(r->gz);
    free(r);
}

void srv_rep_mem_ref(srv_rep *r)
{
    if (!r->pinned) {
        atomic_fetch_add(&r->mem_refs, 1);
    }
}

void srv_rep_mem_unref(srv_rep *r)
{
    if (!r->pinned && atomic_fetch_sub(&r->mem_refs, 1) == 1) {
        rep_destroy(r);
    }
}

void srv_rep_unref(srv_site *s, srv_rep *r)
{
    if (!r || r->pinned) {
        return;
    }
    if (atomic_fetch_sub(&r->refs, 1) == 1) {
        if (s->hooks.release) {
            s->hooks.release(s->hooks.ud, r);
        }
        srv_rep_mem_unref(r);
    }
}

static void pinned_free(srv_site *s, srv_rep *r)
{
    if (!r) {
        return;
    }
    if (s->hooks.release) {
        s->hooks.release(s->hooks.ud, r);
    }
    rep_destroy(r);
}

static void cache_unref(void *ud, srv_rep *r)
{
    srv_rep_unref(ud, r);
}

/* ---- kb handle pool -------------------------------------------------------------------- */

kb *srv_kb_acquire(srv_site *s)
{
    srv_kb_pool *p = &s->pool;
    pthread_mutex_lock(&p->mu);
    while (p->n_idle == 0) {
        pthread_cond_wait(&p->cv, &p->mu);
    }
    kb *k = p->idle[--p->n_idle];
    pthread_mutex_unlock(&p->mu);
    return k;
}

void srv_kb_release(srv_site *s, kb *k)
{
    srv_kb_pool *p = &s->pool;
    pthread_mutex_lock(&p->mu);
    p->idle[p->n_idle++] = k;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

/* ---- Entry lookup --------------------------------------------------------------------- */

static int ci_cmp(const char *a, size_t an, const char *b)
{
    size_t i = 0;
    for (; i < an && b[i]; i++) {
        int ca = (unsigned char)a[i];
        int cb = (unsigned char)b[i];
        ca = ca >= 'a' && ca <= 'z' ? ca - 32 : ca;
        cb = cb >= 'a' && cb <= 'z' ? cb - 32 : cb;
        if (ca != cb) {
            return ca - cb;
        }
    }
    if (i < an) {
        return 1;
    }
    return b[i] ? -1 : 0;
}

const srv_entry *srv_site_entry(const srv_site *s, const char *id, size_t n)
{
    size_t lo = 0;
    size_t hi = s->n_entries;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const srv_entry *e = &s->entries[s->by_id[mid]];
        int c = ci_cmp(id, n, e->id);
        if (c == 0) {
            return e;
        }
        if (c < 0) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    return NULL;
}

static int by_id_cmp(const void *a, const void *b, void *ud)
{
    const srv_site *s = ud;
    const char *x = s->entries[*(const size_t *)a].id;
    const char *y = s->entries[*(const size_t *)b].id;
    return ci_cmp(x, strlen(x), y);
}

/* ---- Building ------------------------------------------------------------------------- */

/* web/index.html with every {{asset:NAME}} replaced by NAME's fingerprinted URL. */
static int build_layout(srv_site *s, char *err, size_t err_size)
{
    const srv_asset *tpl = srv_bundle_find(&s->bundle, "index.html");
    if (!tpl) {
        snprintf(err, err_size, "web bundle: no index.html");
        return -1;
    }
    buf b = BUF_INIT;
    const char *p = tpl->data;
    const char *end = tpl->data + tpl->len;
    while (p < end) {
        const char *open = memmem(p, (size_t)(end - p), "{{asset:", 8);
        if (!open) {
            buf_append(&b, p, (size_t)(end - p));
            break;
        }
        const char *close = memmem(open, (size_t)(end - open), "}}", 2);
        if (!close) {
            buf_append(&b, p, (size_t)(end - p));
            break;
        }
        buf_append(&b, p, (size_t)(open - p));
        char *name = xstrndup(open + 8, (size_t)(close - open - 8));
        const srv_asset *a = srv_bundle_find(&s->bundle, name);
        if (!a) {
            snprintf(err, err_size, "web/index.html names a missing asset '%s'", name);
            free(name);
            buf_free(&b);
            return -1;
        }
        free(name);
        buf_puts(&b, a->url);
        p = close + 2;
    }
    s->layout.html = buf_detach(&b);
    return 0;
}

static void build_assets(srv_site *s)
{
    /* NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers */
    s->asset_reps = xcalloc(s->bundle.n * 2, sizeof *s->asset_reps);
    for (size_t i = 0; i < s->bundle.n; i++) {
        const srv_asset *a = &s->bundle.items[i];
        if (strcmp(a->name, "index.html") == 0) {
            continue; /* the layout, not a page of its own */
        }
        s->asset_reps[2 * i] =
            pinned(s, a->ctype, SRV_CC_IMMUTABLE, SRV_VARY_ENCODING, xstrndup(a->data, a->len));
        s->asset_reps[2 * i + 1] =
            pinned(s, a->ctype, SRV_CC_REVALIDATE, SRV_VARY_ENCODING, xstrndup(a->data, a->len));
    }
}

static srv_status build_entries(srv_site *s, kb *k, const kb_toc *toc, char *err, size_t err_size)
{
    s->entries = xcalloc(toc->n ? toc->n : 1, sizeof *s->entries);
    s->by_id = xcalloc(toc->n ? toc->n : 1, sizeof *s->by_id);
    s->n_entries = toc->n;
    for (size_t i = 0; i < toc->n; i++) {
        s->entries[i].id = xstrdup(toc->items[i].id);
        s->entries[i].title = xstrdup(toc->items[i].title);
        s->entries[i].section = xstrdup(toc->items[i].section);
        s->by_id[i] = i;
    }
    qsort_r(s->by_id, s->n_entries, sizeof *s->by_id, by_id_cmp, s);
    for (size_t i = 0; i < toc->n; i++) {
        srv_entry *se = &s->entries[i];
        kb_entry *e = NULL;
        kb_diag diag;
        memset(&diag, 0, sizeof diag);
        if (kb_entry_get(k, se->id, &e, &diag) != KB_OK) {
            snprintf(err, err_size, "reading entry %s: %s", se->id, diag.message);
            return SRV_ERR_KB;
        }
        se->html = pinned(s, SRV_CT_HTML, SRV_CC_REVALIDATE, SRV_VARY_NEGOTIATED,
                          srv_page_entry_html(s, e));
        se->text = pinned(s, SRV_CT_TEXT, SRV_CC_REVALIDATE, SRV_VARY_NEGOTIATED,
                          srv_page_entry_text(s, e));
        se->md = pinned(s, SRV_CT_MD, SRV_CC_REVALIDATE, SRV_VARY_NEGOTIATED,
                        xstrdup(e->markdown ? e->markdown : ""));
        char *json = kb_entry_json(k, e, "", 1);
        se->json =
            pinned(s, SRV_CT_JSON, SRV_CC_REVALIDATE, SRV_VARY_NEGOTIATED, xasprintf("%s\n", json));
        free(json);
        kb_entry_free(e);
    }
    return SRV_OK;
}

srv_status srv_site_new(const char *db_path, unsigned n_handles, const srv_hooks *hooks,
                        srv_site **out, char *err, size_t err_size)
{
    *out = NULL;
    srv_site *s = xcalloc(1, sizeof *s);
    if (hooks) {
        s->hooks = *hooks;
    }
    pthread_mutex_init(&s->pool.mu, NULL);
    pthread_cond_init(&s->pool.cv, NULL);
    srv_status st = SRV_OK;
    kb_toc *toc = NULL;
    kb_docs *docs = NULL;

    const char *data;
    size_t len;
    srv_bundle_embedded(&data, &len);
    if (srv_bundle_parse(data, len, &s->bundle, err, err_size) < 0) {
        st = SRV_ERR_INTERNAL;
        goto out;
    }

    n_handles = n_handles ? n_handles : 1;
    /* NOLINTBEGIN(bugprone-sizeof-expression): arrays of pointers */
    s->pool.all = xcalloc(n_handles, sizeof *s->pool.all);
    s->pool.idle = xcalloc(n_handles, sizeof *s->pool.idle);
    /* NOLINTEND(bugprone-sizeof-expression) */
    for (unsigned i = 0; i < n_handles; i++) {
        kb_diag diag;
        memset(&diag, 0, sizeof diag);
        kb_status ks = kb_open_default(db_path, &s->pool.all[i], &diag);
        if (ks != KB_OK) {
            if (diag.file[0]) {
                snprintf(err, err_size, "%s: %s", diag.file, diag.message);
            } else {
                snprintf(err, err_size, "%s",
                         diag.message[0] ? diag.message : "cannot open the KB");
            }
            st = SRV_ERR_KB;
            goto out;
        }
        s->pool.idle[s->pool.n_idle++] = s->pool.all[i];
        s->pool.n++;
    }
    kb *k = s->pool.all[0];
    snprintf(s->fp, sizeof s->fp, "%s", kb_fingerprint(k) ? kb_fingerprint(k) : "0");

    kb_diag diag;
    memset(&diag, 0, sizeof diag);
    if (kb_toc_get(k, &toc, &diag) != KB_OK || kb_docs_get(k, &docs, &diag) != KB_OK) {
        snprintf(err, err_size, "reading the KB: %s", diag.message);
        st = SRV_ERR_KB;
        goto out;
    }
    s->doc_title = xstrdup(docs->n ? docs->items[0].title : "oomkb");

    if (build_layout(s, err, err_size) < 0) {
        st = SRV_ERR_INTERNAL;
        goto out;
    }
    build_assets(s);
    st = build_entries(s, k, toc, err, err_size);
    if (st != SRV_OK) {
        goto out;
    }
    s->home_html = pinned(s, SRV_CT_HTML, SRV_CC_REVALIDATE, SRV_VARY_NEGOTIATED,
                          srv_page_home_html(s, toc, docs));
    s->home_text = pinned(s, SRV_CT_TEXT, SRV_CC_REVALIDATE, SRV_VARY_NEGOTIATED,
                          srv_page_home_text(s, toc, docs));
    s->api_entries = pinned(s, SRV_CT_JSON, SRV_CC_REVALIDATE, SRV_VARY_NEGOTIATED,
                            srv_page_entries_json(s, toc));
    s->healthz = pinned(s, SRV_CT_TEXT, SRV_CC_NONE, NULL, xstrdup("ok\n"));
    s->not_allowed = pinned_status(s, 405, "GET, HEAD", SRV_CT_TEXT, SRV_CC_NONE, NULL,
                                   xstrdup("405 Method Not Allowed: use GET or HEAD\n"));
    /* Bounded by count and bytes: about 4 MB of rendered results at most. The 304/gzip
     * variants share the bodies (the glue's responses point into them). */
    s->cache = srv_cache_new(1024, 4U << 20, cache_unref, s);

out:
    kb_toc_free(toc);
    kb_docs_free(docs);
    if (st != SRV_OK) {
        srv_site_free(s);
        return st;
    }
    *out = s;
    return SRV_OK;
}

void srv_site_free(srv_site *s)
{
    if (!s) {
        return;
    }
    srv_cache_free(s->cache);
    for (size_t i = 0; i < s->n_entries; i++) {
        srv_entry *e = &s->entries[i];
        pinned_free(s, e->html);
        pinned_free(s, e->text);
        pinned_free(s, e->md);
        pinned_free(s, e->json);
        free(e->id);
        free(e->title);
        free(e->section);
    }
    free(s->entries);
    free(s->by_id);
    for (size_t i = 0; s->asset_reps && i < s->bundle.n * 2; i++) {
        pinned_free(s, s->asset_reps[i]);
    }
    free(s->asset_reps);
    pinned_free(s, s->home_html);
    pinned_free(s, s->home_text);
    pinned_free(s, s->api_entries);
    pinned_free(s, s->healthz);
    pinned_free(s, s->not_allowed);
    for (size_t i = 0; i < s->pool.n; i++) {
        kb_close(s->pool.all[i]);
    }
    free(s->pool.all);
    free(s->pool.idle);
    pthread_mutex_destroy(&s->pool.mu);
    pthread_cond_destroy(&s->pool.cv);
    srv_bundle_free(&s->bundle);
    free(s->layout.html);
    free(s->doc_title);
    free(s);
}
