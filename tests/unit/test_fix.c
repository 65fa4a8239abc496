/* Fixes, diffs and noqa directives: the data-driven cases in tests/cases/fix/ run through the
 * real binary, the diff checked against GNU diff -u, and the library's edit contracts.
 *
 * A case is NAME.py (a first line "# fix-options: --unsafe-fixes" adds options) with, next to
 * it, NAME.diff (what `oomkb lint --diff` prints; exit 1 when not empty, else 0), NAME.fixed
 * (the file after `oomkb lint --fix`), and NAME.noqa (the file after `--add-noqa`). Each case
 * also checks that a second --fix changes nothing and that --diff on the fixed file is empty,
 * and that the file after --add-noqa lints clean. OOMKB_UPDATE_CASES=1 rewrites the expected
 * files from the current output (review the diff). */
#include <check.h>
#include <dirent.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/util.h"
#include "linter/fix.h"
#include "tests/support/run.h"

#define CASES "tests/cases/fix"

static char *slurp(const char *path)
{
    char *s = NULL;
    size_t n = 0;
    if (util_read_file(path, 0, &s, &n) != 0) {
        return NULL;
    }
    return s;
}

static void spit(const char *path, const char *s)
{
    FILE *f = fopen(path, "wb");
    ck_assert_msg(f != NULL, "cannot write %s", path);
    fputs(s, f);
    fclose(f);
}

/* The options of a case: what follows "# fix-options:" on its first line, or "". */
static char *case_options(const char *src)
{
    const char *tag = "# fix-options:";
    if (strncmp(src, tag, strlen(tag)) != 0) {
        return xstrdup("");
    }
    const char *s = src + strlen(tag);
    const char *e = strchr(s, '\n');
    return xstrndup(s, e ? (size_t)(e - s) : strlen(s));
}

/* Runs `oomkb lint ARGS NAME.py` in dir; returns the status, *out its stdout. */
static int run_in(const char *dir, const char *args, const char *name, char **out)
{
    char bin[PATH_MAX];
    ck_assert_ptr_nonnull(realpath(OOMKB_BIN, bin));
    char *cmd = xasprintf("cd '%s' && '%s' lint %s %s.py", dir, bin, args, name);
    int st = run_sh(cmd, out, NULL);
    free(cmd);
    return st;
}

/* Compares got with the expected file (or "" if it is missing and expect_missing_empty);
 * rewrites it under OOMKB_UPDATE_CASES. Returns 1 if equal. */
static int compare(const char *path, const char *got, buf *report)
{
    char *want = slurp(path);
    int ok = strcmp(want ? want : "", got) == 0;
    if (!ok && getenv("OOMKB_UPDATE_CASES")) {
        if (*got) {
            spit(path, got);
        } else {
            unlink(path);
        }
        ok = 1;
    }
    if (!ok) {
        buf_printf(report, "--- %s: expected\n%s--- got\n%s", path, want ? want : "", got);
    }
    free(want);
    return ok;
}

static int check_case(const char *name, buf *report)
{
    char *py = xasprintf(CASES "/%s.py", name);
    char *src = slurp(py);
    ck_assert_msg(src != NULL, "cannot read %s", py);
    char *opts = case_options(src);
    char tmpl[] = "/tmp/oomkb-fix-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(tmpl));
    char *work = xasprintf("%s/%s.py", tmpl, name);
    int ok = 1;

    /* --diff: the expected diff, exit 1 exactly when there is one, and no file changed */
    spit(work, src);
    char *out = NULL;
    char *args = xasprintf("--diff %s", opts);
    int st = run_in(tmpl, args, name, &out);
    char *path = xasprintf(CASES "/%s.diff", name);
    ok &= compare(path, out, report);
    if (st != (*out ? 1 : 0)) {
        buf_printf(report, "%s: --diff exited %d with %s diff\n", name, st, *out ? "a" : "no");
        ok = 0;
    }
    char *after = slurp(work);
    if (strcmp(after, src) != 0) {
        buf_printf(report, "%s: --diff changed the file\n", name);
        ok = 0;
    }
    free(after);
    free(out);
    free(args);
    free(path);

    /* --fix: the expected file (the input if nothing applies), then a no-op second time */
    args = xasprintf("--fix %s", opts);
    run_in(tmpl, args, name, NULL);
    char *fixed = slurp(work);
    path = xasprintf(CASES "/%s.fixed", name);
    ok &= compare(path, strcmp(fixed, src) == 0 ? "" : fixed, report);
    run_in(tmpl, args, name, NULL);
    after = slurp(work);
    if (strcmp(after, fixed) != 0) {
        buf_printf(report, "%s: a second --fix changed the file again\n", name);
        ok = 0;
    }
    free(args);
    args = xasprintf("--diff %s", opts);
    st = run_in(tmpl, args, name, &out);
    if (st != 0 || *out) {
        buf_printf(report, "%s: --diff after --fix: exit %d, diff:\n%s", name, st, out);
        ok = 0;
    }
    free(out);
    free(after);
    free(fixed);
    free(args);
    free(path);

    /* --add-noqa: the expected file, which then lints clean (noqa where the linter reads it) */
    spit(work, src);
    run_in(tmpl, "--add-noqa", name, NULL);
    char *noqa = slurp(work);
    path = xasprintf(CASES "/%s.noqa", name);
    ok &= compare(path, strcmp(noqa, src) == 0 ? "" : noqa, report);
    st = run_in(tmpl, "", name, &out);
    if (st != 0 && !strstr(src, "def broken(")) {
        buf_printf(report, "%s: findings remain after --add-noqa:\n%s", name, out);
        ok = 0;
    }
    free(out);
    free(noqa);
    free(path);

    unlink(work);
    rmdir(tmpl);
    free(work);
    free(opts);
    free(src);
    free(py);
    return ok;
}

START_TEST(test_cases)
{
    DIR *d = opendir(CASES);
    ck_assert_ptr_nonnull(d);
    struct dirent *e;
    int cases = 0;
    int failed = 0;
    buf report = BUF_INIT;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n < 4 || strcmp(e->d_name + n - 3, ".py") != 0) {
            continue;
        }
        char *name = xstrndup(e->d_name, n - 3);
        cases++;
        failed += !check_case(name, &report);
        free(name);
    }
    closedir(d);
    ck_assert_msg(cases >= 10, "only %d fix cases", cases);
    ck_assert_msg(failed == 0, "%d of %d fix cases differ:\n%s", failed, cases,
                  report.data ? report.data : "");
    buf_free(&report);
}
END_TEST

/* ---- The diff against GNU diff -u ---- */

/* A pseudo-random text of n lines drawn from a small alphabet (so lines repeat, as code's do),
 * maybe without a final newline. */
static char *random_text(unsigned *seed, int n, int final_nl)
{
    static const char *const words[] = {"a", "b", "c", "pass", "", "x = 1", "return x"};
    buf b = BUF_INIT;
    for (int i = 0; i < n; i++) {
        buf_puts(&b, words[rand_r(seed) % 7]);
        if (i + 1 < n || final_nl) {
            buf_putc(&b, '\n');
        }
    }
    if (!b.data) {
        buf_append(&b, "", 0);
    }
    return buf_detach(&b);
}

/* A copy of t with a few lines inserted, deleted or changed. */
static char *mutate(unsigned *seed, const char *t, int final_nl)
{
    buf b = BUF_INIT;
    const char *p = t;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) + 1 : strlen(p);
        int r = rand_r(seed) % 10;
        if (r == 0) {
            buf_puts(&b, "inserted\n");
            buf_append(&b, p, n);
        } else if (r == 1) {
            /* deleted */
        } else if (r == 2) {
            buf_puts(&b, "changed\n");
        } else {
            buf_append(&b, p, n);
        }
        p += n;
    }
    if (b.len && b.data[b.len - 1] == '\n' && !final_nl) {
        b.len--;
        b.data[b.len] = '\0';
    }
    if (!b.data) {
        buf_append(&b, "", 0);
    }
    return buf_detach(&b);
}

/* Hand-made pairs whose diff is unique: ours must be byte for byte what diff -u prints. */
static const char *const exact_pairs[][2] = {
    {"a\nb\nc\n", "a\nB\nc\n"},
    {"", "new\n"},
    {"old\n", ""},
    {"1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15\n16\n17\n18\n19\n20\n",
     "1\nX\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15\n16\n17\n18\nY\n20\n"},
    {"1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n", "1\nX\n3\n4\n5\n6\n7\n8\nY\n10\n"},
    {"1\n2\n3\n4\n5\n6\n7\n8\n9\n10", "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n"},
    {"1\n2\n3\n4\n5\n6\n7", "1\n2\n3\n4\n5\n6\n7 changed"},
    {"1\n2\n3\n4\n5\n6\n7\n", "0\n1\n2\n3\n4\n5\n6\n7\n"},
    {"1\n2\n3\n4\n5\n6\n7\n", "1\n2\n3\n4\n5\n6\n7\n8\n"},
    {"1\n2\n3\n4\n5\n6\n7\n", "1\n2\n3\n5\n6\n7\n"},
};

/* Runs diff -u over a and b in dir; returns its output (caller frees) and *status. */
static char *gnu_diff(const char *fa, const char *fb, const char *a, const char *b, int *status)
{
    spit(fa, a);
    spit(fb, b);
    char *cmd = xasprintf("diff -u --label a/f.py --label b/f.py %s %s", fa, fb);
    char *want = NULL;
    *status = run_sh(cmd, &want, NULL);
    free(cmd);
    return want;
}

START_TEST(test_diff_matches_gnu_diff)
{
    char dir[] = "/tmp/oomkb-diff-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char *fa = xasprintf("%s/a", dir);
    char *fb = xasprintf("%s/b", dir);
    char *fd = xasprintf("%s/d", dir);
    char *fo = xasprintf("%s/o", dir);
    for (size_t i = 0; i < sizeof exact_pairs / sizeof exact_pairs[0]; i++) {
        const char *a = exact_pairs[i][0];
        const char *b = exact_pairs[i][1];
        int st;
        char *want = gnu_diff(fa, fb, a, b, &st);
        buf got = BUF_INIT;
        ck_assert_int_eq(lint_diff_unified(&got, a, strlen(a), b, strlen(b), "f.py"), st);
        ck_assert_msg(strcmp(got.data ? got.data : "", want) == 0,
                      "pair %zu:\n--- diff -u\n%s--- ours\n%s", i, want, got.data ? got.data : "");
        buf_free(&got);
        free(want);
    }
    /* random pairs: the diff may differ from GNU's where several are minimal, but it must be
     * a patch that turns a into b, with as many changed lines as GNU's */
    unsigned seed = 7;
    for (int round = 0; round < 60; round++) {
        int n = round < 5 ? round : 1 + rand_r(&seed) % 60;
        char *a = random_text(&seed, n, round % 4 != 3);
        char *b = mutate(&seed, a, round % 5 != 4);
        int st;
        char *want = gnu_diff(fa, fb, a, b, &st);
        buf got = BUF_INIT;
        ck_assert_int_eq(lint_diff_unified(&got, a, strlen(a), b, strlen(b), "f.py"), st);
        spit(fd, got.data ? got.data : "");
        char *cmd = xasprintf("patch -s -o %s %s < %s", fo, fa, fd);
        ck_assert_msg(run_sh(cmd, NULL, NULL) == 0, "round %d: patch refused:\n%s", round,
                      got.data ? got.data : "");
        char *patched = slurp(fo);
        ck_assert_msg(strcmp(patched, b) == 0, "round %d: the patch gives another file", round);
        int ours = 0;
        int gnus = 0;
        for (const char *p = got.data ? got.data : ""; *p; p = strchr(p, '\n') + 1) {
            ours += (*p == '+' || *p == '-') && strncmp(p, "---", 3) && strncmp(p, "+++", 3);
            if (!strchr(p, '\n')) {
                break;
            }
        }
        for (const char *p = want; *p; p = strchr(p, '\n') + 1) {
            gnus += (*p == '+' || *p == '-') && strncmp(p, "---", 3) && strncmp(p, "+++", 3);
            if (!strchr(p, '\n')) {
                break;
            }
        }
        ck_assert_msg(ours <= gnus, "round %d: %d changed lines, diff -u has %d", round, ours,
                      gnus);
        unlink(fo);
        free(patched);
        free(cmd);
        buf_free(&got);
        free(want);
        free(a);
        free(b);
    }
    unlink(fa);
    unlink(fb);
    unlink(fd);
    rmdir(dir);
    free(fa);
    free(fb);
    free(fd);
    free(fo);
}
END_TEST

/* ---- Library contracts ---- */

START_TEST(test_apply_overlaps)
{
    const char *src = "abcdef\n";
    lint_fix fx[4] = {
        {"t", "X", 1, 3, {0}, {0}, LINT_FIX_SAFE},   /* bc -> X */
        {"t", "Y", 2, 4, {0}, {0}, LINT_FIX_SAFE},   /* overlaps: next pass */
        {"t", "X", 1, 3, {0}, {0}, LINT_FIX_SAFE},   /* identical: applied once, counted */
        {"t", "Z", 5, 5, {0}, {0}, LINT_FIX_UNSAFE}, /* unsafe */
    };
    lint_finding items[4];
    memset(items, 0, sizeof items);
    for (int i = 0; i < 4; i++) {
        items[i].fix = &fx[i];
    }
    lint_result r;
    memset(&r, 0, sizeof r);
    r.items = items;
    r.n = 4;
    buf out = BUF_INIT;
    ck_assert_uint_eq(lint_fix_apply(src, strlen(src), &r, 0, &out), 2);
    ck_assert_str_eq(out.data, "aXdef\n");
    buf_free(&out);
    ck_assert_uint_eq(lint_fix_apply(src, strlen(src), &r, 1, &out), 3);
    ck_assert_str_eq(out.data, "aXdeZf\n");
    buf_free(&out);
    /* a range past the end is ignored */
    fx[0].end_byte = 99;
    r.n = 1;
    ck_assert_uint_eq(lint_fix_apply(src, strlen(src), &r, 1, &out), 0);
    ck_assert_str_eq(out.data, src);
    buf_free(&out);
}
END_TEST

/* The fix loop: passes, idempotence, and a file with syntax errors left alone. */
START_TEST(test_fix_buffer)
{
    lint_diag d = {{0}};
    lint_ctx *ctx = lint_ctx_new(&d);
    ck_assert_ptr_nonnull(ctx);
    const char *src = "losses = []\n"
                      "for x in loader:\n"
                      "    loss = crit(model(x))\n"
                      "    loss.backward()\n"
                      "    losses.append(loss)\n";
    lint_fixed fx;
    ck_assert_int_eq(lint_fix_buffer(ctx, src, strlen(src), NULL, 0, &fx, &d), LINT_OK);
    ck_assert_uint_eq(fx.n_fixed, 1);
    ck_assert_int_eq(fx.passes, 1);
    ck_assert_ptr_nonnull(strstr(fx.src, "losses.append(loss.detach())"));
    ck_assert_uint_eq(fx.result->n, 0);
    lint_fixed again;
    ck_assert_int_eq(lint_fix_buffer(ctx, fx.src, fx.len, NULL, 0, &again, &d), LINT_OK);
    ck_assert_uint_eq(again.n_fixed, 0);
    ck_assert_str_eq(again.src, fx.src);
    lint_fixed_clear(&again);
    lint_fixed_clear(&fx);
    char *broken = xasprintf("%sdef f(:\n", src);
    ck_assert_int_eq(lint_fix_buffer(ctx, broken, strlen(broken), NULL, 0, &fx, &d), LINT_OK);
    ck_assert_int_eq(fx.syntax_error, 1);
    ck_assert_uint_eq(fx.n_fixed, 0);
    ck_assert_str_eq(fx.src, broken);
    lint_fixed_clear(&fx);
    free(broken);
    lint_ctx_free(ctx);
}
END_TEST

/* The CLI's file handling: stdin, the file's mode, symbolic links, exit codes. */
START_TEST(test_cli_fix_files)
{
    char dir[] = "/tmp/oomkb-fixcli-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    const char *src = "losses = []\n"
                      "for x in loader:\n"
                      "    loss = crit(model(x))\n"
                      "    loss.backward()\n"
                      "    losses.append(loss)\n";
    char cwd[PATH_MAX];
    char *f = xasprintf("%s/t.py", dir);
    char *link = xasprintf("%s/link.py", dir);
    spit(f, src);
    ck_assert_int_eq(chmod(f, 0751), 0);
    ck_assert_int_eq(symlink("t.py", link), 0);
    char *out = NULL;
    char *err = NULL;
    char *cmd = xasprintf("%s lint --fix %s", OOMKB_BIN, link);
    ck_assert_int_eq(run_sh(cmd, &out, &err), 0);
    ck_assert_ptr_nonnull(strstr(out, "Found 1 finding (1 fixed, 0 remaining)."));
    struct stat st;
    ck_assert_int_eq(lstat(link, &st), 0);
    ck_assert(S_ISLNK(st.st_mode));
    ck_assert_int_eq(stat(f, &st), 0);
    ck_assert_int_eq(st.st_mode & 07777, 0751);
    char *now = slurp(f);
    ck_assert_ptr_nonnull(strstr(now, "losses.append(loss.detach())"));
    free(now);
    free(out);
    free(err);
    free(cmd);
    /* stdin: the fixed source on stdout, the summary on stderr */
    const char *argv[] = {OOMKB_BIN, "lint", "--fix", "-", NULL};
    run_result r = run_cmd(argv, src, NULL);
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "losses.append(loss.detach())\n"));
    ck_assert_ptr_null(strstr(r.out, "Found"));
    ck_assert_ptr_nonnull(strstr(r.err, "1 fixed"));
    run_result_free(&r);
    /* a machine format stays parseable: no summary after it */
    const char *jargv[] = {OOMKB_BIN, "lint", "--fix", "--format", "json", "-", NULL};
    r = run_cmd(jargv, src, NULL);
    ck_assert_int_eq(r.status, 0);
    json_t *j = json_loads(r.err, 0, NULL);
    ck_assert_msg(json_is_array(j), "not JSON: %s", r.err);
    json_decref(j);
    run_result_free(&r);
    /* a path named with ./ is a diff git apply takes (no "a/./") */
    cmd = xasprintf("cd %s && %s/%s lint --diff ./t.py", dir, getcwd(cwd, sizeof cwd), OOMKB_BIN);
    spit(f, src);
    ck_assert_int_eq(run_sh(cmd, &out, NULL), 1);
    ck_assert_ptr_nonnull(strstr(out, "--- a/t.py\n+++ b/t.py\n"));
    free(out);
    free(cmd);
    /* nothing to fix: the source goes out unchanged */
    r = run_cmd(argv, "import torch\nx = 1\n", NULL);
    ck_assert_int_eq(r.status, 0);
    ck_assert_str_eq(r.out, "import torch\nx = 1\n");
    run_result_free(&r);
    const char *dargv[] = {OOMKB_BIN, "lint", "--diff", "--stdin-filename", "s.py", "-", NULL};
    r = run_cmd(dargv, src, NULL);
    ck_assert_int_eq(r.status, 1);
    ck_assert_ptr_nonnull(strstr(r.out, "--- a/s.py\n+++ b/s.py\n@@ -2,4 +2,4 @@\n"));
    run_result_free(&r);
    const char *nargv[] = {OOMKB_BIN, "lint", "--add-noqa", "-", NULL};
    r = run_cmd(nargv, src, NULL);
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "    losses.append(loss)  # noqa: OOM101\n"));
    ck_assert_ptr_nonnull(strstr(r.err, "Added 1 noqa directive."));
    run_result_free(&r);
    const char *bargv[] = {OOMKB_BIN, "lint", "--fix", "--add-noqa", "-", NULL};
    r = run_cmd(bargv, src, NULL);
    ck_assert_int_eq(r.status, 2);
    run_result_free(&r);
    /* a file that cannot be written: reported, exit 2, left as it was */
    if (geteuid() != 0) {
        spit(f, src);
        ck_assert_int_eq(chmod(dir, 0555), 0);
        cmd = xasprintf("%s lint --fix %s", OOMKB_BIN, f);
        ck_assert_int_eq(run_sh(cmd, NULL, &err), 2);
        ck_assert_ptr_nonnull(strstr(err, "cannot write"));
        free(err);
        free(cmd);
        chmod(dir, 0755);
    }
    unlink(link);
    unlink(f);
    rmdir(dir);
    free(f);
    free(link);
}
END_TEST

Suite *suite_fix(void);
Suite *suite_fix(void)
{
    Suite *s = suite_create("fix");
    TCase *tc = tcase_create("fix");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_cases);
    tcase_add_test(tc, test_diff_matches_gnu_diff);
    tcase_add_test(tc, test_apply_overlaps);
    tcase_add_test(tc, test_fix_buffer);
    tcase_add_test(tc, test_cli_fix_files);
    suite_add_tcase(s, tc);
    return s;
}
