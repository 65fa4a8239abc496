/* OOM103 eval-predictions-accumulate-on-gpu: a Hugging Face Trainer whose evaluation keeps
 * every batch's logits on the GPU (evaluation runs, predictions are gathered, and nothing moves
 * them off or shrinks them). Only what the file states is judged: arguments built from
 * **config or a parser are not knowable and produce no finding. */
#include <stdio.h>
#include <string.h>

#include "linter/lint_int.h"

static const char *last_part(const char *q)
{
    const char *d = strrchr(q, '.');
    return d ? d + 1 : q;
}

static int ends_with(const char *s, const char *suf)
{
    size_t n = strlen(s);
    size_t m = strlen(suf);
    return n >= m && strcmp(s + n - m, suf) == 0;
}

static int from_hf(const char *q)
{
    return strncmp(q, "transformers.", 13) == 0 || strncmp(q, "trl.", 4) == 0;
}

static int class_is(const analysis *a, const char *q, int want_args, int depth);

/* A class defined in this file whose superclass is a Hugging Face trainer/arguments class. */
/* NOLINTNEXTLINE(misc-no-recursion): depth <= 4 */
static int local_class_is(const analysis *a, const char *q, int want_args, int depth)
{
    if (strncmp(q, "<local>.", 8) != 0 || depth > 4) {
        return 0;
    }
    const char *name = q + 8;
    const defn *d = find_def(a, name, strlen(name), 1);
    if (!d) {
        return 0;
    }
    uint32_t sup = child_field(a, d->node, F_SUPERCLASSES);
    for (uint32_t s = sup == NONE ? NONE : a->nodes[sup].first; s != NONE; s = a->nodes[s].next) {
        char sq[256];
        if (a->nodes[s].named && resolve_name(a, s, sq, sizeof sq) &&
            class_is(a, sq, want_args, depth + 1)) {
            return 1;
        }
    }
    return 0;
}

/* NOLINTNEXTLINE(misc-no-recursion): through local_class_is, depth <= 4 */
static int class_is(const analysis *a, const char *q, int want_args, int depth)
{
    if (local_class_is(a, q, want_args, depth)) {
        return 1;
    }
    if (!from_hf(q)) {
        /* a trainer class of another project module (a subclass, a vendored copy) */
        return !want_args && project_hf_trainer((analysis *)a, q);
    }
    const char *l = last_part(q);
    if (!want_args) {
        return ends_with(l, "Trainer");
    }
    if (strcmp(l, "TrainingArguments") == 0 || strcmp(l, "Seq2SeqTrainingArguments") == 0) {
        return 1;
    }
    return strncmp(q, "trl.", 4) == 0 && ends_with(l, "Config") && strcmp(l, "ModelConfig") != 0;
}

/* A notebook export without its imports: a bare TrainingArguments(...) or Trainer(...) that no
 * import, def or assignment binds, called with Hugging Face's own keywords, is Hugging Face's. */
static int unbound_hf_call(const analysis *a, uint32_t call, uint32_t f, int want_args)
{
    static const char *const args_kw[] = {"output_dir", "eval_strategy", "evaluation_strategy",
                                          "per_device_eval_batch_size", NULL};
    static const char *const trainer_kw[] = {"compute_metrics", "eval_dataset", "data_collator",
                                             "preprocess_logits_for_metrics", NULL};
    if (a->nodes[f].kind != K_IDENT || resolve_binding(a, f) != NULL) {
        return 0;
    }
    if (want_args
            ? !(ntext_is(a, f, "TrainingArguments") || ntext_is(a, f, "Seq2SeqTrainingArguments"))
            : !(ntext_is(a, f, "Trainer") || ntext_is(a, f, "Seq2SeqTrainer"))) {
        return 0;
    }
    const char *const *kw = want_args ? args_kw : trainer_kw;
    for (int i = 0; kw[i]; i++) {
        if (call_kwarg(a, call, kw[i]) != NONE) {
            return 1;
        }
    }
    return 0;
}

static int call_of(const analysis *a, uint32_t call, int want_args)
{
    char q[256];
    uint32_t f = child_field(a, call, F_FUNCTION);
    return f != NONE && ((resolve_name(a, f, q, sizeof q) && class_is(a, q, want_args, 0)) ||
                         unbound_hf_call(a, call, f, want_args));
}

int is_hf_args_call(const analysis *a, uint32_t call)
{
    return call_of(a, call, 1);
}

static int truthy_kw(const analysis *a, uint32_t call, const char *name)
{
    uint32_t v = call_kwarg(a, call, name);
    return v != NONE && a->nodes[v].kind == K_TRUE;
}

static int set_kw(const analysis *a, uint32_t call, const char *name)
{
    uint32_t v = call_kwarg(a, call, name);
    return v != NONE && a->nodes[v].kind != K_NONE && a->nodes[v].kind != K_FALSE;
}

/* The call that an expression was last assigned from, searching the whole file: the name's
 * binding before `before` in the same function first, then any binding. */
/* An attribute (self.args), or a parameter that a caller fills: the call the file assigns to
 * the same text, the assignment in this function before `before` first, else the first one. */
static uint32_t text_assigned_call(const analysis *a, uint32_t expr, uint32_t before)
{
    size_t len;
    const char *t = ntext(a, expr, &len);
    uint32_t best = NONE;
    uint32_t best_same = NONE;
    for (uint32_t i = 0; i < a->n_nodes; i++) {
        if (a->nodes[i].kind != K_ASSIGN) {
            continue;
        }
        uint32_t left = child_field(a, i, F_LEFT);
        size_t ll;
        const char *lt = left == NONE ? NULL : ntext(a, left, &ll);
        uint32_t v = child_field(a, i, F_RIGHT);
        if (!lt || ll != len || memcmp(lt, t, len) != 0 || v == NONE) {
            continue;
        }
        if (a->nodes[i].func == a->nodes[expr].func && a->nodes[i].sb < before) {
            best_same = v;
        }
        if (best == NONE) {
            best = v;
        }
    }
    uint32_t v = best_same != NONE ? best_same : best;
    return v != NONE && a->nodes[v].kind == K_CALL ? v : NONE;
}

static uint32_t assigned_call(const analysis *a, uint32_t expr, uint32_t before)
{
    if (expr == NONE) {
        return NONE;
    }
    if (a->nodes[expr].kind == K_CALL) {
        return expr;
    }
    if (a->nodes[expr].kind != K_IDENT && a->nodes[expr].kind != K_ATTR) {
        return NONE;
    }
    const binding *b = a->nodes[expr].kind == K_IDENT ? resolve_binding(a, expr) : NULL;
    if (b && b->kind == BIND_VALUE) {
        uint32_t v = b->value;
        return v != NONE && a->nodes[v].kind == K_CALL ? v : NONE;
    }
    return text_assigned_call(a, expr, before);
}

/* Does the object expression obj name the trainer's variable where it stands? A plain name must
 * resolve to the binding the Trainer(...) assignment made (not a same-named variable of another
 * function); an attribute chain (self.trainer) must read the same text within the same class
 * or module. */
static int names_var(const analysis *a, uint32_t var, uint32_t obj)
{
    size_t vl;
    size_t ol;
    const char *vt = ntext(a, var, &vl);
    const char *ot = ntext(a, obj, &ol);
    if (vl != ol || memcmp(vt, ot, vl) != 0) {
        return 0;
    }
    if (a->nodes[var].kind == K_IDENT) {
        const binding *b = a->nodes[obj].kind == K_IDENT ? resolve_binding(a, obj) : NULL;
        return b && b->site == var;
    }
    uint32_t cv = a->nodes[var].func;
    uint32_t co = a->nodes[obj].func;
    while (cv != 0 && a->nodes[cv].kind != K_CLASS) {
        cv = a->nodes[cv].parent;
    }
    while (co != 0 && a->nodes[co].kind != K_CLASS) {
        co = a->nodes[co].parent;
    }
    return cv == co;
}

/* Is there `var.attr = value` (value not None) for the trainer's variable? */
static int attr_set(const analysis *a, uint32_t var, const char *attr)
{
    for (uint32_t i = 0; i < a->n_nodes; i++) {
        if (a->nodes[i].kind != K_ASSIGN) {
            continue;
        }
        uint32_t left = child_field(a, i, F_LEFT);
        if (left == NONE || a->nodes[left].kind != K_ATTR ||
            !ntext_is(a, child_field(a, left, F_ATTRIBUTE), attr)) {
            continue;
        }
        uint32_t v = child_field(a, i, F_RIGHT);
        if (names_var(a, var, child_field(a, left, F_OBJECT)) && v != NONE &&
            a->nodes[v].kind != K_NONE) {
            return 1;
        }
    }
    return 0;
}

/* Is var.m(...) called for the trainer's variable? */
static int method_called(const analysis *a, uint32_t var, const char *m)
{
    for (size_t i = 0; i < a->n_calls; i++) {
        uint32_t f = child_field(a, a->calls[i], F_FUNCTION);
        if (f == NONE || a->nodes[f].kind != K_ATTR ||
            !ntext_is(a, child_field(a, f, F_ATTRIBUTE), m)) {
            continue;
        }
        if (names_var(a, var, child_field(a, f, F_OBJECT))) {
            return 1;
        }
    }
    return 0;
}

/* 1 evaluation on, 0 off, -1 not known from a literal. */
static int strategy_on(const analysis *a, uint32_t v)
{
    if (v == NONE) {
        return 0;
    }
    size_t n;
    const char *t = ntext(a, v, &n);
    if (a->nodes[v].kind == K_STRING) {
        return !(n == 4 && (memcmp(t, "\"no\"", 4) == 0 || memcmp(t, "'no'", 4) == 0));
    }
    if (a->nodes[v].kind == K_ATTR) {
        uint32_t at = child_field(a, v, F_ATTRIBUTE);
        return ntext_is(a, at, "NO") ? 0 : 1;
    }
    if (a->nodes[v].kind == K_NONE) {
        return 0;
    }
    return -1;
}

/* What one Trainer(...) call sets up: the trainer's variable (for later .evaluate(),
 * .predict(), .compute_metrics = ...) and the TrainingArguments call it is given. */
typedef struct trainer {
    uint32_t call; /* Trainer(...) */
    uint32_t args; /* the TrainingArguments(...) call, or NONE */
    uint32_t var;  /* `trainer` in `trainer = Trainer(...)` (the target node), or NONE */
    int cli;       /* the arguments come from the command line (HfArgumentParser) */
} trainer;

/* 1 if the arguments expression is a name the script's HfArgumentParser fills from the
 * command line (`model_args, data_args, training_args = parser.parse_args_into_dataclasses()`):
 * a plain name, or an attribute of one, bound to no call the file shows. */
static int parsed_from_cli(const analysis *a, uint32_t e)
{
    if (!has_bytes(a->src, a->len, "HfArgumentParser")) {
        return 0;
    }
    while (e != NONE && a->nodes[e].kind == K_ATTR) {
        e = child_field(a, e, F_OBJECT);
    }
    if (e == NONE || a->nodes[e].kind != K_IDENT) {
        return 0;
    }
    const binding *b = resolve_binding(a, e);
    return b && (b->kind == BIND_VALUE || b->kind == BIND_PARAM) && b->value == NONE;
}

/* Reads a Trainer(...) call. Returns 0 when its arguments cannot be read statically (a splat,
 * or arguments from a parser, a config or elsewhere). */
static int read_trainer(const analysis *a, uint32_t tc, trainer *t)
{
    memset(t, 0, sizeof *t);
    t->call = tc;
    t->args = NONE;
    t->var = NONE;
    uint32_t p = a->nodes[tc].parent;
    if (p != NONE && a->nodes[p].kind == K_ASSIGN) {
        uint32_t left = child_field(a, p, F_LEFT);
        if (left != NONE && (a->nodes[left].kind == K_IDENT || a->nodes[left].kind == K_ATTR)) {
            t->var = left;
        }
    }
    if (call_has_splat(a, tc)) {
        return 0;
    }
    uint32_t args_expr = call_kwarg(a, tc, "args");
    if (args_expr == NONE) {
        args_expr = call_positional(a, tc, 1);
    }
    if (args_expr != NONE) {
        t->args = assigned_call(a, args_expr, a->nodes[tc].sb);
        if (t->args == NONE && parsed_from_cli(a, args_expr)) {
            t->cli = 1; /* what the command lines that run this script pass decides */
            return 1;
        }
        if (t->args == NONE || !call_of(a, t->args, 1) || call_has_splat(a, t->args)) {
            return 0;
        }
    }
    return 1;
}

static int var_has(const analysis *a, const trainer *t, const char *what, int method)
{
    return t->var != NONE && (method ? method_called(a, t->var, what) : attr_set(a, t->var, what));
}

static int args_class_defaults(const analysis *a, const char *cls, char *who, size_t cap);
enum { DEF_EVAL = 1, DEF_MITIGATED = 2 };

/* The field defaults of the local TrainingArguments subclass the arguments call builds. */
static int call_class_defaults(const analysis *a, uint32_t args)
{
    char q[256];
    char who[160];
    uint32_t f = child_field(a, args, F_FUNCTION);
    if (f == NONE || !resolve_name(a, f, q, sizeof q) || strncmp(q, "<local>.", 8) != 0) {
        return 0;
    }
    return args_class_defaults(a, q, who, sizeof who);
}

/* Evaluation runs: evaluate()/predict() is called, or the arguments turn it on (by keyword or
 * by their class's field defaults). */
static int eval_runs(const analysis *a, const trainer *t)
{
    if (var_has(a, t, "evaluate", 1) || var_has(a, t, "predict", 1)) {
        return 1;
    }
    if (t->args == NONE) {
        return 0;
    }
    uint32_t st = call_kwarg(a, t->args, "eval_strategy");
    if (st == NONE) {
        st = call_kwarg(a, t->args, "evaluation_strategy");
    }
    if (st == NONE && call_kwarg(a, t->args, "do_eval") == NONE) {
        return (call_class_defaults(a, t->args) & DEF_EVAL) != 0;
    }
    return strategy_on(a, st) == 1 || truthy_kw(a, t->args, "do_eval");
}

/* Something keeps predictions off the GPU or small: on the Trainer, on its arguments (keywords
 * or attributes set later). */
static int mitigated(const analysis *a, const trainer *t)
{
    if (set_kw(a, t->call, "preprocess_logits_for_metrics") ||
        var_has(a, t, "preprocess_logits_for_metrics", 0)) {
        return 1;
    }
    if (t->args == NONE) {
        return 0;
    }
    if (set_kw(a, t->args, "eval_accumulation_steps") ||
        truthy_kw(a, t->args, "prediction_loss_only") ||
        truthy_kw(a, t->args, "batch_eval_metrics") ||
        (call_class_defaults(a, t->args) & DEF_MITIGATED)) {
        return 1;
    }
    uint32_t apar = a->nodes[t->args].parent;
    if (apar == NONE || a->nodes[apar].kind != K_ASSIGN) {
        return 0;
    }
    uint32_t target = child_field(a, apar, F_LEFT);
    return target != NONE && (attr_set(a, target, "eval_accumulation_steps") ||
                              attr_set(a, target, "prediction_loss_only"));
}

/* What the field defaults of the file's TrainingArguments subclasses turn on: DEF_EVAL (an
 * evaluation strategy other than "no", do_eval = True) and DEF_MITIGATED (eval_accumulation_steps
 * set, prediction_loss_only or batch_eval_metrics True), as `name: type = value` or
 * `name: type = field(default=value)` in the class body. HfArgumentParser and the class's own
 * constructor both start from them. cls: one class ("<local>.Name"), or NULL for every such
 * class of the file. The name of the class that turns evaluation on goes to who. */
static uint32_t field_default(const analysis *a, uint32_t v)
{
    if (v != NONE && a->nodes[v].kind == K_CALL) {
        char q[64];
        uint32_t f = child_field(a, v, F_FUNCTION);
        if (f != NONE && resolve_name(a, f, q, sizeof q) &&
            (strcmp(q, "dataclasses.field") == 0 || strcmp(q, "field") == 0)) {
            return call_kwarg(a, v, "default");
        }
        return NONE;
    }
    return v;
}

static int field_flags(const analysis *a, uint32_t left, uint32_t v)
{
    int on = 0;
    if (ntext_is(a, left, "eval_strategy") || ntext_is(a, left, "evaluation_strategy")) {
        on = strategy_on(a, v) == 1 ? DEF_EVAL : 0;
    } else if (ntext_is(a, left, "do_eval")) {
        on = a->nodes[v].kind == K_TRUE ? DEF_EVAL : 0;
    } else if (ntext_is(a, left, "eval_accumulation_steps")) {
        on = a->nodes[v].kind == K_INTEGER ? DEF_MITIGATED : 0;
    } else if (ntext_is(a, left, "prediction_loss_only") ||
               ntext_is(a, left, "batch_eval_metrics")) {
        on = a->nodes[v].kind == K_TRUE ? DEF_MITIGATED : 0;
    }
    return on;
}

static int args_class_defaults(const analysis *a, const char *cls, char *who, size_t cap)
{
    int flags = 0;
    for (uint32_t i = 0; i < a->n_nodes; i++) {
        uint32_t left = a->nodes[i].kind == K_ASSIGN ? child_field(a, i, F_LEFT) : NONE;
        if (left == NONE || a->nodes[left].kind != K_IDENT) {
            continue;
        }
        uint32_t c = a->nodes[i].parent;
        while (c != NONE && a->nodes[c].kind != K_CLASS && a->nodes[c].kind != K_FUNC) {
            c = a->nodes[c].parent;
        }
        const defn *d = c != NONE && a->nodes[c].kind == K_CLASS ? def_at((analysis *)a, c) : NULL;
        if (!d || !d->toplevel) {
            continue;
        }
        char q[256];
        snprintf(q, sizeof q, "<local>.%.*s", (int)d->name_len, d->name);
        if ((cls && strcmp(cls, q) != 0) || !local_class_is(a, q, 1, 0)) {
            continue;
        }
        uint32_t v = field_default(a, child_field(a, i, F_RIGHT));
        int on = v == NONE ? 0 : field_flags(a, left, v);
        if ((on & DEF_EVAL) && !(flags & DEF_EVAL)) {
            size_t fl;
            const char *ft = ntext(a, left, &fl);
            snprintf(who, cap, "the default %.*s of %.*s", (int)fl, ft, (int)d->name_len, d->name);
        }
        flags |= on;
    }
    return flags;
}

/* A Trainer whose arguments come from the command line: the command lines of the project that
 * run this script (shell scripts, Makefiles, READMEs) say whether evaluation runs and whether
 * accumulation is set. */
static void report_cli(analysis *a, const trainer *t, int gathered, int classification)
{
    char where[320];
    int flags =
        analysis_project(a) ? project_launch_flags(a->project, a->path, where, sizeof where) : 0;
    char who[160] = "";
    int defaults = args_class_defaults(a, NULL, who, sizeof who);
    if (!(flags & LAUNCH_EVAL) && (defaults & DEF_EVAL)) {
        flags |= LAUNCH_EVAL;
        snprintf(where, sizeof where, "%s", who);
    }
    if (!(flags & LAUNCH_EVAL) || (flags & LAUNCH_MITIGATED) || (defaults & DEF_MITIGATED) ||
        mitigated(a, t)) {
        return;
    }
    int predict = (flags & LAUNCH_PREDICT) && var_has(a, t, "predict", 1);
    if (!gathered && !predict) {
        return;
    }
    uint32_t callee = child_field(a, t->call, F_FUNCTION);
    size_t cl;
    const char *ct = ntext(a, callee, &cl);
    lint_finding *f = add_finding(
        a, callee,
        "evaluation keeps all predictions on the GPU (%s; %s turns evaluation on) and no "
        "--eval_accumulation_steps is passed to `%.*s`'s arguments: logits pile up over the "
        "whole eval set; pass it (or set preprocess_logits_for_metrics)",
        gathered ? "compute_metrics is set" : "predict() is called", where,
        (int)(cl > 60 ? 60 : cl), ct);
    if (f && classification) {
        f->severity = LINT_SEV_INFO;
    }
}

static void rule_eval_accum(analysis *a)
{
    int classification =
        has_bytes(a->src, a->len, "Classification") && !has_bytes(a->src, a->len, "CausalLM") &&
        !has_bytes(a->src, a->len, "Seq2SeqLM") && !has_bytes(a->src, a->len, "MaskedLM") &&
        !has_bytes(a->src, a->len, "ForCTC");
    for (size_t i = 0; i < a->n_calls; i++) {
        trainer t;
        if (!call_of(a, a->calls[i], 0) || !read_trainer(a, a->calls[i], &t)) {
            continue;
        }
        int predict = var_has(a, &t, "predict", 1);
        int gathered =
            predict || set_kw(a, t.call, "compute_metrics") || var_has(a, &t, "compute_metrics", 0);
        if (t.cli) {
            report_cli(a, &t, gathered, classification);
            continue;
        }
        if (!eval_runs(a, &t) || !gathered || mitigated(a, &t)) {
            continue;
        }
        uint32_t site = t.args != NONE ? t.args : t.call;
        uint32_t callee = child_field(a, site, F_FUNCTION);
        size_t cl;
        const char *ct = ntext(a, callee, &cl);
        lint_finding *f = add_finding(
            a, callee,
            "evaluation keeps all predictions on the GPU (%s) and `%.*s` sets no "
            "eval_accumulation_steps: logits pile up over the whole eval set; set it (or "
            "preprocess_logits_for_metrics)",
            predict ? "predict() is called" : "compute_metrics is set", (int)(cl > 60 ? 60 : cl),
            ct);
        if (f && classification) {
            f->severity = LINT_SEV_INFO;
        }
        if (f && t.args != NONE) {
            fix_add_kwarg(a, f, t.args, "eval_accumulation_steps=16",
                          "Add eval_accumulation_steps=16", LINT_FIX_SAFE);
        }
    }
}

/* What --explain prints: what is flagged, what is not, and examples. */
static const char explain[] =
    "Flags a Hugging Face Trainer (transformers or TRL, and subclasses defined in the file) whose\n"
    "evaluation keeps predictions: evaluation runs (eval_strategy/evaluation_strategy not \"no\",\n"
    "do_eval=True, or trainer.evaluate()/predict() is called) and predictions are gathered\n"
    "(compute_metrics is set, or predict() is called), without any of eval_accumulation_steps,\n"
    "preprocess_logits_for_metrics, batch_eval_metrics=True or prediction_loss_only=True. The\n"
    "Trainer concatenates every batch's logits on the GPU until the eval set ends: for a\n"
    "language model that is batch x seq_len x vocab floats per step.\n"
    "\n"
    "Arguments parsed from the command line by HfArgumentParser are read from the project's\n"
    "command lines that run the script (shell scripts, Makefiles, READMEs): --do_eval, an\n"
    "evaluation strategy other than no, or --do_predict turn evaluation on, and\n"
    "--eval_accumulation_steps, --prediction_loss_only or --batch_eval_metrics mitigate.\n"
    "\n"
    "Not flagged: arguments that cannot be read (TrainingArguments(**cfg), a parsed script no\n"
    "command line of the project runs), other libraries' Trainer classes (Lightning,\n"
    "detectron2, fairseq).\n"
    "Severity: warning where the gathered logits are large (language-model, seq2seq and CTC\n"
    "heads: batch x length x vocabulary per step); info for sequence, token and image\n"
    "classification heads (a file that builds one and no large head), whose logits are small.\n"
    "\n"
    "Bad:\n"
    "    args = TrainingArguments(\"out\", eval_strategy=\"steps\")    # OOM103\n"
    "    Trainer(model, args, eval_dataset=ds, compute_metrics=metrics)\n"
    "Good:\n"
    "    args = TrainingArguments(\"out\", eval_strategy=\"steps\", eval_accumulation_steps=16)\n";

static const char *const needles[] = {"Trainer", NULL};

const rule_spec oom103_eval_predictions_accumulate_on_gpu = {
    .meta =
        {
            .code = "OOM103",
            .name = "eval-predictions-accumulate-on-gpu",
            .entry = "M15",
            .severity = LINT_SEV_WARNING,
            .severity_note = "info for classification heads",
            .fixable = LINT_FIXABLE_SOMETIMES,
            .summary = "Hugging Face evaluation gathers all predictions on the GPU (no "
                       "eval_accumulation_steps)",
            .explain = explain,
        },
    .needles = needles,
    .run = rule_eval_accum,
};
