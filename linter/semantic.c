/* The semantic layer: what a name is. Import bindings and their qualified names, the file's
 * defs and classes, qualified-name resolution of a name chain, and the call helpers rules use
 * to read arguments. Facts about what code does (training steps, loops, grad mode) are in
 * facts.c. */
#include <string.h>

#include "linter/lint_int.h"

/* ---- Names ---- */

static int append(char *out, size_t cap, size_t *pos, const char *s, size_t n)
{
    if (*pos + n + 1 > cap) {
        return 0;
    }
    memcpy(out + *pos, s, n);
    *pos += n;
    out[*pos] = '\0';
    return 1;
}

/* Appends the dotted text of a chain, spaces removed; resolve != 0 maps the leftmost name. */
/* NOLINTNEXTLINE(misc-no-recursion): depth <= MAX_DEPTH */
static int chain(const analysis *a, uint32_t n, int resolve, char *out, size_t cap, size_t *pos,
                 int depth)
{
    if (n == NONE || depth > MAX_DEPTH) {
        return 0;
    }
    const node *nd = &a->nodes[n];
    if (nd->kind == K_IDENT) {
        size_t len;
        const char *t = ntext(a, n, &len);
        if (resolve) {
            const defn *d = find_def(a, t, len, -1);
            if (d) {
                return append(out, cap, pos, "<local>.", 8) && append(out, cap, pos, t, len);
            }
            for (size_t i = a->n_binds; i-- > 0;) {
                const binding *b = &a->binds[i];
                if (b->name_len == len && memcmp(b->name, t, len) == 0) {
                    return append(out, cap, pos, b->qual, strlen(b->qual));
                }
            }
        }
        return append(out, cap, pos, t, len);
    }
    if (nd->kind == K_ATTR) {
        uint32_t obj = child_field(a, n, F_OBJECT);
        uint32_t attr = child_field(a, n, F_ATTRIBUTE);
        if (attr == NONE || !chain(a, obj, resolve, out, cap, pos, depth + 1)) {
            return 0;
        }
        size_t len;
        const char *t = ntext(a, attr, &len);
        return append(out, cap, pos, ".", 1) && append(out, cap, pos, t, len);
    }
    return 0;
}

int resolve_name(const analysis *a, uint32_t n, char *out, size_t cap)
{
    size_t pos = 0;
    out[0] = '\0';
    return chain(a, n, 1, out, cap, &pos, 0);
}

int chain_text(const analysis *a, uint32_t n, char *out, size_t cap)
{
    size_t pos = 0;
    out[0] = '\0';
    return chain(a, n, 0, out, cap, &pos, 0);
}

/* want_class: 1 class, 0 function, -1 either, but only top-level (module-scope) names. */
/* The first position in def_by_name whose name is not less than name[0..len). */
static size_t def_lower_bound(const analysis *a, const char *name, size_t len)
{
    size_t lo = 0;
    size_t hi = a->n_defs;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const defn *d = &a->defs[a->def_by_name[mid]];
        size_t m = d->name_len < len ? d->name_len : len;
        int c = memcmp(d->name, name, m);
        if (c < 0 || (c == 0 && d->name_len < len)) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

/* The first def (in source order) named name[0..len) that satisfies toplevel_only and
 * want_class (-1: either), or NULL. */
static const defn *def_named(const analysis *a, const char *name, size_t len, int toplevel_only,
                             int want_class)
{
    for (size_t i = def_lower_bound(a, name, len); i < a->n_defs; i++) {
        const defn *d = &a->defs[a->def_by_name[i]];
        if (d->name_len != len || memcmp(d->name, name, len) != 0) {
            break;
        }
        if ((!toplevel_only || d->toplevel) && (want_class < 0 || want_class == d->is_class)) {
            return d;
        }
    }
    return NULL;
}

const defn *find_def(const analysis *a, const char *name, size_t len, int want_class)
{
    return def_named(a, name, len, 1, want_class);
}

static void add_binding(analysis *a, const char *name, size_t len, const char *qual, size_t qlen)
{
    if (a->n_binds == a->cap_binds) {
        a->cap_binds = a->cap_binds ? a->cap_binds * 2 : 32;
        a->binds = xrealloc(a->binds, a->cap_binds * sizeof *a->binds);
    }
    binding *b = &a->binds[a->n_binds++];
    b->name = name;
    b->name_len = len;
    b->qual = xmalloc(qlen + 1);
    size_t o = 0;
    for (size_t i = 0; i < qlen; i++) {
        if (qual[i] != ' ' && qual[i] != '\t' && qual[i] != '\n' && qual[i] != '\r' &&
            qual[i] != '\\') {
            b->qual[o++] = qual[i];
        }
    }
    b->qual[o] = '\0';
}

static void collect_import(analysis *a, uint32_t n)
{
    int from = a->nodes[n].kind == K_IMPORT_FROM;
    size_t mlen = 0;
    const char *mod = NULL;
    if (from) {
        uint32_t m = child_field(a, n, F_MODULE_NAME);
        if (m == NONE) {
            return;
        }
        mod = ntext(a, m, &mlen);
    }
    for (uint32_t c = a->nodes[n].first; c != NONE; c = a->nodes[c].next) {
        if (a->nodes[c].field != F_NAME) {
            continue;
        }
        uint32_t target = c;
        uint32_t alias = NONE;
        if (a->nodes[c].kind == K_ALIASED) {
            target = child_field(a, c, F_NAME);
            alias = child_field(a, c, F_ALIAS);
        }
        if (target == NONE) {
            continue;
        }
        size_t tlen;
        const char *t = ntext(a, target, &tlen);
        char qual[512];
        if (from) {
            if (mlen + tlen + 2 > sizeof qual) {
                continue;
            }
            memcpy(qual, mod, mlen);
            size_t q = mlen;
            if (mlen == 0 || mod[mlen - 1] != '.') {
                qual[q++] = '.';
            }
            memcpy(qual + q, t, tlen);
            q += tlen;
            size_t blen;
            const char *bname = alias != NONE ? ntext(a, alias, &blen) : (blen = tlen, t);
            add_binding(a, bname, blen, qual, q);
        } else if (alias != NONE) {
            size_t blen;
            const char *bname = ntext(a, alias, &blen);
            add_binding(a, bname, blen, t, tlen);
        } else {
            /* import a.b.c binds a */
            size_t first = 0;
            while (first < tlen && t[first] != '.') {
                first++;
            }
            add_binding(a, t, first, t, first);
        }
    }
}

const char *callee_last(const analysis *a, uint32_t call, size_t *len)
{
    uint32_t f = child_field(a, call, F_FUNCTION);
    if (f == NONE) {
        return NULL;
    }
    if (a->nodes[f].kind == K_IDENT) {
        return ntext(a, f, len);
    }
    if (a->nodes[f].kind == K_ATTR) {
        uint32_t at = child_field(a, f, F_ATTRIBUTE);
        return at == NONE ? NULL : ntext(a, at, len);
    }
    return NULL;
}

uint32_t call_kwarg(const analysis *a, uint32_t call, const char *name)
{
    uint32_t args = child_field(a, call, F_ARGUMENTS);
    if (args == NONE || a->nodes[args].kind != K_ARGS) {
        return NONE;
    }
    for (uint32_t c = a->nodes[args].first; c != NONE; c = a->nodes[c].next) {
        if (a->nodes[c].kind == K_KWARG && ntext_is(a, child_field(a, c, F_NAME), name)) {
            uint32_t v = child_field(a, c, F_VALUE);
            return v == NONE ? c : v;
        }
    }
    return NONE;
}

int call_has_splat(const analysis *a, uint32_t call)
{
    uint32_t args = child_field(a, call, F_ARGUMENTS);
    if (args == NONE) {
        return 0;
    }
    for (uint32_t c = a->nodes[args].first; c != NONE; c = a->nodes[c].next) {
        if (a->nodes[c].kind == K_DICT_SPLAT || a->nodes[c].kind == K_LIST_SPLAT) {
            return 1;
        }
    }
    return 0;
}

uint32_t call_positional(const analysis *a, uint32_t call, unsigned i)
{
    uint32_t args = child_field(a, call, F_ARGUMENTS);
    if (args == NONE || a->nodes[args].kind != K_ARGS) {
        return NONE;
    }
    for (uint32_t c = a->nodes[args].first; c != NONE; c = a->nodes[c].next) {
        const node *nd = &a->nodes[c];
        if (!nd->named || nd->kind == K_COMMENT || nd->kind == K_KWARG ||
            nd->kind == K_DICT_SPLAT) {
            continue;
        }
        if (nd->kind == K_LIST_SPLAT) {
            return NONE; /* positions after *args are unknown */
        }
        if (i == 0) {
            return c;
        }
        i--;
    }
    return NONE;
}

defn *def_at(analysis *a, uint32_t func)
{
    uint32_t i = func < a->n_nodes ? a->def_by_node[func] : NONE;
    return i == NONE ? NULL : &a->defs[i];
}

/* Sorts by name, then by source order (so the first of equal names is the first defined). */
static int def_cmp(const void *pa, const void *pb, void *ud)
{
    const analysis *a = ud;
    const defn *x = &a->defs[*(const uint32_t *)pa];
    const defn *y = &a->defs[*(const uint32_t *)pb];
    size_t m = x->name_len < y->name_len ? x->name_len : y->name_len;
    int c = memcmp(x->name, y->name, m);
    if (c != 0) {
        return c;
    }
    if (x->name_len != y->name_len) {
        return x->name_len < y->name_len ? -1 : 1;
    }
    return x->node < y->node ? -1 : x->node > y->node;
}

static void index_defs(analysis *a)
{
    a->def_by_name = xrealloc(a->def_by_name, (a->n_defs ? a->n_defs : 1) * sizeof(uint32_t));
    a->def_by_node = xrealloc(a->def_by_node, (a->n_nodes ? a->n_nodes : 1) * sizeof(uint32_t));
    for (uint32_t i = 0; i < a->n_nodes; i++) {
        a->def_by_node[i] = NONE;
    }
    for (size_t i = 0; i < a->n_defs; i++) {
        a->def_by_name[i] = (uint32_t)i;
        a->def_by_node[a->defs[i].node] = (uint32_t)i;
    }
    qsort_r(a->def_by_name, a->n_defs, sizeof(uint32_t), def_cmp, a);
}

const defn *find_method(const analysis *a, const char *name, size_t len)
{
    return def_named(a, name, len, 0, 0);
}

void semantic_build(analysis *a)
{
    a->n_defs = 0;
    a->n_binds = 0;
    for (uint32_t i = 0; i < a->n_nodes; i++) {
        uint8_t k = a->nodes[i].kind;
        if (k == K_IMPORT || k == K_IMPORT_FROM) {
            collect_import(a, i);
        } else if (k == K_FUNC || k == K_CLASS) {
            uint32_t nm = child_field(a, i, F_NAME);
            if (nm == NONE) {
                continue;
            }
            if (a->n_defs == a->cap_defs) {
                a->cap_defs = a->cap_defs ? a->cap_defs * 2 : 32;
                a->defs = xrealloc(a->defs, a->cap_defs * sizeof *a->defs);
            }
            defn *d = &a->defs[a->n_defs++];
            memset(d, 0, sizeof *d);
            d->node = i;
            d->name = ntext(a, nm, &d->name_len);
            d->is_class = k == K_CLASS;
            d->toplevel = a->nodes[i].func == 0;
            for (uint32_t p = a->nodes[i].parent; d->toplevel && p != NONE;
                 p = a->nodes[p].parent) {
                if (a->nodes[p].kind == K_CLASS) {
                    d->toplevel = 0;
                }
            }
        }
    }
    index_defs(a);
}
