/* OOM105 eval-without-no-grad: a model put in evaluation mode (`model.eval()`) and then run over
 * a loop of batches with autograd on. Every forward pass records its graph and keeps each
 * activation for a backward that never comes, so evaluation peaks at training's activation
 * memory. Loops that train, or that want gradients on purpose (adversarial attacks, saliency,
 * test-time adaptation), and code that runs with grad off in any of its forms stay quiet. */
#include <string.h>

#include "linter/lint_int.h"

/* 1 if the call is recv.eval() or recv.train(...) (what) with recv a plain chain; the
 * receiver's text goes to out. */
static int mode_call(const analysis *a, uint32_t call, const char *what, char *out, size_t cap)
{
    uint32_t f = child_field(a, call, F_FUNCTION);
    if (f == NONE || a->nodes[f].kind != K_ATTR ||
        !ntext_is(a, child_field(a, f, F_ATTRIBUTE), what)) {
        return 0;
    }
    if (strcmp(what, "eval") == 0 && call_positional(a, call, 0) != NONE) {
        return 0; /* not nn.Module.eval(): a config's or a library's eval(expr) */
    }
    return chain_text(a, child_field(a, f, F_OBJECT), out, cap);
}

/* 1 if the call runs the model: model(x), model.forward(x), model.module(x). */
static int forward_of(const analysis *a, uint32_t call, const char *model)
{
    char t[256];
    uint32_t f = child_field(a, call, F_FUNCTION);
    if (f == NONE || !chain_text(a, f, t, sizeof t)) {
        return 0;
    }
    size_t n = strlen(model);
    if (strcmp(t, model) == 0) {
        return 1;
    }
    return strncmp(t, model, n) == 0 &&
           (strcmp(t + n, ".forward") == 0 || strcmp(t + n, ".module") == 0);
}

/* 1 if the call asks for gradients on purpose: autograd.grad / functional jacobians,
 * enable_grad, requires_grad_(), a backward. */
static int wants_grad(const analysis *a, uint32_t call)
{
    size_t len;
    const char *last = callee_last(a, call, &len);
    if (is_step_call(a, call)) {
        return 1;
    }
    if (!last) {
        return 0;
    }
    static const char *const names[] = {
        "grad", "enable_grad", "requires_grad_", "jacobian",         "hessian",
        "vjp",  "jvp",         "backward",       "set_grad_enabled", NULL};
    for (int i = 0; names[i]; i++) {
        if (strlen(names[i]) == len && memcmp(names[i], last, len) == 0) {
            return 1;
        }
    }
    return 0;
}

/* 1 if a statement `X.requires_grad = ...` or a call wanting gradients lies in node range
 * [from, to) (a loop's body): the loop computes gradients on purpose. */
static int range_wants_grad(const analysis *a, uint32_t root)
{
    uint32_t eb = a->nodes[root].eb;
    for (uint32_t i = root; i < a->n_nodes && a->nodes[i].sb < eb; i++) {
        if (a->nodes[i].kind == K_CALL && wants_grad(a, i)) {
            return 1;
        }
        if (a->nodes[i].kind == K_ATTR &&
            ntext_is(a, child_field(a, i, F_ATTRIBUTE), "requires_grad") &&
            a->nodes[i].field == F_LEFT) {
            return 1;
        }
    }
    return 0;
}

/* The first forward of model inside the loop l (its own function's code, not a nested def)
 * that runs with autograd on, or NONE. */
static uint32_t ungraded_forward(const analysis *a, uint32_t l, const char *model)
{
    uint32_t eb = a->nodes[l].eb;
    for (uint32_t i = l; i < a->n_nodes && a->nodes[i].sb < eb; i++) {
        if (a->nodes[i].kind == K_CALL && a->nodes[i].func == a->nodes[l].func &&
            forward_of(a, i, model) && !grad_disabled_at(a, i)) {
            return i;
        }
    }
    return NONE;
}

/* Reports the loops after the eval() call ev (same function, no model.train() between) whose
 * forwards of the model run with autograd on. */
static void check_eval(analysis *a, uint32_t ev, const char *model)
{
    uint32_t func = a->nodes[ev].func;
    uint32_t at = a->nodes[ev].eb;
    for (size_t i = 0; i < a->n_loops; i++) {
        uint32_t l = a->loops[i];
        if (a->nodes[l].func != func || a->nodes[l].sb < at) {
            continue;
        }
        char t[256];
        for (size_t j = 0; j < a->n_calls && a->nodes[a->calls[j]].sb < a->nodes[l].sb; j++) {
            uint32_t c = a->calls[j];
            if (a->nodes[c].sb > at && a->nodes[c].func == func &&
                mode_call(a, c, "train", t, sizeof t) && strcmp(t, model) == 0) {
                return; /* back in training mode: what follows is training code */
            }
        }
        if (a->loop_trains[l] != LOOP_OTHER || enclosing_loop(a, l) != enclosing_loop(a, ev) ||
            !loop_over_data(a, l) || range_wants_grad(a, l)) {
            continue;
        }
        uint32_t fw = ungraded_forward(a, l, model);
        if (fw == NONE) {
            continue;
        }
        TSPoint p = point_of(a, a->nodes[ev].sb);
        add_finding(a, fw,
                    "`%s` is in eval mode (line %u) but this loop runs it with autograd on: each "
                    "forward records a graph and keeps its activations while the output lives, "
                    "for a backward that never comes; wrap the loop in `with torch.no_grad():` "
                    "(or torch.inference_mode())",
                    model, p.row + 1);
        at = a->nodes[l].eb; /* one finding per loop; loops inside it are covered */
    }
}

static void rule_eval_no_grad(analysis *a)
{
    for (size_t i = 0; i < a->n_calls; i++) {
        uint32_t c = a->calls[i];
        char model[256];
        if (!mode_call(a, c, "eval", model, sizeof model) || strcmp(model, "self") == 0 ||
            model_frozen(a, model)) {
            continue;
        }
        check_eval(a, c, model);
    }
}

/* What --explain prints: what is flagged, what is not, and examples. */
static const char explain[] =
    "Flags a forward pass of a model in evaluation mode that runs with autograd on: after\n"
    "`model.eval()`, a for loop over evaluation data (its iterable, inside enumerate() or tqdm(),\n"
    "is a loader, a dataset, batches or a val/test split by its name's last word) that does not\n"
    "train calls `model(...)` with no torch.no_grad(), torch.inference_mode() or\n"
    "set_grad_enabled(False) around it. eval() only switches dropout and batch norm; autograd\n"
    "still records the graph and keeps every activation alive until the output is dropped, so\n"
    "evaluation takes as much activation memory as a training step (and more when the outputs are\n"
    "kept).\n"
    "\n"
    "Not flagged: every grad-off form (with, decorators, aliases, multi-item with, a\n"
    "set_grad_enabled(False) statement earlier in the function, a caller in the same file that\n"
    "wraps the call); Lightning's validation_step/test_step/predict_step (Lightning turns grad\n"
    "off); loops that train or that want gradients on purpose (backward, autograd.grad,\n"
    "enable_grad, requires_grad: adversarial attacks, saliency, test-time adaptation); a model\n"
    "whose parameters are frozen with requires_grad_(False); loops after model.train();\n"
    "generate(), which turns grad off itself; loops over other things (adapters, layers, a range\n"
    "of random inputs in a test). A caller in another module that wraps the call is not seen.\n"
    "\n"
    "Bad:\n"
    "    model.eval()\n"
    "    for x, y in val_loader:\n"
    "        out = model(x)                     # OOM105\n"
    "Good:\n"
    "    model.eval()\n"
    "    with torch.no_grad():\n"
    "        for x, y in val_loader:\n"
    "            out = model(x)\n";

static const char *const needles[] = {".eval()", NULL};

const rule_spec oom105_eval_without_no_grad = {
    .meta =
        {
            .code = "OOM105",
            .name = "eval-without-no-grad",
            .entry = "M15",
            .severity = LINT_SEV_WARNING,
            .fixable = LINT_FIXABLE_NEVER,
            .summary = "evaluation forward passes run with autograd on (no torch.no_grad())",
            .explain = explain,
        },
    .needles = needles,
    .run = rule_eval_no_grad,
};
