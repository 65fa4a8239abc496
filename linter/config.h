/* The linter's configuration: oomkb.toml, .oomkb.toml (top-level keys) or pyproject.toml's
 * [tool.oomkb] table, read by the tree-sitter TOML grammar (lint_config_parse: pure over a
 * buffer), laid under the command line's options into the settings of a folder
 * (lint_settings), and found by discovery (lint_config_cache: the only I/O here).
 *
 * Semantics are ruff's. Discovery: a file takes the closest config file in its folder or above
 * (in one folder .oomkb.toml wins over oomkb.toml, which wins over pyproject.toml; a
 * pyproject.toml without [tool.oomkb] is not a config); configs are not merged. --config PATH
 * applies one file to every file, --isolated none. Globs in a config (exclude, extend-exclude,
 * per-file-ignores) are anchored to its folder; the command line's, and those of --config, to
 * the current folder. A glob matches a file or folder when it matches its name (`legacy`,
 * `test_*.py` at any depth) or its absolute path once the glob is made absolute
 * (`tests/` then `*`; a `**` path component matches zero or more folders). Rules: all by
 * default; then for the config and then the command line in turn: `select` (when given)
 * replaces the set, `extend-select` adds, `ignore` removes.
 *
 * Ownership: results are caller-owned and freed with the matching *_free (NULL is a no-op);
 * settings are owned by their cache. Threads: a lint_config_cache is safe to share. */
#ifndef OOMKB_LINT_CONFIG_H
#define OOMKB_LINT_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "linter/lint.h"

/* ---- One configuration file --------------------------------------------------------------- */

typedef struct lint_config_glob_rules {
    char *glob;     /* as written */
    uint32_t rules; /* the rules it turns off (bit i = rule i) */
} lint_config_glob_rules;

/* The keys of one file, as written (nothing resolved). */
typedef struct lint_config {
    int has_select;
    uint32_t select, extend_select, ignore;
    int has_exclude; /* `exclude` replaces the default excludes */
    char **exclude;
    size_t n_exclude;
    char **extend_exclude;
    size_t n_extend_exclude;
    lint_config_glob_rules *per_file_ignores;
    size_t n_per_file_ignores;
    char *kb_url;                         /* or NULL */
    signed char severity[LINT_MAX_RULES]; /* -1: the rule's own, else a lint_severity */
} lint_config;

typedef enum lint_config_kind {
    LINT_CONFIG_OOMKB = 0,     /* oomkb.toml, .oomkb.toml: top-level keys */
    LINT_CONFIG_PYPROJECT = 1, /* pyproject.toml: the [tool.oomkb] table, the rest ignored */
} lint_config_kind;

/* Parses the TOML in src[0..len). name is the file's name for messages. LINT_OK: *out is a new
 * config (lint_config_free), or NULL for a pyproject.toml without [tool.oomkb]. Errors:
 * LINT_ERR_ABI when the TOML grammar does not load into this libtree-sitter; LINT_ERR_INPUT with
 * "NAME:LINE: KEY: why" in diag for a TOML syntax error, an unknown key, a wrong type, a key
 * given twice, an unknown rule code or severity. Pure, thread-safe. */
lint_status lint_config_parse(const char *src, size_t len, const char *name, lint_config_kind kind,
                              lint_config **out, lint_diag *diag);
void lint_config_free(lint_config *c);

/* LINT_OK if the built-in TOML grammar loads into this libtree-sitter (ABI 13-14 for Debian's
 * 0.20.7), else LINT_ERR_ABI with the reason in diag. */
lint_status lint_config_grammar_check(lint_diag *diag);

/* ---- Settings: a config under the command line --------------------------------------------- */

/* What the command line sets; strings are copied by lint_config_cache_new. */
typedef struct lint_config_overrides {
    const char *config; /* --config PATH: this file for every file, no discovery */
    int isolated;       /* --isolated: no config file at all */
    int has_select;
    uint32_t select, extend_select, ignore;
    int has_exclude; /* --exclude given: its globs replace the config's and the defaults */
    const char *const *exclude;
    size_t n_exclude;
    const char *const *extend_exclude;
    size_t n_extend_exclude;
} lint_config_overrides;

/* The settings of the files of one folder. Owned by the cache; valid until it is cleared or
 * freed. Read-only, thread-safe. */
typedef struct lint_settings lint_settings;

/* The config file these settings come from, or NULL (defaults and the command line only). */
const char *lint_settings_config(const lint_settings *s);
/* The base URL of entry links the config sets (`kb-url`), or NULL. */
const char *lint_settings_kb_url(const lint_settings *s);
/* The rules to run on the file at path: the resolved set minus its per-file-ignores. 0 means
 * none (not "all" as in lint_options). */
uint32_t lint_settings_rules(const lint_settings *s, const char *path);
/* 1 if an exclude glob (exclude or the defaults, extend-exclude) matches path (a file or a
 * folder; relative paths are taken from the current folder of the cache). */
int lint_settings_excluded(const lint_settings *s, const char *path);
/* Applies the `severity` overrides to r's findings. */
void lint_settings_apply(const lint_settings *s, lint_result *r);

/* The default excludes, as ruff's outside hidden folders (which a walk never enters):
 * "__pypackages__", "_build", "buck-out", "build", "dist", "venv". NULL-terminated, static. */
extern const char *const lint_default_excludes[];

/* ---- Discovery ------------------------------------------------------------------------------ */

/* A per-run cache of settings by folder. Each config file is read and parsed once. */
typedef struct lint_config_cache lint_config_cache;

/* A cache laid under the overrides o (copied; NULL: none). Remembers the current folder, the
 * anchor of the command line's globs. */
lint_config_cache *lint_config_cache_new(const lint_config_overrides *o);
void lint_config_cache_free(lint_config_cache *c);
/* Forgets every config read (a config file changed); settings handed out before are freed. */
void lint_config_cache_clear(lint_config_cache *c);
/* The settings of path: those of its folder for a file (which need not exist), its own for a
 * folder (is_dir). LINT_OK with *out set (borrowed from the cache), or LINT_ERR_INPUT with
 * "FILE:LINE: KEY: why" in diag when the config that applies is broken or unreadable (or
 * LINT_ERR_ABI, see lint_config_parse). Thread-safe. */
lint_status lint_config_lookup(lint_config_cache *c, const char *path, int is_dir,
                               const lint_settings **out, lint_diag *diag);
/* 1 if path, named explicitly, is excluded with --force-exclude: it or one of its folders up
 * to the root of the settings that apply there matches their excludes (ruff's rule). A broken
 * config counts as "not excluded" (lint_config_lookup reports it). */
int lint_config_force_excluded(lint_config_cache *c, const char *path);

#endif
