/* The linter's tests: the data-driven cases in tests/cases/lint/ (a .py next to its .expected
 * list of findings with their messages and fixes, see case_text; flat files are single-file
 * projects, folders with a pyproject.toml are projects scanned for DDP; `# expect: CODE`
 * comments in a case must agree with its .expected), the library contracts (prefilter, noqa,
 * fixes, deep nesting, DDP scan), and the real binary: output goldens, SARIF shape, exit codes
 * and bad inputs. OOMKB_UPDATE_GOLDEN=1 rewrites tests/golden/lint/ from the current output;
 * OOMKB_UPDATE_CASES=1 rewrites the .expected files of the cases that differ (review the diff). */
#include <check.h>
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/util.h"
#include "kb/kb.h"
#include "linter/lint.h"
#include "linter/lint_int.h"
#include "tests/support/cases.h"
#include "tests/support/run.h"

#define CASES "tests/cases/lint"
#define GOLDEN "tests/golden/lint"

static lint_result *lint_str(const char *src, const lint_options *o)
{
    lint_diag d = {{0}};
    lint_ctx *ctx = lint_ctx_new(&d);
    ck_assert_msg(ctx != NULL, "%s", d.message);
    lint_result *r = NULL;
    ck_assert_int_eq(lint_buffer(ctx, src, strlen(src), o, &r, &d), LINT_OK);
    lint_ctx_free(ctx);
    return r;
}

/* ---- Data-driven cases ---- */

/* A case's expected findings, as its .expected file spells them: an optional header line
 * "# options: select=OOM101,OOM102 ignore-noqa", then one line per finding,
 * "LINE:COL CODE message" ("LINE:COL CODE (info) message" when the finding's severity is not
 * the rule's default), each followed by "  fix (safe|unsafe): TITLE @ L:C-L:C => CONTENT"
 * when the finding carries a fix (CONTENT with \n and \\ escaped). */
static char *case_text(const lint_result *r)
{
    buf b = BUF_INIT;
    for (size_t i = 0; i < r->n; i++) {
        const lint_finding *f = &r->items[i];
        const lint_rule *rule = &lint_rules()[f->rule];
        buf_printf(&b, "%u:%u %s %s%s\n", f->start.row + 1, f->start.column, rule->code,
                   f->severity == rule->severity  ? ""
                   : f->severity == LINT_SEV_INFO ? "(info) "
                                                  : "(warning) ",
                   f->message);
        if (f->fix) {
            const lint_fix *x = f->fix;
            buf_printf(&b, "  fix (%s): %s @ %u:%u-%u:%u => ",
                       x->applicability == LINT_FIX_SAFE ? "safe" : "unsafe", x->title,
                       x->start.row + 1, x->start.column, x->end.row + 1, x->end.column);
            for (const char *c = x->content; *c; c++) {
                if (*c == '\n') {
                    buf_puts(&b, "\\n");
                } else if (*c == '\\') {
                    buf_puts(&b, "\\\\");
                } else {
                    buf_putc(&b, *c);
                }
            }
            buf_putc(&b, '\n');
        }
    }
    return buf_detach(&b);
}

/* Applies the header line of an .expected file (if any) to o; returns the length of the
 * header including its newline (0 without one). An unknown option fails the test. */
static size_t case_options(const char *want, const char *exp, lint_options *o)
{
    if (strncmp(want, "# options:", 10) != 0) {
        return 0;
    }
    size_t hl = strcspn(want, "\n");
    char *line = xstrndup(want + 10, hl - 10);
    char *save = NULL;
    for (char *t = strtok_r(line, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
        lint_diag d = {{0}};
        if (strncmp(t, "select=", 7) == 0) {
            ck_assert_msg(lint_rule_mask_parse(t + 7, &o->rules, &d) == LINT_OK, "%s: %s", exp,
                          d.message);
        } else if (strcmp(t, "ignore-noqa") == 0) {
            o->ignore_noqa = 1;
        } else {
            ck_abort_msg("%s: unknown case option '%s'", exp, t);
        }
    }
    free(line);
    return want[hl] ? hl + 1 : hl;
}

/* The codes named by "# expect: CODE[, CODE]" comments, per line, must be those the result
 * reports on that line, and the other way round. Appends what differs to report. */
static int check_expect_comments(const char *py, const char *src, const lint_result *r, buf *report)
{
    int ok = 1;
    unsigned line = 1;
    for (const char *p = src; *p; line++) {
        const char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        buf said = BUF_INIT, got = BUF_INIT;
        const char *c = memmem(p, n, "# expect:", 9);
        if (c) {
            for (const char *q = c + 9; q < p + n; q++) {
                if (*q != ' ' && *q != ',') {
                    buf_putc(&said, *q);
                } else if (said.len && said.data[said.len - 1] != ' ') {
                    buf_putc(&said, ' ');
                }
            }
            while (said.len && said.data[said.len - 1] == ' ') {
                said.data[--said.len] = '\0';
            }
        }
        for (size_t i = 0; i < r->n; i++) {
            if (r->items[i].start.row + 1 == line) {
                buf_printf(&got, "%s%s", got.len ? " " : "", lint_rules()[r->items[i].rule].code);
            }
        }
        if (strcmp(said.data ? said.data : "", got.data ? got.data : "") != 0) {
            buf_printf(report, "%s:%u: the comment expects [%s], the linter reports [%s]\n", py,
                       line, said.data ? said.data : "", got.data ? got.data : "");
            ok = 0;
        }
        buf_free(&said);
        buf_free(&got);
        p += n + (e != NULL);
    }
    return ok;
}

static int check_case(lint_ctx *ctx, lint_project_cache *pc, const char *py, int project,
                      buf *report)
{
    char *src = NULL, *want = NULL;
    size_t len, wl;
    ck_assert_msg(util_read_file(py, 0, &src, &len) == 0, "cannot read %s", py);
    char *exp = xasprintf("%.*s.expected", (int)(strlen(py) - 3), py);
    if (util_read_file(exp, 0, &want, &wl) != 0) {
        buf_printf(report, "%s: missing %s\n", py, exp);
        free(src);
        free(exp);
        return 0;
    }
    lint_ddp ddp;
    lint_options o;
    memset(&o, 0, sizeof o);
    size_t header = case_options(want, exp, &o);
    if (project) {
        lint_project_ddp(pc, py, &ddp);
        o.ddp = &ddp;
        o.project = pc;
        o.path = py;
    }
    lint_result *r = NULL;
    lint_diag d = {{0}};
    ck_assert_int_eq(lint_buffer(ctx, src, len, &o, &r, &d), LINT_OK);
    char *got = case_text(r);
    int ok = strcmp(got, want + header) == 0;
    if (!ok && getenv("OOMKB_UPDATE_CASES")) {
        FILE *f = fopen(exp, "w");
        ck_assert_ptr_nonnull(f);
        fprintf(f, "%.*s%s", (int)header, want, got);
        fclose(f);
        ok = 1;
    } else if (!ok) {
        buf_printf(report, "%s:\n  expected:\n%s  got:\n%s", py, want + header, got);
    }
    ok &= check_expect_comments(py, src, r, report);
    free(got);
    lint_result_free(r);
    free(src);
    free(want);
    free(exp);
    return ok;
}

static int by_name(const struct dirent **x, const struct dirent **y)
{
    return strcmp((*x)->d_name, (*y)->d_name);
}

static int has_suffix(const char *s, const char *suf)
{
    size_t n = strlen(s), m = strlen(suf);
    return n >= m && strcmp(s + n - m, suf) == 0;
}

/* A case counts for the rule whose code starts its name ("oom102_every_step.py",
 * "oom104_project_launcher/"); "_ok_" in the name marks a near miss that must stay clean. */
static void count_case(const char *name, int *per_rule, int *clean_rule)
{
    for (int r = 0; r < lint_rule_count(); r++) {
        const char *code = lint_rules()[r].code;
        if (strncasecmp(name, code, strlen(code)) == 0) {
            per_rule[r]++;
            clean_rule[r] += strstr(name, "_ok_") != NULL;
        }
    }
}

/* Checks every *.py under the project folder dir (subfolders too: packages). */
/* NOLINTNEXTLINE(misc-no-recursion): the case tree is shallow */
static void check_project(lint_ctx *ctx, lint_project_cache *pc, const char *dir, int *cases,
                          int *failed, buf *report)
{
    struct dirent **sub;
    int m = scandir(dir, &sub, NULL, by_name);
    for (int k = 0; k < m; k++) {
        char *py = xasprintf("%s/%s", dir, sub[k]->d_name);
        struct stat st;
        if (has_suffix(sub[k]->d_name, ".py")) {
            (*cases)++;
            *failed += !check_case(ctx, pc, py, 1, report);
        } else if (sub[k]->d_name[0] != '.' && stat(py, &st) == 0 && S_ISDIR(st.st_mode)) {
            check_project(ctx, pc, py, cases, failed, report);
        }
        free(py);
        free(sub[k]);
    }
    free(sub);
}

START_TEST(test_cases)
{
    lint_ctx *ctx = lint_ctx_new(NULL);
    lint_project_cache *pc = lint_project_cache_new();
    struct dirent **list;
    int n = scandir(CASES, &list, NULL, by_name);
    ck_assert_int_gt(n, 0);
    buf report = BUF_INIT;
    int cases = 0, failed = 0, per_rule[LINT_MAX_RULES] = {0}, clean_rule[LINT_MAX_RULES] = {0};
    for (int i = 0; i < n; i++) {
        char *path = xasprintf("%s/%s", CASES, list[i]->d_name);
        struct stat st;
        char *marker = xasprintf("%s/pyproject.toml", path);
        if (has_suffix(path, ".py")) {
            cases++;
            failed += !check_case(ctx, pc, path, 0, &report);
            count_case(list[i]->d_name, per_rule, clean_rule);
        } else if (stat(path, &st) == 0 && S_ISDIR(st.st_mode) && access(marker, F_OK) == 0) {
            check_project(ctx, pc, path, &cases, &failed, &report);
            count_case(list[i]->d_name, per_rule, clean_rule);
        }
        free(marker);
        free(path);
        free(list[i]);
    }
    free(list);
    ck_assert_msg(failed == 0, "%d of %d lint cases differ:\n%s", failed, cases,
                  report.data ? report.data : "");
    /* every rule: at least 15 cases, about half of them near misses */
    for (int r = 0; r < lint_rule_count(); r++) {
        ck_assert_msg(per_rule[r] >= 15, "%s has %d cases (15 at least)", lint_rules()[r].code,
                      per_rule[r]);
        ck_assert_msg(clean_rule[r] * 2 >= per_rule[r] - 2, "%s: %d near misses of %d cases",
                      lint_rules()[r].code, clean_rule[r], per_rule[r]);
    }
    buf_free(&report);
    lint_project_cache_free(pc);
    lint_ctx_free(ctx);
}
END_TEST

/* ---- Library contracts ---- */

START_TEST(test_abi_and_rules)
{
    uint32_t v = ts_language_version(lint_language());
    ck_assert(v >= TREE_SITTER_MIN_COMPATIBLE_LANGUAGE_VERSION &&
              v <= TREE_SITTER_LANGUAGE_VERSION);
    ck_assert_str_eq(lint_rules()[lint_rule_index("OOM103")].entry, "M15");
    ck_assert_str_eq(lint_rule_find("oom104")->name, "reentrant-checkpoint-under-ddp");
    uint32_t m = 0;
    lint_diag d = {{0}};
    ck_assert_int_eq(lint_rule_mask_parse("OOM1", &m, &d), LINT_OK);
    ck_assert_uint_eq(m, lint_rule_all());
    ck_assert_int_eq(lint_rule_mask_parse("oom101, OOM104", &m, &d), LINT_OK);
    ck_assert_uint_eq(m, 0x9);
    ck_assert_int_eq(lint_rule_mask_parse("OOM199", &m, &d), LINT_ERR_INPUT);
    ck_assert_ptr_nonnull(strstr(d.message, "OOM199"));
    ck_assert_int_eq(lint_format_parse("sarif"), LINT_FORMAT_SARIF);
    ck_assert_int_eq(lint_format_parse("xml"), -1);
}
END_TEST

/* Opt-in rules (precision on real code under 0.9) are left out of what runs when nothing is
 * selected, and an explicit selection (code, prefix, ALL) turns them on. */
START_TEST(test_opt_in_rules)
{
    uint32_t off = 0;
    for (int i = 0; i < lint_rule_count(); i++) {
        if (lint_rules()[i].opt_in) {
            off |= 1U << i;
        }
    }
    ck_assert_uint_eq(lint_rule_default(), lint_rule_all() & ~off);
    ck_assert_uint_ne(lint_rule_default(), 0);
    uint32_t m = 0;
    lint_diag d = {{0}};
    ck_assert_int_eq(lint_rule_mask_parse("ALL", &m, &d), LINT_OK);
    ck_assert_uint_eq(m & off, off);
    for (int i = 0; i < lint_rule_count(); i++) {
        if (off >> i & 1U) {
            ck_assert_int_eq(lint_rule_mask_parse(lint_rules()[i].code, &m, &d), LINT_OK);
            ck_assert_uint_eq(m, 1U << i);
            /* nothing selected: the prefilter never asks for the rule */
            ck_assert_uint_eq(lint_prefilter("x", 1, 0) >> i & 1U, 0);
        }
    }
    /* --list-rules marks exactly the opt-in rules */
    char *out = NULL;
    char *cmd = xasprintf("%s lint --list-rules", OOMKB_BIN);
    ck_assert_int_eq(run_sh(cmd, &out, NULL), 0);
    for (int i = 0; i < lint_rule_count(); i++) {
        const char *line = strstr(out, lint_rules()[i].code);
        ck_assert_ptr_nonnull(line);
        const char *eol = strchr(line, '\n');
        const char *mark = strstr(line, "[opt-in");
        ck_assert_int_eq(mark != NULL && (!eol || mark < eol), lint_rules()[i].opt_in != 0);
    }
    free(out);
    free(cmd);
}
END_TEST

/* The prefilter's answer the slow way: every needle of every alternative looked for with
 * memmem, as the rules' needles define it. */
static uint32_t prefilter_by_memmem(const char *src, size_t len, uint32_t want)
{
    const rule_spec *const *reg = rule_registry();
    uint32_t m = 0;
    for (int i = 0; i < lint_rule_count(); i++) {
        for (const char *const *alt = reg[i]->needles; (want >> i & 1U) && *alt; alt++) {
            int all = 1;
            for (const char *p = *alt; *p;) {
                size_t n = strcspn(p, "&");
                all = all && memmem(src, len, p, n) != NULL;
                p += n + (p[n] == '&');
            }
            m |= all ? 1U << i : 0;
        }
    }
    return m;
}

static void check_prefilter(const char *src, size_t len, const char *what)
{
    const uint32_t wants[] = {lint_rule_default(), lint_rule_all()};
    for (size_t w = 0; w < 2; w++) {
        uint32_t got = lint_prefilter(src, len, wants[w]);
        uint32_t want = prefilter_by_memmem(src, len, wants[w]);
        ck_assert_msg(got == want, "%s (rules %#x): prefilter %#x, memmem %#x", what, wants[w], got,
                      want);
    }
}

static void check_prefilter_case(const char *name, const char *src, size_t len, void *ud)
{
    (void)ud;
    check_prefilter(src, len, name);
}

/* The one-pass prefilter agrees with memmem on every lint case and on every needle alone, at
 * the end of the buffer, cut short by a byte, inside other text, and with the other needles of
 * its alternative. */
START_TEST(prefilter_agrees_with_memmem)
{
    ck_assert_uint_gt(each_lint_case(check_prefilter_case, NULL), 100);
    const rule_spec *const *reg = rule_registry();
    for (int i = 0; i < lint_rule_count(); i++) {
        for (const char *const *alt = reg[i]->needles; *alt; alt++) {
            buf whole = BUF_INIT; /* the alternative's needles, spaced */
            for (const char *p = *alt; *p;) {
                size_t n = strcspn(p, "&");
                char *needle = xstrndup(p, n);
                char *texts[] = {xstrdup(needle), xasprintf("x = 1\n%s", needle),
                                 xstrndup(needle, n - 1), xasprintf("ab%scd%s", needle, needle)};
                for (size_t t = 0; t < sizeof texts / sizeof texts[0]; t++) {
                    check_prefilter(texts[t], strlen(texts[t]), texts[t]);
                    free(texts[t]);
                }
                buf_printf(&whole, " %s", needle);
                free(needle);
                p += n + (p[n] == '&');
            }
            check_prefilter(whole.data, whole.len, whole.data);
            ck_assert_msg(lint_prefilter(whole.data, whole.len, lint_rule_all()) >> i & 1U,
                          "%s: not let through by its own needles", lint_rules()[i].code);
            buf_free(&whole);
        }
    }
}
END_TEST

START_TEST(test_prefilter_skips_parse)
{
    lint_result *r = lint_str("import os\nprint(os.getcwd())\n", NULL);
    ck_assert_int_eq(r->parsed, 0);
    ck_assert_uint_eq(r->n, 0);
    lint_result_free(r);
    ck_assert_uint_eq(lint_prefilter("torch.cuda.empty_cache()", 24, 0),
                      1u << lint_rule_index("OOM102"));
    r = lint_str("for b in l:\n    loss.backward()\n", NULL);
    ck_assert_int_eq(r->parsed, 1);
    lint_result_free(r);
}
END_TEST

static const char *leak = "for x, y in loader:\n"
                          "    loss = criterion(model(x), y)\n"
                          "    loss.backward()\n"
                          "    optimizer.step()\n"
                          "    losses.append(loss)\n";

START_TEST(test_select_and_noqa)
{
    lint_options o;
    memset(&o, 0, sizeof o);
    o.rules = 1u << lint_rule_index("OOM102");
    lint_result *r = lint_str(leak, &o);
    ck_assert_uint_eq(r->n, 0);
    lint_result_free(r);
    char *src = xasprintf("# oomkb: noqa: OOM101\n%s", leak);
    r = lint_str(src, NULL);
    ck_assert_uint_eq(r->n, 0);
    ck_assert_uint_eq(r->n_suppressed, 1);
    lint_result_free(r);
    o.rules = 0;
    o.ignore_noqa = 1;
    r = lint_str(src, &o);
    ck_assert_uint_eq(r->n, 1);
    lint_result_free(r);
    free(src);
    /* prose mentioning the marker is not a suppression */
    src = xasprintf("# see the oomkb: noqa docs\n%s", leak);
    r = lint_str(src, NULL);
    ck_assert_uint_eq(r->n, 1);
    lint_result_free(r);
    free(src);
}
END_TEST

/* The one noqa reader, as the linter suppresses with it and the language server extends
 * comments with it: where the comment is, whether it is bare, which codes it lists and where
 * another code goes (rest: the line from there on). */
START_TEST(test_noqa_find)
{
    static const struct {
        const char *line;
        int found, bare;
        unsigned n_codes;
        int oom101;
        const char *rest;
    } cases[] = {
        {"x  # noqa", 1, 1, 0, 0, ""},
        {"x  #noqa", 1, 1, 0, 0, ""},
        {"x  # NOQA:oom101,E501", 1, 0, 2, 1, ""},
        {"x  # noqa : OOM101", 1, 0, 1, 1, ""},
        {"x  #\tnoqa:\tE501  # why", 1, 0, 1, 0, "  # why"},
        {"x  # noqa: E501,  # why", 1, 0, 1, 0, ",  # why"},
        {"x  # noqa: my_code; see below", 1, 0, 1, 0, "; see below"},
        {"x  # noqa:   ", 1, 1, 0, 0, "   "},
        {"x  # noqa: ;", 1, 0, 0, 0, " ;"},
        {"x  # noqa is prose, read as bare (as flake8 does)", 1, 1, 0, 0,
         " is prose, read as bare (as flake8 does)"},
        {"s = '#'  # noqa: OOM101", 1, 0, 1, 1, ""},
        {"x  # see the noqa docs", 0, 0, 0, 0, NULL},
        {"x  # oomkb: noqa", 0, 0, 0, 0, NULL},
        {"x  # no qa", 0, 0, 0, 0, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *line = cases[i].line;
        lint_noqa nq;
        int found = lint_noqa_find(line, strlen(line), 0, &nq);
        ck_assert_msg(found == cases[i].found, "%s: found %d", line, found);
        if (!found) {
            continue;
        }
        ck_assert_msg(line[nq.start] == '#', "%s: start %zu", line, nq.start);
        ck_assert_msg(nq.bare == cases[i].bare && nq.n_codes == cases[i].n_codes &&
                          (int)(nq.rules >> lint_rule_index("OOM101") & 1U) == cases[i].oom101,
                      "%s: bare %d, %u codes, rules %x", line, nq.bare, nq.n_codes, nq.rules);
        ck_assert_str_eq(line + (nq.bare ? nq.end : nq.codes_end), cases[i].rest);
    }
    /* a line with two: the second is found from the first's start + 1 */
    const char *two = "x  # noqa: E501  # noqa: OOM101";
    lint_noqa nq;
    ck_assert(lint_noqa_find(two, strlen(two), 0, &nq) && nq.rules == 0 && nq.n_codes == 1);
    ck_assert(lint_noqa_find(two, strlen(two), nq.start + 1, &nq));
    ck_assert_uint_eq(nq.rules, 1u << lint_rule_index("OOM101"));
    ck_assert(!lint_noqa_find(two, strlen(two), nq.start + 1, &nq));
    /* and the linter suppresses by the same reading */
    char *src = xasprintf("%.*s  # noqa : OOM101  # why\n", (int)strlen(leak) - 1, leak);
    lint_result *r = lint_str(src, NULL);
    ck_assert_uint_eq(r->n, 0);
    ck_assert_uint_eq(r->n_suppressed, 1);
    lint_result_free(r);
    free(src);
}
END_TEST

static char *apply_fix(const char *src, const lint_fix *f)
{
    buf b = BUF_INIT;
    buf_append(&b, src, f->start_byte);
    buf_puts(&b, f->content);
    buf_puts(&b, src + f->end_byte);
    return buf_detach(&b);
}

START_TEST(test_fixes_and_ranges)
{
    lint_result *r = lint_str(leak, NULL);
    ck_assert_uint_eq(r->n, 1);
    const lint_finding *f = &r->items[0];
    ck_assert_uint_eq(f->start.row, 4);
    ck_assert_uint_eq(f->start.col, 18);
    ck_assert_uint_eq(f->end.col, 22);
    ck_assert_uint_eq(f->end_byte - f->start_byte, 4);
    ck_assert_ptr_nonnull(f->fix);
    ck_assert_int_eq(f->fix->applicability, LINT_FIX_SAFE);
    char *fixed = apply_fix(leak, f->fix);
    ck_assert_ptr_nonnull(strstr(fixed, "losses.append(loss.detach())"));
    lint_result *again = lint_str(fixed, NULL);
    ck_assert_uint_eq(again->n, 0);
    lint_result_free(again);
    free(fixed);
    lint_result_free(r);

    const char *ck = "from torch.utils.checkpoint import checkpoint\n"
                     "model = DistributedDataParallel(model)\n"
                     "y = checkpoint(blk, x)\n"
                     "z = checkpoint(blk, x, use_reentrant=True)\n";
    r = lint_str(ck, NULL);
    ck_assert_uint_eq(r->n, 2);
    ck_assert_int_eq(r->items[0].fix->applicability, LINT_FIX_UNSAFE);
    fixed = apply_fix(ck, r->items[0].fix);
    ck_assert_ptr_nonnull(strstr(fixed, "checkpoint(blk, x, use_reentrant=False)\nz"));
    free(fixed);
    fixed = apply_fix(ck, r->items[1].fix);
    ck_assert_ptr_nonnull(strstr(fixed, "z = checkpoint(blk, x, use_reentrant=False)"));
    free(fixed);
    lint_result_free(r);

    /* a BOM shifts bytes on the first line only; UTF-8 text counts code points in `column` */
    const char *bom = "\xEF\xBB\xBF# \xC3\xA9\n"
                      "for b in l:\n    loss = crit(b)\n    loss.backward()\n"
                      "    opt.step()\n    h['\xC3\xA9\xC3\xA9'] = 1; acc += loss\n";
    r = lint_str(bom, NULL);
    ck_assert_uint_eq(r->n, 1);
    ck_assert_uint_eq(r->items[0].start.row, 5);
    ck_assert_uint_eq(r->items[0].start.col, 26);
    ck_assert_uint_eq(r->items[0].start.column, 25);
    ck_assert_int_eq(memcmp(bom + r->items[0].start_byte, "loss", 4), 0);
    lint_result_free(r);
}
END_TEST

START_TEST(test_deep_nesting_and_errors)
{
    buf b = BUF_INIT;
    buf_puts(&b, "x = ");
    for (int i = 0; i < 10000; i++) {
        buf_putc(&b, '[');
    }
    for (int i = 0; i < 10000; i++) {
        buf_putc(&b, ']');
    }
    buf_puts(&b, "\nfor s in l:\n    loss = crit(s)\n    loss.backward()\n    t += loss\n");
    lint_result *r = lint_str(b.data, NULL);
    ck_assert_int_eq(r->parsed, 1);
    ck_assert_uint_eq(r->n, 1);
    lint_result_free(r);
    buf_free(&b);
    /* unbalanced: findings never come from inside the error region */
    r = lint_str("import torch\nfor b in l:\n    loss.backward(\n    torch.cuda.empty_cache(\n",
                 NULL);
    ck_assert_int_gt(r->n_syntax_errors, 0);
    ck_assert_uint_eq(r->n, 0);
    lint_result_free(r);
}
END_TEST

START_TEST(test_ddp_scan)
{
    lint_ddp d;
    memset(&d, 0, sizeof d);
    lint_ddp_scan_buffer("m = DDP(m)\n", 11, "a.py", 0, &d);
    ck_assert_int_eq(d.ddp, 0); /* DDP( without the import alias is some other DDP */
    const char *s = "from torch.nn.parallel import DistributedDataParallel as DDP\n\nm = DDP(m)\n";
    lint_ddp_scan_buffer(s, strlen(s), "a.py", 0, &d);
    ck_assert_int_eq(d.ddp, 1);
    ck_assert_str_eq(d.where, "a.py:3");
    ck_assert_int_eq(d.static_graph, 0);
    memset(&d, 0, sizeof d);
    s = "# model = DistributedDataParallel(model)\n";
    lint_ddp_scan_buffer(s, strlen(s), "b.py", 0, &d);
    ck_assert_int_eq(d.ddp, 0);
    s = "model = DistributedDataParallel(model, static_graph=True)\n";
    lint_ddp_scan_buffer(s, strlen(s), "b.py", 0, &d);
    ck_assert_int_eq(d.ddp, 1);
    ck_assert_int_eq(d.static_graph, 1);
    memset(&d, 0, sizeof d);
    s = "torchrun --nproc_per_node 4 train.py --deepspeed ds.json\n";
    lint_ddp_scan_buffer(s, strlen(s), "run.sh", 1, &d);
    ck_assert_int_eq(d.ddp, 0);
    s = "torchrun --nproc_per_node 4 train.py\n";
    lint_ddp_scan_buffer(s, strlen(s), "run.sh", 1, &d);
    ck_assert_int_eq(d.ddp, 1);
}
END_TEST

static void write_in(const char *dir, const char *name, const char *text)
{
    char *p = xasprintf("%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
    free(p);
}

static void put_link(const char *dir, const char *name, const char *target)
{
    char *p = xasprintf("%s/%s", dir, name);
    ck_assert_int_eq(symlink(target, p), 0);
    free(p);
}

/* The project scan walks by the batch's skip policy: a linked folder is followed (once: a
 * link back to the root ends there), a virtualenv, a hidden folder, a FIFO and a dangling
 * link are passed over. (It used lstat and followed no link.) */
START_TEST(test_project_scan_policy)
{
    char root[] = "/tmp/oomkb-proj-XXXXXX";
    char ext[] = "/tmp/oomkb-ext-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(root));
    ck_assert_ptr_nonnull(mkdtemp(ext));
    /* the script imports the model module: its DDP reaches model.py */
    static const char ddp[] = "import torch\nfrom model import Net\n"
                              "model = torch.nn.parallel.DistributedDataParallel(Net())\n";
    write_in(root, "pyproject.toml", "");
    write_in(root, "model.py", "import torch\n");
    for (const char *d = "venv\0.hidden\0"; *d; d += strlen(d) + 1) {
        char *p = xasprintf("%s/%s", root, d);
        ck_assert_int_eq(mkdir(p, 0755), 0);
        write_in(p, "train.py", ddp);
        free(p);
    }
    write_in(root, "venv/pyvenv.cfg", "");
    char *fifo = xasprintf("%s/fifo.py", root);
    ck_assert_int_eq(mkfifo(fifo, 0644), 0);
    put_link(root, "dangling.py", "/nonexistent/oomkb/x.py");
    put_link(root, "again", ".");
    char *model = xasprintf("%s/model.py", root);
    lint_project_cache *pc = lint_project_cache_new();
    lint_ddp d;
    lint_project_ddp(pc, model, &d);
    ck_assert_msg(!d.ddp, "found DDP at %s", d.where);
    lint_project_cache_free(pc);
    /* now a folder linked in from outside trains under DDP */
    write_in(ext, "train.py", ddp);
    put_link(root, "launch", ext);
    pc = lint_project_cache_new();
    lint_project_ddp(pc, model, &d);
    ck_assert_int_eq(d.ddp, 1);
    ck_assert_str_eq(d.where, "launch/train.py:3");
    ck_assert_uint_eq(d.n_ctor, 1); /* once, though "again/launch/train.py" leads there too */
    lint_project_cache_free(pc);
    char *cmd = xasprintf("rm -rf %s %s", root, ext);
    ck_assert_int_eq(system(cmd), 0);
    free(cmd);
    free(model);
    free(fifo);
}
END_TEST

/* The DDP evidence in one Python buffer (d zeroed first). */
static int ddp_of(const char *s, lint_ddp *d)
{
    memset(d, 0, sizeof *d);
    lint_ddp_scan_buffer(s, strlen(s), "t.py", 0, d);
    return d->ddp;
}

/* Python DDP evidence is code: strings, docstrings and comments that mention DDP are not, save
 * a string that names a Lightning DDP strategy and stands as a value (strategy="ddp"). */
START_TEST(test_ddp_scan_strings)
{
    static const char *const not_ddp[] = {
        "scheduler = \"ddpm\"\n",
        "pipe = load(model_type='ddpm', steps=10)\n",
        "\"\"\"Wraps the model in DistributedDataParallel(model) when asked.\"\"\"\n",
        "def f():\n    '''\n    acc = Accelerator()\n    '''\n    return 1\n",
        "print(\"use DistributedDataParallel( or Accelerator( for more GPUs\")\n",
        "x = r'DistributedDataParallel(' + b\"DDPStrategy(\" + u'm._set_static_graph()'\n",
        "msg = f\"{n} GPUs: DistributedDataParallel(model)\"\n",
        "s = '''from torch.nn.parallel import DistributedDataParallel as DDP'''\nm = DDP(m)\n",
        "s = \"\"\"a \\\"\"\" DistributedDataParallel(m) \"\"\"\n", /* \" does not close it */
        "if args.strategy == \"ddp\":\n    pass\n", /* a comparison sets nothing up */
        "names = [\"ddp\", \"ddp_spawn\"]\n",
        "strategy = \"ddp_sharded_x\"\n",
        "model.load('x.pt')  # DistributedDataParallel(model)\n",
    };
    lint_ddp d;
    for (size_t i = 0; i < sizeof not_ddp / sizeof not_ddp[0]; i++) {
        ck_assert_msg(ddp_of(not_ddp[i], &d) == 0, "DDP read from: %s", not_ddp[i]);
    }
    /* Lightning strategies given as values are DDP */
    ck_assert_int_eq(ddp_of("trainer = pl.Trainer(strategy=\"ddp\", devices=4)\n", &d), 1);
    ck_assert_str_eq(d.where, "t.py:1");
    ck_assert_int_eq(ddp_of("cfg = {\"strategy\": 'ddp_spawn'}\n", &d), 1);
    ck_assert_int_eq(ddp_of("STRATEGY: str = \"ddp_notebook\"\n", &d), 1);
    ck_assert_int_eq(ddp_of("t = Trainer(\n    strategy=\n        'ddp_fork',\n)\n", &d), 1);
    ck_assert_str_eq(d.where, "t.py:3");
    ck_assert_int_eq(ddp_of("Trainer(strategy='ddp_find_unused_parameters_true')\n", &d), 1);
    ck_assert_int_eq(d.find_unused, 1);
    ck_assert_int_eq(ddp_of("Trainer(strategy=\"ddp_spawn_find_unused_parameters_false\")\n", &d),
                     1);
    ck_assert_int_eq(d.find_unused, 0);
    ck_assert_int_eq(ddp_of("Trainer(strategy=DDPStrategy(static_graph=True))\n", &d), 1);
    /* code after strings and comments still counts, at its own line */
    ck_assert_int_eq(ddp_of("\"\"\"Docs.\n\nMore docs with \"ddpm\".\n\"\"\"\n# DDP(\n"
                            "model = DistributedDataParallel(model, static_graph=True)\n",
                            &d),
                     1);
    ck_assert_str_eq(d.where, "t.py:6");
    ck_assert_int_eq(d.static_graph, 1);
    ck_assert_int_eq(ddp_of("s = 'it''s'; acc = Accelerator()\n", &d), 1);
    ck_assert_int_eq(ddp_of("x = f'{a[\"k\"]}'\nacc = accelerate.Accelerator()\n", &d), 1);
    ck_assert_str_eq(d.where, "t.py:2");
    /* an unterminated one-line string ends at its line: the next line is code */
    ck_assert_int_eq(ddp_of("s = 'oops\nm = DistributedDataParallel(m)\n", &d), 1);
    ck_assert_str_eq(d.where, "t.py:2");
    /* launchers: only # comments are skipped, as before */
    memset(&d, 0, sizeof d);
    const char *sh = "# torchrun train.py\necho \"torchrun\"\n";
    lint_ddp_scan_buffer(sh, strlen(sh), "run.sh", 1, &d);
    ck_assert_int_eq(d.ddp, 1);
    ck_assert_str_eq(d.where, "run.sh:2");
}
END_TEST

/* ---- The binary ---- */

static const char *formats[] = {"default", "full", "json", "sarif", "github"};

START_TEST(test_golden_formats)
{
    int update = getenv("OOMKB_UPDATE_GOLDEN") && strcmp(getenv("OOMKB_UPDATE_GOLDEN"), "1") == 0;
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
        char *cmd = xasprintf("OOMKB_URL= %s lint -j 1 --kb-url https://kb.example/oomkb "
                              "--format %s " GOLDEN "/sample.py",
                              OOMKB_BIN, formats[i]);
        char *out;
        int st = run_sh(cmd, &out, NULL);
        ck_assert_int_eq(st, 1);
        char *gpath = xasprintf(GOLDEN "/sample.%s", formats[i]);
        if (update) {
            FILE *f = fopen(gpath, "wb");
            ck_assert_ptr_nonnull(f);
            fputs(out, f);
            fclose(f);
        }
        char *want = NULL;
        size_t n;
        ck_assert_msg(util_read_file(gpath, 0, &want, &n) == 0,
                      "missing %s (run with OOMKB_UPDATE_GOLDEN=1)", gpath);
        if (strcmp(out, want) != 0) {
            /* the output goes to stderr: check's failure messages are limited to a few KB */
            fprintf(stderr, "%s differs from the output of\n%s\n---\n%s", gpath, cmd, out);
        }
        ck_assert_msg(strcmp(out, want) == 0, "%s differs from the output of %s (on stderr)", gpath,
                      cmd);
        free(want);
        free(gpath);
        free(out);
        free(cmd);
    }
}
END_TEST

START_TEST(test_sarif_shape)
{
    char *cmd = xasprintf("%s lint --format sarif " GOLDEN "/sample.py", OOMKB_BIN);
    char *out;
    ck_assert_int_eq(run_sh(cmd, &out, NULL), 1);
    json_error_t je;
    json_t *j = json_loads(out, 0, &je);
    ck_assert_msg(j != NULL, "SARIF is not JSON: %s", je.text);
    ck_assert_str_eq(json_string_value(json_object_get(j, "version")), "2.1.0");
    ck_assert_ptr_nonnull(json_string_value(json_object_get(j, "$schema")));
    json_t *run = json_array_get(json_object_get(j, "runs"), 0);
    ck_assert_ptr_nonnull(run);
    json_t *driver = json_object_get(json_object_get(run, "tool"), "driver");
    ck_assert_str_eq(json_string_value(json_object_get(driver, "name")), "oomkb");
    json_t *rules = json_object_get(driver, "rules");
    ck_assert_uint_eq(json_array_size(rules), (size_t)lint_rule_count());
    for (size_t i = 0; i < json_array_size(rules); i++) {
        json_t *r = json_array_get(rules, i);
        ck_assert_str_eq(json_string_value(json_object_get(r, "id")), lint_rules()[i].code);
        /* Without --kb-url, helpUri is the entry's public page at its heading anchor; an entry
         * of the project's own (G1) has no public page, and then no helpUri. */
        const char *uri = json_string_value(json_object_get(r, "helpUri"));
        char *want_uri = kb_entry_url(NULL, lint_rules()[i].entry);
        if (lint_rules()[i].entry[0] == 'G') {
            ck_assert_ptr_null(want_uri);
            ck_assert_ptr_null(uri);
        } else {
            ck_assert_ptr_nonnull(uri);
            ck_assert_ptr_nonnull(want_uri);
            ck_assert_str_eq(uri, want_uri);
            ck_assert(strncmp(uri, KB_PUBLIC_SOURCE, strlen(KB_PUBLIC_SOURCE)) == 0);
            ck_assert_ptr_nonnull(strchr(uri, '#'));
        }
        free(want_uri);
        /* Metadata from the registry: the rule's summary and explanation, its severity. */
        ck_assert_str_eq(json_string_value(json_object_get(r, "name")), lint_rules()[i].name);
        ck_assert_str_eq(
            json_string_value(json_object_get(json_object_get(r, "shortDescription"), "text")),
            lint_rules()[i].summary);
        ck_assert_str_eq(
            json_string_value(json_object_get(json_object_get(r, "fullDescription"), "text")),
            lint_rules()[i].explain);
        ck_assert_str_eq(
            json_string_value(json_object_get(json_object_get(r, "defaultConfiguration"), "level")),
            lint_rules()[i].severity == LINT_SEV_INFO ? "note" : "warning");
        json_t *help = json_object_get(r, "help");
        ck_assert_ptr_nonnull(json_string_value(json_object_get(help, "text")));
        const char *md = json_string_value(json_object_get(help, "markdown"));
        ck_assert_msg(md && strstr(md, lint_rules()[i].entry), "help.markdown is the KB entry");
        const char *txt = json_string_value(json_object_get(help, "text"));
        ck_assert_msg(strstr(txt, "Root cause") || strstr(txt, "Symptom"),
                      "help.text is the entry's text, not the rule's: %.80s", txt);
    }
    json_t *results = json_object_get(run, "results");
    ck_assert_uint_ge(json_array_size(results), 4);
    for (size_t i = 0; i < json_array_size(results); i++) {
        json_t *r = json_array_get(results, i);
        ck_assert_ptr_nonnull(json_string_value(json_object_get(r, "ruleId")));
        ck_assert_ptr_nonnull(
            json_string_value(json_object_get(json_object_get(r, "message"), "text")));
        json_t *pl =
            json_object_get(json_array_get(json_object_get(r, "locations"), 0), "physicalLocation");
        ck_assert_ptr_nonnull(
            json_string_value(json_object_get(json_object_get(pl, "artifactLocation"), "uri")));
        ck_assert_int_ge(
            json_integer_value(json_object_get(json_object_get(pl, "region"), "startLine")), 1);
    }
    json_decref(j);
    free(out);
    free(cmd);
}
END_TEST

START_TEST(test_cli_exit_codes)
{
    char *out, *err, *cmd;
    cmd = xasprintf("%s lint " CASES "/oom101_ok_item_detach.py", OOMKB_BIN);
    ck_assert_int_eq(run_sh(cmd, &out, NULL), 0);
    ck_assert_str_eq(out, "All checks passed!\n");
    free(out);
    free(cmd);
    cmd = xasprintf("%s lint " CASES "/oom102_every_step.py", OOMKB_BIN);
    ck_assert_int_eq(run_sh(cmd, &out, NULL), 1);
    ck_assert_ptr_nonnull(strstr(out, "oom102_every_step.py:10:9: OOM102 "));
    ck_assert_ptr_nonnull(strstr(out, "[M20]"));
    free(out);
    free(cmd);
    cmd = xasprintf("%s lint --exit-zero " CASES "/oom102_every_step.py", OOMKB_BIN);
    ck_assert_int_eq(run_sh(cmd, NULL, NULL), 0);
    free(cmd);
    cmd = xasprintf("%s lint --select OOM101 " CASES "/oom102_every_step.py", OOMKB_BIN);
    ck_assert_int_eq(run_sh(cmd, NULL, NULL), 0);
    free(cmd);
    cmd = xasprintf("%s lint --ignore OOM1 " CASES, OOMKB_BIN);
    ck_assert_int_eq(run_sh(cmd, NULL, &err), 2);
    ck_assert_ptr_nonnull(strstr(err, "no rule"));
    free(err);
    free(cmd);
    cmd = xasprintf("%s lint --bogus x.py", OOMKB_BIN);
    ck_assert_int_eq(run_sh(cmd, NULL, &err), 2);
    ck_assert_ptr_nonnull(strstr(err, "--bogus"));
    free(err);
    free(cmd);
    cmd = xasprintf("%s lint --select NOPE x.py", OOMKB_BIN);
    ck_assert_int_eq(run_sh(cmd, NULL, &err), 2);
    ck_assert_ptr_nonnull(strstr(err, "NOPE"));
    free(err);
    free(cmd);
    cmd = xasprintf("%s lint --format xml x.py", OOMKB_BIN);
    ck_assert_int_eq(run_sh(cmd, NULL, NULL), 2);
    free(cmd);
    cmd = xasprintf("%s lint --list-rules", OOMKB_BIN);
    ck_assert_int_eq(run_sh(cmd, &out, NULL), 0);
    ck_assert_ptr_nonnull(strstr(out, "OOM103  eval-predictions-accumulate-on-gpu"));
    free(out);
    free(cmd);
    cmd = xasprintf("%s lint --explain oom104 --kb-url http://x.test", OOMKB_BIN);
    ck_assert_int_eq(run_sh(cmd, &out, NULL), 0);
    ck_assert_ptr_nonnull(strstr(out, "reentrant-checkpoint-under-ddp"));
    ck_assert_ptr_nonnull(strstr(out, "http://x.test/M7"));
    ck_assert_ptr_nonnull(strstr(out, "Bad:"));
    ck_assert_ptr_nonnull(strstr(out, "checkpoint")); /* the KB entry's text */
    free(out);
    free(cmd);
    cmd = xasprintf("%s lint --explain OOM999", OOMKB_BIN);
    ck_assert_int_eq(run_sh(cmd, NULL, NULL), 2);
    free(cmd);
}
END_TEST

START_TEST(test_cli_bad_inputs)
{
    char dir[] = "/tmp/oomkb-lint-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char *p;
    FILE *f;
#define WRITE(name, data, n)                                                                       \
    p = xasprintf("%s/%s", dir, name);                                                             \
    f = fopen(p, "wb");                                                                            \
    fwrite(data, 1, n, f);                                                                         \
    fclose(f);                                                                                     \
    free(p)
    WRITE("a_latin1.py", "x = 'caf\xe9'\nloss.backward()\n", 26);
    WRITE("b_binary.py",
          "\x7f"
          "ELF\0\0\0\1backward",
          16);
    WRITE("c_empty.py", "", 0);
    WRITE("d_good.py", leak, strlen(leak));
    WRITE("e_broken.py", "for b in l:\n    loss.backward(\n", 31);
    p = xasprintf("%s/loop", dir);
    ck_assert_int_eq(symlink(".", p), 0);
    free(p);
    p = xasprintf("%s/.hidden", dir);
    mkdir(p, 0755);
    free(p);
    WRITE(".hidden/h.py", leak, strlen(leak));
    char *out, *err;
    char *cmd = xasprintf("%s lint -j 3 %s %s/nope.py", OOMKB_BIN, dir, dir);
    ck_assert_int_eq(run_sh(cmd, &out, &err), 2);
    ck_assert_msg(strstr(err, "a_latin1.py: line 1: not valid UTF-8"), "%s", err);
    ck_assert_msg(strstr(err, "b_binary.py: binary file"), "%s", err);
    ck_assert_msg(strstr(err, "nope.py: No such file"), "%s", err);
    ck_assert_msg(strstr(err, "e_broken.py:2:") && strstr(err, "syntax error"), "%s", err);
    ck_assert_msg(strstr(out, "d_good.py:5:19: OOM101"), "%s", out);
    ck_assert_msg(!strstr(out, "h.py") && !strstr(out, "loop/"), "%s", out);
    free(out);
    free(err);
    free(cmd);
    /* stdin with a display name; the file named explicitly inside a hidden folder is linted */
    cmd = xasprintf("%s lint --stdin-filename train.py - <%s/d_good.py", OOMKB_BIN, dir);
    ck_assert_int_eq(run_sh(cmd, &out, NULL), 1);
    ck_assert_ptr_nonnull(strstr(out, "train.py:5:19: OOM101"));
    free(out);
    free(cmd);
    cmd = xasprintf("%s lint %s/.hidden/h.py", OOMKB_BIN, dir);
    ck_assert_int_eq(run_sh(cmd, NULL, NULL), 1);
    free(cmd);
    cmd = xasprintf("%s lint --exclude 'd_*' %s/d_good.py %s/c_empty.py %s/loop/c_empty.py",
                    OOMKB_BIN, dir, dir, dir);
    ck_assert_int_eq(run_sh(cmd, NULL, NULL), 1); /* explicit files ignore --exclude */
    free(cmd);
    cmd = xasprintf("%s lint --exclude 'd_*' --exclude '*_broken.py' --exclude '*_latin1.py' "
                    "--exclude '*binary*' %s",
                    OOMKB_BIN, dir);
    ck_assert_int_eq(run_sh(cmd, NULL, NULL), 0);
    free(cmd);
    cmd = xasprintf("rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
    free(cmd);
}
END_TEST

START_TEST(test_cli_parallel_order)
{
    char *one, *many;
    char *cmd = xasprintf("%s lint -j 1 --format json " CASES, OOMKB_BIN);
    ck_assert_int_eq(run_sh(cmd, &one, NULL), 1);
    free(cmd);
    cmd = xasprintf("%s lint -j 4 --format json " CASES, OOMKB_BIN);
    ck_assert_int_eq(run_sh(cmd, &many, NULL), 1);
    ck_assert_str_eq(one, many);
    ck_assert_ptr_nonnull(strstr(one, "\"end_location\""));
    free(one);
    free(many);
    free(cmd);
}
END_TEST

/* The batch API under the CLI: items in the order added (a folder's files in name order,
 * hidden ones passed over), a path that cannot be linted as an item with its error, the bytes
 * kept on request, and a DDP fact the caller gives used instead of the project's. */
START_TEST(test_batch_api)
{
    char dir[] = "/tmp/oomkb-batch-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char *sub = xasprintf("%s/sub", dir);
    ck_assert_int_eq(mkdir(sub, 0755), 0);
    write_in(dir, "b.py", leak);
    write_in(dir, "a.py", "x = 1\n");
    write_in(dir, ".hidden.py", leak);
    write_in(dir, "bad.py", "x = '\xff'\n");
    write_in(dir, "ckpt.py",
             "import torch.utils.checkpoint\n"
             "y = torch.utils.checkpoint.checkpoint(f, x)\n");
    write_in(sub, "c.py", leak);
    lint_ddp ddp;
    memset(&ddp, 0, sizeof ddp);
    ddp.ddp = 1;
    lint_batch_options bo;
    memset(&bo, 0, sizeof bo);
    bo.lint.ddp = &ddp;
    bo.keep_src = 1;
    lint_diag d = {{0}};
    lint_batch *b = lint_batch_new(&bo, &d);
    ck_assert_ptr_nonnull(b);
    char *missing = xasprintf("%s/missing.py", dir);
    lint_batch_add(b, dir);
    lint_batch_add(b, missing);
    lint_batch_run(b, 2);
    size_t n;
    const lint_batch_item *it = lint_batch_items(b, &n);
    static const char *const names[] = {"/a.py",    "/b.py",     "/bad.py",
                                        "/ckpt.py", "/sub/c.py", "/missing.py"};
    static const char *const codes[] = {"", "OOM101", NULL, "OOM104", "OOM101", NULL};
    ck_assert_uint_eq(n, 6);
    for (size_t i = 0; i < n; i++) {
        ck_assert_msg(strlen(it[i].path) > strlen(dir) &&
                          !strcmp(it[i].path + strlen(dir), names[i]),
                      "item %zu: %s", i, it[i].path);
        if (!codes[i]) {
            ck_assert_ptr_nonnull(it[i].error);
            ck_assert_ptr_null(it[i].result);
            continue;
        }
        ck_assert_msg(!it[i].error, "%s: %s", it[i].path, it[i].error);
        ck_assert_uint_eq(it[i].result->n, *codes[i] != 0);
        if (*codes[i]) {
            ck_assert_str_eq(lint_rules()[it[i].result->items[0].rule].code, codes[i]);
        }
    }
    ck_assert_str_eq(it[0].src, "x = 1\n");
    ck_assert_ptr_nonnull(strstr(it[2].error, "not valid UTF-8"));
    ck_assert_ptr_nonnull(strstr(it[5].error, "No such file"));
    lint_batch_free(b);
    char *cmd = xasprintf("rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
    free(cmd);
    free(missing);
    free(sub);
}
END_TEST

Suite *suite_lint(void);
Suite *suite_lint(void)
{
    Suite *s = suite_create("lint");
    TCase *tc = tcase_create("library");
    tcase_add_test(tc, test_cases);
    tcase_add_test(tc, test_abi_and_rules);
    tcase_add_test(tc, test_opt_in_rules);
    tcase_add_test(tc, test_prefilter_skips_parse);
    tcase_add_test(tc, prefilter_agrees_with_memmem);
    tcase_add_test(tc, test_select_and_noqa);
    tcase_add_test(tc, test_noqa_find);
    tcase_add_test(tc, test_fixes_and_ranges);
    tcase_add_test(tc, test_deep_nesting_and_errors);
    tcase_add_test(tc, test_ddp_scan);
    tcase_add_test(tc, test_project_scan_policy);
    tcase_add_test(tc, test_ddp_scan_strings);
    suite_add_tcase(s, tc);
    TCase *cli = tcase_create("cli");
    tcase_set_timeout(cli, 60);
    tcase_add_test(cli, test_golden_formats);
    tcase_add_test(cli, test_sarif_shape);
    tcase_add_test(cli, test_cli_exit_codes);
    tcase_add_test(cli, test_cli_bad_inputs);
    tcase_add_test(cli, test_cli_parallel_order);
    tcase_add_test(cli, test_batch_api);
    suite_add_tcase(s, cli);
    return s;
}
