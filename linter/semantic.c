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
        const binding *b = resolve ? resolve_binding(a, n) : NULL;
        if (b && b->kind == BIND_IMPORT) {
            return append(out, cap, pos, b->qual, strlen(b->qual));
        }
        if (b && (b->kind == BIND_DEF || b->kind == BIND_CLASS)) {
            return append(out, cap, pos, "<local>.", 8) && append(out, cap, pos, t, len);
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

/* Names order by bytes, a prefix first. */
static int name_cmp(const char *x, size_t xl, const char *y, size_t yl)
{
    int c = memcmp(x, y, xl < yl ? xl : yl);
    if (c != 0) {
        return c;
    }
    return xl < yl ? -1 : xl > yl;
}

/* What a sorted index is searched for: a name, and for bindings and global declarations a
 * scope too; for bindings, the name's hash (name_hash). */
typedef struct name_key {
    const char *name;
    size_t len;
    uint32_t scope;
    uint32_t hash;
} name_key;

/* The hash bindings sort by before their name, so that sorting and looking up compare two
 * integers where they compared two strings (the order only has to be the same for both). */
static uint32_t name_hash(const char *name, size_t len)
{
    return (uint32_t)lint_hash_bytes(name, len);
}

static int def_key_cmp(const analysis *a, uint32_t i, const name_key *k)
{
    return name_cmp(a->defs[i].name, a->defs[i].name_len, k->name, k->len);
}

/* Bindings order by name hash, name, then scope (then source order, in bind_cmp). */
static int bind_key_cmp(const analysis *a, uint32_t i, const name_key *k)
{
    const binding *b = &a->binds[i];
    if (b->hash != k->hash) {
        return b->hash < k->hash ? -1 : 1;
    }
    int c = name_cmp(b->name, b->name_len, k->name, k->len);
    return c != 0 ? c : b->scope < k->scope ? -1 : b->scope > k->scope;
}

/* Global declarations order by scope, then name. */
static int global_vs_key(const analysis *a, const struct global_decl *g, const name_key *k)
{
    if (g->scope != k->scope) {
        return g->scope < k->scope ? -1 : 1;
    }
    size_t gl;
    const char *gt = ntext(a, g->name, &gl);
    return name_cmp(gt, gl, k->name, k->len);
}

static int global_key_cmp(const analysis *a, uint32_t i, const name_key *k)
{
    return global_vs_key(a, &a->globals[i], k);
}

/* The first position in order[0..n) (indices sorted as cmp orders them) whose entry is not
 * less than key. order NULL: the entries themselves are in order (index i at position i). */
static size_t lower_bound(const analysis *a, const uint32_t *order, size_t n,
                          int (*cmp)(const analysis *, uint32_t, const name_key *),
                          const name_key *key)
{
    size_t lo = 0;
    size_t hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (cmp(a, order ? order[mid] : (uint32_t)mid, key) < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

/* The innermost class or function around def d, or NONE. */
static uint32_t def_owner(const analysis *a, const defn *d)
{
    uint32_t p = a->nodes[d->node].parent;
    while (p != NONE && a->nodes[p].kind != K_CLASS && a->nodes[p].kind != K_FUNC) {
        p = a->nodes[p].parent;
    }
    return p;
}

/* The first def (in source order) named name[0..len) that satisfies toplevel_only and
 * want_class (-1: either) and, when owner is not NONE, is defined directly in owner; or NULL. */
static const defn *def_named(const analysis *a, const char *name, size_t len, int toplevel_only,
                             int want_class, uint32_t owner)
{
    name_key key = {name, len, 0, 0};
    for (size_t i = lower_bound(a, a->def_by_name, a->n_defs, def_key_cmp, &key); i < a->n_defs;
         i++) {
        const defn *d = &a->defs[a->def_by_name[i]];
        if (d->name_len != len || memcmp(d->name, name, len) != 0) {
            break;
        }
        if ((!toplevel_only || d->toplevel) && (want_class < 0 || want_class == d->is_class) &&
            (owner == NONE || def_owner(a, d) == owner)) {
            return d;
        }
    }
    return NULL;
}

const defn *find_def(const analysis *a, const char *name, size_t len, int want_class)
{
    return def_named(a, name, len, 1, want_class, NONE);
}

/* ---- Bindings ---- */

/* 1 if function scope `scope` declares name global (a->globals, sorted by global_key_cmp). */
static int declared_global(const analysis *a, uint32_t scope, const char *name, size_t len)
{
    name_key key = {name, len, scope, 0};
    size_t i = lower_bound(a, NULL, a->n_globals, global_key_cmp, &key);
    return i < a->n_globals && global_key_cmp(a, (uint32_t)i, &key) == 0;
}

/* Adds a binding of name[0..len) at site (scope: scope_of(site), or the module when the
 * function declares the name global). qual (BIND_IMPORT) is copied without white space. */
static binding *add_binding(analysis *a, const char *name, size_t len, uint32_t site, int kind)
{
    if (a->n_binds == a->cap_binds) {
        a->cap_binds = a->cap_binds ? a->cap_binds * 2 : 32;
        a->binds = xrealloc(a->binds, a->cap_binds * sizeof *a->binds);
    }
    binding *b = &a->binds[a->n_binds++];
    memset(b, 0, sizeof *b);
    b->name = name;
    b->name_len = len;
    b->hash = name_hash(name, len);
    b->site = site;
    b->value = NONE;
    b->kind = (uint8_t)kind;
    b->scope = scope_of(a, site);
    if (b->scope != 0 && a->n_globals && declared_global(a, b->scope, name, len)) {
        b->scope = 0;
    }
    b->fallback = (uint8_t)in_except(a, site, b->scope);
    return b;
}

static void set_qual(binding *b, const char *qual, size_t qlen)
{
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

static void add_import(analysis *a, const char *name, size_t len, uint32_t stmt, const char *qual,
                       size_t qlen)
{
    set_qual(add_binding(a, name, len, stmt, BIND_IMPORT), qual, qlen);
}

/* Binds every name in an assignment, for, with or except target: an identifier, or the names
 * inside a tuple/list pattern or a splat (an attribute or a subscript binds no name). value:
 * the assigned expression when the target is a lone identifier, else NONE. */
/* NOLINTNEXTLINE(misc-no-recursion): depth <= MAX_DEPTH */
static void bind_target(analysis *a, uint32_t t, uint32_t value, int kind, int depth)
{
    if (t == NONE || depth > MAX_DEPTH) {
        return;
    }
    uint8_t k = a->nodes[t].kind;
    if (k == K_IDENT) {
        size_t len;
        const char *name = ntext(a, t, &len);
        binding *b = add_binding(a, name, len, t, kind);
        b->value = value;
        b->fallback |= (uint8_t)(value != NONE && a->nodes[value].kind == K_NONE);
        return;
    }
    if (k == K_ATTR || k == K_SUBSCRIPT || k == K_CALL) {
        return;
    }
    for (uint32_t c = a->nodes[t].first; c != NONE; c = a->nodes[c].next) {
        if (a->nodes[c].named) {
            bind_target(a, c, NONE, kind, depth + 1);
        }
    }
}

/* The parameters of a function or lambda. */
static void bind_params(analysis *a, uint32_t params)
{
    for (uint32_t c = a->nodes[params].first; c != NONE; c = a->nodes[c].next) {
        if (!a->nodes[c].named || a->nodes[c].kind == K_COMMENT) {
            continue;
        }
        uint32_t t = c;
        if (a->nodes[c].kind == K_DEFAULT_PARAM) {
            t = child_field(a, c, F_NAME);
        } else if (a->nodes[c].kind != K_IDENT) {
            t = named_child(a, c, 0); /* typed_parameter, *args, **kwargs */
            if (t != NONE && a->nodes[t].kind != K_IDENT) {
                t = named_child(a, t, 0); /* typed *args */
            }
        }
        bind_target(a, t, NONE, BIND_PARAM, 0);
    }
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
            add_import(a, bname, blen, n, qual, q);
        } else if (alias != NONE) {
            size_t blen;
            const char *bname = ntext(a, alias, &blen);
            add_import(a, bname, blen, n, t, tlen);
        } else {
            /* import a.b.c binds a */
            size_t first = 0;
            while (first < tlen && t[first] != '.') {
                first++;
            }
            add_import(a, t, first, n, t, first);
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
    int c = name_cmp(x->name, x->name_len, y->name, y->name_len);
    return c != 0 ? c : x->node < y->node ? -1 : x->node > y->node;
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
    return def_named(a, name, len, 0, 0, NONE);
}

const defn *method_of(const analysis *a, const defn *cls, const char *name, size_t len)
{
    return def_named(a, name, len, 0, 0, cls->node);
}

/* ---- Scopes and resolution ---- */

uint32_t scope_of(const analysis *a, uint32_t n)
{
    uint32_t f = a->nodes[n].func;
    uint32_t prev = n;
    for (uint32_t p = a->nodes[n].parent; p != NONE && p != f; prev = p, p = a->nodes[p].parent) {
        if (a->nodes[p].kind == K_CLASS && a->nodes[prev].field == F_BODY) {
            return p;
        }
    }
    return f;
}

static int bind_cmp(const void *pa, const void *pb, void *ud)
{
    const analysis *a = ud;
    uint32_t i = *(const uint32_t *)pa;
    uint32_t j = *(const uint32_t *)pb;
    const binding *y = &a->binds[j];
    name_key key = {y->name, y->name_len, y->scope, y->hash};
    int c = bind_key_cmp(a, i, &key);
    return c != 0 ? c : i < j ? -1 : i > j;
}

static int global_cmp(const void *pa, const void *pb, void *ud)
{
    const analysis *a = ud;
    const struct global_decl *y = pb;
    size_t yl;
    const char *yt = ntext(a, y->name, &yl);
    name_key key = {yt, yl, y->scope, 0};
    return global_vs_key(a, pa, &key);
}

/* The binding of name[0..len) in scope that a use at byte `at` sees (at == UINT32_MAX: the
 * scope's last), or NULL when the scope binds no such name. Among candidates, the last
 * non-fallback binding wins over any fallback. */
static const binding *binding_in(const analysis *a, uint32_t scope, const char *name, size_t len,
                                 uint32_t at)
{
    const binding *before = NULL;
    const binding *any = NULL;
    const binding *before_fb = NULL;
    const binding *any_fb = NULL;
    name_key key = {name, len, scope, name_hash(name, len)};
    for (size_t i = lower_bound(a, a->bind_by_name, a->n_binds, bind_key_cmp, &key);
         i < a->n_binds && bind_key_cmp(a, a->bind_by_name[i], &key) == 0; i++) {
        const binding *b = &a->binds[a->bind_by_name[i]];
        int is_before = a->nodes[b->site].sb < at;
        if (b->fallback) {
            any_fb = b;
            before_fb = is_before ? b : before_fb;
        } else {
            any = b;
            before = is_before ? b : before;
        }
    }
    if (before || before_fb) {
        return before ? before : before_fb;
    }
    return any ? any : any_fb;
}

static const binding *resolve_uncached(const analysis *a, uint32_t ident)
{
    size_t len;
    const char *name = ntext(a, ident, &len);
    uint32_t scope = scope_of(a, ident);
    uint32_t at = a->nodes[ident].sb;
    if (scope != 0 && a->n_globals && declared_global(a, scope, name, len)) {
        scope = 0;
    }
    for (;;) {
        const binding *b = binding_in(a, scope, name, len, at);
        if (b || scope == 0) {
            return b;
        }
        /* Outward: the scope that encloses this one's node, class bodies skipped. A function
         * runs after its enclosing scope has bound everything: the last binding counts. */
        do {
            scope = scope_of(a, scope);
        } while (scope != 0 && a->nodes[scope].kind == K_CLASS);
        at = UINT32_MAX;
    }
}

const binding *resolve_binding(const analysis *a, uint32_t ident)
{
    if (!a->resolved || ident >= a->n_nodes) {
        return resolve_uncached(a, ident);
    }
    uint32_t r = a->resolved[ident];
    if (r == 0) {
        const binding *b = resolve_uncached(a, ident);
        r = b ? (uint32_t)(b - a->binds) + 2 : 1;
        a->resolved[ident] = r; /* the memo is not the model: a const analysis may fill it */
    }
    return r == 1 ? NULL : &a->binds[r - 2];
}

static void add_global(analysis *a, uint32_t stmt)
{
    uint32_t scope = scope_of(a, stmt);
    if (scope == 0) {
        return;
    }
    for (uint32_t c = a->nodes[stmt].first; c != NONE; c = a->nodes[c].next) {
        if (a->nodes[c].kind != K_IDENT) {
            continue;
        }
        if (a->n_globals == a->cap_globals) {
            a->cap_globals = a->cap_globals ? a->cap_globals * 2 : 8;
            a->globals = xrealloc(a->globals, a->cap_globals * sizeof *a->globals);
        }
        a->globals[a->n_globals].scope = scope;
        a->globals[a->n_globals++].name = c;
    }
}

static void add_def(analysis *a, uint32_t i)
{
    uint32_t nm = child_field(a, i, F_NAME);
    if (nm == NONE) {
        return;
    }
    if (a->n_defs == a->cap_defs) {
        a->cap_defs = a->cap_defs ? a->cap_defs * 2 : 32;
        a->defs = xrealloc(a->defs, a->cap_defs * sizeof *a->defs);
    }
    defn *d = &a->defs[a->n_defs++];
    memset(d, 0, sizeof *d);
    d->node = i;
    d->name = ntext(a, nm, &d->name_len);
    d->is_class = a->nodes[i].kind == K_CLASS;
    d->toplevel = a->nodes[i].func == 0;
    for (uint32_t p = a->nodes[i].parent; d->toplevel && p != NONE; p = a->nodes[p].parent) {
        if (a->nodes[p].kind == K_CLASS) {
            d->toplevel = 0;
        }
    }
    add_binding(a, d->name, d->name_len, i, d->is_class ? BIND_CLASS : BIND_DEF);
}

/* The bindings a node makes, if it is a binding construct. */
static void collect_bindings(analysis *a, uint32_t i)
{
    const node *nd = &a->nodes[i];
    switch (nd->kind) {
    case K_IMPORT:
    case K_IMPORT_FROM:
        collect_import(a, i);
        break;
    case K_FUNC:
    case K_CLASS:
        add_def(a, i);
        break;
    case K_PARAMS:
        bind_params(a, i);
        break;
    case K_ASSIGN: {
        /* a = b = value: every target gets the innermost value */
        uint32_t v = child_field(a, i, F_RIGHT);
        while (v != NONE && a->nodes[v].kind == K_ASSIGN) {
            v = child_field(a, v, F_RIGHT);
        }
        if (a->nodes[nd->parent].kind != K_ASSIGN) {
            for (uint32_t s = i; s != NONE && a->nodes[s].kind == K_ASSIGN;
                 s = child_field(a, s, F_RIGHT)) {
                bind_target(a, child_field(a, s, F_LEFT), v, BIND_VALUE, 0);
            }
        }
        break;
    }
    case K_AUG_ASSIGN: /* x += v */
    case K_FOR:        /* for x in xs */
        bind_target(a, child_field(a, i, F_LEFT), NONE, BIND_VALUE, 0);
        break;
    case K_AS_PATTERN:
    case K_EXCEPT:
        bind_target(a, child_field(a, i, F_ALIAS), NONE, BIND_VALUE, 0);
        break;
    default:
        break;
    }
}

void semantic_build(analysis *a)
{
    free(a->resolved);
    a->resolved = NULL; /* the bindings change: no answers until they are all known */
    a->n_defs = 0;
    a->n_binds = 0;
    a->n_globals = 0;
    for (uint32_t i = 0; i < a->n_nodes; i++) {
        if (a->nodes[i].kind == K_GLOBAL) {
            add_global(a, i);
        }
    }
    if (a->n_globals > 1) { /* (qsort's array may not be NULL, even empty) */
        qsort_r(a->globals, a->n_globals, sizeof *a->globals, global_cmp, a);
    }
    for (uint32_t i = 0; i < a->n_nodes; i++) {
        collect_bindings(a, i);
    }
    a->bind_by_name =
        xrealloc(a->bind_by_name, (a->n_binds ? a->n_binds : 1) * sizeof *a->bind_by_name);
    for (size_t i = 0; i < a->n_binds; i++) {
        a->bind_by_name[i] = (uint32_t)i;
    }
    qsort_r(a->bind_by_name, a->n_binds, sizeof *a->bind_by_name, bind_cmp, a);
    index_defs(a);
    a->resolved = xcalloc(a->n_nodes ? a->n_nodes : 1, sizeof *a->resolved);
}
