/* Markdown -> safe HTML for entries and introductions. cmark renders every block (raw HTML is
 * never passed through: CMARK_OPT_UNSAFE is not set); on top of cmark this adds what the
 * field guides use and CommonMark lacks: pipe tables, bare URLs as links, and entry IDs
 * ("M16", "M9/M12") as relative links to the entry pages. */
#include <cmark.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "kb/kb_int.h"
#include "kb/md_table.h"

static int is_word(int c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

static int known_id(const kb_strlist *known, const char *s, size_t n)
{
    size_t lo = 0;
    size_t hi = known->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strncmp(known->items[mid], s, n);
        if (c == 0 && known->items[mid][n] != '\0') {
            c = 1;
        }
        if (c == 0) {
            return 1;
        }
        if (c < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return 0;
}

/* Finds the next linkable span in s from *pos: a URL or a known ID. Returns 1 with [a, b)
 * and whether it is a URL. */
static int next_link(const char *s, size_t from, const kb_strlist *known, size_t *a, size_t *b,
                     int *is_url)
{
    size_t len = strlen(s);
    for (size_t i = from; i < len; i++) {
        if ((strncmp(s + i, "https://", 8) == 0 || strncmp(s + i, "http://", 7) == 0) &&
            (i == 0 || !is_word((unsigned char)s[i - 1]))) {
            size_t j = i;
            while (j < len && s[j] != ' ' && s[j] != ')' && s[j] != '>' && s[j] != '"' &&
                   s[j] != '<' && s[j] != ']' && s[j] != '\'') {
                j++;
            }
            while (j > i && strchr(".,;:!?", s[j - 1])) {
                j--;
            }
            *a = i;
            *b = j;
            *is_url = 1;
            return 1;
        }
        if (known && (i == 0 || !is_word((unsigned char)s[i - 1]))) {
            size_t n = kb_id_len(s + i);
            if (n && !is_word((unsigned char)s[i + n]) && known_id(known, s + i, n)) {
                *a = i;
                *b = i + n;
                *is_url = 0;
                return 1;
            }
        }
    }
    return 0;
}

static void link_text_node(cmark_node *text, const kb_strlist *known)
{
    char *s = xstrdup(cmark_node_get_literal(text));
    size_t pos = 0;
    size_t a;
    size_t b;
    int is_url;
    int changed = 0;
    while (next_link(s, pos, known, &a, &b, &is_url)) {
        if (a > pos) {
            cmark_node *t = cmark_node_new(CMARK_NODE_TEXT);
            char *part = xstrndup(s + pos, a - pos);
            cmark_node_set_literal(t, part);
            free(part);
            cmark_node_insert_before(text, t);
        }
        char *target = xstrndup(s + a, b - a);
        cmark_node *link = cmark_node_new(CMARK_NODE_LINK);
        cmark_node_set_url(link, target);
        if (!is_url) {
            cmark_node_set_title(link, "");
        }
        cmark_node *label = cmark_node_new(CMARK_NODE_TEXT);
        cmark_node_set_literal(label, target);
        cmark_node_append_child(link, label);
        cmark_node_insert_before(text, link);
        free(target);
        pos = b;
        changed = 1;
    }
    if (changed) {
        cmark_node_set_literal(text, s + pos);
    }
    free(s);
}

/* Links URLs and known IDs in every text node that is not already inside a link. */
static void link_references(cmark_node *root, const kb_strlist *known)
{
    cmark_node **todo = NULL;
    size_t n = 0;
    cmark_iter *it = cmark_iter_new(root);
    cmark_event_type ev;
    int in_link = 0;
    while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
        cmark_node *node = cmark_iter_get_node(it);
        cmark_node_type type = cmark_node_get_type(node);
        if (type == CMARK_NODE_LINK || type == CMARK_NODE_IMAGE) {
            in_link += ev == CMARK_EVENT_ENTER ? 1 : -1;
        } else if (type == CMARK_NODE_TEXT && ev == CMARK_EVENT_ENTER && !in_link) {
            /* NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers */
            todo = xrealloc(todo, (n + 1) * sizeof *todo);
            todo[n++] = node;
        }
    }
    cmark_iter_free(it);
    for (size_t i = 0; i < n; i++) {
        link_text_node(todo[i], known);
    }
    free(todo);
}

/* Renders one line of inline markdown (a table cell) without the paragraph wrapper. */
static void render_inline(buf *out, const char *md, const kb_strlist *known)
{
    cmark_node *root = cmark_parse_document(md, strlen(md), CMARK_OPT_DEFAULT);
    cmark_consolidate_text_nodes(root);
    link_references(root, known);
    char *html = cmark_render_html(root, CMARK_OPT_DEFAULT);
    size_t len = strlen(html);
    const char *p = html;
    if (strncmp(p, "<p>", 3) == 0) {
        p += 3;
        len -= 3;
    }
    while (len && (p[len - 1] == '\n')) {
        len--;
    }
    if (len >= 4 && strncmp(p + len - 4, "</p>", 4) == 0) {
        len -= 4;
    }
    buf_append(out, p, len);
    free(html);
    cmark_node_free(root);
}

static void render_table(buf *out, const md_table *t, const kb_strlist *known)
{
    static const char *const align[] = {"", " style=\"text-align:left\"",
                                        " style=\"text-align:center\"",
                                        " style=\"text-align:right\""};
    buf_puts(out, "<table>\n<thead>\n<tr>\n");
    for (size_t c = 0; c < t->n_cols; c++) {
        buf_printf(out, "<th%s>", align[t->align[c]]);
        render_inline(out, t->cells[c], known);
        buf_puts(out, "</th>\n");
    }
    buf_puts(out, "</tr>\n</thead>\n<tbody>\n");
    for (size_t r = 1; r < t->n_rows; r++) {
        buf_puts(out, "<tr>\n");
        for (size_t c = 0; c < t->n_cols; c++) {
            buf_printf(out, "<td%s>", align[t->align[c]]);
            render_inline(out, t->cells[r * t->n_cols + c], known);
            buf_puts(out, "</td>\n");
        }
        buf_puts(out, "</tr>\n");
    }
    buf_puts(out, "</tbody>\n</table>\n");
}

char *kb_md_to_html(const char *markdown, const kb_strlist *known)
{
    size_t len = strlen(markdown);
    cmark_node *root = cmark_parse_document(markdown, len, CMARK_OPT_DEFAULT);
    buf out = BUF_INIT;
    for (cmark_node *n = cmark_node_first_child(root); n; n = cmark_node_next(n)) {
        if (cmark_node_get_type(n) == CMARK_NODE_PARAGRAPH) {
            md_table t;
            if (md_table_parse(markdown, len, cmark_node_get_start_line(n),
                               cmark_node_get_end_line(n), &t)) {
                render_table(&out, &t, known);
                md_table_free(&t);
                continue;
            }
        }
        cmark_consolidate_text_nodes(n);
        link_references(n, known);
        char *html = cmark_render_html(n, CMARK_OPT_DEFAULT);
        buf_puts(&out, html);
        free(html);
    }
    cmark_node_free(root);
    return buf_detach(&out);
}

char *kb_render_html(const char *markdown)
{
    return kb_md_to_html(markdown, NULL);
}
