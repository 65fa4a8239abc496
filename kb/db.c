/* Opening a compiled KB (file, in-memory image, or the image built into the binary) and
 * reading entries, the table of contents and documents out of it. Read-only throughout. */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "kb/kb_int.h"

/* Set by kb_process_oneshot: the process exits soon after its last kb_close. */
static int oneshot;
/* The KB a one-shot process closed last, kept reachable until the exit. */
static kb *kept_until_exit;

static void release(kb *k);

/* A one-shot process's SQLite allocator. Debian's SQLite is built without lookaside memory,
 * so every schema object and parse node of a search is a malloc and a free; here small blocks
 * come from size classes with free lists (a block's class sits in the 8 bytes before it),
 * carved from a static pool in order, and larger ones (or any once the pool is spent) from
 * malloc. One thread only: kb_process_oneshot sets SQLite single-threaded first. */
enum { OS_GRAIN = 16, OS_CLASSES = 64, OS_MAX = OS_GRAIN * OS_CLASSES, OS_POOL = 1 << 20 };
static _Alignas(16) unsigned char os_pool[OS_POOL];
static size_t os_used;
static void *os_free[OS_CLASSES + 1];

typedef union os_head {
    size_t cls; /* 1..OS_CLASSES: a pool block of cls * OS_GRAIN bytes; 0: malloc'd */
    double align;
} os_head;

static size_t os_class(int n)
{
    return n <= 0 ? 1 : ((size_t)n + OS_GRAIN - 1) / OS_GRAIN;
}

static void *os_malloc(int n)
{
    size_t c = os_class(n);
    os_head *h;
    if (c <= OS_CLASSES && os_free[c]) {
        h = os_free[c];
        os_free[c] = *(void **)(h + 1);
    } else if (c <= OS_CLASSES && os_used + sizeof *h + c * OS_GRAIN <= OS_POOL) {
        h = (os_head *)(os_pool + os_used);
        os_used += sizeof *h + c * OS_GRAIN; /* 8-byte multiples: every block 8-aligned */
    } else {
        if ((h = malloc(sizeof *h + (size_t)(n > 0 ? n : 1))) == NULL) {
            return NULL;
        }
        h->cls = 0;
        return h + 1;
    }
    h->cls = c;
    return h + 1;
}

static void os_release(void *p)
{
    if (!p) {
        return;
    }
    os_head *h = (os_head *)p - 1;
    if (h->cls == 0) {
        free(h);
        return;
    }
    *(void **)p = os_free[h->cls];
    os_free[h->cls] = h;
}

static int os_size(void *p)
{
    os_head *h = (os_head *)p - 1;
    return h->cls ? (int)(h->cls * OS_GRAIN) : (int)malloc_usable_size(h) - (int)sizeof *h;
}

static void *os_realloc(void *p, int n)
{
    int have = os_size(p);
    os_head *h = (os_head *)p - 1;
    if (h->cls && n <= have) {
        return p;
    }
    void *q = os_malloc(n);
    if (q) {
        memcpy(q, p, (size_t)(have < n ? have : n));
        os_release(p);
    }
    return q;
}

static int os_roundup(int n)
{
    return os_class(n) <= OS_CLASSES ? (int)(os_class(n) * OS_GRAIN) : n;
}

static int os_init(void *unused)
{
    (void)unused;
    return SQLITE_OK;
}

static void os_shutdown(void *unused)
{
    (void)unused;
}

int kb_process_oneshot(void)
{
    static const sqlite3_mem_methods os_methods = {os_malloc,  os_release, os_realloc,  os_size,
                                                   os_roundup, os_init,    os_shutdown, NULL};
    if (sqlite3_config(SQLITE_CONFIG_SINGLETHREAD) != SQLITE_OK) {
        return -1;
    }
#if !defined(__SANITIZE_ADDRESS__)
    /* Sanitizer builds keep malloc, so that they still check SQLite's memory. */
    sqlite3_config(SQLITE_CONFIG_MALLOC, &os_methods);
#else
    (void)os_methods;
#endif
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    /* An in-memory image is "mapped" as it is: pages are read where they lie. */
    sqlite3_config(SQLITE_CONFIG_MMAP_SIZE, (sqlite3_int64)1 << 30, (sqlite3_int64)1 << 30);
    sqlite3_config(SQLITE_CONFIG_PAGECACHE, NULL, 0, 1);
    oneshot = 1;
    return 0;
}

/* A meta value other than the format tag, kept on the handle (the first of each key). */
static void keep_meta(kb *k, const char *key, const char *val)
{
    if (strcmp(key, "fingerprint") == 0) {
        snprintf(k->fingerprint, sizeof k->fingerprint, "%s", val);
    } else if (strcmp(key, "entries") == 0) {
        /* A count outside what a KB can hold is ignored: searches count the rows. */
        long n = strtol(val, NULL, 10);
        k->n_entries = n > 0 && n <= KB_MAX_ENTRIES ? (int)n : 0;
    } else if (strcmp(key, "synonyms") == 0 && !k->synonyms_text) {
        k->synonyms_text = xstrdup(val);
    } else if (strcmp(key, "links") == 0 && !k->links_text) {
        k->links_text = xstrdup(val);
    } else if (strcmp(key, "briefs") == 0 && !k->briefs_text) {
        k->briefs_text = xstrdup(val);
    }
}

static kb_status check_format(kb *k, const char *what, kb_diag *diag)
{
    sqlite3_stmt *st = NULL;
    kb_status rc = KB_ERR_DB;
    if (sqlite3_prepare_v2(k->db, "SELECT key, value FROM meta", -1, &st, NULL) != SQLITE_OK) {
        kb_diag_set(diag, what, 0, "not an oomkb knowledge base (%s)", sqlite3_errmsg(k->db));
        goto out;
    }
    int format_ok = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *key = (const char *)sqlite3_column_text(st, 0);
        /* (the vocabulary is read when a search first needs it, not at every open) */
        const char *val =
            key && strcmp(key, "vocab") != 0 ? (const char *)sqlite3_column_text(st, 1) : NULL;
        if (!key || !val) {
            continue;
        }
        if (strcmp(key, "format") == 0) {
            format_ok = strcmp(val, KB_FORMAT) == 0;
            if (!format_ok) {
                kb_diag_set(diag, what, 0, "knowledge base format %s, expected %s", val, KB_FORMAT);
                goto out;
            }
        } else {
            keep_meta(k, key, val);
        }
    }
    if (!format_ok) {
        kb_diag_set(diag, what, 0, "not an oomkb knowledge base (no format tag)");
        goto out;
    }
    rc = KB_OK;
out:
    sqlite3_finalize(st);
    return rc;
}

static kb_status open_image(const unsigned char *image, size_t len, unsigned char *owned,
                            const char *what, kb **out, kb_diag *diag)
{
    kb *k = xcalloc(1, sizeof *k);
    k->owned_image = owned;
    if (sqlite3_open_v2(":memory:", &k->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        kb_diag_set(diag, what, 0, "cannot open: %s", sqlite3_errmsg(k->db));
        kb_close(k);
        return KB_ERR_DB;
    }
    /* READONLY without FREEONCLOSE: SQLite reads the image in place and never writes it. */
    int rc = sqlite3_deserialize(k->db, "main", (unsigned char *)image, (sqlite3_int64)len,
                                 (sqlite3_int64)len, SQLITE_DESERIALIZE_READONLY);
    if (rc != SQLITE_OK) {
        kb_diag_set(diag, what, 0, "cannot open: %s", sqlite3_errmsg(k->db));
        kb_close(k);
        return KB_ERR_DB;
    }
    kb_status st = check_format(k, what, diag);
    if (st != KB_OK) {
        kb_close(k);
        return st;
    }
    *out = k;
    return KB_OK;
}

kb_status kb_open_static_image(const unsigned char *image, size_t len, const char *what, kb **out,
                               kb_diag *diag)
{
    return open_image(image, len, NULL, what, out, diag);
}

kb_status kb_open_image(const unsigned char *image, size_t len, kb **out, kb_diag *diag)
{
    unsigned char *copy = xmalloc(len ? len : 1);
    memcpy(copy, image, len);
    return open_image(copy, len, copy, "(image)", out, diag);
}

kb_status kb_open_file(const char *path, kb **out, kb_diag *diag)
{
    kb *k = xcalloc(1, sizeof *k);
    int rc = sqlite3_open_v2(path, &k->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        kb_diag_set(diag, path, 0, "cannot open knowledge base: %s", sqlite3_errmsg(k->db));
        kb_close(k);
        return KB_ERR_IO;
    }
    kb_status st = check_format(k, path, diag);
    if (st != KB_OK) {
        kb_close(k);
        return st;
    }
    *out = k;
    return KB_OK;
}

/* The fallback database's image, copied out of main's aux_image into a new SQLite buffer;
 * NULL when there is none. The compiler's one row has rowid 1, read straight into the buffer
 * (a SELECT would assemble the value's overflow pages into a buffer of its own first: a
 * second 250 KB copy and its page faults); another row is found by a query. */
static unsigned char *aux_image_copy(kb *k, sqlite3_int64 *len)
{
    unsigned char *copy = NULL;
    *len = 0;
    sqlite3_blob *blob = NULL;
    if (sqlite3_blob_open(k->db, "main", "aux_image", "image", 1, 0, &blob) == SQLITE_OK) {
        int n = sqlite3_blob_bytes(blob);
        if (n > 0 && (copy = sqlite3_malloc64((sqlite3_uint64)n)) != NULL &&
            sqlite3_blob_read(blob, copy, n, 0) != SQLITE_OK) {
            sqlite3_free(copy);
            copy = NULL;
        }
        *len = copy ? n : 0;
        sqlite3_blob_close(blob);
        return copy;
    }
    sqlite3_blob_close(blob);
    sqlite3_stmt *st = kb_stmt(k, "SELECT image FROM aux_image");
    if (st && sqlite3_step(st) == SQLITE_ROW) {
        sqlite3_int64 n = sqlite3_column_bytes(st, 0);
        const void *img = sqlite3_column_blob(st, 0);
        if (img && n > 0 && (copy = sqlite3_malloc64((sqlite3_uint64)n)) != NULL) {
            memcpy(copy, img, (size_t)n);
            *len = n;
        }
    }
    if (st) {
        sqlite3_reset(st);
    }
    return copy;
}

kb_status kb_attach_aux(kb *k, kb_diag *diag)
{
    if (k->aux == 0) {
        k->aux = -1;
        sqlite3_int64 len = 0;
        unsigned char *copy = aux_image_copy(k, &len);
        if (copy &&
            sqlite3_exec(k->db, "ATTACH ':memory:' AS aux", NULL, NULL, NULL) == SQLITE_OK) {
            /* FREEONCLOSE: SQLite owns the copy from here, failure included. */
            if (sqlite3_deserialize(k->db, "aux", copy, len, len,
                                    SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_READONLY) ==
                SQLITE_OK) {
                k->aux = 1;
            }
        } else {
            sqlite3_free(copy);
        }
    }
    if (k->aux != 1) {
        kb_diag_set(diag, "", 0, "the knowledge base's fallback tables cannot be read: %s",
                    sqlite3_errmsg(k->db));
        return KB_ERR_DB;
    }
    return KB_OK;
}

sqlite3_stmt *kb_stmt(kb *k, const char *sql)
{
    for (int i = 0; i < k->n_stmts; i++) {
        if (strcmp(k->stmts[i].sql, sql) == 0) {
            sqlite3_reset(k->stmts[i].st);
            sqlite3_clear_bindings(k->stmts[i].st);
            return k->stmts[i].st;
        }
    }
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v3(k->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
        sqlite3_finalize(st);
        return NULL;
    }
    if (k->n_stmts == KB_STMT_CACHE) {
        /* Full: drop the oldest. */
        sqlite3_finalize(k->stmts[0].st);
        free(k->stmts[0].sql);
        memmove(&k->stmts[0], &k->stmts[1], (KB_STMT_CACHE - 1) * sizeof k->stmts[0]);
        k->n_stmts--;
    }
    k->stmts[k->n_stmts].sql = xstrdup(sql);
    k->stmts[k->n_stmts].st = st;
    k->n_stmts++;
    return st;
}

void kb_close(kb *k)
{
    if (!k) {
        return;
    }
    if (oneshot) {
        release(kept_until_exit);
        kept_until_exit = k;
        return;
    }
    release(k);
}

static void release(kb *k)
{
    if (!k) {
        return;
    }
    for (int i = 0; i < k->n_stmts; i++) {
        sqlite3_finalize(k->stmts[i].st);
        free(k->stmts[i].sql);
    }
    kb_search_state_free(k);
    free(k->synonyms_text);
    free(k->links_text);
    free(k->briefs_text);
    sqlite3_close(k->db);
    free(k->owned_image);
    free(k);
}

const char *kb_fingerprint(const kb *k)
{
    return k->fingerprint;
}

/* ---- Reading --------------------------------------------------------------------------- */

static char *col_dup(sqlite3_stmt *st, int i)
{
    const char *s = (const char *)sqlite3_column_text(st, i);
    return xstrdup(s ? s : "");
}

/* Column i of st, a KB_LIST_SEP-separated list, into out. */
static void col_list(sqlite3_stmt *st, int i, kb_strlist *out)
{
    const char *s = (const char *)sqlite3_column_text(st, i);
    while (s && *s) {
        const char *end = strchr(s, KB_LIST_SEP);
        size_t n = end ? (size_t)(end - s) : strlen(s);
        kb_strlist_push_n(out, s, n);
        s = end ? end + 1 : NULL;
    }
}

/* The public source of an external reference ("gotchas_universal.md U9",
 * "references/multinode.md"): its document, or the document's file name, looked up in the
 * links table. NULL when unknown (or when the KB has no links table). Caller frees. */
static char *ext_url(kb *k, const char *ref)
{
    size_t n = strcspn(ref, " ");
    char *doc = xstrndup(ref, n);
    const char *slash = strrchr(doc, '/');
    const char *base = slash ? slash + 1 : doc;
    char *url = NULL;
    for (const char *p = k->links_text; p && *p && !url;) {
        const char *tab = strchr(p, '\t');
        const char *nl = strchr(p, '\n');
        const char *end = nl ? nl : p + strlen(p);
        if (tab && tab < end) {
            size_t nn = (size_t)(tab - p);
            if ((strlen(doc) == nn && strncmp(p, doc, nn) == 0) ||
                (strlen(base) == nn && strncmp(p, base, nn) == 0)) {
                url = xstrndup(tab + 1, (size_t)(end - tab - 1));
            }
        }
        p = nl ? nl + 1 : end;
    }
    free(doc);
    return url;
}

kb_status kb_entry_get(kb *k, const char *id, kb_entry **out, kb_diag *diag)
{
    static const char *const sql =
        "SELECT e.ord, e.id, e.title, e.title_md, e.section, d.name, d.title, e.line_start,"
        " e.line_end, e.markdown, e.html, e.text,"
        " (SELECT id FROM entries WHERE ord = e.ord - 1),"
        " (SELECT id FROM entries WHERE ord = e.ord + 1),"
        " f.symptom, f.cause, f.fix, e.idents, e.refs, e.ext_refs, e.urls"
        " FROM entries e JOIN docs d ON d.ord = e.doc JOIN fts f ON f.rowid = e.ord"
        " WHERE e.id = ?1";
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(k->db, sql, -1, &st, NULL) != SQLITE_OK) {
        kb_diag_set(diag, "", 0, "cannot read entry: %s", sqlite3_errmsg(k->db));
        return KB_ERR_DB;
    }
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_finalize(st);
        kb_diag_set(diag, "", 0, "no entry %s", id);
        return KB_ERR_NOT_FOUND;
    }
    kb_entry *e = xcalloc(1, sizeof *e);
    e->ord = sqlite3_column_int(st, 0);
    e->id = col_dup(st, 1);
    e->title = col_dup(st, 2);
    e->title_md = col_dup(st, 3);
    e->section = col_dup(st, 4);
    e->doc = col_dup(st, 5);
    e->doc_title = col_dup(st, 6);
    e->line_start = sqlite3_column_int(st, 7);
    e->line_end = sqlite3_column_int(st, 8);
    e->markdown = col_dup(st, 9);
    e->html = col_dup(st, 10);
    e->text = col_dup(st, 11);
    e->prev_id = sqlite3_column_type(st, 12) == SQLITE_NULL ? NULL : col_dup(st, 12);
    e->next_id = sqlite3_column_type(st, 13) == SQLITE_NULL ? NULL : col_dup(st, 13);
    e->symptom = col_dup(st, 14);
    e->cause = col_dup(st, 15);
    e->fix = col_dup(st, 16);
    col_list(st, 17, &e->idents);
    col_list(st, 18, &e->refs);
    col_list(st, 19, &e->ext_refs);
    col_list(st, 20, &e->urls);
    sqlite3_finalize(st);
    for (size_t i = 0; i < e->ext_refs.n; i++) {
        char *url = ext_url(k, e->ext_refs.items[i]);
        kb_strlist_push(&e->ext_urls, url ? url : "");
        free(url);
    }
    /* The entries that reference this one: its ID is an item of their refs. */
    if (sqlite3_prepare_v2(k->db,
                           "SELECT id FROM entries WHERE instr(char(?2) || refs || char(?2),"
                           " char(?2) || ?1 || char(?2)) > 0 ORDER BY ord",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, e->id, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 2, KB_LIST_SEP);
        while (sqlite3_step(st) == SQLITE_ROW) {
            const char *s = (const char *)sqlite3_column_text(st, 0);
            kb_strlist_push(&e->backlinks, s ? s : "");
        }
    }
    sqlite3_finalize(st);
    if (k->builtin) {
        kb_url_cache_note(e->id, e->doc, e->markdown);
    }
    *out = e;
    return KB_OK;
}

void kb_entry_free(kb_entry *e)
{
    if (!e) {
        return;
    }
    free(e->id);
    free(e->title);
    free(e->title_md);
    free(e->section);
    free(e->doc);
    free(e->doc_title);
    free(e->markdown);
    free(e->html);
    free(e->text);
    free(e->symptom);
    free(e->cause);
    free(e->fix);
    free(e->prev_id);
    free(e->next_id);
    kb_strlist_free(&e->idents);
    kb_strlist_free(&e->refs);
    kb_strlist_free(&e->backlinks);
    kb_strlist_free(&e->ext_refs);
    kb_strlist_free(&e->ext_urls);
    kb_strlist_free(&e->urls);
    free(e);
}

kb_status kb_toc_get(kb *k, kb_toc **out, kb_diag *diag)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(k->db,
                           "SELECT e.id, e.title, e.section, d.name FROM entries e"
                           " JOIN docs d ON d.ord = e.doc ORDER BY e.ord",
                           -1, &st, NULL) != SQLITE_OK) {
        kb_diag_set(diag, "", 0, "cannot read entries: %s", sqlite3_errmsg(k->db));
        return KB_ERR_DB;
    }
    kb_toc *t = xcalloc(1, sizeof *t);
    while (sqlite3_step(st) == SQLITE_ROW) {
        t->items = xrealloc(t->items, (t->n + 1) * sizeof *t->items);
        kb_toc_item *it = &t->items[t->n++];
        it->id = col_dup(st, 0);
        it->title = col_dup(st, 1);
        it->section = col_dup(st, 2);
        it->doc = col_dup(st, 3);
    }
    sqlite3_finalize(st);
    *out = t;
    return KB_OK;
}

void kb_toc_free(kb_toc *t)
{
    if (!t) {
        return;
    }
    for (size_t i = 0; i < t->n; i++) {
        free(t->items[i].id);
        free(t->items[i].title);
        free(t->items[i].section);
        free(t->items[i].doc);
    }
    free(t->items);
    free(t);
}

kb_status kb_docs_get(kb *k, kb_docs **out, kb_diag *diag)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(k->db, "SELECT name, title, intro_md, intro_html FROM docs ORDER BY ord",
                           -1, &st, NULL) != SQLITE_OK) {
        kb_diag_set(diag, "", 0, "cannot read documents: %s", sqlite3_errmsg(k->db));
        return KB_ERR_DB;
    }
    kb_docs *d = xcalloc(1, sizeof *d);
    while (sqlite3_step(st) == SQLITE_ROW) {
        d->items = xrealloc(d->items, (d->n + 1) * sizeof *d->items);
        kb_doc_info *it = &d->items[d->n++];
        it->name = col_dup(st, 0);
        it->title = col_dup(st, 1);
        it->intro_md = col_dup(st, 2);
        it->intro_html = col_dup(st, 3);
    }
    sqlite3_finalize(st);
    *out = d;
    return KB_OK;
}

void kb_docs_free(kb_docs *d)
{
    if (!d) {
        return;
    }
    for (size_t i = 0; i < d->n; i++) {
        free(d->items[i].name);
        free(d->items[i].title);
        free(d->items[i].intro_md);
        free(d->items[i].intro_html);
    }
    free(d->items);
    free(d);
}

/* Levenshtein distance, case-insensitive, bounded inputs. */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a);
    size_t lb = strlen(b);
    if (la > 64 || lb > 64) {
        return 99;
    }
    size_t row[65];
    for (size_t j = 0; j <= lb; j++) {
        row[j] = j;
    }
    for (size_t i = 1; i <= la; i++) {
        size_t prev = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            int ca = (unsigned char)a[i - 1];
            int cb = (unsigned char)b[j - 1];
            ca = ca >= 'A' && ca <= 'Z' ? ca + 32 : ca;
            cb = cb >= 'A' && cb <= 'Z' ? cb + 32 : cb;
            size_t cur = row[j];
            size_t best = prev + (ca != cb);
            if (row[j] + 1 < best) {
                best = row[j] + 1;
            }
            if (row[j - 1] + 1 < best) {
                best = row[j - 1] + 1;
            }
            row[j] = best;
            prev = cur;
        }
    }
    return row[lb];
}

size_t kb_edit_distance(const char *a, const char *b)
{
    return edit_distance(a, b);
}

kb_status kb_suggest_ids(kb *k, const char *id, size_t max, kb_strlist *out)
{
    kb_toc *t = NULL;
    kb_status st = kb_toc_get(k, &t, NULL);
    if (st != KB_OK) {
        return st;
    }
    out->items = NULL;
    out->n = 0;
    for (size_t d = 0; d <= 3 && out->n < max; d++) {
        for (size_t i = 0; i < t->n && out->n < max; i++) {
            if (edit_distance(id, t->items[i].id) == d) {
                kb_strlist_push(out, t->items[i].id);
            }
        }
    }
    kb_toc_free(t);
    return KB_OK;
}
