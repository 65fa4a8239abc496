/* Applying fixes and adding noqa directives: pure edits of a linted buffer (lint_fix_apply,
 * lint_noqa_add) and the fix loop that re-lints after each pass (lint_fix_buffer). The CLI's
 * --fix/--diff/--add-noqa and the language server's source.fixAll call these; the diff of a
 * fix is diff.c's. */
#include "linter/fix.h"

#include <stdlib.h>
#include <string.h>

#include "linter/lint_int.h"

int lint_fix_applicable(const lint_fix *x, int unsafe)
{
    return x && (x->applicability == LINT_FIX_SAFE || unsafe);
}

/* A fix in the order of application (an array of these sorts without pointer-to-pointer
 * casts). */
typedef struct fix_ref {
    const lint_fix *x;
} fix_ref;

static int cmp_fix(const void *pa, const void *pb)
{
    const lint_fix *a = ((const fix_ref *)pa)->x;
    const lint_fix *b = ((const fix_ref *)pb)->x;
    if (a->start_byte != b->start_byte) {
        return a->start_byte < b->start_byte ? -1 : 1;
    }
    if (a->end_byte != b->end_byte) {
        return a->end_byte < b->end_byte ? -1 : 1;
    }
    return strcmp(a->content, b->content);
}

static int same_edit(const lint_fix *a, const lint_fix *b)
{
    return a->start_byte == b->start_byte && a->end_byte == b->end_byte &&
           strcmp(a->content, b->content) == 0;
}

size_t lint_fix_apply(const char *src, size_t len, const lint_result *r, int unsafe, buf *out)
{
    fix_ref *fx = xcalloc(r && r->n ? r->n : 1, sizeof *fx);
    size_t nf = 0;
    for (size_t i = 0; r && i < r->n; i++) {
        const lint_fix *x = r->items[i].fix;
        if (lint_fix_applicable(x, unsafe) && x->start_byte <= x->end_byte && x->end_byte <= len) {
            fx[nf++].x = x;
        }
    }
    qsort(fx, nf, sizeof *fx, cmp_fix);
    size_t applied = 0;
    size_t pos = 0;
    const lint_fix *last = NULL;
    for (size_t i = 0; i < nf; i++) {
        const lint_fix *x = fx[i].x;
        if (last && same_edit(last, x)) {
            applied++;
            continue;
        }
        /* an edit that touches the last one waits for the next pass (as ruff does) */
        if (last && x->start_byte <= last->end_byte) {
            continue;
        }
        buf_append(out, src + pos, x->start_byte - pos);
        buf_puts(out, x->content);
        pos = x->end_byte;
        last = x;
        applied++;
    }
    buf_append(out, src + pos, len - pos);
    free(fx);
    return applied;
}

void lint_fixed_clear(lint_fixed *f)
{
    if (!f) {
        return;
    }
    free(f->src);
    lint_result_free(f->result);
    memset(f, 0, sizeof *f);
}

lint_status lint_fix_buffer(lint_ctx *ctx, const char *src, size_t len, const lint_options *opts,
                            int unsafe, lint_fixed *out, lint_diag *diag)
{
    memset(out, 0, sizeof *out);
    lint_result *r = NULL;
    lint_status st = lint_buffer(ctx, src, len, opts, &r, diag);
    if (st != LINT_OK) {
        return st;
    }
    out->src = xstrndup(src, len);
    out->len = len;
    if (r->n_syntax_errors) {
        out->syntax_error = 1;
        out->result = r;
        return LINT_OK;
    }
    for (int pass = 0; pass < LINT_FIX_MAX_PASSES; pass++) {
        buf next = BUF_INIT;
        size_t n = lint_fix_apply(out->src, out->len, r, unsafe, &next);
        if (n == 0 || (next.len == out->len && memcmp(next.data, out->src, out->len) == 0)) {
            buf_free(&next);
            break;
        }
        lint_result *r2 = NULL;
        st = lint_buffer(ctx, next.data, next.len, opts, &r2, diag);
        if (st != LINT_OK || r2->n_syntax_errors) {
            /* the edit broke the file (or made it too large): keep the last good source */
            lint_result_free(r2);
            buf_free(&next);
            out->reverted = 1;
            st = LINT_OK;
            break;
        }
        lint_result_free(r);
        r = r2;
        free(out->src);
        out->len = next.len;
        out->src = buf_detach(&next);
        out->n_fixed += n;
        out->passes++;
    }
    out->result = r;
    return st;
}

/* ---- noqa directives ---- */

/* The line (0-based) that holds byte off, by binary search over the line starts. */
static size_t row_of(const size_t *starts, size_t n_lines, size_t off)
{
    size_t lo = 0;
    size_t hi = n_lines;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (starts[mid] <= off) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    return lo;
}

size_t lint_noqa_line_end(const char *src, size_t len, size_t off)
{
    return pylex_comment_line_end(src, len, off);
}

/* Appends the codes of mask, ", "-separated. */
static void put_codes(buf *out, uint32_t mask)
{
    int first = 1;
    for (int i = 0; i < lint_rule_count(); i++) {
        if (mask >> i & 1U) {
            buf_printf(out, "%s%s", first ? "" : ", ", lint_rules()[i].code);
            first = 0;
        }
    }
}

/* Appends line [s, e) (no line end) with the codes of mask added to its noqa directive. Returns
 * 1 if it changed. */
static int add_to_line(buf *out, const char *s, const char *e, uint32_t mask)
{
    size_t len = (size_t)(e - s);
    lint_noqa nq;
    const lint_noqa *list = NULL;
    lint_noqa first_list;
    for (size_t from = 0; lint_noqa_find(s, len, from, &nq); from = nq.start + 1) {
        if (nq.bare) {
            mask = 0; /* everything on this line is already silenced */
        }
        mask &= ~nq.rules;
        if (!list && nq.n_codes) {
            first_list = nq;
            list = &first_list;
        }
    }
    if (!mask) {
        buf_append(out, s, len);
        return 0;
    }
    if (list) {
        buf_append(out, s, list->codes_end);
        buf_puts(out, ", ");
        put_codes(out, mask);
        buf_append(out, s + list->codes_end, len - list->codes_end);
        return 1;
    }
    const char *t = e;
    while (t > s && (t[-1] == ' ' || t[-1] == '\t')) {
        t--;
    }
    buf_append(out, s, (size_t)(t - s));
    buf_puts(out, t > s ? "  # noqa: " : "# noqa: ");
    put_codes(out, mask);
    return 1;
}

size_t lint_noqa_add(const char *src, size_t len, const lint_result *r, buf *out,
                     size_t *out_skipped)
{
    size_t n_lines = 1;
    for (const char *p = src; (p = memchr(p, '\n', (size_t)(src + len - p))) != NULL; p++) {
        n_lines++;
    }
    size_t *starts = xcalloc(n_lines, sizeof *starts);
    size_t li = 1;
    for (size_t i = 0; i < len; i++) {
        if (src[i] == '\n') {
            starts[li++] = i + 1;
        }
    }
    uint32_t *want = xcalloc(n_lines, sizeof *want);
    size_t skipped = 0;
    for (size_t i = 0; r && i < r->n; i++) {
        const lint_finding *f = &r->items[i];
        if (f->start_byte > len) {
            skipped++;
            continue;
        }
        /* the finding's first line, or where the string or continuation on it ends */
        want[row_of(starts, n_lines, pylex_comment_line_end(src, len, f->start_byte))] |=
            1U << f->rule;
    }
    size_t added = 0;
    for (size_t row = 0; row < n_lines; row++) {
        const char *s = src + starts[row];
        const char *e = row + 1 < n_lines ? src + starts[row + 1] - 1 : src + len;
        const char *le = e; /* the line end: "\n", "\r\n" or none */
        if (le > s && le[-1] == '\r') {
            le--;
        }
        if (want[row]) {
            added += (size_t)add_to_line(out, s, le, want[row]);
        } else {
            buf_append(out, s, (size_t)(le - s));
        }
        buf_append(out, le, (size_t)(e - le));
        if (row + 1 < n_lines) {
            buf_putc(out, '\n');
        }
    }
    free(starts);
    free(want);
    if (out_skipped) {
        *out_skipped = skipped;
    }
    return added;
}
