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

/* base NULL: the entry's public page (kb_entry_url; NULL when it has none); "" gives the
 * server's relative "/ID". */
static char *entry_url(const char *base, const char *id)
{
    if (!base) {
        return kb_entry_url(NULL, id);
    }
    return xasprintf("%s/%s", base, id);
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

/* ---- Hits and answers: written directly (they are made for every new search, where
 * building and dumping a jansson tree was a third of the cost) ----------------------------- */

/* Appends byte c of a JSON string: escaped for JSON, and for HTML too when html. Control
 * bytes other than newline and tab are \u escapes (dropped from HTML). */
static void put_char(buf *b, const unsigned char *c, int html, int utf8)
{
    static const char hex[] = "0123456789abcdef";
    switch (*c) {
    case '"':
        buf_puts(b, "\\\"");
        return;
    case '\\':
        buf_puts(b, "\\\\");
        return;
    case '\n':
        buf_puts(b, "\\n");
        return;
    case '\t':
        buf_puts(b, "\\t");
        return;
    default:
        break;
    }
    const char *ent = !html        ? NULL
                      : *c == '<'  ? "&lt;"
                      : *c == '>'  ? "&gt;"
                      : *c == '&'  ? "&amp;"
                      : *c == '\'' ? "&#39;"
                                   : NULL;
    if (ent) {
        buf_puts(b, ent);
    } else if (*c < 0x20 || *c == 0x7F) {
        if (!html) {
            char u[7] = {'\\', 'u', '0', '0', hex[*c >> 4], hex[*c & 15], 0};
            buf_puts(b, u);
        }
    } else if (*c >= 0x80 && !utf8) {
        buf_putc(b, '?');
    } else {
        buf_append(b, (const char *)c, 1);
    }
}

/* 1 when c goes into a JSON string (and HTML when html) as it is. */
static int plain_byte(unsigned char c, int html, int utf8)
{
    if (c < 0x20 || c == 0x7F || c == '"' || c == '\\' || (c >= 0x80 && !utf8)) {
        return 0;
    }
    return !html || (c != '<' && c != '>' && c != '&' && c != '\'');
}

/* Appends s as a JSON string (null for NULL); KB marks dropped (drop_marks) or turned into
 * <mark> with the text HTML-escaped (html). Bytes that are not UTF-8 (never in a KB; the
 * query is checked) become '?'. */
static void put_str(buf *b, const char *s, int html, int drop_marks)
{
    if (!s) {
        buf_puts(b, "null");
        return;
    }
    int utf8 = util_utf8_valid(s, strlen(s), NULL, NULL);
    int open = 0;
    buf_putc(b, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        /* A run that needs no escaping goes in at once. */
        size_t run = 0;
        while (plain_byte(p[run], html, utf8)) {
            run++;
        }
        buf_append(b, (const char *)p, run);
        p += run;
        if (!*p) {
            break;
        }
        int mark = *p == (unsigned char)KB_MARK_OPEN[0] || *p == (unsigned char)KB_MARK_CLOSE[0];
        if (mark && (html || drop_marks)) {
            int opening = *p == (unsigned char)KB_MARK_OPEN[0];
            if (html && opening != open) {
                buf_puts(b, open ? "</mark>" : "<mark>");
                open = opening;
            }
            continue;
        }
        put_char(b, p, html, utf8);
    }
    buf_puts(b, open ? "</mark>\"" : "\"");
}

/* Appends "key": for the next member (a comma first unless it opens the object). */
static void put_key(buf *b, const char *key)
{
    int opens = !b->len || b->data[b->len - 1] == '{' || b->data[b->len - 1] == '[';
    if (!opens) {
        buf_putc(b, ',');
    }
    buf_putc(b, '"');
    buf_puts(b, key);
    buf_puts(b, "\":");
}

static void put_hit(buf *b, const kb_results *r, size_t i, const char *base)
{
    const kb_hit *h = &r->hits[i];
    buf_putc(b, '{');
    put_key(b, "id");
    put_str(b, h->id, 0, 0);
    put_key(b, "title");
    put_str(b, h->title, 0, 0);
    put_key(b, "section");
    put_str(b, h->section, 0, 0);
    put_key(b, "url");
    char *url = entry_url(base, h->id);
    put_str(b, url, 0, 0);
    free(url);
    put_key(b, "score");
    buf_printf(b, "%.17g", h->score);
    put_key(b, "match");
    put_str(b, kb_fallback_name(r->fallback), 0, 0);
    put_key(b, "snippet");
    put_str(b, h->snippet ? h->snippet : "", 0, 1);
    put_key(b, "snippet_html");
    put_str(b, h->snippet ? h->snippet : "", 1, 0);
    put_key(b, "lines");
    buf_putc(b, '[');
    for (size_t j = 0; j < h->n_lines; j++) {
        buf_puts(b, j ? ",{" : "{");
        put_key(b, "line");
        buf_printf(b, "%d", h->lines[j].lineno);
        put_key(b, "text");
        put_str(b, h->lines[j].text, 0, 1);
        buf_putc(b, '}');
    }
    buf_puts(b, "]}");
}

char *kb_hit_json(const kb_results *r, size_t i, const char *base_url)
{
    buf b = BUF_INIT;
    put_hit(&b, r, i, base_url);
    return buf_detach(&b);
}

char *kb_results_json(const kb_results *r, const char *query, size_t limit, const char *base_url)
{
    buf b = BUF_INIT;
    char *note = kb_results_note(r);
    buf_putc(&b, '{');
    put_key(&b, "query");
    put_str(&b, query, 0, 0);
    put_key(&b, "understood");
    put_str(&b, r->understood ? r->understood : "", 0, 0);
    put_key(&b, "match");
    put_str(&b, kb_fallback_name(r->fallback), 0, 0);
    put_key(&b, "fallback");
    put_str(&b,
            r->fallback == KB_MATCH_ALL || r->fallback == KB_MATCH_ID
                ? NULL
                : kb_fallback_name(r->fallback),
            0, 0);
    put_key(&b, "note");
    put_str(&b, note, 0, 0);
    put_key(&b, "corrected");
    put_str(&b, r->corrected, 0, 0);
    put_key(&b, "suggestion");
    put_str(&b, r->suggestion, 0, 0);
    put_key(&b, "limit");
    buf_printf(&b, "%zu", limit);
    put_key(&b, "count");
    buf_printf(&b, "%zu", r->n);
    put_key(&b, "total");
    buf_printf(&b, "%zu", r->total);
    put_key(&b, "results");
    buf_putc(&b, '[');
    for (size_t i = 0; i < r->n; i++) {
        if (i) {
            buf_putc(&b, ',');
        }
        put_hit(&b, r, i, base_url);
    }
    buf_puts(&b, "]}");
    free(note);
    return buf_detach(&b);
}
