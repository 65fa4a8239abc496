/* The one JSON shape of an entry, a search hit and a search answer (with its fallback note),
 * for every consumer: `oomkb show --format json`, `oomkb search --json`, /api/entries/ID and
 * /api/search. Pure functions from kb structures to text; only the titles of referenced
 * entries are read from the handle. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "kb/kb_int.h"

/* json_string that never fails on bytes the KB or a client sent (invalid UTF-8 becomes '?'). */
static json_t *jstr(const char *s)
{
    if (!s) {
        return json_null();
    }
    json_t *j = json_string(s);
    if (j) {
        return j;
    }
    buf b = BUF_INIT;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x80) {
            buf_append(&b, (const char *)p, 1);
        } else {
            buf_putc(&b, '?');
        }
    }
    j = json_string(b.data ? b.data : "");
    buf_free(&b);
    return j ? j : json_string("");
}

static char *entry_url(const char *base, const char *id)
{
    return xasprintf("%s/%s", base ? base : "", id);
}

static char *dump(json_t *o, int pretty)
{
    char *txt = json_dumps(o, JSON_PRESERVE_ORDER | (pretty ? JSON_INDENT(2) : JSON_COMPACT));
    json_decref(o);
    return txt ? txt : xstrdup("{}");
}

/* {"id", "title", "url"} of an entry of this KB (title null when unknown). */
static json_t *ref_json(kb *k, const char *id, const char *base)
{
    if (!id) {
        return json_null();
    }
    json_t *o = json_object();
    const char *title = NULL;
    sqlite3_stmt *st = kb_stmt(k, "SELECT id, title FROM entries WHERE id = ?1");
    if (st) {
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW) {
            title = (const char *)sqlite3_column_text(st, 1);
        }
    }
    char *url = entry_url(base, id);
    json_object_set_new(o, "id", jstr(id));
    json_object_set_new(o, "title", jstr(title));
    json_object_set_new(o, "url", jstr(url));
    if (st) {
        sqlite3_reset(st);
    }
    free(url);
    return o;
}

static json_t *refs_json(kb *k, const kb_strlist *l, const char *base)
{
    json_t *a = json_array();
    for (size_t i = 0; i < l->n; i++) {
        json_array_append_new(a, ref_json(k, l->items[i], base));
    }
    return a;
}

static json_t *strs_json(const kb_strlist *l)
{
    json_t *a = json_array();
    for (size_t i = 0; i < l->n; i++) {
        json_array_append_new(a, jstr(l->items[i]));
    }
    return a;
}

static json_t *external_json(const kb_entry *e)
{
    json_t *a = json_array();
    for (size_t i = 0; i < e->ext_refs.n; i++) {
        const char *url = i < e->ext_urls.n && *e->ext_urls.items[i] ? e->ext_urls.items[i] : NULL;
        json_t *o = json_object();
        json_object_set_new(o, "name", jstr(e->ext_refs.items[i]));
        json_object_set_new(o, "url", jstr(url));
        json_object_set_new(o, "in_kb", json_false());
        json_array_append_new(a, o);
    }
    return a;
}

char *kb_entry_json(kb *k, const kb_entry *e, const char *base_url, int pretty)
{
    json_t *o = json_object();
    char *url = entry_url(base_url, e->id);
    json_object_set_new(o, "id", jstr(e->id));
    json_object_set_new(o, "title", jstr(e->title));
    json_object_set_new(o, "title_markdown", jstr(e->title_md));
    json_object_set_new(o, "section", jstr(e->section));
    json_object_set_new(o, "document", jstr(e->doc));
    json_object_set_new(o, "document_title", jstr(e->doc_title));
    json_object_set_new(o, "url", jstr(url));
    json_object_set_new(o, "symptom", jstr(e->symptom));
    json_object_set_new(o, "root_cause", jstr(e->cause));
    json_object_set_new(o, "fix", jstr(e->fix));
    json_object_set_new(o, "markdown", jstr(e->markdown));
    json_object_set_new(o, "html", jstr(e->html));
    json_object_set_new(o, "text", jstr(e->text));
    json_object_set_new(o, "identifiers", strs_json(&e->idents));
    json_object_set_new(o, "references", refs_json(k, &e->refs, base_url));
    json_object_set_new(o, "referenced_by", refs_json(k, &e->backlinks, base_url));
    json_object_set_new(o, "external_references", external_json(e));
    json_object_set_new(o, "urls", strs_json(&e->urls));
    json_object_set_new(o, "previous", ref_json(k, e->prev_id, base_url));
    json_object_set_new(o, "next", ref_json(k, e->next_id, base_url));
    json_t *lines = json_object();
    json_object_set_new(lines, "start", json_integer(e->line_start));
    json_object_set_new(lines, "end", json_integer(e->line_end));
    json_object_set_new(o, "lines", lines);
    free(url);
    return dump(o, pretty);
}

char *kb_marked_html(const char *s)
{
    buf b = BUF_INIT;
    int open = 0;
    for (const char *p = s ? s : ""; *p; p++) {
        if (*p == KB_MARK_OPEN[0]) {
            if (!open) {
                buf_puts(&b, "<mark>");
            }
            open = 1;
        } else if (*p == KB_MARK_CLOSE[0]) {
            if (open) {
                buf_puts(&b, "</mark>");
            }
            open = 0;
        } else if ((unsigned char)*p < 0x20 && *p != '\n' && *p != '\t') {
            continue;
        } else {
            buf_html_escape(&b, p, 1);
        }
    }
    if (open) {
        buf_puts(&b, "</mark>");
    }
    return b.data ? buf_detach(&b) : xstrdup("");
}

static char *unmarked(const char *s)
{
    buf b = BUF_INIT;
    for (const char *p = s ? s : ""; *p; p++) {
        if (*p != KB_MARK_OPEN[0] && *p != KB_MARK_CLOSE[0]) {
            buf_putc(&b, *p);
        }
    }
    return b.data ? buf_detach(&b) : xstrdup("");
}

static json_t *hit_json(const kb_results *r, size_t i, const char *base)
{
    const kb_hit *h = &r->hits[i];
    json_t *o = json_object();
    char *url = entry_url(base, h->id);
    char *plain = unmarked(h->snippet);
    char *html = kb_marked_html(h->snippet);
    json_object_set_new(o, "id", jstr(h->id));
    json_object_set_new(o, "title", jstr(h->title));
    json_object_set_new(o, "section", jstr(h->section));
    json_object_set_new(o, "url", jstr(url));
    json_object_set_new(o, "score", json_real(h->score));
    json_object_set_new(o, "match", jstr(kb_fallback_name(r->fallback)));
    json_object_set_new(o, "snippet", jstr(plain));
    json_object_set_new(o, "snippet_html", jstr(html));
    json_t *lines = json_array();
    for (size_t j = 0; j < h->n_lines; j++) {
        char *t = unmarked(h->lines[j].text);
        json_t *l = json_object();
        json_object_set_new(l, "line", json_integer(h->lines[j].lineno));
        json_object_set_new(l, "text", jstr(t));
        json_array_append_new(lines, l);
        free(t);
    }
    json_object_set_new(o, "lines", lines);
    free(url);
    free(plain);
    free(html);
    return o;
}

char *kb_hit_json(const kb_results *r, size_t i, const char *base_url)
{
    return dump(hit_json(r, i, base_url), 0);
}

char *kb_results_json(const kb_results *r, const char *query, size_t limit, const char *base_url)
{
    json_t *root = json_object();
    char *note = kb_results_note(r);
    json_object_set_new(root, "query", jstr(query));
    json_object_set_new(root, "understood", jstr(r->understood ? r->understood : ""));
    json_object_set_new(root, "match", jstr(kb_fallback_name(r->fallback)));
    json_object_set_new(root, "fallback",
                        r->fallback == KB_MATCH_ALL || r->fallback == KB_MATCH_ID
                            ? json_null()
                            : jstr(kb_fallback_name(r->fallback)));
    json_object_set_new(root, "note", jstr(note));
    json_object_set_new(root, "corrected", jstr(r->corrected));
    json_object_set_new(root, "suggestion", jstr(r->suggestion));
    json_object_set_new(root, "limit", json_integer((json_int_t)limit));
    json_object_set_new(root, "count", json_integer((json_int_t)r->n));
    json_object_set_new(root, "total", json_integer((json_int_t)r->total));
    json_t *arr = json_array();
    for (size_t i = 0; i < r->n; i++) {
        json_array_append_new(arr, hit_json(r, i, base_url));
    }
    json_object_set_new(root, "results", arr);
    free(note);
    return dump(root, 0);
}
