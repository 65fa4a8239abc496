/* Entry links: GitHub heading anchors as data (tests/cases/kb/anchors.tsv), duplicate
 * headings, and kb_entry_url / kb_entry_link for public pages, a served KB and entries with no
 * public page. */
#include <check.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "kb/kb.h"
#include "tests/support/run.h"

#define ANCHORS "tests/cases/kb/anchors.tsv"

START_TEST(anchors_as_github_renders_them)
{
    char *data = NULL;
    size_t len = 0;
    ck_assert_int_eq(util_read_file(ANCHORS, 0, &data, &len), 0);
    int n = 0;
    char *save = NULL;
    for (char *line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#') {
            continue;
        }
        char *tab = strrchr(line, '\t');
        ck_assert_msg(tab != NULL, ANCHORS ": no tab in %s", line);
        *tab = '\0';
        char *got = kb_heading_anchor(line, NULL);
        ck_assert_msg(strcmp(got, tab + 1) == 0, "heading '%s': anchor '%s', want '%s'", line, got,
                      tab + 1);
        free(got);
        n++;
    }
    ck_assert_int_ge(n, 30);
    free(data);
}
END_TEST

START_TEST(repeated_headings_are_numbered)
{
    kb_strlist seen = {NULL, 0};
    const char *headings[] = {"Fix", "Fix", "**fix**", "Fix-1", "Other", "fix"};
    const char *want[] = {"fix", "fix-1", "fix-2", "fix-1-1", "other", "fix-3"};
    for (size_t i = 0; i < sizeof headings / sizeof headings[0]; i++) {
        char *a = kb_heading_anchor(headings[i], &seen);
        ck_assert_str_eq(a, want[i]);
        free(a);
    }
    ck_assert_uint_eq(seen.n, 6);
    kb_strlist_free(&seen);
    /* Bytes that are not UTF-8 are dropped, a cut sequence at the end too. */
    char *bad = kb_heading_anchor("a\xff\xfe b\xe2\x80", NULL);
    ck_assert_str_eq(bad, "a-b");
    free(bad);
    char *empty = kb_heading_anchor("", NULL);
    ck_assert_str_eq(empty, "");
    free(empty);
}
END_TEST

START_TEST(entry_urls)
{
    /* The public page: the document's upstream path and the heading's anchor. */
    char *u = kb_entry_url(NULL, "M8");
    ck_assert_str_eq(u, KB_PUBLIC_SOURCE "training/oom-memory.md"
                                         "#m8--expandable_segmentstrue-the-free-fragmentation-fix");
    free(u);
    u = kb_entry_url("", "m20"); /* IDs are case-insensitive, "" is no base */
    ck_assert_str_eq(u, KB_PUBLIC_SOURCE
                     "training/oom-memory.md#m20--empty_cache-and-the-memory-leak-myths");
    free(u);
    /* gotchas-memory.md is a section of the upstream gotchas_universal.md. */
    u = kb_entry_url(NULL, "U11");
    ck_assert_str_eq(u,
                     KB_PUBLIC_SOURCE "gotchas_universal.md"
                                      "#u11--a-zombie-holds-vram-nvidia-smi-cannot-see--oom-on-an-"
                                      "empty-gpu");
    free(u);
    /* A served KB: base/ID, trailing slashes dropped. */
    u = kb_entry_url("http://127.0.0.1:8080//", "M8");
    ck_assert_str_eq(u, "http://127.0.0.1:8080/M8");
    free(u);
    /* No public page: NULL for machine formats, the command for text. */
    ck_assert_ptr_null(kb_entry_url(NULL, "X99"));
    ck_assert_ptr_null(kb_entry_url(NULL, ""));
    u = kb_entry_link(NULL, "X99");
    ck_assert_str_eq(u, "oomkb show X99");
    free(u);
    u = kb_entry_link("http://kb.test", "X99");
    ck_assert_str_eq(u, "http://kb.test/X99");
    free(u);
    /* A document this project adds itself has no upstream page. */
    ck_assert_ptr_null(kb_entry_public_url("gpu-zero.md", "G1 — Something"));
    u = kb_entry_public_url("oom-memory.md", "M1 — Anatomy");
    ck_assert_str_eq(u, KB_PUBLIC_SOURCE "training/oom-memory.md#m1--anatomy");
    free(u);
}
END_TEST

/* Every built-in entry from the upstream guide has a public page, at the anchor of its own
 * heading; the project's own entries (G1) have none. */
START_TEST(every_entry_links_to_its_heading)
{
    kb *k = NULL;
    kb_toc *t = NULL;
    ck_assert_int_eq(kb_open_embedded(&k, NULL), KB_OK);
    ck_assert_int_eq(kb_toc_get(k, &t, NULL), KB_OK);
    for (size_t i = 0; i < t->n; i++) {
        kb_entry *e = NULL;
        ck_assert_int_eq(kb_entry_get(k, t->items[i].id, &e, NULL), KB_OK);
        char *u = kb_entry_url(NULL, e->id);
        if (e->id[0] == 'G') { /* the project's own entries have no upstream page */
            ck_assert_msg(u == NULL, "%s has a public page: %s", e->id, u);
            kb_entry_free(e);
            continue;
        }
        ck_assert_msg(u != NULL, "%s has no public page", e->id);
        const char *hash = strchr(u, '#');
        ck_assert_ptr_nonnull(hash);
        /* the anchor starts with the lowercased ID and two dashes (the " — ") */
        char *lower = xasprintf("%s--", e->id);
        lower[0] = (char)(lower[0] - 'A' + 'a');
        ck_assert_msg(strncmp(hash + 1, lower, strlen(lower)) == 0, "%s: %s", e->id, u);
        free(lower);
        free(u);
        kb_entry_free(e);
    }
    kb_toc_free(t);
    kb_close(k);
}
END_TEST

/* The "url" field of the first JSON object a command prints ("" for null). */
static char *url_printed(const char *const *argv)
{
    run_result r = run_cmd(argv, NULL, NULL);
    ck_assert_msg(r.status == 0, "%s %s %s: exit %d: %s", argv[1], argv[2], argv[3], r.status,
                  r.err);
    json_error_t err;
    json_t *o = json_loadb(r.out, strcspn(r.out, "\n"), 0, &err);
    if (!o) { /* show's JSON is pretty-printed over several lines */
        o = json_loads(r.out, 0, &err);
    }
    ck_assert_msg(o != NULL, "%s: not JSON: %s", argv[1], err.text);
    json_t *u = json_object_get(o, "url");
    char *url = xstrdup(json_is_string(u) ? json_string_value(u) : "");
    json_decref(o);
    run_result_free(&r);
    return url;
}

/* `oomkb show` reads the entry from the built-in KB and gives its link to the link cache;
 * `oomkb search ID` never reads the entry, so the cache computes the link from a handle of
 * its own. Both give every entry the same link. */
START_TEST(entry_read_or_not_same_link)
{
    kb *k = NULL;
    kb_toc *t = NULL;
    ck_assert_int_eq(kb_open_embedded(&k, NULL), KB_OK);
    ck_assert_int_eq(kb_toc_get(k, &t, NULL), KB_OK);
    int public = 0;
    for (size_t i = 0; i < t->n; i++) {
        const char *id = t->items[i].id;
        const char *show[] = {OOMKB_BIN, "show", "--format", "json", id, NULL};
        const char *search[] = {OOMKB_BIN, "search", "--json", id, NULL};
        char *a = url_printed(show);
        char *b = url_printed(search);
        ck_assert_msg(strcmp(a, b) == 0, "%s: show links %s, search %s", id, a, b);
        public += *a != '\0';
        free(a);
        free(b);
    }
    ck_assert_int_gt(public, 20);
    kb_toc_free(t);
    kb_close(k);
}
END_TEST

Suite *suite_kb_url(void);
Suite *suite_kb_url(void)
{
    Suite *s = suite_create("kb_url");
    TCase *tc = tcase_create("links");
    tcase_add_test(tc, anchors_as_github_renders_them);
    tcase_add_test(tc, repeated_headings_are_numbered);
    tcase_add_test(tc, entry_urls);
    tcase_add_test(tc, every_entry_links_to_its_heading);
    tcase_add_test(tc, entry_read_or_not_same_link);
    suite_add_tcase(s, tc);
    return s;
}
