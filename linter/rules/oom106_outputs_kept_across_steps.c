/* OOM106 outputs-kept-across-steps: a model's output stored in a container that outlives the
 * loop iteration (`preds.append(model(x))`, `all = torch.cat([all, out.logits])`), in a loop over
 * data or a training step loop. With autograd on, each kept output holds its whole graph
 * (M20); with autograd off, full logits or hidden states kept on the GPU still grow by one
 * batch per step (M15). Reduced, detached-and-moved or scalar values are fine. */
#include <string.h>

#include "linter/lint_int.h"

/* How one step of the expression from the model's output to what is stored changes it. */
enum step_effect {
    KEEP = 0, /* same tensor or same size: view, softmax, logits attribute, out[0] */
    DETACH,   /* drops the graph, stays on the device: detach(), .data */
    TO_CPU,   /* moves to the host (keeps the graph): cpu(), to("cpu") */
    SMALL,    /* drops the graph and the size: item(), tolist(), numpy(), argmax() */
    REDUCE,   /* shrinks it but keeps a graph: sum(), mean(), max() */
    UNKNOWN,  /* anything else: no finding */
};

static int name_in(const char *t, size_t n, const char *const *names)
{
    for (int i = 0; names[i]; i++) {
        if (strlen(names[i]) == n && memcmp(names[i], t, n) == 0) {
            return 1;
        }
    }
    return 0;
}

/* The effect of calling method m[0..n) on a tensor (call is the method call). */
static int method_effect(const analysis *a, uint32_t call, const char *m, size_t n)
{
    static const char *const keep[] = {"view",    "reshape",     "contiguous", "float",
                                       "half",    "bfloat16",    "squeeze",    "unsqueeze",
                                       "softmax", "log_softmax", "sigmoid",    "clone",
                                       "permute", "transpose",   NULL};
    static const char *const small[] = {"item", "tolist", "numpy", "argmax", "argmin", NULL};
    static const char *const reduce[] = {"sum", "mean", "max", "min", "norm", NULL};
    if (name_in(m, n, keep)) {
        return KEEP;
    }
    if (name_in(m, n, small)) {
        return SMALL;
    }
    if (name_in(m, n, reduce)) {
        return REDUCE;
    }
    if (n == 6 && memcmp(m, "detach", 6) == 0) {
        return DETACH;
    }
    if (n == 3 && memcmp(m, "cpu", 3) == 0) {
        return TO_CPU;
    }
    if (n == 2 && memcmp(m, "to", 2) == 0) {
        uint32_t arg = call_positional(a, call, 0);
        size_t al;
        const char *at = arg == NONE ? NULL : ntext(a, arg, &al);
        return at && util_contains_ci(at, al, "cpu") ? TO_CPU : KEEP;
    }
    return UNKNOWN;
}

/* Functions that hand their first argument through unchanged in size: the gathers of
 * Accelerate across processes, softmax and friends as functions. */
static int passes_through(const char *m, size_t n)
{
    static const char *const names[] = {"gather",
                                        "gather_for_metrics",
                                        "pad_across_processes",
                                        "softmax",
                                        "log_softmax",
                                        "sigmoid",
                                        "concat_all_gather",
                                        NULL};
    return name_in(m, n, names);
}

/* 1 if the callee expression f names a model: the file puts it in eval/train mode or asks for
 * its parameters, or its last name says model. */
static int is_model(const analysis *a, uint32_t f)
{
    char t[256];
    if (f == NONE || !chain_text(a, f, t, sizeof t)) {
        return 0;
    }
    const char *last = strrchr(t, '.');
    last = last ? last + 1 : t;
    if (util_contains_ci(last, strlen(last), "model")) {
        return 1;
    }
    static const char *const methods[] = {"eval", "train", "parameters", "named_parameters", NULL};
    size_t n = strlen(t);
    for (size_t i = 0; i < a->n_calls; i++) {
        uint32_t g = child_field(a, a->calls[i], F_FUNCTION);
        if (g == NONE || a->nodes[g].kind != K_ATTR) {
            continue;
        }
        size_t ml;
        const char *m = ntext(a, child_field(a, g, F_ATTRIBUTE), &ml);
        char o[256];
        if (name_in(m, ml, methods) && chain_text(a, child_field(a, g, F_OBJECT), o, sizeof o) &&
            strlen(o) == n && memcmp(o, t, n) == 0) {
            return 1;
        }
    }
    return 0;
}

/* What flows from a model call into the stored expression e: the model call (NONE when e is
 * not a model's output) and the strongest effect met on the way. */
typedef struct flow {
    uint32_t forward;
    int detached, on_cpu;
    /* trace steps left for this stored value, shared by the alternatives tried (a name bound
     * in several branches is followed along each): the walk stays linear in the code */
    int *budget;
} flow;

static int trace(const analysis *a, uint32_t e, flow *fl, int depth);

/* A call on the way from the model's output: the model's forward itself, a function that hands
 * its argument through (F.softmax(out), accelerator.gather(out)), or a tensor method. */
/* NOLINTNEXTLINE(misc-no-recursion): through trace, depth <= 12 */
static int trace_call(const analysis *a, uint32_t e, flow *fl, int depth)
{
    uint32_t f = child_field(a, e, F_FUNCTION);
    if (is_model(a, f)) {
        fl->forward = e;
        return 1;
    }
    size_t n;
    const char *m = callee_last(a, e, &n);
    if (!m) {
        return 0;
    }
    flow through = *fl;
    if (passes_through(m, n) && trace(a, call_positional(a, e, 0), &through, depth + 1)) {
        *fl = through;
        return 1;
    }
    if (f == NONE || a->nodes[f].kind != K_ATTR) {
        return 0;
    }
    int eff = method_effect(a, e, m, n);
    if (eff == UNKNOWN || eff == SMALL || eff == REDUCE) {
        return 0; /* reduced values are small; a reduced graph is OOM101's question */
    }
    fl->detached |= eff == DETACH;
    fl->on_cpu |= eff == TO_CPU;
    return trace(a, child_field(a, f, F_OBJECT), fl, depth + 1);
}

/* Follows the stored expression e back to the model call it comes from (fl->forward), through
 * names, attributes (outputs.logits; .data detaches), fields (out[0]) and calls. 0: not a model's
 * output, or not knowable. */
/* NOLINTNEXTLINE(misc-no-recursion): depth <= 12 */
static int trace(const analysis *a, uint32_t e, flow *fl, int depth)
{
    if (e == NONE || depth > 12 || --*fl->budget < 0) {
        return 0;
    }
    switch (a->nodes[e].kind) {
    case K_PAREN:
        return trace(a, named_child(a, e, 0), fl, depth + 1);
    case K_IDENT: {
        /* the last binding before e, else (when that one is made in a branch) the ones before
         * it that reach e on the other paths: `out = model(x)` kept when only `if mode == ...:
         * out = out.argmax(-1)` reduces it */
        const binding *b = resolve_binding(a, e);
        for (int hops = 0; b && b->kind == BIND_VALUE && hops < 8; hops++) {
            flow alt = *fl;
            /* logits, _, values = model(x): one field of the outputs, as out[0] is */
            uint32_t v = b->value != NONE ? b->value : unpacked_from(a, b);
            if (trace(a, v, &alt, depth + 1)) {
                *fl = alt;
                return 1;
            }
            b = earlier_reaching_binding(a, b, e);
        }
        return 0;
    }
    case K_ATTR: {
        size_t an;
        const char *at = ntext(a, child_field(a, e, F_ATTRIBUTE), &an);
        if (util_contains_ci(at, an, "loss")) {
            return 0; /* outputs.loss: a scalar, OOM101's question */
        }
        fl->detached |= an == 4 && memcmp(at, "data", 4) == 0;
        return trace(a, child_field(a, e, F_OBJECT), fl, depth + 1);
    }
    case K_SUBSCRIPT: {
        /* out[0], out["logits"]: a field of the outputs; a slice shrinks it (no finding) */
        uint32_t sub = child_field(a, e, F_SUBSCRIPT);
        uint8_t k = sub == NONE ? K_OTHER : a->nodes[sub].kind;
        return (k == K_INTEGER || k == K_STRING) &&
               trace(a, child_field(a, e, F_VALUE), fl, depth + 1);
    }
    case K_CALL:
        return trace_call(a, e, fl, depth);
    default:
        return 0;
    }
}

/* 1 if the container expression c outlives one iteration of loop l: an attribute of self, or a
 * name (or a name's item) bound before the loop, as a parameter or at module level. */
static int outlives(const analysis *a, uint32_t c, uint32_t l)
{
    while (c != NONE && a->nodes[c].kind == K_SUBSCRIPT) {
        c = child_field(a, c, F_VALUE);
    }
    if (c == NONE) {
        return 0;
    }
    if (a->nodes[c].kind == K_ATTR) {
        char t[256];
        return chain_text(a, c, t, sizeof t) && strncmp(t, "self.", 5) == 0;
    }
    if (a->nodes[c].kind != K_IDENT) {
        return 0;
    }
    const binding *b = resolve_binding(a, c);
    if (!b) {
        return 0;
    }
    if (b->kind == BIND_PARAM || b->scope != a->nodes[c].func) {
        return 1;
    }
    return b->kind == BIND_VALUE && a->nodes[b->site].sb < a->nodes[l].sb;
}

/* The stored expression and its container when call stores into a container: c.append(E),
 * c.extend([E]), torch.cat([c, E]) assigned back to c. */
static int sink_of(const analysis *a, uint32_t call, uint32_t *out_c, uint32_t *out_e)
{
    size_t n;
    const char *m = callee_last(a, call, &n);
    uint32_t f = child_field(a, call, F_FUNCTION);
    if (!m || f == NONE) {
        return 0;
    }
    if (a->nodes[f].kind == K_ATTR && n == 6 && memcmp(m, "append", 6) == 0) {
        *out_c = child_field(a, f, F_OBJECT);
        *out_e = call_positional(a, call, 0);
        return *out_e != NONE;
    }
    if (a->nodes[f].kind == K_ATTR && n == 6 && memcmp(m, "extend", 6) == 0) {
        uint32_t lst = call_positional(a, call, 0);
        if (lst == NONE || (a->nodes[lst].kind != K_LIST && a->nodes[lst].kind != K_TUPLE)) {
            return 0;
        }
        *out_c = child_field(a, f, F_OBJECT);
        *out_e = named_child(a, lst, 0);
        return *out_e != NONE;
    }
    if (n == 3 && memcmp(m, "cat", 3) == 0) {
        /* acc = torch.cat([acc, E]) */
        uint32_t p = a->nodes[call].parent;
        uint32_t lst = call_positional(a, call, 0);
        if (p == NONE || a->nodes[p].kind != K_ASSIGN || lst == NONE ||
            (a->nodes[lst].kind != K_LIST && a->nodes[lst].kind != K_TUPLE)) {
            return 0;
        }
        uint32_t left = child_field(a, p, F_LEFT);
        uint32_t first = named_child(a, lst, 0);
        uint32_t second = named_child(a, lst, 1);
        size_t ll;
        size_t fl;
        const char *lt = left == NONE ? NULL : ntext(a, left, &ll);
        const char *ft = first == NONE ? NULL : ntext(a, first, &fl);
        if (!lt || !ft || second == NONE || ll != fl || memcmp(lt, ft, ll) != 0) {
            return 0;
        }
        *out_c = left;
        *out_e = second;
        return 1;
    }
    return 0;
}

static void rule_outputs_kept(analysis *a)
{
    for (size_t i = 0; i < a->n_calls; i++) {
        uint32_t call = a->calls[i];
        uint32_t c;
        uint32_t e;
        if (!sink_of(a, call, &c, &e)) {
            continue;
        }
        uint32_t l = enclosing_loop(a, call);
        if (l == NONE || !(loop_over_data(a, l) || loop_over_slices(a, l)) || !outlives(a, c, l)) {
            continue;
        }
        int budget = 256;
        flow fl = {NONE, 0, 0, &budget};
        if (!trace(a, e, &fl, 0) || fl.forward == NONE || !is_ancestor(a, l, fl.forward)) {
            continue; /* the output of a forward of this iteration, not one made before */
        }
        char model[256];
        uint32_t mf = child_field(a, fl.forward, F_FUNCTION);
        int frozen = chain_text(a, mf, model, sizeof model) && model_frozen(a, model);
        int grad = !grad_disabled_at(a, fl.forward) && !frozen;
        size_t cl;
        const char *ct = ntext(a, c, &cl);
        size_t el;
        const char *et = ntext(a, e, &el);
        int ew = (int)(el > 60 ? 60 : el);
        int cw = (int)(cl > 40 ? 40 : cl);
        if (grad && a->loop_trains[l] != LOOP_STEP && !fl.detached) {
            /* no backward frees this graph: every activation of the forward stays */
            add_finding(a, e,
                        "model output `%.*s` stored in `%.*s` keeps its autograd graph (every "
                        "activation of the forward) alive past the iteration; run the loop under "
                        "torch.no_grad() or store `.detach()` (reduced: argmax, .item())",
                        ew, et, cw, ct);
        } else if (grad && !fl.detached && !fl.on_cpu) {
            add_finding(a, e,
                        "model output `%.*s` stored in `%.*s` stays on the GPU with its autograd "
                        "history, one batch more every step; store `.detach().cpu()` (or reduce "
                        "it first: argmax, .item())",
                        ew, et, cw, ct);
        } else if (!grad && !fl.on_cpu) {
            add_finding(a, e,
                        "model output `%.*s` stored in `%.*s` stays on the GPU, one batch more "
                        "every step of the loop (M15); move it off with `.cpu()` or keep only what "
                        "the metric needs (argmax)",
                        ew, et, cw, ct);
        }
    }
}

/* What --explain prints: what is flagged, what is not, and examples. */
static const char explain[] =
    "Flags a model's output stored where it outlives the loop iteration: appended to a list,\n"
    "extended into one or concatenated onto an accumulator (`acc = torch.cat([acc, out])`) that\n"
    "was bound before the loop (or is an attribute of self), inside a loop over data (a loader,\n"
    "dataset or batches, or a range whose iterations slice a batch into mini-batches:\n"
    "`x[i : i + b]`; training or evaluation). A model is what the file puts in eval()/train()\n"
    "mode or asks for parameters(), or a name that says model. The stored value is followed back\n"
    "through names (along every branch that binds them: `out = model(x)` kept raw when only one\n"
    "branch reduces it), tuple unpacking (`logits, _ = model(x)`), .logits-style attributes,\n"
    "out[0], views, softmax and accelerator.gather. With autograd on and no backward through\n"
    "it, each kept output holds its whole graph: every activation of its forward stays\n"
    "allocated (entry M20; the PyTorch FAQ's \"don't accumulate history\"); in a training loop\n"
    "the backward frees the activations, but the output and its history still stay on the GPU\n"
    "step after step (unless detached and moved to the CPU). With autograd off, full logits or\n"
    "hidden states kept on the GPU still grow by a batch per step until the loop ends (entry\n"
    "M15).\n"
    "\n"
    "Opt-in (--select OOM106): on the judged real-code rows it finds 2 of 5 true locations with\n"
    "3 false alarms (precision 0.40): outputs that are small (a few values per example) or that\n"
    "the model already returns on the host, and autograd turned off by a caller in another\n"
    "package, cannot be told from the code of the loop.\n"
    "\n"
    "Not flagged: values reduced first (argmax, .item(), .tolist(), .numpy(); sum/mean/max are\n"
    "OOM101's concern when they keep a graph); with autograd on, a `.detach()`-ed value, and in a\n"
    "training loop a value moved to the CPU (the backward has freed its activations); with\n"
    "autograd off (or a frozen model: requires_grad_(False)), a value moved to the CPU (.cpu(),\n"
    ".to(\"cpu\")); lists bound inside the loop (per-step lists of layer outputs or loss terms);\n"
    "slices of the output (logits[:, -1]); outputs.loss (a scalar: OOM101); outputs of forwards\n"
    "made before the loop; loops over a range that slice nothing by their index (tests that\n"
    "capture a few iterations on purpose); `_, ids = model(x).max(1)` (the index half).\n"
    "\n"
    "Bad:\n"
    "    preds = []\n"
    "    for x, _ in val_loader:\n"
    "        preds.append(model(x))                  # OOM106: graph kept per batch\n"
    "Good:\n"
    "    with torch.no_grad():\n"
    "        for x, _ in val_loader:\n"
    "            preds.append(model(x).argmax(-1).cpu())\n";

/* a container call and something that names or handles a model */
static const char *const needles[] = {".append(&model",
                                      ".append(&.eval()",
                                      ".extend(&model",
                                      ".extend(&.eval()",
                                      "cat(&model",
                                      "cat(&.eval()",
                                      NULL};

const rule_spec oom106_outputs_kept_across_steps = {
    .meta =
        {
            .code = "OOM106",
            .name = "outputs-kept-across-steps",
            .entry = "M20",
            .severity = LINT_SEV_WARNING,
            .fixable = LINT_FIXABLE_NEVER,
            /* precision 0.40 on the judged real-code rows (2 true, 3 false findings) */
            .opt_in = 1,
            .summary = "model outputs kept across loop iterations (with their graph, or full "
                       "logits on the GPU)",
            .explain = explain,
        },
    .needles = needles,
    .run = rule_outputs_kept,
};
