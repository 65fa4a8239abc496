/* The KB compiler's front half: markdown documents -> kb_corpus (entries, sections, line
 * ranges, references). Structure comes from cmark's AST, never from line regexes over raw
 * markdown; references are read from each entry's source lines with code spans and fenced
 * code removed, so that a line number can be given for every warning. Pure: no I/O. */
#include <cmark.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "kb/kb_int.h"

void kb_diag_set(kb_diag *d, const char *file, int line, const char *fmt, ...)
{
    if (!d) {
        return;
    }
    snprintf(d->file, sizeof d->file, "%s", file ? file : "");
    d->line = line;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->message, sizeof d->message, fmt, ap);
    va_end(ap);
}

void kb_strlist_push(kb_strlist *l, const char *s)
{
    kb_strlist_push_n(l, s, strlen(s));
}

void kb_strlist_push_n(kb_strlist *l, const char *s, size_t n)
{
    l->items = xrealloc(l->items, (l->n + 1) * sizeof *l->items);
    l->items[l->n++] = xstrndup(s, n);
}

int kb_strlist_has(const kb_strlist *l, const char *s)
{
    for (size_t i = 0; i < l->n; i++) {
        if (strcmp(l->items[i], s) == 0) {
            return 1;
        }
    }
    return 0;
}

void kb_strlist_free(kb_strlist *l)
{
    if (!l) {
        return;
    }
    for (size_t i = 0; i < l->n; i++) {
        free(l->items[i]);
    }
    free(l->items);
    l->items = NULL;
    l->n = 0;
}

static int is_alpha(int c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static int is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static int is_word(int c)
{
    return is_alpha(c) || is_digit(c) || c == '_';
}

size_t kb_id_len(const char *s)
{
    size_t i = 0;
    while (is_alpha((unsigned char)s[i])) {
        i++;
    }
    if (i == 0 || i > 8 || !is_digit((unsigned char)s[i])) {
        return 0;
    }
    size_t letters = i;
    while (is_digit((unsigned char)s[i])) {
        i++;
    }
    if (i - letters > 6) {
        return 0;
    }
    return i;
}

/* ---- Lines --------------------------------------------------------------------------- */

typedef struct lines {
    const char *text;
    size_t len;
    size_t *start; /* start[i] = offset of line i+1 */
    int n;
} lines;

static void lines_init(lines *l, const char *text, size_t len)
{
    l->text = text;
    l->len = len;
    l->n = 1;
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '\n' && i + 1 < len) {
            l->n++;
        }
    }
    l->start = xmalloc((size_t)(l->n + 1) * sizeof *l->start);
    int k = 0;
    l->start[k++] = 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '\n' && i + 1 < len) {
            l->start[k++] = i + 1;
        }
    }
    l->start[k] = len;
}

/* Line n (1-based) without its newline (and without a trailing \r). */
static void lines_get(const lines *l, int n, const char **out, size_t *out_len)
{
    if (n < 1 || n > l->n) {
        *out = "";
        *out_len = 0;
        return;
    }
    size_t a = l->start[n - 1];
    size_t b = l->start[n];
    if (b > a && l->text[b - 1] == '\n') {
        b--;
    }
    if (b > a && l->text[b - 1] == '\r') {
        b--;
    }
    *out = l->text + a;
    *out_len = b - a;
}

static int line_blank(const lines *l, int n)
{
    const char *s;
    size_t len;
    lines_get(l, n, &s, &len);
    for (size_t i = 0; i < len; i++) {
        if (s[i] != ' ' && s[i] != '\t') {
            return 0;
        }
    }
    return 1;
}

/* Lines a..b joined with '\n' (no trailing newline). */
static char *lines_slice(const lines *l, int a, int b)
{
    buf out = BUF_INIT;
    for (int i = a; i <= b; i++) {
        const char *s;
        size_t len;
        lines_get(l, i, &s, &len);
        buf_append(&out, s, len);
        if (i < b) {
            buf_putc(&out, '\n');
        }
    }
    return buf_detach(&out);
}

/* ---- AST helpers --------------------------------------------------------------------- */

/* Plain text of a node's inlines (code spans without backticks, breaks as spaces). */
static void plain_text(cmark_node *node, buf *out)
{
    cmark_iter *it = cmark_iter_new(node);
    cmark_event_type ev;
    while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
        cmark_node *n = cmark_iter_get_node(it);
        if (ev != CMARK_EVENT_ENTER) {
            continue;
        }
        switch (cmark_node_get_type(n)) {
        case CMARK_NODE_TEXT:
        case CMARK_NODE_CODE:
            buf_puts(out, cmark_node_get_literal(n));
            break;
        case CMARK_NODE_SOFTBREAK:
        case CMARK_NODE_LINEBREAK:
            buf_putc(out, ' ');
            break;
        default:
            break;
        }
    }
    cmark_iter_free(it);
}

/* The separator between an entry ID and its title: an em or en dash, a hyphen or a colon,
 * surrounded by spaces. Returns its length (spaces included) or 0. */
static size_t id_separator(const char *s)
{
    size_t i = 0;
    while (s[i] == ' ' || s[i] == '\t') {
        i++;
    }
    if (i == 0 && s[0] != ':') {
        return 0;
    }
    if (strncmp(s + i, "\xE2\x80\x94", 3) == 0 || strncmp(s + i, "\xE2\x80\x93", 3) == 0) {
        i += 3;
    } else if (s[i] == '-' || s[i] == ':') {
        i++;
    } else {
        return 0;
    }
    size_t before = i;
    while (s[i] == ' ' || s[i] == '\t') {
        i++;
    }
    return i > before ? i : 0;
}

/* If heading text is "<ID> — <title>", returns the ID length and sets *title_off. */
static size_t entry_heading(const char *text, size_t *title_off)
{
    size_t n = kb_id_len(text);
    if (!n) {
        return 0;
    }
    size_t sep = id_separator(text + n);
    if (!sep || !text[n + sep]) {
        return 0;
    }
    *title_off = n + sep;
    return n;
}

/* The heading's markdown after the ID and separator, from the raw source line. */
static char *heading_title_md(const lines *l, int lineno)
{
    const char *s;
    size_t len;
    lines_get(l, lineno, &s, &len);
    char *line = xstrndup(s, len);
    char *p = line;
    while (*p == ' ') {
        p++;
    }
    while (*p == '#') {
        p++;
    }
    while (*p == ' ' || *p == '\t') {
        p++;
    }
    size_t n = kb_id_len(p);
    size_t sep = n ? id_separator(p + n) : 0;
    p += n + sep;
    /* Drop an optional closing sequence of #s. */
    size_t plen = strlen(p);
    while (plen && (p[plen - 1] == ' ' || p[plen - 1] == '\t')) {
        plen--;
    }
    size_t k = plen;
    while (k && p[k - 1] == '#') {
        k--;
    }
    if (k < plen && (k == 0 || p[k - 1] == ' ')) {
        plen = k;
        while (plen && p[plen - 1] == ' ') {
            plen--;
        }
    }
    char *out = xstrndup(p, plen);
    free(line);
    return out;
}

/* ---- Segmenting a document into entries --------------------------------------------- */

typedef struct open_entry {
    int active;
    size_t index;  /* in corpus entries */
    int last_line; /* end line of the last content block, 0 if none yet */
    int head_line;
    int head_end;
} open_entry;

static kb_status close_entry(kb_corpus *c, open_entry *oe, const lines *l, const char *name,
                             kb_diag *diag)
{
    if (!oe->active) {
        return KB_OK;
    }
    oe->active = 0;
    kb_src_entry *e = &c->entries[oe->index];
    if (c->n_entries > KB_MAX_ENTRIES) {
        kb_diag_set(diag, name, oe->head_line,
                    "entry %s is one too many: a knowledge base holds at most %d entries", e->id,
                    KB_MAX_ENTRIES);
        return KB_ERR_INPUT;
    }
    if (oe->last_line == 0) {
        kb_diag_set(diag, name, oe->head_line, "entry %s is empty: it has a heading but no text",
                    e->id);
        return KB_ERR_INPUT;
    }
    int end = oe->last_line;
    while (end > oe->head_end && line_blank(l, end)) {
        end--;
    }
    e->line_start = oe->head_line;
    e->line_end = end;
    e->markdown = lines_slice(l, oe->head_line, end);
    int body_start = oe->head_end + 1;
    while (body_start < end && line_blank(l, body_start)) {
        body_start++;
    }
    e->body_md = lines_slice(l, body_start, end);
    return KB_OK;
}

static kb_status check_text(const char *name, const char *text, size_t len, kb_diag *diag)
{
    int line = 0;
    size_t off = 0;
    if (!util_utf8_valid(text, len, &line, &off)) {
        if (off < len && text[off] == '\0') {
            kb_diag_set(diag, name, line, "NUL byte at offset %zu: not a text file", off);
        } else {
            kb_diag_set(diag, name, line, "invalid UTF-8 at byte offset %zu", off);
        }
        return KB_ERR_INPUT;
    }
    line = 1;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)text[i];
        if (ch == '\n') {
            line++;
        } else if ((ch < 0x20 && ch != '\t' && ch != '\r' && ch != '\f') || ch == 0x7F) {
            kb_diag_set(diag, name, line, "control character 0x%02X in text", ch);
            return KB_ERR_INPUT;
        }
    }
    return KB_OK;
}

/* entries (n of them) with room for one more: the capacity doubles at each power of two, so
 * a large guide is not copied once per entry. */
static kb_src_entry *grow_entries(kb_src_entry *entries, size_t n)
{
    if (n & (n - 1)) {
        return entries; /* room left below the next power of two */
    }
    return xrealloc(entries, (n ? 2 * n : 1) * sizeof *entries);
}

kb_status kb_corpus_add(kb_corpus *c, const char *name, const char *text, size_t len, kb_diag *diag)
{
    kb_status st = check_text(name, text, len, diag);
    if (st != KB_OK) {
        return st;
    }
    c->docs = xrealloc(c->docs, (c->n_docs + 1) * sizeof *c->docs);
    kb_src_doc *doc = &c->docs[c->n_docs];
    memset(doc, 0, sizeof *doc);
    doc->path = xstrdup(name);
    const char *slash = strrchr(name, '/');
    doc->name = xstrdup(slash ? slash + 1 : name);
    doc->raw = text;
    doc->raw_len = len;
    size_t doc_index = c->n_docs++;

    lines l;
    lines_init(&l, text, len);
    cmark_node *root = cmark_parse_document(text, len, CMARK_OPT_DEFAULT);
    char *section = xstrdup("");
    open_entry oe = {0, 0, 0, 0, 0};
    int intro_start = 0;
    int intro_end = 0;
    int seen_section = 0;
    size_t first_entry = c->n_entries;

    for (cmark_node *n = cmark_node_first_child(root); n; n = cmark_node_next(n)) {
        cmark_node_type type = cmark_node_get_type(n);
        int start = cmark_node_get_start_line(n);
        int end = cmark_node_get_end_line(n);
        int level = type == CMARK_NODE_HEADING ? cmark_node_get_heading_level(n) : 0;
        if (level == 1 || level == 2 || type == CMARK_NODE_THEMATIC_BREAK) {
            if ((st = close_entry(c, &oe, &l, name, diag)) != KB_OK) {
                goto out;
            }
            buf t = BUF_INIT;
            plain_text(n, &t);
            if (level == 1 && !doc->title) {
                doc->title = buf_detach(&t);
            } else if (level == 2) {
                free(section);
                section = buf_detach(&t);
                seen_section = 1;
            }
            buf_free(&t);
            continue;
        }
        if (level == 3) {
            buf t = BUF_INIT;
            plain_text(n, &t);
            size_t title_off = 0;
            size_t id_len = entry_heading(t.data ? t.data : "", &title_off);
            if (id_len) {
                if ((st = close_entry(c, &oe, &l, name, diag)) != KB_OK) {
                    buf_free(&t);
                    goto out;
                }
                c->entries = grow_entries(c->entries, c->n_entries);
                kb_src_entry *e = &c->entries[c->n_entries];
                memset(e, 0, sizeof *e);
                e->id = xstrndup(t.data, id_len);
                e->title = xstrdup(t.data + title_off);
                e->title_md = heading_title_md(&l, start);
                e->section = xstrdup(section);
                e->doc = doc_index;
                oe.active = 1;
                oe.index = c->n_entries++;
                oe.last_line = 0;
                oe.head_line = start;
                oe.head_end = end;
                buf_free(&t);
                continue;
            }
            buf_free(&t);
        }
        if (oe.active) {
            oe.last_line = end;
        } else if (!seen_section && c->n_entries == first_entry && doc->title) {
            if (!intro_start) {
                intro_start = start;
            }
            intro_end = end;
        }
    }
    st = close_entry(c, &oe, &l, name, diag);
    if (st == KB_OK) {
        if (!doc->title) {
            doc->title = xstrdup(name);
        }
        doc->intro_md = intro_start ? lines_slice(&l, intro_start, intro_end) : xstrdup("");
    }
out:
    free(section);
    free(l.start);
    cmark_node_free(root);
    return st;
}

/* ---- References ---------------------------------------------------------------------- */

/* The line with code spans blanked and emphasis stars removed, so that "**U9**" reads "U9"
 * and `M8` inside code is not a reference. Same length as the input or shorter. */
static char *clean_line(const char *s, size_t len)
{
    char *out = xmalloc(len + 1);
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        if (s[i] == '`') {
            size_t run = 0;
            while (i + run < len && s[i + run] == '`') {
                run++;
            }
            /* Find the closing run of the same length. */
            size_t j = i + run;
            size_t close = 0;
            while (j < len) {
                if (s[j] == '`') {
                    size_t r2 = 0;
                    while (j + r2 < len && s[j + r2] == '`') {
                        r2++;
                    }
                    if (r2 == run) {
                        close = j;
                        break;
                    }
                    j += r2;
                } else {
                    j++;
                }
            }
            if (close) {
                out[o++] = ' ';
                i = close + run;
                continue;
            }
            i += run;
            continue;
        }
        if (s[i] == '*') {
            i++;
            continue;
        }
        out[o++] = s[i++];
    }
    out[o] = '\0';
    return out;
}

static int is_path_char(int c)
{
    return is_word(c) || c == '.' || c == '/' || c == '-';
}

static void blank(char *s, size_t a, size_t b)
{
    for (size_t i = a; i < b; i++) {
        s[i] = ' ';
    }
}

typedef struct ref_ctx {
    kb_corpus *c;
    kb_src_entry *e;
    const kb_strlist *slugs;
    const kb_strlist *families;
    const kb_strlist *family_docs; /* "U gotchas_universal.md": see collect_family_docs */
    const char *docname;
    kb_warn_fn warn;
    void *ud;
} ref_ctx;

static void push_unique(kb_strlist *l, const char *s);

static int find_entry(const kb_corpus *c, const char *id)
{
    for (size_t i = 0; i < c->n_entries; i++) {
        if (strcmp(c->entries[i].id, id) == 0) {
            return (int)i;
        }
    }
    return -1;
}

static void add_ref(ref_ctx *x, const char *id, int line)
{
    if (strcmp(id, x->e->id) == 0 || kb_strlist_has(&x->e->refs, id)) {
        return;
    }
    if (find_entry(x->c, id) < 0) {
        /* An ID of a family whose outside document the KB holds part of is a reference to
         * the rest of that document, not a broken link. */
        size_t letters = 0;
        while (is_alpha((unsigned char)id[letters])) {
            letters++;
        }
        for (size_t i = 0; i < x->family_docs->n; i++) {
            const char *fd = x->family_docs->items[i];
            if (strncmp(fd, id, letters) == 0 && fd[letters] == ' ') {
                char *ref = xasprintf("%s %s", fd + letters + 1, id);
                push_unique(&x->e->ext_refs, ref);
                free(ref);
                return;
            }
        }
        if (x->warn) {
            char msg[128];
            snprintf(msg, sizeof msg, "entry %s references %s, which is not in the knowledge base",
                     x->e->id, id);
            x->warn(x->ud, x->docname, line, msg);
        }
        return;
    }
    kb_strlist_push(&x->e->refs, id);
    x->e->ref_lines = xrealloc(x->e->ref_lines, x->e->refs.n * sizeof *x->e->ref_lines);
    x->e->ref_lines[x->e->refs.n - 1] = line;
}

static void push_unique(kb_strlist *l, const char *s)
{
    if (!kb_strlist_has(l, s)) {
        kb_strlist_push(l, s);
    }
}

static size_t scan_url(const char *s, size_t i, size_t len)
{
    size_t j = i;
    while (j < len && s[j] != ' ' && s[j] != '\t' && s[j] != ')' && s[j] != '>' && s[j] != ']' &&
           s[j] != '"' && s[j] != '\'' && s[j] != '<') {
        j++;
    }
    while (j > i && strchr(".,;:!?", s[j - 1])) {
        j--;
    }
    return j;
}

/* "file.md ID": a reference to the entry when this KB holds that part of the outside
 * document, else an external reference. */
static void ref_in_document(ref_ctx *x, const char *file, const char *id, size_t idl, int lineno)
{
    char *ref = xstrndup(id, idl);
    if (find_entry(x->c, ref) >= 0) {
        add_ref(x, ref, lineno);
    } else {
        char *ext = xasprintf("%s %s", file, ref);
        push_unique(&x->e->ext_refs, ext);
        free(ext);
    }
    free(ref);
}

static void scan_line(ref_ctx *x, char *s, int lineno)
{
    size_t len = strlen(s);
    /* URLs first: they may contain anything. */
    for (size_t i = 0; i + 7 < len; i++) {
        if ((strncmp(s + i, "https://", 8) == 0 || strncmp(s + i, "http://", 7) == 0) &&
            (i == 0 || !is_word((unsigned char)s[i - 1]))) {
            size_t j = scan_url(s, i, len);
            char *url = xstrndup(s + i, j - i);
            push_unique(&x->e->urls, url);
            free(url);
            blank(s, i, j);
            i = j;
        }
    }
    /* Documents outside the KB: "name.md" or "path/name.md", optionally followed by IDs. */
    for (size_t i = 0; i + 3 <= len; i++) {
        if (strncmp(s + i, ".md", 3) != 0 || (i + 3 < len && is_word((unsigned char)s[i + 3]))) {
            continue;
        }
        size_t a = i;
        while (a > 0 && is_path_char((unsigned char)s[a - 1])) {
            a--;
        }
        if (a == i) {
            continue;
        }
        char *file = xstrndup(s + a, i + 3 - a);
        size_t j = i + 3;
        size_t k = j;
        while (k < len && s[k] == ' ') {
            k++;
        }
        size_t n_ids = 0;
        while (k < len) {
            size_t idl = kb_id_len(s + k);
            if (!idl || (k + idl < len && is_word((unsigned char)s[k + idl]))) {
                break;
            }
            ref_in_document(x, file, s + k, idl, lineno);
            n_ids++;
            k += idl;
            j = k;
            if (k < len && s[k] == '/' && kb_id_len(s + k + 1)) {
                k++;
                continue;
            }
            break;
        }
        if (!n_ids) {
            push_unique(&x->e->ext_refs, file);
        }
        free(file);
        blank(s, a, j);
        i = j;
    }
    /* Named documents or skills, known from their bold mentions anywhere in the KB. */
    for (size_t k = 0; k < x->slugs->n; k++) {
        const char *slug = x->slugs->items[k];
        size_t sl = strlen(slug);
        for (char *p = strstr(s, slug); p; p = strstr(p + sl, slug)) {
            size_t a = (size_t)(p - s);
            if ((a > 0 && is_path_char((unsigned char)s[a - 1])) ||
                (a + sl < len && is_word((unsigned char)s[a + sl]))) {
                continue;
            }
            push_unique(&x->e->ext_refs, slug);
            blank(s, a, a + sl);
        }
    }
    /* Entry IDs of the KB's families, with ranges ("M5–M13", "M5-M13") expanded. */
    for (size_t i = 0; i < len; i++) {
        if (i > 0 && is_word((unsigned char)s[i - 1])) {
            continue;
        }
        size_t idl = kb_id_len(s + i);
        if (!idl || (i + idl < len && is_word((unsigned char)s[i + idl]))) {
            continue;
        }
        size_t letters = 0;
        while (is_alpha((unsigned char)s[i + letters])) {
            letters++;
        }
        char fam[16];
        snprintf(fam, sizeof fam, "%.*s", (int)letters, s + i);
        if (!kb_strlist_has(x->families, fam)) {
            i += idl - 1;
            continue;
        }
        long lo = strtol(s + i + letters, NULL, 10);
        size_t j = i + idl;
        size_t dash = 0;
        if (strncmp(s + j, "\xE2\x80\x93", 3) == 0 || strncmp(s + j, "\xE2\x80\x94", 3) == 0) {
            dash = 3;
        } else if (s[j] == '-') {
            dash = 1;
        }
        long hi = lo;
        if (dash) {
            const char *q = s + j + dash;
            size_t ql = 0;
            if (strncmp(q, fam, letters) == 0) {
                ql = letters;
            }
            if (is_digit((unsigned char)q[ql])) {
                char *endp;
                long v = strtol(q + ql, &endp, 10);
                if (!is_word((unsigned char)*endp) && v > lo && v - lo <= 200) {
                    hi = v;
                    j = (size_t)(endp - s);
                }
            }
        }
        for (long v = lo; v <= hi; v++) {
            char id[32];
            snprintf(id, sizeof id, "%s%ld", fam, v);
            add_ref(x, id, lineno);
        }
        i = j - 1;
    }
}

/* Bold kebab-case names of three or more words ("**verifying-dl-experiments**") name
 * documents or skills outside the KB; every later plain mention is an external reference. */
static void collect_slugs(const kb_corpus *c, kb_strlist *slugs)
{
    for (size_t d = 0; d < c->n_docs; d++) {
        const char *t = c->docs[d].raw;
        size_t len = c->docs[d].raw_len;
        for (size_t i = 0; i + 4 < len; i++) {
            if (t[i] != '*' || t[i + 1] != '*') {
                continue;
            }
            size_t j = i + 2;
            size_t hyphens = 0;
            while (j < len &&
                   ((t[j] >= 'a' && t[j] <= 'z') || is_digit((unsigned char)t[j]) || t[j] == '-')) {
                if (t[j] == '-') {
                    if (t[j - 1] == '-' || j == i + 2) {
                        break;
                    }
                    hyphens++;
                }
                j++;
            }
            if (hyphens >= 2 && j + 1 < len && t[j] == '*' && t[j + 1] == '*' && t[j - 1] != '-') {
                char *slug = xstrndup(t + i + 2, j - i - 2);
                push_unique(slugs, slug);
                free(slug);
                i = j + 1;
            }
        }
    }
}

/* The "name.md ID" at t[i] (i is the ".md"), when ID is an entry here: its family's item. */
static void family_doc_at(const kb_corpus *c, const char *t, size_t len, size_t i, kb_strlist *out)
{
    size_t a = i;
    while (a > 0 && is_path_char((unsigned char)t[a - 1])) {
        a--;
    }
    size_t k = i + 3;
    while (k < len && (t[k] == ' ' || t[k] == '*')) {
        k++;
    }
    size_t idl = k < len ? kb_id_len(t + k) : 0;
    if (a == i || !idl || (k + idl < len && is_word((unsigned char)t[k + idl]))) {
        return;
    }
    char *id = xstrndup(t + k, idl);
    if (find_entry(c, id) >= 0) {
        size_t letters = 0;
        while (is_alpha((unsigned char)id[letters])) {
            letters++;
        }
        char *item = xasprintf("%.*s %.*s", (int)letters, id, (int)(i + 3 - a), t + a);
        push_unique(out, item);
        free(item);
    }
    free(id);
}

/* Families whose outside document is partly compiled into this KB: a "name.md U9" mention
 * where U9 is an entry here maps family U to name.md, as "U name.md" items. The other IDs of
 * that family (U3 when only U9-U11 are here) then become external references to name.md. */
static void collect_family_docs(const kb_corpus *c, kb_strlist *out)
{
    for (size_t d = 0; d < c->n_docs; d++) {
        const char *t = c->docs[d].raw;
        size_t len = c->docs[d].raw_len;
        for (size_t i = 0; i + 3 < len; i++) {
            if (strncmp(t + i, ".md", 3) == 0 && !is_word((unsigned char)t[i + 3])) {
                family_doc_at(c, t, len, i, out);
            }
        }
    }
}

static void scan_entry_refs(ref_ctx *x)
{
    lines l;
    lines_init(&l, x->e->markdown, strlen(x->e->markdown));
    int in_fence = 0;
    char fence_ch = 0;
    size_t fence_n = 0;
    for (int i = 1; i <= l.n; i++) {
        const char *s;
        size_t len;
        lines_get(&l, i, &s, &len);
        size_t k = 0;
        while (k < len && k < 4 && s[k] == ' ') {
            k++;
        }
        if (k < 4 && k + 3 <= len && (s[k] == '`' || s[k] == '~')) {
            size_t run = 0;
            while (k + run < len && s[k + run] == s[k]) {
                run++;
            }
            if (run >= 3) {
                if (!in_fence) {
                    in_fence = 1;
                    fence_ch = s[k];
                    fence_n = run;
                    continue;
                }
                if (s[k] == fence_ch && run >= fence_n) {
                    in_fence = 0;
                    continue;
                }
            }
        }
        if (in_fence) {
            continue;
        }
        char *clean = clean_line(s, len);
        scan_line(x, clean, x->e->line_start + i - 1);
        free(clean);
    }
    free(l.start);
}

/* ---- Identifiers --------------------------------------------------------------------- */

static int is_py_keyword(const char *w, size_t n)
{
    static const char *const kw[] = {"and",     "as",     "def",   "del",    "for",    "from",
                                     "import",  "not",    "None",  "True",   "False",  "try",
                                     "with",    "else",   "elif",  "return", "pass",   "class",
                                     "finally", "except", "while", "yield",  "lambda", "print"};
    for (size_t i = 0; i < sizeof kw / sizeof kw[0]; i++) {
        if (strlen(kw[i]) == n && strncmp(kw[i], w, n) == 0) {
            return 1;
        }
    }
    return 0;
}

/* Code spans whole; from code blocks, dotted names, snake_case names and called names. */
static void collect_idents(const char *markdown, kb_strlist *out)
{
    cmark_node *root = cmark_parse_document(markdown, strlen(markdown), CMARK_OPT_DEFAULT);
    cmark_iter *it = cmark_iter_new(root);
    cmark_event_type ev;
    while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
        cmark_node *n = cmark_iter_get_node(it);
        if (ev != CMARK_EVENT_ENTER) {
            continue;
        }
        cmark_node_type type = cmark_node_get_type(n);
        const char *lit = cmark_node_get_literal(n);
        if (type == CMARK_NODE_CODE && lit) {
            char *s = xstrdup(lit);
            size_t a = 0;
            size_t b = strlen(s);
            while (a < b && s[a] == ' ') {
                a++;
            }
            while (b > a && s[b - 1] == ' ') {
                b--;
            }
            s[b] = '\0';
            if (b > a) {
                push_unique(out, s + a);
            }
            free(s);
        } else if (type == CMARK_NODE_CODE_BLOCK && lit) {
            for (size_t i = 0; lit[i];) {
                unsigned char ch = (unsigned char)lit[i];
                if (!(is_alpha(ch) || ch == '_') || (i > 0 && is_word((unsigned char)lit[i - 1]))) {
                    i++;
                    continue;
                }
                size_t j = i;
                int dotted = 0;
                int under = 0;
                while (
                    is_word((unsigned char)lit[j]) ||
                    (lit[j] == '.' && (is_alpha((unsigned char)lit[j + 1]) || lit[j + 1] == '_'))) {
                    dotted |= lit[j] == '.';
                    under |= lit[j] == '_';
                    j++;
                }
                int call = lit[j] == '(';
                if ((dotted || under || call) && j - i >= 3 && !is_py_keyword(lit + i, j - i)) {
                    char *w = xstrndup(lit + i, j - i);
                    push_unique(out, w);
                    free(w);
                }
                i = j;
            }
        }
    }
    cmark_iter_free(it);
    cmark_node_free(root);
}

/* ---- Symptom, root cause, fix --------------------------------------------------------- */

void kb_entry_fields(const char *body_md, char **out_symptom, char **out_cause, char **out_fix)
{
    static const char *const labels[] = {"**symptom", "**root cause", "**fix"};
    buf parts[3] = {BUF_INIT, BUF_INIT, BUF_INIT};
    int cur = -1;
    for (const char *p = body_md; p && *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        for (int i = 0; i < 3; i++) {
            size_t ll = strlen(labels[i]);
            if (len >= ll && util_contains_ci(p, ll, labels[i]) && strncmp(p, "**", 2) == 0) {
                cur = i;
            }
        }
        if (cur >= 0) {
            buf_append(&parts[cur], p, len);
            buf_putc(&parts[cur], '\n');
        }
        p = nl ? nl + 1 : NULL;
    }
    char **outs[3] = {out_symptom, out_cause, out_fix};
    for (int i = 0; i < 3; i++) {
        *outs[i] = parts[i].len ? kb_render_text(parts[i].data, 0, -1) : xstrdup("");
        buf_free(&parts[i]);
    }
}

/* ---- Finishing ----------------------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

kb_status kb_corpus_finish(kb_corpus *c, kb_warn_fn warn, void *ud, kb_diag *diag)
{
    if (c->n_entries == 0) {
        kb_diag_set(diag, c->n_docs ? c->docs[0].path : "", 0,
                    "no entries found: expected headings like '### M1 — Title' (an ID of "
                    "letters then digits, a dash, a title)");
        return KB_ERR_INPUT;
    }
    for (size_t i = 0; i < c->n_entries; i++) {
        for (size_t j = 0; j < i; j++) {
            if (util_strcasecmp(c->entries[i].id, c->entries[j].id) == 0) {
                kb_diag_set(diag, c->docs[c->entries[i].doc].path, c->entries[i].line_start,
                            "duplicate entry ID %s (first defined at %s:%d)", c->entries[i].id,
                            c->docs[c->entries[j].doc].path, c->entries[j].line_start);
                return KB_ERR_INPUT;
            }
        }
    }
    kb_strlist families = {NULL, 0};
    kb_strlist slugs = {NULL, 0};
    kb_strlist known = {NULL, 0};
    kb_strlist family_docs = {NULL, 0};
    for (size_t i = 0; i < c->n_entries; i++) {
        size_t letters = 0;
        while (is_alpha((unsigned char)c->entries[i].id[letters])) {
            letters++;
        }
        char *fam = xstrndup(c->entries[i].id, letters);
        push_unique(&families, fam);
        free(fam);
        kb_strlist_push(&known, c->entries[i].id);
    }
    qsort(known.items, known.n, sizeof *known.items, cmp_str);
    collect_slugs(c, &slugs);
    collect_family_docs(c, &family_docs);
    for (size_t i = 0; i < c->n_entries; i++) {
        kb_src_entry *e = &c->entries[i];
        ref_ctx x = {c, e, &slugs, &families, &family_docs, c->docs[e->doc].path, warn, ud};
        scan_entry_refs(&x);
        collect_idents(e->markdown, &e->idents);
        e->html = kb_md_to_html(e->body_md, &known);
        e->text = kb_render_text(e->body_md, 0, -1);
        kb_entry_fields(e->body_md, &e->symptom, &e->cause, &e->fix);
    }
    for (size_t d = 0; d < c->n_docs; d++) {
        c->docs[d].intro_html = kb_md_to_html(c->docs[d].intro_md, &known);
    }
    kb_strlist_free(&families);
    kb_strlist_free(&slugs);
    kb_strlist_free(&known);
    kb_strlist_free(&family_docs);
    return KB_OK;
}

void kb_corpus_free(kb_corpus *c)
{
    for (size_t i = 0; i < c->n_entries; i++) {
        kb_src_entry *e = &c->entries[i];
        free(e->id);
        free(e->title);
        free(e->title_md);
        free(e->section);
        free(e->markdown);
        free(e->body_md);
        free(e->html);
        free(e->text);
        free(e->symptom);
        free(e->cause);
        free(e->fix);
        free(e->ref_lines);
        kb_strlist_free(&e->idents);
        kb_strlist_free(&e->refs);
        kb_strlist_free(&e->ext_refs);
        kb_strlist_free(&e->urls);
    }
    for (size_t d = 0; d < c->n_docs; d++) {
        free(c->docs[d].path);
        free(c->docs[d].name);
        free(c->docs[d].title);
        free(c->docs[d].intro_md);
        free(c->docs[d].intro_html);
    }
    free(c->entries);
    free(c->docs);
    kb_strlist_free(&c->syn_words);
    kb_strlist_free(&c->syn_also);
    kb_strlist_free(&c->link_names);
    kb_strlist_free(&c->link_urls);
    memset(c, 0, sizeof *c);
}
