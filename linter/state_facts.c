/* Recurrent state kept on a module: a class whose method stores a call's output back in a self
 * attribute it fed to that call (`out, self.hidden = self.lstm(x, self.hidden)`, `_, self.weight
 * = self.gru(self.weight, self.weight)`) carries that state from one call to the next. Whether
 * a training loop then chains every step's graph to the previous one is the rules' question;
 * the facts here are what a class does (its own methods, its superclasses, the submodules its
 * methods build) and whether a loop resets what an instance holds. */
#include <string.h>

#include "linter/lint_int.h"

/* Classes followed through superclasses and submodules. */
#define MAX_STATE_DEPTH 6

/* The class node a method's function node belongs to (directly, or through a decorator), or
 * NONE. */
static uint32_t method_class(const analysis *a, uint32_t func)
{
    if (func == NONE || a->nodes[func].kind != K_FUNC) {
        return NONE;
    }
    uint32_t p = a->nodes[func].parent;
    if (p != NONE && a->nodes[p].kind == K_DECORATED) {
        p = a->nodes[p].parent;
    }
    if (p != NONE && a->nodes[p].kind == K_BLOCK) {
        p = a->nodes[p].parent;
    }
    return p != NONE && a->nodes[p].kind == K_CLASS ? p : NONE;
}

/* 1 if n is `self.<name>` (an attribute of the identifier self). */
static int self_attr(const analysis *a, uint32_t n)
{
    return n != NONE && a->nodes[n].kind == K_ATTR &&
           ntext_is(a, child_field(a, n, F_OBJECT), "self") &&
           child_field(a, n, F_ATTRIBUTE) != NONE;
}

/* 1 if the text of attribute node n equals s[0..len). */
static int same_text(const analysis *a, uint32_t n, const char *s, size_t len)
{
    size_t l;
    const char *t = ntext(a, n, &l);
    return l == len && memcmp(t, s, len) == 0;
}

/* 1 if the argument list args holds the attribute attr's text (self.X) as an argument, an
 * element of a tuple argument or a keyword value. */
static int args_hold_attr(const analysis *a, uint32_t args, uint32_t attr)
{
    size_t len;
    const char *s = ntext(a, attr, &len);
    for (uint32_t x = a->nodes[args].first; x != NONE; x = a->nodes[x].next) {
        uint32_t v = a->nodes[x].kind == K_KWARG ? child_field(a, x, F_VALUE) : x;
        int tuple = v != NONE && a->nodes[v].kind == K_TUPLE;
        for (uint32_t e = tuple ? a->nodes[v].first : v; e != NONE;
             e = tuple ? a->nodes[e].next : NONE) {
            if (self_attr(a, e) && same_text(a, e, s, len)) {
                return 1;
            }
        }
    }
    return 0;
}

/* The `self.X` inside the target list t (an attribute, or a tuple / list pattern holding
 * them, nested) that the call's arguments also hold (directly, in a tuple, or as a keyword value),
 * or NONE. */
/* NOLINTNEXTLINE(misc-no-recursion): depth <= MAX_DEPTH */
static uint32_t fed_back_attr(const analysis *a, uint32_t t, uint32_t args, int depth)
{
    if (t == NONE || depth > MAX_DEPTH) {
        return NONE;
    }
    if (self_attr(a, t)) {
        return args_hold_attr(a, args, t) ? t : NONE;
    }
    if (a->nodes[t].kind == K_ATTR || a->nodes[t].kind == K_SUBSCRIPT ||
        a->nodes[t].kind == K_CALL) {
        return NONE; /* a target that is no list of targets */
    }
    for (uint32_t c = a->nodes[t].first; c != NONE; c = a->nodes[c].next) {
        uint32_t hit = a->nodes[c].named ? fed_back_attr(a, c, args, depth + 1) : NONE;
        if (hit != NONE) {
            return hit;
        }
    }
    return NONE;
}

/* 1 if the target list t binds the attribute text s[0..len) (self.X). */
/* NOLINTNEXTLINE(misc-no-recursion): depth <= MAX_DEPTH */
static int target_sets(const analysis *a, uint32_t t, const char *s, size_t len, int depth)
{
    if (t == NONE || depth > MAX_DEPTH) {
        return 0;
    }
    if (a->nodes[t].kind == K_ATTR) {
        return same_text(a, t, s, len);
    }
    if (a->nodes[t].kind == K_SUBSCRIPT || a->nodes[t].kind == K_CALL) {
        return 0;
    }
    for (uint32_t c = a->nodes[t].first; c != NONE; c = a->nodes[c].next) {
        if (a->nodes[c].named && target_sets(a, c, s, len, depth + 1)) {
            return 1;
        }
    }
    return 0;
}

/* 1 if node n sits under an if / elif / else of function func (a lazy initialisation). */
static int conditional_in(const analysis *a, uint32_t n, uint32_t func)
{
    for (uint32_t p = a->nodes[n].parent; p != NONE && p != func; p = a->nodes[p].parent) {
        uint8_t k = a->nodes[p].kind;
        if (k == K_IF || k == K_ELIF || k == K_ELSE) {
            return 1;
        }
    }
    return 0;
}

/* 1 if the text of n holds a cut from the graph: detach / .data. */
static int cuts_graph(const analysis *a, uint32_t n)
{
    size_t l;
    const char *t = ntext(a, n, &l);
    return has_bytes(t, l, "detach") || has_bytes(t, l, ".data");
}

/* 1 if method func cuts or re-makes self.X (text s) on every call, apart from the carrying
 * statement st: another assignment to it that detaches (or takes .data), or one outside any
 * if (re-made every call), or a self.X.detach_() call. */
static int method_cuts(const analysis *a, uint32_t func, uint32_t st, const char *s, size_t len)
{
    for (uint32_t i = func + 1; i < a->n_nodes && a->nodes[i].sb < a->nodes[func].eb; i++) {
        const node *nd = &a->nodes[i];
        if (nd->func != func) {
            continue;
        }
        if (nd->kind == K_ASSIGN && i != st &&
            target_sets(a, child_field(a, i, F_LEFT), s, len, 0)) {
            uint32_t r = child_field(a, i, F_RIGHT);
            if ((r != NONE && cuts_graph(a, r)) || !conditional_in(a, i, func)) {
                return 1;
            }
        }
        if (nd->kind == K_CALL) {
            size_t n;
            const char *last = callee_last(a, i, &n);
            uint32_t f = child_field(a, i, F_FUNCTION);
            if (last && n >= 6 && memcmp(last, "detach", 6) == 0 && a->nodes[f].kind == K_ATTR) {
                size_t ol;
                const char *obj = ntext(a, child_field(a, f, F_OBJECT), &ol);
                if (ol >= len && memcmp(obj, s, len) == 0) {
                    return 1; /* self.hidden.detach_(), self.hidden[0].detach_() */
                }
            }
        }
    }
    return 0;
}

int class_keeps_state(const analysis *a, uint32_t cls)
{
    for (size_t i = 0; i < a->n_calls; i++) {
        uint32_t c = a->calls[i];
        uint32_t func = a->nodes[c].func;
        uint32_t st = a->nodes[c].parent;
        if (method_class(a, func) != cls || st == NONE || a->nodes[st].kind != K_ASSIGN ||
            child_field(a, st, F_RIGHT) != c) {
            continue;
        }
        /* the recurrent call's shape: an output and the state (`out, self.h = rnn(x, self.h)`),
         * not `self.x = f(self.x)` (a value rewritten in place: set(...), nn.Parameter(...)) */
        uint32_t left = child_field(a, st, F_LEFT);
        uint32_t args = child_field(a, c, F_ARGUMENTS);
        uint32_t attr = args == NONE || left == NONE || a->nodes[left].kind == K_ATTR
                            ? NONE
                            : fed_back_attr(a, left, args, 0);
        if (attr == NONE) {
            continue;
        }
        size_t len;
        const char *s = ntext(a, attr, &len);
        if (!method_cuts(a, func, st, s, len)) {
            return 1;
        }
    }
    return 0;
}

void class_state_parts(const analysis *a, uint32_t cls, state_part_fn *fn, void *ctx)
{
    /* superclasses */
    uint32_t sup = child_field(a, cls, F_SUPERCLASSES);
    for (uint32_t s = sup == NONE ? NONE : a->nodes[sup].first; s != NONE; s = a->nodes[s].next) {
        if (a->nodes[s].named && a->nodes[s].kind != K_KWARG) {
            fn(a, s, ctx);
        }
    }
    /* submodules: self.Y = Cls(...) in a method */
    for (size_t i = 0; i < a->n_calls; i++) {
        uint32_t c = a->calls[i];
        uint32_t st = a->nodes[c].parent;
        if (method_class(a, a->nodes[c].func) == cls && st != NONE &&
            a->nodes[st].kind == K_ASSIGN && child_field(a, st, F_RIGHT) == c &&
            self_attr(a, child_field(a, st, F_LEFT))) {
            fn(a, child_field(a, c, F_FUNCTION), ctx);
        }
    }
}

typedef struct state_search {
    analysis *a;
    int depth;
    int found;
} state_search;

static int class_ref_keeps_state(analysis *a, uint32_t ref, int depth);

static void part_keeps_state(const analysis *a, uint32_t ref, void *ctx)
{
    (void)a;
    state_search *s = ctx;
    if (!s->found) {
        s->found = class_ref_keeps_state(s->a, ref, s->depth + 1);
    }
}

/* 1 if the class that ref (a name or dotted chain: a call's callee, a superclass) names keeps a
 * state: a class of this file by its facts (with its superclasses and submodules), another
 * project module's class by that module's summary. */
/* NOLINTNEXTLINE(misc-no-recursion): depth <= MAX_STATE_DEPTH */
static int class_ref_keeps_state(analysis *a, uint32_t ref, int depth)
{
    char q[512];
    if (ref == NONE || depth > MAX_STATE_DEPTH || !resolve_name(a, ref, q, sizeof q)) {
        return 0;
    }
    if (strncmp(q, "<local>.", 8) == 0) {
        const defn *d = find_def(a, q + 8, strlen(q + 8), 1);
        if (!d || !d->is_class) {
            return 0;
        }
        if (class_keeps_state(a, d->node)) {
            return 1;
        }
        state_search s = {a, depth, 0};
        class_state_parts(a, d->node, part_keeps_state, &s);
        return s.found;
    }
    uint32_t root = chain_root(a, ref);
    const binding *b = root == NONE ? NULL : resolve_binding(a, root);
    module_ref r;
    return b && b->kind == BIND_IMPORT && module_resolve(a, q, &r) && r.fn &&
           (r.fn->flags & MODULE_CLASS) && module_fn_does(a, r.module, r.fn, MODULE_KEEPS_STATE);
}

/* 1 if call is `x.to(...)`, `x.cuda()` and the like: a method that returns the module itself. */
static uint32_t same_instance_of(const analysis *a, uint32_t call)
{
    static const char *const same[] = {"to",   "cuda",   "cpu",   "float",
                                       "half", "double", "train", NULL};
    uint32_t f = child_field(a, call, F_FUNCTION);
    if (f == NONE || a->nodes[f].kind != K_ATTR) {
        return NONE;
    }
    uint32_t obj = child_field(a, f, F_OBJECT);
    size_t n;
    const char *last = callee_last(a, call, &n);
    for (int i = 0; last && same[i] && obj != NONE && a->nodes[obj].kind == K_IDENT; i++) {
        if (strlen(same[i]) == n && memcmp(last, same[i], n) == 0) {
            return obj;
        }
    }
    return NONE;
}

/* The binding of the same name in the same scope just before b (source order), or NULL:
 * what `model` is on the right of `model = model.to(device)`. */
static const binding *prior_binding(const analysis *a, const binding *b)
{
    const binding *best = NULL;
    for (size_t i = 0; i < a->n_binds; i++) {
        const binding *o = &a->binds[i];
        if (o != b && o->scope == b->scope && o->name_len == b->name_len &&
            memcmp(o->name, b->name, b->name_len) == 0 &&
            a->nodes[o->site].sb < a->nodes[b->site].sb &&
            (!best || a->nodes[o->site].sb > a->nodes[best->site].sb)) {
            best = o;
        }
    }
    return best;
}

/* instance_keeps_state for the binding b, depth levels deep: the instance's class, or a module
 * it was built from (an instance passed to its constructor: Generator(rnn, head)). */
/* NOLINTNEXTLINE(misc-no-recursion): depth <= MAX_STATE_DEPTH */
static int instance_state(analysis *a, const binding *b, int depth)
{
    if (!b || depth > MAX_STATE_DEPTH || b->kind != BIND_VALUE || b->value == NONE ||
        a->nodes[b->value].kind != K_CALL) {
        return 0;
    }
    uint32_t same = same_instance_of(a, b->value);
    if (same != NONE) {
        const binding *o = resolve_binding(a, same);
        return instance_state(a, o == b ? prior_binding(a, b) : o, depth + 1);
    }
    if (class_ref_keeps_state(a, child_field(a, b->value, F_FUNCTION), 0)) {
        return 1;
    }
    uint32_t args = child_field(a, b->value, F_ARGUMENTS);
    for (uint32_t x = args == NONE ? NONE : a->nodes[args].first; x != NONE; x = a->nodes[x].next) {
        uint32_t v = a->nodes[x].kind == K_KWARG ? child_field(a, x, F_VALUE) : x;
        const binding *o = v != NONE && a->nodes[v].kind == K_IDENT ? resolve_binding(a, v) : NULL;
        if (o && o != b && instance_state(a, o, depth + 1)) {
            return 1;
        }
    }
    return 0;
}

int instance_keeps_state(analysis *a, uint32_t ident)
{
    return instance_state(a, resolve_binding(a, ident), 0);
}

/* 1 if the callee of call is a method whose name says it re-makes or cuts a state
 * (x.init_hidden(), x.reset_state(), x.detach_hidden(), x.zero_hidden(); not x.zero_grad()). */
static int resets_call(const analysis *a, uint32_t call)
{
    static const char *const words[] = {"init", "reset", "detach", "repackage", "clear", NULL};
    uint32_t f = child_field(a, call, F_FUNCTION);
    size_t n;
    const char *last = f == NONE || a->nodes[f].kind != K_ATTR ? NULL : callee_last(a, call, &n);
    for (int i = 0; last && words[i]; i++) {
        if (has_bytes(last, n, words[i])) {
            return 1;
        }
    }
    return last && n > 5 && memcmp(last, "zero_", 5) == 0 &&
           !(n == 9 && memcmp(last, "zero_grad", 9) == 0);
}

/* 1 if the instance bound by b is the identifier n, or was built from it (n passed to its
 * constructor, followed through `model = model.to(device)`), depth levels deep. */
/* NOLINTNEXTLINE(misc-no-recursion): depth <= MAX_STATE_DEPTH */
static int built_from(const analysis *a, const binding *b, uint32_t n, int depth)
{
    if (!b || depth > MAX_STATE_DEPTH) {
        return 0;
    }
    size_t len;
    const char *name = ntext(a, n, &len);
    if (b->name_len == len && memcmp(b->name, name, len) == 0 && resolve_binding(a, n) == b) {
        return 1;
    }
    if (b->kind != BIND_VALUE || b->value == NONE || a->nodes[b->value].kind != K_CALL) {
        return 0;
    }
    uint32_t same = same_instance_of(a, b->value);
    if (same != NONE) {
        const binding *o = resolve_binding(a, same);
        return built_from(a, o == b ? prior_binding(a, b) : o, n, depth + 1);
    }
    uint32_t args = child_field(a, b->value, F_ARGUMENTS);
    for (uint32_t x = args == NONE ? NONE : a->nodes[args].first; x != NONE; x = a->nodes[x].next) {
        uint32_t v = a->nodes[x].kind == K_KWARG ? child_field(a, x, F_VALUE) : x;
        const binding *o = v != NONE && a->nodes[v].kind == K_IDENT ? resolve_binding(a, v) : NULL;
        if (o && o != b && built_from(a, o, n, depth + 1)) {
            return 1;
        }
    }
    return 0;
}

int loop_resets_instance(const analysis *a, uint32_t loop, uint32_t ident)
{
    const binding *b = resolve_binding(a, ident);
    for (uint32_t i = loop + 1; i < a->n_nodes && a->nodes[i].sb < a->nodes[loop].eb; i++) {
        const node *nd = &a->nodes[i];
        uint32_t root = NONE;
        if (nd->kind == K_CALL && resets_call(a, i)) {
            root = chain_root(a, child_field(a, i, F_FUNCTION));
        } else if (nd->kind == K_ASSIGN) {
            uint32_t t = child_field(a, i, F_LEFT);
            root = t != NONE && a->nodes[t].kind == K_ATTR ? chain_root(a, t) : NONE;
        }
        /* model.hidden = ..., model.rnn.weight = ..., rnn.h = ... where model = Net(rnn) */
        if (root != NONE && a->nodes[root].kind == K_IDENT && is_ancestor(a, loop, i) &&
            built_from(a, b, root, 0)) {
            return 1;
        }
    }
    return 0;
}

/* The ` = ` of an assignment in line[0..n), or NULL. */
static const char *assign_eq(const char *line, size_t n)
{
    for (size_t i = 1; i + 1 < n; i++) {
        if (line[i] == '=' && line[i - 1] == ' ' && line[i + 1] == ' ') {
            return line + i;
        }
    }
    return NULL;
}

static int ident_char(char c)
{
    return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* 1 if line[0..n) reads `... self.X ... = ...(... self.X ...)`. */
static int line_feeds_self_attr(const char *line, size_t n)
{
    const char *eq = assign_eq(line, n);
    if (!eq) {
        return 0;
    }
    size_t rest = (size_t)(line + n - eq);
    if (!memchr(eq, '(', rest)) {
        return 0;
    }
    for (const char *p = line; p + 5 < eq; p++) {
        size_t k = 5;
        while (memcmp(p, "self.", 5) == 0 && p + k < eq && ident_char(p[k])) {
            k++;
        }
        if (k > 5 && memmem(eq, rest, p, k)) {
            return 1;
        }
    }
    return 0;
}

int text_feeds_self_attr(const char *s, size_t len)
{
    /* the statement class_keeps_state looks for, found without parsing */
    for (size_t line = 0; line < len;) {
        const char *nl = memchr(s + line, '\n', len - line);
        size_t end = nl ? (size_t)(nl - s) : len;
        if (line_feeds_self_attr(s + line, end - line)) {
            return 1;
        }
        line = end + 1;
    }
    return 0;
}
