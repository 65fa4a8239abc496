/* Page rendering for the server: fills the layout (web/index.html) and renders search results
 * and error pages as HTML, terminal text and JSON. Pure functions from KB data to bytes; the
 * per-entry and home pages built at start-up are in pages.c. Every string from the KB or the
 * request is escaped here: HTML-escaped first, then KB markers turned into <mark>. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "server/server_int.h"

char *srv_render_page(const srv_layout *l, const char *title, const char *page_class, const char *q,
                      const char *main_html)
{
    buf b = BUF_INIT;
    const char *p = l->html;
    for (;;) {
        const char *open = strstr(p, "{{");
        if (!open) {
            buf_puts(&b, p);
            break;
        }
        const char *close = strstr(open + 2, "}}");
        if (!close) {
            buf_puts(&b, p);
            break;
        }
        buf_append(&b, p, (size_t)(open - p));
        size_t n = (size_t)(close - open - 2);
        const char *name = open + 2;
        if (n == 5 && memcmp(name, "title", 5) == 0) {
            buf_html_escape(&b, title, strlen(title));
        } else if (n == 4 && memcmp(name, "page", 4) == 0) {
            buf_html_escape(&b, page_class, strlen(page_class));
        } else if (n == 1 && name[0] == 'q') {
            buf_html_escape(&b, q ? q : "", q ? strlen(q) : 0);
        } else if (n == 4 && memcmp(name, "main", 4) == 0) {
            buf_puts(&b, main_html);
        } else {
            buf_append(&b, open, n + 4);
        }
        p = close + 2;
    }
    return buf_detach(&b);
}

char *srv_anchor_headings(const char *html, const char *prefix)
{
    buf b = BUF_INIT;
    const char *p = html;
    for (;;) {
        const char *h = strstr(p, "<h");
        if (!h) {
            buf_puts(&b, p);
            break;
        }
        /* cmark writes headings as a bare "<hN>" (no sourcepos): only those are rewritten. */
        if (!(h[2] >= '1' && h[2] <= '6' && h[3] == '>')) {
            buf_append(&b, p, (size_t)(h - p) + 2);
            p = h + 2;
            continue;
        }
        char close_tag[6] = {'<', '/', 'h', h[2], '>', 0};
        const char *end = strstr(h + 4, close_tag);
        if (!end) {
            buf_puts(&b, p);
            break;
        }
        buf_append(&b, p, (size_t)(h - p));
        /* The slug comes from the heading's text with tags dropped. */
        buf text = BUF_INIT;
        int in_tag = 0;
        for (const char *c = h + 4; c < end; c++) {
            if (*c == '<') {
                in_tag = 1;
            } else if (*c == '>') {
                in_tag = 0;
            } else if (!in_tag) {
                buf_putc(&text, *c);
            }
        }
        buf id = BUF_INIT;
        buf_puts(&id, prefix);
        buf_putc(&id, '-');
        srv_slug(&id, text.data ? text.data : "", text.len);
        buf_printf(&b, "<h%c id=\"", h[2]);
        buf_html_escape(&b, id.data, id.len);
        buf_puts(&b, "\">");
        buf_append(&b, h + 4, (size_t)(end - h - 4));
        buf_puts(&b, " <a class=\"anchor\" href=\"#");
        buf_html_escape(&b, id.data, id.len);
        buf_puts(&b, "\" aria-label=\"Link to this heading\">#</a>");
        buf_puts(&b, close_tag);
        buf_free(&text);
        buf_free(&id);
        p = end + 5;
    }
    return buf_detach(&b);
}

char *srv_inline_html(const char *markdown)
{
    char *html = kb_render_html(markdown);
    if (!html) {
        buf b = BUF_INIT;
        buf_html_escape(&b, markdown, strlen(markdown));
        return buf_detach(&b);
    }
    size_t n = strlen(html);
    while (n && (html[n - 1] == '\n' || html[n - 1] == ' ')) {
        n--;
    }
    if (n >= 7 && strncmp(html, "<p>", 3) == 0 && strncmp(html + n - 4, "</p>", 4) == 0 &&
        !strstr(html + 3, "<p>")) {
        char *inner = xstrndup(html + 3, n - 7);
        free(html);
        return inner;
    }
    html[n] = '\0';
    return html;
}

/* The kb's one sentence for how the results were found, capitalised and ended, into b
 * (HTML-escaped when html); nothing for a plain match. */
static void note_put(buf *b, const kb_results *r, int html)
{
    char *note = kb_results_note(r);
    if (!note) {
        return;
    }
    if (note[0] >= 'a' && note[0] <= 'z') {
        note[0] = (char)(note[0] - 32);
    }
    if (html) {
        buf_html_escape(b, note, strlen(note));
    } else {
        buf_puts(b, note);
    }
    buf_puts(b, ".");
    free(note);
}

/* "Showing results for X; search instead for Y": Y links to the search as typed. */
static void correction_html(buf *m, const kb_results *r)
{
    buf_puts(m, " Showing results for <strong class=\"corrected\">");
    buf_html_escape(m, r->corrected, strlen(r->corrected));
    buf_puts(m,
             "</strong>; search instead for <a class=\"verbatim\" href=\"/search?exact=1&amp;q=");
    srv_url_encode(m, r->typed);
    buf_puts(m, "\">");
    buf_html_escape(m, r->typed, strlen(r->typed));
    buf_puts(m, "</a>.");
}

static void hits_html(buf *b, const char *q, const kb_results *r)
{
    buf_puts(b, "<ol class=\"hits\" id=\"hits\">\n");
    for (size_t i = 0; i < r->n; i++) {
        const kb_hit *h = &r->hits[i];
        buf_puts(b, "<li><a class=\"hit\" href=\"/");
        srv_url_encode(b, h->id);
        buf_puts(b, "?highlight=");
        srv_url_encode(b, q);
        buf_puts(b, "\"><span class=\"hit-id\">");
        buf_html_escape(b, h->id, strlen(h->id));
        buf_puts(b, "</span> \xe2\x80\x94 <span class=\"hit-title\">");
        buf_html_escape(b, h->title, strlen(h->title));
        buf_puts(b, "</span></a>");
        if (h->snippet && *h->snippet) {
            buf_puts(b, "<p class=\"snippet\">");
            srv_marked_html(b, h->snippet);
            buf_puts(b, "</p>");
        }
        buf_puts(b, "<p class=\"hit-section\">");
        buf_html_escape(b, h->section, strlen(h->section));
        buf_puts(b, "</p></li>\n");
    }
    buf_puts(b, "</ol>\n");
}

char *srv_render_search_html(const srv_site *s, const char *q, const kb_results *r, const char *err)
{
    return srv_render_search_html_card(s, q, r, err, NULL);
}

char *srv_render_search_html_card(const srv_site *s, const char *q, const kb_results *r,
                                  const char *err, const char *card_html)
{
    buf m = BUF_INIT;
    buf_puts(&m, "<section class=\"search-page\">\n<h1>Search</h1>\n");
    if (card_html) {
        buf_puts(&m, card_html);
    }
    if (err) {
        buf_puts(&m, "<p class=\"status error\" id=\"status\">");
        buf_html_escape(&m, err, strlen(err));
        buf_puts(&m, "</p>\n");
    } else if (!r) {
        buf_puts(&m, "<p class=\"status\" id=\"status\">Type a symptom, an error message or an "
                     "identifier: <code>expandable_segments</code>, <code>validation</code>, "
                     "<code>M8</code>.</p>\n");
    } else {
        buf_printf(&m, "<p class=\"status\" id=\"status\">%zu result%s for <q>", r->n,
                   r->n == 1 ? "" : "s");
        buf_html_escape(&m, q, strlen(q));
        buf_puts(&m, "</q>.");
        if (r->corrected) {
            correction_html(&m, r);
            kb_results plain = *r;
            plain.corrected = NULL;
            if (plain.fallback != KB_MATCH_NONE && plain.fallback != KB_MATCH_ALL) {
                buf_putc(&m, ' ');
                note_put(&m, &plain, 1);
            }
        } else if (r->fallback != KB_MATCH_NONE && r->fallback != KB_MATCH_ALL) {
            buf_putc(&m, ' ');
            note_put(&m, r, 1);
        }
        if (r->fallback == KB_MATCH_NONE && r->suggestion && *r->suggestion) {
            buf_puts(&m, " Did you mean <a class=\"suggestion\" href=\"/search?q=");
            srv_url_encode(&m, r->suggestion);
            buf_puts(&m, "\">");
            buf_html_escape(&m, r->suggestion, strlen(r->suggestion));
            buf_puts(&m, "</a>?");
        }
        buf_puts(&m, "</p>\n");
        hits_html(&m, q, r);
    }
    buf_puts(&m, "<p class=\"more\"><a href=\"/\">All entries</a></p>\n</section>\n");
    buf title = BUF_INIT;
    if (q && *q) {
        buf_printf(&title, "%s \xe2\x80\x94 search \xe2\x80\x94 %s", q, s->doc_title);
    } else {
        buf_printf(&title, "Search \xe2\x80\x94 %s", s->doc_title);
    }
    char *page = srv_render_page(&s->layout, title.data, "search", q, m.data);
    buf_free(&m);
    buf_free(&title);
    return page;
}

char *srv_render_search_text(const char *q, const kb_results *r, const char *err)
{
    buf b = BUF_INIT;
    if (err) {
        buf_printf(&b, "error: %s\n", err);
        return buf_detach(&b);
    }
    if (!r) {
        buf_puts(&b, "usage: /search?q=WORDS   (JSON: /api/search?q=WORDS)\n");
        return buf_detach(&b);
    }
    buf_printf(&b, "%zu result%s for \"%s\".", r->n, r->n == 1 ? "" : "s", q);
    if (r->corrected || (r->fallback != KB_MATCH_NONE && r->fallback != KB_MATCH_ALL)) {
        buf_putc(&b, ' ');
        note_put(&b, r, 0);
    }
    if (r->fallback == KB_MATCH_NONE && r->suggestion && *r->suggestion) {
        buf_printf(&b, ". Did you mean \"%s\"?", r->suggestion);
    }
    buf_puts(&b, "\n");
    for (size_t i = 0; i < r->n; i++) {
        const kb_hit *h = &r->hits[i];
        buf_printf(&b, "\n%-4s %s\n     %s\n", h->id, h->title, h->section);
        if (h->snippet && *h->snippet) {
            buf_puts(&b, "     ");
            srv_marked_plain(&b, h->snippet);
            buf_puts(&b, "\n");
        }
        buf_printf(&b, "     /%s\n", h->id);
    }
    return buf_detach(&b);
}

/* json_string that never fails on bytes the KB or a client sent. */
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
    srv_utf8_clean(&b, s, strlen(s));
    j = json_string(b.data ? b.data : "");
    buf_free(&b);
    return j ? j : json_string("");
}

static char *json_finish(json_t *root)
{
    char *out = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(root);
    if (!out) {
        return xstrdup("{}\n");
    }
    char *copy = xasprintf("%s\n", out);
    free(out);
    return copy;
}

char *srv_render_search_json(const char *q, size_t limit, const kb_results *r)
{
    char *json = kb_results_json(r, q, limit, "");
    size_t n = strlen(json);
    json = xrealloc(json, n + 2); /* the line end, without copying the answer again */
    json[n] = '\n';
    json[n + 1] = '\0';
    return json;
}

static const char *status_reason(int status)
{
    switch (status) {
    case 400:
        return "Bad Request";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 413:
        return "Content Too Large";
    case 503:
        return "Service Unavailable";
    default:
        return "Error";
    }
}

char *srv_render_error_html(const srv_site *s, int status, const char *title,
                            const char *message_html, const kb_strlist *ids, const char *q)
{
    buf m = BUF_INIT;
    buf_printf(&m, "<section class=\"error-page\">\n<h1>%d \xe2\x80\x94 ", status);
    buf_html_escape(&m, title, strlen(title));
    buf_printf(&m, "</h1>\n<p>%s</p>\n", message_html);
    size_t shown = 0;
    for (size_t i = 0; ids && i < ids->n; i++) {
        const srv_entry *e = srv_site_entry(s, ids->items[i], strlen(ids->items[i]));
        if (!e) {
            continue;
        }
        if (!shown++) {
            buf_puts(&m, "<p>Did you mean:</p>\n<ul class=\"suggest\">\n");
        }
        buf_puts(&m, "<li><a href=\"/");
        srv_url_encode(&m, e->id);
        buf_puts(&m, "\">");
        buf_html_escape(&m, e->id, strlen(e->id));
        buf_puts(&m, " \xe2\x80\x94 ");
        buf_html_escape(&m, e->title, strlen(e->title));
        buf_puts(&m, "</a></li>\n");
    }
    if (shown) {
        buf_puts(&m, "</ul>\n");
    }
    buf_puts(&m, "<p>Search above, or browse <a href=\"/\">all entries</a>.</p>\n</section>\n");
    buf t = BUF_INIT;
    buf_printf(&t, "%d %s \xe2\x80\x94 %s", status, status_reason(status), s->doc_title);
    char *page = srv_render_page(&s->layout, t.data, "error", q, m.data);
    buf_free(&m);
    buf_free(&t);
    return page;
}

char *srv_render_error_text(int status, const char *message, const kb_strlist *ids,
                            const srv_site *s)
{
    buf b = BUF_INIT;
    buf_printf(&b, "%d %s: %s\n", status, status_reason(status), message);
    size_t shown = 0;
    for (size_t i = 0; ids && i < ids->n; i++) {
        const srv_entry *e = srv_site_entry(s, ids->items[i], strlen(ids->items[i]));
        if (e) {
            buf_printf(&b, "%s%-4s %s   /%s\n", shown++ ? "" : "\nDid you mean:\n", e->id, e->title,
                       e->id);
        }
    }
    return buf_detach(&b);
}

char *srv_render_error_json(int status, const char *message, const kb_strlist *ids,
                            const srv_site *s)
{
    json_t *root = json_object();
    json_t *err = json_object();
    json_object_set_new(err, "status", json_integer(status));
    json_object_set_new(err, "message", jstr(message));
    json_object_set_new(root, "error", err);
    json_t *sugg = json_array();
    for (size_t i = 0; ids && i < ids->n; i++) {
        const srv_entry *e = srv_site_entry(s, ids->items[i], strlen(ids->items[i]));
        if (e) {
            json_t *o = json_object();
            json_object_set_new(o, "id", jstr(e->id));
            json_object_set_new(o, "title", jstr(e->title));
            char *url = xasprintf("/%s", e->id);
            json_object_set_new(o, "url", jstr(url));
            free(url);
            json_array_append_new(sugg, o);
        }
    }
    json_object_set_new(root, "suggestions", sugg);
    return json_finish(root);
}
