/* Unified diffs of a fix (`oomkb lint --diff`): lines compared whole, common head and tail
 * trimmed, the middle diffed with Myers' O(ND) algorithm, hunks with 3 lines of context in GNU
 * diff -u's form (tests compare the two). Written here rather than taken from a library: the
 * only Debian library that diffs buffers is libgit2, a whole Git implementation with TLS, SSH
 * and HTTP dependencies, for what is ~200 lines. */
#include <stdlib.h>
#include <string.h>

#include "linter/fix.h"

#define CONTEXT ((size_t)3)

typedef struct line {
    const char *s;
    size_t n; /* with its line end, if any */
    unsigned long h;
} line;

typedef struct side {
    line *v;
    size_t n;
} side;

static void split(const char *s, size_t len, side *out)
{
    size_t cap = 16;
    out->v = xmalloc(cap * sizeof *out->v);
    out->n = 0;
    size_t i = 0;
    while (i < len) {
        const char *nl = memchr(s + i, '\n', len - i);
        size_t e = nl ? (size_t)(nl - s) + 1 : len;
        if (out->n == cap) {
            cap *= 2;
            out->v = xrealloc(out->v, cap * sizeof *out->v);
        }
        unsigned long h = 5381;
        for (size_t k = i; k < e; k++) {
            h = h * 33 + (unsigned char)s[k];
        }
        out->v[out->n++] = (line){s + i, e - i, h};
        i = e;
    }
}

static int same(const line *a, const line *b)
{
    return a->h == b->h && a->n == b->n && memcmp(a->s, b->s, a->n) == 0;
}

/* An edit script: op '=' (both), '-' (a only) or '+' (b only), in order. */
typedef struct op {
    char kind;
    size_t ai, bi; /* the line of a ('=' and '-') and of b ('=' and '+') */
} op;

typedef struct script {
    op *v;
    size_t n, cap;
} script;

static void push(script *sc, char kind, size_t ai, size_t bi)
{
    if (sc->n == sc->cap) {
        sc->cap = sc->cap ? sc->cap * 2 : 64;
        sc->v = xrealloc(sc->v, sc->cap * sizeof *sc->v);
    }
    sc->v[sc->n++] = (op){kind, ai, bi};
}

/* Myers' greedy forward pass over a[a0..a0+n) -> b[b0..b0+m): trace[d] receives a copy of the
 * furthest-reaching x per diagonal after step d (k = -d..d), for the walk back. Returns the
 * number of steps D, or -1 when it would pass LINT_DIFF_MAX_EDITS. O(D^2) memory. */
static long forward(const side *a, size_t a0, size_t n, const side *b, size_t b0, size_t m,
                    long **trace, long limit)
{
    long max = (long)(n + m);
    long *v = xcalloc((size_t)(2 * max + 3), sizeof *v);
    long off = max + 1;
    long dend = -1;
    for (long d = 0; d <= limit && dend < 0; d++) {
        for (long k = -d; k <= d; k += 2) {
            long x = (k == -d || (k != d && v[off + k - 1] < v[off + k + 1])) ? v[off + k + 1]
                                                                              : v[off + k - 1] + 1;
            long y = x - k;
            while (x < (long)n && y < (long)m && same(&a->v[a0 + x], &b->v[b0 + y])) {
                x++;
                y++;
            }
            v[off + k] = x;
            if (x >= (long)n && y >= (long)m) {
                dend = d;
            }
        }
        trace[d] = xmalloc((size_t)(2 * d + 1) * sizeof **trace);
        memcpy(trace[d], v + off - d, (size_t)(2 * d + 1) * sizeof *v);
    }
    free(v);
    return dend;
}

/* The walk back from (n, m) through the trace of forward(), pushing the script in reverse. */
static void backtrack(long *const *trace, long dend, size_t a0, size_t b0, long x, long y,
                      script *rev)
{
    for (long d = dend; d > 0; d--) {
        const long *pv = trace[d - 1] + (d - 1); /* pv[k] for k in -(d-1)..d-1 */
        long k = x - y;
        long pk = (k == -d || (k != d && pv[k - 1] < pv[k + 1])) ? k + 1 : k - 1;
        long px = pv[pk];
        long py = px - pk;
        while (x > px && y > py) {
            x--;
            y--;
            push(rev, '=', a0 + (size_t)x, b0 + (size_t)y);
        }
        if (pk == k + 1) {
            push(rev, '+', a0 + (size_t)x, b0 + (size_t)py);
        } else {
            push(rev, '-', a0 + (size_t)px, b0 + (size_t)y);
        }
        x = px;
        y = py;
    }
    while (x > 0 && y > 0) {
        x--;
        y--;
        push(rev, '=', a0 + (size_t)x, b0 + (size_t)y);
    }
}

/* Myers' shortest edit script of a[a0..a0+n) -> b[b0..b0+m), pushed in reverse order (the
 * caller reverses). Returns 0 when D would pass LINT_DIFF_MAX_EDITS. */
static int myers(const side *a, size_t a0, size_t n, const side *b, size_t b0, size_t m,
                 script *rev)
{
    long max = (long)(n + m);
    long limit = max < LINT_DIFF_MAX_EDITS ? max : LINT_DIFF_MAX_EDITS;
    long **trace = xcalloc((size_t)limit + 1, sizeof *trace);
    long dend = forward(a, a0, n, b, b0, m, trace, limit);
    if (dend >= 0) {
        backtrack(trace, dend, a0, b0, (long)n, (long)m, rev);
    }
    for (long d = 0; d <= limit && trace[d]; d++) {
        free(trace[d]);
    }
    free(trace);
    return dend >= 0;
}

/* The edit script from a to b: common head and tail kept, the middle by myers() or, past the
 * edit limit, replaced whole. */
static void edit_script(const side *a, const side *b, script *sc)
{
    size_t head = 0;
    while (head < a->n && head < b->n && same(&a->v[head], &b->v[head])) {
        head++;
    }
    size_t tail = 0;
    while (tail < a->n - head && tail < b->n - head &&
           same(&a->v[a->n - 1 - tail], &b->v[b->n - 1 - tail])) {
        tail++;
    }
    for (size_t i = 0; i < head; i++) {
        push(sc, '=', i, i);
    }
    size_t n = a->n - head - tail;
    size_t m = b->n - head - tail;
    script rev = {NULL, 0, 0};
    if (myers(a, head, n, b, head, m, &rev)) {
        for (size_t i = rev.n; i > 0; i--) {
            push(sc, rev.v[i - 1].kind, rev.v[i - 1].ai, rev.v[i - 1].bi);
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            push(sc, '-', head + i, head);
        }
        for (size_t i = 0; i < m; i++) {
            push(sc, '+', head + n, head + i);
        }
    }
    free(rev.v);
    for (size_t i = 0; i < tail; i++) {
        push(sc, '=', a->n - tail + i, b->n - tail + i);
    }
}

/* "l,n" as diff -u prints a hunk's range: "l" alone when n is 1, the line before when n is 0. */
static void put_range(buf *out, size_t first, size_t n)
{
    if (n == 1) {
        buf_printf(out, "%zu", first + 1);
    } else {
        buf_printf(out, "%zu,%zu", n ? first + 1 : first, n);
    }
}

static void put_line(buf *out, char mark, const line *l)
{
    buf_putc(out, mark);
    buf_append(out, l->s, l->n);
    if (l->n == 0 || l->s[l->n - 1] != '\n') {
        buf_puts(out, "\n\\ No newline at end of file\n");
    }
}

/* Appends the hunk of ops [s, e). */
static void put_hunk(buf *out, const script *sc, size_t s, size_t e, const side *a, const side *b)
{
    size_t na = 0;
    size_t nb = 0;
    for (size_t i = s; i < e; i++) {
        na += sc->v[i].kind != '+';
        nb += sc->v[i].kind != '-';
    }
    buf_puts(out, "@@ -");
    put_range(out, sc->v[s].ai, na);
    buf_puts(out, " +");
    put_range(out, sc->v[s].bi, nb);
    buf_puts(out, " @@\n");
    for (size_t i = s; i < e; i++) {
        const op *o = &sc->v[i];
        if (o->kind == '=') {
            put_line(out, ' ', &a->v[o->ai]);
        } else if (o->kind == '-') {
            put_line(out, '-', &a->v[o->ai]);
        }
        /* a hunk lists a run's removed lines before its added ones, as diff -u does */
        if (o->kind != '=' && (i + 1 == e || sc->v[i + 1].kind == '=')) {
            size_t r = i + 1;
            while (r > s && sc->v[r - 1].kind != '=') {
                r--;
            }
            for (size_t j = r; j <= i; j++) {
                if (sc->v[j].kind == '+') {
                    put_line(out, '+', &b->v[sc->v[j].bi]);
                }
            }
        }
    }
}

/* The end of the hunk whose first change is op i: past its last change, the changes that
 * follow within 2*CONTEXT equal lines joined to it, plus CONTEXT lines. */
static size_t hunk_end(const script *sc, size_t i)
{
    size_t e = i;
    for (;;) {
        while (e < sc->n && sc->v[e].kind != '=') {
            e++;
        }
        size_t eq = e;
        while (eq < sc->n && sc->v[eq].kind == '=') {
            eq++;
        }
        if (eq < sc->n && eq - e <= 2 * CONTEXT) {
            e = eq;
            continue;
        }
        return e + CONTEXT < eq ? e + CONTEXT : eq;
    }
}

int lint_diff_unified(buf *out, const char *a, size_t alen, const char *b, size_t blen,
                      const char *name)
{
    if (alen == blen && memcmp(a, b, alen) == 0) {
        return 0;
    }
    side sa;
    side sb;
    split(a, alen, &sa);
    split(b, blen, &sb);
    script sc = {NULL, 0, 0};
    edit_script(&sa, &sb, &sc);
    buf_printf(out, "--- a/%s\n+++ b/%s\n", name, name);
    size_t i = 0;
    while (i < sc.n) {
        while (i < sc.n && sc.v[i].kind == '=') {
            i++;
        }
        if (i == sc.n) {
            break;
        }
        size_t s = i >= CONTEXT ? i - CONTEXT : 0;
        size_t e = hunk_end(&sc, i);
        put_hunk(out, &sc, s, e, &sa, &sb);
        i = e;
    }
    free(sc.v);
    free(sa.v);
    free(sb.v);
    return 1;
}
