/* The facts layer: what the code does. Loops and the step that trains, per-step regions,
 * grad mode (no_grad, inference_mode, set_grad_enabled(False)), and the per-function summaries
 * computed over the file's call graph, and what the file does with devices and processes. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

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

/* Lightning runs these hooks without autograd (validation, test and prediction). */
static int no_grad_hook(const analysis *a, uint32_t func)
{
    static const char *const hooks[] = {"validation_step",   "test_step",
                                        "predict_step",      "on_validation_epoch_end",
                                        "on_test_epoch_end", NULL};
    size_t len;
    const char *name = func_name(a, func, &len);
    for (int i = 0; name && hooks[i]; i++) {
        if (strlen(hooks[i]) == len && memcmp(hooks[i], name, len) == 0) {
            return 1;
        }
    }
    return 0;
}

/* 1 if a `torch.set_grad_enabled(False)` statement of the function func (or of the module, for
 * code at module level) runs before the byte offset at. */
static int grad_switched_off(const analysis *a, uint32_t func, uint32_t at)
{
    for (size_t i = 0; i < a->n_calls && a->nodes[a->calls[i]].sb < at; i++) {
        uint32_t c = a->calls[i];
        uint32_t p = a->nodes[c].parent;
        size_t len;
        const char *last = callee_last(a, c, &len);
        if (a->nodes[c].func == func && p != NONE && a->nodes[p].kind == K_EXPR_STMT && last &&
            len == 16 && memcmp(last, "set_grad_enabled", 16) == 0 && is_no_grad_expr(a, c)) {
            return 1;
        }
    }
    return 0;
}

/* NOLINTNEXTLINE(misc-no-recursion): through callers, depth <= 3 */
static int grad_off(const analysis *a, uint32_t n, int depth)
{
    uint32_t func = a->nodes[n].func;
    if (under_no_grad(a, n) || no_grad_hook(a, func) ||
        grad_switched_off(a, func, a->nodes[n].sb)) {
        return 1;
    }
    if (func == 0 || depth >= 3) {
        return 0;
    }
    const defn *d = def_at((analysis *)a, func);
    for (size_t i = 0; d && i < a->n_calls; i++) {
        uint32_t c = a->calls[i];
        if (call_target(a, c) == d && grad_off(a, c, depth + 1)) {
            return 1;
        }
    }
    return 0;
}

int grad_disabled_at(const analysis *a, uint32_t n)
{
    return grad_off(a, n, 0);
}

/* 1 if the name or attribute e names an out-of-memory error class. */
static int oom_error_name(const analysis *a, uint32_t e)
{
    char q[256];
    if (!resolve_name(a, e, q, sizeof q)) {
        return 0;
    }
    const char *last = strrchr(q, '.');
    last = last ? last + 1 : q;
    /* OutOfMemoryError, or a project's alias of it: OOM_EXCEPTION, OOMError */
    return strstr(last, "OutOfMemory") != NULL || strstr(last, "OOM") != NULL;
}

/* 1 if the exception expression e names an out-of-memory error (alone or in a tuple). */
static int names_oom_error(const analysis *a, uint32_t e)
{
    if (e == NONE) {
        return 0;
    }
    if (a->nodes[e].kind != K_TUPLE && a->nodes[e].kind != K_PAREN) {
        return oom_error_name(a, e);
    }
    for (uint32_t c = a->nodes[e].first; c != NONE; c = a->nodes[c].next) {
        if (a->nodes[c].named && (a->nodes[c].kind == K_IDENT || a->nodes[c].kind == K_ATTR) &&
            oom_error_name(a, c)) {
            return 1;
        }
    }
    return 0;
}

int is_oom_handler(const analysis *a, uint32_t exc)
{
    if (a->nodes[exc].kind != K_EXCEPT) {
        return 0;
    }
    if (names_oom_error(a, child_field(a, exc, F_VALUE))) {
        return 1;
    }
    /* except RuntimeError as e: if "out of memory" in str(e): ... (before OutOfMemoryError), or
     * a test such as is_oom_error(e) */
    for (uint32_t i = exc + 1; i < a->n_nodes && a->nodes[i].sb < a->nodes[exc].eb; i++) {
        size_t len;
        const char *t;
        if (a->nodes[i].kind == K_STRING && (t = ntext(a, i, &len)) &&
            util_contains_ci(t, len, "out of memory")) {
            return 1;
        }
        if (a->nodes[i].kind == K_CALL && (t = callee_last(a, i, &len)) &&
            (util_contains_ci(t, len, "oom") || util_contains_ci(t, len, "out_of_memory"))) {
            return 1;
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

/* The leftmost identifier of an attribute chain (a.b.c -> a), or NONE. */
uint32_t chain_root(const analysis *a, uint32_t n)
{
    for (int d = 0; n != NONE && d < MAX_DEPTH; d++) {
        if (a->nodes[n].kind == K_IDENT) {
            return n;
        }
        if (a->nodes[n].kind != K_ATTR) {
            return NONE;
        }
        n = child_field(a, n, F_OBJECT);
    }
    return NONE;
}

/* The class an instance name holds: `x = Cls(...)` (the last binding before n) with Cls a
 * class, local or imported. Writes Cls's qualified name ("<local>.Cls" or the import's). */
static int instance_class(const analysis *a, uint32_t ident, char *out, size_t cap)
{
    const binding *b = resolve_binding(a, ident);
    if (!b || b->kind != BIND_VALUE || b->value == NONE || a->nodes[b->value].kind != K_CALL) {
        return 0;
    }
    uint32_t f = child_field(a, b->value, F_FUNCTION);
    uint32_t root = chain_root(a, f);
    const binding *cb = root == NONE ? NULL : resolve_binding(a, root);
    if (!cb || (cb->kind != BIND_IMPORT && cb->kind != BIND_CLASS)) {
        return 0;
    }
    return resolve_name(a, f, out, cap);
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
    uint32_t obj = a->nodes[f].kind == K_ATTR ? child_field(a, f, F_OBJECT) : NONE;
    char cls[256];
    if (obj != NONE && a->nodes[obj].kind == K_IDENT && instance_class(a, obj, cls, sizeof cls) &&
        strncmp(cls, "<local>.", 8) == 0) {
        /* ema.step() where ema = EMA(...), class EMA in this file */
        const defn *c = find_def(a, cls + 8, strlen(cls + 8), 1);
        t = ntext(a, child_field(a, f, F_ATTRIBUTE), &len);
        return c ? method_of(a, c, t, len) : NULL;
    }
    return NULL;
}

int call_import_qual(const analysis *a, uint32_t call, char *out, size_t cap)
{
    uint32_t f = child_field(a, call, F_FUNCTION);
    uint32_t root = chain_root(a, f);
    if (root == NONE) {
        return 0;
    }
    const binding *b = resolve_binding(a, root);
    if (b && b->kind == BIND_IMPORT) {
        /* helper(), mod.helper(), pkg.mod.Cls.method() */
        return resolve_name(a, f, out, cap);
    }
    if (a->nodes[f].kind == K_ATTR && child_field(a, f, F_OBJECT) == root) {
        /* ema.step() where ema = EMAModel(...), EMAModel imported */
        size_t ml;
        const char *m = ntext(a, child_field(a, f, F_ATTRIBUTE), &ml);
        char cls[448];
        return instance_class(a, root, cls, sizeof cls) && strncmp(cls, "<local>.", 8) != 0 &&
               snprintf(out, cap, "%s.%.*s", cls, (int)ml, m) < (int)cap;
    }
    return 0;
}

int call_project_target(analysis *a, uint32_t call, module_ref *out)
{
    memset(out, 0, sizeof *out);
    char q[512];
    return call_import_qual(a, call, q, sizeof q) && module_resolve(a, q, out) && out->fn &&
           !(out->fn->flags & MODULE_CLASS);
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

/* Does expression e use the parameter bound at site, with no number conversion on the way
 * (.item(), .detach(), float(), ...)? Nodes of a subtree are contiguous from its root. */
static int uses_param_raw(const analysis *a, uint32_t e, uint32_t site)
{
    int used = 0;
    for (uint32_t i = e; i < a->n_nodes && a->nodes[i].sb < a->nodes[e].eb; i++) {
        const node *n = &a->nodes[i];
        if (n->kind == K_IDENT && !used) {
            const binding *b = resolve_binding(a, i);
            used = b && b->site == site;
        } else if (n->kind == K_CALL) {
            uint32_t f = child_field(a, i, F_FUNCTION);
            uint32_t name =
                f != NONE && a->nodes[f].kind == K_ATTR ? child_field(a, f, F_ATTRIBUTE) : f;
            static const char *const numbers[] = {"item",  "detach", "tolist", "numpy",
                                                  "float", "int",    "round",  NULL};
            for (int k = 0; name != NONE && numbers[k]; k++) {
                if (ntext_is(a, name, numbers[k])) {
                    return 0;
                }
            }
        }
    }
    return used;
}

/* Is n an attribute chain of self (self.sum, self.vals)? */
static int self_attr(const analysis *a, uint32_t n)
{
    uint32_t root = chain_root(a, n);
    return root != NONE && ntext_is(a, root, "self");
}

/* The identifier of d's first parameter after self/cls, or NONE. */
static uint32_t first_arg_param(const analysis *a, const defn *d)
{
    uint32_t params = child_field(a, d->node, F_PARAMETERS);
    for (uint32_t c = params == NONE ? NONE : a->nodes[params].first; c != NONE;
         c = a->nodes[c].next) {
        uint32_t id = a->nodes[c].named ? param_ident(a, c) : NONE;
        if (id != NONE && !ntext_is(a, id, "self") && !ntext_is(a, id, "cls")) {
            return id;
        }
    }
    return NONE;
}

/* Does node i keep the parameter bound at site in self: self.x += p, self.x = self.x + p,
 * self.xs.append(p)? */
static int keeps_param(const analysis *a, uint32_t i, uint32_t site)
{
    const node *n = &a->nodes[i];
    if (n->kind == K_AUG_ASSIGN || n->kind == K_ASSIGN) {
        uint32_t left = child_field(a, i, F_LEFT);
        uint32_t right = child_field(a, i, F_RIGHT);
        return left != NONE && right != NONE && self_attr(a, left) &&
               (n->kind == K_AUG_ASSIGN || a->nodes[right].kind == K_BINOP) &&
               uses_param_raw(a, right, site);
    }
    if (n->kind != K_CALL) {
        return 0;
    }
    uint32_t f = child_field(a, i, F_FUNCTION);
    uint32_t arg = call_positional(a, i, 0);
    return f != NONE && a->nodes[f].kind == K_ATTR && arg != NONE &&
           ntext_is(a, child_field(a, f, F_ATTRIBUTE), "append") &&
           self_attr(a, child_field(a, f, F_OBJECT)) && uses_param_raw(a, arg, site);
}

int def_keeps_arg(const analysis *a, const defn *d)
{
    uint32_t site = d->is_class ? NONE : first_arg_param(a, d);
    if (site == NONE) {
        return 0;
    }
    for (uint32_t i = d->node; i < a->n_nodes && a->nodes[i].sb < a->nodes[d->node].eb; i++) {
        if (a->nodes[i].func == d->node && keeps_param(a, i, site)) {
            return 1;
        }
    }
    return 0;
}

int is_step_hook(const analysis *a, uint32_t func)
{
    size_t len;
    const char *name = func_name(a, func, &len);
    return name && hook_index(name, len) >= 0;
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

/* The first place after the nested def d, in the function around it, that names it (a call,
 * or the closure handed over: opt.step(closure=d)), or NONE. A closure is used after its def
 * and close to it: the scan stops after CLOSURE_SCAN nodes (a few hundred lines), so a file of
 * many unused closures costs a bounded scan per def. */
#define CLOSURE_SCAN 4096u
static uint32_t closure_scan(const analysis *a, const defn *d)
{
    uint32_t g = a->nodes[d->node].func;
    /* the first node after the def's subtree: the next sibling of it or of an ancestor */
    uint32_t x = d->node;
    while (x != NONE && x != g && a->nodes[x].next == NONE) {
        x = a->nodes[x].parent;
    }
    if (x == NONE || x == g) {
        return NONE;
    }
    uint32_t i = a->nodes[x].next;
    for (uint32_t end = i + CLOSURE_SCAN;
         i < a->n_nodes && i < end && a->nodes[i].sb < a->nodes[g].eb; i++) {
        if (a->nodes[i].kind == K_IDENT && a->nodes[i].func == g &&
            a->nodes[i].eb - a->nodes[i].sb == d->name_len &&
            memcmp(a->src + a->nodes[i].sb, d->name, d->name_len) == 0) {
            const binding *b = resolve_binding(a, i);
            if (b && b->site == d->node) {
                return i;
            }
        }
    }
    return NONE;
}

/* closure_scan's answer for d, asked once per lint (the defs are rebuilt each run). */
static uint32_t closure_use(defn *d, const analysis *a)
{
    if (!d->use_known) {
        d->use = closure_scan(a, d);
        d->use_known = 1;
    }
    return d->use;
}

/* NOLINTNEXTLINE(misc-no-recursion): once per enclosing def, depth <= 3 */
static int step_region_at(const analysis *a, uint32_t n, uint32_t *out_region, int depth);

int per_step_region(const analysis *a, uint32_t n, uint32_t *out_region)
{
    return step_region_at(a, n, out_region, 0);
}

/* NOLINTNEXTLINE(misc-no-recursion): once per enclosing def, depth <= 3 */
static int step_region_at(const analysis *a, uint32_t n, uint32_t *out_region, int depth)
{
    /* A loop that does not train, inside one that steps or inside a step function, runs on
     * every step too (a rollout, old-logprob or logging loop inside an update); an epoch loop
     * ends the question. */
    uint32_t l = enclosing_loop(a, n);
    while (l != NONE && a->loop_trains[l] == LOOP_OTHER) {
        l = enclosing_loop(a, l);
    }
    if (l != NONE) {
        if (out_region) {
            *out_region = l;
        }
        return a->loop_trains[l] == LOOP_STEP;
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
    defn *d = def_at((analysis *)a, f);
    /* a test function (pytest calls it once) is no per-step function, whatever its name */
    int test = len >= 5 && memcmp(name, "test_", 5) == 0;
    int step_name = !test && util_contains_ci(name, len, "step");
    /* A function whose updates come from its own mini-batch loops is a step when its name says
     * so (`def step(self):` of an RL learner); called in a loop, it may as well be a whole
     * training run (`for seed in seeds: train(seed)`). */
    if (d &&
        ((d->step_direct && (d->called_in_loop || step_name)) || (d->step_nested && step_name))) {
        return 1;
    }
    /* A closure defined in a function runs where that function calls it or hands it over
     * (`opt.step(closure=closure)` in training_step): per step when that place is. */
    uint32_t use =
        d && depth < 3 && a->nodes[a->nodes[f].func].kind == K_FUNC ? closure_use(d, a) : NONE;
    return use != NONE && step_region_at(a, use, out_region, depth + 1);
}

/* 1 if the loop iterates over a data loader or dataset (a pass over the data: an epoch). */
static int iterates_data(const analysis *a, uint32_t loop)
{
    if (a->nodes[loop].kind != K_FOR) {
        return 0;
    }
    uint32_t it = child_field(a, loop, F_RIGHT);
    if (it == NONE) {
        return 0;
    }
    size_t n;
    const char *t = ntext(a, it, &n);
    return util_contains_ci(t, n, "loader") || util_contains_ci(t, n, "dataset");
}

/* 1 if the name's last word (after its last '_') is a word for evaluation data, or the name
 * ends in "loader": val_loader, eval_dataloader, valid_dl, testloader, dataset, batches. */
static int data_word(const char *t, size_t n)
{
    static const char *const words[] = {"loader",  "loaders", "dataloader", "dl",      "data",
                                        "dataset", "ds",      "batches",    "samples", "val",
                                        "valid",   "eval",    "test",       "dev",     "testset",
                                        "valset",  NULL};
    if (n >= 6 && util_contains_ci(t + n - 6, 6, "loader")) {
        return 1;
    }
    const char *w = t;
    for (size_t i = 0; i < n; i++) {
        if (t[i] == '_') {
            w = t + i + 1;
        }
    }
    size_t wl = (size_t)(t + n - w);
    for (int i = 0; words[i]; i++) {
        if (strlen(words[i]) == wl && strncasecmp(words[i], w, wl) == 0) {
            return 1;
        }
    }
    return 0;
}

int loop_over_data(const analysis *a, uint32_t l)
{
    uint32_t it = a->nodes[l].kind == K_FOR ? child_field(a, l, F_RIGHT) : NONE;
    for (int d = 0; it != NONE && d < 4; d++) {
        uint8_t k = a->nodes[it].kind;
        if (k == K_CALL) {
            it = call_positional(a, it, 0); /* enumerate(x), tqdm(x), iter(x), zip(x, y) */
        } else if (k == K_SUBSCRIPT) {
            it = child_field(a, it, F_VALUE); /* loaders["val"] */
        } else if (k == K_ATTR) {
            it = child_field(a, it, F_ATTRIBUTE);
        } else {
            break;
        }
    }
    if (it == NONE || a->nodes[it].kind != K_IDENT) {
        return 0;
    }
    size_t n;
    const char *t = ntext(a, it, &n);
    return data_word(t, n);
}

int model_frozen(const analysis *a, const char *model)
{
    size_t n = strlen(model);
    for (size_t i = 0; i < a->n_calls; i++) {
        uint32_t c = a->calls[i];
        char t[256];
        uint32_t f = child_field(a, c, F_FUNCTION);
        size_t len;
        const char *last = callee_last(a, c, &len);
        uint32_t arg = call_positional(a, c, 0);
        if (last && len == 14 && memcmp(last, "requires_grad_", 14) == 0 && arg != NONE &&
            a->nodes[arg].kind == K_FALSE && a->nodes[f].kind == K_ATTR &&
            chain_text(a, child_field(a, f, F_OBJECT), t, sizeof t) && strcmp(t, model) == 0) {
            return 1;
        }
    }
    for (size_t i = 0; i < a->n_loops; i++) {
        uint32_t l = a->loops[i];
        uint32_t it = a->nodes[l].kind == K_FOR ? child_field(a, l, F_RIGHT) : NONE;
        size_t len;
        const char *t = it == NONE ? NULL : ntext(a, it, &len);
        if (!t || len <= n || memcmp(t, model, n) != 0 || !util_contains_ci(t, len, "parameters")) {
            continue;
        }
        for (uint32_t j = l; j < a->n_nodes && a->nodes[j].sb < a->nodes[l].eb; j++) {
            uint32_t left = a->nodes[j].kind == K_ASSIGN ? child_field(a, j, F_LEFT) : NONE;
            uint32_t right = a->nodes[j].kind == K_ASSIGN ? child_field(a, j, F_RIGHT) : NONE;
            if (left != NONE && a->nodes[left].kind == K_ATTR &&
                ntext_is(a, child_field(a, left, F_ATTRIBUTE), "requires_grad") && right != NONE &&
                a->nodes[right].kind == K_FALSE) {
                return 1;
            }
        }
    }
    return 0;
}

/* Loop classes, once "trains" is known: a loop whose body steps (directly, in a callee, in a
 * with block such as accelerator.accumulate) is a step loop; so is a loop around a step loop
 * over something other than the data (gradient accumulation or PPO mini-batches nest the
 * update one level deeper: each outer iteration still performs at least one update); a loop
 * around a step loop over a data loader or dataset is an epoch loop. Inner loops first (loops
 * are in pre-order), so a class climbs any number of levels. */
static void classify_loops(analysis *a)
{
    for (size_t i = a->n_loops; i-- > 0;) {
        uint32_t l = a->loops[i];
        if (a->loop_trains[l] != LOOP_STEP) {
            continue;
        }
        uint32_t p = enclosing_loop(a, l);
        if (p == NONE || a->loop_trains[p] == LOOP_STEP) {
            continue;
        }
        if (!iterates_data(a, l)) {
            a->loop_trains[p] = LOOP_STEP;
        } else if (a->loop_trains[p] == LOOP_OTHER) {
            a->loop_trains[p] = LOOP_EPOCH;
        }
    }
    /* The same question one level up, for a function: a step loop of its own (outside its
     * other loops) over something other than the data makes each call at least one update. */
    for (size_t i = 0; i < a->n_loops; i++) {
        uint32_t l = a->loops[i];
        defn *d;
        if (a->loop_trains[l] == LOOP_STEP && enclosing_loop(a, l) == NONE &&
            !iterates_data(a, l) && (d = def_at(a, a->nodes[l].func)) != NULL) {
            d->step_nested = 1;
        }
    }
}

/* The loop or function whose every run executes call c once: the innermost for/while body or
 * function containing it. */
static uint32_t owner_of(const analysis *a, uint32_t c)
{
    uint32_t loop = enclosing_loop(a, c);
    return loop != NONE ? loop : a->nodes[c].func;
}

/* 1 if e evaluates to a torch device module chosen at run time: getattr(torch, name[, default])
 * or torch.get_device_module(...), directly or through a name bound to one. */
/* NOLINTNEXTLINE(misc-no-recursion): one level through a name */
static int device_module(const analysis *a, uint32_t e, int depth)
{
    if (e == NONE || depth > 1) {
        return 0;
    }
    if (a->nodes[e].kind == K_IDENT) {
        const binding *b = resolve_binding(a, e);
        return b && b->kind == BIND_VALUE && device_module(a, b->value, depth + 1);
    }
    if (a->nodes[e].kind != K_CALL) {
        return 0;
    }
    char q[256];
    uint32_t f = child_field(a, e, F_FUNCTION);
    if (!resolve_name(a, f, q, sizeof q)) {
        return 0;
    }
    if (strcmp(q, "torch.get_device_module") == 0) {
        return 1;
    }
    if (strcmp(q, "getattr") != 0) {
        return 0;
    }
    char obj[64];
    uint32_t first = call_positional(a, e, 0);
    return first != NONE && resolve_name(a, first, obj, sizeof obj) && strcmp(obj, "torch") == 0;
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
        if (device_module(a, obj, 0)) {
            snprintf(q, cap, "<device module>.empty_cache");
            return 1;
        }
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

int runs_every_call(const analysis *a, uint32_t call)
{
    uint32_t f = a->nodes[call].func;
    for (uint32_t p = a->nodes[call].parent; p != NONE && p != f; p = a->nodes[p].parent) {
        switch (a->nodes[p].kind) {
        case K_FOR:
            if (a->loop_trains[p] != LOOP_OTHER) {
                return 0;
            }
            break;
        case K_IF:
        case K_ELIF:
        case K_ELSE:
        case K_EXCEPT:
        case K_WHILE:
        case K_COND_EXPR:
        case K_BOOLOP:
        case K_LAMBDA:
        case K_CLASS:
        case K_COMPREHENSION:
        case K_GENERATOR:
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

/* A guard that holds on every step of a run on the device: a device-availability check such as
 * `if torch.cuda.is_available():` or `if device.type == "cuda":`. A condition that also names a
 * step, an epoch, memory or the cache (modulo, first-step, OOM flags, memory thresholds) is a
 * real guard. */
int is_device_check(const analysis *a, uint32_t cond)
{
    if (cond == NONE) {
        return 0;
    }
    static const char *const conditional[] = {"cache", "clear", "empty", "free",  "mem",
                                              "oom",   "step",  "iter",  "epoch", "batch_idx"};
    static const char *const device[] = {"is_available", "cuda", "device", "gpu",
                                         "xpu",          "npu",  "mps"};
    size_t n;
    const char *t = ntext(a, cond, &n);
    if (memchr(t, '%', n)) {
        return 0;
    }
    for (size_t i = 0; i < sizeof conditional / sizeof conditional[0]; i++) {
        if (util_contains_ci(t, n, conditional[i])) {
            return 0;
        }
    }
    for (size_t i = 0; i < sizeof device / sizeof device[0]; i++) {
        if (util_contains_ci(t, n, device[i])) {
            return 1;
        }
    }
    return 0;
}

/* ---- Guards of a flush ---- */

/* What a word of a condition says about the flush it guards. */
enum { WORD_NONE = 0, WORD_GATES = 1, WORD_COUNTER = 2, WORD_OPTIMIZER = 4 };

/* The class of one lowercased word: WORD_GATES for a word about memory or the cache (an
 * opt-in knob, a threshold, an OOM flag), a period (every N, an interval, a frequency) or the
 * first steps; WORD_COUNTER for a step or iteration counter; WORD_OPTIMIZER for the optimizer. */
static int word_class(const char *w, size_t n)
{
    static const char *const gates[] = {
        "cache",         "caches",   "cached",   "clear",     "free",      "mem",
        "memory",        "oom",      "release",  "offload",   "offloaded", "offloading",
        "vram",          "lowvram",  "lowmem",   "gc",        "reserved",  "allocated",
        "fragmentation", "every",    "interval", "intervals", "freq",      "frequency",
        "period",        "periodic", "first",    "warmup",    "warm",      NULL};
    static const char *const counters[] = {"step",  "steps",   "iter", "iters", "iteration",
                                           "it",    "i",       "j",    "idx",   "epoch",
                                           "count", "counter", NULL};
    for (int i = 0; gates[i]; i++) {
        if (strlen(gates[i]) == n && memcmp(gates[i], w, n) == 0) {
            return WORD_GATES;
        }
    }
    for (int i = 0; counters[i]; i++) {
        if (strlen(counters[i]) == n && memcmp(counters[i], w, n) == 0) {
            return WORD_COUNTER;
        }
    }
    return n >= 3 && memcmp(w, "opt", 3) == 0 ? WORD_OPTIMIZER : WORD_NONE;
}

/* The classes of the words of s[0..n): identifier or string text split at '_', at anything
 * but letters, and where a lower-case letter meets an upper-case one (memoryUsage). */
static int words_of(const char *s, size_t n)
{
    int classes = 0;
    char w[32];
    size_t wl = 0;
    for (size_t i = 0; i <= n; i++) {
        char c = '\0';
        if (i < n) {
            c = s[i];
        }
        int letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        int split =
            !letter || (wl > 0 && c >= 'A' && c <= 'Z' && s[i - 1] >= 'a' && s[i - 1] <= 'z');
        if (split && wl > 0) {
            classes |= wl < sizeof w ? word_class(w, wl) : 0;
            wl = 0;
        }
        if (letter) {
            if (wl < sizeof w) {
                w[wl] = (char)(c | 0x20);
            }
            wl++;
        }
    }
    return classes;
}

/* The word classes of the names and string literals in expression e. */
static int expr_words(const analysis *a, uint32_t e)
{
    int classes = 0;
    for (uint32_t i = e; i < a->n_nodes && a->nodes[i].sb < a->nodes[e].eb; i++) {
        if (a->nodes[i].kind == K_IDENT || a->nodes[i].kind == K_STRING) {
            size_t n;
            const char *t = ntext(a, i, &n);
            classes |= words_of(t, n);
        }
    }
    return classes;
}

/* 1 if the comparison cmp tests for the first steps: `== 0`, `== 1`, `< k`, `<= k` with an
 * integer literal k and a counter on the other side (step == 0, i < 2). */
static int first_steps_test(const analysis *a, uint32_t cmp, int words)
{
    if (!(words & WORD_COUNTER)) {
        return 0;
    }
    int low_op = 0;
    int literal = 0;
    for (uint32_t c = a->nodes[cmp].first; c != NONE; c = a->nodes[c].next) {
        low_op |= a->nodes[c].kind == K_KEYWORD_TOKEN &&
                  (ntext_is(a, c, "==") || ntext_is(a, c, "<") || ntext_is(a, c, "<="));
        literal |= a->nodes[c].kind == K_INTEGER;
    }
    return low_op && literal;
}

/* NOLINTNEXTLINE(misc-no-recursion): depth <= MAX_DEPTH */
static int gates(const analysis *a, uint32_t cond, int depth)
{
    if (cond == NONE || depth > MAX_DEPTH) {
        return 0;
    }
    switch (a->nodes[cond].kind) {
    case K_PAREN:
        return gates(a, named_child(a, cond, 0), depth + 1);
    case K_NOT: {
        /* `not args.low_vram` is the same knob; `not optimizer`: an iteration without one */
        uint32_t x = named_child(a, cond, 0);
        return gates(a, x, depth + 1) ||
               (expr_words(a, x) & WORD_OPTIMIZER && a->nodes[x].kind != K_CALL &&
                a->nodes[x].kind != K_COMPARE);
    }
    case K_BOOLOP: {
        /* a and b: either one gates the flush; a or b: only if both do */
        int l = gates(a, child_field(a, cond, F_LEFT), depth + 1);
        int r = gates(a, child_field(a, cond, F_RIGHT), depth + 1);
        return ntext_is(a, child_field(a, cond, F_OPERATOR), "and") ? l || r : l && r;
    }
    default:
        break;
    }
    size_t n;
    const char *t = ntext(a, cond, &n);
    if (memchr(t, '%', n)) {
        return 1; /* step % N == 0: every N steps */
    }
    int words = expr_words(a, cond);
    if (words & WORD_GATES) {
        return 1;
    }
    if (a->nodes[cond].kind != K_COMPARE) {
        return 0;
    }
    /* `if optimizer is None:`: an iteration without an optimizer (a generation pass) */
    if ((words & WORD_OPTIMIZER) && util_contains_ci(t, n, " is none") &&
        !util_contains_ci(t, n, " is not ")) {
        return 1;
    }
    return first_steps_test(a, cond, words);
}

int guard_gates_flush(const analysis *a, uint32_t cond)
{
    return cond == NONE || gates(a, cond, 0);
}

/* The index of call node c in a->calls (sorted: pre-order is source order), or SIZE_MAX. */
static size_t call_index(const analysis *a, uint32_t c)
{
    size_t lo = 0;
    size_t hi = a->n_calls;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (a->calls[mid] == c) {
            return mid;
        }
        if (a->calls[mid] < c) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return SIZE_MAX;
}

/* 1 if evaluating expression statement n always makes a flushing call: one not inside a
 * conditional expression, boolean operator, lambda, comprehension or nested def. */
/* NOLINTNEXTLINE(misc-no-recursion): depth <= MAX_DEPTH */
static int expr_flushes(const analysis *a, uint32_t n, int depth)
{
    if (depth > MAX_DEPTH) {
        return 0;
    }
    switch (a->nodes[n].kind) {
    case K_COND_EXPR:
    case K_BOOLOP:
    case K_LAMBDA:
    case K_COMPREHENSION:
    case K_GENERATOR:
    case K_FUNC:
    case K_CLASS:
        return 0;
    case K_CALL: {
        size_t i = call_index(a, n);
        if (i != SIZE_MAX && (a->call_flags[i] & CALL_FLUSHES)) {
            return 1;
        }
        break;
    }
    default:
        break;
    }
    for (uint32_t c = a->nodes[n].first; c != NONE; c = a->nodes[c].next) {
        if (expr_flushes(a, c, depth + 1)) {
            return 1;
        }
    }
    return 0;
}

static int stmt_flushes(const analysis *a, uint32_t s, int depth);

/* An if statement flushes on every path when each branch does, or, with no else and no elif,
 * when its condition is a device check. */
/* NOLINTNEXTLINE(misc-no-recursion): depth <= MAX_DEPTH */
static int if_flushes(const analysis *a, uint32_t s, int depth)
{
    int has_else = 0;
    int has_elif = 0;
    for (uint32_t c = a->nodes[s].first; c != NONE; c = a->nodes[c].next) {
        if (a->nodes[c].field != F_ALTERNATIVE) {
            continue;
        }
        has_else |= a->nodes[c].kind == K_ELSE;
        has_elif |= a->nodes[c].kind == K_ELIF;
        if (!stmt_flushes(a, c, depth + 1)) {
            return 0;
        }
    }
    if (!has_else && (has_elif || !is_device_check(a, child_field(a, s, F_CONDITION)))) {
        return 0;
    }
    return stmt_flushes(a, child_field(a, s, F_CONSEQUENCE), depth + 1);
}

/* 1 if every path through statement (or block) s flushes the cache. An `if` counts when each
 * of its branches flushes, or, without an else, when its condition is a device check (a
 * device-dispatch helper: `if xpu: torch.xpu.empty_cache() elif ...: else:
 * torch.cuda.empty_cache()`). A for loop that does not train counts by its body (it runs at
 * least once); a while loop may run zero times; a try counts by its body or finally. */
/* NOLINTNEXTLINE(misc-no-recursion): depth <= MAX_DEPTH */
static int stmt_flushes(const analysis *a, uint32_t s, int depth)
{
    if (s == NONE || depth > MAX_DEPTH) {
        return 0;
    }
    switch (a->nodes[s].kind) {
    case K_BLOCK:
        for (uint32_t c = a->nodes[s].first; c != NONE; c = a->nodes[c].next) {
            if (a->nodes[c].named && stmt_flushes(a, c, depth + 1)) {
                return 1;
            }
        }
        return 0;
    case K_IF:
        return if_flushes(a, s, depth);
    case K_ELIF:
        return stmt_flushes(a, child_field(a, s, F_CONSEQUENCE), depth + 1);
    case K_ELSE:
    case K_WITH:
        return stmt_flushes(a, child_field(a, s, F_BODY), depth + 1);
    case K_FOR:
        /* a for loop that does not train runs its body at least once (its range, data or
         * batches are not empty): a flush on every path through the body runs on every call */
        return a->loop_trains[s] == LOOP_OTHER &&
               stmt_flushes(a, child_field(a, s, F_BODY), depth + 1);
    case K_TRY:
        if (stmt_flushes(a, child_field(a, s, F_BODY), depth + 1)) {
            return 1;
        }
        for (uint32_t c = a->nodes[s].first; c != NONE; c = a->nodes[c].next) {
            if (a->nodes[c].kind == K_FINALLY && stmt_flushes(a, named_child(a, c, 0), depth + 1)) {
                return 1;
            }
        }
        return 0;
    case K_EXPR_STMT:
    case K_ASSIGN:
    case K_AUG_ASSIGN:
    case K_RETURN:
        return expr_flushes(a, s, depth + 1);
    default:
        return 0;
    }
}

/* The file's call graph for the summaries below: what each call is (a training step, or a
 * call of a same-file def: its target), the calls of each def (CSR: callers[caller_start[k] ..
 * caller_start[k + 1]) for def k), and a worklist. */
typedef struct call_graph {
    const defn **targets;
    uint32_t *caller_start, *callers;
    uint32_t *work;
    size_t n_work;
} call_graph;

static void graph_build(analysis *a, call_graph *g)
{
    size_t nc = a->n_calls;
    /* NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers */
    g->targets = xmalloc((nc ? nc : 1) * sizeof *g->targets);
    g->caller_start = xcalloc(a->n_defs + 2, sizeof *g->caller_start);
    g->callers = xmalloc((nc ? nc : 1) * sizeof *g->callers);
    /* Calls into other project modules can only matter where the file shows a training call
     * (.backward(, a step( such as optimizer.step( or a train_step( helper) or a flush:
     * elsewhere no rule asks, and resolving them would cost every file that passes some
     * rule's prefilter ("backward compatibility" in a docstring) its imports' lookups. */
    int cross = a->opts && a->opts->project &&
                (memmem(a->src, a->len, ".backward(", 10) || memmem(a->src, a->len, "step(", 5) ||
                 memmem(a->src, a->len, "empty_cache", 11));
    a->call_flags = xrealloc(a->call_flags, nc ? nc : 1);
    a->call_refs = xrealloc(a->call_refs, (nc ? nc : 1) * sizeof *a->call_refs);
    for (size_t i = 0; i < nc; i++) {
        uint32_t c = a->calls[i];
        a->call_flags[i] = (uint8_t)(is_step_call(a, c) ? CALL_STEP : 0);
        memset(&a->call_refs[i], 0, sizeof a->call_refs[i]);
        g->targets[i] = a->call_flags[i] ? NULL : call_target(a, c);
        if (g->targets[i]) {
            g->caller_start[(size_t)(g->targets[i] - a->defs) + 2]++;
        } else if (!a->call_flags[i] && cross && call_project_target(a, c, &a->call_refs[i])) {
            const module_ref *r = &a->call_refs[i];
            if (module_fn_does(a, r->module, r->fn, MODULE_TRAINS)) {
                a->call_flags[i] |= CALL_STEP;
            } else if (module_fn_does(a, r->module, r->fn, MODULE_FLUSHES)) {
                a->call_flags[i] |= CALL_FLUSHES;
            }
        }
        if (flushes_cache(a, c)) {
            a->call_flags[i] |= CALL_FLUSHES;
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

/* 1 if a for loop sweeps over configurations: a literal list, tuple or set of constants
 * (`for tp in [2, 4]:`, `for flag in (False, True):`) or an ALL_CAPS name (`for n in SIZES:`,
 * `for n in self.TP_SIZES:`).
 * A test comparing a few set-ups runs one backward per set-up; that is no training loop. */
static int sweeps_configs(const analysis *a, uint32_t loop)
{
    uint32_t it = a->nodes[loop].kind == K_FOR ? child_field(a, loop, F_RIGHT) : NONE;
    if (it == NONE) {
        return 0;
    }
    uint8_t k = a->nodes[it].kind;
    if (k == K_ATTR) { /* self.TP_SIZES */
        it = child_field(a, it, F_ATTRIBUTE);
        k = it == NONE ? K_OTHER : a->nodes[it].kind;
    }
    if (k == K_IDENT) {
        size_t n;
        const char *t = ntext(a, it, &n);
        int upper = 0;
        for (size_t j = 0; j < n; j++) {
            if (t[j] >= 'a' && t[j] <= 'z') {
                return 0;
            }
            upper |= t[j] >= 'A' && t[j] <= 'Z';
        }
        return upper && n > 1;
    }
    if (k != K_LIST && k != K_TUPLE && k != K_SET) {
        return 0;
    }
    int any = 0;
    for (uint32_t x = a->nodes[it].first; x != NONE; x = a->nodes[x].next) {
        if (!a->nodes[x].named || a->nodes[x].kind == K_COMMENT) {
            continue;
        }
        uint8_t xk = a->nodes[x].kind;
        if (xk != K_INTEGER && xk != K_FLOAT && xk != K_STRING && xk != K_TRUE && xk != K_FALSE &&
            xk != K_NONE) {
            return 0;
        }
        any = 1;
    }
    return any;
}

/* Marks what call i's execution trains: its loop, or (outside loops) its function, which then
 * makes every call to that function train in turn. */
static void fire(analysis *a, call_graph *g, size_t i)
{
    uint32_t o = owner_of(a, a->calls[i]);
    if (a->nodes[o].kind == K_FOR || a->nodes[o].kind == K_WHILE) {
        if (!sweeps_configs(a, o)) {
            a->loop_trains[o] = LOOP_STEP;
        }
        return;
    }
    defn *d = def_at(a, o);
    if (!d || d->step_direct || d == g->targets[i]) {
        return;
    }
    d->step_direct = 1;
    push_callers(a, g, d);
}

/* Call i flushes the cache (directly or through a wrapper): its function, if every path
 * through it flushes and it does not train, becomes a wrapper, and its callers are pushed. */
static void wrap(analysis *a, call_graph *g, size_t i)
{
    uint32_t c = a->calls[i];
    a->call_flags[i] |= CALL_FLUSHES;
    uint32_t f = a->nodes[c].func;
    if (a->nodes[f].kind != K_FUNC) {
        return;
    }
    defn *d = def_at(a, f);
    if (!d || d->step_direct || d->cache_wrapper || d == g->targets[i] ||
        !stmt_flushes(a, child_field(a, f, F_BODY), 0)) {
        return;
    }
    d->cache_wrapper = 1;
    push_callers(a, g, d);
}

int call_flushes(const analysis *a, size_t i)
{
    return (a->call_flags[i] & CALL_FLUSHES) != 0;
}

void facts_build(analysis *a)
{
    size_t nc = a->n_calls;
    a->loop_trains = xrealloc(a->loop_trains, a->n_nodes ? a->n_nodes : 1);
    memset(a->loop_trains, 0, a->n_nodes ? a->n_nodes : 1);
    call_graph g;
    graph_build(a, &g);
    /* "Trains", to the true fixpoint: a call trains if it steps or calls a def that trains
     * outside any loop of its own (in this file or another project module). */
    for (size_t i = 0; i < nc; i++) {
        if (a->call_flags[i] & CALL_STEP) {
            g.work[g.n_work++] = (uint32_t)i;
        }
    }
    while (g.n_work > 0) {
        fire(a, &g, g.work[--g.n_work]);
    }
    classify_loops(a);
    for (size_t i = 0; i < nc; i++) {
        defn *t = (defn *)g.targets[i];
        if (t && enclosing_loop(a, a->calls[i]) != NONE) {
            t->called_in_loop = 1;
        }
    }
    /* "Flushes the cache": a def that calls empty_cache (or such a def) on every path and
     * does not train itself; the same worklist, now that "trains" is known. */
    for (size_t k = 0; k < a->n_defs; k++) {
        a->defs[k].cache_wrapper = 0;
    }
    for (size_t i = 0; i < nc; i++) {
        if (a->call_flags[i] & CALL_FLUSHES) {
            g.work[g.n_work++] = (uint32_t)i;
        }
    }
    while (g.n_work > 0) {
        wrap(a, &g, g.work[--g.n_work]);
    }
    graph_free(&g);
}

/* ---- DDP set-up, as code ---- */

/* The text of a plain string literal node (no f-string fields), without prefix and quotes. */
static int string_body(const analysis *a, uint32_t n, const char **out, size_t *out_len)
{
    if (n == NONE || a->nodes[n].kind != K_STRING) {
        return 0;
    }
    size_t len;
    const char *t = ntext(a, n, &len);
    size_t i = 0;
    while (i < len && t[i] != '"' && t[i] != '\'') {
        i++;
    }
    size_t q = 0;
    while (i + q < len && q < 3 && t[i + q] == t[i]) {
        q++;
    }
    q = q == 2 ? 1 : q; /* "" is an empty one-quote string */
    if (i + 2 * q > len) {
        return 0;
    }
    *out = t + i + q;
    *out_len = len - i - 2 * q;
    return 1;
}

/* A Lightning DDP strategy name given as a string value (strategy="ddp", {"strategy": ...}). */
static void strategy_value(const analysis *a, uint32_t value, lint_ddp *acc, uint32_t *line)
{
    const char *s;
    size_t n;
    if (!string_body(a, value, &s, &n) || !lint_ddp_strategy_name((const unsigned char *)s, n)) {
        return;
    }
    acc->n_other++;
    acc->find_unused |= n >= 27 && memcmp(s + n - 27, "find_unused_parameters_true", 27) == 0;
    if (*line == 0) {
        *line = point_of((analysis *)a, a->nodes[value].sb).row + 1;
    }
}

static int kwarg_true(const analysis *a, uint32_t call, const char *name)
{
    uint32_t v = call_kwarg(a, call, name);
    return v != NONE && a->nodes[v].kind == K_TRUE;
}

/* What one call contributes: DistributedDataParallel(...) and DDPStrategy(...) from torch or
 * Lightning, accelerate's Accelerator(...) (not with a DeepSpeed or FSDP plugin),
 * ._set_static_graph(), process spawning. Names are resolved, so an import alias (`as DDP`)
 * counts and a project's own class of the same name does not. */
static void ddp_call(const analysis *a, uint32_t c, lint_ddp *acc, int *accel_static, ddp_code *out)
{
    char q[256];
    uint32_t f = child_field(a, c, F_FUNCTION);
    if (f == NONE || !resolve_name(a, f, q, sizeof q) || strncmp(q, "<local>.", 8) == 0) {
        return;
    }
    const char *last = strrchr(q, '.');
    last = last ? last + 1 : q;
    int noted = 0;
    /* other libraries' DDP classes (apex, DeepSpeed's apex port, fairscale, Horovod) do not
     * run torch's reducer, whose hooks reentrant checkpointing trips */
    static const char *const foreign[] = {"apex.",      "deepscale.", "deepspeed.",
                                          "fairscale.", "horovod.",   NULL};
    for (int i = 0; foreign[i]; i++) {
        if (strncmp(q, foreign[i], strlen(foreign[i])) == 0) {
            return;
        }
    }
    if (strcmp(last, "DistributedDataParallel") == 0) {
        acc->n_ctor++;
        acc->n_static += (unsigned)kwarg_true(a, c, "static_graph");
        acc->find_unused |= kwarg_true(a, c, "find_unused_parameters");
        noted = 1;
    } else if (strcmp(last, "DDPStrategy") == 0) {
        acc->n_other++;
        acc->find_unused |= kwarg_true(a, c, "find_unused_parameters");
        noted = 1;
    } else if (strcmp(last, "Accelerator") == 0 &&
               (strncmp(q, "accelerate", 10) == 0 || q == last) &&
               call_kwarg(a, c, "deepspeed_plugin") == NONE &&
               call_kwarg(a, c, "fsdp_plugin") == NONE) {
        acc->n_other++;
        out->accelerators++;
        noted = 1;
    } else if (strcmp(last, "DistributedDataParallelKwargs") == 0) {
        *accel_static |= kwarg_true(a, c, "static_graph");
    } else if (strcmp(last, "_set_static_graph") == 0) {
        acc->set_static = 1;
    } else if ((strcmp(last, "spawn") == 0 && strstr(q, "multiprocessing")) ||
               strcmp(last, "start_processes") == 0) {
        out->spawns = 1;
    }
    if (noted && out->line == 0) {
        out->line = point_of((analysis *)a, a->nodes[c].sb).row + 1;
    }
    strategy_value(a, call_kwarg(a, c, "strategy"), acc, &out->line);
}

int vendored_hf_trainer(const analysis *a, const defn *d)
{
    const node *c = &a->nodes[d->node];
    return d->is_class && d->name_len >= 7 &&
           memcmp(d->name + d->name_len - 7, "Trainer", 7) == 0 &&
           has_bytes(a->src + c->sb, c->eb - c->sb, "compute_metrics") &&
           has_bytes(a->src + c->sb, c->eb - c->sb, "eval_accumulation_steps");
}

/* Is byte position at inside a vendored copy of a library trainer (its DDP wrapping runs only
 * when the library's own launch conditions hold, and proves nothing about the project)? */
static int in_vendored_trainer(const analysis *a, uint32_t at)
{
    for (size_t k = 0; k < a->n_defs; k++) {
        const defn *d = &a->defs[k];
        if (d->is_class && a->nodes[d->node].sb <= at && at < a->nodes[d->node].eb &&
            vendored_hf_trainer(a, d)) {
            return 1;
        }
    }
    return 0;
}

void ddp_code_facts(const analysis *a, lint_ddp *acc, ddp_code *out)
{
    memset(out, 0, sizeof *out);
    int accel_static = 0;
    int vendored = has_bytes(a->src, a->len, "eval_accumulation_steps");
    for (size_t i = 0; i < a->n_calls; i++) {
        if (vendored && in_vendored_trainer(a, a->nodes[a->calls[i]].sb)) {
            continue;
        }
        ddp_call(a, a->calls[i], acc, &accel_static, out);
    }
    for (uint32_t n = 0; n < a->n_nodes; n++) {
        if (a->nodes[n].kind == K_PAIR) {
            const char *k;
            size_t kl;
            if (string_body(a, child_field(a, n, F_KEY), &k, &kl) && kl == 8 &&
                memcmp(k, "strategy", 8) == 0) {
                strategy_value(a, child_field(a, n, F_VALUE), acc, &out->line);
            }
        }
    }
    if (accel_static && out->accelerators) {
        /* Accelerate told to build DDP with static_graph=True: a mitigated construction */
        acc->n_other -= out->accelerators;
        acc->n_ctor += out->accelerators;
        acc->n_static += out->accelerators;
    }
    acc->ddp |= acc->n_ctor > 0 || acc->n_other > 0;
    lint_ddp_settle(acc);
}

/* ---- Devices and processes ---- */

int call_is(const analysis *a, uint32_t call, const char *qual)
{
    char q[256];
    uint32_t f = child_field(a, call, F_FUNCTION);
    return f != NONE && resolve_name(a, f, q, sizeof q) && strcmp(q, qual) == 0;
}

/* 1 if n is the string "cuda" or "cuda:0": the default device, GPU 0 in every process. */
static int default_cuda_string(const analysis *a, uint32_t n)
{
    const char *s;
    size_t len;
    return string_body(a, n, &s, &len) &&
           ((len == 4 && memcmp(s, "cuda", 4) == 0) || (len == 6 && memcmp(s, "cuda:0", 6) == 0));
}

/* 1 if the call puts something on the default CUDA device: x.cuda() with no argument,
 * torch.device("cuda"), x.to("cuda"), any device="cuda" keyword ("cuda:0" alike). */
static int uses_default_cuda(const analysis *a, uint32_t c)
{
    size_t len;
    const char *last = callee_last(a, c, &len);
    uint32_t args = child_field(a, c, F_ARGUMENTS);
    if (last && len == 4 && memcmp(last, "cuda", 4) == 0 &&
        a->nodes[child_field(a, c, F_FUNCTION)].kind == K_ATTR && args != NONE &&
        named_child(a, args, 0) == NONE) {
        return 1;
    }
    if (last && len == 2 && memcmp(last, "to", 2) == 0 &&
        default_cuda_string(a, call_positional(a, c, 0))) {
        return 1;
    }
    if (call_is(a, c, "torch.device") && default_cuda_string(a, call_positional(a, c, 0)) &&
        call_positional(a, c, 1) == NONE && call_kwarg(a, c, "index") == NONE) {
        return 1; /* torch.device("cuda", local_rank) names the rank's GPU */
    }
    return default_cuda_string(a, call_kwarg(a, c, "device"));
}

/* 1 if the call does CUDA work on the process's current device without naming one, GPU 0
 * until set_device: a DataLoader's pin_memory=True (its pinning thread binds to the current
 * device), x.pin_memory(), torch.cuda.synchronize() with no device. */
static int uses_current_cuda(const analysis *a, uint32_t c)
{
    size_t len;
    const char *last = callee_last(a, c, &len);
    uint32_t pin = call_kwarg(a, c, "pin_memory");
    uint32_t args = child_field(a, c, F_ARGUMENTS);
    int no_args = args != NONE && named_child(a, args, 0) == NONE;
    if (pin != NONE && a->nodes[pin].kind == K_TRUE) {
        return 1;
    }
    if (last && len == 10 && memcmp(last, "pin_memory", 10) == 0 && no_args &&
        a->nodes[child_field(a, c, F_FUNCTION)].kind == K_ATTR) {
        return 1;
    }
    return call_is(a, c, "torch.cuda.synchronize") && no_args;
}

/* 1 if the call puts something on a GPU, whichever: a default-device use, x.cuda(i),
 * torch.device("cuda", i) or torch.device(i), DDP(..., device_ids=...). */
static int uses_any_cuda(const analysis *a, uint32_t c)
{
    size_t len;
    const char *last = callee_last(a, c, &len);
    if (uses_default_cuda(a, c) || uses_current_cuda(a, c) ||
        call_kwarg(a, c, "device_ids") != NONE) {
        return 1;
    }
    if (last && len == 4 && memcmp(last, "cuda", 4) == 0 &&
        a->nodes[child_field(a, c, F_FUNCTION)].kind == K_ATTR) {
        return 1;
    }
    if (!call_is(a, c, "torch.device")) {
        return 0;
    }
    uint32_t d = call_positional(a, c, 0);
    const char *s;
    size_t sl;
    if (d == NONE) {
        return 0;
    }
    if (string_body(a, d, &s, &sl)) {
        return sl >= 4 && memcmp(s, "cuda", 4) == 0;
    }
    /* torch.device(rank): an index names a CUDA device; another variable may hold "cpu" */
    const char *t = a->nodes[d].kind == K_IDENT ? ntext(a, d, &sl) : NULL;
    return a->nodes[d].kind == K_INTEGER || (t && memmem(t, sl, "rank", 4) != NULL);
}

/* The first os.environ["CUDA_VISIBLE_DEVICES"] = ... (set per process, every rank then sees
 * its own GPU as 0), or NONE; a read of the variable binds nothing. */
static uint32_t visible_devices_key(const analysis *a)
{
    for (uint32_t n = 0; n < a->n_nodes; n++) {
        const char *s;
        size_t sl;
        if (a->nodes[n].kind == K_STRING && a->nodes[n].field == F_SUBSCRIPT &&
            string_body(a, n, &s, &sl) && sl == 20 && memcmp(s, "CUDA_VISIBLE_DEVICES", 20) == 0 &&
            a->nodes[n].parent != NONE && a->nodes[a->nodes[n].parent].field == F_LEFT) {
            return n;
        }
    }
    return NONE;
}

/* 1 if c is obj.set_device(...) on an object of the program (a variable or parameter: a
 * model's own method that moves it, generator.set_device(device)), not a device module's
 * (torch.cuda, torch.npu, get_accelerator(), an accelerator object). */
static int object_set_device(const analysis *a, uint32_t c)
{
    uint32_t f = child_field(a, c, F_FUNCTION);
    uint32_t obj = f == NONE || a->nodes[f].kind != K_ATTR ? NONE : child_field(a, f, F_OBJECT);
    if (obj == NONE || a->nodes[obj].kind != K_IDENT) {
        return 0;
    }
    const binding *b = resolve_binding(a, obj);
    size_t len;
    const char *name = ntext(a, obj, &len);
    return b && (b->kind == BIND_VALUE || b->kind == BIND_PARAM) && name &&
           !memmem(name, len, "accel", 5) && !memmem(name, len, "device", 6);
}

void dist_facts_build(const analysis *a, dist_facts *out)
{
    out->init_pg = out->binds_device = out->spawn = NONE;
    out->init_gloo = 0;
    for (size_t i = 0; i < a->n_calls; i++) {
        uint32_t c = a->calls[i];
        size_t len;
        const char *last = callee_last(a, c, &len);
        if (!last) {
            continue;
        }
        if (out->init_pg == NONE && call_is(a, c, "torch.distributed.init_process_group")) {
            out->init_pg = c;
            uint32_t be = call_kwarg(a, c, "backend");
            const char *s;
            size_t sl;
            be = be == NONE ? call_positional(a, c, 0) : be;
            out->init_gloo = string_body(a, be, &s, &sl) && sl == 4 && memcmp(s, "gloo", 4) == 0;
            if (call_kwarg(a, c, "device_id") != NONE && out->binds_device == NONE) {
                out->binds_device = c;
            }
        } else if (out->binds_device == NONE &&
                   ((len == 10 && memcmp(last, "set_device", 10) == 0 &&
                     !object_set_device(a, c)) ||
                    call_is(a, c, "torch.accelerator.set_device_index") ||
                    call_is(a, c, "torch.accelerator.set_device_idx") ||
                    call_is(a, c, "torch.cuda.device") ||
                    call_is(a, c, "torch.set_default_device"))) {
            out->binds_device = c;
        } else if (out->spawn == NONE && (call_is(a, c, "torch.multiprocessing.spawn") ||
                                          call_is(a, c, "torch.multiprocessing.start_processes"))) {
            out->spawn = c;
        }
    }
    if (out->binds_device == NONE) {
        out->binds_device = visible_devices_key(a);
    }
}

uint32_t default_cuda_in(const analysis *a, uint32_t func)
{
    for (size_t i = 0; i < a->n_calls; i++) {
        if (a->nodes[a->calls[i]].func == func && uses_default_cuda(a, a->calls[i])) {
            return a->calls[i];
        }
    }
    return NONE;
}

uint32_t current_cuda_in(const analysis *a, uint32_t func, int any_gpu)
{
    for (size_t i = 0; i < a->n_calls; i++) {
        uint32_t c = a->calls[i];
        if ((func == NONE || a->nodes[c].func == func) &&
            (any_gpu ? uses_any_cuda(a, c) : uses_current_cuda(a, c))) {
            return c;
        }
    }
    return NONE;
}

int func_named_elsewhere(const analysis *a, uint32_t func)
{
    size_t len;
    const char *name = func_name(a, func, &len);
    if (!name) {
        return a->nodes[func].kind == K_MODULE;
    }
    uint32_t own = child_field(a, func, F_NAME);
    for (uint32_t n = 0; n < a->n_nodes; n++) {
        size_t nl;
        const char *t;
        if (n != own && a->nodes[n].kind == K_IDENT && (t = ntext(a, n, &nl)) && nl == len &&
            memcmp(t, name, len) == 0) {
            return 1;
        }
    }
    return 0;
}

int analysis_is_test(analysis *a)
{
    const char *rel = NULL;
    if (analysis_project(a)) {
        size_t n = a->root ? strlen(a->root) : 0;
        rel = n && strncmp(a->path, a->root, n) == 0 && a->path[n] == '/' ? a->path + n + 1 : NULL;
    }
    if (!rel && a->opts && a->opts->path) {
        /* no project: only the file's own name says it is a test */
        rel = strrchr(a->opts->path, '/');
        rel = rel ? rel + 1 : a->opts->path;
    }
    return rel && project_test_path(rel);
}

void project_ddp_fact(const analysis *a, lint_ddp *out)
{
    lint_ddp *ddp = out;
    memset(ddp, 0, sizeof *ddp);
    if (a->opts && a->opts->ddp) {
        *ddp = *a->opts->ddp;
        return;
    }
    if (a->opts && a->opts->ddp_fn) {
        a->opts->ddp_fn(a->opts->ddp_ud, ddp);
    }
    lint_ddp own;
    memset(&own, 0, sizeof own);
    ddp_code dc;
    ddp_code_facts(a, &own, &dc);
    if (!own.ddp) {
        return;
    }
    if (!ddp->ddp) {
        snprintf(ddp->where, sizeof ddp->where, "this file:%u", dc.line);
    }
    ddp->ddp = 1;
    ddp->n_ctor += own.n_ctor;
    ddp->n_static += own.n_static;
    ddp->n_other += own.n_other;
    ddp->find_unused |= own.find_unused;
    ddp->set_static |= own.set_static;
    lint_ddp_settle(ddp);
}

int multi_process(const analysis *a, const dist_facts *d, char *where, size_t cap)
{
    uint32_t own = d->init_pg != NONE ? d->init_pg : d->spawn;
    if (own != NONE) {
        snprintf(where, cap, "this file:%u", point_of((analysis *)a, a->nodes[own].sb).row + 1);
        return 1;
    }
    lint_ddp ddp;
    memset(&ddp, 0, sizeof ddp);
    ddp_code dc;
    ddp_code_facts(a, &ddp, &dc);
    if (ddp.ddp) {
        snprintf(where, cap, "this file:%u", dc.line);
    }
    return ddp.ddp;
}

/* ---- Values carried across loop iterations ---- */

/* 1 if the target list t (an identifier, or a tuple / list pattern, nested) binds name. */
/* NOLINTNEXTLINE(misc-no-recursion): depth <= MAX_DEPTH */
static int target_binds(const analysis *a, uint32_t t, const char *name, size_t len, int depth)
{
    if (t == NONE || depth > MAX_DEPTH) {
        return 0;
    }
    if (a->nodes[t].kind == K_IDENT) {
        size_t n;
        const char *s = ntext(a, t, &n);
        return n == len && memcmp(s, name, n) == 0;
    }
    if (a->nodes[t].kind == K_ATTR || a->nodes[t].kind == K_SUBSCRIPT ||
        a->nodes[t].kind == K_CALL) {
        return 0; /* binds no name (as semantic.c's bind_target) */
    }
    for (uint32_t c = a->nodes[t].first; c != NONE; c = a->nodes[c].next) {
        if (a->nodes[c].named && target_binds(a, c, name, len, depth + 1)) {
            return 1;
        }
    }
    return 0;
}

/* 1 if name has a binding inside loop other than at the target list target, or the loop
 * calls name.detach_() (or on an element, name[0].detach_()): the state is re-made or cut
 * every iteration. */
static int rebound_in_loop(const analysis *a, uint32_t loop, uint32_t target, const char *name,
                           size_t len)
{
    for (size_t i = 0; i < a->n_binds; i++) {
        const binding *b = &a->binds[i];
        if (b->name_len == len && memcmp(b->name, name, len) == 0 &&
            is_ancestor(a, loop, b->site) && !is_ancestor(a, target, b->site)) {
            return 1;
        }
    }
    for (size_t i = 0; i < a->n_calls; i++) {
        uint32_t c = a->calls[i];
        uint32_t f = child_field(a, c, F_FUNCTION);
        size_t n;
        const char *last = is_ancestor(a, loop, c) ? callee_last(a, c, &n) : NULL;
        if (!last || a->nodes[f].kind != K_ATTR || n < 6 || memcmp(last, "detach", 6) != 0) {
            continue;
        }
        size_t ol;
        const char *obj = ntext(a, child_field(a, f, F_OBJECT), &ol);
        if (ol >= len && memcmp(obj, name, len) == 0 &&
            (ol == len || obj[len] == '[' || obj[len] == '.')) {
            return 1; /* h.detach_(), hidden[0].detach_() */
        }
    }
    return 0;
}

/* The identifier argument of call (directly, or inside a tuple argument) that the statement
 * `targets = call(...)` rebinds, or NONE. */
static uint32_t fed_back_arg(const analysis *a, uint32_t call, uint32_t targets)
{
    uint32_t args = child_field(a, call, F_ARGUMENTS);
    for (uint32_t x = args == NONE ? NONE : a->nodes[args].first; x != NONE; x = a->nodes[x].next) {
        uint32_t v = a->nodes[x].kind == K_KWARG ? child_field(a, x, F_VALUE) : x;
        uint32_t first = v != NONE && a->nodes[v].kind == K_TUPLE ? a->nodes[v].first : v;
        for (uint32_t e = first; e != NONE;
             e = v != NONE && a->nodes[v].kind == K_TUPLE ? a->nodes[e].next : NONE) {
            size_t n;
            const char *s = a->nodes[e].kind == K_IDENT ? ntext(a, e, &n) : NULL;
            if (s && target_binds(a, targets, s, n, 0)) {
                return e;
            }
        }
    }
    return NONE;
}

uint32_t loop_carried_arg(const analysis *a, uint32_t call, uint32_t loop)
{
    uint32_t st = a->nodes[call].parent;
    if (st == NONE || a->nodes[st].kind != K_ASSIGN || child_field(a, st, F_RIGHT) != call) {
        return NONE;
    }
    uint32_t targets = child_field(a, st, F_LEFT);
    uint32_t arg = fed_back_arg(a, call, targets);
    if (arg == NONE) {
        return NONE;
    }
    /* bound before the loop in the same scope (the state's initial value; the statement's
     * own target is not it: Python evaluates the call first), never re-made or cut inside it */
    size_t n;
    const char *name = ntext(a, arg, &n);
    uint32_t scope = scope_of(a, arg);
    const binding *init = NULL;
    for (size_t i = 0; i < a->n_binds; i++) {
        const binding *b = &a->binds[i];
        if (b->name_len == n && memcmp(b->name, name, n) == 0 && b->scope == scope &&
            a->nodes[b->site].sb < a->nodes[loop].sb) {
            init = b; /* source order: the last one before the loop */
        }
    }
    if (!init || init->kind != BIND_VALUE || rebound_in_loop(a, loop, targets, name, n)) {
        return NONE;
    }
    return arg;
}

/* 1 if the subscript s slices by the name v[0..vn): brackets holding a ':' and the name. */
static int slices_by(const analysis *a, uint32_t s, const char *v, size_t vn)
{
    uint32_t sub = a->nodes[s].kind == K_SUBSCRIPT ? child_field(a, s, F_SUBSCRIPT) : NONE;
    size_t sn;
    const char *st = sub == NONE ? NULL : ntext(a, sub, &sn);
    if (!st || !memchr(st, ':', sn)) {
        return 0;
    }
    for (uint32_t d = sub; d < a->n_nodes && a->nodes[d].sb < a->nodes[sub].eb; d++) {
        size_t dn;
        const char *dt = a->nodes[d].kind == K_IDENT ? ntext(a, d, &dn) : NULL;
        if (dt && dn == vn && memcmp(dt, v, vn) == 0) {
            return 1;
        }
    }
    return 0;
}

int loop_over_slices(const analysis *a, uint32_t l)
{
    uint32_t var = a->nodes[l].kind == K_FOR ? child_field(a, l, F_LEFT) : NONE;
    uint32_t it = a->nodes[l].kind == K_FOR ? child_field(a, l, F_RIGHT) : NONE;
    uint32_t body = a->nodes[l].kind == K_FOR ? child_field(a, l, F_BODY) : NONE;
    size_t rn;
    const char *r = it != NONE && a->nodes[it].kind == K_CALL ? callee_last(a, it, &rn) : NULL;
    if (var == NONE || body == NONE || a->nodes[var].kind != K_IDENT || !r || rn != 5 ||
        memcmp(r, "range", 5) != 0) {
        return 0;
    }
    size_t vn;
    const char *v = ntext(a, var, &vn);
    /* a subscript whose brackets hold a slice naming the loop variable: x[i : i + b],
     * x[i * b : (i + 1) * b] */
    for (uint32_t s = body; s < a->n_nodes && a->nodes[s].sb < a->nodes[body].eb; s++) {
        if (slices_by(a, s, v, vn)) {
            return 1;
        }
    }
    return 0;
}

uint32_t unpacked_from(const analysis *a, const binding *b)
{
    if (!b || b->kind != BIND_VALUE || b->value != NONE || b->site == NONE) {
        return NONE;
    }
    uint32_t pat = a->nodes[b->site].parent;
    if (pat == NONE || (a->nodes[pat].kind != K_PATTERN_LIST && a->nodes[pat].kind != K_TUPLE)) {
        return NONE;
    }
    uint32_t st = a->nodes[pat].parent;
    if (st == NONE || a->nodes[st].kind != K_ASSIGN || child_field(a, st, F_LEFT) != pat) {
        return NONE;
    }
    uint32_t v = child_field(a, st, F_RIGHT);
    /* a, b = x, y pairs the names with the items: not one value's fields */
    return v != NONE && a->nodes[v].kind != K_TUPLE && a->nodes[v].kind != K_EXPR_LIST &&
                   a->nodes[v].kind != K_LIST
               ? v
               : NONE;
}

/* 1 if the binding's statement runs only on some paths to use: between its site and the
 * nearest ancestor that also holds use lies a branch, loop body or handler. */
static int bound_conditionally(const analysis *a, const binding *b, uint32_t use)
{
    for (uint32_t n = a->nodes[b->site].parent; n != NONE && !is_ancestor(a, n, use);
         n = a->nodes[n].parent) {
        switch (a->nodes[n].kind) {
        case K_IF:
        case K_ELIF:
        case K_ELSE:
        case K_FOR:
        case K_WHILE:
        case K_TRY:
        case K_EXCEPT:
            return 1;
        default:
            break;
        }
    }
    return 0;
}

const binding *earlier_reaching_binding(const analysis *a, const binding *b, uint32_t use)
{
    if (!b || b->site == NONE || !bound_conditionally(a, b, use)) {
        return NULL;
    }
    const binding *prev = NULL;
    for (size_t i = 0; i < a->n_binds; i++) {
        const binding *c = &a->binds[i];
        if (c->scope == b->scope && c->name_len == b->name_len &&
            memcmp(c->name, b->name, b->name_len) == 0 &&
            a->nodes[c->site].sb < a->nodes[b->site].sb &&
            (!prev || a->nodes[c->site].sb > a->nodes[prev->site].sb)) {
            prev = c;
        }
    }
    return prev;
}
