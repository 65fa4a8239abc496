/* The kb module: entry extraction from the shipped guide, references, another ID family, the
 * compiler's error cases, search quoting, fallbacks and ranking. Expectations live in
 * tests/cases/kb/ and tests/cases/search/ as data; this file only reads and compares. */
#include <check.h>
#include <dirent.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "kb/kb.h"

#define GUIDE "kb/oom-memory.md"

static char *read_all(const char *path, size_t *len)
{
    char *data = NULL;
    size_t n = 0;
    int err = util_read_file(path, 0, &data, &n);
    ck_assert_msg(err == 0, "cannot read %s", path);
    if (len) {
        *len = n;
    }
    return data;
}

/* Splits a line on tabs in place; returns the number of fields. */
static size_t split_tabs(char *line, char **fields, size_t max)
{
    size_t n = 0;
    char *p = line;
    while (n < max) {
        fields[n++] = p;
        char *t = strchr(p, '\t');
        if (!t) {
            break;
        }
        *t = '\0';
        p = t + 1;
    }
    return n;
}

/* Iterates over the data lines of a case file (skipping blanks and # comments). */
typedef void (*line_fn)(char **fields, size_t n, int lineno, void *ud);

static void each_case(const char *path, line_fn fn, void *ud)
{
    char *data = read_all(path, NULL);
    int lineno = 0;
    char *save = NULL;
    size_t cases = 0;
    for (char *line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        lineno++;
        if (!*line || line[0] == '#') {
            continue;
        }
        char *fields[8];
        size_t n = split_tabs(line, fields, 8);
        fn(fields, n, lineno, ud);
        cases++;
    }
    ck_assert_msg(cases > 0, "%s has no cases", path);
    free(data);
}

#define SYNONYMS "kb/synonyms.tsv"
#define LINKS "kb/links.tsv"

#define GOTCHAS "kb/gotchas-memory.md"
#define GPU0 "kb/gpu0-memory.md"

/* The shipped documents compiled with a synonym table (text, NULL for none), in the Makefile's
 * order (KB_DOCS): the guide, the second document, the synonyms, the links. */
static kb *compile_with(const char *synonyms)
{
    size_t len;
    size_t links_len;
    size_t gotchas_len;
    size_t gpu0_len;
    char *text = read_all(GUIDE, &len);
    char *gotchas = read_all(GOTCHAS, &gotchas_len);
    char *gpu0 = read_all(GPU0, &gpu0_len);
    char *links = read_all(LINKS, &links_len);
    const char *names[5] = {GUIDE, GOTCHAS, GPU0, SYNONYMS, LINKS};
    const char *texts[5] = {text, gotchas, gpu0, synonyms, links};
    size_t lens[5] = {len, gotchas_len, gpu0_len, synonyms ? strlen(synonyms) : 0, links_len};
    if (!synonyms) {
        names[3] = LINKS;
        texts[3] = links;
        lens[3] = links_len;
    }
    unsigned char *img = NULL;
    size_t img_len = 0;
    kb_diag d = {{0}, 0, {0}};
    kb_status st =
        kb_compile_buffers(names, texts, lens, synonyms ? 5 : 4, &img, &img_len, NULL, NULL, &d);
    free(links);
    free(gotchas);
    free(gpu0);
    ck_assert_msg(st == KB_OK, "compile failed: %s", d.message);
    kb *k = NULL;
    ck_assert_int_eq(kb_open_image(img, img_len, &k, &d), KB_OK);
    free(img);
    free(text);
    return k;
}

/* The guide and its synonym table, as the build compiles them. */
static kb *compile_guide(void)
{
    char *syn = read_all(SYNONYMS, NULL);
    kb *k = compile_with(syn);
    free(syn);
    return k;
}

/* The guide on its own (with its links table): what tests/cases/kb/ describe, entry by
 * entry. */
static kb *compile_guide_alone(void)
{
    size_t len;
    size_t links_len;
    char *text = read_all(GUIDE, &len);
    char *links = read_all(LINKS, &links_len);
    const char *names[2] = {GUIDE, LINKS};
    const char *texts[2] = {text, links};
    size_t lens[2] = {len, links_len};
    unsigned char *img = NULL;
    size_t img_len = 0;
    kb_diag d = {{0}, 0, {0}};
    kb_status st = kb_compile_buffers(names, texts, lens, 2, &img, &img_len, NULL, NULL, &d);
    ck_assert_msg(st == KB_OK, "compile failed: %s", d.message);
    kb *k = NULL;
    ck_assert_int_eq(kb_open_image(img, img_len, &k, &d), KB_OK);
    free(img);
    free(text);
    free(links);
    return k;
}

static kb *embedded(void)
{
    kb *k = NULL;
    kb_diag d = {{0}, 0, {0}};
    ck_assert_msg(kb_open_embedded(&k, &d) == KB_OK, "embedded KB: %s", d.message);
    return k;
}

static char *joined(const kb_strlist *l, const char *sep)
{
    buf b = BUF_INIT;
    for (size_t i = 0; i < l->n; i++) {
        if (i) {
            buf_puts(&b, sep);
        }
        buf_puts(&b, l->items[i]);
    }
    if (!l->n) {
        buf_puts(&b, "-");
    }
    return buf_detach(&b);
}

/* ---- Entries --------------------------------------------------------------------------- */

typedef struct entries_ctx {
    kb *k;
    char **lines; /* the guide's lines */
    size_t seen;
} entries_ctx;

static void check_entry(char **f, size_t n, int lineno, void *ud)
{
    entries_ctx *x = ud;
    ck_assert_msg(n == 5, "entries.tsv:%d: 5 fields expected", lineno);
    kb_entry *e = NULL;
    ck_assert_msg(kb_entry_get(x->k, f[0], &e, NULL) == KB_OK, "no entry %s", f[0]);
    ck_assert_str_eq(e->title, f[1]);
    ck_assert_str_eq(e->section, f[2]);
    ck_assert_int_eq(e->line_start, atoi(f[3]));
    ck_assert_int_eq(e->line_end, atoi(f[4]));
    ck_assert_int_eq(e->ord, (int)x->seen);
    /* The markdown is the exact source slice. */
    buf want = BUF_INIT;
    for (int i = e->line_start; i <= e->line_end; i++) {
        buf_puts(&want, x->lines[i - 1]);
        if (i < e->line_end) {
            buf_putc(&want, '\n');
        }
    }
    ck_assert_str_eq(e->markdown, want.data);
    buf_free(&want);
    ck_assert_ptr_nonnull(strstr(e->html, "<p>"));
    ck_assert_ptr_null(strstr(e->text, "**"));
    x->seen++;
    kb_entry_free(e);
}

START_TEST(entries_match_the_guide)
{
    kb *k = compile_guide_alone();
    size_t len;
    char *text = read_all(GUIDE, &len);
    entries_ctx x = {k, NULL, 0};
    size_t n_lines = 0;
    for (char *p = text;; n_lines++) {
        x.lines = xrealloc(x.lines, (n_lines + 1) * sizeof *x.lines);
        x.lines[n_lines] = p;
        char *nl = strchr(p, '\n');
        if (!nl) {
            break;
        }
        *nl = '\0';
        p = nl + 1;
    }
    each_case("tests/cases/kb/entries.tsv", check_entry, &x);
    ck_assert_int_eq(x.seen, 20);
    kb_toc *t = NULL;
    ck_assert_int_eq(kb_toc_get(k, &t, NULL), KB_OK);
    ck_assert_int_eq(t->n, 20);
    kb_toc_free(t);
    free(x.lines);
    free(text);
    kb_close(k);
}
END_TEST

static void check_refs(char **f, size_t n, int lineno, void *ud)
{
    kb *k = ud;
    ck_assert_msg(n == 3, "refs.tsv:%d: 3 fields expected", lineno);
    kb_entry *e = NULL;
    ck_assert_int_eq(kb_entry_get(k, f[0], &e, NULL), KB_OK);
    char *refs = joined(&e->refs, " "), *ext = joined(&e->ext_refs, " | ");
    ck_assert_msg(strcmp(refs, f[1]) == 0, "%s refs: got '%s', want '%s'", f[0], refs, f[1]);
    ck_assert_msg(strcmp(ext, f[2]) == 0, "%s external: got '%s', want '%s'", f[0], ext, f[2]);
    /* Backlinks are the inverse of references. */
    for (size_t i = 0; i < e->refs.n; i++) {
        kb_entry *t = NULL;
        ck_assert_int_eq(kb_entry_get(k, e->refs.items[i], &t, NULL), KB_OK);
        int found = 0;
        for (size_t j = 0; j < t->backlinks.n; j++) {
            found |= strcmp(t->backlinks.items[j], e->id) == 0;
        }
        ck_assert_msg(found, "%s is not a backlink of %s", e->id, t->id);
        kb_entry_free(t);
    }
    free(refs);
    free(ext);
    kb_entry_free(e);
}

START_TEST(references_match_the_guide)
{
    kb *k = compile_guide_alone();
    each_case("tests/cases/kb/refs.tsv", check_refs, k);
    kb_entry *e = NULL;
    ck_assert_int_eq(kb_entry_get(k, "m8", &e, NULL), KB_OK);
    ck_assert_str_eq(e->id, "M8");
    ck_assert_str_eq(e->prev_id, "M7");
    ck_assert_str_eq(e->next_id, "M9");
    /* References are links; external references are not; URLs are. */
    ck_assert_ptr_nonnull(strstr(e->html, "<a href=\"M2\">M2</a>"));
    ck_assert_ptr_null(strstr(e->html, "href=\"gotchas"));
    ck_assert_ptr_nonnull(
        strstr(e->html, "<a href=\"https://docs.pytorch.org/docs/stable/notes/cuda.html\">"));
    int has_ident = 0;
    for (size_t i = 0; i < e->idents.n; i++) {
        has_ident |= strcmp(e->idents.items[i], "expandable_segments:True") == 0;
    }
    ck_assert(has_ident);
    kb_entry_free(e);
    ck_assert_int_eq(kb_entry_get(k, "M1", &e, NULL), KB_OK);
    ck_assert_ptr_null(e->prev_id);
    ck_assert_ptr_nonnull(strstr(e->html, "<table>"));
    ck_assert_ptr_nonnull(strstr(e->html, "<th>Bytes/param</th>"));
    kb_entry_free(e);
    ck_assert_int_eq(kb_entry_get(k, "M21", &e, NULL), KB_ERR_NOT_FOUND);
    kb_close(k);
}
END_TEST

/* ---- Another family, warnings ---------------------------------------------------------- */

typedef struct warn_log {
    int count;
    int line;
    char msg[256];
} warn_log;

static void record_warning(void *ud, const char *file, int line, const char *message)
{
    warn_log *w = ud;
    (void)file;
    w->count++;
    w->line = line;
    snprintf(w->msg, sizeof w->msg, "%s", message);
}

static void check_family(char **f, size_t n, int lineno, void *ud)
{
    kb *k = ud;
    ck_assert_msg(n == 7, "family-u.expect:%d: 7 fields expected", lineno);
    kb_entry *e = NULL;
    ck_assert_int_eq(kb_entry_get(k, f[0], &e, NULL), KB_OK);
    ck_assert_str_eq(e->title, f[1]);
    ck_assert_str_eq(e->section, f[2]);
    char lines[32];
    snprintf(lines, sizeof lines, "%d-%d", e->line_start, e->line_end);
    ck_assert_str_eq(lines, f[3]);
    char *refs = joined(&e->refs, " "), *ext = joined(&e->ext_refs, " | "),
         *urls = joined(&e->urls, " ");
    ck_assert_msg(strcmp(refs, f[4]) == 0, "%s refs '%s' want '%s'", f[0], refs, f[4]);
    ck_assert_msg(strcmp(ext, f[5]) == 0, "%s ext '%s' want '%s'", f[0], ext, f[5]);
    ck_assert_msg(strcmp(urls, f[6]) == 0, "%s urls '%s' want '%s'", f[0], urls, f[6]);
    free(refs);
    free(ext);
    free(urls);
    kb_entry_free(e);
}

START_TEST(other_id_families_and_warnings)
{
    const char *path = "tests/cases/kb/family-u.md";
    const char *out = "build/test-family-u.sqlite";
    warn_log w = {0, 0, {0}};
    kb_diag d = {{0}, 0, {0}};
    ck_assert_int_eq(kb_compile(&path, 1, out, record_warning, &w, &d), KB_OK);
    ck_assert_int_eq(w.count, 1);
    ck_assert_int_eq(w.line, 9);
    ck_assert_ptr_nonnull(strstr(w.msg, "U9"));
    kb *k = NULL;
    ck_assert_int_eq(kb_open_file(out, &k, &d), KB_OK);
    each_case("tests/cases/kb/family-u.expect", check_family, k);
    kb_close(k);
    remove(out);
}
END_TEST

START_TEST(compiler_errors_name_file_and_line)
{
    DIR *dir = opendir("tests/cases/kb/errors");
    ck_assert_ptr_nonnull(dir);
    struct dirent *de;
    int cases = 0;
    while ((de = readdir(dir))) {
        size_t l = strlen(de->d_name);
        if (l < 4 || strcmp(de->d_name + l - 3, ".md") != 0) {
            continue;
        }
        char *md = xasprintf("tests/cases/kb/errors/%s", de->d_name);
        char *ex = xasprintf("tests/cases/kb/errors/%.*s.expect", (int)(l - 3), de->d_name);
        char *expect = read_all(ex, NULL);
        char *fields[2];
        char *nl = strchr(expect, '\n');
        if (nl) {
            *nl = '\0';
        }
        ck_assert_int_eq(split_tabs(expect, fields, 2), 2);
        kb_diag d = {{0}, 0, {0}};
        const char *paths[] = {md};
        kb_status st = kb_compile(paths, 1, "build/test-error.sqlite", NULL, NULL, &d);
        ck_assert_msg(st == KB_ERR_INPUT, "%s: status %d", md, st);
        ck_assert_msg(d.line == atoi(fields[0]), "%s: line %d, want %s (%s)", md, d.line, fields[0],
                      d.message);
        ck_assert_msg(strstr(d.message, fields[1]) != NULL, "%s: message '%s' lacks '%s'", md,
                      d.message, fields[1]);
        ck_assert_str_eq(d.file, md);
        free(md);
        free(ex);
        free(expect);
        cases++;
    }
    closedir(dir);
    ck_assert_int_ge(cases, 8);
    /* A missing file is an I/O error naming it. */
    const char *missing[] = {"tests/cases/kb/no-such-file.md"};
    kb_diag d = {{0}, 0, {0}};
    ck_assert_int_eq(kb_compile(missing, 1, "build/x.sqlite", NULL, NULL, &d), KB_ERR_IO);
    ck_assert_str_eq(d.file, missing[0]);
    /* A file that is not a KB is refused with a message. */
    kb *k = NULL;
    ck_assert_int_eq(kb_open_file(GUIDE, &k, &d), KB_ERR_DB);
    ck_assert_ptr_null(k);
}
END_TEST

/* More entries than a KB holds (their rowids would meet the source-line rows): a clear error,
 * no image. */
START_TEST(too_many_entries_is_an_error)
{
    buf md = BUF_INIT;
    buf_puts(&md, "# T\n\n");
    for (int i = 0; i <= KB_MAX_ENTRIES; i++) {
        buf_printf(&md, "### X%d — t\n\nx\n\n", i + 1);
    }
    const char *names[] = {"x.md"};
    const char *texts[] = {md.data};
    size_t lens[] = {md.len};
    unsigned char *img = NULL;
    size_t len = 0;
    kb_diag d = {{0}, 0, {0}};
    ck_assert_int_eq(kb_compile_buffers(names, texts, lens, 1, &img, &len, NULL, NULL, &d),
                     KB_ERR_INPUT);
    ck_assert_ptr_null(img);
    ck_assert_msg(strstr(d.message, "at most 100000") != NULL, "message: %s", d.message);
    buf_free(&md);
}
END_TEST

/* The guide's image with meta "briefs" changed by sql (run on a copy of the image). */
static kb *guide_with_meta_changed(const char *sql)
{
    const char *names[5] = {GUIDE, GOTCHAS, GPU0, SYNONYMS, LINKS};
    char *texts[5];
    size_t lens[5];
    for (int i = 0; i < 5; i++) {
        texts[i] = read_all(names[i], &lens[i]);
    }
    unsigned char *img = NULL;
    size_t img_len = 0;
    kb_diag d = {{0}, 0, {0}};
    ck_assert_int_eq(kb_compile_buffers(names, (const char *const *)texts, lens, 5, &img, &img_len,
                                        NULL, NULL, &d),
                     KB_OK);
    for (int i = 0; i < 5; i++) {
        free(texts[i]);
    }
    sqlite3 *db = NULL;
    ck_assert_int_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
    unsigned char *copy = sqlite3_malloc64(img_len);
    memcpy(copy, img, img_len);
    ck_assert_int_eq(
        sqlite3_deserialize(db, "main", copy, (sqlite3_int64)img_len, (sqlite3_int64)img_len,
                            SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_RESIZEABLE),
        SQLITE_OK);
    ck_assert_msg(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK, "%s: %s", sql,
                  sqlite3_errmsg(db));
    ck_assert_int_eq(sqlite3_changes(db), 1);
    sqlite3_int64 out_len = 0;
    unsigned char *out = sqlite3_serialize(db, "main", &out_len, 0);
    ck_assert_ptr_nonnull(out);
    kb *k = NULL;
    ck_assert_int_eq(kb_open_image(out, (size_t)out_len, &k, &d), KB_OK);
    sqlite3_free(out);
    sqlite3_close(db);
    free(img);
    return k;
}

/* Hits as "id|title|section" lines, each followed by its matching source lines. */
static char *hits_text(kb *k, const char *query)
{
    kb_results *r = NULL;
    kb_search_opts o = {0};
    kb_diag d = {{0}, 0, {0}};
    ck_assert_int_eq(kb_search(k, query, &o, &r, &d), KB_OK);
    buf b = BUF_INIT;
    for (size_t i = 0; i < r->n; i++) {
        buf_printf(&b, "%s|%s|%s\n", r->hits[i].id, r->hits[i].title, r->hits[i].section);
        for (size_t l = 0; l < r->hits[i].n_lines; l++) {
            buf_printf(&b, "  %d: %s\n", r->hits[i].lines[l].lineno, r->hits[i].lines[l].text);
        }
    }
    kb_results_free(r);
    return buf_detach(&b);
}

/* A search reads every entry's ID, title, section and first line row from meta "briefs", and
 * the vocabulary from meta "vocab"; without them, or with briefs that do not hold every entry
 * in order, it reads the entries table, each line row's entry column and aux.words, with the
 * same hits, lines and corrections. */
START_TEST(meta_shortcuts_or_the_tables)
{
    static const char *const changes[] = {
        "DELETE FROM meta WHERE key = 'briefs'",
        "UPDATE meta SET value = substr(value, 1, 200) WHERE key = 'briefs'",
        "UPDATE meta SET value = replace(value, char(31), ' ') WHERE key = 'briefs'",
        "UPDATE meta SET value = value || 'X' || char(31) || 'x' || char(31) || 'x' || char(31) ||"
        " '99999999' || char(30) WHERE key = 'briefs'",
        /* the first entry's first line after the second's: not in order */
        "UPDATE meta SET value = replace(value, char(31) || '1048576' || char(30),"
        " char(31) || '99999999' || char(30)) WHERE key = 'briefs'",
        /* no vocabulary in meta: corrections and prefix checks read aux.words */
        "DELETE FROM meta WHERE key = 'vocab'",
        /* the fallback image not at rowid 1: found by a query instead */
        "UPDATE aux_image SET rowid = 7",
    };
    static const char *const queries[] = {"expandable",
                                          "memory grows every step",
                                          "zero3",
                                          "fragmantation",
                                          "expandab",
                                          "nvidia-smi shows free memory but oom",
                                          "gradeint checkpointing",
                                          "pandable"};
    kb *k = compile_guide();
    for (size_t c = 0; c < sizeof changes / sizeof changes[0]; c++) {
        kb *other = guide_with_meta_changed(changes[c]);
        for (size_t q = 0; q < sizeof queries / sizeof queries[0]; q++) {
            char *want = hits_text(k, queries[q]);
            char *got = hits_text(other, queries[q]);
            ck_assert_msg(*want && strcmp(want, got) == 0, "%s, search %s:\n%s\nwant:\n%s",
                          changes[c], queries[q], got, want);
            free(want);
            free(got);
        }
        kb_close(other);
    }
    kb_close(k);
}
END_TEST

START_TEST(raw_html_never_passes)
{
    const char *md = "# T\n\n### X1 — Title\n\nText <script>alert(1)</script> and\n\n"
                     "<div onclick=\"x()\">block</div>\n\n[l](javascript:alert(1))\n";
    const char *names[] = {"x.md"};
    const char *texts[] = {md};
    size_t lens[] = {strlen(md)};
    unsigned char *img = NULL;
    size_t len = 0;
    ck_assert_int_eq(kb_compile_buffers(names, texts, lens, 1, &img, &len, NULL, NULL, NULL),
                     KB_OK);
    kb *k = NULL;
    ck_assert_int_eq(kb_open_image(img, len, &k, NULL), KB_OK);
    kb_entry *e = NULL;
    ck_assert_int_eq(kb_entry_get(k, "X1", &e, NULL), KB_OK);
    ck_assert_ptr_null(strstr(e->html, "<script"));
    ck_assert_ptr_null(strstr(e->html, "<div"));
    ck_assert_ptr_null(strstr(e->html, "javascript:"));
    kb_entry_free(e);
    kb_close(k);
    free(img);
}
END_TEST

/* The KB the build embeds: every document in kb/, in the Makefile's order. */
static kb *compile_shipped(void)
{
    return compile_guide();
}

/* The second document resolves the first one's pointers into it: M3 -> U9, U10, U11 become
 * references; IDs of the outside document that are not compiled in stay external. */
START_TEST(second_document_resolves_pointers)
{
    kb *k = compile_shipped();
    kb_entry *e = NULL;
    ck_assert_int_eq(kb_entry_get(k, "M3", &e, NULL), KB_OK);
    ck_assert_uint_eq(e->refs.n, 3);
    ck_assert_str_eq(e->refs.items[0], "U9");
    ck_assert_str_eq(e->refs.items[2], "U11");
    ck_assert_uint_eq(e->ext_refs.n, 0);
    kb_entry_free(e);
    ck_assert_int_eq(kb_entry_get(k, "U41", &e, NULL), KB_OK);
    ck_assert_uint_eq(e->ext_refs.n, 3);
    ck_assert_str_eq(e->ext_refs.items[0], "gotchas_universal.md U21");
    ck_assert_str_eq(e->doc, "gotchas-memory.md");
    kb_entry_free(e);
    ck_assert_int_eq(kb_entry_get(k, "U10", &e, NULL), KB_OK);
    ck_assert_uint_eq(e->backlinks.n, 3); /* M3, M8 and G1 (kb/gpu0-memory.md) */
    kb_entry_free(e);
    kb_close(k);
}
END_TEST

START_TEST(embedded_kb_is_the_shipped_guide)
{
    kb *a = embedded(), *b = compile_shipped();
    ck_assert_str_eq(kb_fingerprint(a), kb_fingerprint(b));
    ck_assert_int_eq(strlen(kb_fingerprint(a)), 16);
    kb_close(a);
    kb_close(b);
}
END_TEST

/* ---- Search ---------------------------------------------------------------------------- */

static void check_rank(char **f, size_t n, int lineno, void *ud)
{
    kb *k = ud;
    ck_assert_msg(n == 3, "ranking.tsv:%d: 3 fields expected", lineno);
    kb_results *r = NULL;
    kb_diag d = {{0}, 0, {0}};
    ck_assert_msg(kb_search(k, f[0], NULL, &r, &d) == KB_OK, "'%s': %s", f[0], d.message);
    size_t top = (size_t)atoi(f[2]);
    int ok = 0;
    buf got = BUF_INIT;
    for (size_t i = 0; i < r->n && i < 5; i++) {
        buf_printf(&got, "%s ", r->hits[i].id);
    }
    char *want = xstrdup(f[1]);
    char *save = NULL;
    for (char *id = strtok_r(want, " ", &save); id; id = strtok_r(NULL, " ", &save)) {
        for (size_t i = 0; i < r->n && i < top; i++) {
            ok |= strcmp(r->hits[i].id, id) == 0;
        }
    }
    ck_assert_msg(ok, "ranking.tsv:%d: '%s' gave [%s], want one of {%s} in the first %zu", lineno,
                  f[0], got.data ? got.data : "", f[1], top);
    free(want);
    buf_free(&got);
    kb_results_free(r);
}

START_TEST(ranking_puts_the_right_entry_first)
{
    kb *k = embedded();
    each_case("tests/cases/search/ranking.tsv", check_rank, k);
    kb_close(k);
}
END_TEST

static void check_correction(char **f, size_t n, int lineno, void *ud)
{
    kb *k = ud;
    ck_assert_msg(n == 3, "corrections.tsv:%d: 3 fields expected", lineno);
    kb_results *r = NULL;
    ck_assert_int_eq(kb_search(k, f[0], NULL, &r, NULL), KB_OK);
    const char *as = r->corrected ? r->corrected : "-";
    ck_assert_msg(strcmp(as, f[1]) == 0, "corrections.tsv:%d: '%s' searched as '%s', want '%s'",
                  lineno, f[0], as, f[1]);
    ck_assert_msg(r->n > 0 && strcmp(r->hits[0].id, f[2]) == 0,
                  "corrections.tsv:%d: '%s' gave %s first, want %s", lineno, f[0],
                  r->n ? r->hits[0].id : "nothing", f[2]);
    if (r->corrected) {
        ck_assert_str_eq(r->typed, f[0]);
        char *note = kb_results_note(r);
        char *want = xasprintf("showing results for %s; search instead for %s", f[1], f[0]);
        ck_assert_msg(note && strstr(note, want), "corrections.tsv:%d: note '%s'", lineno,
                      note ? note : "(none)");
        free(want);
        free(note);
    }
    kb_results_free(r);
}

START_TEST(misspelt_words_are_corrected)
{
    kb *k = embedded();
    each_case("tests/cases/search/corrections.tsv", check_correction, k);
    kb_close(k);
}
END_TEST

/* Each synonym row names the ranking case that needed it: the case is in ranking.tsv and fails
 * when the guide is compiled without that row. A row no case needs any more is dead weight. */
static void check_row_needed(char **f, size_t n, int lineno, void *ud)
{
    const char *table = ud;
    ck_assert_msg(n == 3, "synonyms.tsv:%d: 3 fields expected", lineno);
    /* The table without this row. */
    char *row = xasprintf("%s\t%s\t%s\n", f[0], f[1], f[2]);
    const char *at = strstr(table, row);
    ck_assert_msg(at != NULL, "synonyms.tsv:%d: row not found", lineno);
    char *without = xasprintf("%.*s%s", (int)(at - table), table, at + strlen(row));
    char *ranking = read_all("tests/cases/search/ranking.tsv", NULL);
    char *key = xasprintf("\n%s\t", f[2]);
    const char *c = strstr(ranking, key);
    ck_assert_msg(c != NULL, "synonyms.tsv:%d: its case '%s' is not in ranking.tsv", lineno, f[2]);
    char *line = xstrndup(c + 1, strcspn(c + 1, "\n"));
    char *cf[3];
    ck_assert_int_eq(split_tabs(line, cf, 3), 3);
    kb *k = compile_with(without);
    kb_results *r = NULL;
    ck_assert_int_eq(kb_search(k, cf[0], NULL, &r, NULL), KB_OK);
    int ok = 0;
    char *want = xstrdup(cf[1]);
    char *save = NULL;
    for (char *id = strtok_r(want, " ", &save); id; id = strtok_r(NULL, " ", &save)) {
        for (size_t i = 0; i < r->n && i < (size_t)atoi(cf[2]); i++) {
            ok |= strcmp(r->hits[i].id, id) == 0;
        }
    }
    ck_assert_msg(!ok, "synonyms.tsv:%d: '%s' passes without the row: drop it", lineno, cf[0]);
    kb_results_free(r);
    kb_close(k);
    free(want);
    free(line);
    free(key);
    free(ranking);
    free(without);
    free(row);
}

START_TEST(every_synonym_row_is_needed)
{
    char *table = read_all(SYNONYMS, NULL);
    each_case(SYNONYMS, check_row_needed, table);
    /* A malformed row is an input error naming the file and line. */
    const char *names[] = {GUIDE, "bad.tsv"};
    char *guide = read_all(GUIDE, NULL);
    const char *bad = "# comment\nfoo\tbar | baz\tthe case\nonly two\tfields\n";
    const char *texts[] = {guide, bad};
    size_t lens[] = {strlen(guide), strlen(bad)};
    unsigned char *img = NULL;
    size_t len = 0;
    kb_diag d = {{0}, 0, {0}};
    ck_assert_int_eq(kb_compile_buffers(names, texts, lens, 2, &img, &len, NULL, NULL, &d),
                     KB_ERR_INPUT);
    ck_assert_str_eq(d.file, "bad.tsv");
    ck_assert_int_eq(d.line, 3);
    ck_assert_ptr_nonnull(strstr(d.message, "three tab-separated fields"));
    const char *empty_alt = "foo\tbar |  | baz\tcase\n";
    texts[1] = empty_alt;
    lens[1] = strlen(empty_alt);
    ck_assert_int_eq(kb_compile_buffers(names, texts, lens, 2, &img, &len, NULL, NULL, &d),
                     KB_ERR_INPUT);
    ck_assert_int_eq(d.line, 1);
    free(guide);
    free(table);
}
END_TEST

/* Symptom, root cause and fix are read apart from the body. */
START_TEST(symptom_cause_and_fix_are_fields)
{
    char *sym = NULL, *cause = NULL, *fix = NULL;
    kb_entry_fields("Intro line.\n\n**Symptom**: it *hurts*.\n\n"
                    "**Root cause — two**:\n- one\n\n**Fix**: `stop()`.\nmore fix\n",
                    &sym, &cause, &fix);
    ck_assert_ptr_nonnull(strstr(sym, "it hurts"));
    ck_assert_ptr_null(strstr(sym, "Intro"));
    ck_assert_ptr_null(strstr(sym, "one"));
    ck_assert_ptr_nonnull(strstr(cause, "one"));
    ck_assert_ptr_nonnull(strstr(fix, "stop()"));
    ck_assert_ptr_nonnull(strstr(fix, "more fix"));
    free(sym);
    free(cause);
    free(fix);
    kb_entry_fields("No labels here.\n", &sym, &cause, &fix);
    ck_assert_str_eq(sym, "");
    ck_assert_str_eq(fix, "");
    free(sym);
    free(cause);
    free(fix);
}
END_TEST

/* Collapses whitespace runs to one space, drops marks and ellipses. */
static char *flat(const char *s)
{
    buf b = BUF_INIT;
    for (; *s; s++) {
        if (*s == KB_MARK_OPEN[0] || *s == KB_MARK_CLOSE[0]) {
            continue;
        }
        if (strncmp(s, "…", strlen("…")) == 0) {
            s += strlen("…") - 1;
            continue;
        }
        int sp = *s == ' ' || *s == '\n' || *s == '\t';
        if (sp && (!b.len || b.data[b.len - 1] == ' ')) {
            continue;
        }
        buf_putc(&b, sp ? ' ' : *s);
    }
    while (b.len && b.data[b.len - 1] == ' ') {
        b.data[--b.len] = '\0';
    }
    return b.data ? buf_detach(&b) : xstrdup("");
}

static int word_byte(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (unsigned char)c >= 0x80;
}

/* Snippets of every stage are whole words of the entry: never "…ominate" or "linearl…". The
 * partial stages once cut trigram snippets mid-word. The any-word stage shows the best five
 * and counts the rest. */
START_TEST(snippets_cut_at_word_boundaries)
{
    kb *k = embedded();
    static const char *const queries[] = {"memory grows every step",
                                          "andable",
                                          "expandab",
                                          "dominate superlinear zzz",
                                          "fragmentation zzyzx",
                                          "checkpointing",
                                          "inference works but training oom"};
    for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++) {
        kb_results *r = NULL;
        ck_assert_int_eq(kb_search(k, queries[i], NULL, &r, NULL), KB_OK);
        for (size_t j = 0; j < r->n; j++) {
            kb_entry *e = NULL;
            ck_assert_int_eq(kb_entry_get(k, r->hits[j].id, &e, NULL), KB_OK);
            char *text = flat(e->text);
            char *snip = flat(r->hits[j].snippet);
            const char *at = strstr(text, snip);
            ck_assert_msg(at != NULL, "'%s' %s: snippet '%s' is not the entry's text", queries[i],
                          r->hits[j].id, snip);
            size_t n = strlen(snip);
            ck_assert_msg(at == text || !word_byte(at[-1]) || !word_byte(snip[0]),
                          "'%s' %s: snippet starts mid-word: '%s'", queries[i], r->hits[j].id,
                          snip);
            ck_assert_msg(!word_byte(at[n]) || !word_byte(snip[n - 1]),
                          "'%s' %s: snippet ends mid-word: '%s'", queries[i], r->hits[j].id, snip);
            free(text);
            free(snip);
            kb_entry_free(e);
        }
        kb_results_free(r);
    }
    kb_results *r = NULL;
    ck_assert_int_eq(kb_search(k, "memory grows every step zzz", NULL, &r, NULL), KB_OK);
    ck_assert_int_eq(r->fallback, KB_MATCH_ANY);
    ck_assert_int_eq(r->n, KB_ANY_DEFAULT_LIMIT);
    ck_assert_int_gt(r->total, r->n);
    char *note = kb_results_note(r);
    char *want = xasprintf("(%zu more)", r->total - r->n);
    ck_assert_ptr_nonnull(strstr(note, want));
    free(want);
    free(note);
    kb_results_free(r);
    kb_search_opts lim = {8, 0, 0, 0, 0};
    ck_assert_int_eq(kb_search(k, "memory grows every step zzz", &lim, &r, NULL), KB_OK);
    ck_assert_int_eq(r->n, 8);
    kb_results_free(r);
    kb_close(k);
}
END_TEST

static void check_nasty(char **f, size_t n, int lineno, void *ud)
{
    kb *k = ud;
    (void)n;
    kb_results *r = NULL;
    kb_diag d = {{0}, 0, {0}};
    kb_search_opts o = {0, 0, 1, 0, 0};
    kb_status st = kb_search(k, f[0], &o, &r, &d);
    ck_assert_msg(st == KB_OK, "nasty.txt:%d: '%s' failed: %s", lineno, f[0], d.message);
    kb_results_free(r);
}

START_TEST(nasty_input_is_plain_text)
{
    kb *k = embedded();
    each_case("tests/cases/search/nasty.txt", check_nasty, k);
    kb_results *r = NULL;
    kb_diag d = {{0}, 0, {0}};
    ck_assert_int_eq(kb_search(k, "", NULL, &r, &d), KB_ERR_INPUT);
    ck_assert_int_eq(kb_search(k, "  \t ", NULL, &r, &d), KB_ERR_INPUT);
    ck_assert_ptr_nonnull(strstr(d.message, "empty"));
    char big[2048];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    ck_assert_int_eq(kb_search(k, big, NULL, &r, &d), KB_ERR_INPUT);
    ck_assert_ptr_nonnull(strstr(d.message, "too long"));
    ck_assert_int_eq(kb_search(k, "bad \xff utf8", NULL, &r, &d), KB_ERR_INPUT);
    /* The raw syntax reaches FTS5, and its errors are input errors with the message. */
    kb_search_opts raw = {0, 1, 0, 0, 0};
    ck_assert_int_eq(kb_search(k, "multi-agent", &raw, &r, &d), KB_ERR_INPUT);
    ck_assert_ptr_nonnull(strstr(d.message, "invalid FTS5 query"));
    ck_assert_int_eq(kb_search(k, "checkpointing NOT ddp", &raw, &r, &d), KB_OK);
    ck_assert_int_ge(r->n, 1);
    for (size_t i = 0; i < r->n; i++) {
        ck_assert_str_ne(r->hits[i].id, "M7");
    }
    kb_results_free(r);
    ck_assert_int_eq(kb_search(k, "title : snapshot", &raw, &r, &d), KB_OK);
    ck_assert_int_eq(r->n, 1);
    ck_assert_str_eq(r->hits[0].id, "M19");
    kb_results_free(r);
    kb_close(k);
}
END_TEST

START_TEST(phrases_prefixes_and_fallbacks)
{
    kb *k = embedded();
    kb_results *r = NULL;
    kb_search_opts o = {0, 0, 1, 0, 0};
    /* A phrase is a phrase: these words apart do not make it. */
    ck_assert_int_eq(kb_search(k, "\"backward first\"", &o, &r, NULL), KB_OK);
    ck_assert_int_eq(r->fallback, KB_MATCH_NONE);
    kb_results_free(r);
    ck_assert_int_eq(kb_search(k, "expan*", &o, &r, NULL), KB_OK);
    ck_assert_int_eq(r->fallback, KB_MATCH_ALL);
    ck_assert_str_eq(r->hits[0].id, "M8");
    kb_results_free(r);
    ck_assert_int_eq(kb_search(k, "expandab", &o, &r, NULL), KB_OK);
    ck_assert_int_eq(r->fallback, KB_MATCH_PREFIX);
    ck_assert_str_eq(r->hits[0].id, "M8");
    kb_results_free(r);
    ck_assert_int_eq(kb_search(k, "fragmentation zzyzx", &o, &r, NULL), KB_OK);
    ck_assert_int_eq(r->fallback, KB_MATCH_ANY);
    ck_assert_int_ge(r->n, 2);
    kb_results_free(r);
    ck_assert_int_eq(kb_search(k, "andable", &o, &r, NULL), KB_OK);
    ck_assert_int_eq(r->fallback, KB_MATCH_SUBSTRING);
    ck_assert_int_ge(r->n, 1);
    ck_assert_ptr_nonnull(strstr(r->hits[0].lines[0].text, KB_MARK_OPEN "andable" KB_MARK_CLOSE));
    kb_results_free(r);
    /* A word found nowhere with one clear correction is searched corrected, and said so. */
    ck_assert_int_eq(kb_search(k, "expandabel", &o, &r, NULL), KB_OK);
    ck_assert_int_eq(r->fallback, KB_MATCH_ALL);
    ck_assert_str_eq(r->hits[0].id, "M8");
    ck_assert_str_eq(r->corrected, "expandable");
    ck_assert_str_eq(r->typed, "expandabel");
    kb_results_free(r);
    /* Unless told not to: then nothing, and a suggestion. */
    kb_search_opts exact = {0, 0, 1, 0, 1};
    ck_assert_int_eq(kb_search(k, "expandabel", &exact, &r, NULL), KB_OK);
    ck_assert_int_eq(r->fallback, KB_MATCH_NONE);
    ck_assert_int_eq(r->n, 0);
    ck_assert_ptr_null(r->corrected);
    ck_assert_ptr_nonnull(r->suggestion);
    ck_assert_str_eq(r->suggestion, "expandable");
    kb_results_free(r);
    ck_assert_int_eq(kb_search(k, " m17 ", &o, &r, NULL), KB_OK);
    ck_assert_int_eq(r->fallback, KB_MATCH_ID);
    ck_assert_int_eq(r->n, 1);
    ck_assert_int_eq(r->hits[0].lines[0].lineno, 259);
    kb_results_free(r);
    /* Lines carry marks around the matched words, stemmed. */
    ck_assert_int_eq(kb_search(k, "fragmenting", &o, &r, NULL), KB_OK);
    ck_assert_ptr_nonnull(strstr(r->hits[0].snippet, KB_MARK_OPEN));
    int marked = 0;
    for (size_t i = 0; i < r->hits[0].n_lines; i++) {
        marked |=
            strstr(r->hits[0].lines[i].text, KB_MARK_OPEN "fragmentation" KB_MARK_CLOSE) != NULL;
    }
    ck_assert(marked);
    kb_results_free(r);
    /* --limit */
    kb_search_opts lim = {2, 0, 0, 0, 0};
    ck_assert_int_eq(kb_search(k, "oom", &lim, &r, NULL), KB_OK);
    ck_assert_int_eq(r->n, 2);
    ck_assert(r->hits[0].score >= r->hits[1].score);
    kb_results_free(r);
    kb_close(k);
}
END_TEST

/* 100,000 nested quotes or list items (which overflowed the stack, and would have copied a
 * margin per level) render with 16 levels of margin and the text. */
START_TEST(deep_nesting_is_bounded)
{
    static const char *const opens[] = {"> ", "- ", "> - "};
    static const char *const margins[] = {"│ ", "  ", "│   "};
    for (size_t k = 0; k < 3; k++) {
        buf md = BUF_INIT;
        for (int i = 0; i < 100000; i++) {
            buf_puts(&md, opens[k]);
        }
        buf_puts(&md, "deepest\n");
        char *text = kb_render_text(md.data, 0, 80);
        /* The text's line: the margin of 16 levels (with the bullets), then the text. */
        const char *line = strstr(text, "deepest");
        ck_assert_ptr_nonnull(line);
        const char *start = line;
        while (start > text && start[-1] != '\n') {
            start--;
        }
        ck_assert_int_lt(line - start, 16 * 8);
        ck_assert_int_ge(line - start, 16 * (int)strlen(margins[k]) / (k == 0 ? 1 : 2));
        ck_assert_ptr_null(strstr(line + 1, "deepest"));
        free(text);
        buf_free(&md);
    }
}
END_TEST

Suite *suite_kb(void);
Suite *suite_kb(void)
{
    Suite *s = suite_create("kb");
    TCase *tc = tcase_create("compile");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, entries_match_the_guide);
    tcase_add_test(tc, references_match_the_guide);
    tcase_add_test(tc, other_id_families_and_warnings);
    tcase_add_test(tc, compiler_errors_name_file_and_line);
    tcase_add_test(tc, raw_html_never_passes);
    tcase_add_test(tc, too_many_entries_is_an_error);
    tcase_add_test(tc, meta_shortcuts_or_the_tables);
    tcase_add_test(tc, embedded_kb_is_the_shipped_guide);
    tcase_add_test(tc, second_document_resolves_pointers);
    suite_add_tcase(s, tc);
    TCase *ts = tcase_create("search");
    tcase_set_timeout(ts, 30);
    tcase_add_test(ts, ranking_puts_the_right_entry_first);
    tcase_add_test(ts, nasty_input_is_plain_text);
    tcase_add_test(ts, phrases_prefixes_and_fallbacks);
    tcase_add_test(ts, misspelt_words_are_corrected);
    tcase_add_test(ts, every_synonym_row_is_needed);
    tcase_add_test(ts, symptom_cause_and_fix_are_fields);
    tcase_add_test(ts, snippets_cut_at_word_boundaries);
    tcase_add_test(tc, deep_nesting_is_bounded);
    suite_add_tcase(s, ts);
    return s;
}
