/* Findings: what a rule reports (add_finding), the fixes it attaches (set_fix, and the one
 * "add a keyword argument to this call" edit), and the noqa comments that suppress them. The
 * noqa reader here is the only one: lint.c asks it which findings to drop, and the language
 * server (through lint_noqa_find) where to extend a comment for "Disable OOMxxx". */
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "linter/lint_int.h"

/* ---- Building findings ---- */

/* 1 if n or an ancestor is an ERROR/MISSING node, or n contains one. */
static int in_bad_region(const analysis *a, uint32_t n)
{
    if (a->nodes[n].bad) {
        return 1;
    }
    for (uint32_t p = a->nodes[n].parent; p != NONE; p = a->nodes[p].parent) {
        if (a->nodes[p].bad & 1) {
            return 1;
        }
    }
    return 0;
}

lint_finding *add_finding(analysis *a, uint32_t n, const char *fmt, ...)
{
    int rule = a->rule;
    if (in_bad_region(a, n)) {
        return NULL;
    }
    /* one finding per rule and node, whichever path found it */
    for (size_t i = a->n_out > 16 ? a->n_out - 16 : 0; i < a->n_out; i++) {
        if (a->out[i].rule == rule && a->out[i].start_byte == a->nodes[n].sb &&
            a->out[i].end_byte == a->nodes[n].eb) {
            return NULL;
        }
    }
    if (a->n_out == a->cap_out) {
        a->cap_out = a->cap_out ? a->cap_out * 2 : 16;
        a->out = xrealloc(a->out, a->cap_out * sizeof *a->out);
    }
    lint_finding *f = &a->out[a->n_out++];
    memset(f, 0, sizeof *f);
    f->rule = rule;
    f->severity = lint_rules()[rule].severity;
    f->start_byte = a->nodes[n].sb;
    f->end_byte = a->nodes[n].eb;
    f->start = position_of(a, a->nodes[n].sb);
    f->end = position_of(a, a->nodes[n].eb);
    buf b = BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    f->message = buf_detach(&b);
    return f;
}

void set_fix(analysis *a, lint_finding *f, uint32_t sb, uint32_t eb, const char *content,
             const char *title, lint_applicability app)
{
    if (!f) {
        return;
    }
    lint_fix *x = xcalloc(1, sizeof *x);
    x->title = xstrdup(title);
    x->content = xstrdup(content);
    x->start_byte = sb;
    x->end_byte = eb;
    x->start = position_of(a, sb);
    x->end = position_of(a, eb);
    x->applicability = app;
    f->fix = x;
}

void fix_add_kwarg(analysis *a, lint_finding *f, uint32_t call, const char *kwarg,
                   const char *title, lint_applicability app)
{
    uint32_t args = child_field(a, call, F_ARGUMENTS);
    /* f(x for x in xs) has a generator, not an argument list: no second argument fits */
    if (!f || args == NONE || a->nodes[args].kind != K_ARGS) {
        return;
    }
    uint32_t last = NONE;
    for (uint32_t x = a->nodes[args].first; x != NONE; x = a->nodes[x].next) {
        if (a->nodes[x].named && a->nodes[x].kind != K_COMMENT) {
            last = x;
        }
    }
    if (last == NONE) {
        uint32_t open = a->nodes[args].sb + 1;
        set_fix(a, f, open, open, kwarg, title, app);
        return;
    }
    /* after the last argument: a trailing comma or a comment after it stays where it was */
    char *content = xasprintf(", %s", kwarg);
    set_fix(a, f, a->nodes[last].eb, a->nodes[last].eb, content, title, app);
    free(content);
}

void finding_clear(lint_finding *f)
{
    free(f->message);
    if (f->fix) {
        free(f->fix->title);
        free(f->fix->content);
        free(f->fix);
    }
}

void lint_result_free(lint_result *r)
{
    if (!r) {
        return;
    }
    for (size_t i = 0; i < r->n; i++) {
        finding_clear(&r->items[i]);
    }
    free(r->items);
    free(r);
}

/* ---- noqa comments ---- */

static const char *skip_blanks(const char *p, const char *e)
{
    while (p < e && (*p == ' ' || *p == '\t')) {
        p++;
    }
    return p;
}

/* Reads the code list that starts at p, up to e: codes separated by commas and/or blanks
 * ("OOM101, E501"), a code being letters, digits and '_'. The first other byte ends it. */
static void read_codes(const char *line, const char *p, const char *e, lint_noqa *out)
{
    const lint_rule *rules = lint_rules();
    int n_rules = lint_rule_count();
    while (p < e) {
        while (p < e && (*p == ' ' || *p == ',' || *p == '\t')) {
            p++;
        }
        const char *s = p;
        while (p < e && (isalnum((unsigned char)*p) || *p == '_')) {
            p++;
        }
        if (p == s) {
            break;
        }
        out->n_codes++;
        out->codes_end = (size_t)(p - line);
        for (int r = 0; r < n_rules; r++) {
            if (strlen(rules[r].code) == (size_t)(p - s) &&
                strncasecmp(s, rules[r].code, (size_t)(p - s)) == 0) {
                out->rules |= 1U << r;
            }
        }
    }
}

/* Reads what follows the word "noqa", which ends at p: nothing (bare), or blanks, ':' and a
 * code list that runs to the next '#'. Returns 1 if a ':' follows (a list, maybe empty). */
static int read_tail(const char *line, const char *p, const char *e, lint_noqa *out)
{
    out->end = (size_t)(p - line);
    p = skip_blanks(p, e);
    if (p >= e || *p != ':') {
        out->bare = 1;
        return 0;
    }
    p++;
    out->codes_end = (size_t)(p - line);
    const char *stop = memchr(p, '#', (size_t)(e - p));
    stop = stop ? stop : e;
    read_codes(line, p, stop, out);
    out->end = out->codes_end;
    /* "# noqa:" with nothing after it reads as bare */
    out->bare = skip_blanks(p, stop) == stop;
    return 1;
}

int lint_noqa_find(const char *line, size_t len, size_t from, lint_noqa *out)
{
    const char *e = line + len;
    for (const char *h = from < len ? memchr(line + from, '#', len - from) : NULL; h;
         h = memchr(h + 1, '#', (size_t)(e - h - 1))) {
        const char *p = skip_blanks(h + 1, e);
        if (e - p < 4 || strncasecmp(p, "noqa", 4) != 0) {
            continue;
        }
        memset(out, 0, sizeof *out);
        out->start = (size_t)(h - line);
        read_tail(line, p + 4, e, out);
        return 1;
    }
    return 0;
}

/* Does line [s, e) carry "# noqa" or "# noqa: CODES" covering rule? */
static int line_noqa(const char *s, const char *e, int rule)
{
    lint_noqa nq;
    size_t len = (size_t)(e - s);
    for (size_t from = 0; lint_noqa_find(s, len, from, &nq); from = nq.start + 1) {
        if (nq.bare || (nq.rules >> rule & 1U)) {
            return 1;
        }
    }
    return 0;
}

static void line_bounds(const char *src, size_t len, uint32_t byte, const char **s, const char **e)
{
    size_t b = byte > len ? len : byte;
    size_t i = b;
    while (i > 0 && src[i - 1] != '\n') {
        i--;
    }
    size_t j = b;
    while (j < len && src[j] != '\n') {
        j++;
    }
    *s = src + i;
    *e = src + j;
}

/* The rules turned off by a "# oomkb: noqa" comment whose "oomkb:" is at p, on a line of its
 * own [ls, le): all of them (bare), those it lists, or none if it is not one ("# see the
 * oomkb: noqa docs" is prose). */
static uint32_t file_noqa_at(const char *ls, const char *le, const char *p)
{
    const char *q = skip_blanks(ls, p);
    if (q >= p || *q != '#' || skip_blanks(q + 1, p) != p) {
        return 0;
    }
    const char *after = skip_blanks(p + 6, le);
    if (le - after < 4 || strncasecmp(after, "noqa", 4) != 0) {
        return 0;
    }
    lint_noqa nq;
    memset(&nq, 0, sizeof nq);
    /* unlike a line's "# noqa:", an empty list here turns nothing off */
    return read_tail(ls, after + 4, le, &nq) ? nq.rules : lint_rule_all();
}

uint32_t noqa_file_mask(const char *src, size_t len)
{
    uint32_t mask = 0;
    const char *end = src + len;
    for (const char *p = src; (p = memmem(p, (size_t)(end - p), "oomkb:", 6)) != NULL; p += 6) {
        const char *ls;
        const char *le;
        line_bounds(src, len, (uint32_t)(p - src), &ls, &le);
        uint32_t m = file_noqa_at(ls, le, p);
        if (m == lint_rule_all()) {
            return m;
        }
        mask |= m;
    }
    return mask;
}

/* Does the line of byte off carry a noqa covering rule, or, when a string literal or a
 * backslash continuation runs past that line's end (where no comment can go), the line where
 * it ends (as ruff reads them)? */
static int noqa_at(const char *src, size_t len, uint32_t off, int rule)
{
    const char *ls;
    const char *le;
    line_bounds(src, len, off, &ls, &le);
    if (line_noqa(ls, le, rule)) {
        return 1;
    }
    size_t ce = pylex_comment_line_end(src, len, off);
    if (ce <= (size_t)(le - src)) {
        return 0;
    }
    line_bounds(src, len, (uint32_t)ce, &ls, &le);
    return line_noqa(ls, le, rule);
}

int noqa_suppresses(const char *src, size_t len, const lint_finding *f)
{
    if (noqa_at(src, len, f->start_byte, f->rule)) {
        return 1;
    }
    return f->end.row != f->start.row && noqa_at(src, len, f->end_byte, f->rule);
}
