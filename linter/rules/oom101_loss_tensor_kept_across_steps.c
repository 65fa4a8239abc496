/* OOM101 loss-tensor-kept-across-steps: a loss tensor stored where it outlives its training
 * step (appended, accumulated, put in a dict kept across steps) keeps that step's autograd graph
 * alive. The rule follows where the stored value came from (loss provenance), not its name:
 * a flow-insensitive "last binding before the sink" lookup within the function, so a helper's
 * float, a detached rebinding or a no_grad value stays quiet. */
#include <stdlib.h>
#include <string.h>

#include "linter/lint_int.h"

enum taint { T_CLEAN = 0, T_UNKNOWN = 1, T_LOSS = 2 };

/* A name binding inside some function: target = value (kind says how). */
enum bkind { B_ASSIGN, B_AUG, B_TUPLE, B_OPAQUE };

typedef struct bind {
    uint32_t target; /* identifier/attribute node */
    uint32_t value;  /* expression, or the augmented_assignment itself for B_AUG */
    uint32_t stmt;   /* the statement, for position and no_grad */
    uint32_t func;
    uint8_t kind;
} bind;

typedef struct ctx {
    analysis *a;
    bind *b;
    size_t n, cap;
    uint32_t *bw; /* receivers/arguments of .backward() calls */
    size_t n_bw, cap_bw;
    /* Per-function indexes (built after collect): bind and bw indices sorted by function,
     * then source order, so per-function scans do not walk the whole file's lists. */
    uint32_t *b_by_func, *bw_by_func;
    size_t n_bw_by_func;
    int budget;
    long work; /* total scan steps this file; past WORK_CAP the rule stops (pathological input) */
} ctx;

#define WORK_CAP 200000000L

static int same_text(const analysis *a, uint32_t x, uint32_t y)
{
    size_t lx;
    size_t ly;
    const char *tx = ntext(a, x, &lx);
    const char *ty = ntext(a, y, &ly);
    return lx == ly && memcmp(tx, ty, lx) == 0;
}

static int is_chain(const analysis *a, uint32_t n)
{
    for (int d = 0; n != NONE && d < MAX_DEPTH; d++) {
        if (a->nodes[n].kind == K_IDENT) {
            return 1;
        }
        if (a->nodes[n].kind != K_ATTR) {
            return 0;
        }
        n = child_field(a, n, F_OBJECT);
    }
    return 0;
}

static void add_bind(ctx *c, uint32_t target, uint32_t value, uint32_t stmt, uint8_t kind)
{
    if (target == NONE || !is_chain(c->a, target)) {
        return;
    }
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 128;
        c->b = xrealloc(c->b, c->cap * sizeof *c->b);
    }
    c->b[c->n++] = (bind){target, value, stmt, c->a->nodes[stmt].func, kind};
}

static void bind_targets(ctx *c, uint32_t left, uint32_t value, uint32_t stmt, uint8_t kind)
{
    const analysis *a = c->a;
    if (left == NONE) {
        return;
    }
    uint8_t k = a->nodes[left].kind;
    if (k == K_IDENT || k == K_ATTR) {
        add_bind(c, left, value, stmt, kind);
        return;
    }
    if (k == K_PATTERN_LIST || k == K_TUPLE || k == K_LIST || k == K_PAREN || k == K_OTHER) {
        for (uint32_t e = a->nodes[left].first; e != NONE; e = a->nodes[e].next) {
            uint8_t ek = a->nodes[e].kind;
            if (ek == K_IDENT || ek == K_ATTR) {
                add_bind(c, e, value, stmt, kind == B_ASSIGN ? B_TUPLE : kind);
            }
        }
    }
}

/* x.backward(...), or a call that back-propagates its first argument: manual_backward(loss),
 * torch.autograd.grad(loss, ...) (asked by the callee's last name first: most calls are
 * neither). */
static int backward_like(const analysis *a, uint32_t call)
{
    if (ntext_is(a, child_field(a, child_field(a, call, F_FUNCTION), F_ATTRIBUTE), "backward")) {
        return 1;
    }
    size_t len;
    const char *last = callee_last(a, call, &len);
    return last &&
           ((len == 15 && memcmp(last, "manual_backward", 15) == 0) ||
            (len == 4 && memcmp(last, "grad", 4) == 0)) &&
           is_backward_call(a, call) && call_positional(a, call, 0) != NONE;
}

static void collect(ctx *c)
{
    analysis *a = c->a;
    for (uint32_t i = 0; i < a->n_nodes; i++) {
        const node *nd = &a->nodes[i];
        if (nd->kind == K_ASSIGN) {
            uint32_t right = child_field(a, i, F_RIGHT);
            /* a = b = value: bind a to the innermost value */
            uint32_t v = right;
            while (v != NONE && a->nodes[v].kind == K_ASSIGN) {
                v = child_field(a, v, F_RIGHT);
            }
            bind_targets(c, child_field(a, i, F_LEFT), v, i, B_ASSIGN);
        } else if (nd->kind == K_AUG_ASSIGN) {
            bind_targets(c, child_field(a, i, F_LEFT), i, i, B_AUG);
        } else if (nd->kind == K_FOR) {
            bind_targets(c, child_field(a, i, F_LEFT), NONE, i, B_OPAQUE);
        } else if (nd->kind == K_CALL && backward_like(a, i)) {
            if (c->n_bw + 2 > c->cap_bw) {
                c->cap_bw = c->cap_bw ? c->cap_bw * 2 : 32;
                c->bw = xrealloc(c->bw, c->cap_bw * sizeof *c->bw);
            }
            /* loss.backward(), scaler.scale(loss).backward(), accelerator.backward(loss),
             * self.manual_backward(loss), torch.autograd.grad(loss, params) */
            c->bw[c->n_bw++] = child_field(a, child_field(a, i, F_FUNCTION), F_OBJECT);
            uint32_t arg = call_positional(a, i, 0);
            if (arg != NONE) {
                c->bw[c->n_bw++] = arg;
            }
        }
    }
}

/* Sort keys for the per-function indexes: the function, then the index (a stable order). */
static int by_bind_func(const void *x, const void *y, void *ud)
{
    const ctx *c = ud;
    uint32_t i = *(const uint32_t *)x;
    uint32_t j = *(const uint32_t *)y;
    uint32_t fi = c->b[i].func;
    uint32_t fj = c->b[j].func;
    return fi != fj ? (fi < fj ? -1 : 1) : (i < j ? -1 : i > j);
}

static int by_bw_func(const void *x, const void *y, void *ud)
{
    const ctx *c = ud;
    uint32_t i = *(const uint32_t *)x;
    uint32_t j = *(const uint32_t *)y;
    uint32_t fi = c->a->nodes[c->bw[i]].func;
    uint32_t fj = c->a->nodes[c->bw[j]].func;
    return fi != fj ? (fi < fj ? -1 : 1) : (i < j ? -1 : i > j);
}

/* Builds b_by_func and bw_by_func. Before them, a file of 10,000 training functions spent
 * most of its time scanning every function's bindings for each sink (quadratic). */
static void index_by_func(ctx *c)
{
    c->b_by_func = xmalloc((c->n ? c->n : 1) * sizeof *c->b_by_func);
    for (size_t i = 0; i < c->n; i++) {
        c->b_by_func[i] = (uint32_t)i;
    }
    qsort_r(c->b_by_func, c->n, sizeof *c->b_by_func, by_bind_func, c);
    c->bw_by_func = xmalloc((c->n_bw ? c->n_bw : 1) * sizeof *c->bw_by_func);
    c->n_bw_by_func = 0;
    for (size_t i = 0; i < c->n_bw; i++) {
        if (c->bw[i] != NONE) {
            c->bw_by_func[c->n_bw_by_func++] = (uint32_t)i;
        }
    }
    qsort_r(c->bw_by_func, c->n_bw_by_func, sizeof *c->bw_by_func, by_bw_func, c);
}

/* The first position in b_by_func whose bind belongs to func (or a later function). */
static size_t binds_of(const ctx *c, uint32_t func)
{
    size_t lo = 0;
    size_t hi = c->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (c->b[c->b_by_func[mid]].func < func) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

/* The first position in bw_by_func whose node belongs to func (or a later function). */
static size_t bws_of(const ctx *c, uint32_t func)
{
    size_t lo = 0;
    size_t hi = c->n_bw_by_func;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (c->a->nodes[c->bw[c->bw_by_func[mid]]].func < func) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

/* Is the chain text of n a whole-word occurrence inside expression e? */
static int mentions(const analysis *a, uint32_t e, const char *t, size_t len)
{
    if (e == NONE || len == 0) {
        return 0;
    }
    size_t el;
    const char *s = ntext(a, e, &el);
    for (const char *p = s; (p = memmem(p, el - (size_t)(p - s), t, len)) != NULL; p++) {
        int before_ok =
            p == s || !(p[-1] == '_' || p[-1] == '.' || (p[-1] >= 'a' && p[-1] <= 'z') ||
                        (p[-1] >= 'A' && p[-1] <= 'Z') || (p[-1] >= '0' && p[-1] <= '9'));
        const char *q = p + len;
        int after_ok = q == s + el || !(*q == '_' || (*q >= 'a' && *q <= 'z') ||
                                        (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9'));
        if (before_ok && after_ok) {
            return 1;
        }
        if ((size_t)(p - s) + len >= el) {
            break;
        }
    }
    return 0;
}

/* Was the name .backward()-ed in func after position pos (the binding it refers to)? */
static int backwarded(ctx *c, uint32_t func, const char *t, size_t len, uint32_t after)
{
    const analysis *a = c->a;
    for (size_t k = bws_of(c, func); k < c->n_bw_by_func; k++) {
        uint32_t e = c->bw[c->bw_by_func[k]];
        if (a->nodes[e].func != func) {
            break;
        }
        if (++c->work > WORK_CAP) {
            return 1; /* out of budget: stay quiet */
        }
        if (a->nodes[e].sb >= after && mentions(a, e, t, len)) {
            return 1;
        }
    }
    return 0;
}

static int taint(ctx *c, uint32_t e, uint32_t at, int depth);

static int combine(int x, int y)
{
    return x > y ? x : y;
}

/* The last binding of chain text t in func before byte position at, or NULL. */
static const bind *last_binding(ctx *c, uint32_t func, const char *t, size_t len, uint32_t at)
{
    const analysis *a = c->a;
    /* bindings are collected in source order: binary-search `at`, then walk back */
    size_t lo = 0;
    size_t hi = c->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (a->nodes[c->b[mid].stmt].sb < at) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    uint32_t fstart = a->nodes[func].sb;
    for (size_t i = lo; i-- > 0;) {
        const bind *b = &c->b[i];
        if (a->nodes[b->stmt].sb < fstart || ++c->work > WORK_CAP) {
            break;
        }
        if (b->func != func) {
            continue;
        }
        size_t bl;
        const char *bt = ntext(a, b->target, &bl);
        if (bl == len && memcmp(bt, t, len) == 0) {
            return b;
        }
    }
    return NULL;
}

/* What the framework hands the parameter at the root of e (x, x.y, x["k"]) when e's function
 * is a per-step hook: PARAM_LIVE_LOSS, PARAM_NO_GRAPH, or PARAM_UNKNOWN (not a hook's
 * parameter, or nothing known). */
static int hook_param_of(const analysis *a, uint32_t e)
{
    for (int depth = 0; e != NONE && depth < MAX_DEPTH; depth++) {
        uint8_t k = a->nodes[e].kind;
        if (k == K_IDENT) {
            const binding *b = resolve_binding(a, e);
            return b && b->kind == BIND_PARAM ? hook_param_fact(a, b) : PARAM_UNKNOWN;
        }
        e = child_field(a, e, k == K_ATTR ? F_OBJECT : k == K_SUBSCRIPT ? F_VALUE : F_NONE);
    }
    return PARAM_UNKNOWN;
}

/* NOLINTNEXTLINE(misc-no-recursion): each cycle passes taint(), which stops at MAX_DEPTH */
static int taint_name(ctx *c, uint32_t n, uint32_t at, int depth);

/* The taint of what binding b (of name t[0..len), used at n) assigned. */
/* NOLINTNEXTLINE(misc-no-recursion): each cycle passes taint(), which stops at MAX_DEPTH */
static int taint_bound(ctx *c, const bind *b, uint32_t n, const char *t, size_t len, int depth)
{
    analysis *a = c->a;
    uint32_t at = a->nodes[b->stmt].sb;
    if (under_no_grad(a, b->stmt)) {
        return T_CLEAN;
    }
    if (b->kind == B_AUG) {
        int v = taint(c, child_field(a, b->value, F_RIGHT), at, depth + 1);
        int old = taint_name(c, n, at, depth + 1);
        return v > old ? v : old;
    }
    if (b->kind == B_OPAQUE) {
        return T_UNKNOWN;
    }
    int r = taint(c, b->value, at, depth + 1);
    if (b->kind == B_TUPLE && r == T_LOSS) {
        /* `loss, logits = criterion(...)`-style: only loss-named parts are the loss */
        r = (len >= 4 && memmem(t, len, "loss", 4)) ? T_LOSS : T_UNKNOWN;
    }
    return r;
}

/* The index in a->calls (source order) of the first call starting at byte from or later. */
static size_t first_call_from(const analysis *a, uint32_t from)
{
    size_t lo = 0;
    size_t hi = a->n_calls;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (a->nodes[a->calls[mid]].sb < from) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

/* What a list bound to a literal at byte from holds by byte at: the worst of the values
 * appended to it (t.append(v)) in func in between. `losses = []`, then `losses.append(loss)`
 * and `loss.backward()` in a loop: torch.stack(losses) has the losses' graphs. Asked only where
 * the list is reduced to a tensor (taint_args): the list itself is not one, and storing it is
 * no `.detach()` away from clean. */
/* NOLINTNEXTLINE(misc-no-recursion): each cycle passes taint(), which stops at MAX_DEPTH */
static int taint_appended(ctx *c, uint32_t func, const char *t, size_t len, uint32_t from,
                          uint32_t at, int depth)
{
    const analysis *a = c->a;
    int r = T_CLEAN;
    for (size_t i = first_call_from(a, from); i < a->n_calls && r != T_LOSS; i++) {
        uint32_t call = a->calls[i];
        if (a->nodes[call].sb >= at || ++c->work > WORK_CAP) {
            break;
        }
        uint32_t f = child_field(a, call, F_FUNCTION);
        uint32_t arg = call_positional(a, call, 0);
        size_t ol;
        const char *ot = NULL;
        if (a->nodes[call].func == func && arg != NONE && f != NONE && a->nodes[f].kind == K_ATTR &&
            ntext_is(a, child_field(a, f, F_ATTRIBUTE), "append")) {
            ot = ntext(a, child_field(a, f, F_OBJECT), &ol);
        }
        if (ot && ol == len && memcmp(ot, t, len) == 0) {
            r = combine(r, taint(c, arg, a->nodes[call].sb, depth + 1));
        }
    }
    return r;
}

/* NOLINTNEXTLINE(misc-no-recursion): each cycle passes taint(), which stops at MAX_DEPTH */
static int taint_name(ctx *c, uint32_t n, uint32_t at, int depth)
{
    analysis *a = c->a;
    size_t len;
    const char *t = ntext(a, n, &len);
    uint32_t func = a->nodes[n].func;
    const bind *b = last_binding(c, func, t, len, at);
    if (!b && a->nodes[n].kind == K_IDENT) {
        int fact = hook_param_of(a, n); /* a hook's parameter: what the framework hands it */
        if (fact != PARAM_UNKNOWN) {
            return fact == PARAM_LIVE_LOSS ? T_LOSS : T_CLEAN;
        }
    }
    int r = b ? taint_bound(c, b, n, t, len, depth) : T_UNKNOWN;
    if (r == T_UNKNOWN && backwarded(c, func, t, len, b ? a->nodes[b->stmt].sb : 0)) {
        r = T_LOSS;
    }
    return r;
}

static int name_is(const char *t, size_t len, const char *s)
{
    return strlen(s) == len && memcmp(t, s, len) == 0;
}

static int ends_with(const char *t, size_t len, const char *s)
{
    size_t n = strlen(s);
    return len >= n && memcmp(t + len - n, s, n) == 0;
}

/* Callees whose result is a loss tensor: criterion modules, F.*-style losses, nn.*Loss()(...). */
static int strong_loss_callee(const analysis *a, uint32_t call)
{
    uint32_t f = child_field(a, call, F_FUNCTION);
    if (f == NONE) {
        return 0;
    }
    if (a->nodes[f].kind == K_CALL) {
        /* nn.CrossEntropyLoss()(logits, y) */
        size_t len;
        const char *t = callee_last(a, f, &len);
        return t && ends_with(t, len, "Loss");
    }
    size_t len;
    const char *t = callee_last(a, call, &len);
    if (!t) {
        return 0;
    }
    char q[256];
    if (resolve_name(a, f, q, sizeof q) && strncmp(q, "torch.nn.functional.", 20) == 0) {
        const char *fn = q + 20;
        size_t fl = strlen(fn);
        return ends_with(fn, fl, "_loss") || strstr(fn, "cross_entropy") ||
               name_is(fn, fl, "kl_div");
    }
    if (strncmp(q, "<local>.", 8) == 0) {
        return 0; /* a same-file function: its returns decide */
    }
    return memmem(t, len, "criterion", 9) || name_is(t, len, "loss_fn") ||
           name_is(t, len, "loss_func") || name_is(t, len, "lossfn") ||
           name_is(t, len, "loss_fct") || name_is(t, len, "loss_function") ||
           name_is(t, len, "compute_loss") || ends_with(t, len, "_loss_fn") ||
           ends_with(t, len, "_criterion");
}

static const char *const sanitizers[] = {"item", "tolist", "detach", "detach_", "numpy", NULL};
static const char *const preserving[] = {
    "cpu",     "cuda",  "to",   "float",   "double",  "half",      "bfloat16",   "mean",
    "sum",     "clone", "view", "reshape", "squeeze", "unsqueeze", "contiguous", "mul",
    "div",     "add",   "sub",  "pow",     "sqrt",    "abs",       "type_as",    "expand",
    "flatten", "norm",  "neg",  "exp",     "log",     "clamp",     NULL,
};
static const char *const torch_keep[] = {
    "stack", "cat",     "mean",      "sum",   "add",     "mul",     "div",
    "sub",   "squeeze", "unsqueeze", "clone", "reshape", "flatten", "abs",
    "sqrt",  "exp",     "log",       "neg",   "pow",     "clamp",   NULL,
};
static const char *const py_scalars[] = {"float", "int",    "round", "str",        "bool", "len",
                                         "repr",  "format", "print", "isinstance", NULL};

static int in_list(const char *t, size_t len, const char *const *l)
{
    for (; *l; l++) {
        if (name_is(t, len, *l)) {
            return 1;
        }
    }
    return 0;
}

/* What the list named x holds at byte at, when x was bound to a list literal in its function:
 * the values appended to it since (taint_appended). T_CLEAN for anything else. */
/* NOLINTNEXTLINE(misc-no-recursion): each cycle passes taint(), which stops at MAX_DEPTH */
static int taint_list_elements(ctx *c, uint32_t x, uint32_t at, int depth)
{
    const analysis *a = c->a;
    if (a->nodes[x].kind != K_IDENT) {
        return T_CLEAN;
    }
    size_t len;
    const char *t = ntext(a, x, &len);
    uint32_t func = a->nodes[x].func;
    const bind *b = last_binding(c, func, t, len, at);
    if (!b || b->kind != B_ASSIGN || b->value == NONE || a->nodes[b->value].kind != K_LIST ||
        under_no_grad(a, b->stmt)) {
        return T_CLEAN;
    }
    return taint_appended(c, func, t, len, a->nodes[b->stmt].eb, at, depth);
}

/* The arguments of a reduction (torch.stack(losses), sum(parts), torch.mean(x)): a list
 * argument counts by the values appended to it, since the result is built from them. */
/* NOLINTNEXTLINE(misc-no-recursion): each cycle passes taint(), which stops at MAX_DEPTH */
static int taint_args(ctx *c, uint32_t call, uint32_t at, int depth)
{
    const analysis *a = c->a;
    uint32_t args = child_field(a, call, F_ARGUMENTS);
    int r = T_CLEAN;
    for (uint32_t x = args == NONE ? NONE : a->nodes[args].first; x != NONE; x = a->nodes[x].next) {
        if (a->nodes[x].named && a->nodes[x].kind != K_KWARG && a->nodes[x].kind != K_COMMENT) {
            r = combine(r, taint(c, x, at, depth + 1));
            if (r != T_LOSS) {
                r = combine(r, taint_list_elements(c, x, at, depth));
            }
        }
    }
    return r;
}

/* What a same-file function returns: the worst of its return statements. */
/* NOLINTNEXTLINE(misc-no-recursion): each cycle passes taint(), which stops at MAX_DEPTH */
static int taint_returns(ctx *c, const defn *d, int depth)
{
    analysis *a = c->a;
    if (under_no_grad(a, a->nodes[d->node].first)) {
        return T_CLEAN;
    }
    int r = T_CLEAN;
    int any = 0;
    uint32_t end = a->nodes[d->node].eb;
    for (uint32_t i = d->node + 1; i < a->n_nodes && a->nodes[i].sb < end; i++) {
        if (a->nodes[i].kind == K_RETURN && a->nodes[i].func == d->node) {
            uint32_t v = named_child(a, i, 0);
            if (v != NONE) {
                any = 1;
                r = combine(r, taint(c, v, a->nodes[i].sb, depth + 1));
            }
        }
    }
    return any ? r : T_CLEAN;
}

/* NOLINTNEXTLINE(misc-no-recursion): each cycle passes taint(), which stops at MAX_DEPTH */
static int taint_call(ctx *c, uint32_t e, uint32_t at, int depth)
{
    analysis *a = c->a;
    uint32_t f = child_field(a, e, F_FUNCTION);
    if (f == NONE) {
        return T_UNKNOWN;
    }
    size_t len;
    const char *t = callee_last(a, e, &len);
    if (a->nodes[f].kind == K_ATTR && t) {
        uint32_t obj = child_field(a, f, F_OBJECT);
        if (in_list(t, len, sanitizers) || name_is(t, len, "backward")) {
            return T_CLEAN;
        }
        if (in_list(t, len, preserving)) {
            char q[64];
            if (resolve_name(a, f, q, sizeof q) && strncmp(q, "torch.", 6) == 0) {
                return taint_args(c, e, at, depth); /* torch.mean(x) */
            }
            return taint(c, obj, at, depth + 1);
        }
        if (name_is(t, len, "scale")) {
            return taint_args(c, e, at, depth); /* scaler.scale(loss) */
        }
    }
    if (strong_loss_callee(a, e)) {
        return T_LOSS;
    }
    if (a->nodes[f].kind == K_IDENT && t) {
        if (in_list(t, len, py_scalars)) {
            return T_CLEAN;
        }
        if (name_is(t, len, "sum") || name_is(t, len, "max") || name_is(t, len, "min")) {
            return taint_args(c, e, at, depth);
        }
    }
    const defn *d = call_target(a, e);
    if (d) {
        return taint_returns(c, d, depth);
    }
    char q[256];
    if (resolve_name(a, f, q, sizeof q) && strncmp(q, "torch.", 6) == 0 && !strchr(q + 6, '.')) {
        /* graph-preserving torch functions: torch.stack(losses), torch.cat, torch.add */
        const char *fn = q + 6;
        if (in_list(fn, strlen(fn), torch_keep)) {
            return taint_args(c, e, at, depth);
        }
    }
    return T_UNKNOWN;
}

/* x.attr: tensor metadata is clean, `outputs.loss` is a loss (unless a hook was handed it
 * detached), other chains are names. */
/* NOLINTNEXTLINE(misc-no-recursion): each cycle passes taint(), which stops at MAX_DEPTH */
static int taint_attr(ctx *c, uint32_t e, uint32_t at, int depth)
{
    analysis *a = c->a;
    uint32_t attr = child_field(a, e, F_ATTRIBUTE);
    uint32_t obj = child_field(a, e, F_OBJECT);
    if (ntext_is(a, attr, "data") || ntext_is(a, attr, "grad") || ntext_is(a, attr, "shape") ||
        ntext_is(a, attr, "device") || ntext_is(a, attr, "dtype")) {
        return T_CLEAN;
    }
    if (ntext_is(a, attr, "loss") && !ntext_is(a, obj, "self")) {
        /* outputs.loss, model(**batch).loss; not a hook's detached outputs */
        return hook_param_of(a, obj) == PARAM_NO_GRAPH ? T_CLEAN : T_LOSS;
    }
    return is_chain(a, e) ? taint_name(c, e, at, depth) : T_UNKNOWN;
}

/* x["loss"] is a loss (unless a hook was handed x detached); x[i] is what x is. */
/* NOLINTNEXTLINE(misc-no-recursion): each cycle passes taint(), which stops at MAX_DEPTH */
static int taint_subscript(ctx *c, uint32_t e, uint32_t at, int depth)
{
    analysis *a = c->a;
    uint32_t key = child_field(a, e, F_SUBSCRIPT);
    if (key != NONE && a->nodes[key].kind == K_STRING &&
        (ntext_is(a, key, "\"loss\"") || ntext_is(a, key, "'loss'"))) {
        return hook_param_of(a, e) == PARAM_NO_GRAPH ? T_CLEAN : T_LOSS;
    }
    return taint(c, child_field(a, e, F_VALUE), at, depth + 1);
}

/* NOLINTNEXTLINE(misc-no-recursion): each cycle passes taint(), which stops at MAX_DEPTH */
static int taint(ctx *c, uint32_t e, uint32_t at, int depth)
{
    analysis *a = c->a;
    if (e == NONE || depth > MAX_DEPTH || --c->budget < 0) {
        return T_UNKNOWN;
    }
    const node *nd = &a->nodes[e];
    switch (nd->kind) {
    case K_IDENT:
        return taint_name(c, e, at, depth);
    case K_ATTR:
        return taint_attr(c, e, at, depth);
    case K_SUBSCRIPT:
        return taint_subscript(c, e, at, depth);
    case K_CALL:
        return taint_call(c, e, at, depth);
    case K_BINOP:
    case K_BOOLOP:
        return combine(taint(c, child_field(a, e, F_LEFT), at, depth + 1),
                       taint(c, child_field(a, e, F_RIGHT), at, depth + 1));
    case K_UNARY:
    case K_PAREN:
    case K_LIST:
    case K_TUPLE:
    case K_SET:
    case K_EXPR_LIST:
    case K_COND_EXPR: {
        int r = T_CLEAN;
        for (uint32_t x = nd->first; x != NONE; x = a->nodes[x].next) {
            if (a->nodes[x].named && a->nodes[x].kind != K_COMMENT) {
                /* the condition of `x if cond else y` is not stored */
                if (nd->kind == K_COND_EXPR && x != nd->first && a->nodes[x].next != NONE &&
                    x == named_child(a, e, 1)) {
                    continue;
                }
                r = combine(r, taint(c, x, at, depth + 1));
            }
        }
        return r;
    }
    case K_DICT: {
        int r = T_CLEAN;
        for (uint32_t x = nd->first; x != NONE; x = a->nodes[x].next) {
            if (a->nodes[x].kind == K_PAIR) {
                r = combine(r, taint(c, child_field(a, x, F_VALUE), at, depth + 1));
            }
        }
        return r;
    }
    case K_STRING:
    case K_INTEGER:
    case K_FLOAT:
    case K_TRUE:
    case K_FALSE:
    case K_NONE:
    case K_COMPARE:
    case K_NOT:
    case K_LAMBDA:
        return T_CLEAN;
    default:
        return T_UNKNOWN;
    }
}

/* The first sub-expression of e (descending containers and arithmetic) that is a loss. */
/* NOLINTNEXTLINE(misc-no-recursion): depth <= 16 */
static uint32_t loss_leaf(ctx *c, uint32_t e, uint32_t at, int depth)
{
    analysis *a = c->a;
    if (e == NONE || depth > 16) {
        return NONE;
    }
    uint8_t k = a->nodes[e].kind;
    if (k == K_LIST || k == K_TUPLE || k == K_DICT || k == K_PAIR || k == K_BINOP || k == K_PAREN ||
        k == K_EXPR_LIST || k == K_SET) {
        for (uint32_t x = a->nodes[e].first; x != NONE; x = a->nodes[x].next) {
            if (!a->nodes[x].named || (k == K_PAIR && a->nodes[x].field == F_KEY)) {
                continue;
            }
            c->budget = 4000;
            if (taint(c, x, at, 0) == T_LOSS) {
                uint32_t in = loss_leaf(c, x, at, depth + 1);
                return in != NONE ? in : x;
            }
        }
    }
    return e;
}

/* The chain a container expression stores into: `losses`, `self.hist` for
 * self.hist["loss"].append(...). */
static uint32_t container_chain(const analysis *a, uint32_t n)
{
    for (int d = 0; n != NONE && d < 8; d++) {
        if (is_chain(a, n)) {
            return n;
        }
        if (a->nodes[n].kind != K_SUBSCRIPT) {
            return NONE;
        }
        n = child_field(a, n, F_VALUE);
    }
    return NONE;
}

/* losses.clear() inside region r resets the list too; losses.pop(...) makes it a queue whose
 * entries leave it (a pipeline schedule keeps outputs until their own backward). */
static int emptied_in(ctx *c, uint32_t region, uint32_t cont)
{
    const analysis *a = c->a;
    uint32_t end = a->nodes[region].eb;
    for (size_t i = first_call_from(a, a->nodes[region].sb); i < a->n_calls; i++) {
        uint32_t call = a->calls[i];
        if (a->nodes[call].sb >= end || ++c->work > WORK_CAP) {
            break;
        }
        uint32_t f = child_field(a, call, F_FUNCTION);
        if (f != NONE && a->nodes[f].kind == K_ATTR &&
            (ntext_is(a, child_field(a, f, F_ATTRIBUTE), "clear") ||
             ntext_is(a, child_field(a, f, F_ATTRIBUTE), "pop")) &&
            same_text(a, child_field(a, f, F_OBJECT), cont)) {
            return 1;
        }
    }
    return 0;
}

/* Is chain C rebound (or cleared) inside region r, other than by the sink itself? */
static int rebound_in(ctx *c, uint32_t region, uint32_t cont, uint32_t sink)
{
    const analysis *a = c->a;
    size_t cl;
    const char *ct = ntext(a, cont, &cl);
    size_t lo = 0;
    size_t hi = c->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (a->nodes[c->b[mid].stmt].sb < a->nodes[region].sb) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    for (size_t i = lo; i < c->n; i++) {
        const bind *b = &c->b[i];
        if (a->nodes[b->stmt].sb >= a->nodes[region].eb || ++c->work > WORK_CAP) {
            break;
        }
        if (b->stmt == sink || !is_ancestor(a, region, b->stmt) || b->stmt == region ||
            !same_text(a, b->target, cont)) {
            continue;
        }
        if (b->kind == B_AUG) {
            continue;
        }
        if (b->kind == B_ASSIGN && mentions(a, b->value, ct, cl)) {
            continue; /* total = total + x: an accumulation, not a reset */
        }
        return 1;
    }
    return emptied_in(c, region, cont);
}

/* Is the container local to function func (bound there, not on self)? */
static int local_to(ctx *c, uint32_t func, uint32_t cont)
{
    const analysis *a = c->a;
    if (a->nodes[cont].kind != K_IDENT) {
        return 0;
    }
    for (size_t k = binds_of(c, func); k < c->n && ++c->work <= WORK_CAP; k++) {
        const bind *b = &c->b[c->b_by_func[k]];
        if (b->func != func) {
            break;
        }
        if (same_text(a, b->target, cont)) {
            return 1;
        }
    }
    return 0;
}

/* Is the accumulator back-propagated in its function (total.backward(),
 * torch.stack(losses).sum().backward(), or through one assignment: l = sum(losses); l.backward())?
 */
/* Is one element of the container back-propagated in func (`losses[-1].backward()`)? That
 * proves the stored values carry graphs, and back-propagates none of the others. */
static int element_backwarded(ctx *c, uint32_t func, uint32_t cont)
{
    const analysis *a = c->a;
    for (size_t k = bws_of(c, func); k < c->n_bw_by_func && ++c->work <= WORK_CAP; k++) {
        uint32_t e = c->bw[c->bw_by_func[k]];
        if (a->nodes[e].func != func) {
            break;
        }
        if (a->nodes[e].kind == K_SUBSCRIPT && same_text(a, child_field(a, e, F_VALUE), cont)) {
            return 1;
        }
    }
    return 0;
}

static int accum_backpropagated(ctx *c, uint32_t func, uint32_t cont)
{
    const analysis *a = c->a;
    size_t cl;
    const char *ct = ntext(a, cont, &cl);
    if (!element_backwarded(c, func, cont) && backwarded(c, func, ct, cl, 0)) {
        return 1;
    }
    for (size_t k = binds_of(c, func); k < c->n; k++) {
        const bind *b = &c->b[c->b_by_func[k]];
        if (b->func != func) {
            break;
        }
        if (b->kind == B_ASSIGN && mentions(a, b->value, ct, cl)) {
            size_t tl;
            const char *tt = ntext(a, b->target, &tl);
            if (!(tl == cl && memcmp(tt, ct, cl) == 0) && backwarded(c, func, tt, tl, 0)) {
                return 1;
            }
        }
    }
    return 0;
}

/* 1 if the accumulator named t[0..len) is read as a tensor anywhere in the file (t.item(),
 * t.cpu(), t[0]: a float has none of these) or returned by func (its caller may). */
static int read_as_tensor(const analysis *a, uint32_t func, const char *t, size_t len)
{
    for (uint32_t i = 0; i < a->n_nodes; i++) {
        uint8_t k = a->nodes[i].kind;
        uint32_t obj = k == K_ATTR        ? child_field(a, i, F_OBJECT)
                       : k == K_SUBSCRIPT ? child_field(a, i, F_VALUE)
                                          : NONE;
        size_t ol;
        const char *ot = obj != NONE ? ntext(a, obj, &ol) : NULL;
        if (ot && ol == len && memcmp(ot, t, len) == 0) {
            return 1;
        }
        if (k == K_RETURN && a->nodes[i].func == func && mentions(a, i, t, len)) {
            return 1;
        }
    }
    return 0;
}

/* The fix of a finding on leaf, stored in a container named ctext[0..cl) (how says how): a
 * running sum wants the number, `.item()`; anything else a detached tensor, `.detach()`. */
static void attach_fix(analysis *a, lint_finding *f, uint32_t leaf, const char *how, uint32_t func,
                       const char *ctext, size_t cl)
{
    uint8_t lk = a->nodes[leaf].kind;
    if (!f ||
        (lk != K_IDENT && lk != K_ATTR && lk != K_SUBSCRIPT && lk != K_CALL && lk != K_PAREN)) {
        return;
    }
    if (strcmp(how, "accumulated into") == 0) {
        /* The accumulator becomes a Python float, which prints, divides and logs as the tensor
         * did; safe unless the file reads it as a tensor (total.item(), total[0]) or returns
         * it to a caller that may. */
        set_fix(a, f, a->nodes[leaf].eb, a->nodes[leaf].eb, ".item()",
                "Accumulate a Python number (`.item()`)",
                read_as_tensor(a, func, ctext, cl) ? LINT_FIX_UNSAFE : LINT_FIX_SAFE);
    } else {
        set_fix(a, f, a->nodes[leaf].eb, a->nodes[leaf].eb, ".detach()",
                "Store a detached tensor (`.detach()`)", LINT_FIX_SAFE);
    }
}

/* A sink under no_grad: an accumulation there creates no graph (the sum is a new tensor
 * without one), an index store may be a copy into a preallocated tensor, and a callee's
 * keeping is judged the same way; an append keeps the value itself, whose graph is alive
 * unless the value was also computed under no_grad. */
static int no_grad_sink_clean(ctx *c, uint32_t stmt, uint32_t value, const char *how)
{
    const analysis *a = c->a;
    if (strcmp(how, "accumulated into") == 0 || strcmp(how, "stored in") == 0 ||
        strncmp(how, "passed to", 9) == 0) {
        return 1;
    }
    if (a->nodes[value].kind != K_IDENT && a->nodes[value].kind != K_ATTR) {
        return 1;
    }
    size_t len;
    const char *t = ntext(a, value, &len);
    const bind *b = last_binding(c, a->nodes[stmt].func, t, len, a->nodes[stmt].sb);
    return !b || under_no_grad(a, b->stmt);
}

static void report_sink(ctx *c, uint32_t stmt, uint32_t cont, uint32_t cont_expr, uint32_t value,
                        const char *how);

static void check_sink(ctx *c, uint32_t stmt, uint32_t cont_expr, uint32_t value, const char *how)
{
    analysis *a = c->a;
    if (value == NONE || cont_expr == NONE) {
        return;
    }
    uint32_t cont = container_chain(a, cont_expr);
    if (cont == NONE) {
        return;
    }
    uint32_t region;
    if (!per_step_region(a, stmt, &region)) {
        return;
    }
    uint32_t func = a->nodes[stmt].func;
    if (under_no_grad(a, stmt) && no_grad_sink_clean(c, stmt, value, how)) {
        return;
    }
    c->budget = 4000;
    if (taint(c, value, a->nodes[stmt].sb, 0) != T_LOSS && !element_backwarded(c, func, cont)) {
        return;
    }
    uint8_t rk = a->nodes[region].kind;
    if (rk == K_FOR || rk == K_WHILE) {
        if (rebound_in(c, region, cont, stmt)) {
            return;
        }
        /* the loop's own target (for batch in loader: batch["loss"] = loss) is per-step */
        uint32_t left = child_field(a, region, F_LEFT);
        size_t cl;
        const char *ct = ntext(a, cont, &cl);
        if (left != NONE && a->nodes[cont].kind == K_IDENT && mentions(a, left, ct, cl)) {
            return;
        }
    } else if (local_to(c, func, cont)) {
        return;
    }
    if (!accum_backpropagated(c, func, cont)) {
        report_sink(c, stmt, cont, cont_expr, value, how);
    }
}

/* The finding of a sink check_sink proved: at the loss leaf of value, naming the container as
 * written, with the fix that detaches (or, in a running sum, converts) the value. */
static void report_sink(ctx *c, uint32_t stmt, uint32_t cont, uint32_t cont_expr, uint32_t value,
                        const char *how)
{
    analysis *a = c->a;
    uint32_t leaf = loss_leaf(c, value, a->nodes[stmt].sb, 0);
    size_t ll;
    size_t cl;
    const char *lt = ntext(a, leaf, &ll);
    const char *ctext = ntext(a, cont, &cl);
    int short_leaf = ll <= 40 && !memchr(lt, '\n', ll);
    /* name the container as written (`hist["loss"]`), unless that is long */
    size_t el;
    uint32_t named = cont_expr;
    if (strcmp(how, "stored in") == 0 && a->nodes[named].kind == K_SUBSCRIPT) {
        named = child_field(a, named, F_VALUE); /* history[step] = loss stores into history */
    }
    const char *etext = ntext(a, named, &el);
    if (el <= 60 && !memchr(etext, '\n', el)) {
        ctext = etext;
        cl = el;
    }
    lint_finding *f = add_finding(
        a, leaf,
        "loss tensor `%.*s` %s `%.*s` outlives the step and keeps its autograd graph alive; "
        "store `%.*s.item()` or `.detach()`",
        short_leaf ? (int)ll : 4, short_leaf ? lt : "loss", how, (int)(cl > 60 ? 60 : cl), ctext,
        short_leaf ? (int)ll : 4, short_leaf ? lt : "loss");
    size_t al; /* the accumulator itself, for whether the file reads it as a tensor */
    const char *at = ntext(a, cont, &al);
    attach_fix(a, f, leaf, how, a->nodes[stmt].func, at, al);
}

/* The project method a call goes to keeps its first argument (meter.update(loss) with the
 * project's AverageMeter.update summing it raw): its name ("AverageMeter.update") in out. */
static int callee_keeps_arg(ctx *c, size_t ci, char *out, size_t cap)
{
    analysis *a = c->a;
    uint32_t call = a->calls[ci];
    const defn *d = call_target(a, call);
    if (d) {
        if (!def_keeps_arg(a, d)) {
            return 0;
        }
        snprintf(out, cap, "%.*s", (int)d->name_len, d->name);
        uint32_t p = a->nodes[d->node].parent;
        while (p != NONE && a->nodes[p].kind != K_CLASS && a->nodes[p].kind != K_MODULE) {
            p = a->nodes[p].parent;
        }
        const defn *cls = p != NONE && a->nodes[p].kind == K_CLASS ? def_at(a, p) : NULL;
        if (cls) {
            snprintf(out, cap, "%.*s.%.*s", (int)cls->name_len, cls->name, (int)d->name_len,
                     d->name);
        }
        return 1;
    }
    const module_ref *r = &a->call_refs[ci];
    if (r->fn && (r->fn->flags & MODULE_KEEPS_ARG)) {
        snprintf(out, cap, "%s", r->fn->name);
        return 1;
    }
    return 0;
}

/* Sinks that are calls: list.append(x), list.insert(i, x), list.extend([x, ...]), and a project
 * method that keeps its argument (meter.update(loss)). */
static void check_call_sink(ctx *c, size_t ci)
{
    const analysis *a = c->a;
    uint32_t call = a->calls[ci];
    uint32_t f = child_field(a, call, F_FUNCTION);
    if (f == NONE || a->nodes[f].kind != K_ATTR) {
        return;
    }
    uint32_t attr = child_field(a, f, F_ATTRIBUTE);
    uint32_t obj = child_field(a, f, F_OBJECT);
    char callee[160];
    uint32_t arg0 = call_positional(a, call, 0);
    if (arg0 != NONE && !ntext_is(a, obj, "self") &&
        callee_keeps_arg(c, ci, callee, sizeof callee)) {
        char how[200];
        snprintf(how, sizeof how, "passed to `%s`, which keeps it in", callee);
        check_sink(c, call, obj, arg0, how);
    } else if (ntext_is(a, attr, "append")) {
        check_sink(c, call, obj, call_positional(a, call, 0), "appended to");
    } else if (ntext_is(a, attr, "insert")) {
        check_sink(c, call, obj, call_positional(a, call, 1), "inserted into");
    } else if (ntext_is(a, attr, "extend")) {
        uint32_t arg = call_positional(a, call, 0);
        if (arg != NONE && (a->nodes[arg].kind == K_LIST || a->nodes[arg].kind == K_TUPLE)) {
            check_sink(c, call, obj, arg, "added to");
        }
    }
}

/* `total += x` and `hist[k] += x`. */
static void check_aug_sink(ctx *c, uint32_t i)
{
    const analysis *a = c->a;
    if (!ntext_is(a, child_field(a, i, F_OPERATOR), "+=")) {
        return;
    }
    uint32_t left = child_field(a, i, F_LEFT);
    uint32_t right = child_field(a, i, F_RIGHT);
    if (left == NONE || right == NONE) {
        return;
    }
    int added = a->nodes[left].kind != K_SUBSCRIPT && a->nodes[right].kind == K_LIST;
    check_sink(c, i, left, right, added ? "added to" : "accumulated into");
}

/* `d[k] = x`, and `total = total + x` (either order). */
static void check_assign_sink(ctx *c, uint32_t i)
{
    const analysis *a = c->a;
    uint32_t left = child_field(a, i, F_LEFT);
    uint32_t right = child_field(a, i, F_RIGHT);
    if (left == NONE || right == NONE) {
        return;
    }
    if (a->nodes[left].kind == K_SUBSCRIPT) {
        check_sink(c, i, left, right, "stored in");
        return;
    }
    if (!is_chain(a, left) || a->nodes[right].kind != K_BINOP ||
        !ntext_is(a, child_field(a, right, F_OPERATOR), "+")) {
        return;
    }
    uint32_t l = child_field(a, right, F_LEFT);
    uint32_t r = child_field(a, right, F_RIGHT);
    if (l != NONE && same_text(a, l, left)) {
        check_sink(c, i, left, r, "accumulated into");
    } else if (r != NONE && same_text(a, r, left)) {
        check_sink(c, i, left, l, "accumulated into");
    }
}

static void rule_loss_kept(analysis *a)
{
    ctx c = {a, NULL, 0, 0, NULL, 0, 0, NULL, NULL, 0, 0, 0};
    collect(&c);
    index_by_func(&c);
    for (size_t i = 0; i < a->n_calls; i++) {
        check_call_sink(&c, i);
    }
    for (uint32_t i = 0; i < a->n_nodes; i++) {
        if (a->nodes[i].kind == K_AUG_ASSIGN) {
            check_aug_sink(&c, i);
        } else if (a->nodes[i].kind == K_ASSIGN) {
            check_assign_sink(&c, i);
        }
    }
    free(c.b);
    free(c.bw);
    free(c.b_by_func);
    free(c.bw_by_func);
}

/* What --explain prints: what is flagged, what is not, and examples. */
static const char explain[] =
    "Flags a loss tensor (the result of a loss call such as criterion(...), F.cross_entropy(...),\n"
    "outputs.loss, or a value that was .backward()-ed) that is appended to a list, accumulated\n"
    "with +=, or stored in a dict or on self, inside a training loop (a for/while body that calls\n"
    ".backward() or optimizer.step(), directly or through a same-file function) or a per-step\n"
    "hook (training_step, compute_loss, on_before_backward's loss), or a closure such a hook\n"
    "defines and hands over (opt.step(closure=closure)). A list holds what was appended to it:\n"
    "torch.stack(losses).mean() of back-propagated losses is a loss too (self.manual_backward\n"
    "and accelerator.backward count as back-propagation). Every stored tensor keeps the whole\n"
    "graph of its step alive, so memory grows every step until the run dies.\n"
    "\n"
    "Not flagged: values taken through .item(), float(), .tolist(), .detach() or .data; a loss\n"
    "rebound with loss = loss.detach() first; losses computed under torch.no_grad(); an\n"
    "accumulator that is itself back-propagated (total.backward()); lists created inside the\n"
    "step; names that merely say 'loss' but hold what a helper returned; what Lightning hands\n"
    "on_train_batch_end (the outputs of training_step, with the loss detached).\n"
    "\n"
    "Bad:\n"
    "    for x, y in loader:\n"
    "        loss = criterion(model(x), y)\n"
    "        loss.backward()\n"
    "        optimizer.step()\n"
    "        losses.append(loss)          # OOM101\n"
    "        total_loss += loss           # OOM101\n"
    "Good:\n"
    "        losses.append(loss.item())\n"
    "        total_loss += loss.detach()\n";

/* A step (backward, or step() near a loss), or any per-step hook of the facts' table. */
/* clang-format off */
static const char *const needles[] = {
    "backward(", "step(&loss", "step(&criterion", "step(&cross_entropy",
#define HOOK_NAME(name, args) name,
    LINT_STEP_HOOKS(HOOK_NAME)
#undef HOOK_NAME
    NULL,
};
/* clang-format on */

const rule_spec oom101_loss_tensor_kept_across_steps = {
    .meta =
        {
            .code = "OOM101",
            .name = "loss-tensor-kept-across-steps",
            .entry = "M20",
            .severity = LINT_SEV_WARNING,
            .fixable = LINT_FIXABLE_SOMETIMES,
            .summary = "a loss tensor is stored where it outlives the training step, keeping its "
                       "autograd graph",
            .explain = explain,
        },
    .needles = needles,
    .run = rule_loss_kept,
};
