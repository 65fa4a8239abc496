/* The pages that do not depend on a query, rendered once at start-up by site.c: the home page
 * (introduction and entries by section), each entry as HTML, terminal text and JSON, and the
 * entry list as JSON. Pure functions of KB data; links between entries are root-relative. */
#include "server/pages.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define DASH " \xe2\x80\x94 "

static void esc(buf *b, const char *s)
{
    if (s) {
        buf_html_escape(b, s, strlen(s));
    }
}

static void entry_link(buf *b, const srv_site *s, const char *id, const char *rel)
{
    const srv_entry *e = srv_site_entry(s, id, strlen(id));
    buf_puts(b, "<a href=\"/");
    srv_url_encode(b, e ? e->id : id);
    buf_puts(b, "\"");
    if (rel) {
        buf_printf(b, " rel=\"%s\"", rel);
    }
    buf_puts(b, "><span class=\"eid\">");
    esc(b, e ? e->id : id);
    buf_puts(b, "</span>");
    if (e) {
        buf_puts(b, DASH);
        esc(b, e->title);
    }
    buf_puts(b, "</a>");
}

static void id_list(buf *b, const srv_site *s, const char *heading, const kb_strlist *l)
{
    if (!l->n) {
        return;
    }
    buf_puts(b, "<section><h2>");
    esc(b, heading);
    buf_puts(b, "</h2>\n<ul>\n");
    for (size_t i = 0; i < l->n; i++) {
        buf_puts(b, "<li>");
        entry_link(b, s, l->items[i], NULL);
        buf_puts(b, "</li>\n");
    }
    buf_puts(b, "</ul></section>\n");
}

static int is_web_url(const char *u)
{
    return strncmp(u, "https://", 8) == 0 || strncmp(u, "http://", 7) == 0;
}

/* The documents an entry refers to outside the KB: each says so, and links to its public
 * source where the KB knows one. */
static void external_list(buf *m, const kb_entry *e)
{
    if (e->ext_refs.n) {
        buf_puts(m, "<section><h2>Elsewhere</h2>\n<ul class=\"external\">\n");
        for (size_t i = 0; i < e->ext_refs.n; i++) {
            const char *url = i < e->ext_urls.n ? e->ext_urls.items[i] : "";
            buf_puts(m, "<li>");
            if (*url) {
                buf_puts(m, "<a rel=\"external noopener noreferrer\" href=\"");
                esc(m, url);
                buf_puts(m, "\">");
            }
            buf_puts(m, "<span class=\"ext-ref\">");
            esc(m, e->ext_refs.items[i]);
            buf_puts(m, *url ? "</span></a>" : "</span>");
            buf_puts(m, " <span class=\"note\">(outside this knowledge base");
            buf_puts(m, *url ? "; its public source)</span></li>\n" : ")</span></li>\n");
        }
        buf_puts(m, "</ul></section>\n");
    }
}

char *srv_page_entry_html(const srv_site *s, const kb_entry *e)
{
    buf m = BUF_INIT;
    buf sec = BUF_INIT;
    buf_puts(&sec, "s-");
    srv_slug(&sec, e->section, strlen(e->section));

    buf_puts(&m, "<nav class=\"crumbs\" aria-label=\"Breadcrumb\"><a href=\"/\">");
    esc(&m, e->doc_title);
    buf_puts(&m, "</a> \xe2\x80\xba <a href=\"/#");
    esc(&m, sec.data);
    buf_puts(&m, "\">");
    esc(&m, e->section);
    buf_puts(&m, "</a></nav>\n<article class=\"entry\" id=\"entry\">\n<h1 id=\"");
    esc(&m, e->id);
    buf_puts(&m, "\"><span class=\"eid\">");
    esc(&m, e->id);
    buf_puts(&m, "</span>" DASH);
    char *title_html = srv_inline_html(e->title_md ? e->title_md : e->title);
    buf_puts(&m, title_html);
    free(title_html);
    buf_puts(&m, " <a class=\"anchor\" href=\"#");
    esc(&m, e->id);
    buf_puts(&m, "\" aria-label=\"Link to this entry\">#</a></h1>\n<div class=\"body\">\n");
    char *body = srv_anchor_headings(e->html ? e->html : "", e->id);
    buf_puts(&m, body);
    free(body);
    buf_puts(&m, "</div>\n</article>\n<aside class=\"meta\" aria-label=\"Related\">\n");

    id_list(&m, s, "References", &e->refs);
    id_list(&m, s, "Referenced by", &e->backlinks);
    external_list(&m, e);
    size_t n_urls = 0;
    for (size_t i = 0; i < e->urls.n; i++) {
        if (!is_web_url(e->urls.items[i])) {
            continue;
        }
        if (!n_urls++) {
            buf_puts(&m, "<section><h2>Sources</h2>\n<ul class=\"sources\">\n");
        }
        buf_puts(&m, "<li><a rel=\"external noopener noreferrer\" href=\"");
        esc(&m, e->urls.items[i]);
        buf_puts(&m, "\">");
        esc(&m, e->urls.items[i]);
        buf_puts(&m, "</a></li>\n");
    }
    if (n_urls) {
        buf_puts(&m, "</ul></section>\n");
    }
    buf_puts(&m, "<p class=\"source\">Source: <code>");
    esc(&m, e->doc);
    buf_printf(&m, "</code>, lines %d\xe2\x80\x93%d \xc2\xb7 <a href=\"/", e->line_start,
               e->line_end);
    srv_url_encode(&m, e->id);
    buf_puts(&m, ".md\">Markdown</a> \xc2\xb7 <a href=\"/");
    srv_url_encode(&m, e->id);
    buf_puts(&m, ".txt\">text</a> \xc2\xb7 <a href=\"/api/entries/");
    srv_url_encode(&m, e->id);
    buf_puts(&m, "\">JSON</a></p>\n</aside>\n");

    if (e->prev_id || e->next_id) {
        buf_puts(&m, "<nav class=\"prevnext\" aria-label=\"Previous and next\">\n");
        if (e->prev_id) {
            buf_puts(&m, "<span class=\"prev\">\xe2\x86\x90 ");
            entry_link(&m, s, e->prev_id, "prev");
            buf_puts(&m, "</span>\n");
        }
        if (e->next_id) {
            buf_puts(&m, "<span class=\"next\">");
            entry_link(&m, s, e->next_id, "next");
            buf_puts(&m, " \xe2\x86\x92</span>\n");
        }
        buf_puts(&m, "</nav>\n");
    }
    buf title = BUF_INIT;
    buf_printf(&title, "%s" DASH "%s", e->id, e->title);
    char *page = srv_render_page(&s->layout, title.data, "entry", "", m.data);
    buf_free(&title);
    buf_free(&m);
    buf_free(&sec);
    return page;
}

static void text_ids(buf *b, const char *label, const kb_strlist *l)
{
    if (!l->n) {
        return;
    }
    buf_printf(b, "%-15s", label);
    for (size_t i = 0; i < l->n; i++) {
        buf_printf(b, "%s%s", i ? ", " : "", l->items[i]);
    }
    buf_putc(b, '\n');
}

char *srv_page_entry_text(const srv_site *s, const kb_entry *e)
{
    (void)s;
    buf b = BUF_INIT;
    char *body = kb_render_text(e->markdown ? e->markdown : "", 0, 80);
    if (body) {
        buf_puts(&b, body);
        free(body);
    }
    if (b.len && b.data[b.len - 1] != '\n') {
        buf_putc(&b, '\n');
    }
    buf_puts(&b, "\n");
    text_ids(&b, "References:", &e->refs);
    text_ids(&b, "Referenced by:", &e->backlinks);
    for (size_t i = 0; i < e->ext_refs.n; i++) {
        const char *url = i < e->ext_urls.n ? e->ext_urls.items[i] : "";
        buf_printf(&b, "%-15s%s (outside this knowledge base)%s%s\n",
                   "Elsewhere:", e->ext_refs.items[i], *url ? ": " : "", url);
    }
    if (e->prev_id) {
        buf_printf(&b, "%-15s/%s\n", "Previous:", e->prev_id);
    }
    if (e->next_id) {
        buf_printf(&b, "%-15s/%s\n", "Next:", e->next_id);
    }
    buf_printf(&b, "%-15s%s, lines %d-%d (/%s.md, /api/entries/%s)\n", "Source:", e->doc,
               e->line_start, e->line_end, e->id, e->id);
    return buf_detach(&b);
}

static json_t *jstr(const char *s)
{
    if (!s) {
        return json_null();
    }
    json_t *j = json_string(s);
    if (!j) {
        buf b = BUF_INIT;
        srv_utf8_clean(&b, s, strlen(s));
        j = json_string(b.data ? b.data : "");
        buf_free(&b);
    }
    return j ? j : json_string("");
}

static char *dump(json_t *root)
{
    char *out = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(root);
    char *copy = xasprintf("%s\n", out ? out : "{}");
    free(out);
    return copy;
}

char *srv_page_entries_json(const srv_site *s, const kb_toc *t)
{
    (void)s;
    json_t *root = json_object();
    json_object_set_new(root, "count", json_integer((json_int_t)t->n));
    json_t *a = json_array();
    for (size_t i = 0; i < t->n; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "id", jstr(t->items[i].id));
        json_object_set_new(o, "title", jstr(t->items[i].title));
        json_object_set_new(o, "section", jstr(t->items[i].section));
        json_object_set_new(o, "doc", jstr(t->items[i].doc));
        char *url = xasprintf("/%s", t->items[i].id);
        json_object_set_new(o, "url", jstr(url));
        free(url);
        json_array_append_new(a, o);
    }
    json_object_set_new(root, "entries", a);
    return dump(root);
}

/* The introduction as it applies here: a paragraph that tells how to search the guide where it
 * came from (grep over a .md path that does not exist here) is left out; its examples, the
 * "(e.g. ...)" part, go to *out_examples (markdown, caller frees; NULL when none). The
 * pages say how to search here instead. Caller frees the result. */
static char *intro_here(const char *md, char **out_examples)
{
    buf b = BUF_INIT;
    *out_examples = NULL;
    for (const char *p = md ? md : ""; *p;) {
        const char *end = strstr(p, "\n\n");
        size_t n = end ? (size_t)(end - p) : strlen(p);
        char *para = xstrndup(p, n);
        int elsewhere = strstr(para, "grep") && strstr(para, ".md");
        const char *eg = strstr(para, "(e.g.");
        if (elsewhere && eg && !*out_examples) {
            *out_examples = xstrndup(eg + 5, strcspn(eg + 5, ")"));
        }
        if (!elsewhere) {
            if (b.len) {
                buf_puts(&b, "\n\n");
            }
            buf_puts(&b, para);
        }
        free(para);
        p = end ? end + 2 : p + n;
    }
    return b.data ? buf_detach(&b) : xstrdup("");
}

static const kb_doc_info *find_doc(const kb_docs *d, const char *name)
{
    for (size_t i = 0; i < d->n; i++) {
        if (strcmp(d->items[i].name, name) == 0) {
            return &d->items[i];
        }
    }
    return NULL;
}

/* The document's introduction as it applies here, then how to search here. */
static void intro_html(buf *m, const kb_doc_info *di)
{
    char *examples = NULL;
    char *md = intro_here(di ? di->intro_md : "", &examples);
    char *html = kb_render_html(md);
    char *intro = srv_anchor_headings(html ? html : "", "intro");
    buf_puts(m, intro);
    free(intro);
    free(html);
    free(md);
    buf_puts(m, "<p class=\"hint\" id=\"how-to-search\">To search here: type a symptom, "
                "an error message or a keyword in the box above (<kbd>/</kbd> or "
                "<kbd>Ctrl</kbd>+<kbd>K</kbd>; arrows and <kbd>Enter</kbd> open a "
                "result)");
    if (examples) {
        char *eg = srv_inline_html(examples);
        buf_printf(m, ", e.g. %s", eg);
        free(eg);
        free(examples);
    }
    buf_puts(m, ". From a shell: <code>oomkb search &lt;keyword&gt;</code> and "
                "<code>oomkb show M8</code>, or <code>curl "
                "'HOST/search?q=fragmentation'</code> and <code>curl HOST/M8</code>."
                "</p>\n");
}

char *srv_page_home_html(const srv_site *s, const kb_toc *t, const kb_docs *d)
{
    buf m = BUF_INIT;
    const char *doc = NULL;
    const char *section = NULL;
    for (size_t i = 0; i < t->n; i++) {
        const kb_toc_item *it = &t->items[i];
        if (!doc || strcmp(doc, it->doc) != 0) {
            if (section) {
                buf_puts(&m, "</ol></section>\n</nav>\n");
            }
            doc = it->doc;
            section = NULL;
            const kb_doc_info *di = find_doc(d, it->doc);
            buf_puts(&m, "<section class=\"intro\">\n<h1>");
            esc(&m, di ? di->title : it->doc);
            buf_puts(&m, "</h1>\n");
            intro_html(&m, di);
            buf_puts(&m, "</section>\n<nav class=\"toc\" aria-label=\"Entries\">\n");
        }
        if (!section || strcmp(section, it->section) != 0) {
            if (section) {
                buf_puts(&m, "</ol></section>\n");
            }
            section = it->section;
            buf slug = BUF_INIT;
            buf_puts(&slug, "s-");
            srv_slug(&slug, section, strlen(section));
            buf_puts(&m, "<section class=\"toc-section\"><h2 id=\"");
            esc(&m, slug.data);
            buf_puts(&m, "\">");
            esc(&m, section);
            buf_puts(&m, " <a class=\"anchor\" href=\"#");
            esc(&m, slug.data);
            buf_puts(&m, "\" aria-label=\"Link to this section\">#</a></h2>\n<ol>\n");
            buf_free(&slug);
        }
        buf_puts(&m, "<li>");
        entry_link(&m, s, it->id, NULL);
        buf_puts(&m, "</li>\n");
    }
    if (section) {
        buf_puts(&m, "</ol></section>\n</nav>\n");
    }
    char *page = srv_render_page(&s->layout, s->doc_title, "home", "", m.data);
    buf_free(&m);
    return page;
}

char *srv_page_home_text(const srv_site *s, const kb_toc *t, const kb_docs *d)
{
    (void)s;
    buf b = BUF_INIT;
    const char *doc = NULL;
    const char *section = NULL;
    for (size_t i = 0; i < t->n; i++) {
        const kb_toc_item *it = &t->items[i];
        if (!doc || strcmp(doc, it->doc) != 0) {
            doc = it->doc;
            section = NULL;
            const kb_doc_info *di = find_doc(d, it->doc);
            buf_printf(&b, "%s%s\n\n", b.len ? "\n" : "", di ? di->title : it->doc);
            char *examples = NULL;
            char *md = intro_here(di ? di->intro_md : "", &examples);
            char *intro = kb_render_text(md, 0, 80);
            if (intro) {
                buf_puts(&b, intro);
                free(intro);
            }
            buf hint = BUF_INIT;
            buf_puts(&hint, "To search here: `oomkb search <keyword>` in a shell, or "
                            "`curl 'HOST/search?q=<keyword>'`");
            if (examples) {
                buf_printf(&hint, " (e.g. %s)", examples);
                free(examples);
            }
            buf_puts(&hint, ".");
            char *hint_text = kb_render_text(hint.data, 0, 80);
            buf_putc(&b, '\n');
            buf_puts(&b, hint_text);
            free(hint_text);
            buf_free(&hint);
            free(md);
        }
        if (!section || strcmp(section, it->section) != 0) {
            section = it->section;
            buf_printf(&b, "\n%s\n", section);
        }
        buf_printf(&b, "  %-4s %s\n", it->id, it->title);
    }
    buf_puts(&b, "\nRead an entry: curl HOST/M8   (Markdown: /M8.md, JSON: /api/entries/M8)\n"
                 "Search:        curl 'HOST/search?q=fragmentation'   (JSON: /api/search?q=...)\n");
    return buf_detach(&b);
}
