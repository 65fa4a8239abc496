/* Settings and their discovery: the closest config file above a folder (read and parsed once
 * per run, remembered per folder), laid under the command line's overrides into the settings
 * lint_batch and the language server apply (rules, per-file-ignores, excludes, severity,
 * kb-url). The glob matching of excludes and per-file-ignores is here too. */
#include <errno.h>
#include <fnmatch.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "linter/config.h"

/* Config files are a few hundred bytes; anything this large is not one. */
#define MAX_CONFIG_BYTES ((size_t)1 << 20)

const char *const lint_default_excludes[] = {"__pypackages__", "_build", "buck-out", "build",
                                             "dist",           "venv",   NULL};

/* A glob as written and anchored to its folder ("tests/x*" -> "/proj/tests/x*"). */
typedef struct pattern {
    char *raw;
    char *abs;
    uint32_t rules; /* per-file-ignores: the rules it turns off */
} pattern;

struct lint_settings {
    char *config; /* the config file, or NULL */
    char *root;   /* absolute folder the config's globs are anchored to */
    const char *cwd;
    char *error; /* a broken config: why ("FILE:LINE: KEY: why"); nothing else is set */
    lint_status error_status;
    uint32_t rules;
    pattern *exclude;
    size_t n_exclude;
    pattern *ignores;
    size_t n_ignores;
    signed char severity[LINT_MAX_RULES];
    char *kb_url;
    struct lint_settings *next; /* the cache's list */
};

typedef struct dir_entry {
    char *dir;
    lint_settings *s;
    struct dir_entry *next;
} dir_entry;

#define N_BUCKETS 1024

struct lint_config_cache {
    pthread_mutex_t lock;
    char *cwd;
    /* the overrides, copied */
    char *config;
    int isolated;
    int has_select;
    uint32_t select, extend_select, ignore;
    int has_exclude;
    char **exclude;
    size_t n_exclude;
    char **extend_exclude;
    size_t n_extend_exclude;
    lint_settings *all;   /* every settings made, owned */
    lint_settings *fixed; /* --config, --isolated: the one settings of every file */
    lint_settings *defaults;
    dir_entry *buckets[N_BUCKETS];
};

/* ---- Paths ---- */

/* path made absolute against cwd and normalised lexically ("." and ".." components, repeated
 * slashes); caller frees. */
static char *absolute(const char *cwd, const char *path)
{
    char *joined = path[0] == '/' ? xstrdup(path) : xasprintf("%s/%s", cwd, path);
    size_t n = strlen(joined);
    char *out = xmalloc(n + 2);
    size_t o = 0;
    const char *p = joined;
    while (*p) {
        while (*p == '/') {
            p++;
        }
        size_t m = strcspn(p, "/");
        if (m == 0 || (m == 1 && p[0] == '.')) {
            p += m;
            continue;
        }
        if (m == 2 && p[0] == '.' && p[1] == '.') {
            while (o > 0 && out[o - 1] != '/') {
                o--;
            }
            if (o > 0) {
                o--;
            }
            p += m;
            continue;
        }
        out[o++] = '/';
        memcpy(out + o, p, m);
        o += m;
        p += m;
    }
    if (o == 0) {
        out[o++] = '/';
    }
    out[o] = '\0';
    free(joined);
    return out;
}

/* The folder of an absolute, normalised path ("/a/b" -> "/a", "/a" -> "/"); caller frees. */
static char *parent(const char *abs)
{
    const char *slash = strrchr(abs, '/');
    return slash == abs ? xstrdup("/") : xstrndup(abs, (size_t)(slash - abs));
}

static const char *base_name(const char *abs)
{
    const char *slash = strrchr(abs, '/');
    return slash && slash[1] ? slash + 1 : abs;
}

/* ---- Globs ---- */

/* fnmatch(3) without FNM_PATHNAME ('*' crosses '/', as ruff's globs do), where a "**" path
 * component followed by a slash may also match no folder at all. */
/* NOLINTNEXTLINE(misc-no-recursion): one level per "**" component, patterns are short */
static int glob_match(const char *pat, const char *s, int depth)
{
    if (fnmatch(pat, s, 0) == 0) {
        return 1;
    }
    if (depth > 8) {
        return 0;
    }
    for (const char *p = strstr(pat, "**/"); p; p = strstr(p + 1, "**/")) {
        if (p == pat || p[-1] == '/') {
            size_t at = (size_t)(p - pat);
            char *shorter = xasprintf("%.*s%s", (int)at, pat, p + 3);
            int m = glob_match(shorter, s, depth + 1);
            free(shorter);
            if (m) {
                return 1;
            }
        }
    }
    return 0;
}

static int pattern_match(const pattern *p, const char *abs)
{
    return glob_match(p->raw, base_name(abs), 0) || glob_match(p->abs, abs, 0);
}

static void add_pattern(pattern **list, size_t *n, const char *root, const char *raw,
                        uint32_t rules)
{
    *list = xrealloc(*list, (*n + 1) * sizeof **list);
    pattern *p = &(*list)[(*n)++];
    p->raw = xstrdup(raw);
    /* a trailing slash names a folder; the walk hands folders over without one */
    size_t l = strlen(p->raw);
    while (l > 1 && p->raw[l - 1] == '/') {
        p->raw[--l] = '\0';
    }
    p->abs = p->raw[0] == '/' ? xstrdup(p->raw)
                              : xasprintf("%s%s%s", root, strcmp(root, "/") ? "/" : "", p->raw);
    p->rules = rules;
}

/* ---- Settings ---- */

static lint_settings *settings_new(lint_config_cache *c)
{
    lint_settings *s = xcalloc(1, sizeof *s);
    s->cwd = c->cwd;
    memset(s->severity, -1, sizeof s->severity);
    s->next = c->all;
    c->all = s;
    return s;
}

static void settings_free(lint_settings *s)
{
    for (size_t i = 0; i < s->n_exclude; i++) {
        free(s->exclude[i].raw);
        free(s->exclude[i].abs);
    }
    for (size_t i = 0; i < s->n_ignores; i++) {
        free(s->ignores[i].raw);
        free(s->ignores[i].abs);
    }
    free(s->exclude);
    free(s->ignores);
    free(s->config);
    free(s->root);
    free(s->error);
    free(s->kb_url);
    free(s);
}

/* Lays the command line over cfg (NULL: no config) into s, cfg's globs anchored at root. */
static void resolve(lint_config_cache *c, lint_settings *s, const lint_config *cfg,
                    const char *root)
{
    s->root = xstrdup(root);
    uint32_t rules = lint_rule_default(); /* opt-in rules run only when selected */
    if (cfg) {
        rules = ((cfg->has_select ? cfg->select : rules) | cfg->extend_select) & ~cfg->ignore;
    }
    rules = ((c->has_select ? c->select : rules) | c->extend_select) & ~c->ignore;
    s->rules = rules;
    if (c->has_exclude) {
        for (size_t i = 0; i < c->n_exclude; i++) {
            add_pattern(&s->exclude, &s->n_exclude, c->cwd, c->exclude[i], 0);
        }
    } else if (cfg && cfg->has_exclude) {
        for (size_t i = 0; i < cfg->n_exclude; i++) {
            add_pattern(&s->exclude, &s->n_exclude, root, cfg->exclude[i], 0);
        }
    } else {
        for (size_t i = 0; lint_default_excludes[i]; i++) {
            add_pattern(&s->exclude, &s->n_exclude, root, lint_default_excludes[i], 0);
        }
    }
    for (size_t i = 0; cfg && i < cfg->n_extend_exclude; i++) {
        add_pattern(&s->exclude, &s->n_exclude, root, cfg->extend_exclude[i], 0);
    }
    for (size_t i = 0; i < c->n_extend_exclude; i++) {
        add_pattern(&s->exclude, &s->n_exclude, c->cwd, c->extend_exclude[i], 0);
    }
    if (!cfg) {
        return;
    }
    for (size_t i = 0; i < cfg->n_per_file_ignores; i++) {
        add_pattern(&s->ignores, &s->n_ignores, root, cfg->per_file_ignores[i].glob,
                    cfg->per_file_ignores[i].rules);
    }
    memcpy(s->severity, cfg->severity, sizeof s->severity);
    s->kb_url = cfg->kb_url ? xstrdup(cfg->kb_url) : NULL;
}

/* The settings of the config file at path (its globs anchored at root). is_pyproject: a
 * pyproject.toml without [tool.oomkb] gives NULL. */
static lint_settings *settings_of_file(lint_config_cache *c, const char *path, const char *shown,
                                       const char *root, int is_pyproject)
{
    char *src = NULL;
    size_t len = 0;
    int err = util_read_file(path, MAX_CONFIG_BYTES, &src, &len);
    lint_settings *s = NULL;
    if (err) {
        s = settings_new(c);
        s->error_status = LINT_ERR_INPUT;
        s->error = err == EFBIG ? xasprintf("%s: larger than 1 MiB, not a config file", shown)
                                : xasprintf("%s: %s", shown, strerror(err));
        return s;
    }
    lint_config *cfg = NULL;
    lint_diag d = {{0}};
    lint_status st = lint_config_parse(
        src, len, shown, is_pyproject ? LINT_CONFIG_PYPROJECT : LINT_CONFIG_OOMKB, &cfg, &d);
    free(src);
    if (st != LINT_OK) {
        s = settings_new(c);
        s->error_status = st;
        s->error = xstrdup(d.message);
        return s;
    }
    if (!cfg) {
        return NULL;
    }
    s = settings_new(c);
    s->config = xstrdup(shown);
    resolve(c, s, cfg, root);
    lint_config_free(cfg);
    return s;
}

/* The name a config file is shown by: relative to the current folder when under it. */
static char *shown_name(const lint_config_cache *c, const char *abs)
{
    size_t n = strlen(c->cwd);
    if (strcmp(c->cwd, "/") != 0 && strncmp(abs, c->cwd, n) == 0 && abs[n] == '/') {
        return xstrdup(abs + n + 1);
    }
    return xstrdup(abs);
}

/* The config file in folder dir, or NULL: .oomkb.toml, oomkb.toml, then a pyproject.toml
 * with [tool.oomkb]. */
static lint_settings *settings_in_dir(lint_config_cache *c, const char *dir)
{
    static const char *const names[] = {".oomkb.toml", "oomkb.toml", "pyproject.toml"};
    for (int i = 0; i < 3; i++) {
        char *path = xasprintf("%s%s%s", dir, strcmp(dir, "/") ? "/" : "", names[i]);
        struct stat st;
        lint_settings *s = NULL;
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
            char *shown = shown_name(c, path);
            s = settings_of_file(c, path, shown, dir, i == 2);
            free(shown);
        }
        free(path);
        if (s) {
            return s;
        }
    }
    return NULL;
}

static size_t bucket_of(const char *dir)
{
    uint64_t h = 1469598103934665603ULL;
    for (const unsigned char *p = (const unsigned char *)dir; *p; p++) {
        h = (h ^ *p) * 1099511628211ULL;
    }
    return (size_t)(h % N_BUCKETS);
}

static lint_settings *dir_get(const lint_config_cache *c, const char *dir, int *found)
{
    for (dir_entry *e = c->buckets[bucket_of(dir)]; e; e = e->next) {
        if (strcmp(e->dir, dir) == 0) {
            *found = 1;
            return e->s;
        }
    }
    *found = 0;
    return NULL;
}

static void dir_put(lint_config_cache *c, const char *dir, lint_settings *s)
{
    dir_entry *e = xmalloc(sizeof *e);
    size_t b = bucket_of(dir);
    e->dir = xstrdup(dir);
    e->s = s;
    e->next = c->buckets[b];
    c->buckets[b] = e;
}

static lint_settings *defaults(lint_config_cache *c)
{
    if (!c->defaults) {
        c->defaults = settings_new(c);
        resolve(c, c->defaults, NULL, c->cwd);
    }
    return c->defaults;
}

/* The settings of folder dir (absolute, normalised): its own config, else its parent's. The
 * folders passed on the way up are remembered with the answer. */
static lint_settings *settings_for_dir(lint_config_cache *c, const char *dir)
{
    char **path = NULL;
    size_t n = 0;
    lint_settings *s = NULL;
    char *d = xstrdup(dir);
    for (;;) {
        int found;
        s = dir_get(c, d, &found);
        if (found) {
            free(d);
            break;
        }
        path = xrealloc(path, (n + 1) * sizeof *path);
        path[n++] = d;
        s = settings_in_dir(c, d);
        if (s) {
            break;
        }
        if (strcmp(d, "/") == 0) {
            s = defaults(c);
            break;
        }
        d = parent(d);
    }
    for (size_t i = 0; i < n; i++) {
        dir_put(c, path[i], s);
        free(path[i]);
    }
    free(path);
    return s;
}

/* ---- The cache ---- */

static char **copy_list(const char *const *list, size_t n)
{
    char **out = xcalloc(n ? n : 1, sizeof *out);
    for (size_t i = 0; i < n; i++) {
        out[i] = xstrdup(list[i]);
    }
    return out;
}

lint_config_cache *lint_config_cache_new(const lint_config_overrides *o)
{
    lint_config_cache *c = xcalloc(1, sizeof *c);
    pthread_mutex_init(&c->lock, NULL);
    char *cwd = getcwd(NULL, 0);
    c->cwd = absolute("/", cwd ? cwd : "/");
    free(cwd);
    if (o) {
        c->config = o->config ? xstrdup(o->config) : NULL;
        c->isolated = o->isolated;
        c->has_select = o->has_select;
        c->select = o->select;
        c->extend_select = o->extend_select;
        c->ignore = o->ignore;
        c->has_exclude = o->has_exclude;
        c->exclude = copy_list(o->exclude, o->n_exclude);
        c->n_exclude = o->n_exclude;
        c->extend_exclude = copy_list(o->extend_exclude, o->n_extend_exclude);
        c->n_extend_exclude = o->n_extend_exclude;
    }
    return c;
}

void lint_config_cache_clear(lint_config_cache *c)
{
    pthread_mutex_lock(&c->lock);
    for (size_t b = 0; b < N_BUCKETS; b++) {
        while (c->buckets[b]) {
            dir_entry *e = c->buckets[b];
            c->buckets[b] = e->next;
            free(e->dir);
            free(e);
        }
    }
    while (c->all) {
        lint_settings *s = c->all;
        c->all = s->next;
        settings_free(s);
    }
    c->fixed = c->defaults = NULL;
    pthread_mutex_unlock(&c->lock);
}

void lint_config_cache_free(lint_config_cache *c)
{
    if (!c) {
        return;
    }
    lint_config_cache_clear(c);
    for (size_t i = 0; i < c->n_exclude; i++) {
        free(c->exclude[i]);
    }
    for (size_t i = 0; i < c->n_extend_exclude; i++) {
        free(c->extend_exclude[i]);
    }
    free(c->exclude);
    free(c->extend_exclude);
    free(c->config);
    free(c->cwd);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

/* The settings of dir with c locked. */
static lint_settings *settings_locked(lint_config_cache *c, const char *dir)
{
    if (c->isolated) {
        return defaults(c);
    }
    if (c->config) {
        if (!c->fixed) {
            char *abs = absolute(c->cwd, c->config);
            const char *b = base_name(abs);
            c->fixed =
                settings_of_file(c, abs, c->config, c->cwd, strcmp(b, "pyproject.toml") == 0);
            free(abs);
            if (!c->fixed) { /* a pyproject.toml without [tool.oomkb], named on purpose */
                c->fixed = settings_new(c);
                c->fixed->error_status = LINT_ERR_INPUT;
                c->fixed->error = xasprintf("%s: no [tool.oomkb] table", c->config);
            }
        }
        return c->fixed;
    }
    return settings_for_dir(c, dir);
}

lint_status lint_config_lookup(lint_config_cache *c, const char *path, int is_dir,
                               const lint_settings **out, lint_diag *diag)
{
    char *abs = absolute(c->cwd, path);
    char *dir = is_dir ? xstrdup(abs) : parent(abs);
    pthread_mutex_lock(&c->lock);
    lint_settings *s = settings_locked(c, dir);
    if (!s) {
        s = defaults(c); /* not reached: every folder has settings */
    }
    pthread_mutex_unlock(&c->lock);
    free(dir);
    free(abs);
    *out = NULL;
    if (s->error) {
        if (diag) {
            snprintf(diag->message, sizeof diag->message, "%s", s->error);
        }
        return s->error_status != LINT_OK ? s->error_status : LINT_ERR_INPUT;
    }
    *out = s;
    return LINT_OK;
}

int lint_config_force_excluded(lint_config_cache *c, const char *path)
{
    char *p = absolute(c->cwd, path);
    int excluded = 0;
    for (;;) {
        char *dir = parent(p);
        const lint_settings *s;
        if (lint_config_lookup(c, dir, 1, &s, NULL) != LINT_OK) {
            free(dir);
            break;
        }
        if (lint_settings_excluded(s, p)) {
            excluded = 1;
        }
        int at_root = strcmp(p, s->root) == 0 || strcmp(dir, p) == 0;
        free(p);
        p = dir;
        if (excluded || at_root) {
            break;
        }
    }
    free(p);
    return excluded;
}

/* ---- Settings, read ---- */

const char *lint_settings_config(const lint_settings *s)
{
    return s->config;
}

const char *lint_settings_kb_url(const lint_settings *s)
{
    return s->kb_url;
}

uint32_t lint_settings_rules(const lint_settings *s, const char *path)
{
    uint32_t rules = s->rules;
    if (s->n_ignores == 0 || !path) {
        return rules;
    }
    char *abs = absolute(s->cwd, path);
    for (size_t i = 0; i < s->n_ignores; i++) {
        if (pattern_match(&s->ignores[i], abs)) {
            rules &= ~s->ignores[i].rules;
        }
    }
    free(abs);
    return rules;
}

int lint_settings_excluded(const lint_settings *s, const char *path)
{
    char *abs = absolute(s->cwd, path);
    int hit = 0;
    for (size_t i = 0; i < s->n_exclude && !hit; i++) {
        hit = pattern_match(&s->exclude[i], abs);
    }
    free(abs);
    return hit;
}

void lint_settings_apply(const lint_settings *s, lint_result *r)
{
    for (size_t i = 0; r && i < r->n; i++) {
        int rule = r->items[i].rule;
        if (rule >= 0 && rule < LINT_MAX_RULES && s->severity[rule] >= 0) {
            r->items[i].severity = (lint_severity)s->severity[rule];
        }
    }
}
