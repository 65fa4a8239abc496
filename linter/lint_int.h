/* Private to linter/: the flat syntax tree the rules walk, name resolution, per-function facts
 * (what trains, what is a per-step region), the findings, fixes and noqa reading the rules
 * and the driver share, and the file walk a batch and the project scan share.
 * Nothing outside linter/ includes this header. */
#ifndef OOMKB_LINT_INT_H
#define OOMKB_LINT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "linter/lint.h"

#define NONE UINT32_MAX
/* Expression and block recursion is capped: deeper nesting (10,000 brackets) reads as
 * "unknown", which never produces a finding. */
#define MAX_DEPTH 200

/* Node kinds the rules care about; everything else is K_OTHER. */
enum kind {
    K_OTHER = 0,
    K_MODULE,
    K_ERROR,
    K_IDENT,
    K_ATTR,
    K_CALL,
    K_ARGS,
    K_KWARG,
    K_LIST_SPLAT,
    K_DICT_SPLAT,
    K_SUBSCRIPT,
    K_BINOP,
    K_UNARY,
    K_NOT,
    K_BOOLOP,
    K_COMPARE,
    K_PAREN,
    K_COND_EXPR,
    K_LIST,
    K_TUPLE,
    K_SET,
    K_DICT,
    K_PAIR,
    K_STRING,
    K_INTEGER,
    K_FLOAT,
    K_TRUE,
    K_FALSE,
    K_NONE,
    K_FUNC,
    K_CLASS,
    K_DECORATED,
    K_DECORATOR,
    K_LAMBDA,
    K_BLOCK,
    K_EXPR_STMT,
    K_ASSIGN,
    K_AUG_ASSIGN,
    K_RETURN,
    K_IF,
    K_ELIF,
    K_ELSE,
    K_FOR,
    K_WHILE,
    K_TRY,
    K_EXCEPT,
    K_FINALLY,
    K_WITH,
    K_WITH_ITEM,
    K_IMPORT,
    K_IMPORT_FROM,
    K_DOTTED,
    K_ALIASED,
    K_RELATIVE,
    K_WILDCARD,
    K_COMMENT,
    K_PATTERN_LIST,
    K_EXPR_LIST,
    K_COMPREHENSION,
    K_GENERATOR,
    K_GLOBAL,
    K_NONLOCAL,
    K_PARAMS,
    K_DEFAULT_PARAM,
    K_TYPED_PARAM,
    K_AS_PATTERN,
    K_KEYWORD_TOKEN, /* anonymous tokens kept for their text: operators */
    K__COUNT
};

/* Field names the rules read. */
enum field {
    F_NONE = 0,
    F_NAME,
    F_ALIAS,
    F_VALUE,
    F_OBJECT,
    F_ATTRIBUTE,
    F_FUNCTION,
    F_ARGUMENTS,
    F_LEFT,
    F_RIGHT,
    F_OPERATOR,
    F_BODY,
    F_CONDITION,
    F_CONSEQUENCE,
    F_ALTERNATIVE,
    F_MODULE_NAME,
    F_SUPERCLASSES,
    F_KEY,
    F_SUBSCRIPT,
    F_DEFINITION,
    F_PARAMETERS,
    F__COUNT
};

/* 28 bytes: a 10 MB file flattens to about 4 million of them. Rows and columns are not kept
 * (they were 16 more bytes a node): point_of() derives them from the byte offset. */
typedef struct node {
    uint8_t kind;
    uint8_t field; /* the field this node fills in its parent */
    uint8_t named;
    uint8_t bad;                  /* ERROR or MISSING node */
    uint32_t parent, first, next; /* indices, NONE if absent */
    uint32_t func;   /* the innermost enclosing function_definition/lambda/module node */
    uint32_t sb, eb; /* byte range */
} node;

/* How a name is bound. */
enum bind_kind {
    BIND_IMPORT = 1, /* import / from-import: qual is the imported dotted name */
    BIND_DEF,        /* def name */
    BIND_CLASS,      /* class name */
    BIND_PARAM,      /* a parameter of a function or lambda */
    BIND_VALUE,      /* assigned: =, +=, a for/with/except target, global-declared assignment */
};

/* A name bound in a scope (semantic.c). `import torch.utils.checkpoint as cp` binds cp with
 * qual "torch.utils.checkpoint"; `def f` binds f; `x = v` binds x with value v. */
typedef struct binding {
    const char *name;
    size_t name_len;
    char *qual;     /* BIND_IMPORT: the imported dotted name (owned); else NULL */
    uint32_t scope; /* the module (0), function, lambda or class node the name lives in */
    uint32_t site;  /* the node that binds it: import statement, def/class, target identifier */
    uint32_t value; /* BIND_VALUE from `name = value`: the value; else NONE */
    uint32_t hash;  /* of the name: bindings are indexed by it first (semantic.c) */
    uint8_t kind;   /* enum bind_kind */
    /* 1: bound in an except handler or to None, a stand-in for the real binding (the
     * `try: import x / except ImportError: x = None` idiom); another binding wins. */
    uint8_t fallback;
} binding;

/* A def or class in this file. */
typedef struct defn {
    uint32_t node; /* the function_definition / class_definition */
    const char *name;
    size_t name_len;
    int is_class;
    int toplevel;    /* module scope (not a method, not nested in a function) */
    int step_direct; /* performs a training step outside any loop of its own */
    /* performs at least one update per call through a step loop of its own over something
     * other than the data (PPO epochs, mini-batches, accumulation): a step, as a loop around
     * such a loop would be; not a pass over a data loader */
    int step_nested;
    /* a nested def: where the function around it first names it after it (facts.c,
     * closure_use, asked once); use_known says whether it was asked */
    uint32_t use;
    int use_known;
    int called_in_loop; /* called (f() or self.f()) inside some loop of this file */
    int cache_wrapper;  /* flushes the cache whenever it runs and does not itself train (facts) */
} defn;

/* A top-level statement flattened on its own, kept between runs of one context when the caller
 * lints the same document again (an editor after each keystroke): a statement whose bytes did
 * not change is copied and relocated instead of walked again through tree-sitter. Nodes are
 * kept as last placed (index base0, byte sb0): an unmoved statement is one memcpy. */
typedef struct flat_chunk {
    uint64_t hash; /* of the statement's bytes */
    char *text;    /* the statement's bytes, for an exact comparison */
    uint32_t len;
    uint32_t base0, sb0;
    node *nodes;
    uint32_t n_nodes;
    uint32_t *calls, *loops; /* node indices, as placed */
    uint32_t n_calls, n_loops;
    int used; /* seen in the latest run (others are dropped) */
} flat_chunk;

/* ---- The project's modules (module.c) ---- */
enum { CALL_STEP = 1, CALL_FLUSHES = 2 };
/* What one iteration of a loop does: LOOP_STEP performs at least one optimizer update,
 * LOOP_EPOCH runs a step loop over the data, LOOP_OTHER neither (evaluation, loading, ...). */
enum loop_class { LOOP_OTHER = 0, LOOP_STEP = 1, LOOP_EPOCH = 2 };
enum {
    MODULE_TRAINS = 1,
    MODULE_FLUSHES = 2,
    MODULE_CLASS = 4,
    MODULE_HF_TRAINER = 8,
    MODULE_KEEPS_ARG = 16,
    MODULE_KEEPS_STATE = 32
};
/* A function ("f"), method ("C.m") or class ("C", MODULE_CLASS) of a module, as other files
 * see it. flags: what its own module shows (MODULE_TRAINS: calling it performs a training step
 * outside any loop of its own; MODULE_FLUSHES: it flushes the allocator cache on every path and
 * does not train; MODULE_HF_TRAINER, of a class: a Hugging Face Trainer, as a subclass of a
 * transformers/TRL *Trainer or as a vendored copy of one, a class named *Trainer whose body runs
 * the evaluation loop with compute_metrics and eval_accumulation_steps). Its calls of other
 * functions (a class: its project superclasses) are edges[edge_start .. edge_start + n_edges)
 * of its module; what it does through them is a reachability question (module_fn_does). */
typedef struct module_fn {
    char *name;
    uint8_t flags;
    uint8_t known, answer; /* module_fn_does's settled answers, per flag (under the cache lock) */
    uint32_t edge_start, n_edges;
} module_fn;
/* A call inside a module's function: of a function of the same module (target is its name) or,
 * through an import, of another module's (target is the qualified name as written, relative to
 * the module's file). when: MODULE_TRAINS if it is outside any loop of the caller (the callee
 * training makes the caller train), MODULE_FLUSHES if it runs on every path through the caller. */
typedef struct module_edge {
    char *target;
    uint8_t external, when;
} module_edge;
/* A name the module binds by import at its top level (a package re-export): qual as written,
 * relative to the module's file. */
typedef struct module_export {
    char *name, *qual;
} module_export;
/* A name the module binds once, by a top-level statement, to a Hugging Face arguments call
 * (TrainingArguments, Seq2SeqTrainingArguments, a TRL config, a subclass of one in the same
 * module) that another module may import: what the evaluation rules read of that call, as if
 * it were written where it is imported. flags: enum hf_args_flag. cls: the callee as written;
 * line: the call's, 1-based. */
typedef struct module_hf_args {
    char *name, *cls;
    uint32_t line;
    uint8_t flags;
} module_hf_args;
/* A project module's summary, built from its file alone (so it is the same however it is
 * reached). All owned; module_info_free frees it. */
typedef struct module_info {
    char *path;     /* its file, a real path */
    char *root;     /* its project root, or NULL */
    module_fn *fns; /* sorted by name */
    size_t n_fns;
    module_edge *edges;
    size_t n_edges;
    module_export *exports; /* sorted by name */
    size_t n_exports;
    char **deps; /* the project modules it imports (any scope), real paths */
    size_t n_deps;
    module_hf_args *hf_args; /* sorted by name */
    size_t n_hf_args;
    lint_ddp ddp;      /* the DDP set-up in its code (ddp_code_facts) */
    uint32_t ddp_line; /* where it starts, 1-based */
    int spawns;        /* it starts processes itself */
} module_info;
/* What a qualified name is in the project: a module (fn NULL) or one of its functions. */
typedef struct module_ref {
    const module_info *module;
    const module_fn *fn;
} module_ref;

/* One name module_resolve() answered this run. */
typedef struct resolve_memo {
    char *qual; /* owned; NULL: an empty slot */
    int ok;
    module_ref ref;
} resolve_memo;

typedef struct analysis {
    const char *src;
    size_t len;
    node *nodes;
    uint32_t n_nodes, cap_nodes;
    binding *binds; /* in source order */
    size_t n_binds, cap_binds;
    uint32_t *bind_by_name; /* binding indices sorted by name (hash first), scope, source order */
    /* resolve_binding()'s answers per node, filled as asked once semantic_build has finished
     * (NULL before): 0 not asked yet, 1 bound nowhere, else binding index + 2. The facts ask
     * for the same names again and again (every call's receiver and callee). */
    uint32_t *resolved;
    struct global_decl {
        uint32_t scope, name; /* `global name` in function scope */
    } * globals;
    size_t n_globals, cap_globals;
    defn *defs;
    size_t n_defs, cap_defs;
    uint32_t *calls; /* every call node, in source order */
    size_t n_calls, cap_calls;
    uint32_t *loops; /* every for/while node */
    size_t n_loops, cap_loops;
    uint8_t *loop_trains; /* per node index, for a for/while: its enum loop_class (facts.c) */
    /* Indexes over defs, rebuilt with them: by name (def indices sorted by name, so lookups are
     * a binary search, not a scan per call) and by node (def index or NONE per node). */
    uint32_t *def_by_name;
    uint32_t *def_by_node;
    /* Start offset of every line of src, built on first use by point_of() each run. */
    uint32_t *line_starts;
    uint32_t n_lines, cap_lines;
    int lines_built;
    /* The statement cache (see flat_chunk); used only when opts->incremental is set. */
    flat_chunk *chunks;
    size_t n_chunks, cap_chunks;
    const lint_options *opts;
    /* The project layer, set up on the first module_resolve() of a run: the project cache
     * (borrowed), this file's real path and its project root (owned, NULL when unknown). */
    lint_project_cache *project;
    char *path, *root;
    int paths_known;
    resolve_memo *memo; /* module_resolve's answers this run, open addressing */
    size_t n_memo, cap_memo;
    /* Per call (index into calls): the project function it calls in another module, if any
     * (facts.c). */
    module_ref *call_refs;
    uint8_t *call_flags; /* per call: CALL_STEP (trains), CALL_FLUSHES (facts.c) */
    int rule;            /* the number of the rule running now: add_finding reports under it */
    lint_finding *out;
    size_t n_out, cap_out;
} analysis;

/* ---- Tree access (tree.c) ---- */
const char *ntext(const analysis *a, uint32_t n, size_t *len);
int ntext_is(const analysis *a, uint32_t n, const char *s);
uint32_t child_field(const analysis *a, uint32_t n, int field);
/* The row and byte column of a byte offset of src, as tree-sitter counts them (rows end at
 * '\n'). Builds the line table on the first call of a run: O(len) once, then O(log lines). */
TSPoint point_of(analysis *a, uint32_t byte);
/* The same as a lint_point: row, byte column, and the 1-based column in code points that
 * editors and ruff display. The one place positions are computed. */
lint_point position_of(analysis *a, uint32_t byte);
uint32_t named_child(const analysis *a, uint32_t n, unsigned i);
int is_ancestor(const analysis *a, uint32_t anc, uint32_t n);
/* Builds the flat tree from a TSTree (reusing unchanged top-level statements when
 * a->opts->incremental is set). */
void tree_flatten(analysis *a, const TSTree *tree);
/* Frees the statement cache. */
void chunks_free(analysis *a);
/* FNV-1a (64-bit) of s[0..n): the statement cache's keys, the bindings' name order. */
uint64_t lint_hash_bytes(const char *s, size_t n);

/* ---- Names (semantic.c) ---- */
/* The scope whose names n sees first: the innermost class body, function or lambda
 * (parameters included), or the module (0). A def's or class's own node is in the scope that
 * binds its name. */
uint32_t scope_of(const analysis *a, uint32_t n);
/* What the identifier n refers to where it stands, as Python resolves it: the binding in n's
 * own scope (the last one before n; any of the scope's when none precedes, as in a loop), else
 * in the enclosing function scopes and the module (class bodies skipped; there the last
 * binding of the scope counts, since a function runs after its module has loaded). A
 * `global` declaration sends the name to the module. Fallback bindings lose to others. NULL:
 * bound nowhere in the file (a builtin, a star import, or unknown). */
const binding *resolve_binding(const analysis *a, uint32_t ident);
/* Collects the file's bindings and defs (and their indexes): the semantic model the rest of
 * the analysis asks. Runs once per lint, after tree_flatten. */
void semantic_build(analysis *a);
/* The def or class whose node is func, or NULL. */
defn *def_at(analysis *a, uint32_t func);
/* The first def named name[0..len) at any depth (a method, a nested function), or NULL. */
const defn *find_method(const analysis *a, const char *name, size_t len);
/* The method name[0..len) defined directly in class cls, or NULL. */
const defn *method_of(const analysis *a, const defn *cls, const char *name, size_t len);
/* The dotted qualified name of an identifier/attribute chain, with the leftmost name replaced as
 * resolve_binding() finds it: an import by what it imports ("cp.checkpoint" ->
 * "torch.utils.checkpoint.checkpoint"), a def or class of this file by "<local>.name"; a
 * parameter, a local value or an unbound name keeps its text. Writes at most cap bytes;
 * returns 0 if the expression is not a plain chain. */
int resolve_name(const analysis *a, uint32_t n, char *out, size_t cap);
/* The identifier at the left end of an attribute chain (`self` in self.a.b, x for x), or NONE
 * when the chain starts with something else (a call, a subscript). */
uint32_t chain_root(const analysis *a, uint32_t n);
/* The text of a chain without resolution ("self.optimizer"). */
int chain_text(const analysis *a, uint32_t n, char *out, size_t cap);
const defn *find_def(const analysis *a, const char *name, size_t len, int want_class);
/* The called function's last name: "step" for opt.step(), "f" for f(). */
const char *callee_last(const analysis *a, uint32_t call, size_t *len);
/* The keyword argument `name=` of a call, or NONE. */
uint32_t call_kwarg(const analysis *a, uint32_t call, const char *name);
/* 1 if the call has a **splat or *splat argument. */
int call_has_splat(const analysis *a, uint32_t call);
/* The i-th positional argument, or NONE. */
uint32_t call_positional(const analysis *a, uint32_t call, unsigned i);
/* ---- Facts (facts.c) ---- */
/* 1 if the call flushes the allocator cache: torch.cuda/xpu/npu/mps.empty_cache (aliases,
 * torch.cuda.memory.empty_cache, torch_npu), deepspeed's get_accelerator().empty_cache(). */
int flushes_cache(const analysis *a, uint32_t call);
/* Computes what the code does (which loops train, which functions step) over the semantic
 * model. Runs once per lint, after semantic_build. */
void facts_build(analysis *a);
/* The innermost for/while enclosing n inside n's own function, or NONE. */
uint32_t enclosing_loop(const analysis *a, uint32_t n);
/* 1 if n lies in the `except` part of a try (any handler). */
int in_except(const analysis *a, uint32_t n, uint32_t stop);
/* 1 if n is evaluated under torch.no_grad()/inference_mode()/set_grad_enabled(False) or in a
 * function decorated with them. */
int under_no_grad(const analysis *a, uint32_t n);
/* 1 if autograd is off where n runs: under torch.no_grad()/inference_mode()/
 * set_grad_enabled(False) (with, decorator, aliases, multi-item with); after a
 * `torch.set_grad_enabled(False)` statement earlier in n's function; in a Lightning hook that
 * runs without grad (validation_step, test_step, predict_step, the validation/test epoch-end
 * hooks); or in a function of this file that a caller in this file runs with autograd off
 * (callers of callers, three levels). */
int grad_disabled_at(const analysis *a, uint32_t n);
/* 1 if the loop is a for loop over data: its iterable (inside enumerate(), tqdm(), iter(),
 * zip()) is a name or attribute whose last word names a loader, a dataset, batches or a
 * validation/test split (`for x, y in val_loader`, `enumerate(self.eval_dataloader)`,
 * `loaders["val"]`). A loop over adapters, layers or a range of random inputs is not. */
int loop_over_data(const analysis *a, uint32_t loop);
/* 1 if the loop walks a batch in slices: `for i in range(...)` whose body slices something by
 * the loop variable (`x[i : i + b]`, `x[i * b : (i + 1) * b]`): mini-batches of a rollout or a
 * chunked forward, one piece of the data per iteration. */
int loop_over_slices(const analysis *a, uint32_t loop);
/* The value a name bound by tuple unpacking comes from (`logits, _, values = model(x)`: the
 * call), or NONE: not an unpacked name, or items paired one by one (`a, b = x, y`). */
uint32_t unpacked_from(const analysis *a, const binding *b);
/* When b (the binding of a name that use sees last in source order) is made only on some
 * paths (in an if/elif/else branch, a loop body, a try or except that does not hold use), the
 * binding of the same name before it, which reaches use on the other paths; else NULL. Walk it
 * again for the binding before that one. */
const binding *earlier_reaching_binding(const analysis *a, const binding *b, uint32_t use);
/* 1 if the parameters of the model whose text is model ("model", "self.encoder") are frozen in
 * this file: model.requires_grad_(False), or `p.requires_grad = False` in a loop over
 * model.parameters(). Its forwards record no graph of their own. */
int model_frozen(const analysis *a, const char *model);
/* 1 if the except clause exc handles a CUDA out-of-memory error: its type names an
 * OutOfMemoryError (torch.OutOfMemoryError, torch.cuda.OutOfMemoryError, aliases, a project's
 * OOM_EXCEPTION, in a tuple), or its body tests the error for it: the message for "out of
 * memory" (the RuntimeError idiom) or a call such as is_oom_error(e). */
int is_oom_handler(const analysis *a, uint32_t exc);
/* 1 if the call is a training step: x.backward(...), optimizer.step(), scaler.step(opt). */
int is_step_call(const analysis *a, uint32_t call);
/* The def a call goes to when it calls a same-file function (f(), self.f(), or x.f() where
 * x = C(...) with C a class of this file), or NULL. */
const defn *call_target(const analysis *a, uint32_t call);
/* 1 with *out filled when the call goes to a function or method of another project module
 * (through an import: helper(), mod.helper(); or x.m() where x = C(...) with C imported from
 * the project). Resolves (and may summarise) modules: facts_build asks it once per call and
 * keeps the answer in a->call_refs. */
int call_project_target(analysis *a, uint32_t call, module_ref *out);
/* The qualified name (as written in this file's imports) of what the call calls when the callee
 * is reached through an import: helper() -> "..utils.helper", mod.f() -> "pkg.mod.f", x.m() with
 * x = C(...) and C imported -> "pkg.C.m". 0 for anything else. */
int call_import_qual(const analysis *a, uint32_t call, char *out, size_t cap);
/* 1 if the call runs on every call of its function: no if, while, except, conditional
 * expression or lambda around it inside the function, and no for loop but ones that do not
 * train (a for loop runs its body at least once: its data, range or batches are not empty). */
int runs_every_call(const analysis *a, uint32_t call);
/* 1 if function d keeps its first argument (after self/cls) in an attribute of self: sums it
 * (self.sum += val * n, self.total = self.total + val) or appends it, with no number
 * conversion (.item(), .detach(), float()) on the way; an AverageMeter.update(val) that does
 * so keeps each loss's graph alive. */
int def_keeps_arg(const analysis *a, const defn *d);
/* 1 if class d is a vendored copy of a library trainer: named *Trainer, its body running the
 * evaluation loop with compute_metrics and eval_accumulation_steps. */
int vendored_hf_trainer(const analysis *a, const defn *d);
/* 1 if cond is a device-availability check (`torch.cuda.is_available()`, `device.type ==
 * "cuda"`): a guard that holds on every step of a run on the device. */
int is_device_check(const analysis *a, uint32_t cond);
/* 1 if an `if` with condition cond keeps a flush from running on every step: it names a
 * period (a modulo, an every-N, interval or frequency knob), the first steps (`step == 0`,
 * `i < 2`, first, warm-up), memory or the cache (an opt-in knob such as `args.low_vram` or
 * `empty_cache`, a memory threshold, an OOM flag), or an iteration without an optimizer
 * (`optimizer is None`). Words are read whole (identifiers split at '_' and case changes), so
 * `allow_tf32` is no "low" and `zoom` no "oom". `a and b` gates when either side does, `a or
 * b` when both do. Any other condition (a batching or feature switch such as
 * `num_mini_batches > 1`, a rank, a device check) lets the flush run on every step of the
 * runs that take it. */
int guard_gates_flush(const analysis *a, uint32_t cond);
/* 1 if the call flushes the cache: directly (flushes_cache), or through a function of this
 * file or of another project module that flushes on every path. */
int call_flushes(const analysis *a, size_t i);
/* The function name of the function node (NULL for the module). */
const char *func_name(const analysis *a, uint32_t func, size_t *len);
/* The methods a training framework calls once per training step, and what they are handed:
 * HOOK_ARGS_ANY (nothing known), HOOK_ARGS_NO_GRAPH (no argument carries an autograd graph:
 * Lightning's on_train_batch_end gets the batch and training_step's outputs with the loss
 * detached), HOOK_ARGS_LAST_IS_LOSS (the last parameter is the live loss, before backward:
 * on_before_backward, in a LightningModule and in a Callback alike). One table (an X-macro),
 * so the prefilter's needles and the facts cannot disagree. */
#define LINT_STEP_HOOKS(X)                                                                         \
    X("training_step", HOOK_ARGS_ANY)                                                              \
    X("compute_loss", HOOK_ARGS_ANY)                                                               \
    X("training_step_end", HOOK_ARGS_ANY)                                                          \
    X("on_train_batch_end", HOOK_ARGS_NO_GRAPH)                                                    \
    X("on_train_batch_start", HOOK_ARGS_ANY)                                                       \
    X("on_before_backward", HOOK_ARGS_LAST_IS_LOSS)                                                \
    X("on_after_backward", HOOK_ARGS_ANY)                                                          \
    X("on_before_optimizer_step", HOOK_ARGS_ANY)                                                   \
    X("on_step_end", HOOK_ARGS_ANY)                                                                \
    X("on_step_begin", HOOK_ARGS_ANY)                                                              \
    X("optimizer_step", HOOK_ARGS_ANY)
enum hook_args { HOOK_ARGS_ANY = 0, HOOK_ARGS_NO_GRAPH, HOOK_ARGS_LAST_IS_LOSS };
/* What a parameter binding holds when its function is a per-step hook. */
enum param_fact { PARAM_UNKNOWN = 0, PARAM_LIVE_LOSS, PARAM_NO_GRAPH };
int hook_param_fact(const analysis *a, const binding *param);
/* 1 if the function node func is one of LINT_STEP_HOOKS: a training framework runs it once
 * per step (and zeroes the gradients around it). */
int is_step_hook(const analysis *a, uint32_t func);
/* 1 if n (inside function f) runs on every training step: its innermost step loop in f (loops
 * that do not train, such as a rollout or logging loop, are part of the region around them;
 * an epoch loop ends the question), or, with no training loop around n in f, f itself when f
 * is a per-step hook or a step function (trains once per call, directly or through its own
 * mini-batch loops, and is called per step). */
int per_step_region(const analysis *a, uint32_t n, uint32_t *out_region);

/* Frees everything an analysis owns and zeroes it (module summaries it built included). */
void analysis_clear(analysis *a);

/* ---- Project modules (module.c, project.c) ---- */
/* The file of the module that qual (an import's qualified name as written: "pkg.mod.f",
 * "..utils.memory.empty_cache") names, imported from the file importer (a real path): relative
 * imports from importer's folder, absolute ones from importer's folder, root and root/src
 * (root may be NULL). Returns 1 with the module's file in out and the rest of qual (the name
 * inside the module, "" for the module itself) in *out_rest; 0 if qual is not a project
 * module (torch, a missing file). */
int module_find(const char *importer, const char *root, const char *qual, char *out, size_t cap,
                const char **out_rest);
/* What qual (as module_find takes it) is in the project of the file a lints: fills *out and
 * returns 1 for a project module or one of its functions, methods or classes (followed through
 * re-exports); 0 otherwise, or when a has no project (lint_options.project/path unset). */
int module_resolve(analysis *a, const char *qual, module_ref *out);
void module_info_free(module_info *m);
/* The summary of the module at path (a real path) in project root (may be NULL), from the cache
 * or built now; NULL if it cannot be read. Thread-safe. */
const module_info *module_load(lint_project_cache *c, const char *path, const char *root);
/* The modules the module from is or imports through project modules (breadth-first over the
 * summaries' deps, bounded): *out_n paths, sorted, borrowed from from and the cache's
 * summaries (valid while c lives; the caller frees the array only). */
const char **module_closure(lint_project_cache *c, const char *root, const char *from,
                            size_t *out_n);
/* 1 if path is in a closure. */
int module_closure_has(const char *const *closure, size_t n, const char *path);
/* 1 if the function fn of module m does flag (MODULE_TRAINS or MODULE_FLUSHES), by its own
 * module's facts or through the functions it calls, in any module of the project: a
 * reachability question over the summaries' edges, so import cycles need no special care and
 * the answer is the same whatever asked first. */
int module_fn_does(analysis *a, const module_info *m, const module_fn *fn, int flag);
/* 1 if q (a qualified name) is transformers' or TRL's *Trainer class. */
int hf_trainer_qual(const char *q);
/* 1 if q (a qualified name as resolve_name gives it) is a class of another project module that
 * is a Hugging Face Trainer (MODULE_HF_TRAINER through its project superclasses); only names
 * ending in "Trainer" are looked up. */
int project_hf_trainer(analysis *a, const char *q);
/* The Hugging Face arguments the expression e (a name imported from a project module, or
 * `mod.name` of an imported module) is bound to in the module that builds them, followed
 * through package re-exports; where receives "config.py:12" (relative to the project root).
 * NULL: not such a name, rebound in this file, or not bound once at the top of that module to
 * an arguments call it can read. The module is summarised on demand (no seed needles: the
 * question is asked only of a Trainer's arguments). */
const module_hf_args *module_hf_args_of(analysis *a, uint32_t e, char *where, size_t cap);
/* path for a message: relative to a's project root (or a's folder). */
void project_rel(const analysis *a, const char *path, char *out, size_t cap);
/* The FNV-1a hash of a string: the module index's and the project cache's path tables. */
size_t lint_str_hash(const char *s);
/* Frees the run's project paths (analysis_clear calls it). */
void module_locals_free(analysis *a);
/* The project cache's side of the index (project.c): the cached summary of the module at
 * path, or NULL; insert takes m and returns the cached summary (m, or one another thread put
 * first, m being freed). Thread-safe. */
const module_info *project_module_lookup(lint_project_cache *c, const char *path);
const module_info *project_module_insert(lint_project_cache *c, module_info *m);
/* 1 if the file at path holds a call shape that training or flushing code needs (.backward(,
 * .step(, empty_cache, ...), a relative import or a line feeding a self attribute back into a
 * call (text_feeds_self_attr): a module without one is not summarised for the facts layer. Cached
 * per path; thread-safe. */
int project_module_seeded(lint_project_cache *c, const char *path);
/* What the command lines of the project (shell scripts, Makefiles, READMEs) pass to the
 * script file (a real path) in Hugging Face Trainer flags: LAUNCH_EVAL (--do_eval, an
 * evaluation strategy other than no, --do_predict), LAUNCH_PREDICT (--do_predict),
 * LAUNCH_MITIGATED (--eval_accumulation_steps, --prediction_loss_only, --batch_eval_metrics),
 * LAUNCH_REDUCED (no full logits are kept: --prediction_loss_only, --batch_eval_metrics,
 * --predict_with_generate). where receives the first line that sets the flag cite
 * ("run.sh:3"). Thread-safe. */
enum { LAUNCH_EVAL = 1, LAUNCH_PREDICT = 2, LAUNCH_MITIGATED = 4, LAUNCH_REDUCED = 8 };
int project_launch_flags(lint_project_cache *c, const char *file, int cite, char *where,
                         size_t cap);
/* The project layer of a, set up on first use (a->project, a->path, a->root): 1 if a belongs
 * to a project (lint_options.project and path given). */
int analysis_project(analysis *a);
/* path made real (its folder, when the file itself does not exist). Caller frees. */
char *project_realpath(const char *path);
/* The settled answer of module_fn_does for fn and flag: answer >= 0 records it and returns it;
 * -1 asks (returns -1 when not settled yet). Thread-safe. */
int project_module_answer(lint_project_cache *c, const module_fn *cfn, int flag, int answer);
/* The project root (real path) of the real path file, or NULL when the file belongs to no
 * project (no .git or pyproject.toml above it, no workspace). Caller frees. */
char *project_root_of(lint_project_cache *c, const char *file);

/* DDP set-up in a file's code (never its strings, docstrings or comments). */
typedef struct ddp_code {
    uint32_t line;         /* the first line with DDP evidence, 1-based; 0: none */
    unsigned accelerators; /* Accelerator(...) constructions counted as DDP */
    int spawns;            /* starts processes itself (mp.spawn, start_processes) */
} ddp_code;
/* Adds what a's code sets up (DistributedDataParallel(...) through any alias, DDPStrategy,
 * strategy="ddp..." as a keyword or dict value, Accelerator() without a DeepSpeed/FSDP plugin,
 * static_graph=True, DistributedDataParallelKwargs(static_graph=True), _set_static_graph())
 * to *acc (counters, ddp, find_unused, static_graph settled) and fills *out. */
void ddp_code_facts(const analysis *a, lint_ddp *acc, ddp_code *out);
/* The DDP fact of the file a lints, asked lazily (it may scan the project): the one the
 * caller gives (lint_options.ddp / ddp_fn), plus the DDP set-up of a's own code (it may be an
 * editor's unsaved buffer or stdin), `where` citing the first evidence. */
void project_ddp_fact(const analysis *a, lint_ddp *out);

/* ---- Values carried across loop iterations (facts.c) ---- */
/* For `targets = call(..., x, ...)` directly inside loop (x also an element of a tuple
 * argument: `out, (h, c) = lstm(x, (h, c))`): the identifier argument x that the statement
 * rebinds, when x is bound before the loop and nowhere else inside it (no `x = x.detach()`,
 * no re-initialisation, no x.detach_()), so each iteration feeds the previous one's result
 * back in; else NONE. */
uint32_t loop_carried_arg(const analysis *a, uint32_t call, uint32_t loop);

/* ---- Recurrent state kept on a module (state_facts.c) ---- */
/* 1 if a method of the class node cls stores a call's outputs back in a self attribute it fed
 * to that call, among other outputs (`out, self.h = self.rnn(x, self.h)`; not a value
 * rewritten alone, `self.x = f(self.x)`) and neither detaches it nor re-makes it
 * on every call (an assignment outside any if): the state carries from call to call. Its own
 * methods only (MODULE_KEEPS_STATE in a module summary). */
int class_keeps_state(const analysis *a, uint32_t cls);
/* Calls fn(a, ref, ctx) for every class the class node cls builds on: each superclass and the
 * callee of every `self.Y = Cls(...)` in its methods (a submodule). */
typedef void state_part_fn(const analysis *a, uint32_t ref, void *ctx);
void class_state_parts(const analysis *a, uint32_t cls, state_part_fn *fn, void *ctx);
/* 1 if the identifier ident is bound to an instance (`model = Net(...)`, followed through
 * `model = model.to(device)`) of a class that keeps a state (its own methods, a superclass or
 * a submodule, in this file or, through imports, in other project modules), or built from one
 * (`model = Generator(rnn, head)` with rnn such an instance). */
int instance_keeps_state(analysis *a, uint32_t ident);
/* 1 if loop re-makes or cuts what the instance named by ident holds: an assignment to one of
 * its attributes (model.hidden = ..., model.rnn.weight = ...) or a call of a method named for
 * it (model.init_hidden(...), model.reset_state(), model.detach_hidden()). */
int loop_resets_instance(const analysis *a, uint32_t loop, uint32_t ident);
/* 1 if the source text s[0..len) has a line `... self.X ... = ...(... self.X ...)`: a module
 * worth summarising for MODULE_KEEPS_STATE (a cheap filter, before any parse). */
int text_feeds_self_attr(const char *s, size_t len);

/* ---- Backward passes and gradients (grad_facts.c) ---- */
/* 1 if the call runs a backward pass: x.backward(...) (a loss, accelerator.backward,
 * scaler.scale(loss).backward), Lightning's manual_backward, torch.autograd.backward or
 * torch.autograd.grad (aliases). */
int is_backward_call(const analysis *a, uint32_t call);
/* 1 if region (a loop or function node) resets parameters' gradients in its own body: any
 * zero_grad(...) (set_to_none=False detaches the gradient before zeroing it), cleargrad(),
 * `x.grad = ...`,
 * x.grad.detach_(), x.grad.requires_grad_(False). x.grad.zero_() alone does not: the gradient
 * keeps its graph. */
int resets_grads_in(const analysis *a, uint32_t region);
/* 1 if the per-step region (per_step_region's) has its gradients reset once a step: in its
 * own body; for a function, also by a training framework (a step hook) or in the loop or
 * function around each call of it in this file. */
int step_resets_grads(const analysis *a, uint32_t region);
/* 1 if a backward pass after call, in the same step region, may use its graph again: a later
 * backward (or autograd.grad, or a call of a function that trains) in region, or call itself
 * repeated by a loop inside the step that performs no optimizer update (one backward per
 * loss or task). */
int graph_used_later(const analysis *a, uint32_t call, uint32_t region);

/* ---- Devices and processes (facts.c) ---- */
/* 1 if the call's callee resolves to the qualified name qual ("torch.load"). */
int call_is(const analysis *a, uint32_t call, const char *qual);
/* What a file does with GPUs and processes, in its code (never strings or comments). */
typedef struct dist_facts {
    uint32_t init_pg;      /* the first torch.distributed.init_process_group(...) call, or NONE */
    int init_gloo;         /* ... it names the gloo backend (GPU tensors via the current device) */
    uint32_t binds_device; /* the first thing that gives each process its own GPU: a
                              set_device(...) call (not a program object's own
                              method), torch.accelerator.set_device_index(...),
                              torch.cuda.device(...),
                              torch.set_default_device(...), init_process_group(device_id=),
                              os.environ["CUDA_VISIBLE_DEVICES"] = ...; or NONE */
    uint32_t spawn;        /* the first torch.multiprocessing spawn/start_processes, or NONE */
} dist_facts;
/* Fills *out over a's calls: O(calls). */
void dist_facts_build(const analysis *a, dist_facts *out);
/* The first call directly in function func (a function node, or the module) that uses the
 * default CUDA device, GPU 0 in every process: x.cuda(), torch.device("cuda"), x.to("cuda"),
 * device="cuda" ("cuda:0" alike); NONE if none. O(calls). */
uint32_t default_cuda_in(const analysis *a, uint32_t func);
/* The first call directly in function func (NONE: anywhere in the file) that does CUDA work
 * on the process's current device without naming one (a DataLoader's pin_memory=True,
 * x.pin_memory(), torch.cuda.synchronize()); with any_gpu, the first that puts anything on a
 * GPU (those, a default-device use, x.cuda(i), torch.device("cuda", i) or torch.device(rank),
 * device_ids=); NONE if none. O(calls). */
uint32_t current_cuda_in(const analysis *a, uint32_t func, int any_gpu);
/* 1 if the function node func is the module, or its name is used elsewhere in the file (called,
 * or handed to a spawner): the process it runs in is then set up by this file. O(nodes). */
int func_named_elsewhere(const analysis *a, uint32_t func);
/* 1 if the file a lints is a test: project_test_path of its path from the project root, or
 * of its own name when it belongs to no project. Sets up a's project layer. */
int analysis_is_test(analysis *a);
/* 1 if rel (a path from the project root) is a test file: tests/, test/, test_*.py,
 * *_test.py, conftest.py. Tests run in one process unless they start more (project.c). */
int project_test_path(const char *rel);
/* 1 if the file a lints runs in several processes by its own code: it starts a process group
 * or spawns (d, from dist_facts_build), or sets DDP up (ddp_code_facts: DDP(...), Lightning or
 * Accelerate DDP). where receives the evidence ("this file:12"). The project is not asked: a
 * package that imports every module, or a launcher that names no script, would make every
 * file of it "multi-process". */
int multi_process(const analysis *a, const dist_facts *d, char *where, size_t cap);
/* 1 if s[0..n) is a Lightning DDP strategy name (project.c). */
int lint_ddp_strategy_name(const unsigned char *s, size_t n);
/* Sets acc->static_graph from its counters: every DDP construction passes static_graph=True
 * (or _set_static_graph() is called) and nothing else sets DDP up. */
void lint_ddp_settle(lint_ddp *acc);

/* ---- Findings (finding.c) ---- */
/* A finding of the running rule (a->rule) at node n, with a printf-style message. Returns the
 * finding (owned by a until the run hands it to a lint_result), or NULL when n lies in a
 * syntax error or this rule already reported n. */
lint_finding *add_finding(analysis *a, uint32_t node, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Attaches a fix to f (NULL: nothing): replace bytes [sb, eb) with content (copied). */
void set_fix(analysis *a, lint_finding *f, uint32_t sb, uint32_t eb, const char *content,
             const char *title, lint_applicability app);
/* Attaches the fix "add kwarg (`name=value`, copied) as the last argument of call" to f:
 * after the last argument (", kwarg"; a trailing comma, comments and line breaks stay as they
 * are) or inside empty parentheses. Nothing when call has no argument list (a bare generator
 * argument) or f is NULL. */
void fix_add_kwarg(analysis *a, lint_finding *f, uint32_t call, const char *kwarg,
                   const char *title, lint_applicability app);
/* Frees what a finding owns (message, fix), not the finding. */
void finding_clear(lint_finding *f);
/* The rules that file-level "# oomkb: noqa" comments turn off: all for a bare one, the listed
 * ones for "# oomkb: noqa: OOM101, ...". */
uint32_t noqa_file_mask(const char *src, size_t len);
/* 1 if a noqa comment (lint_noqa_find) on f's first or last line covers f's rule. */
int noqa_suppresses(const char *src, size_t len, const lint_finding *f);

/* A parser of lang (a compiled grammar), or NULL with diag filled when this libtree-sitter
 * cannot load it: its ABI is outside what the library supports (the message names the
 * grammar, what, and its lock file under grammars/) or the library refuses it. Caller frees
 * with ts_parser_delete. (lint.c) */
TSParser *grammar_parser_new(const TSLanguage *lang, const char *what, const char *lock,
                             lint_diag *diag);

/* ---- Files (files.c) ---- */
/* A folder walk under the skip policy of lint.h (lint_batch): exclude globs and the
 * (device, inode) pairs already taken, an open-addressing hash set (a list made a folder of
 * 100,000 files quadratic). Zero it to start; file_walk_free frees the set. */
typedef struct file_walk {
    const char *const *excludes; /* borrowed */
    size_t n_excludes;
    struct file_seen *seen;
    size_t n_seen, cap_seen;
    /* Receives each file found (error NULL) and each path that cannot be linted (error
     * owned by the callee); path is borrowed for the call. Used by file_collect only. */
    void (*take)(void *ud, const char *path, char *error);
    void *ud;
    /* When set, also passes over an entry for which it returns 1 (configured excludes). */
    int (*excluded)(void *ud, const char *path);
} file_walk;
void file_walk_free(file_walk *w);

enum { FILE_SKIP = 0, FILE_DIR, FILE_TAKE };
/* What the walk does with the folder entry name (at path): FILE_DIR to enter it (only when
 * descend is set), FILE_TAKE for a regular file whose name ends with one of suffixes
 * (NULL-terminated), FILE_SKIP otherwise. Marks what it returns as taken. */
int file_walk_entry(file_walk *w, const char *path, const char *name, int descend,
                    const char *const *suffixes);
/* Marks the folder dir as entered, so that no link inside leads back into it; 0 if it is
 * not a folder. */
int file_walk_root(file_walk *w, const char *dir);
/* Adds a path named explicitly, by the policy: a folder is walked for *.py files (in name
 * order, through w->take), anything else taken as is, and a missing path, broken link or link
 * loop taken with its error. */
void file_collect(file_walk *w, const char *path);
/* Opens a named file for file_read without blocking on a FIFO that has no writer (it reads as
 * empty). Returns 0 or an errno value: EISDIR, or EFBIG for a regular file over
 * LINT_MAX_SOURCE_BYTES (not read). *out_size: a regular file's size, else 0; *out_regular:
 * 1 for a regular file. The caller closes *out_fd. */
int file_open(const char *path, int *out_fd, size_t *out_size, int *out_regular);
/* Reads fd to its end, at most LINT_MAX_SOURCE_BYTES: one byte more fails with EFBIG, so
 * endless input (/dev/zero, `yes`) costs the limit and no more. size_hint presizes the buffer.
 * Returns 0 (*out, NUL-terminated, caller frees) or an errno value. */
int file_read(int fd, size_t size_hint, char **out, size_t *out_len);

/* ---- Rules (registry.c, rules/oomNNN_slug.c) ---- */
/* One rule: its public description, the byte needles that must occur for it to fire at all,
 * and what runs it. A rule file defines one `const rule_spec oomNNN_slug` and the registry
 * lists it; nothing else names a rule. */
typedef struct rule_spec {
    lint_rule meta;
    /* The prefilter: NULL-terminated alternatives; an alternative is one or more needles joined
     * by '&', all of which must occur in the source. No alternative matching proves the rule
     * cannot fire, and the file is not parsed for it. */
    const char *const *needles;
    /* Reports the rule's findings over a fully analysed file (add_finding). */
    void (*run)(analysis *a);
} rule_spec;

/* The registry, in code order: lint_rule_count() entries. */
const rule_spec *const *rule_registry(void);

/* ---- Hugging Face Trainer facts (hf_trainer.c) ---- */
/* 1 if the call builds Hugging Face TrainingArguments (or a subclass: Seq2Seq, TRL configs,
 * a same-file subclass). */
int is_hf_args_call(const analysis *a, uint32_t call);
/* 1 if the call builds a transformers/TRL Trainer (a subclass defined in this file too; not
 * Lightning's, detectron2's or fairseq's Trainer). */
int hf_trainer_call(const analysis *a, uint32_t call);
/* What one Trainer(...) call sets up: the trainer's variable (for later .evaluate(),
 * .predict(), .compute_metrics = ...) and the TrainingArguments call it is given. */
typedef struct hf_trainer {
    uint32_t call; /* Trainer(...) */
    uint32_t args; /* the TrainingArguments(...) call, or NONE */
    uint32_t var;  /* `trainer` in `trainer = Trainer(...)` (the target node), or NONE */
    int cli;       /* the arguments come from the command line (HfArgumentParser) */
    int flags;     /* enum hf_args_flag: what the arguments set, wherever they were built */
    /* the arguments were built in another project module and imported: args_expr is the
     * expression given to the Trainer, ext_cls the class that built them, ext_where "file:line" */
    int ext;
    uint32_t args_expr;
    char ext_cls[64];
    char ext_where[256];
} hf_trainer;
/* Reads the Trainer(...) call tc into *t. Arguments imported from a project module are read
 * where that module builds them (module_hf_args_of; t->ext). Returns 0 when its arguments
 * cannot be read statically (a splat, a factory's result, a rebound name, a config). */
int hf_trainer_read(const analysis *a, uint32_t tc, hf_trainer *t);
/* 1 if the trainer's variable gets `var.what = value` (method 0, value not None) or has
 * `var.what(...)` called (method 1). */
int hf_trainer_has(const analysis *a, const hf_trainer *t, const char *what, int method);
/* 1 if evaluation runs: evaluate()/predict() is called, or the arguments turn it on
 * (eval_strategy/evaluation_strategy not "no", do_eval=True). */
int hf_eval_runs(const analysis *a, const hf_trainer *t);
/* What the field defaults of the file's TrainingArguments subclasses turn on:
 * HF_DEFAULT_EVAL (an evaluation strategy other than "no", do_eval = True) and
 * HF_DEFAULT_MITIGATED (eval_accumulation_steps set, prediction_loss_only or
 * batch_eval_metrics True), as `name: type = value` or `field(default=value)` in the class
 * body; HfArgumentParser and the class's own constructor both start from them. cls: one class
 * ("<local>.Name"), or NULL for every such class of the file; who (may be NULL) receives
 * "the default eval_strategy of Name" for the field that turns evaluation on. */
enum { HF_DEFAULT_EVAL = 1, HF_DEFAULT_MITIGATED = 2 };
/* What an arguments call sets, read from its keywords, its class's field defaults and the
 * attributes assigned to its variable later in its file. HFA_EVAL: evaluation runs
 * (eval_strategy/evaluation_strategy not "no", do_eval=True); HFA_MITIGATED (OOM103):
 * eval_accumulation_steps, prediction_loss_only or batch_eval_metrics; HFA_REDUCED (OOM108):
 * prediction_loss_only, batch_eval_metrics or predict_with_generate True; HFA_LOGITS_DROPPED:
 * TRL's SFTConfig leaving loss_type unset (or "chunked_nll") without Liger. */
enum hf_args_flag { HFA_EVAL = 1, HFA_MITIGATED = 2, HFA_REDUCED = 4, HFA_LOGITS_DROPPED = 8 };
int hf_args_flags(const analysis *a, uint32_t args);
int hf_args_defaults(const analysis *a, const char *cls, char *who, size_t cap);
/* hf_args_defaults of the local class the arguments call builds (0 for any other call). */
int hf_args_call_defaults(const analysis *a, uint32_t args);
/* The keyword argument name= of call is True (kw_true), or set to anything but None/False
 * (kw_set). */
int hf_kw_true(const analysis *a, uint32_t call, const char *name);
int hf_kw_set(const analysis *a, uint32_t call, const char *name);
/* 1 if the file assigns `var.attr = value` (value not None) to the object var names (a plain
 * name by its binding, an attribute chain by its text within the same class or module). */
int hf_attr_set(const analysis *a, uint32_t var, const char *attr);
/* The call an expression was last assigned from (the expression itself if it is a call; a
 * name's binding; an attribute by the assignment to the same text, in this function before
 * `before` first), or NONE. */
uint32_t hf_assigned_call(const analysis *a, uint32_t expr, uint32_t before);

/* 1 if the trainer never gathers the model's logits: TRL's SFTTrainer (or a subclass of the
 * file) whose SFTConfig leaves loss_type unset (or "chunked_nll") without use_liger_kernel.
 * TRL 1.7 made chunked_nll the default: the trainer patches the model's forward to compute
 * the loss from the hidden states in chunks and return logits=None, so evaluation and
 * predict() gather a few scalars per batch. loss_type="nll"/"dft", Liger, arguments from the
 * command line or a config class of the project: the logits are kept (or not known). */
int hf_logits_dropped(const analysis *a, const hf_trainer *t);

/* 1 if the expression names Hugging Face training arguments: a name bound to a
 * TrainingArguments/TRL config call (here, or imported from the project module that builds
 * it), or a parameter annotated with such a class. */
int hf_args_expr(const analysis *a, uint32_t e);
/* 1 if the checkpointing call (`model.gradient_checkpointing_enable()`) runs only when the
 * Trainer's own arguments turn gradient checkpointing on: under `if args.gradient_checkpointing`
 * (args: Hugging Face arguments), directly or at every call of the helper of this file that
 * holds it. The Trainer then enables checkpointing again in train(), with
 * args.gradient_checkpointing_kwargs, before it wraps the model: that call decides. */
int hf_gc_superseded(const analysis *a, uint32_t call);

/* Byte search helper shared with project.c. */
int has_bytes(const char *s, size_t n, const char *needle);

/* ---- Python lexing over bytes (pylex.c) ---- */
/* What the size guard (lint.c) and the DDP scan (project.c) need of Python's lexical structure:
 * where strings and comments begin and end, and about how many tokens tree-sitter makes. No
 * parse, no allocation; linear in the bytes (a triple-quoted string that never closes is scanned
 * to the end once per quote kind, the fields of nested ones once per nesting level). */

/* Byte classes. The first three are the bytes a scan can pass over without looking (blanks,
 * word bytes incl. UTF-8, other punctuation): pylex_class[c] <= PYLEX_PUNCT. */
enum {
    PYLEX_SPACE = 0,
    PYLEX_WORD,
    PYLEX_PUNCT,
    PYLEX_NL,
    PYLEX_QUOTE,
    PYLEX_HASH,
    PYLEX_OPEN,
    PYLEX_CLOSE,
    PYLEX_BSLASH
};
extern const uint8_t pylex_class[256];

/* A scan of one buffer. Borrows the bytes; holds no memory. */
typedef struct pylex {
    const unsigned char *src, *end;
    /* [quote is '"'][f-string]: a triple-quoted string opened here or later never closes */
    const unsigned char *no_close[2][2];
    unsigned nest; /* f-string replacement fields being scanned */
} pylex;

/* One string literal, as pylex_string() found it. */
typedef struct pylex_str {
    const unsigned char *start;    /* its first byte: the prefix (rb, f...) or the quote */
    const unsigned char *body;     /* its text: after the opening quote(s) ... */
    const unsigned char *body_end; /* ... up to the closing ones (or the line end, or the end) */
    size_t tokens;                 /* tokens tree-sitter makes of it: 1, plus f-string fields */
    size_t depth; /* brackets its fields leave open (one cut by the end of its line) */
} pylex_str;

void pylex_init(pylex *lx, const char *src, size_t len);
/* The end of the string literal whose opening quote is at p (its prefix, if any, is read from the
 * bytes before p), filling *out: past the closing quote(s); or at the line end (not consumed)
 * or the end of input that cuts a one-line string; or, for a triple-quoted string that never
 * closes, just past its opening quotes, the rest being code as tree-sitter reads it then
 * (body == body_end). A backslash keeps the next byte from closing a string, raw or not. The
 * replacement fields of an f-string are scanned as code: their tokens and unclosed brackets are
 * in *out. */
const unsigned char *pylex_string(pylex *lx, const unsigned char *p, pylex_str *out);
/* The end of the comment that starts at p (its '#'): the newline that ends it, or end. */
const unsigned char *pylex_comment(const unsigned char *p, const unsigned char *end);
/* Past the backslash at p (outside strings), and past the line end it escapes if any. */
const unsigned char *pylex_backslash(const unsigned char *p, const unsigned char *end);
/* An upper estimate of the tokens tree-sitter makes of lx's bytes from p to the end: a word
 * (identifier, number, keyword), a newline, a comment or a string (with the code of f-string
 * fields) is one, other punctuation one per byte. Stops counting past cap. */
size_t pylex_tokens(pylex *lx, const unsigned char *p, size_t cap);
/* Where a comment for the line holding byte off of src[0..len) can go: the offset of that
 * line's end ('\n' or len), or, when a string literal or a backslash continuation runs past
 * it, of the end of the line where that ends (repeated while the next one does too). A line
 * that already has a comment ends there. The linter reads noqa comments there too
 * (noqa_suppresses) and --add-noqa writes them there. One scan from the start of src. */
size_t pylex_comment_line_end(const char *src, size_t len, size_t off);

#endif
