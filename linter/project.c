/* Project facts for OOM104: does this project train under DistributedDataParallel? DDP is set up
 * in main.py/train.py or a launcher script while checkpointing sits in a model file, so the
 * project root (nearest ancestor with .git or pyproject.toml) is byte-scanned once per run and
 * the answer cached. No parsing: a few memmem() calls per file, and in a Python file that may
 * hold evidence, one lexical pass (pylex.c) that blanks comments and strings, so that only code
 * is evidence. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "linter/lint_int.h"

#define SCAN_MAX_FILES 50000
#define SCAN_MAX_BYTES ((size_t)4 * 1024 * 1024)

static int ident_char(char c)
{
    return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Is the match at p on a line that is commented out before it? */
static int commented(const char *src, const char *p)
{
    for (const char *q = p; q > src && q[-1] != '\n'; q--) {
        if (q[-1] == '#') {
            return 1;
        }
    }
    return 0;
}

static int line_of(const char *src, const char *p)
{
    int line = 1;
    for (const char *q = src; q < p; q++) {
        line += *q == '\n';
    }
    return line;
}

static void note(lint_ddp *acc, const char *name, const char *src, const char *p)
{
    if (!acc->ddp || !acc->where[0]) {
        snprintf(acc->where, sizeof acc->where, "%s:%d", name, line_of(src, p));
    }
    acc->ddp = 1;
}

/* The argument text of a call whose '(' is at open, bounded. */
static size_t call_span(const char *open, const char *end)
{
    int depth = 0;
    size_t max = (size_t)(end - open) < 4096 ? (size_t)(end - open) : 4096;
    for (size_t i = 0; i < max; i++) {
        if (open[i] == '(') {
            depth++;
        } else if (open[i] == ')' && --depth == 0) {
            return i + 1;
        }
    }
    return max;
}

static void scan_ctor(lint_ddp *acc, const char *name, const char *src, const char *p,
                      const char *open, const char *end)
{
    size_t span = call_span(open, end);
    note(acc, name, src, p);
    acc->n_ctor++;
    if (memmem(open, span, "static_graph=True", 17)) {
        acc->n_static++;
    }
    if (memmem(open, span, "find_unused_parameters=True", 27)) {
        acc->find_unused = 1;
    }
}

/* Is s[0..n) the name of one of Lightning's DDP strategies: ddp, ddp_spawn, ddp_fork or
 * ddp_notebook, each also with _find_unused_parameters_true or _false? (Not ddp_sharded*, which
 * is fairscale, nor ddp_fully_sharded, which is FSDP.) */
int lint_ddp_strategy_name(const unsigned char *s, size_t n)
{
    static const char *const launch[] = {"_spawn", "_fork", "_notebook"};
    static const char *const unused[] = {"_find_unused_parameters_true",
                                         "_find_unused_parameters_false"};
    if (n < 3 || memcmp(s, "ddp", 3) != 0) {
        return 0;
    }
    s += 3;
    n -= 3;
    for (size_t i = 0; i < sizeof launch / sizeof launch[0]; i++) {
        size_t m = strlen(launch[i]);
        if (n >= m && memcmp(s, launch[i], m) == 0) {
            s += m;
            n -= m;
            break;
        }
    }
    for (size_t i = 0; n && i < sizeof unused / sizeof unused[0]; i++) {
        if (n == strlen(unused[i]) && memcmp(s, unused[i], n) == 0) {
            n = 0;
        }
    }
    return n == 0;
}

/* Does the literal starting at code + at stand where a value goes: after `=` (a keyword
 * argument, an assignment, a default; not ==, !=, <=, >=) or `:` (a dict value)? code is the
 * blanked copy up to there, so comments and strings in between read as blanks. */
static int stands_as_value(const char *code, size_t at)
{
    while (at > 0 && (code[at - 1] == ' ' || code[at - 1] == '\t' || code[at - 1] == '\n' ||
                      code[at - 1] == '\r' || code[at - 1] == '\\')) {
        at--;
    }
    if (at == 0) {
        return 0;
    }
    char c = code[at - 1];
    if (c == ':') {
        return 1;
    }
    char before = ' ';
    if (at > 1) {
        before = code[at - 2];
    }
    return c == '=' && before != '=' && before != '!' && before != '<' && before != '>';
}

static void blank(char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] != '\n') {
            p[i] = ' ';
        }
    }
}

/* A copy of the Python source src[0..len) with its comments and the text of its string
 * literals turned to blanks, line ends kept (so offsets and line numbers hold): only code is
 * left to search for DDP. A literal that is a DDP strategy name standing as a value
 * (strategy="ddp") is kept: that string is how Lightning is told to use DDP. Caller frees. */
static char *code_only(const char *src, size_t len)
{
    char *code = xmalloc(len + 1);
    memcpy(code, src, len);
    code[len] = '\0';
    pylex lx;
    pylex_init(&lx, src, len);
    const unsigned char *p = lx.src;
    while (p < lx.end) {
        uint8_t k = pylex_class[*p];
        if (k == PYLEX_HASH) {
            const unsigned char *e = pylex_comment(p, lx.end);
            blank(code + (p - lx.src), (size_t)(e - p));
            p = e;
        } else if (k == PYLEX_QUOTE) {
            pylex_str s;
            p = pylex_string(&lx, p, &s);
            size_t n = (size_t)(s.body_end - s.body);
            if (!lint_ddp_strategy_name(s.body, n) ||
                !stands_as_value(code, (size_t)(s.start - lx.src))) {
                blank(code + (s.body - lx.src), n);
            }
        } else {
            p++;
        }
    }
    return code;
}

/* Launchers in a shell script (not behind a # on its line). */
static void scan_shell(const char *src, size_t len, const char *name, lint_ddp *acc)
{
    static const char *const launchers[] = {
        "torchrun",          "torch.distributed.launch", "torch.distributed.run",
        "accelerate launch", "--nproc_per_node",         NULL};
    const char *end = src + len;
    for (int i = 0; launchers[i]; i++) {
        for (const char *p = src;
             (p = memmem(p, (size_t)(end - p), launchers[i], strlen(launchers[i]))) != NULL; p++) {
            if (!commented(src, p)) {
                note(acc, name, src, p);
                acc->n_other++;
                break;
            }
        }
    }
}

/* DDP constructions in code (comments and strings blanked): DistributedDataParallel(...), and
 * DDP(...) where the module imports it under that name. */
static void scan_ctors(const char *code, size_t len, const char *name, lint_ddp *acc)
{
    const char *end = code + len;
    for (const char *p = code; (p = memmem(p, (size_t)(end - p), "DistributedDataParallel(", 24));
         p++) {
        if (p == code || !ident_char(p[-1]) || p[-1] == '.') {
            scan_ctor(acc, name, code, p, p + 23, end);
        }
    }
    if (has_bytes(code, len, "as DDP")) {
        for (const char *p = code; (p = memmem(p, (size_t)(end - p), "DDP(", 4)); p++) {
            if (p == code || !ident_char(p[-1])) {
                scan_ctor(acc, name, code, p, p + 3, end);
            }
        }
    }
}

/* DDP set up another way, in code: a Lightning strategy (the kept "ddp..." literals,
 * DDPStrategy(...)), or an Accelerator() when no other backend is named. */
static void scan_other(const char *code, size_t len, const char *name, int other_backend,
                       lint_ddp *acc)
{
    static const char *const lightning[] = {"\"ddp", "'ddp", "DDPStrategy(", NULL};
    const char *end = code + len;
    for (int i = 0; lightning[i]; i++) {
        const char *p = memmem(code, len, lightning[i], strlen(lightning[i]));
        if (p) {
            note(acc, name, code, p);
            acc->n_other++;
            size_t rest = (size_t)(end - p) < 64 ? (size_t)(end - p) : 64;
            if (memmem(p, rest, "find_unused_parameters_true", 27) ||
                memmem(p, rest, "find_unused_parameters=True", 27)) {
                acc->find_unused = 1;
            }
        }
    }
    if (!other_backend) {
        for (const char *p = code; (p = memmem(p, (size_t)(end - p), "Accelerator(", 12)); p++) {
            if (p == code || !ident_char(p[-1]) || p[-1] == '.') {
                note(acc, name, code, p);
                acc->n_other++;
                break;
            }
        }
    }
}

void lint_ddp_scan_buffer(const char *src, size_t len, const char *name, int is_shell,
                          lint_ddp *acc)
{
    /* Another backend named anywhere, strings included (strategy="fsdp", "--deepspeed"),
     * means the DDP-looking evidence of this file may not be DDP. */
    int other_backend = util_contains_ci(src, len, "deepspeed") ||
                        util_contains_ci(src, len, "fsdp") ||
                        has_bytes(src, len, "FullyShardedDataParallel");
    if (is_shell) {
        if (!other_backend) {
            scan_shell(src, len, name, acc);
        }
    } else if (has_bytes(src, len, "DDP") || has_bytes(src, len, "ddp") ||
               has_bytes(src, len, "DistributedDataParallel(") ||
               has_bytes(src, len, "Accelerator(") || has_bytes(src, len, "._set_static_graph()")) {
        /* Python: evidence is code, never a docstring, comment or string ("ddpm") */
        char *code = code_only(src, len);
        scan_ctors(code, len, name, acc);
        scan_other(code, len, name, other_backend, acc);
        if (has_bytes(code, len, "._set_static_graph()")) {
            acc->n_static = acc->n_ctor ? acc->n_ctor : 1;
            acc->set_static = 1;
        }
        free(code);
    }
    lint_ddp_settle(acc);
}

void lint_ddp_settle(lint_ddp *acc)
{
    acc->static_graph = acc->ddp && acc->n_other == 0 &&
                        (acc->set_static || (acc->n_ctor > 0 && acc->n_static >= acc->n_ctor));
}

/* ---- The project cache ---- */

/* A file of the project that may hold DDP evidence (the byte scan found some): a Python file
 * whose code is then read (its module summary), or a launcher line of a shell script with the
 * script it starts (target, a real path; NULL when the line names none, as in `torchrun
 * $SCRIPT`: then it is taken to start anything in the project). */
typedef struct cand {
    char *path;
    int is_shell;
    char *target;
    char where[320]; /* "run.sh:2" for a launcher */
    /* what the file (or the launched script) imports, computed on first use */
    const char **closure; /* borrowed paths (module_closure) */
    size_t n_closure;
    int closed;
    /* the scripts (indices into proj.scripts) that import it: what they import runs in one
     * process with it (the DDP set-up may be a helper the script calls, next to the model it
     * trains), computed on first use */
    size_t *importers;
    size_t n_importers;
    int importers_done;
} cand;

typedef struct proj {
    char *root; /* the cache key: "R:" or "D:" and the folder */
    char *dir;  /* the folder */
    int found;  /* a real project root (not only the file's folder) */
    cand *cands;
    size_t n_cands;
    char **scripts; /* files that can run as a script (`__main__`), real paths */
    size_t n_scripts;
    /* each script's closure (module_closure), computed on first use */
    struct closure {
        const char **paths; /* borrowed (module_closure) */
        size_t n;
    } * script_closures;
    /* command lines (shell scripts, Makefiles, READMEs) that run a script with Trainer flags */
    struct launch {
        char *target; /* the script, a real path; NULL while only bare is known */
        int flags;    /* LAUNCH_* */
        char where[320];
        /* `python run_x.py` naming a file that is neither next to the command line nor at the
         * root: its name, matched after the scan to the one project script of that name
         * (a README at the root documenting a script that runs from scripts/) */
        char bare[64];
    } * launches;
    size_t n_launches;
} proj;

typedef struct dirmap {
    char *dir;
    size_t proj;
} dirmap;

struct lint_project_cache {
    pthread_mutex_t mu;
    proj *p;
    size_t n, cap;
    dirmap *d;
    size_t nd, capd;
    char *workspace; /* an editor's workspace root, or NULL */
    /* Module summaries (module.c) by real path: open addressing, a power-of-two table. */
    module_info **mods;
    size_t n_mods, cap_mods;
    /* project_module_seeded's answers by path: open addressing, a power-of-two table */
    struct seed {
        char *path;
        int seeded;
    } * seeds;
    size_t n_seeds, cap_seeds;
    pthread_mutex_t mods_mu; /* guards mods, seeds (and settled answers); mu guards the rest */
};

void lint_project_cache_set_workspace(lint_project_cache *c, const char *root)
{
    pthread_mutex_lock(&c->mu);
    free(c->workspace);
    c->workspace = NULL;
    if (root && *root) {
        c->workspace = xstrdup(root);
        size_t n = strlen(c->workspace);
        while (n > 1 && c->workspace[n - 1] == '/') {
            c->workspace[--n] = '\0';
        }
    }
    pthread_mutex_unlock(&c->mu);
}

lint_project_cache *lint_project_cache_new(void)
{
    lint_project_cache *c = xcalloc(1, sizeof *c);
    pthread_mutex_init(&c->mu, NULL);
    pthread_mutex_init(&c->mods_mu, NULL);
    return c;
}

static void free_paths(char **p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(p[i]);
    }
    free(p);
}

void lint_project_cache_free(lint_project_cache *c)
{
    if (!c) {
        return;
    }
    for (size_t i = 0; i < c->n; i++) {
        for (size_t k = 0; k < c->p[i].n_cands; k++) {
            cand *k2 = &c->p[i].cands[k];
            free(k2->closure);
            free(k2->importers);
            free(k2->path);
            if (k2->target && *k2->target) {
                free(k2->target);
            }
        }
        free(c->p[i].cands);
        for (size_t k = 0; c->p[i].script_closures && k < c->p[i].n_scripts; k++) {
            free(c->p[i].script_closures[k].paths);
        }
        free(c->p[i].script_closures);
        free_paths(c->p[i].scripts, c->p[i].n_scripts);
        for (size_t k = 0; k < c->p[i].n_launches; k++) {
            free(c->p[i].launches[k].target);
        }
        free(c->p[i].launches);
        free(c->p[i].dir);
        free(c->p[i].root);
    }
    for (size_t i = 0; i < c->nd; i++) {
        free(c->d[i].dir);
    }
    for (size_t i = 0; i < c->cap_mods; i++) {
        module_info_free(c->mods[i]);
    }
    free(c->mods);
    for (size_t i = 0; i < c->cap_seeds; i++) {
        free(c->seeds[i].path);
    }
    free(c->seeds);
    free(c->p);
    free(c->d);
    free(c->workspace);
    pthread_mutex_destroy(&c->mu);
    pthread_mutex_destroy(&c->mods_mu);
    free(c);
}

static int exists(const char *dir, const char *name)
{
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path) {
        return 0;
    }
    return access(path, F_OK) == 0;
}

/* The directory of path, made absolute when possible. Caller frees. */
static char *dir_of(const char *path)
{
    char *copy = xstrdup(path);
    char *slash = strrchr(copy, '/');
    const char *dir = ".";
    if (slash == copy) {
        dir = "/";
    } else if (slash) {
        *slash = '\0';
        dir = copy;
    }
    char *real = realpath(dir, NULL);
    char *out = real ? xstrdup(real) : xstrdup(dir);
    free(real);
    free(copy);
    return out;
}

static int has_suffix(const char *s, const char *suf)
{
    size_t n = strlen(s);
    size_t m = strlen(suf);
    return n >= m && strcmp(s + n - m, suf) == 0;
}

/* A test file runs in one process unless it starts more itself. rel: its path from the
 * project root. */
static int is_test_file(const char *rel)
{
    const char *base = strrchr(rel, '/');
    base = base ? base + 1 : rel;
    return strncmp(rel, "tests/", 6) == 0 || strncmp(rel, "test/", 5) == 0 ||
           strstr(rel, "/tests/") || strstr(rel, "/test/") || strncmp(base, "test_", 5) == 0 ||
           has_suffix(base, "_test.py") || strcmp(base, "conftest.py") == 0;
}

int project_test_path(const char *rel)
{
    return is_test_file(rel);
}

static cand *add_cand(proj *pj, const char *path, int is_shell)
{
    pj->cands = xrealloc(pj->cands, (pj->n_cands + 1) * sizeof *pj->cands);
    cand *k = &pj->cands[pj->n_cands++];
    memset(k, 0, sizeof *k);
    k->path = xstrdup(path);
    k->is_shell = is_shell;
    return k;
}

/* The script a launcher line starts: its first word ending in .py (next to the shell script or
 * under the project root), else the module after -m (not torch.distributed's own). Returns a
 * real path (caller frees), NULL when the line names none, and "" (static) when it names one
 * that is not in the project. */
/* The next word of line[*i .. n) into word (quotes, backslashes and blanks separate words);
 * 0 at the end. */
static int next_word(const char *line, size_t n, size_t *i, char *word, size_t cap)
{
    static const char sep[] = " \t\\\n\"'";
    for (;;) {
        while (*i < n && strchr(sep, line[*i])) {
            (*i)++;
        }
        if (*i >= n) {
            return 0;
        }
        size_t j = *i;
        while (j < n && !strchr(sep, line[j])) {
            j++;
        }
        size_t wl = j - *i;
        const char *w = line + *i;
        *i = j;
        if (wl < cap) {
            memcpy(word, w, wl);
            word[wl] = '\0';
            return 1;
        }
    }
}

/* The real path of the script word names, next to the shell script sh or under the project
 * root; "" (static) when there is none. */
static char *script_path(const proj *pj, const char *sh, const char *word)
{
    if (word[0] == '/') {
        char *real = realpath(word, NULL);
        return real ? real : (char *)"";
    }
    char *shdir = dir_of(sh);
    const char *bases[2] = {shdir, pj->dir};
    char *real = NULL;
    for (int b = 0; b < 2 && !real; b++) {
        char *p = xasprintf("%s/%s", bases[b], word);
        real = realpath(p, NULL);
        free(p);
    }
    free(shdir);
    return real ? real : (char *)"";
}

/* The first word of the line ending in .py when it is a bare file name (no folder), into out;
 * out stays empty otherwise. */
static void bare_script(const char *line, size_t n, char *out, size_t cap)
{
    char word[PATH_MAX];
    size_t i = 0;
    while (next_word(line, n, &i, word, sizeof word)) {
        size_t wl = strlen(word);
        if (wl > 3 && strcmp(word + wl - 3, ".py") == 0) {
            if (!strchr(word, '/') && wl < cap) {
                memcpy(out, word, wl + 1);
            }
            return;
        }
    }
}

/* The script a launcher line starts: its first word ending in .py, else the module after -m
 * (not torch.distributed's own). Returns a real path (caller frees), NULL when the line names
 * none, and "" (static) when it names one that is not in the project. */
static char *launch_target(const proj *pj, const char *sh, const char *line, size_t n)
{
    char word[PATH_MAX];
    char module[PATH_MAX] = "";
    int after_m = 0;
    size_t i = 0;
    while (next_word(line, n, &i, word, sizeof word)) {
        size_t wl = strlen(word);
        if (wl > 3 && strcmp(word + wl - 3, ".py") == 0) {
            return script_path(pj, sh, word);
        }
        if (after_m && !module[0] && strncmp(word, "torch.distributed", 17) != 0) {
            memcpy(module, word, wl + 1);
        }
        after_m = strcmp(word, "-m") == 0;
    }
    if (!module[0]) {
        return NULL;
    }
    char importer[PATH_MAX + 16];
    snprintf(importer, sizeof importer, "%s/__main__", pj->dir);
    char file[PATH_MAX];
    const char *rest;
    if (module_find(importer, pj->dir, module, file, sizeof file, &rest) && !*rest) {
        return project_realpath(file);
    }
    return (char *)"";
}

/* The value after the flag at p (a word after blanks or '='), into out. */
static void flag_value(const char *p, const char *end, char *out, size_t cap)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '=' || *p == '\\' || *p == '\n' ||
                       *p == '"' || *p == '\'')) {
        p++;
    }
    size_t n = 0;
    while (p < end && n + 1 < cap && !strchr(" \t\\\n\"'", *p)) {
        out[n++] = *p++;
    }
    out[n] = '\0';
}

/* Hugging Face Trainer flags on a command line that runs a project script (`python
 * run_glue.py --do_eval ...`, `torchrun ... run_ner.py --evaluation_strategy steps`): what
 * HfArgumentParser will make of them, recorded for the script. */
static void scan_trainer_flags(proj *pj, const char *path, const char *rel, const char *line,
                               size_t n, int line_no)
{
    static const char *const strategies[] = {"--evaluation_strategy", "--eval_strategy", NULL};
    const char *end = line + n;
    int flags = 0;
    const char *p = memmem(line, n, "--do_eval", 9);
    if (p) {
        char v[16];
        flag_value(p + 9, end, v, sizeof v);
        flags |= strcasecmp(v, "false") == 0 ? 0 : LAUNCH_EVAL;
    }
    for (int i = 0; strategies[i]; i++) {
        if ((p = memmem(line, n, strategies[i], strlen(strategies[i]))) != NULL) {
            char v[16];
            flag_value(p + strlen(strategies[i]), end, v, sizeof v);
            flags |= strcmp(v, "no") == 0 ? 0 : LAUNCH_EVAL;
        }
    }
    if (memmem(line, n, "--do_predict", 12)) {
        flags |= LAUNCH_EVAL | LAUNCH_PREDICT;
    }
    if (memmem(line, n, "--eval_accumulation_steps", 25) ||
        memmem(line, n, "--prediction_loss_only", 22) ||
        memmem(line, n, "--batch_eval_metrics", 20)) {
        flags |= LAUNCH_MITIGATED;
    }
    if (memmem(line, n, "--prediction_loss_only", 22) ||
        memmem(line, n, "--batch_eval_metrics", 20) ||
        memmem(line, n, "--predict_with_generate", 23)) {
        flags |= LAUNCH_REDUCED;
    }
    if (!(flags & (LAUNCH_EVAL | LAUNCH_MITIGATED | LAUNCH_REDUCED))) {
        return;
    }
    char *t = launch_target(pj, path, line, n);
    char bare[64] = "";
    if (t && !*t) {
        bare_script(line, n, bare, sizeof bare);
        t = NULL;
    }
    if (!t && !bare[0]) {
        return;
    }
    pj->launches = xrealloc(pj->launches, (pj->n_launches + 1) * sizeof *pj->launches);
    struct launch *l = &pj->launches[pj->n_launches++];
    l->target = t;
    l->flags = flags;
    snprintf(l->where, sizeof l->where, "%.300s:%d", rel, line_no);
    snprintf(l->bare, sizeof l->bare, "%s", bare);
}

/* Gives each launch known only by its script's bare name the project script of that name,
 * when there is exactly one; the others stay unresolved (they match no file). */
static void resolve_bare_launches(proj *pj)
{
    for (size_t i = 0; i < pj->n_launches; i++) {
        struct launch *l = &pj->launches[i];
        if (l->target || !l->bare[0]) {
            continue;
        }
        const char *only = NULL;
        int seen = 0;
        for (size_t k = 0; k < pj->n_scripts; k++) {
            const char *slash = strrchr(pj->scripts[k], '/');
            if (strcmp(slash ? slash + 1 : pj->scripts[k], l->bare) == 0) {
                only = pj->scripts[k];
                seen++;
            }
        }
        if (seen == 1) {
            l->target = xstrdup(only);
        }
    }
}

/* The launcher lines of a shell script (torchrun, accelerate launch, torch.distributed.run or
 * launch, --nproc_per_node; not commented out, not naming DeepSpeed or FSDP): a candidate each,
 * with the script it starts. */
static void scan_launchers(proj *pj, const char *path, const char *rel, const char *src, size_t len,
                           int doc)
{
    static const char *const launchers[] = {"torchrun", "torch.distributed.launch",
                                            "torch.distributed.run", "accelerate launch", NULL};
    const char *end = src + len;
    int line_no = 1;
    for (const char *p = src; p < end;) {
        /* a logical line: backslash-newline continues it */
        const char *e = p;
        int lines = 1;
        while (e < end && *e != '\n') {
            if (*e == '\\' && e + 1 < end && e[1] == '\n') {
                e++;
                lines++;
            }
            e++;
        }
        size_t n = (size_t)(e - p);
        const char *hash = memchr(p, '#', n);
        size_t code = hash ? (size_t)(hash - p) : n;
        int hit = 0;
        for (int i = 0; launchers[i] && !hit; i++) {
            hit = memmem(p, code, launchers[i], strlen(launchers[i])) != NULL;
        }
        scan_trainer_flags(pj, path, rel, p, code, line_no);
        if (hit && !util_contains_ci(p, code, "deepspeed") && !util_contains_ci(p, code, "fsdp")) {
            char *t = launch_target(pj, path, p, code);
            /* a shell script's line that names no script ($SCRIPT) may start anything of the
             * project; a README's or Makefile's names the script it documents, or is about
             * something else (another package's command, a placeholder) */
            if (t ? *t != '\0' : !doc) {
                cand *k = add_cand(pj, path, 1);
                k->target = t;
                snprintf(k->where, sizeof k->where, "%.300s:%d", rel, line_no);
            }
        }
        line_no += lines;
        p = e < end ? e + 1 : end;
    }
}

/* The first SCAN_MAX_BYTES of the file at path, NUL-terminated, or NULL. Caller frees. */
static char *read_head(const char *path, size_t *out_len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        return NULL;
    }
    char *data = xmalloc(SCAN_MAX_BYTES + 1);
    size_t len = fread(data, 1, SCAN_MAX_BYTES, f);
    fclose(f);
    data[len] = '\0';
    *out_len = len;
    return data;
}

/* path relative to the folder dir when it lies under it, else path. */
static const char *rel_to(const char *dir, const char *path)
{
    size_t n = strlen(dir);
    return strncmp(path, dir, n) == 0 && path[n] == '/' ? path + n + 1 : path;
}

static void scan_file(proj *pj, const char *path, int is_shell)
{
    size_t len;
    char *data = read_head(path, &len);
    if (!data) {
        return;
    }
    const char *rel = rel_to(pj->dir, path);
    if (is_shell) {
        scan_launchers(pj, path, rel, data, len, !has_suffix(path, ".sh"));
    } else {
        /* the byte scan only picks the files whose code is then read */
        lint_ddp acc;
        memset(&acc, 0, sizeof acc);
        lint_ddp_scan_buffer(data, len, rel, 0, &acc);
        /* a script, unless a test that runs in one process (it starts no others) */
        if (has_bytes(data, len, "__main__") &&
            (!is_test_file(rel) || has_bytes(data, len, "spawn"))) {
            pj->scripts = xrealloc(pj->scripts, (pj->n_scripts + 1) * sizeof *pj->scripts);
            pj->scripts[pj->n_scripts++] = project_realpath(path);
        }
        if (acc.ddp || acc.set_static || has_bytes(data, len, "DistributedDataParallelKwargs")) {
            add_cand(pj, path, 0);
        }
    }
    free(data);
}

/* Scans root's *.py files and command-line files (*.sh, Makefile, *.md), recursively when
 * recursive != 0, breadth-first in sorted order so `where` is stable. Folders are walked by
 * the skip policy of every walk (lint.h, at lint_batch): links followed once, virtualenvs,
 * hidden and tool folders passed over; and a folder with its own .git or pyproject.toml is
 * another project. */
static void scan_project(proj *pj, const char *root, int recursive)
{
    /* Python sources, and the files that hold command lines: shell scripts, Makefiles,
     * READMEs */
    static const char *const wanted[] = {".py", ".sh", "Makefile", ".md", NULL};
    file_walk w;
    memset(&w, 0, sizeof w);
    file_walk_root(&w, root);
    char **queue = xmalloc(sizeof *queue);
    size_t qn = 1;
    size_t qcap = 1;
    size_t qi = 0;
    size_t files = 0;
    queue[0] = xstrdup(root);
    while (qi < qn && files < SCAN_MAX_FILES) {
        char *dir = queue[qi++];
        struct dirent **list = NULL;
        int n = scandir(dir, &list, NULL, alphasort);
        for (int i = 0; i < n; i++) {
            const char *name = list[i]->d_name;
            char path[PATH_MAX];
            if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path) {
                free(list[i]);
                continue;
            }
            int kind = file_walk_entry(&w, path, name, recursive, wanted);
            if (kind == FILE_DIR && (exists(path, ".git") || exists(path, "pyproject.toml"))) {
                /* a project of its own (a vendored repository, an export, a test fixture):
                 * its files belong to it, not to this one */
                kind = FILE_SKIP;
            }
            if (kind == FILE_DIR) {
                if (qn == qcap) {
                    qcap *= 2;
                    queue = xrealloc(queue, qcap * sizeof *queue);
                }
                queue[qn++] = xstrdup(path);
            } else if (kind == FILE_TAKE && files < SCAN_MAX_FILES) {
                files++;
                scan_file(pj, path, !has_suffix(name, ".py"));
            }
            free(list[i]);
        }
        free(list);
    }
    for (size_t i = 0; i < qn; i++) {
        free(queue[i]);
    }
    free(queue);
    file_walk_free(&w);
}

/* Adds candidate k's evidence to *out when it reaches file: a Python file whose code sets up
 * DDP and which is file or imports it (through any chain of project modules); a launcher line
 * whose script is file or imports it, or that names no script. Locked (c->mu). */
/* The project's scripts that import candidate k's module (their closures computed once per
 * project). */
static void find_importers(lint_project_cache *c, proj *pj, cand *k)
{
    const char *root = pj->found ? pj->dir : NULL;
    if (!pj->script_closures && pj->n_scripts) {
        pj->script_closures = xcalloc(pj->n_scripts, sizeof *pj->script_closures);
        for (size_t i = 0; i < pj->n_scripts; i++) {
            pj->script_closures[i].paths =
                module_closure(c, root, pj->scripts[i], &pj->script_closures[i].n);
        }
    }
    char *self = project_realpath(k->path);
    for (size_t i = 0; i < pj->n_scripts; i++) {
        const struct closure *cl = &pj->script_closures[i];
        if (strcmp(pj->scripts[i], self) != 0 && module_closure_has(cl->paths, cl->n, self)) {
            k->importers = xrealloc(k->importers, (k->n_importers + 1) * sizeof *k->importers);
            k->importers[k->n_importers++] = i;
        }
    }
    free(self);
}

/* 1 if candidate k reaches file: its module (or launched script) is file or imports it, or a
 * script that imports k's module also imports file (one process runs both). */
static int reaches_file(lint_project_cache *c, proj *pj, cand *k, const char *file)
{
    if (!k->closed) {
        k->closed = 1;
        k->closure = module_closure(c, pj->found ? pj->dir : NULL,
                                    k->is_shell ? k->target : k->path, &k->n_closure);
    }
    if (module_closure_has(k->closure, k->n_closure, file)) {
        return 1;
    }
    if (k->is_shell) {
        return 0;
    }
    if (!k->importers_done) {
        k->importers_done = 1;
        find_importers(c, pj, k);
    }
    for (size_t i = 0; i < k->n_importers; i++) {
        const struct closure *cl = &pj->script_closures[k->importers[i]];
        if (module_closure_has(cl->paths, cl->n, file)) {
            return 1;
        }
    }
    return 0;
}

static void add_evidence(lint_project_cache *c, proj *pj, cand *k, const char *file, lint_ddp *out)
{
    const char *root = pj->found ? pj->dir : NULL;
    if (k->is_shell) {
        if (k->target && !reaches_file(c, pj, k, file)) {
            return;
        }
        out->n_other++;
        if (!out->ddp) {
            snprintf(out->where, sizeof out->where, "%s", k->where);
        }
        out->ddp = 1;
        return;
    }
    const char *rel = rel_to(pj->dir, k->path);
    const module_info *m = module_load(c, k->path, root);
    if (!m || !m->ddp.ddp || (is_test_file(rel) && !m->spawns) || !reaches_file(c, pj, k, file)) {
        return;
    }
    if (!out->ddp) {
        snprintf(out->where, sizeof out->where, "%.300s:%u", rel, m->ddp_line);
    }
    out->ddp = 1;
    out->n_ctor += m->ddp.n_ctor;
    out->n_static += m->ddp.n_static;
    out->n_other += m->ddp.n_other;
    out->find_unused |= m->ddp.find_unused;
    out->set_static |= m->ddp.set_static;
}

/* The DDP fact of file: the evidence of the project that reaches it. Locked (c->mu). */
static void ddp_reaching(lint_project_cache *c, proj *pj, const char *file, lint_ddp *out)
{
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < pj->n_cands; i++) {
        add_evidence(c, pj, &pj->cands[i], file, out);
    }
    lint_ddp_settle(out);
}

/* The nearest folder from dir up with .git or pyproject.toml, or the editor's workspace root
 * (*found = 1); else *found = 0. Caller frees. Locked (c->mu: the workspace). */
static char *root_above(const lint_project_cache *c, const char *dir, int *found)
{
    char *root = xstrdup(dir);
    *found = 0;
    for (;;) {
        if (exists(root, ".git") || exists(root, "pyproject.toml") ||
            (c->workspace && strcmp(root, c->workspace) == 0)) {
            *found = 1;
            return root;
        }
        char *slash = strrchr(root, '/');
        if (!slash || slash == root) {
            return root;
        }
        *slash = '\0';
    }
}

/* The index of the project rooted at root (found: a declared root), scanned when new. Locked. */
static size_t proj_at_root(lint_project_cache *c, const char *root, int found)
{
    char key[PATH_MAX + 4];
    snprintf(key, sizeof key, "%s%s", found ? "R:" : "D:", root);
    for (size_t i = 0; i < c->n; i++) {
        if (strcmp(c->p[i].root, key) == 0) {
            return i;
        }
    }
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 8;
        c->p = xrealloc(c->p, c->cap * sizeof *c->p);
    }
    size_t pi = c->n++;
    memset(&c->p[pi], 0, sizeof c->p[pi]);
    c->p[pi].root = xstrdup(key);
    c->p[pi].dir = xstrdup(root);
    c->p[pi].found = found;
    scan_project(&c->p[pi], root, found);
    resolve_bare_launches(&c->p[pi]);
    return pi;
}

/* The project of the file at path, scanned on first use. Locked (c->mu). */
static proj *proj_of(lint_project_cache *c, const char *path)
{
    char *dir = dir_of(path);
    size_t pi = SIZE_MAX;
    for (size_t i = 0; i < c->nd; i++) {
        if (strcmp(c->d[i].dir, dir) == 0) {
            pi = c->d[i].proj;
            break;
        }
    }
    if (pi == SIZE_MAX) {
        int found = 0;
        char *root = root_above(c, dir, &found);
        if (!found) {
            free(root);
            root = xstrdup(dir);
        }
        pi = proj_at_root(c, root, found);
        free(root);
        if (c->nd == c->capd) {
            c->capd = c->capd ? c->capd * 2 : 16;
            c->d = xrealloc(c->d, c->capd * sizeof *c->d);
        }
        c->d[c->nd].dir = xstrdup(dir);
        c->d[c->nd].proj = pi;
        c->nd++;
    }
    free(dir);
    return &c->p[pi];
}

void lint_project_ddp(lint_project_cache *c, const char *path, lint_ddp *out)
{
    pthread_mutex_lock(&c->mu);
    proj *pj = proj_of(c, path);
    char *file = project_realpath(path);
    ddp_reaching(c, pj, file, out);
    free(file);
    pthread_mutex_unlock(&c->mu);
}

int project_launch_flags(lint_project_cache *c, const char *file, int cite, char *where, size_t cap)
{
    pthread_mutex_lock(&c->mu);
    proj *pj = proj_of(c, file);
    int flags = 0;
    where[0] = '\0';
    for (size_t i = 0; i < pj->n_launches; i++) {
        const struct launch *l = &pj->launches[i];
        if (l->target && strcmp(l->target, file) == 0) {
            if ((l->flags & cite) && !where[0]) {
                snprintf(where, cap, "%s", l->where);
            }
            flags |= l->flags;
        }
    }
    pthread_mutex_unlock(&c->mu);
    return flags;
}

/* ---- Module summaries and roots (module.c asks) ---- */

/* The slot of path in c->mods: its summary's, or the empty one where it would go. Locked. */
static size_t mod_slot(const lint_project_cache *c, const char *path)
{
    size_t mask = c->cap_mods - 1;
    size_t i = lint_str_hash(path) & mask;
    while (c->mods[i] && strcmp(c->mods[i]->path, path) != 0) {
        i = (i + 1) & mask;
    }
    return i;
}

const module_info *project_module_lookup(lint_project_cache *c, const char *path)
{
    pthread_mutex_lock(&c->mods_mu);
    const module_info *m = c->cap_mods ? c->mods[mod_slot(c, path)] : NULL;
    pthread_mutex_unlock(&c->mods_mu);
    return m;
}

const module_info *project_module_insert(lint_project_cache *c, module_info *m)
{
    pthread_mutex_lock(&c->mods_mu);
    if (2 * (c->n_mods + 1) > c->cap_mods) {
        size_t old = c->cap_mods;
        module_info **prev = c->mods;
        c->cap_mods = old ? old * 2 : 64;
        /* NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers */
        c->mods = xcalloc(c->cap_mods, sizeof *c->mods);
        for (size_t i = 0; i < old; i++) {
            if (prev[i]) {
                c->mods[mod_slot(c, prev[i]->path)] = prev[i];
            }
        }
        free(prev);
    }
    size_t i = mod_slot(c, m->path);
    if (c->mods[i]) {
        module_info_free(m); /* another thread summarised it first: the same summary */
    } else {
        c->mods[i] = m;
        c->n_mods++;
    }
    const module_info *out = c->mods[i];
    pthread_mutex_unlock(&c->mods_mu);
    return out;
}

char *project_realpath(const char *path)
{
    char *real = realpath(path, NULL);
    if (real) {
        return real;
    }
    char *dir = dir_of(path);
    const char *slash = strrchr(path, '/');
    char *out = xasprintf("%s/%s", dir, slash ? slash + 1 : path);
    free(dir);
    return out;
}

char *project_root_of(lint_project_cache *c, const char *file)
{
    char *dir = xstrdup(file);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = '\0';
    }
    int found;
    pthread_mutex_lock(&c->mu);
    char *root = root_above(c, dir, &found);
    pthread_mutex_unlock(&c->mu);
    free(dir);
    if (!found) {
        free(root);
        return NULL;
    }
    return root;
}

int project_module_answer(lint_project_cache *c, const module_fn *cfn, int flag, int answer)
{
    /* the one mutable part of a cached summary, written under the lock */
    module_fn *fn = (module_fn *)cfn;
    pthread_mutex_lock(&c->mods_mu);
    if (answer >= 0) {
        fn->known |= (uint8_t)flag;
        fn->answer = (uint8_t)(answer ? fn->answer | flag : fn->answer & ~flag);
    } else if (fn->known & flag) {
        answer = (fn->answer & flag) != 0;
    }
    pthread_mutex_unlock(&c->mods_mu);
    return answer;
}

/* The slot of path in c->seeds. Locked. */
static size_t seed_slot(const struct seed *t, size_t cap, const char *path)
{
    size_t i = lint_str_hash(path) & (cap - 1);
    while (t[i].path && strcmp(t[i].path, path) != 0) {
        i = (i + 1) & (cap - 1);
    }
    return i;
}

/* 1 if the file's bytes hold a call shape that training or flushing code needs. */
static int file_seeded(const char *path)
{
    /* the call shapes themselves (loss.backward(, optimizer.step(, torch.cuda.empty_cache),
     * relative imports (a package's helpers calling each other), trainer classes (a
     * subclass of a Hugging Face Trainer, a vendored copy) and meters (def update(self, val)) */
    static const char *const seeds[] = {
        ".backward(", ".step(",   "empty_cache", "get_device_module", "getattr(torch",
        "from .",     "Trainer)", "Trainer:",    "def update(",       NULL};
    size_t len;
    char *data = read_head(path, &len);
    if (!data) {
        return 0;
    }
    int hit = 0;
    for (int i = 0; seeds[i] && !hit; i++) {
        hit = memmem(data, len, seeds[i], strlen(seeds[i])) != NULL;
    }
    hit = hit || text_feeds_self_attr(data, len);
    free(data);
    return hit;
}

int project_module_seeded(lint_project_cache *c, const char *path)
{
    pthread_mutex_lock(&c->mods_mu);
    if (c->cap_seeds) {
        size_t i = seed_slot(c->seeds, c->cap_seeds, path);
        if (c->seeds[i].path) {
            int seeded = c->seeds[i].seeded;
            pthread_mutex_unlock(&c->mods_mu);
            return seeded;
        }
    }
    pthread_mutex_unlock(&c->mods_mu);
    int seeded = file_seeded(path); /* outside the lock: a read */
    pthread_mutex_lock(&c->mods_mu);
    if (2 * (c->n_seeds + 1) > c->cap_seeds) {
        size_t cap = c->cap_seeds ? c->cap_seeds * 2 : 64;
        struct seed *t = xcalloc(cap, sizeof *t);
        for (size_t i = 0; i < c->cap_seeds; i++) {
            if (c->seeds[i].path) {
                t[seed_slot(t, cap, c->seeds[i].path)] = c->seeds[i];
            }
        }
        free(c->seeds);
        c->seeds = t;
        c->cap_seeds = cap;
    }
    size_t i = seed_slot(c->seeds, c->cap_seeds, path);
    if (!c->seeds[i].path) {
        c->seeds[i].path = xstrdup(path);
        c->seeds[i].seeded = seeded;
        c->n_seeds++;
    }
    pthread_mutex_unlock(&c->mods_mu);
    return seeded;
}
