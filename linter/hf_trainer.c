/* Hugging Face Trainer facts: which calls build a transformers/TRL Trainer or its
 * TrainingArguments (subclasses of this file included), what a Trainer(...) call is given
 * (arguments, the variable it is bound to, arguments parsed from the command line), whether
 * evaluation runs. The evaluation rules (OOM103, OOM108) ask these questions. */
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

int hf_kw_true(const analysis *a, uint32_t call, const char *name)
{
    uint32_t v = call_kwarg(a, call, name);
    return v != NONE && a->nodes[v].kind == K_TRUE;
}

int hf_kw_set(const analysis *a, uint32_t call, const char *name)
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

uint32_t hf_assigned_call(const analysis *a, uint32_t expr, uint32_t before)
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
int hf_attr_set(const analysis *a, uint32_t var, const char *attr)
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

/* 1 if the string node names a method that computes the Trainer's predictions
 * ("transformers.Trainer.compute_loss", "prediction_step", ...). */
static int prediction_method(const analysis *a, uint32_t str)
{
    static const char *const methods[] = {"compute_loss", "prediction_step", "evaluation_loop",
                                          NULL};
    size_t n;
    const char *t = str != NONE && a->nodes[str].kind == K_STRING ? ntext(a, str, &n) : NULL;
    if (!t || n < 2) {
        return 0;
    }
    for (int i = 0; methods[i]; i++) {
        size_t m = strlen(methods[i]);
        if (n >= m + 2 && memcmp(t + n - 1 - m, methods[i], m) == 0 &&
            (n == m + 2 || t[n - 2 - m] == '.')) {
            return 1;
        }
    }
    return 0;
}

/* 1 if call runs inside `with patch("...Trainer.compute_loss", ...)` (or patch.object(cls,
 * "prediction_step", ...)): a test's mock computes the predictions, not the model. */
static int under_prediction_mock(const analysis *a, uint32_t call)
{
    for (uint32_t c = call, p = a->nodes[call].parent; p != NONE; c = p, p = a->nodes[p].parent) {
        if (a->nodes[p].kind != K_WITH || a->nodes[c].field != F_BODY) {
            continue;
        }
        /* the with items precede the body in the flattened tree */
        for (uint32_t n = p + 1; n < c; n++) {
            char q[64];
            uint32_t f = a->nodes[n].kind == K_CALL ? child_field(a, n, F_FUNCTION) : NONE;
            if (f == NONE || !resolve_name(a, f, q, sizeof q)) {
                continue;
            }
            if ((strcmp(q, "unittest.mock.patch") == 0 || strcmp(q, "mock.patch") == 0) &&
                prediction_method(a, call_positional(a, n, 0))) {
                return 1;
            }
            if ((strcmp(q, "unittest.mock.patch.object") == 0 ||
                 strcmp(q, "mock.patch.object") == 0) &&
                prediction_method(a, call_positional(a, n, 1))) {
                return 1;
            }
        }
    }
    return 0;
}

/* Is var.m(...) called for the trainer's variable (evaluate and predict: not under a mock of
 * the prediction itself)? */
static int method_called(const analysis *a, uint32_t var, const char *m)
{
    for (size_t i = 0; i < a->n_calls; i++) {
        uint32_t f = child_field(a, a->calls[i], F_FUNCTION);
        if (f == NONE || a->nodes[f].kind != K_ATTR ||
            !ntext_is(a, child_field(a, f, F_ATTRIBUTE), m)) {
            continue;
        }
        if (names_var(a, var, child_field(a, f, F_OBJECT)) &&
            !under_prediction_mock(a, a->calls[i])) {
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

/* The value a dataclass field is given: `name: type = value`, or field(default=value). */
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
    if (ntext_is(a, left, "eval_strategy") || ntext_is(a, left, "evaluation_strategy")) {
        return strategy_on(a, v) == 1 ? HF_DEFAULT_EVAL : 0;
    }
    if (ntext_is(a, left, "do_eval")) {
        return a->nodes[v].kind == K_TRUE ? HF_DEFAULT_EVAL : 0;
    }
    if (ntext_is(a, left, "eval_accumulation_steps")) {
        return a->nodes[v].kind == K_INTEGER ? HF_DEFAULT_MITIGATED : 0;
    }
    if (ntext_is(a, left, "prediction_loss_only") || ntext_is(a, left, "batch_eval_metrics")) {
        return a->nodes[v].kind == K_TRUE ? HF_DEFAULT_MITIGATED : 0;
    }
    return 0;
}

/* The top-level class whose body holds node i (an assignment), or NULL. */
static const defn *body_class(const analysis *a, uint32_t i)
{
    uint32_t c = a->nodes[i].parent;
    while (c != NONE && a->nodes[c].kind != K_CLASS && a->nodes[c].kind != K_FUNC) {
        c = a->nodes[c].parent;
    }
    const defn *d = c != NONE && a->nodes[c].kind == K_CLASS ? def_at((analysis *)a, c) : NULL;
    return d && d->toplevel ? d : NULL;
}

int hf_args_defaults(const analysis *a, const char *cls, char *who, size_t cap)
{
    int flags = 0;
    for (uint32_t i = 0; i < a->n_nodes; i++) {
        uint32_t left = a->nodes[i].kind == K_ASSIGN ? child_field(a, i, F_LEFT) : NONE;
        const defn *d = left != NONE && a->nodes[left].kind == K_IDENT ? body_class(a, i) : NULL;
        if (!d) {
            continue;
        }
        char q[256];
        snprintf(q, sizeof q, "<local>.%.*s", (int)d->name_len, d->name);
        if ((cls && strcmp(cls, q) != 0) || !local_class_is(a, q, 1, 0)) {
            continue;
        }
        uint32_t v = field_default(a, child_field(a, i, F_RIGHT));
        int on = v == NONE ? 0 : field_flags(a, left, v);
        if ((on & HF_DEFAULT_EVAL) && !(flags & HF_DEFAULT_EVAL) && who) {
            size_t fl;
            const char *ft = ntext(a, left, &fl);
            snprintf(who, cap, "the default %.*s of %.*s", (int)fl, ft, (int)d->name_len, d->name);
        }
        flags |= on;
    }
    return flags;
}

int hf_args_call_defaults(const analysis *a, uint32_t args)
{
    char q[256];
    uint32_t f = child_field(a, args, F_FUNCTION);
    if (f == NONE || !resolve_name(a, f, q, sizeof q) || strncmp(q, "<local>.", 8) != 0) {
        return 0;
    }
    return hf_args_defaults(a, q, NULL, 0);
}

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

/* Keyword names a `**expr` splat on a Trainer call may carry that the evaluation rules read:
 * a splat that may carry one of them makes the call unreadable. */
static const char *const read_keywords[] = {"args", "compute_metrics",
                                            "preprocess_logits_for_metrics", NULL};

static int key_is_read(const char *k, size_t n)
{
    for (int i = 0; read_keywords[i]; i++) {
        if (strlen(read_keywords[i]) == n && memcmp(read_keywords[i], k, n) == 0) {
            return 1;
        }
    }
    return 0;
}

static int splat_keys_safe(const analysis *a, uint32_t e, int depth);

/* 1 if every return of the local function d hands back a dict whose keys are known and safe. */
/* NOLINTNEXTLINE(misc-no-recursion): through splat_keys_safe, depth <= 4 */
static int returns_safe(const analysis *a, const defn *d, int depth)
{
    int any = 0;
    for (uint32_t r = d->node; r < a->n_nodes && a->nodes[r].sb < a->nodes[d->node].eb; r++) {
        if (a->nodes[r].kind != K_RETURN || a->nodes[r].func != d->node) {
            continue;
        }
        if (!splat_keys_safe(a, named_child(a, r, 0), depth + 1)) {
            return 0;
        }
        any = 1;
    }
    return any;
}

/* 1 if every key of the dict literal d is a string the evaluation rules do not read. */
static int dict_literal_safe(const analysis *a, uint32_t d)
{
    for (uint32_t p = a->nodes[d].first; p != NONE; p = a->nodes[p].next) {
        if (!a->nodes[p].named || a->nodes[p].kind == K_COMMENT) {
            continue;
        }
        uint32_t k = a->nodes[p].kind == K_PAIR ? child_field(a, p, F_KEY) : NONE;
        size_t n;
        const char *t = k != NONE && a->nodes[k].kind == K_STRING ? ntext(a, k, &n) : NULL;
        if (!t || n < 2 || key_is_read(t + 1, n - 2)) {
            return 0;
        }
    }
    return 1;
}

/* 1 if the call is the builtin dict(k=...) with only keywords the rules do not read; -1 if it
 * is not such a call. */
static int dict_call_safe(const analysis *a, uint32_t call)
{
    uint32_t f = child_field(a, call, F_FUNCTION);
    if (!ntext_is(a, f, "dict") || resolve_binding(a, f) != NULL) {
        return -1;
    }
    uint32_t args = child_field(a, call, F_ARGUMENTS);
    for (uint32_t x = args == NONE ? NONE : a->nodes[args].first; x != NONE; x = a->nodes[x].next) {
        if (!a->nodes[x].named || a->nodes[x].kind == K_COMMENT) {
            continue;
        }
        size_t n;
        const char *t =
            a->nodes[x].kind == K_KWARG ? ntext(a, child_field(a, x, F_NAME), &n) : NULL;
        if (!t || key_is_read(t, n)) {
            return 0;
        }
    }
    return 1;
}

/* The dict a comprehension `{k: v for k, v in src.items() ...}` draws its keys from (src), or
 * NONE. */
static uint32_t comprehension_source(const analysis *a, uint32_t e)
{
    for (uint32_t c = a->nodes[e].first; c != NONE; c = a->nodes[c].next) {
        uint32_t it = child_field(a, c, F_RIGHT);
        uint32_t f =
            it != NONE && a->nodes[it].kind == K_CALL ? child_field(a, it, F_FUNCTION) : NONE;
        if (f != NONE && a->nodes[f].kind == K_ATTR &&
            ntext_is(a, child_field(a, f, F_ATTRIBUTE), "items")) {
            return child_field(a, f, F_OBJECT);
        }
    }
    return NONE;
}

/* 1 if the dict expression e (what `**e` unpacks) has only known keys, none of which the
 * evaluation rules read: a dict literal with string keys, dict(k=...), a name bound to one, a
 * call of a function of this file whose every return is one, or a comprehension
 * `{k: v for k, v in d.items() if ...}` over one (a filter only drops keys). */
/* NOLINTNEXTLINE(misc-no-recursion): depth <= 4 */
static int splat_keys_safe(const analysis *a, uint32_t e, int depth)
{
    if (e == NONE || depth > 4) {
        return 0;
    }
    switch (a->nodes[e].kind) {
    case K_DICT:
        return dict_literal_safe(a, e);
    case K_IDENT: {
        const binding *b = resolve_binding(a, e);
        return b && b->kind == BIND_VALUE && splat_keys_safe(a, b->value, depth + 1);
    }
    case K_CALL: {
        int r = dict_call_safe(a, e);
        if (r >= 0) {
            return r;
        }
        const defn *d = call_target(a, e);
        return d && !d->is_class && returns_safe(a, d, depth);
    }
    case K_COMPREHENSION:
        return splat_keys_safe(a, comprehension_source(a, e), depth + 1);
    default:
        return 0;
    }
}

/* 1 if every splat of the call is a `**` of a dict whose keys are known and none is read. */
static int splats_safe(const analysis *a, uint32_t call)
{
    uint32_t args = child_field(a, call, F_ARGUMENTS);
    for (uint32_t c = args == NONE ? NONE : a->nodes[args].first; c != NONE; c = a->nodes[c].next) {
        if (a->nodes[c].kind == K_LIST_SPLAT ||
            (a->nodes[c].kind == K_DICT_SPLAT && !splat_keys_safe(a, named_child(a, c, 0), 0))) {
            return 0;
        }
    }
    return 1;
}

/* 1 if e is an attribute chain the file assigns to (`cfg.args = ...`): whatever it holds is
 * not the import's. */
static int attr_assigned(const analysis *a, uint32_t e)
{
    if (a->nodes[e].kind != K_ATTR) {
        return 0;
    }
    size_t n;
    const char *t = ntext(a, e, &n);
    for (uint32_t i = 0; i < a->n_nodes; i++) {
        uint32_t left = a->nodes[i].kind == K_ASSIGN ? child_field(a, i, F_LEFT) : NONE;
        size_t ln;
        const char *lt = left == NONE ? NULL : ntext(a, left, &ln);
        if (lt && ln == n && memcmp(lt, t, n) == 0) {
            return 1;
        }
    }
    return 0;
}

/* 1 if the file assigns `name.attr = value` (value not None) where name is bound as the plain
 * name e is (the import). */
static int binding_attr_set(const analysis *a, uint32_t e, const char *attr)
{
    const binding *b = a->nodes[e].kind == K_IDENT ? resolve_binding(a, e) : NULL;
    for (uint32_t i = 0; b && i < a->n_nodes; i++) {
        uint32_t left = a->nodes[i].kind == K_ASSIGN ? child_field(a, i, F_LEFT) : NONE;
        if (left == NONE || a->nodes[left].kind != K_ATTR ||
            !ntext_is(a, child_field(a, left, F_ATTRIBUTE), attr)) {
            continue;
        }
        uint32_t obj = child_field(a, left, F_OBJECT);
        uint32_t v = child_field(a, i, F_RIGHT);
        if (obj != NONE && a->nodes[obj].kind == K_IDENT && resolve_binding(a, obj) == b &&
            v != NONE && a->nodes[v].kind != K_NONE) {
            return 1;
        }
    }
    return 0;
}

/* The Trainer's arguments are a name imported from a project module that builds them: read
 * them there. 0 (unreadable) when they cannot be followed. */
static int imported_args(const analysis *a, hf_trainer *t)
{
    const module_hf_args *m =
        module_hf_args_of((analysis *)a, t->args_expr, t->ext_where, sizeof t->ext_where);
    if (!m) {
        return 0;
    }
    t->ext = 1;
    t->flags = m->flags;
    snprintf(t->ext_cls, sizeof t->ext_cls, "%s", m->cls);
    /* settings assigned here to the imported object (`training_args.eval_strategy = "no"`
     * makes it unreadable; a mitigation counts) */
    static const char *const eval_keys[] = {"eval_strategy", "evaluation_strategy", "do_eval",
                                            NULL};
    for (int i = 0; eval_keys[i]; i++) {
        if (binding_attr_set(a, t->args_expr, eval_keys[i])) {
            return 0;
        }
    }
    if (binding_attr_set(a, t->args_expr, "eval_accumulation_steps") ||
        binding_attr_set(a, t->args_expr, "prediction_loss_only")) {
        t->flags |= HFA_MITIGATED;
    }
    if (binding_attr_set(a, t->args_expr, "prediction_loss_only") ||
        binding_attr_set(a, t->args_expr, "batch_eval_metrics") ||
        binding_attr_set(a, t->args_expr, "predict_with_generate")) {
        t->flags |= HFA_REDUCED;
    }
    if (binding_attr_set(a, t->args_expr, "loss_type") ||
        binding_attr_set(a, t->args_expr, "use_liger_kernel")) {
        t->flags &= ~HFA_LOGITS_DROPPED;
    }
    return 1;
}

/* Reads a Trainer(...) call. Returns 0 when its arguments cannot be read statically (a splat,
 * or arguments from a parser, a config or elsewhere). */
int hf_trainer_read(const analysis *a, uint32_t tc, hf_trainer *t)
{
    memset(t, 0, sizeof *t);
    t->call = tc;
    t->args = NONE;
    t->args_expr = NONE;
    t->var = NONE;
    uint32_t p = a->nodes[tc].parent;
    if (p != NONE && a->nodes[p].kind == K_ASSIGN) {
        uint32_t left = child_field(a, p, F_LEFT);
        if (left != NONE && (a->nodes[left].kind == K_IDENT || a->nodes[left].kind == K_ATTR)) {
            t->var = left;
        }
    }
    if (call_has_splat(a, tc) && !splats_safe(a, tc)) {
        return 0;
    }
    uint32_t args_expr = call_kwarg(a, tc, "args");
    if (args_expr == NONE) {
        args_expr = call_positional(a, tc, 1);
    }
    t->args_expr = args_expr;
    if (args_expr != NONE) {
        t->args = hf_assigned_call(a, args_expr, a->nodes[tc].sb);
        if (t->args == NONE && parsed_from_cli(a, args_expr)) {
            t->cli = 1; /* what the command lines that run this script pass decides */
            return 1;
        }
        if (t->args == NONE && !attr_assigned(a, args_expr)) {
            return imported_args(a, t);
        }
        if (t->args == NONE || !call_of(a, t->args, 1) || call_has_splat(a, t->args)) {
            return 0;
        }
        t->flags = hf_args_flags(a, t->args);
    }
    return 1;
}

int hf_trainer_has(const analysis *a, const hf_trainer *t, const char *what, int method)
{
    return t->var != NONE &&
           (method ? method_called(a, t->var, what) : hf_attr_set(a, t->var, what));
}

/* Evaluation runs: evaluate()/predict() is called, or the arguments turn it on (by keyword or
 * by their class's field defaults). */
int hf_eval_runs(const analysis *a, const hf_trainer *t)
{
    if (hf_trainer_has(a, t, "evaluate", 1) || hf_trainer_has(a, t, "predict", 1)) {
        return 1;
    }
    return (t->flags & HFA_EVAL) != 0;
}

/* 1 if the arguments call turns evaluation on by its keywords or its class's defaults. */
static int args_eval_on(const analysis *a, uint32_t args)
{
    uint32_t st = call_kwarg(a, args, "eval_strategy");
    if (st == NONE) {
        st = call_kwarg(a, args, "evaluation_strategy");
    }
    if (st == NONE && call_kwarg(a, args, "do_eval") == NONE) {
        return (hf_args_call_defaults(a, args) & HF_DEFAULT_EVAL) != 0;
    }
    return strategy_on(a, st) == 1 || hf_kw_true(a, args, "do_eval");
}

/* 1 if the string node v is the literal "chunked_nll". */
static int chunked_literal(const analysis *a, uint32_t v)
{
    size_t n;
    const char *t = ntext(a, v, &n);
    return a->nodes[v].kind == K_STRING && n == 13 && memcmp(t + 1, "chunked_nll", 11) == 0 &&
           (t[0] == '"' || t[0] == '\'');
}

/* 1 if the keyword is True on the call, or `target.name = value` is assigned later. */
static int set_true(const analysis *a, uint32_t args, uint32_t target, const char *name)
{
    return hf_kw_true(a, args, name) || (target != NONE && hf_attr_set(a, target, name));
}

/* 1 if TRL's SFTConfig call leaves loss_type unset (or "chunked_nll") without Liger: the
 * trainer's patched forward returns no logits. */
static int sft_config_drops(const analysis *a, uint32_t args, uint32_t target)
{
    char q[256];
    uint32_t af = child_field(a, args, F_FUNCTION);
    if (af == NONE || !resolve_name(a, af, q, sizeof q) || strncmp(q, "trl.", 4) != 0 ||
        strcmp(last_part(q), "SFTConfig") != 0) {
        return 0; /* a subclass or another config: its defaults are not read here */
    }
    uint32_t lt = call_kwarg(a, args, "loss_type");
    if ((lt != NONE && a->nodes[lt].kind != K_NONE && !chunked_literal(a, lt)) ||
        hf_kw_set(a, args, "use_liger_kernel")) {
        return 0; /* "nll", "dft", a name: the model's logits come back */
    }
    /* the same settings assigned later, `args.loss_type = "nll"` */
    return target == NONE ||
           !(hf_attr_set(a, target, "loss_type") || hf_attr_set(a, target, "use_liger_kernel"));
}

int hf_args_flags(const analysis *a, uint32_t args)
{
    uint32_t apar = a->nodes[args].parent;
    uint32_t target =
        apar != NONE && a->nodes[apar].kind == K_ASSIGN ? child_field(a, apar, F_LEFT) : NONE;
    int flags = args_eval_on(a, args) ? HFA_EVAL : 0;
    if (hf_kw_set(a, args, "eval_accumulation_steps") ||
        hf_kw_true(a, args, "prediction_loss_only") || hf_kw_true(a, args, "batch_eval_metrics") ||
        (hf_args_call_defaults(a, args) & HF_DEFAULT_MITIGATED) ||
        (target != NONE && (hf_attr_set(a, target, "eval_accumulation_steps") ||
                            hf_attr_set(a, target, "prediction_loss_only")))) {
        flags |= HFA_MITIGATED;
    }
    if (set_true(a, args, target, "prediction_loss_only") ||
        set_true(a, args, target, "batch_eval_metrics") ||
        set_true(a, args, target, "predict_with_generate")) {
        flags |= HFA_REDUCED;
    }
    if (sft_config_drops(a, args, target)) {
        flags |= HFA_LOGITS_DROPPED;
    }
    return flags;
}

int hf_trainer_call(const analysis *a, uint32_t call)
{
    return call_of(a, call, 0);
}

/* 1 if the qualified class name is TRL's SFTTrainer, or a class of this file deriving from it
 * (through local classes, depth <= 4). */
/* NOLINTNEXTLINE(misc-no-recursion): depth <= 4 */
static int sft_trainer_class(const analysis *a, const char *q, int depth)
{
    if (strncmp(q, "trl.", 4) == 0) {
        return strcmp(last_part(q), "SFTTrainer") == 0;
    }
    if (strncmp(q, "<local>.", 8) != 0 || depth > 4) {
        return 0;
    }
    const defn *d = find_def(a, q + 8, strlen(q + 8), 1);
    uint32_t sup = d ? child_field(a, d->node, F_SUPERCLASSES) : NONE;
    for (uint32_t s = sup == NONE ? NONE : a->nodes[sup].first; s != NONE; s = a->nodes[s].next) {
        char sq[256];
        if (a->nodes[s].named && resolve_name(a, s, sq, sizeof sq) &&
            sft_trainer_class(a, sq, depth + 1)) {
            return 1;
        }
    }
    return 0;
}

int hf_logits_dropped(const analysis *a, const hf_trainer *t)
{
    char q[256];
    uint32_t f = child_field(a, t->call, F_FUNCTION);
    if (t->cli || f == NONE || !resolve_name(a, f, q, sizeof q) || !sft_trainer_class(a, q, 0)) {
        return 0;
    }
    if (t->args == NONE && !t->ext) {
        /* no arguments at all: SFTTrainer builds a default SFTConfig */
        return t->args_expr == NONE;
    }
    return (t->flags & HFA_LOGITS_DROPPED) != 0;
}

/* 1 if the annotation expression e names a Hugging Face arguments class (`TrainingArguments`,
 * a TRL config, `X | None`). */
/* NOLINTNEXTLINE(misc-no-recursion): depth <= 3 */
static int annotation_is_args(const analysis *a, uint32_t e, int depth)
{
    char q[256];
    if (e == NONE || depth > 3) {
        return 0;
    }
    if (a->nodes[e].kind == K_BINOP) {
        return annotation_is_args(a, child_field(a, e, F_LEFT), depth + 1) ||
               annotation_is_args(a, child_field(a, e, F_RIGHT), depth + 1);
    }
    return (a->nodes[e].kind == K_IDENT || a->nodes[e].kind == K_ATTR) &&
           resolve_name(a, e, q, sizeof q) && class_is(a, q, 1, 0);
}

int hf_args_expr(const analysis *a, uint32_t e)
{
    if (e == NONE || a->nodes[e].kind != K_IDENT) {
        return 0;
    }
    const binding *b = resolve_binding(a, e);
    if (!b) {
        return 0;
    }
    if (b->kind == BIND_VALUE) {
        return b->value != NONE && a->nodes[b->value].kind == K_CALL &&
               is_hf_args_call(a, b->value);
    }
    if (b->kind == BIND_IMPORT) {
        /* arguments built in another project module */
        char where[256];
        return module_hf_args_of((analysis *)a, e, where, sizeof where) != NULL;
    }
    uint32_t p = b->kind == BIND_PARAM ? a->nodes[b->site].parent : NONE;
    if (p == NONE || (a->nodes[p].kind != K_TYPED_PARAM && a->nodes[p].kind != K_DEFAULT_PARAM)) {
        return 0;
    }
    uint32_t type = named_child(a, p, 1); /* name, type[, value] */
    return type != NONE && type != child_field(a, p, F_VALUE) &&
           annotation_is_args(a, named_child(a, type, 0), 0);
}

/* 1 if the condition cond holds only when `args.gradient_checkpointing` does (args: Hugging
 * Face arguments), alone or as a conjunct of `and`. */
/* NOLINTNEXTLINE(misc-no-recursion): depth <= 8 */
static int gc_condition(const analysis *a, uint32_t cond, int depth)
{
    if (cond == NONE || depth > 8) {
        return 0;
    }
    if (a->nodes[cond].kind == K_PAREN) {
        return gc_condition(a, named_child(a, cond, 0), depth + 1);
    }
    if (a->nodes[cond].kind == K_BOOLOP) {
        if (!ntext_is(a, child_field(a, cond, F_OPERATOR), "and")) {
            return 0;
        }
        return gc_condition(a, child_field(a, cond, F_LEFT), depth + 1) ||
               gc_condition(a, child_field(a, cond, F_RIGHT), depth + 1);
    }
    return a->nodes[cond].kind == K_ATTR &&
           ntext_is(a, child_field(a, cond, F_ATTRIBUTE), "gradient_checkpointing") &&
           hf_args_expr(a, child_field(a, cond, F_OBJECT));
}

/* 1 if node n runs only inside an if/elif branch whose condition is gc_condition (within its
 * function). */
static int under_gc_guard(const analysis *a, uint32_t n)
{
    uint32_t func = a->nodes[n].func;
    for (uint32_t c = n, p = a->nodes[n].parent; p != NONE && c != func;
         c = p, p = a->nodes[p].parent) {
        if ((a->nodes[p].kind == K_IF || a->nodes[p].kind == K_ELIF) &&
            a->nodes[c].field == F_CONSEQUENCE &&
            gc_condition(a, child_field(a, p, F_CONDITION), 0)) {
            return 1;
        }
    }
    return 0;
}

int hf_gc_superseded(const analysis *a, uint32_t call)
{
    if (under_gc_guard(a, call)) {
        return 1;
    }
    /* a helper of this file: every call of it is so guarded (and there is one) */
    uint32_t func = a->nodes[call].func;
    const defn *d =
        func != NONE && a->nodes[func].kind == K_FUNC ? def_at((analysis *)a, func) : NULL;
    if (!d) {
        return 0;
    }
    int calls = 0;
    for (size_t i = 0; i < a->n_calls; i++) {
        if (call_target(a, a->calls[i]) != d) {
            continue;
        }
        if (!under_gc_guard(a, a->calls[i])) {
            return 0;
        }
        calls++;
    }
    return calls > 0;
}
