/* The facts layer: what the code does. Loops and the step that trains, per-step regions,
 * grad mode (no_grad, inference_mode, set_grad_enabled(False)), and the per-function summaries
 * computed over the file's call graph. */
#include <string.h>

#include "linter/lint_int.h"

uint32_t enclosing_loop(const analysis *a, uint32_t n)
{
    uint32_t stop = a->nodes[n].func;
    uint32_t prev = n;
    for (uint32_t p = a->nodes[n].parent; p != NONE && p != stop;
         prev = p, p = a->nodes[p].parent) {
        uint8_t k = a->nodes[p].kind;
        if ((k == K_FOR || k == K_WHILE) && a->nodes[prev].field == F_BODY) {
            return p;
        }
        if (k == K_CLASS) {
            return NONE;
        }
    }
    return NONE;
}

int in_except(const analysis *a, uint32_t n, uint32_t stop)
{
    for (uint32_t p = a->nodes[n].parent; p != NONE && p != stop; p = a->nodes[p].parent) {
        if (a->nodes[p].kind == K_EXCEPT) {
            return 1;
        }
    }
    return 0;
}

/* torch.no_grad(), torch.inference_mode(), torch.set_grad_enabled(False), as a with item or
 * a decorator (with or without the call). */
static int is_no_grad_expr(const analysis *a, uint32_t e)
{
    if (e == NONE) {
        return 0;
    }
    if (a->nodes[e].kind != K_CALL && a->nodes[e].kind != K_ATTR && a->nodes[e].kind != K_IDENT) {
        e = named_child(a, e, 0); /* as_pattern: `with torch.no_grad() as g` */
        if (e == NONE) {
            return 0;
        }
    }
    uint32_t f = a->nodes[e].kind == K_CALL ? child_field(a, e, F_FUNCTION) : e;
    char q[256];
    if (!resolve_name(a, f, q, sizeof q)) {
        return 0;
    }
    const char *last = strrchr(q, '.');
    last = last ? last + 1 : q;
    if (strcmp(last, "no_grad") == 0 || strcmp(last, "inference_mode") == 0) {
        return 1;
    }
    if (strcmp(last, "set_grad_enabled") == 0 && a->nodes[e].kind == K_CALL) {
        uint32_t arg = call_positional(a, e, 0);
        if (arg == NONE) {
            arg = call_kwarg(a, e, "mode");
        }
        return arg != NONE && a->nodes[arg].kind == K_FALSE;
    }
    return 0;
}

int under_no_grad(const analysis *a, uint32_t n)
{
    uint32_t prev = n;
    for (uint32_t p = a->nodes[n].parent; p != NONE; prev = p, p = a->nodes[p].parent) {
        const node *nd = &a->nodes[p];
        if (nd->kind == K_WITH && a->nodes[prev].field == F_BODY) {
            for (uint32_t c = nd->first; c != NONE; c = a->nodes[c].next) {
                /* with_clause -> with_item* */
                for (uint32_t it = a->nodes[c].first; it != NONE; it = a->nodes[it].next) {
                    if (a->nodes[it].kind == K_WITH_ITEM &&
                        is_no_grad_expr(a, child_field(a, it, F_VALUE))) {
                        return 1;
                    }
                }
            }
        } else if (nd->kind == K_FUNC && a->nodes[nd->parent].kind == K_DECORATED) {
            for (uint32_t c = a->nodes[nd->parent].first; c != NONE; c = a->nodes[c].next) {
                if (a->nodes[c].kind == K_DECORATOR && is_no_grad_expr(a, named_child(a, c, 0))) {
                    return 1;
                }
            }
        }
    }
    return 0;
}

int is_step_call(const analysis *a, uint32_t call)
{
    uint32_t f = child_field(a, call, F_FUNCTION);
    if (f == NONE || a->nodes[f].kind != K_ATTR) {
        return 0;
    }
    uint32_t attr = child_field(a, f, F_ATTRIBUTE);
    if (ntext_is(a, attr, "backward")) {
        return 1;
    }
    if (!ntext_is(a, attr, "step")) {
        return 0;
    }
    uint32_t obj = child_field(a, f, F_OBJECT);
    if (obj == NONE) {
        return 0;
    }
    /* the receiver's last name: optimizer, opt_g, self.optim, scaler, model_engine */
    uint32_t last = obj;
    if (a->nodes[obj].kind == K_ATTR) {
        last = child_field(a, obj, F_ATTRIBUTE);
    } else if (a->nodes[obj].kind == K_SUBSCRIPT) {
        last = child_field(a, obj, F_VALUE); /* optimizers[i].step() */
        if (last != NONE && a->nodes[last].kind == K_ATTR) {
            last = child_field(a, last, F_ATTRIBUTE);
        }
    }
    if (last == NONE || a->nodes[last].kind != K_IDENT) {
        return 0;
    }
    size_t len;
    const char *t = ntext(a, last, &len);
    if (util_contains_ci(t, len, "sched") || util_contains_ci(t, len, "lr")) {
        return 0;
    }
    if (util_contains_ci(t, len, "optim") || util_contains_ci(t, len, "engine")) {
        return 1;
    }
    if ((len == 3 && memcmp(t, "opt", 3) == 0) ||
        (len > 3 && memcmp(t, "opt", 3) == 0 && (t[3] == '_' || (t[3] >= 'A' && t[3] <= 'Z')))) {
        return 1;
    }
    if (len > 4 && memcmp(t + len - 4, "_opt", 4) == 0) {
        return 1;
    }
    if (util_contains_ci(t, len, "scaler")) {
        return call_positional(a, call, 0) != NONE;
    }
    return 0;
}

const defn *call_target(const analysis *a, uint32_t call)
{
    uint32_t f = child_field(a, call, F_FUNCTION);
    if (f == NONE) {
        return NULL;
    }
    size_t len;
    const char *t;
    if (a->nodes[f].kind == K_IDENT) {
        t = ntext(a, f, &len);
        const defn *d = find_def(a, t, len, 0);
        return d;
    }
    if (a->nodes[f].kind == K_ATTR && ntext_is(a, child_field(a, f, F_OBJECT), "self")) {
        t = ntext(a, child_field(a, f, F_ATTRIBUTE), &len);
        return find_method(a, t, len);
    }
    return NULL;
}

const char *func_name(const analysis *a, uint32_t func, size_t *len)
{
    if (a->nodes[func].kind != K_FUNC) {
        return NULL;
    }
    uint32_t nm = child_field(a, func, F_NAME);
    return nm == NONE ? NULL : ntext(a, nm, len);
}

/* Per-step hooks: the framework calls them once per training step (LINT_STEP_HOOKS). */
static const struct {
    const char *name;
    int args;
} step_hooks[] = {
#define HOOK(name, args) {name, args},
    LINT_STEP_HOOKS(HOOK)
#undef HOOK
};

/* The step_hooks entry named name[0..len), or -1. */
static int hook_index(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof step_hooks / sizeof step_hooks[0]; i++) {
        if (strlen(step_hooks[i].name) == len && memcmp(step_hooks[i].name, name, len) == 0) {
            return (int)i;
        }
    }
    return -1;
}

/* The identifier a parameter node binds (x, x=1, x: int, *x, **x), or NONE. */
static uint32_t param_ident(const analysis *a, uint32_t p)
{
    if (a->nodes[p].kind == K_DEFAULT_PARAM) {
        p = child_field(a, p, F_NAME);
    } else if (p != NONE && a->nodes[p].kind != K_IDENT) {
        p = named_child(a, p, 0);
        if (p != NONE && a->nodes[p].kind != K_IDENT) {
            p = named_child(a, p, 0);
        }
    }
    return p != NONE && a->nodes[p].kind == K_IDENT ? p : NONE;
}

int hook_param_fact(const analysis *a, const binding *param)
{
    uint32_t f = param->scope;
    size_t len;
    const char *name = param->kind == BIND_PARAM ? func_name(a, f, &len) : NULL;
    int h = name ? hook_index(name, len) : -1;
    if (h < 0 || ntext_is(a, param->site, "self")) {
        return PARAM_UNKNOWN;
    }
    if (step_hooks[h].args == HOOK_ARGS_NO_GRAPH) {
        return PARAM_NO_GRAPH;
    }
    if (step_hooks[h].args == HOOK_ARGS_LAST_IS_LOSS) {
        uint32_t params = child_field(a, f, F_PARAMETERS);
        uint32_t last = NONE;
        for (uint32_t c = params == NONE ? NONE : a->nodes[params].first; c != NONE;
             c = a->nodes[c].next) {
            if (a->nodes[c].named && a->nodes[c].kind != K_COMMENT) {
                last = c;
            }
        }
        return last != NONE && param_ident(a, last) == param->site ? PARAM_LIVE_LOSS
                                                                   : PARAM_UNKNOWN;
    }
    return PARAM_UNKNOWN;
}

int per_step_region(const analysis *a, uint32_t n, uint32_t *out_region)
{
    uint32_t loop = enclosing_loop(a, n);
    if (loop != NONE) {
        if (out_region) {
            *out_region = loop;
        }
        return a->loop_trains[loop];
    }
    uint32_t f = a->nodes[n].func;
    if (out_region) {
        *out_region = f;
    }
    size_t len;
    const char *name = func_name(a, f, &len);
    if (!name) {
        return 0;
    }
    if (hook_index(name, len) >= 0) {
        return 1;
    }
    const defn *d = def_at((analysis *)a, f);
    return d && d->step_direct && (d->called_in_loop || util_contains_ci(name, len, "step"));
}

/* The loop or function whose every run executes call c once: the innermost for/while body or
 * function containing it. */
static uint32_t owner_of(const analysis *a, uint32_t c)
{
    uint32_t loop = enclosing_loop(a, c);
    return loop != NONE ? loop : a->nodes[c].func;
}

/* torch.cuda.empty_cache, torch.xpu/npu/mps.empty_cache, torch.cuda.memory.empty_cache,
 * torch_npu.npu.empty_cache, deepspeed's get_accelerator().empty_cache(). */
static int cache_call_name(const analysis *a, uint32_t call, char *q, size_t cap)
{
    uint32_t f = child_field(a, call, F_FUNCTION);
    if (f == NONE) {
        return 0;
    }
    if (a->nodes[f].kind == K_ATTR && ntext_is(a, child_field(a, f, F_ATTRIBUTE), "empty_cache")) {
        uint32_t obj = child_field(a, f, F_OBJECT);
        if (obj != NONE && a->nodes[obj].kind == K_CALL) {
            char inner[256];
            uint32_t g = child_field(a, obj, F_FUNCTION);
            if (resolve_name(a, g, inner, sizeof inner)) {
                const char *last = strrchr(inner, '.');
                if (strcmp(last ? last + 1 : inner, "get_accelerator") == 0 &&
                    strncmp(inner, "<local>", 7) != 0) {
                    snprintf(q, cap, "get_accelerator().empty_cache");
                    return 1;
                }
            }
            return 0;
        }
    }
    if (!resolve_name(a, f, q, cap)) {
        return 0;
    }
    size_t n = strlen(q);
    if (n < 12 || strcmp(q + n - 12, ".empty_cache") != 0) {
        return 0;
    }
    return strncmp(q, "torch.", 6) == 0 || strncmp(q, "torch_npu.", 10) == 0;
}

/* Does the call run unconditionally whenever its function body runs? */
int unconditional_in_func(const analysis *a, uint32_t call)
{
    uint32_t f = a->nodes[call].func;
    for (uint32_t p = a->nodes[call].parent; p != NONE && p != f; p = a->nodes[p].parent) {
        switch (a->nodes[p].kind) {
        case K_IF:
        case K_ELIF:
        case K_ELSE:
        case K_EXCEPT:
        case K_FOR:
        case K_WHILE:
        case K_COND_EXPR:
        case K_BOOLOP:
        case K_LAMBDA:
        case K_CLASS:
            return 0;
        default:
            break;
        }
    }
    return 1;
}

int flushes_cache(const analysis *a, uint32_t call)
{
    char q[256];
    return cache_call_name(a, call, q, sizeof q);
}

/* The file's call graph for the summaries below: what each call is (a training step, or a
 * call of a same-file def: its target), the calls of each def (CSR: callers[caller_start[k] ..
 * caller_start[k + 1]) for def k), and a worklist. */
typedef struct call_graph {
    uint8_t *steps;
    const defn **targets;
    uint32_t *caller_start, *callers;
    uint32_t *work;
    size_t n_work;
} call_graph;

static void graph_build(const analysis *a, call_graph *g)
{
    size_t nc = a->n_calls;
    g->steps = xmalloc(nc ? nc : 1);
    /* NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers */
    g->targets = xmalloc((nc ? nc : 1) * sizeof *g->targets);
    g->caller_start = xcalloc(a->n_defs + 2, sizeof *g->caller_start);
    g->callers = xmalloc((nc ? nc : 1) * sizeof *g->callers);
    for (size_t i = 0; i < nc; i++) {
        g->steps[i] = (uint8_t)is_step_call(a, a->calls[i]);
        g->targets[i] = g->steps[i] ? NULL : call_target(a, a->calls[i]);
        if (g->targets[i]) {
            g->caller_start[(size_t)(g->targets[i] - a->defs) + 2]++;
        }
    }
    for (size_t k = 2; k < a->n_defs + 2; k++) {
        g->caller_start[k] += g->caller_start[k - 1];
    }
    for (size_t i = 0; i < nc; i++) {
        if (g->targets[i]) {
            g->callers[g->caller_start[(size_t)(g->targets[i] - a->defs) + 1]++] = (uint32_t)i;
        }
    }
    /* Each def turns at most once per summary, so a call is pushed at most twice per run (as a
     * seed, and when its target turns). */
    g->work = xmalloc((2 * nc + 1) * sizeof *g->work);
    g->n_work = 0;
}

static void graph_free(call_graph *g)
{
    free(g->work);
    free(g->callers);
    free(g->caller_start);
    free(g->steps);
    free(g->targets);
}

/* Def d has just taken on a summary: every call of it is pushed. */
static void push_callers(const analysis *a, call_graph *g, const defn *d)
{
    size_t k = (size_t)(d - a->defs);
    for (uint32_t j = g->caller_start[k]; j < g->caller_start[k + 1]; j++) {
        g->work[g->n_work++] = g->callers[j];
    }
}

/* Marks what call i's execution trains: its loop, or (outside loops) its function, which then
 * makes every call to that function train in turn. */
static void fire(analysis *a, call_graph *g, size_t i)
{
    uint32_t o = owner_of(a, a->calls[i]);
    if (a->nodes[o].kind == K_FOR || a->nodes[o].kind == K_WHILE) {
        a->loop_trains[o] = 1;
        return;
    }
    defn *d = def_at(a, o);
    if (!d || d->step_direct || d == g->targets[i]) {
        return;
    }
    d->step_direct = 1;
    push_callers(a, g, d);
}

/* Call i flushes the cache (directly or through a wrapper): its function, if it makes the
 * call whenever it runs and does not train, becomes a wrapper, and its callers are pushed. */
static void wrap(analysis *a, call_graph *g, size_t i)
{
    uint32_t c = a->calls[i];
    uint32_t f = a->nodes[c].func;
    if (a->nodes[f].kind != K_FUNC || !unconditional_in_func(a, c)) {
        return;
    }
    defn *d = def_at(a, f);
    if (!d || d->step_direct || d->cache_wrapper || d == g->targets[i]) {
        return;
    }
    d->cache_wrapper = 1;
    push_callers(a, g, d);
}

void facts_build(analysis *a)
{
    size_t nc = a->n_calls;
    a->loop_trains = xrealloc(a->loop_trains, a->n_nodes ? a->n_nodes : 1);
    memset(a->loop_trains, 0, a->n_nodes ? a->n_nodes : 1);
    call_graph g;
    graph_build(a, &g);
    /* "Trains", to the true fixpoint: a call trains if it steps or calls a def that trains
     * outside any loop of its own. */
    for (size_t i = 0; i < nc; i++) {
        if (g.steps[i]) {
            g.work[g.n_work++] = (uint32_t)i;
        }
    }
    while (g.n_work > 0) {
        fire(a, &g, g.work[--g.n_work]);
    }
    for (size_t i = 0; i < nc; i++) {
        defn *t = (defn *)g.targets[i];
        if (t && enclosing_loop(a, a->calls[i]) != NONE) {
            t->called_in_loop = 1;
        }
    }
    /* "Flushes the cache": a def that calls empty_cache (or such a def) whenever it runs and
     * does not train itself; the same worklist, now that "trains" is known. */
    for (size_t k = 0; k < a->n_defs; k++) {
        a->defs[k].cache_wrapper = 0;
    }
    for (size_t i = 0; i < nc; i++) {
        if (flushes_cache(a, a->calls[i])) {
            g.work[g.n_work++] = (uint32_t)i;
        }
    }
    while (g.n_work > 0) {
        wrap(a, &g, g.work[--g.n_work]);
    }
    graph_free(&g);
}
