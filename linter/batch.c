/* A lint_batch: the files of some paths (files.c finds them), read within the limits, checked
 * for encoding and linted on N threads, each with its own lint_ctx, while a shared budget keeps
 * the source bytes being parsed at once under LINT_PARSE_BUDGET. Results stay in input order
 * whatever the thread timing. `oomkb lint` (cli/cmd_lint.c) drives it and prints. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "linter/config.h"
#include "linter/fix.h"
#include "linter/lint_int.h"

struct lint_batch {
    lint_batch_item *items;
    size_t n, cap;
    int has_stdin;
    lint_batch_options opts;
    file_walk walk;
    lint_project_cache *projects;
    char *config_error; /* the first broken config met while adding, or NULL */
    atomic_size_t next; /* the next item a worker takes */
    /* Source bytes being linted at once, across workers, at most LINT_PARSE_BUDGET (one file
     * alone may always go): memory stays that of one file at the limit whatever -j. */
    pthread_mutex_t budget_lock;
    pthread_cond_t budget_free;
    size_t in_flight;
};

/* ---- Items ---- */

static lint_batch_item *add_item(lint_batch *b, const char *path)
{
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 64;
        b->items = xrealloc(b->items, b->cap * sizeof *b->items);
    }
    lint_batch_item *it = &b->items[b->n++];
    memset(it, 0, sizeof *it);
    it->path = xstrdup(path);
    return it;
}

static void take(void *ud, const char *path, char *error)
{
    add_item(ud, path)->error = error;
}

/* The settings of path (a file, or a folder when is_dir), or NULL when no configuration is
 * used or the config that applies is broken (the first such error is kept). */
static const lint_settings *settings_of(lint_batch *b, const char *path, int is_dir)
{
    const lint_settings *s = NULL;
    lint_diag d = {{0}};
    if (b->opts.configs && lint_config_lookup(b->opts.configs, path, is_dir, &s, &d) != LINT_OK) {
        if (!b->config_error) {
            b->config_error = xstrdup(d.message);
        }
        return NULL;
    }
    return s;
}

/* The walk's exclude test: the excludes of the settings of the entry's folder. */
static int walk_excluded(void *ud, const char *path)
{
    const lint_settings *s = settings_of(ud, path, 0);
    return s && lint_settings_excluded(s, path);
}

lint_batch *lint_batch_new(const lint_batch_options *opts, lint_diag *diag)
{
    /* the grammar must load before any file is read */
    lint_ctx *probe = lint_ctx_new(diag);
    if (!probe) {
        return NULL;
    }
    lint_ctx_free(probe);
    lint_batch *b = xcalloc(1, sizeof *b);
    if (opts) {
        b->opts = *opts;
    }
    b->walk.excludes = b->opts.excludes;
    b->walk.n_excludes = b->opts.n_excludes;
    b->walk.take = take;
    b->walk.ud = b;
    b->walk.excluded = b->opts.configs ? walk_excluded : NULL;
    b->projects = lint_project_cache_new();
    pthread_mutex_init(&b->budget_lock, NULL);
    pthread_cond_init(&b->budget_free, NULL);
    return b;
}

void lint_batch_free(lint_batch *b)
{
    if (!b) {
        return;
    }
    for (size_t i = 0; i < b->n; i++) {
        free(b->items[i].path);
        free(b->items[i].src);
        free(b->items[i].fixed);
        free(b->items[i].error);
        lint_result_free(b->items[i].result);
    }
    free(b->items);
    free(b->config_error);
    file_walk_free(&b->walk);
    lint_project_cache_free(b->projects);
    pthread_mutex_destroy(&b->budget_lock);
    pthread_cond_destroy(&b->budget_free);
    free(b);
}

void lint_batch_add(lint_batch *b, const char *path)
{
    int is_stdin = strcmp(path, "-") == 0;
    const char *named = is_stdin ? b->opts.stdin_name : path;
    if (b->opts.configs && named) {
        settings_of(b, named, 0); /* a broken config above the path is an error */
        if (b->opts.force_exclude && lint_config_force_excluded(b->opts.configs, named)) {
            return;
        }
    }
    if (is_stdin) {
        add_item(b, b->opts.stdin_name ? b->opts.stdin_name : "-")->is_stdin = 1;
        b->has_stdin = 1;
        return;
    }
    file_collect(&b->walk, path);
}

const lint_batch_item *lint_batch_items(const lint_batch *b, size_t *out_n)
{
    *out_n = b->n;
    return b->items;
}

const char *lint_batch_config_error(const lint_batch *b)
{
    return b->config_error;
}

/* ---- Linting ---- */

/* Waits until n more source bytes may be in flight (see lint_batch.in_flight). */
static void budget_take(lint_batch *b, size_t n)
{
    pthread_mutex_lock(&b->budget_lock);
    while (b->in_flight > 0 && b->in_flight + n > LINT_PARSE_BUDGET) {
        pthread_cond_wait(&b->budget_free, &b->budget_lock);
    }
    b->in_flight += n;
    pthread_mutex_unlock(&b->budget_lock);
}

static void budget_give(lint_batch *b, size_t n)
{
    pthread_mutex_lock(&b->budget_lock);
    b->in_flight -= n;
    pthread_cond_broadcast(&b->budget_free);
    pthread_mutex_unlock(&b->budget_lock);
}

/* Reads an item's bytes, taking its share of the budget first: its size for a regular file,
 * the whole limit for stdin, FIFOs and devices (their size is known only once read). *cost
 * is what was taken (the caller gives it back). Returns 0 or an errno value. */
static int read_item(lint_batch *b, const lint_batch_item *it, char **src, size_t *len,
                     size_t *cost)
{
    *cost = 0;
    if (it->is_stdin) {
        *cost = LINT_MAX_SOURCE_BYTES;
        budget_take(b, *cost);
        return file_read(STDIN_FILENO, 0, src, len);
    }
    int fd;
    size_t size;
    int regular;
    int err = file_open(it->path, &fd, &size, &regular);
    if (err) {
        return err;
    }
    *cost = regular ? size : LINT_MAX_SOURCE_BYTES;
    budget_take(b, *cost);
    err = file_read(fd, size, src, len);
    close(fd);
    return err;
}

static char *read_error(int err)
{
    if (err == EFBIG) {
        return xasprintf("larger than the %zu MiB limit, not linted (see oomkb lint --help)",
                         LINT_MAX_SOURCE_BYTES >> 20);
    }
    return xstrdup(err == EISDIR ? "is a directory" : strerror(err));
}

typedef struct ddp_query {
    lint_project_cache *cache;
    const char *path;
} ddp_query;

/* Asked by the linter only when a file holds a reentrant-checkpoint site. */
static void ddp_lookup(void *ud, lint_ddp *out)
{
    const ddp_query *q = ud;
    lint_project_ddp(q->cache, q->path, out);
}

/* Lints and fixes one file in memory (lint_batch_options.fix). */
static lint_status fix_item(lint_ctx *ctx, const char *src, size_t len, const lint_options *o,
                            int unsafe, lint_batch_item *it, lint_diag *d)
{
    lint_fixed fx;
    lint_status st = lint_fix_buffer(ctx, src, len, o, unsafe, &fx, d);
    if (st == LINT_OK) {
        it->result = fx.result;
        it->n_fixed = fx.n_fixed;
        it->fix_reverted = fx.reverted;
        /* only a changed file keeps its fixed bytes (and its original, see lint_item) */
        if (fx.n_fixed) {
            it->fixed = fx.src;
            it->fixed_len = fx.len;
        } else {
            free(fx.src);
        }
    }
    return st;
}

static void lint_item(lint_batch *b, lint_ctx *ctx, lint_batch_item *it)
{
    if (it->error) {
        return;
    }
    const lint_settings *settings = NULL;
    uint32_t rules = b->opts.lint.rules;
    if (b->opts.configs) {
        lint_diag cd = {{0}};
        if (lint_config_lookup(b->opts.configs, it->path, 0, &settings, &cd) != LINT_OK) {
            it->error = xstrdup(cd.message);
            return;
        }
        rules = lint_settings_rules(settings, it->path);
        if (rules == 0) { /* every rule is ignored here: nothing to read */
            it->result = xcalloc(1, sizeof *it->result);
            return;
        }
    }
    char *src = NULL;
    size_t len = 0;
    size_t cost = 0;
    int err = read_item(b, it, &src, &len, &cost);
    if (err) {
        budget_give(b, cost);
        it->error = read_error(err);
        return;
    }
    lint_diag d = {{0}};
    lint_status st = lint_encoding_check(src, len, NULL, &d);
    if (st == LINT_OK) {
        lint_options o = b->opts.lint;
        o.rules = rules;
        ddp_query q = {b->projects, it->path};
        if (!o.ddp && !o.ddp_fn) {
            o.ddp_fn = ddp_lookup;
            o.ddp_ud = &q;
        }
        if (!o.project) {
            o.project = b->projects;
            o.path = it->path;
        }
        st = b->opts.fix ? fix_item(ctx, src, len, &o, b->opts.unsafe_fixes, it, &d)
                         : lint_buffer(ctx, src, len, &o, &it->result, &d);
    }
    budget_give(b, cost);
    if (st != LINT_OK) {
        it->error = xstrdup(d.message);
        free(src);
        return;
    }
    if (settings) {
        lint_settings_apply(settings, it->result);
    }
    if (b->opts.keep_src || (b->opts.fix && (it->fixed || it->is_stdin))) {
        it->src = src;
        it->len = len;
    } else {
        free(src);
    }
}

static void *worker(void *arg)
{
    lint_batch *b = arg;
    lint_ctx *ctx = lint_ctx_new(NULL);
    if (!ctx) {
        return NULL;
    }
    for (;;) {
        size_t i = atomic_fetch_add(&b->next, 1);
        if (i >= b->n) {
            break;
        }
        lint_item(b, ctx, &b->items[i]);
    }
    lint_ctx_free(ctx);
    return NULL;
}

void lint_batch_run(lint_batch *b, int jobs)
{
    if (jobs <= 0) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        jobs = cores > 0 ? (int)(cores > 64 ? 64 : cores) : 1;
    }
    if ((size_t)jobs > b->n) {
        jobs = b->n ? (int)b->n : 1;
    }
    atomic_store(&b->next, 0);
    if (jobs == 1 || b->has_stdin) {
        worker(b); /* stdin is read once, on this thread */
        return;
    }
    pthread_t *th = xcalloc((size_t)jobs, sizeof *th);
    int started = 0;
    for (int i = 0; i < jobs; i++) {
        if (pthread_create(&th[i], NULL, worker, b) != 0) {
            break;
        }
        started++;
    }
    if (started == 0) {
        worker(b);
    }
    for (int i = 0; i < started; i++) {
        pthread_join(th[i], NULL);
    }
    free(th);
}
