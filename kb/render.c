/* Markdown -> terminal text: `oomkb show`, the server's text pages and the plain text that
 * the search index holds. Walks cmark's AST; wraps paragraphs, indents lists and code, lays
 * out pipe tables in columns, and styles with ANSI escapes only when asked to. */
#include <cmark.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "kb/kb_int.h"
#include "kb/md_table.h"

#define ESC_BOLD "\x1b[1m"
#define ESC_ITALIC "\x1b[3m"
#define ESC_CODE "\x1b[36m"
#define ESC_HEAD "\x1b[1;4m"
#define ESC_DIM "\x1b[2m"
#define ESC_RESET "\x1b[0m"

typedef struct rctx {
    buf *out;
    int color;
    int width; /* < 0: no wrapping (index text) */
    const char *md;
    size_t md_len;
} rctx;

/* ---- Inlines ------------------------------------------------------------------------- */

typedef struct style_stack {
    const char *s[16];
    int n;
} style_stack;

static void style_push(buf *b, style_stack *st, const char *esc)
{
    if (st->n < 16) {
        st->s[st->n++] = esc;
    }
    buf_puts(b, esc);
}

static void style_pop(buf *b, style_stack *st)
{
    if (st->n > 0) {
        st->n--;
    }
    buf_puts(b, ESC_RESET);
    for (int i = 0; i < st->n; i++) {
        buf_puts(b, st->s[i]);
    }
}

static void render_inlines(const rctx *x, cmark_node *parent, buf *b)
{
    style_stack st = {{0}, 0};
    cmark_iter *it = cmark_iter_new(parent);
    cmark_event_type ev;
    while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
        cmark_node *n = cmark_iter_get_node(it);
        if (n == parent) {
            continue;
        }
        int enter = ev == CMARK_EVENT_ENTER;
        switch (cmark_node_get_type(n)) {
        case CMARK_NODE_TEXT:
            buf_puts(b, cmark_node_get_literal(n));
            break;
        case CMARK_NODE_SOFTBREAK:
            buf_putc(b, ' ');
            break;
        case CMARK_NODE_LINEBREAK:
            buf_putc(b, x->width < 0 ? ' ' : '\n');
            break;
        case CMARK_NODE_CODE:
            if (x->color) {
                buf_puts(b, ESC_CODE);
                buf_puts(b, cmark_node_get_literal(n));
                buf_puts(b, ESC_RESET);
                for (int i = 0; i < st.n; i++) {
                    buf_puts(b, st.s[i]);
                }
            } else if (x->width < 0) {
                buf_puts(b, cmark_node_get_literal(n));
            } else {
                buf_printf(b, "`%s`", cmark_node_get_literal(n));
            }
            break;
        case CMARK_NODE_EMPH:
        case CMARK_NODE_STRONG:
            if (x->color) {
                if (enter) {
                    style_push(b, &st,
                               cmark_node_get_type(n) == CMARK_NODE_EMPH ? ESC_ITALIC : ESC_BOLD);
                } else {
                    style_pop(b, &st);
                }
            }
            break;
        case CMARK_NODE_LINK: {
            const char *url = cmark_node_get_url(n);
            if (!enter && url && *url && x->width >= 0) {
                buf tb = BUF_INIT;
                cmark_iter *it2 = cmark_iter_new(n);
                while (cmark_iter_next(it2) != CMARK_EVENT_DONE) {
                    cmark_node *c = cmark_iter_get_node(it2);
                    if (cmark_node_get_type(c) == CMARK_NODE_TEXT) {
                        buf_puts(&tb, cmark_node_get_literal(c));
                    }
                }
                cmark_iter_free(it2);
                if (!tb.data || strcmp(tb.data, url) != 0) {
                    buf_printf(b, " (%s)", url);
                }
                buf_free(&tb);
            }
            break;
        }
        case CMARK_NODE_IMAGE:
            if (enter) {
                buf_puts(b, "[image: ");
            } else {
                buf_puts(b, "]");
            }
            break;
        default:
            break;
        }
    }
    cmark_iter_free(it);
    if (x->color && st.n) {
        buf_puts(b, ESC_RESET);
    }
}

/* ---- Wrapping ------------------------------------------------------------------------ */

/* Visible columns of s[0..n): UTF-8 code points, ANSI escapes count zero. */
static size_t visible_width(const char *s, size_t n)
{
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == 0x1b) {
            while (i < n && s[i] != 'm') {
                i++;
            }
            continue;
        }
        if ((c & 0xC0) != 0x80) {
            w++;
        }
    }
    return w;
}

/* Bytes of s[0..n) that fill at most width columns (whole UTF-8 code points), leaving at
 * least four columns for the rest when the rest would be punctuation alone: ");" never
 * stands on a line of its own. */
static size_t cut_at(const char *s, size_t n, size_t width)
{
    size_t cols = 0;
    size_t i = 0;
    while (i < n && cols < width) {
        i++;
        while (i < n && ((unsigned char)s[i] & 0xC0) == 0x80) {
            i++;
        }
        cols++;
    }
    size_t letters = 0;
    for (size_t k = i; k < n; k++) {
        letters += strchr(".,;:!?)]}'\"", s[k]) == NULL;
    }
    for (int back = 0; letters == 0 && i > 0 && back < 4; back++) {
        i--;
        while (i > 0 && ((unsigned char)s[i] & 0xC0) == 0x80) {
            i--;
        }
    }
    return i < n ? i : 0;
}

/* A word text[i..j) wider than the line (a URL) is cut into lines of the full width, so that
 * the terminal does not wrap it at column 0; its trailing punctuation stays with it. Returns
 * where the rest of the word starts. Words with ANSI escapes are left whole. */
static size_t cut_long_word(const char *text, size_t i, size_t j, size_t width, kb_strlist *out)
{
    while (visible_width(text + i, j - i) > width && !memchr(text + i, 0x1b, j - i)) {
        size_t cut = cut_at(text + i, j - i, width);
        if (cut == 0) {
            break;
        }
        char *piece = xstrndup(text + i, cut);
        kb_strlist_push(out, piece);
        free(piece);
        i += cut;
    }
    return i;
}

/* Splits text into lines of at most width visible columns, breaking at spaces (a longer word
 * stands alone). Explicit newlines are kept. */
static void wrap(const char *text, size_t width, kb_strlist *out)
{
    size_t len = strlen(text);
    size_t i = 0;
    buf line = BUF_INIT;
    size_t line_w = 0;
    while (i <= len) {
        if (i == len || text[i] == '\n') {
            kb_strlist_push(out, line.data ? line.data : "");
            buf_free(&line);
            line_w = 0;
            i++;
            if (i > len) {
                break;
            }
            continue;
        }
        if (text[i] == ' ') {
            i++;
            continue;
        }
        size_t j = i;
        while (j < len && text[j] != ' ' && text[j] != '\n') {
            j++;
        }
        size_t w = visible_width(text + i, j - i);
        if (line_w && line_w + 1 + w > width) {
            kb_strlist_push(out, line.data);
            buf_free(&line);
            line_w = 0;
        }
        i = cut_long_word(text, i, j, width, out);
        w = visible_width(text + i, j - i);
        if (line_w) {
            buf_putc(&line, ' ');
            line_w++;
        }
        buf_append(&line, text + i, j - i);
        line_w += w;
        i = j;
    }
    buf_free(&line);
}

static void emit_wrapped(const rctx *x, const char *text, const char *first, const char *rest)
{
    if (x->width < 0) {
        buf_puts(x->out, first);
        buf_puts(x->out, text);
        buf_putc(x->out, '\n');
        return;
    }
    size_t indent = visible_width(rest, strlen(rest));
    size_t w = (size_t)x->width > indent + 20 ? (size_t)x->width - indent : 20;
    kb_strlist lines = {NULL, 0};
    wrap(text, w, &lines);
    for (size_t i = 0; i < lines.n; i++) {
        buf_puts(x->out, i == 0 ? first : rest);
        buf_puts(x->out, lines.items[i]);
        buf_putc(x->out, '\n');
    }
    kb_strlist_free(&lines);
}

/* One line of a code block, indented four columns. Wider than the width, it goes on in
 * continuation lines marked CODE_CONT, cut at code points, so that the terminal never wraps it
 * at column 0 (width < 0: never cut). */
#define CODE_CONT "\xe2\x86\xaa " /* "↪ " */

static void code_line(const rctx *x, const char *first, const char *rest, const char *p, size_t len)
{
    size_t indent = visible_width(rest, strlen(rest)) + 4;
    size_t avail = x->width < 0                     ? (size_t)-1
                   : (size_t)x->width > indent + 20 ? (size_t)x->width - indent
                                                    : 20;
    const char *lead = first;
    const char *mark = "";
    for (;;) {
        size_t room = *mark ? avail - 2 : avail; /* the mark takes two columns */
        size_t cut = visible_width(p, len) > room ? cut_at(p, len, room) : 0;
        buf_puts(x->out, lead);
        buf_puts(x->out, "    ");
        buf_puts(x->out, mark);
        if (x->color) {
            buf_puts(x->out, ESC_CODE);
        }
        buf_append(x->out, p, cut ? cut : len);
        if (x->color) {
            buf_puts(x->out, ESC_RESET);
        }
        buf_putc(x->out, '\n');
        if (!cut) {
            return;
        }
        p += cut;
        len -= cut;
        lead = rest;
        mark = CODE_CONT;
    }
}

/* ---- Tables -------------------------------------------------------------------------- */

static char *render_cell(const rctx *x, const char *md)
{
    cmark_node *root = cmark_parse_document(md, strlen(md), CMARK_OPT_DEFAULT);
    buf b = BUF_INIT;
    cmark_node *p = cmark_node_first_child(root);
    if (p) {
        render_inlines(x, p, &b);
    }
    cmark_node_free(root);
    return buf_detach(&b);
}

static void emit_table(const rctx *x, const md_table *t, const char *prefix)
{
    size_t nc = t->n_cols;
    char **cells = xcalloc(t->n_rows * nc, sizeof *cells);
    size_t *w = xcalloc(nc, sizeof *w);
    for (size_t i = 0; i < t->n_rows * nc; i++) {
        cells[i] = render_cell(x, t->cells[i]);
        size_t cw = visible_width(cells[i], strlen(cells[i]));
        if (cw > w[i % nc]) {
            w[i % nc] = cw;
        }
    }
    if (x->width < 0) {
        for (size_t r = 0; r < t->n_rows; r++) {
            buf_puts(x->out, prefix);
            for (size_t c = 0; c < nc; c++) {
                buf_puts(x->out, cells[r * nc + c]);
                buf_puts(x->out, c + 1 < nc ? " | " : "\n");
            }
        }
        goto out;
    }
    /* Shrink the widest column until the table fits (each column keeps at least 8). */
    size_t avail = (size_t)x->width - visible_width(prefix, strlen(prefix));
    for (;;) {
        size_t total = 3 * (nc - 1);
        size_t widest = 0;
        for (size_t c = 0; c < nc; c++) {
            total += w[c];
            if (w[c] > w[widest]) {
                widest = c;
            }
        }
        if (total <= avail || w[widest] <= 8) {
            break;
        }
        w[widest]--;
    }
    for (size_t r = 0; r < t->n_rows; r++) {
        kb_strlist *col = xcalloc(nc, sizeof *col);
        size_t height = 1;
        for (size_t c = 0; c < nc; c++) {
            wrap(cells[r * nc + c], w[c], &col[c]);
            if (col[c].n > height) {
                height = col[c].n;
            }
        }
        for (size_t k = 0; k < height; k++) {
            buf_puts(x->out, prefix);
            for (size_t c = 0; c < nc; c++) {
                const char *s = k < col[c].n ? col[c].items[k] : "";
                size_t sw = visible_width(s, strlen(s));
                if (r == 0 && x->color) {
                    buf_puts(x->out, ESC_BOLD);
                }
                buf_puts(x->out, s);
                if (r == 0 && x->color) {
                    buf_puts(x->out, ESC_RESET);
                }
                if (c + 1 < nc) {
                    for (size_t p = sw; p < w[c]; p++) {
                        buf_putc(x->out, ' ');
                    }
                    buf_puts(x->out, " │ ");
                }
            }
            buf_putc(x->out, '\n');
        }
        if (r == 0) {
            buf_puts(x->out, prefix);
            for (size_t c = 0; c < nc; c++) {
                for (size_t p = 0; p < w[c]; p++) {
                    buf_puts(x->out, "─");
                }
                if (c + 1 < nc) {
                    buf_puts(x->out, "─┼─");
                }
            }
            buf_putc(x->out, '\n');
        }
        for (size_t c = 0; c < nc; c++) {
            kb_strlist_free(&col[c]);
        }
        free(col);
    }
out:
    for (size_t i = 0; i < t->n_rows * nc; i++) {
        free(cells[i]);
    }
    free(cells);
    free(w);
}

/* ---- Blocks -------------------------------------------------------------------------- */

/* Lists and quotes nest this deep with their own margins; deeper ones are flattened: their
 * paragraphs, headings and code are shown at this margin. That bounds the recursion and the
 * margins' size (each level copies its margin) whatever the input: 100,000 nested quotes
 * overflowed the stack. */
#define MAX_NEST 16

static void render_blocks(const rctx *x, cmark_node *parent, const char *first, const char *rest,
                          int tight, int depth);
static void render_flat(const rctx *x, cmark_node *n, const char *first, const char *rest);

/* NOLINTNEXTLINE(misc-no-recursion): nesting stops at MAX_NEST, then render_flat iterates */
static void render_block(const rctx *x, cmark_node *n, const char *first, const char *rest,
                         int depth)
{
    cmark_node_type type = cmark_node_get_type(n);
    if ((type == CMARK_NODE_LIST || type == CMARK_NODE_BLOCK_QUOTE) && depth >= MAX_NEST) {
        render_flat(x, n, first, rest);
        return;
    }
    switch (cmark_node_get_type(n)) {
    case CMARK_NODE_PARAGRAPH: {
        md_table t;
        if (md_table_parse(x->md, x->md_len, cmark_node_get_start_line(n),
                           cmark_node_get_end_line(n), &t)) {
            emit_table(x, &t, rest);
            md_table_free(&t);
            break;
        }
        buf b = BUF_INIT;
        render_inlines(x, n, &b);
        emit_wrapped(x, b.data ? b.data : "", first, rest);
        buf_free(&b);
        break;
    }
    case CMARK_NODE_HEADING: {
        buf b = BUF_INIT;
        if (x->color) {
            buf_puts(&b, cmark_node_get_heading_level(n) <= 2 ? ESC_HEAD : ESC_BOLD);
        }
        render_inlines(x, n, &b);
        if (x->color) {
            buf_puts(&b, ESC_RESET);
        }
        emit_wrapped(x, b.data ? b.data : "", first, rest);
        buf_free(&b);
        break;
    }
    case CMARK_NODE_CODE_BLOCK: {
        const char *lit = cmark_node_get_literal(n);
        const char *p = lit ? lit : "";
        int line = 0;
        while (*p) {
            const char *e = strchr(p, '\n');
            size_t len = e ? (size_t)(e - p) : strlen(p);
            code_line(x, line == 0 ? first : rest, rest, p, len);
            p += len + (e ? 1 : 0);
            line++;
        }
        break;
    }
    case CMARK_NODE_LIST: {
        int ordered = cmark_node_get_list_type(n) == CMARK_ORDERED_LIST;
        int num = cmark_node_get_list_start(n);
        int tight = cmark_node_get_list_tight(n);
        for (cmark_node *item = cmark_node_first_child(n); item; item = cmark_node_next(item)) {
            char bullet[16];
            if (ordered) {
                snprintf(bullet, sizeof bullet, "%d. ", num++);
            } else {
                snprintf(bullet, sizeof bullet, "%s", x->color ? "• " : "- ");
            }
            char *f = xasprintf("%s%s", first, bullet);
            char *r = xasprintf("%s%*s", rest, (int)visible_width(bullet, strlen(bullet)), "");
            render_blocks(x, item, f, r, tight, depth + 1);
            free(f);
            free(r);
            first = rest;
            if (!tight && cmark_node_next(item)) {
                buf_putc(x->out, '\n');
            }
        }
        break;
    }
    case CMARK_NODE_BLOCK_QUOTE: {
        char *f = xasprintf("%s│ ", first);
        char *r = xasprintf("%s│ ", rest);
        render_blocks(x, n, f, r, 0, depth + 1);
        free(f);
        free(r);
        break;
    }
    case CMARK_NODE_THEMATIC_BREAK:
        buf_puts(x->out, first);
        for (int i = 0; i < 40; i++) {
            buf_puts(x->out, "─");
        }
        buf_putc(x->out, '\n');
        break;
    default: /* raw HTML is never shown */
        break;
    }
}

/* NOLINTNEXTLINE(misc-no-recursion): nesting stops at MAX_NEST, then render_flat iterates */
static void render_blocks(const rctx *x, cmark_node *parent, const char *first, const char *rest,
                          int tight, int depth)
{
    for (cmark_node *n = cmark_node_first_child(parent); n; n = cmark_node_next(n)) {
        render_block(x, n, n == cmark_node_first_child(parent) ? first : rest, rest, depth);
        cmark_node_type type = cmark_node_get_type(n);
        if (cmark_node_next(n) && !tight && type != CMARK_NODE_HTML_BLOCK) {
            buf_putc(x->out, '\n');
        }
    }
}

/* The leaf blocks under n, in order, at one margin, without recursion. */
/* NOLINTNEXTLINE(misc-no-recursion): nesting stops at MAX_NEST, then render_flat iterates */
static void render_flat(const rctx *x, cmark_node *n, const char *first, const char *rest)
{
    cmark_iter *it = cmark_iter_new(n);
    int k = 0;
    for (cmark_event_type ev; (ev = cmark_iter_next(it)) != CMARK_EVENT_DONE;) {
        cmark_node *c = cmark_iter_get_node(it);
        cmark_node_type type = cmark_node_get_type(c);
        if (ev == CMARK_EVENT_ENTER &&
            (type == CMARK_NODE_PARAGRAPH || type == CMARK_NODE_HEADING ||
             type == CMARK_NODE_CODE_BLOCK || type == CMARK_NODE_THEMATIC_BREAK)) {
            if (k++ > 0) {
                buf_putc(x->out, '\n');
            }
            render_block(x, c, k == 1 ? first : rest, rest, MAX_NEST);
        }
    }
    cmark_iter_free(it);
}

char *kb_render_text(const char *markdown, int color, int width)
{
    buf out = BUF_INIT;
    size_t len = strlen(markdown);
    cmark_node *root = cmark_parse_document(markdown, len, CMARK_OPT_DEFAULT);
    rctx x = {&out, color, width == 0 ? 80 : width, markdown, len};
    render_blocks(&x, root, "", "", 0, 0);
    cmark_node_free(root);
    return buf_detach(&out);
}
