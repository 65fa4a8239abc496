/* OOM104 reentrant-checkpoint-under-ddp: activation checkpointing in reentrant mode (explicitly
 * or by default) in a project that trains under DistributedDataParallel. Sites are found in the
 * file; DDP is a project fact asked for lazily, only when a site exists (lint_options). */
#include <stdio.h>
#include <string.h>

#include "linter/lint_int.h"

enum { RE_FALSE = 0, RE_TRUE = 1, RE_MISSING = 2, RE_UNKNOWN = 3 };

static int key_is(const analysis *a, uint32_t k, const char *name)
{
    if (k == NONE || a->nodes[k].kind != K_STRING) {
        return 0;
    }
    size_t n;
    const char *t = ntext(a, k, &n);
    size_t m = strlen(name);
    return n == m + 2 && (t[0] == '"' || t[0] == '\'') && memcmp(t + 1, name, m) == 0;
}

static int bool_value(const analysis *a, uint32_t v)
{
    if (v == NONE) {
        return RE_MISSING;
    }
    if (a->nodes[v].kind == K_FALSE) {
        return RE_FALSE;
    }
    if (a->nodes[v].kind == K_TRUE) {
        return RE_TRUE;
    }
    if (a->nodes[v].kind == K_IDENT) {
        /* a constant: USE_REENTRANT = True at module level, the binding the name sees here */
        const binding *b = resolve_binding(a, v);
        if (b && b->kind == BIND_VALUE && b->scope == 0 && !b->fallback && b->value != NONE &&
            (a->nodes[b->value].kind == K_TRUE || a->nodes[b->value].kind == K_FALSE)) {
            return a->nodes[b->value].kind == K_TRUE ? RE_TRUE : RE_FALSE;
        }
    }
    return RE_UNKNOWN;
}

/* use_reentrant in a dict literal `{"use_reentrant": False}` or `dict(use_reentrant=False)`. */
static int dict_reentrant(const analysis *a, uint32_t d)
{
    if (d == NONE) {
        return RE_UNKNOWN;
    }
    if (a->nodes[d].kind == K_DICT) {
        for (uint32_t p = a->nodes[d].first; p != NONE; p = a->nodes[p].next) {
            if (a->nodes[p].kind == K_DICT_SPLAT) {
                return RE_UNKNOWN;
            }
            if (a->nodes[p].kind == K_PAIR &&
                key_is(a, child_field(a, p, F_KEY), "use_reentrant")) {
                return bool_value(a, child_field(a, p, F_VALUE));
            }
        }
        return RE_MISSING;
    }
    if (a->nodes[d].kind == K_CALL && ntext_is(a, child_field(a, d, F_FUNCTION), "dict")) {
        if (call_has_splat(a, d)) {
            return RE_UNKNOWN;
        }
        return bool_value(a, call_kwarg(a, d, "use_reentrant"));
    }
    return RE_UNKNOWN;
}

/* The value a name was last bound to where it is used (`kw = {...}` before `**kw`), as the
 * semantic model resolves it, or NONE. */
static uint32_t local_dict(const analysis *a, uint32_t name)
{
    if (name == NONE || a->nodes[name].kind != K_IDENT) {
        return NONE;
    }
    const binding *b = resolve_binding(a, name);
    return b && b->kind == BIND_VALUE ? b->value : NONE;
}

/* use_reentrant of a torch checkpoint call, reading `**kw` splats of local dict literals. */
static int call_reentrant(const analysis *a, uint32_t call)
{
    uint32_t v = call_kwarg(a, call, "use_reentrant");
    if (v != NONE) {
        return bool_value(a, v);
    }
    uint32_t args = child_field(a, call, F_ARGUMENTS);
    for (uint32_t x = args == NONE ? NONE : a->nodes[args].first; x != NONE; x = a->nodes[x].next) {
        if (a->nodes[x].kind != K_DICT_SPLAT) {
            continue;
        }
        uint32_t e = named_child(a, x, 0);
        int r = dict_reentrant(a, e);
        if (r == RE_UNKNOWN && e != NONE && a->nodes[e].kind == K_IDENT) {
            r = dict_reentrant(a, local_dict(a, e));
        }
        if (r != RE_MISSING) {
            return r; /* an unknown splat may carry use_reentrant: not flagged */
        }
    }
    return RE_MISSING;
}

typedef struct site {
    uint32_t call;
    int kind;       /* 0 torch checkpoint, 1 gradient_checkpointing_enable, 2 TrainingArguments */
    int state;      /* RE_TRUE or RE_MISSING */
    uint32_t value; /* the offending value node, or NONE */
} site;

/* A transformers model's gradient_checkpointing_enable(kwargs): reentrant unless the kwargs
 * (a dict literal, or a name bound to one) say use_reentrant=False. */
static void classify_enable(const analysis *a, uint32_t c, site *s)
{
    s->kind = 1;
    uint32_t kw = call_kwarg(a, c, "gradient_checkpointing_kwargs");
    if (kw == NONE) {
        kw = call_positional(a, c, 0);
    }
    if (kw == NONE) {
        s->state = call_has_splat(a, c) ? RE_UNKNOWN : RE_MISSING;
    } else if (a->nodes[kw].kind == K_NONE) {
        s->state = RE_MISSING;
        s->value = kw;
    } else {
        s->state = dict_reentrant(a, kw);
        if (s->state == RE_UNKNOWN && a->nodes[kw].kind == K_IDENT) {
            s->state = dict_reentrant(a, local_dict(a, kw));
        }
    }
}

/* TrainingArguments(gradient_checkpointing=True, gradient_checkpointing_kwargs=...). Returns 0
 * when the call does not turn checkpointing on (or cannot be read). */
static int classify_hf_args(const analysis *a, uint32_t c, site *s)
{
    uint32_t gc = call_kwarg(a, c, "gradient_checkpointing");
    if (gc == NONE || a->nodes[gc].kind != K_TRUE || call_has_splat(a, c)) {
        return 0;
    }
    s->kind = 2;
    uint32_t kw = call_kwarg(a, c, "gradient_checkpointing_kwargs");
    if (kw == NONE || a->nodes[kw].kind == K_NONE) {
        s->state = RE_MISSING;
        s->value = kw;
    } else {
        s->state = dict_reentrant(a, kw);
    }
    return 1;
}

static int torch_checkpoint(const char *q)
{
    return strcmp(q, "torch.utils.checkpoint.checkpoint") == 0 ||
           strcmp(q, "torch.utils.checkpoint.checkpoint_sequential") == 0;
}

/* What checkpointing call c is, if any: a site with kind >= 0, else kind -1. own_enable: the
 * file defines its own gradient_checkpointing_enable (not transformers'). */
static site classify(const analysis *a, uint32_t c, int own_enable)
{
    site s = {c, -1, RE_MISSING, NONE};
    uint32_t f = child_field(a, c, F_FUNCTION);
    char q[256];
    if (f == NONE) {
        return s;
    }
    if (resolve_name(a, f, q, sizeof q) &&
        (torch_checkpoint(q) ||
         /* partial(checkpoint, use_reentrant=...): the checkpoint function a model is given */
         (strcmp(q, "functools.partial") == 0 && call_positional(a, c, 0) != NONE &&
          resolve_name(a, call_positional(a, c, 0), q, sizeof q) && torch_checkpoint(q)))) {
        s.kind = 0;
        s.state = call_reentrant(a, c);
        s.value = call_kwarg(a, c, "use_reentrant");
    } else if (!own_enable && a->nodes[f].kind == K_ATTR &&
               ntext_is(a, child_field(a, f, F_ATTRIBUTE), "gradient_checkpointing_enable")) {
        classify_enable(a, c, &s);
    } else if (a->nodes[c].kind == K_CALL && is_hf_args_call(a, c) && !classify_hf_args(a, c, &s)) {
        s.kind = -1;
    }
    return s;
}

/* A torch checkpoint site: checkpoint(...) itself, or partial(checkpoint, ...). */
static void report_torch(analysis *a, const site *s, const char *where)
{
    uint32_t f = child_field(a, s->call, F_FUNCTION);
    char q[64];
    int partial = resolve_name(a, f, q, sizeof q) && strcmp(q, "functools.partial") == 0;
    size_t fl;
    /* partial(checkpoint, ...): name the checkpoint function it binds */
    const char *ft = ntext(a, partial ? call_positional(a, s->call, 0) : f, &fl);
    int fw = (int)(fl > 60 ? 60 : fl);
    const char *open = partial ? "partial(" : "";
    const char *sep = partial ? ", " : "(";
    lint_finding *fd;
    if (s->state == RE_TRUE) {
        fd = add_finding(a, f,
                         "`%s%.*s%s...)` is explicitly reentrant (use_reentrant=True) and the "
                         "project trains under DDP (%s): pass use_reentrant=False",
                         open, fw, ft, sep, where);
    } else {
        fd = add_finding(a, f,
                         "`%s%.*s%s...)` is reentrant (use_reentrant is not set; the default "
                         "depends on the installed PyTorch version) and the project trains "
                         "under DDP (%s): pass use_reentrant=False",
                         open, fw, ft, sep, where);
    }
    if (s->value != NONE) {
        set_fix(a, fd, a->nodes[s->value].sb, a->nodes[s->value].eb, "False",
                "Use non-reentrant checkpointing (use_reentrant=False)", LINT_FIX_UNSAFE);
    } else if (!call_has_splat(a, s->call)) {
        /* (a splat may carry use_reentrant: a second one would be a TypeError) */
        fix_add_kwarg(a, fd, s->call, "use_reentrant=False",
                      "Use non-reentrant checkpointing (use_reentrant=False)", LINT_FIX_UNSAFE);
    }
}

static void report(analysis *a, const site *s, const char *where)
{
    if (s->kind == 0) {
        report_torch(a, s, where);
        return;
    }
    uint32_t f = child_field(a, s->call, F_FUNCTION);
    size_t fl;
    const char *ft = ntext(a, f, &fl);
    int fw = (int)(fl > 60 ? 60 : fl);
    lint_finding *fd = add_finding(a, f,
                                   "`%.*s(...)` enables gradient checkpointing without "
                                   "gradient_checkpointing_kwargs={\"use_reentrant\": False} (the "
                                   "default depends on the installed transformers version) and the "
                                   "project trains under DDP (%s)",
                                   fw, ft, where);
    if (s->value != NONE) {
        set_fix(a, fd, a->nodes[s->value].sb, a->nodes[s->value].eb, "{\"use_reentrant\": False}",
                "Pass use_reentrant=False", LINT_FIX_UNSAFE);
    } else if (s->state == RE_MISSING &&
               call_kwarg(a, s->call, "gradient_checkpointing_kwargs") == NONE &&
               call_positional(a, s->call, 0) == NONE) {
        fix_add_kwarg(a, fd, s->call, "gradient_checkpointing_kwargs={\"use_reentrant\": False}",
                      "Pass use_reentrant=False", LINT_FIX_UNSAFE);
    }
}

/* Does expression e name the model m (its text), directly or through a name bound in the same
 * function from an expression that mentions m (text_module = text_encoder.text_model)? */
static int names_model(const analysis *a, uint32_t e, const char *m, size_t ml)
{
    e = chain_root(a, e);
    if (e == NONE) {
        return 0;
    }
    size_t el;
    const char *et = ntext(a, e, &el);
    if (el == ml && memcmp(et, m, ml) == 0) {
        return 1;
    }
    const binding *b = resolve_binding(a, e);
    if (!b || b->kind != BIND_VALUE || b->value == NONE) {
        return 0;
    }
    size_t vl;
    const char *vt = ntext(a, b->value, &vl);
    return memmem(vt, vl, m, ml) != NULL;
}

/* model.gradient_checkpointing_enable() where the same function freezes the model's encoder
 * (`text_encoder.text_model.encoder.requires_grad_(False)`, textual inversion's set-up): the
 * checkpointed layers hold no trainable parameter, so DDP's hooks never fire inside their
 * recomputation. */
static int checkpointed_layers_frozen(const analysis *a, uint32_t enable)
{
    uint32_t f = child_field(a, enable, F_FUNCTION);
    size_t ml;
    const char *m = ntext(a, child_field(a, f, F_OBJECT), &ml);
    for (size_t i = 0; i < a->n_calls; i++) {
        uint32_t c = a->calls[i];
        uint32_t cf = child_field(a, c, F_FUNCTION);
        if (a->nodes[c].func != a->nodes[enable].func || cf == NONE ||
            a->nodes[cf].kind != K_ATTR ||
            !ntext_is(a, child_field(a, cf, F_ATTRIBUTE), "requires_grad_")) {
            continue;
        }
        uint32_t arg = call_positional(a, c, 0);
        uint32_t obj = child_field(a, cf, F_OBJECT);
        if (arg == NONE || a->nodes[arg].kind != K_FALSE || obj == NONE ||
            a->nodes[obj].kind != K_ATTR ||
            !ntext_is(a, child_field(a, obj, F_ATTRIBUTE), "encoder")) {
            continue;
        }
        if (names_model(a, obj, m, ml)) {
            return 1;
        }
    }
    return 0;
}

static void rule_reentrant(analysis *a)
{
    site *sites = NULL;
    size_t n = 0;
    size_t cap = 0;
    int own_enable = find_method(a, "gradient_checkpointing_enable", 29) != NULL;
    for (size_t i = 0; i < a->n_calls; i++) {
        site s = classify(a, a->calls[i], own_enable);
        if (s.kind < 0 || (s.state != RE_TRUE && s.state != RE_MISSING) ||
            (s.kind == 1 &&
             (checkpointed_layers_frozen(a, a->calls[i]) || hf_gc_superseded(a, a->calls[i])))) {
            continue;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            sites = xrealloc(sites, cap * sizeof *sites);
        }
        sites[n++] = s;
    }
    lint_ddp ddp;
    if (n > 0) {
        project_ddp_fact(a, &ddp); /* asked only now that a site exists */
    }
    if (n > 0 && ddp.ddp && !ddp.static_graph) {
        char where[400];
        snprintf(where, sizeof where, "%s%s", ddp.where[0] ? ddp.where : "the project",
                 ddp.find_unused ? ", find_unused_parameters=True makes it worse" : "");
        for (size_t i = 0; i < n; i++) {
            report(a, &sites[i], where);
        }
    }
    free(sites);
}

/* What --explain prints: what is flagged, what is not, and examples. */
static const char explain[] =
    "Flags activation checkpointing that runs in reentrant mode in a project that trains with\n"
    "DistributedDataParallel: torch.utils.checkpoint.checkpoint / checkpoint_sequential (through\n"
    "aliases, and partial(checkpoint, ...) handed to a model) with use_reentrant missing or True\n"
    "(also through a **kwargs dict the function fills in), transformers'\n"
    "gradient_checkpointing_enable() without gradient_checkpointing_kwargs={\"use_reentrant\":\n"
    "False}, and\n"
    "TrainingArguments(gradient_checkpointing=True) without gradient_checkpointing_kwargs.\n"
    "Reentrant checkpointing breaks DDP's gradient-ready hooks (errors, or parameters reduced\n"
    "twice) and its default depends on the installed PyTorch/transformers version. DDP must\n"
    "reach the file: DistributedDataParallel(...) (any alias), DDPStrategy, strategy=\"ddp\",\n"
    "or Accelerator() without a DeepSpeed/FSDP plugin, in code of this file or of a project\n"
    "module that imports it (through any chain of imports; project root: nearest ancestor with\n"
    ".git or pyproject.toml), or a torchrun / accelerate launch / torch.distributed.run line of\n"
    "a shell script that starts such a script. Strings, docstrings and comments are not\n"
    "evidence; a test file counts only if it spawns processes. DDP with static_graph=True (also\n"
    "through Accelerate's DistributedDataParallelKwargs) is not flagged.\n"
    "\n"
    "Not flagged: gradient_checkpointing_enable() that runs only under\n"
    "`if args.gradient_checkpointing` of the Trainer's own arguments (a TrainingArguments or TRL\n"
    "config; directly, or at every call of the helper holding it): the Trainer enables\n"
    "checkpointing again in train() with args.gradient_checkpointing_kwargs before it wraps the\n"
    "model, and that call decides (the arguments are reported when they leave the kwargs out).\n"
    "Project functions named checkpoint, torch.distributed._composable.checkpoint,\n"
    "diffusers' enable_gradient_checkpointing(), FSDP/DeepSpeed-only projects.\n"
    "\n"
    "Bad:\n"
    "    from torch.utils.checkpoint import checkpoint\n"
    "    h = checkpoint(block, h)                         # OOM104\n"
    "Good:\n"
    "    h = checkpoint(block, h, use_reentrant=False)\n";

static const char *const needles[] = {"checkpoint", NULL};

const rule_spec oom104_reentrant_checkpoint_under_ddp = {
    .meta =
        {
            .code = "OOM104",
            .name = "reentrant-checkpoint-under-ddp",
            .entry = "M7",
            .severity = LINT_SEV_WARNING,
            .fixable = LINT_FIXABLE_SOMETIMES,
            .summary = "reentrant activation checkpointing in a project that trains under DDP",
            .explain = explain,
        },
    .needles = needles,
    .run = rule_reentrant,
};
