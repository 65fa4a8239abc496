/* Configuration and exclusions, as data cases:
 * - tests/cases/config/parse/NAME.toml (an oomkb.toml) or NAME.pyproject.toml: what
 *   lint_config_parse makes of it, dumped key by key, or its error, in NAME.expected
 *   (NAME.pyproject.expected);
 * - tests/cases/config/trees/TREE/: a folder tree of projects (configs at several levels) and
 *   NAME.args files, each a shell fragment of `oomkb lint` arguments run from TREE, whose
 *   stdout, stderr and exit status are in NAME.expected.
 * OOMKB_UPDATE_CASES=1 rewrites the .expected files that differ (review the diff). Plus the
 * library contracts: glob anchoring, the discovery cache, --force-exclude. */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/util.h"
#include "linter/config.h"
#include "tests/support/run.h"

#define CASES "tests/cases/config"

static char *slurp(const char *path)
{
    char *data = NULL;
    size_t len = 0;
    if (util_read_file(path, 0, &data, &len) != 0) {
        return NULL;
    }
    return data;
}

/* Compares got with the file exp (rewriting it under OOMKB_UPDATE_CASES); 1 if equal. */
static int expect_file(const char *exp, const char *got, buf *report)
{
    char *want = slurp(exp);
    int ok = want && strcmp(want, got) == 0;
    if (!ok && getenv("OOMKB_UPDATE_CASES")) {
        FILE *f = fopen(exp, "w");
        ck_assert_ptr_nonnull(f);
        fputs(got, f);
        fclose(f);
        ok = 1;
    } else if (!ok) {
        buf_printf(report, "%s:\n  expected:\n%s  got:\n%s", exp, want ? want : "(missing)\n", got);
    }
    free(want);
    return ok;
}

/* Fails when there are too few cases (a moved folder) or any differs; frees report. */
static void verdict(const char *what, int cases, int failed, buf *report)
{
    ck_assert_msg(cases >= 10, "only %d %s cases", cases, what);
    if (failed && report->data) {
        /* On stderr: check cuts a long message short and exits early. */
        fputs(report->data, stderr);
    }
    buf_free(report);
    ck_assert_msg(failed == 0, "%d of %d %s cases differ (details on stderr)", failed, cases, what);
}

static void dump_rules(buf *b, const char *key, uint32_t m)
{
    buf_printf(b, "%s:", key);
    for (int i = 0; i < lint_rule_count(); i++) {
        if (m & (1U << i)) {
            buf_printf(b, " %s", lint_rules()[i].code);
        }
    }
    buf_putc(b, '\n');
}

static void dump_globs(buf *b, const char *key, char **g, size_t n)
{
    buf_printf(b, "%s:", key);
    for (size_t i = 0; i < n; i++) {
        buf_printf(b, " \"%s\"", g[i]);
    }
    buf_putc(b, '\n');
}

static char *dump_config(const lint_config *c)
{
    buf b = BUF_INIT;
    if (c->has_select) {
        dump_rules(&b, "select", c->select);
    }
    dump_rules(&b, "extend-select", c->extend_select);
    dump_rules(&b, "ignore", c->ignore);
    if (c->has_exclude) {
        dump_globs(&b, "exclude", c->exclude, c->n_exclude);
    }
    dump_globs(&b, "extend-exclude", c->extend_exclude, c->n_extend_exclude);
    for (size_t i = 0; i < c->n_per_file_ignores; i++) {
        buf_printf(&b, "per-file-ignores \"%s\"", c->per_file_ignores[i].glob);
        dump_rules(&b, "", c->per_file_ignores[i].rules);
    }
    buf_printf(&b, "kb-url: %s\n", c->kb_url ? c->kb_url : "(unset)");
    buf_puts(&b, "severity:");
    for (int i = 0; i < lint_rule_count(); i++) {
        if (c->severity[i] >= 0) {
            buf_printf(&b, " %s=%s", lint_rules()[i].code,
                       c->severity[i] == LINT_SEV_INFO ? "info" : "warning");
        }
    }
    buf_putc(&b, '\n');
    return buf_detach(&b);
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

START_TEST(test_parse_cases)
{
    const char *dir = CASES "/parse";
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    struct dirent *e;
    buf report = BUF_INIT;
    int cases = 0, failed = 0;
    while ((e = readdir(d))) {
        if (!ends_with(e->d_name, ".toml")) {
            continue;
        }
        int pyproject = ends_with(e->d_name, ".pyproject.toml");
        size_t stem = strlen(e->d_name) - 5; /* NAME.pyproject.toml -> NAME.pyproject.expected */
        char *path = xasprintf("%s/%s", dir, e->d_name);
        char *exp = xasprintf("%s/%.*s.expected", dir, (int)stem, e->d_name);
        char *src = NULL;
        size_t len = 0;
        ck_assert_int_eq(util_read_file(path, 0, &src, &len), 0);
        lint_config *c = NULL;
        lint_diag diag = {{0}};
        lint_status st =
            lint_config_parse(src, len, pyproject ? "pyproject.toml" : e->d_name,
                              pyproject ? LINT_CONFIG_PYPROJECT : LINT_CONFIG_OOMKB, &c, &diag);
        char *got = st != LINT_OK ? xasprintf("error: %s\n", diag.message)
                    : c           ? dump_config(c)
                                  : xstrdup("not a config\n");
        cases++;
        failed += !expect_file(exp, got, &report);
        free(got);
        lint_config_free(c);
        free(src);
        free(exp);
        free(path);
    }
    closedir(d);
    verdict("parse", cases, failed, &report);
}
END_TEST

/* Every TREE/NAME.args under trees/, run from TREE. */
START_TEST(test_tree_cases)
{
    char *bin = realpath(OOMKB_BIN, NULL);
    ck_assert_ptr_nonnull(bin);
    const char *top = CASES "/trees";
    DIR *d = opendir(top);
    ck_assert_ptr_nonnull(d);
    struct dirent *e;
    buf report = BUF_INIT;
    int cases = 0, failed = 0;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') {
            continue;
        }
        char *tree = xasprintf("%s/%s", top, e->d_name);
        DIR *t = opendir(tree);
        ck_assert_ptr_nonnull(t);
        struct dirent *f;
        while ((f = readdir(t))) {
            if (!ends_with(f->d_name, ".args")) {
                continue;
            }
            char *args_path = xasprintf("%s/%s", tree, f->d_name);
            char *args = slurp(args_path);
            ck_assert_ptr_nonnull(args);
            args[strcspn(args, "\n")] = '\0';
            char *exp =
                xasprintf("%s/%.*s.expected", tree, (int)(strlen(f->d_name) - 5), f->d_name);
            char *cmd =
                xasprintf("cd '%s' && env -u OOMKB_URL -u NO_COLOR '%s' lint %s", tree, bin, args);
            char *out = NULL, *err = NULL;
            int rc = run_sh(cmd, &out, &err);
            char *got =
                xasprintf("$ oomkb lint %s\n%s--- stderr\n%s--- exit %d\n", args, out, err, rc);
            cases++;
            failed += !expect_file(exp, got, &report);
            free(got);
            free(out);
            free(err);
            free(cmd);
            free(exp);
            free(args);
            free(args_path);
        }
        closedir(t);
        free(tree);
    }
    closedir(d);
    free(bin);
    verdict("tree", cases, failed, &report);
}
END_TEST

/* ---- Library contracts ---- */

static char *tmp_tree(void)
{
    char tmpl[] = "/tmp/oomkb-config-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(tmpl));
    return xstrdup(tmpl);
}

static void write_at(const char *root, const char *rel, const char *text)
{
    char *path = xasprintf("%s/%s", root, rel);
    for (char *p = path + strlen(root) + 1; (p = strchr(p, '/')); p++) {
        *p = '\0';
        mkdir(path, 0755);
        *p = '/';
    }
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
    free(path);
}

/* Globs: anchored to the config's folder, by name at any depth, "**" matching no folder too;
 * per-file-ignores the same way; settings shared per folder; a broken config an error. */
START_TEST(test_settings_contract)
{
    char *root = tmp_tree();
    write_at(root, "p/pyproject.toml",
             "[tool.oomkb]\nexclude = [\"tests/*\", \"**/legacy/*.py\", \"gen\"]\n"
             "[tool.oomkb.per-file-ignores]\n\"scripts/*\" = [\"OOM101\"]\n");
    write_at(root, "p/sub/oomkb.toml", "select = [\"OOM102\"]\n");
    write_at(root, "q/.oomkb.toml", "select = [\"OOM999\"]\n");
    write_at(root, "q/oomkb.toml", "select = [\"OOM101\"]\n");
    lint_config_cache *c = lint_config_cache_new(NULL);
    const lint_settings *s = NULL, *s2 = NULL;
    lint_diag d = {{0}};
    char *p = xasprintf("%s/p/x.py", root);
    ck_assert_int_eq(lint_config_lookup(c, p, 0, &s, &d), LINT_OK);
    ck_assert_ptr_nonnull(strstr(lint_settings_config(s), "p/pyproject.toml"));
    char *deep = xasprintf("%s/p/a/b/c/y.py", root);
    ck_assert_int_eq(lint_config_lookup(c, deep, 0, &s2, &d), LINT_OK);
    ck_assert_ptr_eq(s, s2); /* one settings object per config */
    char *t = xasprintf("%s/p/tests/t.py", root);
    char *tt = xasprintf("%s/p/a/tests/t.py", root);
    char *l0 = xasprintf("%s/p/legacy/old.py", root);
    char *l2 = xasprintf("%s/p/a/b/legacy/old.py", root);
    char *gen = xasprintf("%s/p/a/gen", root);
    ck_assert(lint_settings_excluded(s, t));
    ck_assert(!lint_settings_excluded(s, tt)); /* anchored: only p/tests */
    ck_assert(lint_settings_excluded(s, l0));  /* "**" + "/" matches no folder */
    ck_assert(lint_settings_excluded(s, l2));
    ck_assert(lint_settings_excluded(s, gen)); /* a bare name at any depth */
    ck_assert(!lint_settings_excluded(s, p));
    char *sc = xasprintf("%s/p/scripts/run.py", root);
    ck_assert_uint_eq(lint_settings_rules(s, sc), lint_rule_default() & ~1U);
    ck_assert_uint_eq(lint_settings_rules(s, p), lint_rule_default());
    /* the nested config wins, and is not merged with the outer one */
    char *sub = xasprintf("%s/p/sub/z.py", root);
    ck_assert_int_eq(lint_config_lookup(c, sub, 0, &s2, &d), LINT_OK);
    ck_assert_uint_eq(lint_settings_rules(s2, sub), 2U);
    char *subt = xasprintf("%s/p/sub/tests/t.py", root);
    ck_assert(!lint_settings_excluded(s2, subt)); /* the outer excludes do not apply here */
    free(subt);
    /* .oomkb.toml wins over oomkb.toml in one folder, and a broken one is an error */
    char *q = xasprintf("%s/q/m.py", root);
    ck_assert_int_eq(lint_config_lookup(c, q, 0, &s2, &d), LINT_ERR_INPUT);
    ck_assert_ptr_nonnull(strstr(d.message, ".oomkb.toml:1: select: unknown rule code"));
    /* --isolated: no config at all */
    lint_config_overrides o = {.isolated = 1};
    lint_config_cache *iso = lint_config_cache_new(&o);
    ck_assert_int_eq(lint_config_lookup(iso, q, 0, &s2, &d), LINT_OK);
    ck_assert_ptr_null(lint_settings_config(s2));
    lint_config_cache_free(iso);
    /* --force-exclude: a named file under an excluded folder */
    char *tf = xasprintf("%s/p/gen/deep/f.py", root);
    ck_assert(lint_config_force_excluded(c, tf));
    ck_assert(!lint_config_force_excluded(c, sc));
    /* cleared: read again */
    lint_config_cache_clear(c);
    ck_assert_int_eq(lint_config_lookup(c, p, 0, &s, &d), LINT_OK);
    lint_config_cache_free(c);
    char *rm = xasprintf("rm -rf '%s'", root);
    ck_assert_int_eq(run_sh(rm, NULL, NULL), 0);
    free(rm);
    free(tf);
    free(q);
    free(sub);
    free(sc);
    free(gen);
    free(l2);
    free(l0);
    free(tt);
    free(t);
    free(deep);
    free(p);
    free(root);
}
END_TEST

Suite *suite_config(void);
Suite *suite_config(void)
{
    Suite *s = suite_create("config");
    TCase *tc = tcase_create("config");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_parse_cases);
    tcase_add_test(tc, test_tree_cases);
    tcase_add_test(tc, test_settings_contract);
    suite_add_tcase(s, tc);
    return s;
}
