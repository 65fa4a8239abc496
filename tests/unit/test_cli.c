/* The knowledge-base commands as users run them: the real binary, its output, exit codes
 * and JSON. (The binary's path comes from the build: OOMKB_BIN.) */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "kb/kb.h"
#include "tests/support/run.h"

#define MAXARGS 16

/* Runs oomkb with the given arguments (NULL-terminated). */
static run_result oomkb_env(const char *const *env, const char *a0, ...)
{
    const char *argv[MAXARGS + 2] = {OOMKB_BIN};
    va_list ap;
    va_start(ap, a0);
    int n = 1;
    for (const char *a = a0; a && n <= MAXARGS; a = va_arg(ap, const char *)) {
        argv[n++] = a;
    }
    va_end(ap);
    argv[n] = NULL;
    return run_cmd(argv, NULL, env);
}

#define oomkb(...) oomkb_env(NULL, __VA_ARGS__, NULL)

static size_t count_lines(const char *s)
{
    size_t n = 0;
    for (; *s; s++) {
        n += *s == '\n';
    }
    return n;
}

START_TEST(search_prints_entries_and_lines)
{
    run_result r = oomkb("search", "expandable");
    ck_assert_int_eq(r.status, 0);
    /* Best entry first, as "ID  title", then its matching source lines. */
    ck_assert_msg(
        strncmp(r.out, "M8  expandable_segments:True (the free fragmentation fix)\n", 58) == 0,
        "got: %.200s", r.out);
    ck_assert_ptr_nonnull(strstr(r.out, "### M8 — `expandable_segments:True`"));
    ck_assert_ptr_null(strstr(r.out, "\x1b[")); /* no colour into a pipe */
    ck_assert_ptr_null(strstr(r.out, "\x01"));  /* marks never leak */
    run_result_free(&r);

    r = oomkb("search", "-n", "expandable");
    ck_assert_ptr_nonnull(strstr(r.out, "\n131:### M8 — "));
    run_result_free(&r);

    r = oomkb("search", "--color=always", "use_reentrant");
    ck_assert_ptr_nonnull(strstr(r.out, "\x1b[1;31muse_reentrant\x1b[0m"));
    run_result_free(&r);
}
END_TEST

START_TEST(search_modes_and_exit_codes)
{
    run_result r = oomkb("search", "-l", "empty_cache");
    ck_assert_int_eq(r.status, 0);
    ck_assert_str_eq(r.out, "M20\n");
    run_result_free(&r);

    r = oomkb("search", "-c", "oom");
    ck_assert_int_eq(r.status, 0);
    ck_assert_int_ge(atoi(r.out), 10);
    run_result_free(&r);

    r = oomkb("search", "-q", "qlora");
    ck_assert_int_eq(r.status, 0);
    ck_assert_str_eq(r.out, "");
    ck_assert_str_eq(r.err, "");
    run_result_free(&r);

    r = oomkb("search", "xyzzyqq");
    ck_assert_int_eq(r.status, 1);
    ck_assert_str_eq(r.out, "");
    ck_assert_ptr_nonnull(strstr(r.err, "no entry matches"));
    run_result_free(&r);

    /* A clear misspelling is searched corrected (exit 0), and said so; --no-correct does not. */
    r = oomkb("search", "fragmantation");
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_nonnull(strstr(r.err, "showing results for fragmentation; search instead for "
                                        "fragmantation"));
    ck_assert(strncmp(r.out, "M8  ", 4) == 0);
    run_result_free(&r);
    r = oomkb("search", "gradeint", "checkpointing");
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_nonnull(strstr(r.err, "showing results for gradient checkpointing"));
    run_result_free(&r);
    r = oomkb("search", "--no-correct", "expandabel");
    ck_assert_int_eq(r.status, 1);
    ck_assert_ptr_nonnull(strstr(r.err, "did you mean: expandable"));
    run_result_free(&r);
    /* The any-word fallback shows the best five and counts the rest; --limit wins. */
    r = oomkb("search", "-l", "memory", "grows", "every", "step", "zzz");
    ck_assert_int_eq(r.status, 0);
    ck_assert_int_eq(count_lines(r.out), 5);
    ck_assert_ptr_nonnull(strstr(r.err, "showing the best 5 of "));
    ck_assert_ptr_nonnull(strstr(r.err, " more)"));
    run_result_free(&r);
    r = oomkb("search", "-l", "--limit", "7", "memory", "grows", "every", "step", "zzz");
    ck_assert_int_eq(count_lines(r.out), 7);
    run_result_free(&r);
    /* -c counts every match, not the five shown. */
    r = oomkb("search", "-c", "memory", "grows", "every", "step", "zzz");
    ck_assert_int_gt(atoi(r.out), 5);
    run_result_free(&r);

    r = oomkb("search", "-c", "xyzzyqq");
    ck_assert_int_eq(r.status, 1);
    ck_assert_str_eq(r.out, "0\n");
    run_result_free(&r);

    r = oomkb("search", "fragmentation", "zzyzx");
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_nonnull(strstr(r.err, "some of them"));
    run_result_free(&r);

    r = oomkb("search", "--limit", "1", "-l", "oom");
    ck_assert_int_eq(count_lines(r.out), 1);
    run_result_free(&r);

    /* Usage errors: exit 2 with a message. */
    const char *const *none = NULL;
    r = oomkb_env(none, "search", NULL);
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "no query"));
    run_result_free(&r);
    r = oomkb("search", "   ");
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "empty query"));
    run_result_free(&r);
    r = oomkb("search", "--limit", "x", "oom");
    ck_assert_int_eq(r.status, 2);
    run_result_free(&r);
    r = oomkb("search", "--color=sometimes", "oom");
    ck_assert_int_eq(r.status, 2);
    run_result_free(&r);
    r = oomkb("search", "--bogus", "oom");
    ck_assert_int_eq(r.status, 2);
    run_result_free(&r);
    r = oomkb("search", "--raw", "multi-agent");
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "invalid FTS5 query"));
    run_result_free(&r);
    r = oomkb("search", "multi-agent");
    ck_assert_int_lt(r.status, 2);
    run_result_free(&r);
    r = oomkb("nosuchcommand", "x");
    ck_assert_int_eq(r.status, 2);
    run_result_free(&r);
}
END_TEST

START_TEST(search_json_is_one_object_per_result)
{
    const char *env[] = {"OOMKB_URL=http://kb.example:9999", NULL};
    run_result r = oomkb_env(env, "search", "--json", "--limit", "3", "fragmentation", NULL);
    ck_assert_int_eq(r.status, 0);
    ck_assert_int_eq(count_lines(r.out), 3);
    char *save = NULL;
    int i = 0;
    double prev = 1e18;
    for (char *line = strtok_r(r.out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        json_error_t err;
        json_t *o = json_loads(line, 0, &err);
        ck_assert_msg(o != NULL, "bad JSON: %s", err.text);
        const char *id = json_string_value(json_object_get(o, "id"));
        ck_assert_ptr_nonnull(id);
        ck_assert_ptr_nonnull(json_string_value(json_object_get(o, "title")));
        ck_assert_ptr_nonnull(json_string_value(json_object_get(o, "section")));
        const char *snip = json_string_value(json_object_get(o, "snippet"));
        ck_assert_ptr_nonnull(snip);
        ck_assert_ptr_null(strchr(snip, '\x01'));
        double score = json_number_value(json_object_get(o, "score"));
        ck_assert(score <= prev);
        prev = score;
        char want[64];
        snprintf(want, sizeof want, "http://kb.example:9999/%s", id);
        ck_assert_str_eq(json_string_value(json_object_get(o, "url")), want);
        if (i == 0) {
            ck_assert(strcmp(id, "M8") == 0 || strcmp(id, "M2") == 0);
        }
        json_decref(o);
        i++;
    }
    run_result_free(&r);
}
END_TEST

START_TEST(show_formats_and_unknown_ids)
{
    run_result r = oomkb("show", "m8");
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "M8 — expandable_segments:True"));
    ck_assert_ptr_nonnull(strstr(r.out, "References: M2"));
    ck_assert_ptr_nonnull(strstr(r.out, "Referenced by: "));
    ck_assert_ptr_null(strstr(r.out, "**"));
    run_result_free(&r);

    /* The M1 table is laid out in columns. */
    r = oomkb("show", "M1");
    ck_assert_ptr_nonnull(strstr(r.out, "Bucket"));
    ck_assert_ptr_nonnull(strstr(r.out, "│ Bytes/param │"));
    ck_assert_ptr_null(strstr(r.out, "|---"));
    run_result_free(&r);

    r = oomkb("show", "--format", "md", "M14");
    ck_assert_int_eq(r.status, 0);
    ck_assert(strncmp(r.out, "### M14 — OOM on the **first backward** (not the forward)\n", 59) ==
              0);
    run_result_free(&r);

    r = oomkb("show", "--format", "html", "M14");
    ck_assert_ptr_nonnull(strstr(r.out, "<strong>"));
    ck_assert_ptr_nonnull(strstr(r.out, "<a href=\"M7\">M7</a>"));
    run_result_free(&r);

    r = oomkb("show", "--format", "json", "M19");
    json_error_t err;
    json_t *o = json_loads(r.out, 0, &err);
    ck_assert_ptr_nonnull(o);
    ck_assert_str_eq(json_string_value(json_object_get(o, "id")), "M19");
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(o, "lines"), "start")),
                     286);
    ck_assert_int_eq(json_array_size(json_object_get(o, "references")), 9);
    json_t *ext0 = json_array_get(json_object_get(o, "external_references"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(ext0, "name")),
                     "references/ssh_transport.md");
    ck_assert(json_is_null(json_object_get(ext0, "url")));
    ck_assert(json_is_false(json_object_get(ext0, "in_kb")));
    json_decref(o);
    run_result_free(&r);

    r = oomkb("show", "M21");
    ck_assert_int_eq(r.status, 1);
    ck_assert_ptr_nonnull(strstr(r.err, "did you mean M1, M2"));
    run_result_free(&r);

    r = oomkb("show", "--format", "pdf", "M1");
    ck_assert_int_eq(r.status, 2);
    run_result_free(&r);

    /* Several IDs: each shown; an unknown one is reported and makes the exit status 1. */
    r = oomkb("show", "M3", "M4");
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "M3 — VRAM OOM is not host-RAM OOM"));
    ck_assert_ptr_nonnull(strstr(r.out, "\nM4 — The ladder"));
    run_result_free(&r);
    /* External documents: outside the KB, with their public source (U21 of the outside
     * document; U9-U11 are compiled in). */
    r = oomkb("show", "U41");
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "Elsewhere: gotchas_universal.md U21 (outside this "
                                        "knowledge base): https://github.com/sickn33/"));
    run_result_free(&r);
    r = oomkb("show", "M3", "M99", "M4");
    ck_assert_int_eq(r.status, 1);
    ck_assert_ptr_nonnull(strstr(r.out, "\nM4 — The ladder"));
    ck_assert_ptr_nonnull(strstr(r.err, "no entry 'M99'"));
    run_result_free(&r);
    r = oomkb("show", "--format", "json", "M3", "M4");
    o = json_loads(r.out, 0, &err);
    ck_assert_msg(json_is_array(o), "not an array: %s", err.text);
    ck_assert_int_eq(json_array_size(o), 2);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(o, 1), "id")), "M4");
    json_decref(o);
    run_result_free(&r);

    /* Code lines wider than the terminal go on in lines marked ↪, none wider than 80
     * columns (the width when not on a terminal). */
    r = oomkb("show", "M19");
    ck_assert_ptr_nonnull(strstr(r.out, "\n    \xe2\x86\xaa "));
    for (const char *line = r.out; *line;) {
        const char *nl = strchr(line, '\n');
        size_t cols = 0;
        for (const char *c = line; c < (nl ? nl : line + strlen(line)); c++) {
            cols += ((unsigned char)*c & 0xC0) != 0x80;
        }
        /* The closing URL line is the only one allowed past the width. */
        ck_assert_msg(cols <= 80 || strncmp(line, "http", 4) == 0 ||
                          strncmp(line, "Elsewhere:", 10) == 0,
                      "line of %zu columns: %.*s", cols, (int)(nl ? nl - line : 80), line);
        line = nl ? nl + 1 : line + strlen(line);
    }
    run_result_free(&r);
    /* No line is punctuation alone (a URL's ");" once was). */
    r = oomkb("show", "M2");
    ck_assert_ptr_null(strstr(r.out, "\n);\n"));
    ck_assert_ptr_null(strstr(r.out, "\n;\n"));
    run_result_free(&r);
}
END_TEST

/* `oomkb show --format json` and `oomkb search --json` print the kb module's schema, byte for
 * byte the objects the HTTP API serves (with the shell's absolute URLs). */
START_TEST(json_is_the_kb_schema)
{
    const char *env[] = {"OOMKB_URL=http://kb.example:9999", NULL};
    kb *k = NULL;
    ck_assert_int_eq(kb_open_embedded(&k, NULL), KB_OK);
    kb_entry *e = NULL;
    ck_assert_int_eq(kb_entry_get(k, "M8", &e, NULL), KB_OK);
    char *want = kb_entry_json(k, e, "http://kb.example:9999", 1);
    run_result r = oomkb_env(env, "show", "--format", "json", "M8", NULL);
    ck_assert_int_eq(r.status, 0);
    ck_assert_msg(strncmp(r.out, want, strlen(want)) == 0, "show JSON differs:\n%s", r.out);
    run_result_free(&r);
    free(want);
    kb_entry_free(e);
    kb_results *res = NULL;
    kb_search_opts o = {2, 0, 1, 0, 0};
    ck_assert_int_eq(kb_search(k, "expandable", &o, &res, NULL), KB_OK);
    want = kb_hit_json(res, 0, "http://kb.example:9999");
    r = oomkb_env(env, "search", "--json", "--limit", "2", "expandable", NULL);
    ck_assert_msg(strncmp(r.out, want, strlen(want)) == 0, "search JSON differs:\n%s\n%s", r.out,
                  want);
    run_result_free(&r);
    free(want);
    kb_results_free(res);
    kb_close(k);
}
END_TEST

START_TEST(list_groups_by_section)
{
    run_result r = oomkb("list");
    ck_assert_int_eq(r.status, 0);
    ck_assert(strncmp(r.out, "Read it first\n  M1   Anatomy", 28) == 0);
    ck_assert_ptr_nonnull(strstr(r.out, "\nDebugging tools (measure, don't guess)\n  M18  "));
    /* 25 entries (M1-M20, U9, U10, U11, U41 and G1), 5 section headings (a section without
     * entries is not listed; the U and G entries have none), 4 blank lines. */
    ck_assert_int_eq(count_lines(r.out), 25 + 5 + 4);
    run_result_free(&r);
}
END_TEST

START_TEST(build_and_db_select_another_kb)
{
    const char *out = "build/test-cli-u.sqlite";
    run_result r = oomkb("build", "-o", out, "tests/cases/kb/family-u.md");
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_nonnull(strstr(r.err, "family-u.md:9: warning: entry U1 references U9"));
    run_result_free(&r);

    r = oomkb("search", "--db", out, "-l", "hyphen");
    ck_assert_int_eq(r.status, 0);
    ck_assert_str_eq(r.out, "U2\n");
    run_result_free(&r);

    const char *env[] = {"OOMKB_DB=build/test-cli-u.sqlite", NULL};
    r = oomkb_env(env, "show", "u4", NULL);
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "U4 — After a break"));
    run_result_free(&r);

    r = oomkb("search", "--db", "kb/oom-memory.md", "x");
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "not an oomkb knowledge base"));
    run_result_free(&r);
    r = oomkb("list", "--db", "/nonexistent/kb.sqlite");
    ck_assert_int_eq(r.status, 2);
    run_result_free(&r);

    r = oomkb("build", "-o", "build/test-cli-bad.sqlite", "tests/cases/kb/errors/duplicate.md");
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "duplicate.md:9: error: duplicate entry ID A1"));
    run_result_free(&r);
    remove(out);
}
END_TEST

Suite *suite_cli(void);
Suite *suite_cli(void)
{
    Suite *s = suite_create("cli");
    TCase *tc = tcase_create("kb-commands");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, search_prints_entries_and_lines);
    tcase_add_test(tc, search_modes_and_exit_codes);
    tcase_add_test(tc, search_json_is_one_object_per_result);
    tcase_add_test(tc, show_formats_and_unknown_ids);
    tcase_add_test(tc, json_is_the_kb_schema);
    tcase_add_test(tc, list_groups_by_section);
    tcase_add_test(tc, build_and_db_select_another_kb);
    suite_add_tcase(s, tc);
    return s;
}
