/* Facts about backward passes and gradients: which calls run a backward pass, whether a step
 * region resets the parameters' .grad, whether a later backward in the same step uses the
 * graph again. Questions over the semantic model (calls, loops, per-step regions), asked by
 * the rules. */
#include <string.h>

#include "linter/lint_int.h"

int is_backward_call(const analysis *a, uint32_t call)
{
    size_t len;
    const char *last = callee_last(a, call, &len);
    if (!last) {
        return 0;
    }
    if ((len == 8 && memcmp(last, "backward", 8) == 0) ||
        (len == 15 && memcmp(last, "manual_backward", 15) == 0)) {
        return 1;
    }
    return call_is(a, call, "torch.autograd.grad") || call_is(a, call, "torch.autograd.backward");
}

/* The function node whose body holds region's statements: region itself for a function, its
 * enclosing function for a loop. */
static uint32_t region_func(const analysis *a, uint32_t region)
{
    return a->nodes[region].kind == K_FUNC || region == 0 ? region : a->nodes[region].func;
}

/* 1 if n is `x.grad` (any receiver). */
static int grad_attr(const analysis *a, uint32_t n)
{
    return n != NONE && a->nodes[n].kind == K_ATTR &&
           ntext_is(a, child_field(a, n, F_ATTRIBUTE), "grad");
}

/* 1 if the call resets a gradient: any zero_grad(...) (set_to_none=False detaches the grad
 * before zeroing it, which breaks the cycle too), cleargrad() (Chainer, DeZero),
 * x.grad.detach_(), x.grad.requires_grad_(False). */
static int call_resets_grad(const analysis *a, uint32_t call)
{
    size_t len;
    const char *last = callee_last(a, call, &len);
    if (!last) {
        return 0;
    }
    if ((len == 9 && memcmp(last, "zero_grad", 9) == 0) ||
        (len == 9 && memcmp(last, "cleargrad", 9) == 0)) {
        return 1;
    }
    uint32_t f = child_field(a, call, F_FUNCTION);
    uint32_t obj = f != NONE && a->nodes[f].kind == K_ATTR ? child_field(a, f, F_OBJECT) : NONE;
    return grad_attr(a, obj) && ((len == 7 && memcmp(last, "detach_", 7) == 0) ||
                                 (len == 14 && memcmp(last, "requires_grad_", 14) == 0));
}

/* 1 if the statement n assigns to some x.grad (`p.grad = None`, `p.grad = torch.zeros_like(p)`),
 * directly or as an element of a target list. */
static int assigns_grad(const analysis *a, uint32_t n)
{
    if (a->nodes[n].kind != K_ASSIGN) {
        return 0;
    }
    uint32_t left = child_field(a, n, F_LEFT);
    if (grad_attr(a, left)) {
        return 1;
    }
    for (uint32_t c = left == NONE ? NONE : a->nodes[left].first; c != NONE; c = a->nodes[c].next) {
        if (grad_attr(a, c)) {
            return 1;
        }
    }
    return 0;
}

int resets_grads_in(const analysis *a, uint32_t region)
{
    uint32_t fn = region_func(a, region);
    for (size_t i = 0; i < a->n_calls; i++) {
        uint32_t c = a->calls[i];
        if (a->nodes[c].func == fn && is_ancestor(a, region, c) && call_resets_grad(a, c)) {
            return 1;
        }
    }
    /* nodes are laid out in pre-order: region's descendants follow it */
    for (uint32_t n = region + 1; n < a->n_nodes && a->nodes[n].sb < a->nodes[region].eb; n++) {
        if (assigns_grad(a, n) && a->nodes[n].func == fn && is_ancestor(a, region, n)) {
            return 1;
        }
    }
    return 0;
}

int step_resets_grads(const analysis *a, uint32_t region)
{
    if (resets_grads_in(a, region)) {
        return 1;
    }
    if (a->nodes[region].kind != K_FUNC) {
        return 0;
    }
    if (is_step_hook(a, region)) {
        return 1; /* Lightning, the Hugging Face Trainer: the framework zeroes after each step */
    }
    /* a step function of this file: its callers' loops (or functions) reset around the call */
    for (size_t i = 0; i < a->n_calls; i++) {
        uint32_t c = a->calls[i];
        const defn *d = call_target(a, c);
        if (!d || d->node != region) {
            continue;
        }
        uint32_t loop = enclosing_loop(a, c);
        if (resets_grads_in(a, loop != NONE ? loop : a->nodes[c].func)) {
            return 1;
        }
    }
    return 0;
}

/* 1 if call i trains through a function: one of this file that trains, or another project
 * module's. */
static int helper_trains(const analysis *a, size_t i)
{
    uint32_t c = a->calls[i];
    if (is_step_call(a, c)) {
        return 0;
    }
    const defn *d = call_target(a, c);
    return (a->call_flags[i] & CALL_STEP) || (d && d->step_direct);
}

/* 1 if loop's body (its own function) performs an optimizer update: opt.step(),
 * scaler.step(opt), engine.step(), or a call of a function that trains other than a backward. */
static int loop_updates(const analysis *a, uint32_t loop)
{
    for (size_t i = 0; i < a->n_calls; i++) {
        uint32_t c = a->calls[i];
        if (a->nodes[c].func != a->nodes[loop].func || !is_ancestor(a, loop, c) ||
            is_backward_call(a, c)) {
            continue;
        }
        if (is_step_call(a, c) || helper_trains(a, i)) {
            return 1;
        }
    }
    return 0;
}

int graph_used_later(const analysis *a, uint32_t call, uint32_t region)
{
    uint32_t fn = a->nodes[call].func;
    /* a backward repeated by a loop inside the step (one backward per task or loss, the update
     * after the loop): the next iteration may use the graph again */
    uint32_t inner = enclosing_loop(a, call);
    if (inner != NONE && is_ancestor(a, region, inner) && !loop_updates(a, inner)) {
        return 1;
    }
    for (size_t i = 0; i < a->n_calls; i++) {
        uint32_t c = a->calls[i];
        if (a->nodes[c].sb < a->nodes[call].eb || a->nodes[c].func != fn ||
            !is_ancestor(a, region, c)) {
            continue;
        }
        if (is_backward_call(a, c)) {
            return 1;
        }
        /* a helper that trains (not the optimizer update itself) may run the next backward */
        if (helper_trains(a, i)) {
            return 1;
        }
    }
    return 0;
}
