/* Command lines as users type them, for every subcommand: each row of tests/cases/cli/argv.tsv
 * runs the real binary with its arguments and environment and checks the exit status, stdout
 * and stderr (options after paths, "--", --opt=value, one-line errors naming the option,
 * the lint summary, colours, paths and entry links). Adding a case is adding a row. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/util.h"
#include "tests/support/run.h"

#define ARGV_CASES "tests/cases/cli/argv.tsv"
#define MAX_WORDS 32

/* Undoes the file's escapes: \n, \t, \s (space), \\, \xHH. */
static char *unescape(const char *s, size_t n)
{
    buf b = BUF_INIT;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '\\' || i + 1 >= n) {
            buf_putc(&b, s[i]);
            continue;
        }
        char c = s[++i];
        if (c == 'n') {
            buf_putc(&b, '\n');
        } else if (c == 't') {
            buf_putc(&b, '\t');
        } else if (c == 's') {
            buf_putc(&b, ' ');
        } else if (c == 'x' && i + 2 < n) {
            buf_putc(&b, (char)(util_hexval(s[i + 1]) * 16 + util_hexval(s[i + 2])));
            i += 2;
        } else {
            buf_putc(&b, c);
        }
    }
    char *r = buf_detach(&b);
    return r ? r : xstrdup("");
}

/* Checks one stream against a column; returns NULL or a malloc'd complaint. */
static char *check_stream(const char *name, const char *got, const char *spec)
{
    if (strcmp(spec, "-") == 0) {
        return NULL;
    }
    const char *p = spec;
    while (*p) {
        const char *end = strstr(p, " ;; ");
        size_t len = end ? (size_t)(end - p) : strlen(p);
        char *one = xstrndup(p, len);
        char *text = unescape(one + 1, len ? len - 1 : 0);
        int ok = 1;
        if (strcmp(one, "empty") == 0) {
            ok = *got == '\0';
        } else if (one[0] == '=') {
            ok = strcmp(got, text) == 0;
        } else if (one[0] == '^') {
            ok = strncmp(got, text, strlen(text)) == 0;
        } else if (one[0] == '~') {
            ok = strstr(got, text) != NULL;
        } else if (one[0] == '!') {
            ok = strstr(got, text) == NULL;
        } else if (strncmp(one, "lines=", 6) == 0) {
            size_t lines = 0;
            for (const char *q = got; *q; q++) {
                lines += *q == '\n';
            }
            ok = lines == (size_t)atoi(one + 6);
        } else {
            ok = 0;
        }
        char *msg = ok ? NULL : xasprintf("%s fails '%s'; got:\n%.1500s", name, one, got);
        free(text);
        free(one);
        if (msg) {
            return msg;
        }
        p = end ? end + 4 : p + len;
    }
    return NULL;
}

/* Splits a column on sep into at most max malloc'd words (unescaped); returns the count. */
static int split(const char *s, char sep, char **out, int max, const char *cwd)
{
    int n = 0;
    while (*s && n < max) {
        const char *end = strchr(s, sep);
        size_t len = end ? (size_t)(end - s) : strlen(s);
        char *w = unescape(s, len);
        if (strncmp(w, "$PWD", 4) == 0) {
            char *abs = xasprintf("%s%s", cwd, w + 4);
            free(w);
            w = abs;
        }
        out[n++] = w;
        s = end ? end + 1 : s + len;
    }
    return n;
}

START_TEST(argv_cases)
{
    char *data = NULL;
    size_t len = 0;
    ck_assert_int_eq(util_read_file(ARGV_CASES, 0, &data, &len), 0);
    char *cwd = getcwd(NULL, 0);
    int n_cases = 0;
    int failures = 0;
    char *save = NULL;
    for (char *line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#' || line[0] == '\0') {
            continue;
        }
        char *col[5] = {NULL};
        int nc = 0;
        for (char *p = line; nc < 5; nc++) {
            col[nc] = p;
            char *tab = strchr(p, '\t');
            if (!tab) {
                nc++;
                break;
            }
            *tab = '\0';
            p = tab + 1;
        }
        ck_assert_msg(nc == 5, ARGV_CASES ": a row needs 5 columns: %s", line);
        char *env[MAX_WORDS + 1] = {NULL};
        char *args[MAX_WORDS + 2] = {OOMKB_BIN};
        int ne = strcmp(col[0], "-") == 0 ? 0 : split(col[0], ',', env, MAX_WORDS, cwd);
        int na = split(col[1], ' ', args + 1, MAX_WORDS, cwd);
        run_result r = run_cmd((const char *const *)args, NULL, (const char *const *)env);
        int want = atoi(col[2]);
        char *bad = r.status == want
                        ? NULL
                        : xasprintf("exit %d, want %d; stderr: %.500s", r.status, want, r.err);
        if (!bad) {
            bad = check_stream("stdout", r.out, col[3]);
        }
        if (!bad) {
            bad = check_stream("stderr", r.err, col[4]);
        }
        if (bad) {
            fprintf(stderr, "FAIL oomkb %s (env %s): %s\n", col[1], col[0], bad);
            failures++;
            free(bad);
        }
        run_result_free(&r);
        for (int i = 0; i < ne; i++) {
            free(env[i]);
        }
        for (int i = 1; i <= na; i++) {
            free(args[i]);
        }
        n_cases++;
    }
    free(cwd);
    free(data);
    ck_assert_int_ge(n_cases, 80);
    ck_assert_msg(failures == 0, "%d of %d command lines failed (details on stderr)", failures,
                  n_cases);
}
END_TEST

/* --output-file gets what stdout would have, summary included; stdout stays empty. */
START_TEST(output_file_gets_the_report)
{
    char path[] = "/tmp/oomkb-out-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    const char *argv[] = {OOMKB_BIN,       "lint", "tests/golden/lint/sample.py",
                          "--output-file", path,   NULL};
    run_result r = run_cmd(argv, NULL, NULL);
    ck_assert_int_eq(r.status, 1);
    ck_assert_str_eq(r.out, "");
    char *text = NULL;
    size_t len = 0;
    ck_assert_int_eq(util_read_file(path, 0, &text, &len), 0);
    ck_assert_ptr_nonnull(strstr(text, "tests/golden/lint/sample.py:15:19: OOM101 [*] "));
    ck_assert_ptr_nonnull(strstr(text, "\nFound 4 findings (2 fixable with --fix).\n"));
    ck_assert_ptr_null(strstr(text, "\x1b["));
    free(text);
    run_result_free(&r);
    const char *bad[] = {
        OOMKB_BIN, "lint", "tests/golden/lint/sample.py", "-o", "/nonexistent-dir/x/out.txt", NULL};
    r = run_cmd(bad, NULL, NULL);
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "/nonexistent-dir/x/out.txt: No such file or directory"));
    run_result_free(&r);
    unlink(path);
}
END_TEST

Suite *suite_argv(void);
Suite *suite_argv(void)
{
    Suite *s = suite_create("argv");
    TCase *tc = tcase_create("argv");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, argv_cases);
    tcase_add_test(tc, output_file_gets_the_report);
    suite_add_tcase(s, tc);
    return s;
}
