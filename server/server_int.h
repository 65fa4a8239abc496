/* Private to the server module: the pure request -> response layer that server/http.c (the
 * libmicrohttpd glue) drives, and that the unit tests and fuzzers call directly.
 *
 * Data flow: kb --site.c (once, at start-up)--> prebuilt srv_rep objects; request --srv_route--> a
 * srv_answer naming one rep and one variant (identity, gzip, two 304s); queries go through the
 * search cache (cache.c). Nothing here touches sockets or libmicrohttpd. */
#ifndef OOMKB_SERVER_INT_H
#define OOMKB_SERVER_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

#include "common/util.h"
#include "kb/kb.h"

/* Bounds on request input. Anything over them is a 400, never a truncation. */
#define SRV_MAX_LIMIT 100 /* results per /api/search page */
#define SRV_DEFAULT_LIMIT 10
#define SRV_PAGE_LIMIT 50                 /* results on the server-rendered /search page */
#define SRV_MAX_BODY ((size_t)1 << 20)    /* a POST to /diagnose or /api/diagnose; more is a 413 */
#define SRV_MAX_BODIES ((size_t)64 << 20) /* all such bodies held at once; more is a 503 */

/* ---- Representations ---------------------------------------------------------------------- */

/* One response body with its headers, built once and answered any number of times. The gzip
 * body and both ETags are computed when the rep is made. native[] holds the glue's prepared
 * library responses (identity, gzip, two 304s) so that answering is a pointer hand-off. */
typedef enum srv_variant {
    SRV_IDENTITY = 0,
    SRV_GZIP = 1,
    SRV_NOT_MODIFIED = 2,    /* 304 carrying the identity ETag */
    SRV_NOT_MODIFIED_GZ = 3, /* 304 carrying the gzip ETag */
} srv_variant;
#define SRV_N_VARIANTS 4

typedef struct srv_rep {
    int status;
    const char *ctype;         /* static string, charset included for text */
    const char *cache_control; /* static string */
    const char *vary;          /* static string or NULL */
    const char *allow;         /* static string or NULL (405) */
    int is_html;               /* HTML gets the Content-Security-Policy */
    char *body;                /* owned, NUL-terminated */
    size_t len;
    char *gz; /* owned; NULL when compression does not pay */
    size_t gz_len;
    char etag[56];                /* "" for none */
    char etag_gz[60];             /* the gzip variant's strong ETag */
    void *native[SRV_N_VARIANTS]; /* glue-owned, by srv_variant; NULL = build on use */
    int pinned;                   /* owned by the site for its whole life: no reference counting */
    /* Unpinned reps are shared by the cache, in-flight answers and the library's responses,
     * which may outlive both (a slow client). refs counts the first two: at zero, the glue's
     * release hook drops native[]. mem_refs counts refs > 0 as one plus each library response
     * still alive: at zero, the memory goes. */
    atomic_int refs;
    atomic_int mem_refs;
} srv_rep;

/* Security headers every response carries; the CSP goes on HTML. The UI uses no inline script
 * or style, so 'self' is all it needs. */
#define SRV_CSP                                                                                    \
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "              \
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
#define SRV_REFERRER_POLICY "no-referrer"

#define SRV_CT_HTML "text/html; charset=utf-8"
#define SRV_CT_TEXT "text/plain; charset=utf-8"
#define SRV_CT_MD "text/markdown; charset=utf-8"
#define SRV_CT_JSON "application/json; charset=utf-8"
#define SRV_CC_REVALIDATE "no-cache"
#define SRV_CC_IMMUTABLE "public, max-age=31536000, immutable"
#define SRV_CC_NONE "no-store"
#define SRV_VARY_NEGOTIATED "Accept, User-Agent, Accept-Encoding"
#define SRV_VARY_ENCODING "Accept-Encoding"

/* ---- Protocol helpers (proto.c): pure functions over strings, fuzzable -------------------- */

/* Splits a raw request-target into its percent-decoded path (into path) and its raw query
 * (*out_query points into target after '?', or NULL). Returns 0, or -1 when the target is not
 * an origin-form path, has a bad %-escape or decodes to a NUL byte. */
int srv_target_split(const char *target, buf *path, const char **out_query);

/* Finds argument name in a raw query string and appends its decoded value ('+' is a space) to
 * out. Returns 1 found, 0 absent, -1 malformed (bad escape, NUL byte). First occurrence wins. */
int srv_query_arg(const char *query, const char *name, buf *out);

/* Representation formats, also used as bit masks of what a route offers. */
typedef enum srv_fmt {
    SRV_FMT_NONE = 0,
    SRV_FMT_HTML = 1,
    SRV_FMT_TEXT = 2,
    SRV_FMT_MD = 4,
    SRV_FMT_JSON = 8,
} srv_fmt;

/* Parses a ?format= value ("html", "text"/"txt", "md"/"markdown", "json"); NONE if unknown. */
srv_fmt srv_fmt_parse(const char *s);
/* The format an Accept header asks for among offered (a mask), or NONE when it expresses no
 * preference among them (absent, or only wildcards). Highest q wins; ties go HTML, MD, TEXT,
 * JSON. */
srv_fmt srv_accept_pick(const char *accept, unsigned offered);
/* 1 when the User-Agent is a terminal or script client (curl, Wget, HTTPie, python-requests,
 * PowerShell, ...) or absent: such clients get text, as cheat.sh does. */
int srv_ua_is_terminal(const char *ua);
/* The full decision: explicit (from a suffix or ?format=) if offered, then Accept, then
 * User-Agent (text for terminals, HTML otherwise); falls back to the first offered format. */
srv_fmt srv_negotiate(srv_fmt explicit_fmt, const char *accept, const char *ua, unsigned offered);
/* 1 when Accept-Encoding allows gzip (q > 0, or '*' without gzip;q=0). */
int srv_accepts_gzip(const char *accept_encoding);
/* 1 when an If-None-Match header value matches etag (weak comparison, '*' matches). */
int srv_etag_matches(const char *if_none_match, const char *etag);
/* A strong ETag for body: "<kb fingerprint prefix>-<64-bit hash of the bytes><suffix>". */
void srv_etag_make(const char *kb_fp, const void *body, size_t len, const char *suffix, char *out,
                   size_t out_size);
/* gzip-compresses in[0..n) at the best level. Returns 0 and a malloc'd *out; -1 on zlib failure. */
int srv_gzip(const void *in, size_t n, char **out, size_t *out_len);
/* As srv_gzip; fast != 0: the fastest level with a window sized to the input (answers made
 * per request, where zlib's setup at the best settings costs more than the search). */
int srv_gzip_fast(const void *in, size_t n, int fast, char **out, size_t *out_len);
/* Appends s HTML-escaped, with KB_MARK_OPEN/CLOSE turned into <mark>/</mark> (balanced even
 * when the markers are not) and other control bytes dropped. */
void srv_marked_html(buf *b, const char *s);
/* Appends s on one line: markers and control bytes dropped, whitespace runs as one space. */
void srv_marked_plain(buf *b, const char *s);
/* Appends s percent-encoded for a query component. */
void srv_url_encode(buf *b, const char *s);
/* Normalises a search query for caching and echoing: trims and collapses whitespace runs. */
void srv_query_normalize(const char *in, buf *out);
/* Appends an anchor slug of text: ASCII letters and digits lowercased, runs of anything else
 * as one '-'. */
void srv_slug(buf *b, const char *text, size_t n);
/* Appends s with bytes that are not well-formed UTF-8 (or are control bytes) replaced by '?',
 * so it can be echoed into JSON or HTML. */
void srv_utf8_clean(buf *b, const char *s, size_t n);

/* ---- The web bundle (bundle.c) ------------------------------------------------------------ */

typedef struct srv_asset {
    char *name;       /* "app.js" */
    char *url;        /* fingerprinted: "/static/app.3f2a9c01d4.js" */
    const char *data; /* points into the bundle (read-only data in the binary) */
    size_t len;
    const char *ctype;
} srv_asset;

typedef struct srv_bundle {
    srv_asset *items;
    size_t n;
} srv_bundle;

/* Parses a bundle made by scripts/bundle.sh. Returns 0, or -1 with a message in err when it is
 * malformed. data must outlive the bundle. Free with srv_bundle_free. */
int srv_bundle_parse(const char *data, size_t len, srv_bundle *out, char *err, size_t err_size);
void srv_bundle_free(srv_bundle *b);
const srv_asset *srv_bundle_find(const srv_bundle *b, const char *name);
/* The bundle linked into this binary (web/assets.S). */
void srv_bundle_embedded(const char **out_data, size_t *out_len);

/* ---- The bounded, thread-safe search cache (cache.c) --------------------------------------- */

typedef struct srv_cache srv_cache;
typedef void (*srv_unref_fn)(void *ud, srv_rep *r);

/* A cache of at most max_entries reps and max_bytes of bodies, least recently used evicted
 * first. unref(ud, rep) drops the cache's reference when an entry leaves. */
srv_cache *srv_cache_new(size_t max_entries, size_t max_bytes, srv_unref_fn unref, void *ud);
void srv_cache_free(srv_cache *c);
/* The rep cached under key with one reference taken for the caller, or NULL. */
srv_rep *srv_cache_get(srv_cache *c, const char *key, size_t key_len);
/* Caches r under key, taking one reference of its own; a key already present keeps its rep. */
void srv_cache_put(srv_cache *c, const char *key, size_t key_len, srv_rep *r);
/* Counters for tests and the bench: lookups that hit and that missed, entries held. */
void srv_cache_stats(srv_cache *c, size_t *out_hits, size_t *out_misses, size_t *out_entries);

/* ---- Rendering (render.c): pure functions of KB data into page bodies -------------------- */

/* The page layout (web/index.html) with asset URLs filled in; {{title}}, {{page}}, {{q}} and
 * {{main}} are left for each page. */
typedef struct srv_layout {
    char *html;
} srv_layout;

/* Fills the layout; title and q are escaped here, main_html is trusted. Caller frees. */
char *srv_render_page(const srv_layout *l, const char *title, const char *page_class, const char *q,
                      const char *main_html);
/* Adds id and a self-link to every <hN> in cmark HTML: id is prefix + "-" + slug. Caller frees. */
char *srv_anchor_headings(const char *html, const char *prefix);
/* title_md rendered inline (cmark's <p> wrapper removed). Caller frees. */
char *srv_inline_html(const char *markdown);

/* ---- The site (site.c, route.c) --------------------------------------------------------- */

/* Called on every rep that will be answered more than once (prepare), and when it is freed
 * (release): the glue builds and destroys its library responses there. */
typedef struct srv_hooks {
    void (*prepare)(void *ud, srv_rep *r);
    void (*release)(void *ud, srv_rep *r);
    void *ud;
} srv_hooks;

/* kb handles for concurrent searches: one thread per handle at a time. */
typedef struct srv_kb_pool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    kb **all;
    kb **idle;
    size_t n, n_idle;
} srv_kb_pool;

typedef struct srv_entry {
    char *id; /* canonical ID, "M8" */
    char *title;
    char *section;
    srv_rep *html, *text, *md, *json;
} srv_entry;

typedef struct srv_site {
    srv_hooks hooks;
    srv_kb_pool pool;
    char fp[24]; /* KB fingerprint prefix, in every ETag */
    srv_bundle bundle;
    srv_rep **asset_reps; /* per bundle item: [2i] fingerprinted, [2i+1] plain name */
    srv_layout layout;
    char *doc_title;
    srv_entry *entries; /* KB order */
    size_t n_entries;
    size_t *by_id; /* indexes into entries, sorted by upper-cased ID, for lookup */
    srv_rep *home_html, *home_text, *api_entries, *healthz, *not_allowed;
    srv_cache *cache;
} srv_site;

typedef enum srv_status {
    SRV_OK = 0,
    SRV_ERR_KB,       /* the KB could not be opened or read */
    SRV_ERR_INTERNAL, /* the bundle or a render failed */
} srv_status;

/* Opens n_handles kb handles on db_path (NULL: $OOMKB_DB or the built-in KB), renders every
 * page that does not depend on a query, and calls hooks->prepare (hooks may be NULL) on each.
 * Returns SRV_OK and *out, or an error with a message in err. Free with srv_site_free. */
srv_status srv_site_new(const char *db_path, unsigned n_handles, const srv_hooks *hooks,
                        srv_site **out, char *err, size_t err_size);
void srv_site_free(srv_site *s);

/* How srv_rep_new tags a rep: no ETag; an ETag and a gzip variant at the best level; an ETag
 * and a fast gzip variant; an ETag only (for a client that does not take gzip). */
enum { SRV_TAG_NONE = 0, SRV_TAG_GZIP = 1, SRV_TAG_GZIP_FAST = 2, SRV_TAG_PLAIN = 3 };

/* A rep made at run time (search results, error pages), unpinned with one reference. body is
 * taken over. tag is one of SRV_TAG_*. */
srv_rep *srv_rep_new(srv_site *s, int status, const char *ctype, const char *cache,
                     const char *vary, char *body, size_t len, int tag);
void srv_rep_unref(srv_site *s, srv_rep *r);
/* For the glue: a library response that points into r's body takes a memory reference and
 * drops it from its free callback. No-ops on pinned reps. */
void srv_rep_mem_ref(srv_rep *r);
void srv_rep_mem_unref(srv_rep *r);

typedef struct srv_request {
    const char *method; /* "GET" */
    const char *target; /* raw request-target: "/search?q=a%20b" */
    const char *accept; /* header values, NULL when absent */
    const char *accept_encoding;
    const char *user_agent;
    const char *if_none_match;
    /* POST only (the diagnose routes): the body, NUL-terminated, and whether it was dropped
     * (then body holds none of it): 1 over SRV_MAX_BODY, 2 over SRV_MAX_BODIES. */
    const char *content_type;
    const char *body;
    size_t body_len;
    int body_too_large;
} srv_request;

/* The answer to one request: a rep (with one reference held when it is not pinned) and which
 * variant of it to send. Release with srv_answer_release once the glue has queued it. */
typedef struct srv_answer {
    srv_rep *rep;
    srv_variant variant;
} srv_answer;

/* Routes one request. Never fails: bad input becomes a 400/404/405 rep. Thread-safe. */
void srv_route(srv_site *s, const srv_request *req, srv_answer *out);
void srv_answer_release(srv_site *s, srv_answer *a);

/* kb handle pool, used by route.c. */
kb *srv_kb_acquire(srv_site *s);
void srv_kb_release(srv_site *s, kb *k);

/* Renderers shared by site.c and route.c (render.c). Each returns a malloc'd body. */
char *srv_render_search_html(const srv_site *s, const char *q, const kb_results *r,
                             const char *err);
/* As srv_render_search_html, with card_html (trusted, may be NULL) above the results: the
 * diagnosis of a pasted OOM message. */
char *srv_render_search_html_card(const srv_site *s, const char *q, const kb_results *r,
                                  const char *err, const char *card_html);
char *srv_render_search_text(const char *q, const kb_results *r, const char *err);
char *srv_render_search_json(const char *q, size_t limit, const kb_results *r);
char *srv_render_error_html(const srv_site *s, int status, const char *title,
                            const char *message_html, const kb_strlist *ids, const char *q);
char *srv_render_error_text(int status, const char *message, const kb_strlist *ids,
                            const srv_site *s);
char *srv_render_error_json(int status, const char *message, const kb_strlist *ids,
                            const srv_site *s);
/* ---- The OOM doctor on the web (diagnose.c) ----------------------------------------------- */

/* Answers the diagnose routes (/diagnose, /api/diagnose: GET the form, POST a form field "log"
 * or the raw body; bodies over SRV_MAX_BODY are a 413) and a POST anywhere else (a 405) into
 * out, returning 1; returns 0 for every other request. */
int srv_diagnose_route(srv_site *s, const srv_request *req, srv_answer *out);

/* What a search does with a pasted query: when q holds an OOM signature, the diagnosis (as an
 * HTML card, as text, and as a JSON object); when q is longer than a search takes, the key
 * terms to search instead. Every field may be NULL; free with srv_paste_free. */
typedef struct srv_paste {
    char *query; /* what to search instead of q, or NULL to search q */
    char *card_html;
    char *card_text;
    char *card_json; /* {"events": [...], "html": "..."} */
} srv_paste;
void srv_paste_prepare(const srv_site *s, const char *q, srv_fmt fmt, srv_paste *out);
void srv_paste_free(srv_paste *p);
/* Adds "diagnosis": card_json to a rendered JSON object body; returns the new body. */
char *srv_json_add_diagnosis(char *body, const char *card_json);

/* The entry with this ID (case-insensitive), or NULL. */
const srv_entry *srv_site_entry(const srv_site *s, const char *id, size_t n);

#endif
