/* The project layer's module index: what the project's own modules are to the file being
 * linted. An import of a project module (`from ..utils.memory import empty_cache`, `from . import
 * ema`, `import helpers as h`, a name a package's __init__.py re-exports) is resolved to the
 * module's file, and that file is summarised once per run from its own text: its functions and
 * methods with what its own facts layer says of them (trains, flushes the cache on every path),
 * the calls each makes of other functions (edges), what it re-exports, and which project modules
 * it imports.
 *
 * What a function does through other modules is then a reachability question over those edges
 * (module_fn_does): a helper chain crosses any number of files, an import cycle is just a
 * visited node, and the answer does not depend on which file a thread happened to lint first.
 * Summaries live in the project cache (project.c), shared by a batch's threads and the LSP. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "linter/lint_int.h"

/* Import chains followed through modules (a re-export of a re-export ...). */
#define MAX_MODULE_DEPTH 12
/* Functions visited to answer one question (a bound on pathological projects). */
#define MAX_REACH 20000

const TSLanguage *tree_sitter_python(void);

void module_info_free(module_info *m)
{
    if (!m) {
        return;
    }
    for (size_t i = 0; i < m->n_fns; i++) {
        free(m->fns[i].name);
    }
    for (size_t i = 0; i < m->n_exports; i++) {
        free(m->exports[i].name);
        free(m->exports[i].qual);
    }
    for (size_t i = 0; i < m->n_deps; i++) {
        free(m->deps[i]);
    }
    for (size_t i = 0; i < m->n_edges; i++) {
        free(m->edges[i].target);
    }
    for (size_t i = 0; i < m->n_hf_args; i++) {
        free(m->hf_args[i].name);
        free(m->hf_args[i].cls);
    }
    free(m->hf_args);
    free(m->edges);
    free(m->root);
    free(m->fns);
    free(m->exports);
    free(m->deps);
    free(m->path);
    free(m);
}

/* ---- Finding a module's file ---- */

static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int is_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* Walks the dotted parts of qual (no leading dots) from the folder base: folders are packages,
 * a part.py file is the module, and the parts after the module are the name inside it. A
 * name that is neither a subfolder nor a file inside a package is looked up in the package's
 * __init__.py. Returns 1 with out (the module file) and *out_rest (inside qual, "" when the
 * module itself is named). */
static int walk_parts(const char *base, const char *qual, char *out, size_t cap,
                      const char **out_rest)
{
    char cur[PATH_MAX];
    if (snprintf(cur, sizeof cur, "%s", base) >= (int)sizeof cur) {
        return 0;
    }
    const char *p = qual;
    int in_package = 0;
    while (*p) {
        size_t n = strcspn(p, ".");
        char next[PATH_MAX];
        if (n == 0 || snprintf(next, sizeof next, "%s/%.*s", cur, (int)n, p) >= (int)sizeof next) {
            return 0;
        }
        const char *after = p[n] ? p + n + 1 : p + n;
        char file[PATH_MAX];
        if (snprintf(file, sizeof file, "%s.py", next) < (int)sizeof file && is_file(file)) {
            if (snprintf(out, cap, "%s", file) >= (int)cap) {
                return 0;
            }
            *out_rest = after;
            return 1;
        }
        if (is_dir(next)) {
            memcpy(cur, next, strlen(next) + 1);
            in_package = 1;
            p = after;
            continue;
        }
        if (!in_package) {
            return 0;
        }
        break; /* a name inside the package's __init__.py */
    }
    if (!in_package || snprintf(out, cap, "%s/__init__.py", cur) >= (int)cap || !is_file(out)) {
        return 0;
    }
    *out_rest = p;
    return 1;
}

int module_find(const char *importer, const char *root, const char *qual, char *out, size_t cap,
                const char **out_rest)
{
    char dir[PATH_MAX];
    const char *slash = strrchr(importer, '/');
    if (!slash || (size_t)(slash - importer) >= sizeof dir) {
        return 0;
    }
    memcpy(dir, importer, (size_t)(slash - importer));
    dir[slash - importer] = '\0';
    size_t level = 0;
    while (qual[level] == '.') {
        level++;
    }
    if (level > 0) {
        for (size_t i = 1; i < level; i++) {
            char *s = strrchr(dir, '/');
            if (!s || s == dir) {
                return 0;
            }
            *s = '\0';
        }
        return walk_parts(dir, qual + level, out, cap, out_rest);
    }
    /* A script runs with its own folder on sys.path; a project imports from its root, or from
     * src/ in the src layout. A module inside a package (its folder has __init__.py) is not a
     * script: its folder comes last, so that `from pkg.models.base import X` in
     * pkg/models/__init__.py is not read as pkg/models/pkg.py. */
    char src[PATH_MAX];
    char init[PATH_MAX];
    int package =
        snprintf(init, sizeof init, "%s/__init__.py", dir) < (int)sizeof init && is_file(init);
    const char *bases[4] = {package ? NULL : dir, root, NULL, package ? dir : NULL};
    if (root && snprintf(src, sizeof src, "%s/src", root) < (int)sizeof src && is_dir(src)) {
        bases[2] = src;
    }
    for (int i = 0; i < 4; i++) {
        if (bases[i] && (bases[i] == dir || strcmp(bases[i], dir) != 0) &&
            walk_parts(bases[i], qual, out, cap, out_rest)) {
            return 1;
        }
    }
    return 0;
}

/* The slot of qual in a memo table of cap (a power of two) entries. */
static size_t memo_slot(const resolve_memo *t, size_t cap, const char *qual)
{
    size_t i = lint_str_hash(qual) & (cap - 1);
    while (t[i].qual && strcmp(t[i].qual, qual) != 0) {
        i = (i + 1) & (cap - 1);
    }
    return i;
}

/* ---- Summaries ---- */

static int cmp_fn(const void *x, const void *y)
{
    return strcmp(((const module_fn *)x)->name, ((const module_fn *)y)->name);
}

static int cmp_export(const void *x, const void *y)
{
    return strcmp(((const module_export *)x)->name, ((const module_export *)y)->name);
}

/* The name a def has from outside its module: "f" for a top-level function, "C.m" for a method
 * of a top-level class; NULL (nothing) for anything nested deeper. Caller frees. */
static char *outside_name(const analysis *a, const defn *d)
{
    if (d->toplevel) {
        return xasprintf("%.*s", (int)d->name_len, d->name);
    }
    uint32_t p = a->nodes[d->node].parent;
    while (p != NONE && a->nodes[p].kind != K_CLASS && a->nodes[p].kind != K_FUNC &&
           a->nodes[p].kind != K_MODULE) {
        p = a->nodes[p].parent;
    }
    if (p == NONE || a->nodes[p].kind != K_CLASS) {
        return NULL;
    }
    const defn *c = def_at((analysis *)a, p);
    if (!c || !c->toplevel) {
        return NULL;
    }
    return xasprintf("%.*s.%.*s", (int)c->name_len, c->name, (int)d->name_len, d->name);
}

static void add_dep(module_info *m, const char *path)
{
    for (size_t i = 0; i < m->n_deps; i++) {
        if (strcmp(m->deps[i], path) == 0) {
            return;
        }
    }
    m->deps = xrealloc(m->deps, (m->n_deps + 1) * sizeof *m->deps);
    m->deps[m->n_deps++] = xstrdup(path);
}

static void add_edge(module_info *m, const char *target, int external, int when)
{
    m->edges = xrealloc(m->edges, (m->n_edges + 1) * sizeof *m->edges);
    module_edge *e = &m->edges[m->n_edges++];
    e->target = xstrdup(target);
    e->external = (uint8_t)external;
    e->when = (uint8_t)when;
}

/* The calls function d makes of other functions, as edges of m. */
static void add_edges(const analysis *a, module_info *m, const defn *d)
{
    for (size_t i = 0; i < a->n_calls; i++) {
        uint32_t c = a->calls[i];
        if (a->nodes[c].func != d->node || (a->call_flags[i] & CALL_STEP)) {
            continue;
        }
        int when = (enclosing_loop(a, c) == NONE ? MODULE_TRAINS : 0) |
                   (runs_every_call(a, c) ? MODULE_FLUSHES : 0);
        if (!when) {
            continue;
        }
        const defn *t = call_target(a, c);
        char q[512];
        if (t) {
            char *name = outside_name(a, t);
            if (name) {
                add_edge(m, name, 0, when);
                free(name);
            }
        } else if (call_import_qual(a, c, q, sizeof q)) {
            add_edge(m, q, 1, when);
        }
    }
}

/* A Hugging Face trainer class by its qualified name: transformers' or TRL's *Trainer. */
int hf_trainer_qual(const char *q)
{
    if (strncmp(q, "transformers.", 13) != 0 && strncmp(q, "trl.", 4) != 0) {
        return 0;
    }
    const char *l = strrchr(q, '.') + 1;
    size_t n = strlen(l);
    return n >= 7 && strcmp(l + n - 7, "Trainer") == 0;
}

/* What class d is as a trainer: MODULE_HF_TRAINER when a superclass is a Hugging Face trainer
 * or the class is a vendored copy of one; its project superclasses become edges (another
 * module's class through an import, or a class of this file) that the question follows. */
static uint8_t add_class_edges(const analysis *a, module_info *m, const defn *d)
{
    uint8_t flags = 0;
    uint32_t sup = child_field(a, d->node, F_SUPERCLASSES);
    for (uint32_t s = sup == NONE ? NONE : a->nodes[sup].first; s != NONE; s = a->nodes[s].next) {
        char q[512];
        if (!a->nodes[s].named || !resolve_name(a, s, q, sizeof q)) {
            continue;
        }
        if (hf_trainer_qual(q)) {
            flags |= MODULE_HF_TRAINER;
        } else if (strncmp(q, "<local>.", 8) == 0) {
            add_edge(m, q + 8, 0, MODULE_HF_TRAINER);
        } else {
            uint32_t root = chain_root(a, s);
            const binding *b = root != NONE ? resolve_binding(a, root) : NULL;
            if (b && b->kind == BIND_IMPORT) {
                add_edge(m, q, 1, MODULE_HF_TRAINER);
            }
        }
    }
    if (vendored_hf_trainer(a, d)) {
        flags |= MODULE_HF_TRAINER;
    }
    return flags;
}

/* A class a class builds on (superclass, submodule), ref its name as written: an edge of the
 * state question to a class of this module or, through an import, of another. */
static void add_state_edge(const analysis *a, uint32_t ref, void *ctx)
{
    module_info *m = ctx;
    char q[512];
    if (!resolve_name(a, ref, q, sizeof q)) {
        return;
    }
    if (strncmp(q, "<local>.", 8) == 0) {
        add_edge(m, q + 8, 0, MODULE_KEEPS_STATE);
        return;
    }
    uint32_t root = chain_root(a, ref);
    const binding *b = root != NONE ? resolve_binding(a, root) : NULL;
    if (b && b->kind == BIND_IMPORT) {
        add_edge(m, q, 1, MODULE_KEEPS_STATE);
    }
}

static int cmp_fn_edges(const void *x, const void *y)
{
    return cmp_fn(x, y);
}

/* Adds def d (named name, taken) to m's functions, with its own flags and its edges. */
static void add_fn(const analysis *a, module_info *m, const defn *d, char *name)
{
    m->fns = xrealloc(m->fns, (m->n_fns + 1) * sizeof *m->fns);
    module_fn *f = &m->fns[m->n_fns++];
    memset(f, 0, sizeof *f);
    f->name = name;
    f->edge_start = (uint32_t)m->n_edges;
    if (d->is_class) {
        f->flags = (uint8_t)(MODULE_CLASS | add_class_edges(a, m, d) |
                             (class_keeps_state(a, d->node) ? MODULE_KEEPS_STATE : 0));
        class_state_parts(a, d->node, add_state_edge, m);
    } else {
        f->flags = (uint8_t)((d->step_direct ? MODULE_TRAINS : 0) |
                             (d->cache_wrapper ? MODULE_FLUSHES : 0) |
                             (def_keeps_arg(a, d) ? MODULE_KEEPS_ARG : 0));
        add_edges(a, m, d);
    }
    f->n_edges = (uint32_t)m->n_edges - f->edge_start;
}

/* The modules an import statement loads without binding them by their own name: `from pkg
 * import *` (every public name of pkg) and the submodules of `import pkg.sub.mod` (which binds
 * pkg). Both run the module's code in the importing process. */
static void add_unbound_deps(const analysis *a, module_info *m)
{
    for (uint32_t n = 0; n < a->n_nodes; n++) {
        int from = a->nodes[n].kind == K_IMPORT_FROM;
        if (!from && a->nodes[n].kind != K_IMPORT) {
            continue;
        }
        for (uint32_t c = a->nodes[n].first; c != NONE; c = a->nodes[c].next) {
            uint32_t name = NONE;
            if (from && a->nodes[c].kind == K_WILDCARD) {
                name = child_field(a, n, F_MODULE_NAME);
            } else if (!from && a->nodes[c].field == F_NAME && a->nodes[c].kind == K_DOTTED) {
                name = c;
            }
            size_t len;
            const char *t = name == NONE ? NULL : ntext(a, name, &len);
            char qual[512];
            char file[PATH_MAX];
            const char *rest;
            if (t && (from || memchr(t, '.', len)) && len < sizeof qual) {
                memcpy(qual, t, len);
                qual[len] = '\0';
                if (module_find(m->path, m->root, qual, file, sizeof file, &rest) && !*rest) {
                    add_dep(m, file);
                }
            }
        }
    }
}

static int cmp_hf_args(const void *x, const void *y)
{
    return strcmp(((const module_hf_args *)x)->name, ((const module_hf_args *)y)->name);
}

/* 1 if the assignment node asg is a statement of the module's own body (not under an if, a
 * try, a loop or a function: it runs once, whenever the module is imported). */
static int top_statement(const analysis *a, uint32_t asg)
{
    uint32_t p = a->nodes[asg].parent;
    return p != NONE && a->nodes[p].kind == K_EXPR_STMT && a->nodes[p].parent != NONE &&
           a->nodes[a->nodes[p].parent].kind == K_MODULE;
}

/* 1 if b's name has another binding in the scope that binds it (which one reaches a use is
 * not read). */
static int rebound(const analysis *a, const binding *b)
{
    for (size_t i = 0; i < a->n_binds; i++) {
        const binding *o = &a->binds[i];
        if (o != b && o->scope == b->scope && o->name_len == b->name_len &&
            memcmp(o->name, b->name, b->name_len) == 0) {
            return 1;
        }
    }
    return 0;
}

/* The module's top-level names bound once to a readable Hugging Face arguments call, with what
 * the evaluation rules read of it (and nothing assigned to their evaluation settings later). */
static void add_hf_args(analysis *a, module_info *m)
{
    static const char *const eval_keys[] = {"eval_strategy", "evaluation_strategy", "do_eval",
                                            NULL};
    for (size_t i = 0; i < a->n_binds; i++) {
        const binding *b = &a->binds[i];
        uint32_t v = b->value;
        uint32_t asg = b->kind == BIND_VALUE ? a->nodes[b->site].parent : NONE;
        if (b->scope != 0 || v == NONE || asg == NONE || a->nodes[asg].kind != K_ASSIGN ||
            child_field(a, asg, F_LEFT) != b->site || a->nodes[v].kind != K_CALL ||
            !top_statement(a, asg) || !is_hf_args_call(a, v) || call_has_splat(a, v) ||
            rebound(a, b)) {
            continue;
        }
        int later = 0;
        for (int k = 0; eval_keys[k] && !later; k++) {
            later = hf_attr_set(a, b->site, eval_keys[k]);
        }
        if (later) {
            continue;
        }
        size_t cl;
        const char *ct = ntext(a, child_field(a, v, F_FUNCTION), &cl);
        m->hf_args = xrealloc(m->hf_args, (m->n_hf_args + 1) * sizeof *m->hf_args);
        module_hf_args *h = &m->hf_args[m->n_hf_args++];
        h->name = xasprintf("%.*s", (int)b->name_len, b->name);
        h->cls = xasprintf("%.*s", (int)(cl > 60 ? 60 : cl), ct);
        h->line = point_of(a, a->nodes[v].sb).row + 1;
        h->flags = (uint8_t)hf_args_flags(a, v);
    }
    if (m->n_hf_args) {
        qsort(m->hf_args, m->n_hf_args, sizeof *m->hf_args, cmp_hf_args);
    }
}

/* Fills m from the analysed module a (its own facts only). */
static void summarize(analysis *a, module_info *m)
{
    for (size_t k = 0; k < a->n_defs; k++) {
        char *name = outside_name(a, &a->defs[k]);
        if (name) {
            add_fn(a, m, &a->defs[k], name);
        }
    }
    if (m->n_fns) { /* qsort's array may not be NULL, even empty */
        qsort(m->fns, m->n_fns, sizeof *m->fns, cmp_fn_edges);
    }
    for (size_t i = 0; i < a->n_binds; i++) {
        const binding *b = &a->binds[i];
        if (b->kind != BIND_IMPORT) {
            continue;
        }
        if (b->scope == 0) {
            m->exports = xrealloc(m->exports, (m->n_exports + 1) * sizeof *m->exports);
            module_export *e = &m->exports[m->n_exports++];
            e->name = xasprintf("%.*s", (int)b->name_len, b->name);
            e->qual = xstrdup(b->qual);
        }
        char file[PATH_MAX];
        const char *rest;
        if (module_find(m->path, m->root, b->qual, file, sizeof file, &rest)) {
            add_dep(m, file);
        }
    }
    if (m->n_exports) {
        qsort(m->exports, m->n_exports, sizeof *m->exports, cmp_export);
    }
    add_unbound_deps(a, m);
    add_hf_args(a, m);
}

/* Reads, parses and analyses the module at path on its own, and summarises it. NULL if it
 * cannot be read or is not lintable (too large, not UTF-8). */
static module_info *build(const char *path, const char *root)
{
    int fd;
    size_t size;
    int regular;
    if (file_open(path, &fd, &size, &regular) != 0) {
        return NULL;
    }
    char *src = NULL;
    size_t len = 0;
    int err = file_read(fd, size, &src, &len);
    close(fd);
    if (err != 0) {
        return NULL;
    }
    module_info *m = NULL;
    lint_diag d = {{0}};
    if (lint_encoding_check(src, len, NULL, &d) == LINT_OK &&
        lint_size_check(src, len, &d) == LINT_OK) {
        TSParser *parser = ts_parser_new();
        TSTree *tree = NULL;
        if (ts_parser_set_language(parser, tree_sitter_python())) {
            tree = ts_parser_parse_string(parser, NULL, src, (uint32_t)len);
        }
        if (tree) {
            lint_options o;
            memset(&o, 0, sizeof o);
            analysis a;
            memset(&a, 0, sizeof a);
            a.opts = &o;
            a.src = src;
            a.len = len;
            tree_flatten(&a, tree);
            ts_tree_delete(tree);
            semantic_build(&a);
            facts_build(&a);
            m = xcalloc(1, sizeof *m);
            m->path = xstrdup(path);
            m->root = root ? xstrdup(root) : NULL;
            summarize(&a, m);
            ddp_code dc;
            ddp_code_facts(&a, &m->ddp, &dc);
            m->ddp_line = dc.line;
            m->spawns = dc.spawns;
            analysis_clear(&a);
        }
        ts_parser_delete(parser);
    }
    free(src);
    return m;
}

/* The module at path, summarised: from the project cache, or built now and cached. NULL if it
 * cannot be read. */
const module_info *module_load(lint_project_cache *c, const char *path, const char *root)
{
    const module_info *m = project_module_lookup(c, path);
    if (m) {
        return m;
    }
    module_info *built = build(path, root);
    return built ? project_module_insert(c, built) : NULL;
}

/* The module at path for a question about what its functions do (train, flush): NULL, without
 * parsing it, unless its text holds a call shape such code needs (.backward(, .step(,
 * empty_cache, ...) or a relative import (a package's helper chain: a re-export, a wrapper of
 * a sibling's helper). Most imports are of modules that never train or flush (a standard
 * library's, a project's data or config modules), and summarising each would cost a parse.
 * The price: a module outside any package that only calls another module's helper under
 * another name, through an absolute import, is not followed. */
static const module_info *module_get(analysis *a, const char *path)
{
    if (!project_module_seeded(a->project, path)) {
        return NULL;
    }
    return module_load(a->project, path, a->root);
}

/* Modules followed for one closure. */
#define MAX_IMPORT_WALK 50000

static int cmp_str(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* An open-addressing set of borrowed strings. */
typedef struct str_set {
    const char **slot;
    size_t cap, n;
} str_set;

size_t lint_str_hash(const char *s)
{
    size_t h = 1469598103934665603ULL;
    for (; *s; s++) {
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    }
    return h;
}

/* The slot of s in a table of cap (a power of two) slots: its own, or the empty one where it
 * goes. */
static size_t set_slot(const char **slot, size_t cap, const char *s)
{
    size_t i = lint_str_hash(s) & (cap - 1);
    while (slot[i] && strcmp(slot[i], s) != 0) {
        i = (i + 1) & (cap - 1);
    }
    return i;
}

/* Adds s; 0 if it was there. */
static int set_add(str_set *set, const char *s)
{
    if (2 * (set->n + 1) > set->cap) {
        size_t cap = set->cap ? set->cap * 2 : 64;
        /* NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers */
        const char **slot = xcalloc(cap, sizeof *slot);
        for (size_t i = 0; i < set->cap; i++) {
            if (set->slot[i]) {
                slot[set_slot(slot, cap, set->slot[i])] = set->slot[i];
            }
        }
        free(set->slot);
        set->slot = slot;
        set->cap = cap;
    }
    size_t i = set_slot(set->slot, set->cap, s);
    if (set->slot[i]) {
        return 0;
    }
    set->slot[i] = s;
    set->n++;
    return 1;
}

const char **module_closure(lint_project_cache *c, const char *root, const char *from,
                            size_t *out_n)
{
    const char **queue = xmalloc(sizeof *queue);
    size_t n = 1;
    size_t cap = 1;
    str_set seen = {NULL, 0, 0};
    queue[0] = from;
    set_add(&seen, from);
    for (size_t i = 0; i < n && n < MAX_IMPORT_WALK; i++) {
        const module_info *m = module_load(c, queue[i], root);
        for (size_t k = 0; m && k < m->n_deps; k++) {
            if (set_add(&seen, m->deps[k])) {
                if (n == cap) {
                    cap *= 2;
                    queue = xrealloc(queue, cap * sizeof *queue);
                }
                queue[n++] = m->deps[k];
            }
        }
    }
    qsort(queue, n, sizeof *queue, cmp_str);
    free(seen.slot);
    *out_n = n;
    return queue;
}

int module_closure_has(const char *const *closure, size_t n, const char *path)
{
    return n && bsearch(&path, closure, n, sizeof *closure, cmp_str) != NULL;
}

static const module_fn *find_fn(const module_info *m, const char *name)
{
    size_t lo = 0;
    size_t hi = m->n_fns;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(m->fns[mid].name, name);
        if (c == 0) {
            return &m->fns[mid];
        }
        if (c < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return NULL;
}

static const module_export *find_export(const module_info *m, const char *name, size_t len)
{
    for (size_t i = 0; i < m->n_exports; i++) {
        if (strlen(m->exports[i].name) == len && memcmp(m->exports[i].name, name, len) == 0) {
            return &m->exports[i];
        }
    }
    return NULL;
}

/* What the name rest ("f", "C.m", "sub.f") is in module m: a function or method's summary, or,
 * through m's own imports, the same question asked of another module. */
/* NOLINTNEXTLINE(misc-no-recursion): depth <= MAX_MODULE_DEPTH */
static int lookup_in(analysis *a, const module_info *m, const char *rest, int depth,
                     module_ref *out)
{
    if (depth > MAX_MODULE_DEPTH || !*rest) {
        return 0;
    }
    const module_fn *f = find_fn(m, rest);
    if (f) {
        out->module = m;
        out->fn = f;
        return 1;
    }
    size_t n = strcspn(rest, ".");
    const module_export *e = find_export(m, rest, n);
    char qual[512];
    if (!e || snprintf(qual, sizeof qual, "%s%s", e->qual, rest + n) >= (int)sizeof qual) {
        return 0;
    }
    char file[PATH_MAX];
    const char *inner;
    if (!module_find(m->path, m->root, qual, file, sizeof file, &inner)) {
        return 0;
    }
    const module_info *next = module_get(a, file);
    return next && lookup_in(a, next, inner, depth + 1, out);
}

int analysis_project(analysis *a)
{
    if (!a->paths_known) {
        a->paths_known = 1;
        const lint_options *o = a->opts;
        if (o && o->project && o->path) {
            a->project = o->project;
            a->path = project_realpath(o->path);
            a->root = project_root_of(o->project, a->path);
        }
    }
    return a->project && a->path;
}

static int resolve_uncached(analysis *a, const char *qual, module_ref *out)
{
    char file[PATH_MAX];
    const char *rest;
    if (!module_find(a->path, a->root, qual, file, sizeof file, &rest)) {
        return 0;
    }
    const module_info *m = module_get(a, file);
    if (!m) {
        return 0;
    }
    if (!*rest) {
        out->module = m;
        return 1;
    }
    return lookup_in(a, m, rest, 0, out);
}

int module_resolve(analysis *a, const char *qual, module_ref *out)
{
    memset(out, 0, sizeof *out);
    if (!analysis_project(a)) {
        return 0;
    }
    /* Each name is resolved once a run: a file calls os.path.join a hundred times, and each
     * resolution costs a few stat() calls. */
    if (2 * (a->n_memo + 1) > a->cap_memo) {
        size_t cap = a->cap_memo ? a->cap_memo * 2 : 64;
        resolve_memo *t = xcalloc(cap, sizeof *t);
        for (size_t i = 0; i < a->cap_memo; i++) {
            if (a->memo[i].qual) {
                t[memo_slot(t, cap, a->memo[i].qual)] = a->memo[i];
            }
        }
        free(a->memo);
        a->memo = t;
        a->cap_memo = cap;
    }
    resolve_memo *e = &a->memo[memo_slot(a->memo, a->cap_memo, qual)];
    if (!e->qual) {
        e->qual = xstrdup(qual);
        e->ok = resolve_uncached(a, qual, &e->ref);
        a->n_memo++;
    }
    *out = e->ref;
    return e->ok;
}

void module_locals_free(analysis *a)
{
    for (size_t i = 0; i < a->cap_memo; i++) {
        free(a->memo[i].qual);
    }
    free(a->memo);
    a->memo = NULL;
    a->n_memo = a->cap_memo = 0;
    free(a->path);
    free(a->root);
    a->path = a->root = NULL;
    a->project = NULL;
    a->paths_known = 0;
}

void project_rel(const analysis *a, const char *path, char *out, size_t cap)
{
    const char *base = a->root;
    if (!base && a->path) {
        const char *slash = strrchr(a->path, '/');
        base = NULL;
        if (slash) {
            snprintf(out, cap, "%s", path);
            size_t dl = (size_t)(slash - a->path);
            if (strncmp(path, a->path, dl) == 0 && path[dl] == '/') {
                snprintf(out, cap, "%s", path + dl + 1);
            }
            return;
        }
    }
    size_t bl = base ? strlen(base) : 0;
    if (base && strncmp(path, base, bl) == 0 && path[bl] == '/') {
        path += bl + 1;
    }
    snprintf(out, cap, "%s", path);
}

/* ---- What a function does through other functions ---- */

typedef struct visit {
    const module_info *m;
    const module_fn *fn;
} visit;

typedef struct reach {
    visit *seen;
    size_t n, cap;
} reach;

/* Marks (m, fn) seen; 0 if it already was. */
static int see(reach *r, const module_info *m, const module_fn *fn)
{
    for (size_t i = 0; i < r->n; i++) {
        if (r->seen[i].fn == fn && r->seen[i].m == m) {
            return 0;
        }
    }
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 16;
        r->seen = xrealloc(r->seen, r->cap * sizeof *r->seen);
    }
    r->seen[r->n].m = m;
    r->seen[r->n++].fn = fn;
    return 1;
}

/* The function edge e of module m calls, in *t (t->fn NULL: not a project function). */
static void edge_target(analysis *a, const module_info *m, const module_edge *e, module_ref *t)
{
    memset(t, 0, sizeof *t);
    if (!e->external) {
        t->module = m;
        t->fn = find_fn(m, e->target);
        return;
    }
    char file[PATH_MAX];
    const char *rest;
    const module_info *tm = NULL;
    if (module_find(m->path, m->root, e->target, file, sizeof file, &rest) &&
        (tm = module_get(a, file)) != NULL && *rest) {
        lookup_in(a, tm, rest, 0, t);
    }
}

/* Depth-first over the edges from (m, fn) that carry flag: 1 when a function that does flag by
 * its own module's facts is reached. Each function is visited once per question. */
static int reaches(analysis *a, reach *r, const module_info *m, const module_fn *fn, int flag)
{
    /* an explicit stack: chains of helpers can be long */
    visit *stack = xmalloc(sizeof *stack);
    size_t n = 0;
    size_t cap = 1;
    int found = 0;
    see(r, m, fn);
    stack[n++] = (visit){m, fn};
    while (n > 0 && !found && r->n < MAX_REACH) {
        visit v = stack[--n];
        if (v.fn->flags & flag) {
            found = 1;
            break;
        }
        for (uint32_t k = 0; k < v.fn->n_edges; k++) {
            const module_edge *e = &v.m->edges[v.fn->edge_start + k];
            if (!(e->when & flag)) {
                continue;
            }
            module_ref t;
            edge_target(a, v.m, e, &t);
            /* a class is a step only of the trainer and state questions (superclasses, submodules)
             */
            if (t.fn &&
                (!(t.fn->flags & MODULE_CLASS) || flag == MODULE_HF_TRAINER ||
                 flag == MODULE_KEEPS_STATE) &&
                see(r, t.module, t.fn)) {
                if (n == cap) {
                    cap *= 2;
                    stack = xrealloc(stack, cap * sizeof *stack);
                }
                stack[n++] = (visit){t.module, t.fn};
            }
        }
    }
    free(stack);
    return found;
}

int module_fn_does(analysis *a, const module_info *m, const module_fn *fn, int flag)
{
    if (fn->flags & flag) {
        return 1;
    }
    if (fn->n_edges == 0) {
        return 0;
    }
    int known;
    int answer = project_module_answer(a->project, fn, flag, -1);
    known = answer >= 0;
    if (known) {
        return answer;
    }
    reach r = {NULL, 0, 0};
    answer = reaches(a, &r, m, fn, flag);
    free(r.seen);
    project_module_answer(a->project, fn, flag, answer);
    return answer;
}

int project_hf_trainer(analysis *a, const char *q)
{
    size_t n = strlen(q);
    module_ref r;
    return n >= 7 && strcmp(q + n - 7, "Trainer") == 0 && strncmp(q, "<local>.", 8) != 0 &&
           module_resolve(a, q, &r) && r.fn && (r.fn->flags & MODULE_CLASS) &&
           module_fn_does(a, r.module, r.fn, MODULE_HF_TRAINER);
}

/* The arguments named rest in module m, or through its re-exports in another module. */
static const module_hf_args *hf_args_in(analysis *a, const module_info *m, const char *rest,
                                        const module_info **out_m)
{
    char qual[2][512]; /* rest points into the one the last step wrote */
    for (int depth = 0; m && *rest && depth <= MAX_MODULE_DEPTH; depth++) {
        module_hf_args key = {(char *)rest, NULL, 0, 0};
        const module_hf_args *h =
            m->n_hf_args ? bsearch(&key, m->hf_args, m->n_hf_args, sizeof key, cmp_hf_args) : NULL;
        if (h) {
            *out_m = m;
            return h;
        }
        size_t n = strcspn(rest, ".");
        const module_export *e = find_export(m, rest, n);
        char *q = qual[depth % 2];
        char file[PATH_MAX];
        const char *inner;
        if (!e || snprintf(q, sizeof qual[0], "%s%s", e->qual, rest + n) >= (int)sizeof qual[0] ||
            !module_find(m->path, m->root, q, file, sizeof file, &inner)) {
            return NULL;
        }
        m = module_load(a->project, file, a->root);
        rest = inner;
    }
    return NULL;
}

const module_hf_args *module_hf_args_of(analysis *a, uint32_t e, char *where, size_t cap)
{
    if (e == NONE || (a->nodes[e].kind != K_IDENT && a->nodes[e].kind != K_ATTR)) {
        return NULL;
    }
    uint32_t root = chain_root(a, e);
    const binding *b = root == NONE ? NULL : resolve_binding(a, root);
    char q[512];
    if (!b || b->kind != BIND_IMPORT || rebound(a, b) || !resolve_name(a, e, q, sizeof q) ||
        !analysis_project(a)) {
        return NULL;
    }
    char file[PATH_MAX];
    const char *rest;
    if (!module_find(a->path, a->root, q, file, sizeof file, &rest) || !*rest) {
        return NULL;
    }
    const module_info *hm = NULL;
    const module_hf_args *h = hf_args_in(a, module_load(a->project, file, a->root), rest, &hm);
    if (h) {
        char rel[PATH_MAX];
        project_rel(a, hm->path, rel, sizeof rel);
        snprintf(where, cap, "%s:%u", rel, (unsigned)h->line);
    }
    return h;
}
