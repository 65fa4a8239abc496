/* The linter's statement cache (lint_options.incremental, used by `oomkb lsp`) must never
 * change an answer: every fixture of tests/cases/lint/ is linted through one incremental
 * context after edits that move, change and restore its statements, and each result is
 * compared field by field with a fresh, non-incremental lint of the same text. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "linter/lint.h"
#include "tests/support/cases.h"

static char *finding_str(const lint_finding *f)
{
    return xasprintf("%d %u-%u %u:%u(%u)-%u:%u(%u) %s fix=%s@%u-%u", f->rule, f->start_byte,
                     f->end_byte, f->start.row, f->start.col, f->start.column, f->end.row,
                     f->end.col, f->end.column, f->message, f->fix ? f->fix->content : "-",
                     f->fix ? f->fix->start_byte : 0, f->fix ? f->fix->end_byte : 0);
}

static char *result_str(const lint_result *r)
{
    buf b = BUF_INIT;
    buf_printf(&b, "n=%zu errors=%d\n", r->n, r->n_syntax_errors);
    for (size_t i = 0; i < r->n; i++) {
        char *s = finding_str(&r->items[i]);
        buf_printf(&b, "%s\n", s);
        free(s);
    }
    return buf_detach(&b);
}

static char *lint_fresh(const char *src)
{
    lint_ctx *ctx = lint_ctx_new(NULL);
    ck_assert_ptr_nonnull(ctx);
    lint_result *r = NULL;
    ck_assert_int_eq(lint_buffer(ctx, src, strlen(src), NULL, &r, NULL), LINT_OK);
    char *s = result_str(r);
    lint_result_free(r);
    lint_ctx_free(ctx);
    return s;
}

static void check_same(lint_ctx *inc, const char *src, const char *name, const char *step)
{
    lint_options o;
    memset(&o, 0, sizeof o);
    o.incremental = 1;
    lint_result *r = NULL;
    ck_assert_int_eq(lint_buffer(inc, src, strlen(src), &o, &r, NULL), LINT_OK);
    char *got = result_str(r);
    char *want = lint_fresh(src);
    ck_assert_msg(strcmp(got, want) == 0, "%s, %s:\nincremental:\n%s\nfresh:\n%s", name, step, got,
                  want);
    free(got);
    free(want);
    lint_result_free(r);
}

/* The text with "  # edited" appended to its middle line. */
static char *edit_middle(const char *src)
{
    size_t lines = 0;
    for (const char *p = src; *p; p++) {
        lines += *p == '\n';
    }
    const char *p = src;
    for (size_t i = 0; i < lines / 2 && (p = strchr(p, '\n')); i++) {
        p++;
    }
    const char *nl = p ? strchr(p, '\n') : NULL;
    if (!nl) {
        return xasprintf("%s\n# edited\n", src);
    }
    return xasprintf("%.*s  # edited%s", (int)(nl - src), src, nl);
}

/* One case: linted afresh and incrementally after each of a series of edits. */
static void check_case(const char *name, const char *src, size_t len, void *ud)
{
    (void)len;
    lint_ctx *inc = ud;
    check_same(inc, src, name, "first");
    char *shifted = xasprintf("import os\n\n\n%s", src);
    check_same(inc, shifted, name, "three lines added above");
    check_same(inc, src, name, "lines removed again");
    char *edited = edit_middle(src);
    check_same(inc, edited, name, "middle line edited");
    check_same(inc, src, name, "edit undone");
    char *indented = xasprintf("if True:\n    pass\n%s", edited);
    check_same(inc, indented, name, "statement added above an edited text");
    free(indented);
    free(edited);
    free(shifted);
}

START_TEST(incremental_lint_equals_fresh_lint)
{
    lint_ctx *inc = lint_ctx_new(NULL);
    size_t cases = each_lint_case(check_case, inc);
    lint_ctx_free(inc);
    ck_assert_uint_ge(cases, 60);
}
END_TEST

Suite *suite_lint_incremental(void);
Suite *suite_lint_incremental(void)
{
    Suite *s = suite_create("lint_incremental");
    TCase *tc = tcase_create("statement-cache");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, incremental_lint_equals_fresh_lint);
    suite_add_tcase(s, tc);
    return s;
}
