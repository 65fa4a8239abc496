/* The KB compiler's back half: kb_corpus -> one SQLite database image, and the public
 * kb_compile entry points that read files and write the image out.
 *
 * Tables: entries (one row per entry, rowid = KB order, with its identifiers, references,
 * external references and URLs as lists), docs, meta; FTS5 indexes: fts (title, idents, section,
 * the entry's symptom, root cause and fix, and the whole body; Porter-stemmed words) whose rows
 * from KB_LINE_ROWID on are each entry's source lines (line, entry, lineno: grep-style output
 * from the same index, which saves connecting a second FTS5 table per search). The tables only the
 * fallback stages read live in a second database, stored whole as the one row of aux_image and
 * attached as "aux" when a search first needs them (kb_attach_aux): an unstemmed twin fts_exact
 * (for prefixes), tri (trigrams, for substrings) and words (the unstemmed vocabulary, for prefix
 * checks and spelling corrections). SQLite parses a database's whole schema before its first
 * statement, so a search that a word answers parses 10 schema rows instead of 28: columns carry
 * no types or constraints the compiler already guarantees (parsing them cost every search), and
 * fts keeps no column sizes (nothing ranks it by bm25). The synonym and links tables travel as
 * two meta values, and so do every entry's ID, title, section and first line rowid ("briefs":
 * what a search shows, and whose a line row is, without a query on entries or reading the row)
 * and the vocabulary ("vocab", a copy of aux.words read for corrections and prefix checks
 * without attaching aux). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "kb/kb_int.h"

static const char *const schema =
    "PRAGMA page_size=4096;"
    "CREATE TABLE meta(key, value);"
    "CREATE TABLE docs(ord INTEGER PRIMARY KEY, name, title, intro_md, intro_html);"
    "CREATE TABLE entries(ord INTEGER PRIMARY KEY, id UNIQUE COLLATE NOCASE, title, title_md,"
    " section, doc, line_start, line_end, markdown, html, text, idents, refs, ext_refs, urls);"
    "CREATE VIRTUAL TABLE fts USING fts5(title, idents, section, symptom, cause, fix, body,"
    " line, entry UNINDEXED, lineno UNINDEXED, columnsize=0,"
    " tokenize='porter unicode61 remove_diacritics 2');"
    "CREATE TABLE aux_image(image BLOB NOT NULL);"
    /* The fallback stages' database. Every table costs start-up time (SQLite parses the whole
     * schema on first use), so there are no more of them than needed. */
    "ATTACH ':memory:' AS aux;"
    "PRAGMA aux.page_size=4096;"
    /* An unstemmed twin for prefix matching ("expandab*" cannot match the stem "expand").
     * Contentless: it only matches and ranks. */
    "CREATE VIRTUAL TABLE aux.fts_exact USING fts5(title, idents, section, symptom, cause, fix,"
    " body, content='', tokenize='unicode61 remove_diacritics 2');"
    "CREATE VIRTUAL TABLE aux.tri USING fts5(text, tokenize='trigram');"
    "CREATE TABLE aux.words(word TEXT PRIMARY KEY) WITHOUT ROWID;";

/* Every entry's ID, title, section and the fts rowid of its first source line, as one meta
 * value in ord order, which a search reads with the rest of meta instead of preparing a query
 * on entries (and which tells it whose a line row is without reading the row). NULL when a
 * field holds one of the separators (a search then reads entries). */
static char *briefs_text(const kb_corpus *c, const int *first_line)
{
    buf b = BUF_INIT;
    for (size_t i = 0; i < c->n_entries; i++) {
        const kb_src_entry *e = &c->entries[i];
        const char *f[3] = {e->id, e->title, e->section};
        for (int j = 0; j < 3; j++) {
            if (strchr(f[j], KB_LIST_SEP) || strchr(f[j], KB_RECORD_SEP)) {
                buf_free(&b);
                return NULL;
            }
            buf_puts(&b, f[j]);
            buf_putc(&b, KB_LIST_SEP);
        }
        buf_printf(&b, "%d%c", first_line[i], KB_RECORD_SEP);
    }
    return buf_detach(&b);
}

/* The unstemmed vocabulary (aux.words), sorted, one word per line: a meta value a search reads
 * only for a spelling correction or a prefix check, so that neither attaches the fallback
 * tables. */
static char *vocab_text(sqlite3 *db)
{
    buf b = BUF_INIT;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "SELECT word FROM aux.words ORDER BY word", -1, &st, NULL) ==
        SQLITE_OK) {
        while (sqlite3_step(st) == SQLITE_ROW) {
            buf_puts(&b, (const char *)sqlite3_column_text(st, 0));
            buf_putc(&b, '\n');
        }
    }
    sqlite3_finalize(st);
    return buf_detach(&b);
}

static kb_status db_fail(sqlite3 *db, kb_diag *diag, const char *what)
{
    kb_diag_set(diag, "", 0, "%s: %s", what, sqlite3_errmsg(db));
    return KB_ERR_DB;
}

static int exec_bind(sqlite3_stmt *st, const char *fmt, ...)
{
    /* fmt: one char per parameter: 'i' int, 't' text. */
    va_list ap;
    va_start(ap, fmt);
    for (int i = 0; fmt[i]; i++) {
        if (fmt[i] == 'i') {
            sqlite3_bind_int(st, i + 1, va_arg(ap, int));
        } else {
            sqlite3_bind_text(st, i + 1, va_arg(ap, const char *), -1, SQLITE_STATIC);
        }
    }
    va_end(ap);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static void add_words(sqlite3_stmt *st, const char *s)
{
    for (size_t i = 0; s[i];) {
        unsigned char c = (unsigned char)s[i];
        int w =
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
        if (!w) {
            i++;
            continue;
        }
        size_t j = i;
        char word[48];
        size_t n = 0;
        for (;;) {
            unsigned char d = (unsigned char)s[j];
            if (!((d >= 'a' && d <= 'z') || (d >= 'A' && d <= 'Z') || (d >= '0' && d <= '9') ||
                  d == '_')) {
                break;
            }
            if (n < sizeof word - 1) {
                word[n++] = (char)(d >= 'A' && d <= 'Z' ? d + 32 : d);
            }
            j++;
        }
        word[n] = '\0';
        if (j - i >= 3 && j - i < sizeof word) {
            sqlite3_bind_text(st, 1, word, -1, SQLITE_TRANSIENT);
            sqlite3_step(st);
            sqlite3_reset(st);
            /* And the parts of snake_case names: "expandable" from expandable_segments. */
            char *save = NULL;
            for (char *part = strchr(word, '_') ? strtok_r(word, "_", &save) : NULL; part;
                 part = strtok_r(NULL, "_", &save)) {
                if (strlen(part) >= 3) {
                    sqlite3_bind_text(st, 1, part, -1, SQLITE_TRANSIENT);
                    sqlite3_step(st);
                    sqlite3_reset(st);
                }
            }
        }
        i = j;
    }
}

static unsigned long long fnv1a(unsigned long long h, const char *s)
{
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h ^ 0xFF;
}

static char *joined(const kb_strlist *l, char sep)
{
    buf b = BUF_INIT;
    for (size_t i = 0; i < l->n; i++) {
        if (i) {
            buf_putc(&b, sep);
        }
        buf_puts(&b, l->items[i]);
    }
    return buf_detach(&b);
}

/* The synonym and links tables as two meta values ("a<TAB>b" lines), into the fingerprint
 * too. Meta rows are read while the format is checked: no table of their own to parse and
 * no statement to prepare when a KB opens. */
static kb_status store_tables(sqlite3 *db, sqlite3_stmt *meta, const kb_corpus *c,
                              unsigned long long *h, kb_diag *diag)
{
    buf syn = BUF_INIT;
    buf links = BUF_INIT;
    for (size_t i = 0; i < c->syn_words.n; i++) {
        buf_printf(&syn, "%s\t%s\n", c->syn_words.items[i], c->syn_also.items[i]);
    }
    for (size_t i = 0; i < c->link_names.n; i++) {
        buf_printf(&links, "%s\t%s\n", c->link_names.items[i], c->link_urls.items[i]);
    }
    *h = fnv1a(*h, syn.data ? syn.data : "");
    *h = fnv1a(*h, links.data ? links.data : "");
    kb_status st = KB_OK;
    if (exec_bind(meta, "tt", "synonyms", syn.data ? syn.data : "") != SQLITE_OK ||
        exec_bind(meta, "tt", "links", links.data ? links.data : "") != SQLITE_OK) {
        st = db_fail(db, diag, "cannot store synonyms and links");
    }
    buf_free(&syn);
    buf_free(&links);
    return st;
}

/* The attached aux database, serialized into main's aux_image. */
static kb_status store_aux(sqlite3 *db, kb_diag *diag)
{
    sqlite3_int64 size = 0;
    unsigned char *img = sqlite3_serialize(db, "aux", &size, 0);
    sqlite3_stmt *st = NULL;
    kb_status rc = KB_OK;
    if (!img) {
        return db_fail(db, diag, "cannot serialize the fallback tables");
    }
    if (sqlite3_prepare_v2(db, "INSERT INTO aux_image VALUES(?1)", -1, &st, NULL) != SQLITE_OK ||
        sqlite3_bind_blob64(st, 1, img, (sqlite3_uint64)size, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_DONE) {
        rc = db_fail(db, diag, "cannot store the fallback tables");
    }
    sqlite3_finalize(st);
    sqlite3_free(img);
    return rc;
}

kb_status kb_store_image(const kb_corpus *c, unsigned char **out, size_t *out_len, kb_diag *diag)
{
    sqlite3 *db = NULL;
    kb_status st = KB_ERR_DB;
    enum { S_DOC, S_ENTRY, S_FTS, S_LINE, S_TRI, S_WORD, S_META, N_STMT };
    static const char *const sql[N_STMT] = {
        "INSERT INTO docs VALUES(?,?,?,?,?)",
        "INSERT INTO entries VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        "INSERT INTO fts(rowid,title,idents,section,symptom,cause,fix,body)VALUES(?,?,?,?,?,?,?,?)",
        "INSERT INTO fts(rowid,line,entry,lineno) VALUES(?,?,?,?)",
        "INSERT INTO aux.tri(rowid,text) VALUES(?,?)",
        "INSERT OR IGNORE INTO aux.words VALUES(?)",
        "INSERT INTO meta VALUES(?,?)",
    };
    sqlite3_stmt *s[N_STMT] = {0};
    int *first_line = NULL; /* per entry: the rowid of its first source line */
    if (c->n_entries > KB_MAX_ENTRIES) {
        kb_diag_set(diag, "", 0, "%zu entries: a knowledge base holds at most %d", c->n_entries,
                    KB_MAX_ENTRIES);
        return KB_ERR_INPUT;
    }
    if (sqlite3_open(":memory:", &db) != SQLITE_OK) {
        st = db_fail(db, diag, "cannot create database");
        goto out;
    }
    char *err = NULL;
    if (sqlite3_exec(db, schema, NULL, NULL, &err) != SQLITE_OK ||
        sqlite3_exec(db, "BEGIN", NULL, NULL, &err) != SQLITE_OK) {
        kb_diag_set(diag, "", 0, "cannot create schema: %s", err ? err : "?");
        sqlite3_free(err);
        goto out;
    }
    for (int i = 0; i < N_STMT; i++) {
        if (sqlite3_prepare_v2(db, sql[i], -1, &s[i], NULL) != SQLITE_OK) {
            st = db_fail(db, diag, "cannot prepare");
            goto out;
        }
    }
    unsigned long long h = 14695981039346656037ULL;
    for (size_t d = 0; d < c->n_docs; d++) {
        const kb_src_doc *doc = &c->docs[d];
        h = fnv1a(h, doc->name);
        h = fnv1a(h, doc->title);
        h = fnv1a(h, doc->intro_md);
        if (exec_bind(s[S_DOC], "itttt", (int)d, doc->name, doc->title, doc->intro_md,
                      doc->intro_html) != SQLITE_OK) {
            st = db_fail(db, diag, "cannot store document");
            goto out;
        }
    }
    int line_rowid = KB_LINE_ROWID;
    first_line = xcalloc(c->n_entries ? c->n_entries : 1, sizeof *first_line);
    for (size_t i = 0; i < c->n_entries; i++) {
        const kb_src_entry *e = &c->entries[i];
        int ord = (int)i;
        first_line[i] = line_rowid;
        h = fnv1a(h, e->section);
        h = fnv1a(h, e->markdown);
        /* The entry's lists as KB_LIST_SEP-separated text: no table (and no schema rows to
         * parse at every start) for what only `show` reads. */
        char *lists[4] = {joined(&e->idents, KB_LIST_SEP), joined(&e->refs, KB_LIST_SEP),
                          joined(&e->ext_refs, KB_LIST_SEP), joined(&e->urls, KB_LIST_SEP)};
        int erc = exec_bind(s[S_ENTRY], "ittttiiittttttt", ord, e->id, e->title, e->title_md,
                            e->section, (int)e->doc, e->line_start, e->line_end, e->markdown,
                            e->html, e->text, lists[0], lists[1], lists[2], lists[3]);
        for (int l = 0; l < 4; l++) {
            free(lists[l]);
        }
        if (erc != SQLITE_OK) {
            st = db_fail(db, diag, "cannot store entry");
            goto out;
        }
        char *idents = joined(&e->idents, ' ');
        char *all = xasprintf("%s\n%s\n%s", e->title, idents, e->text);
        int rc = exec_bind(s[S_FTS], "ittttttt", ord, e->title, idents, e->section, e->symptom,
                           e->cause, e->fix, e->text);
        if (rc == SQLITE_OK) {
            rc = exec_bind(s[S_TRI], "it", ord, all);
        }
        add_words(s[S_WORD], all);
        free(idents);
        free(all);
        if (rc != SQLITE_OK) {
            st = db_fail(db, diag, "cannot index entry");
            goto out;
        }
        /* Every non-blank source line, for grep-style results. */
        const char *p = e->markdown;
        for (int ln = e->line_start; *p || ln == e->line_start; ln++) {
            const char *nl = strchr(p, '\n');
            size_t len = nl ? (size_t)(nl - p) : strlen(p);
            int blank_line = 1;
            for (size_t k = 0; k < len; k++) {
                if (p[k] != ' ' && p[k] != '\t' && p[k] != '\r') {
                    blank_line = 0;
                    break;
                }
            }
            if (!blank_line) {
                char *text = xstrndup(p, len);
                rc = exec_bind(s[S_LINE], "itii", line_rowid++, text, ord, ln);

                free(text);
                if (rc != SQLITE_OK) {
                    st = db_fail(db, diag, "cannot index lines");
                    goto out;
                }
            }
            if (!nl) {
                break;
            }
            p = nl + 1;
        }
    }
    if (store_tables(db, s[S_META], c, &h, diag) != KB_OK) {
        goto out;
    }
    char fp[17];
    snprintf(fp, sizeof fp, "%016llx", h);
    char n_entries[24];
    snprintf(n_entries, sizeof n_entries, "%zu", c->n_entries);
    /* The entry count and briefs too: a search needs them, and meta is read while the KB
     * opens. */
    char *vocab = vocab_text(db);
    int vrc = exec_bind(s[S_META], "tt", "vocab", vocab);
    free(vocab);
    if (vrc != SQLITE_OK) {
        st = db_fail(db, diag, "cannot store meta");
        goto out;
    }
    char *briefs = briefs_text(c, first_line);
    int brc = briefs ? exec_bind(s[S_META], "tt", "briefs", briefs) : SQLITE_OK;
    free(briefs);
    if (brc != SQLITE_OK || exec_bind(s[S_META], "tt", "format", KB_FORMAT) != SQLITE_OK ||
        exec_bind(s[S_META], "tt", "entries", n_entries) != SQLITE_OK ||
        exec_bind(s[S_META], "tt", "fingerprint", fp) != SQLITE_OK) {
        st = db_fail(db, diag, "cannot store meta");
        goto out;
    }
    for (int i = 0; i < N_STMT; i++) {
        sqlite3_finalize(s[i]);
        s[i] = NULL;
    }
    if (sqlite3_exec(db,
                     "COMMIT; INSERT INTO fts(fts) VALUES('optimize');"
                     "INSERT INTO aux.tri(tri) VALUES('optimize');"
                     /* The unstemmed twin indexes the same columns. */
                     "INSERT INTO aux.fts_exact(rowid,title,idents,section,symptom,cause,fix,"
                     "body) SELECT rowid,title,idents,section,symptom,cause,fix,body FROM fts"
                     " WHERE rowid < " KB_STR(KB_LINE_ROWID) ";"
                                                             "INSERT INTO aux.fts_exact(fts_exact) "
                                                             "VALUES('optimize'); VACUUM aux;",
                     NULL, NULL, &err) != SQLITE_OK) {
        kb_diag_set(diag, "", 0, "cannot finish database: %s", err ? err : "?");
        sqlite3_free(err);
        goto out;
    }
    if (store_aux(db, diag) != KB_OK) {
        goto out;
    }
    if (sqlite3_exec(db, "DETACH aux; VACUUM;", NULL, NULL, &err) != SQLITE_OK) {
        kb_diag_set(diag, "", 0, "cannot finish database: %s", err ? err : "?");
        sqlite3_free(err);
        goto out;
    }
    sqlite3_int64 size = 0;
    unsigned char *img = sqlite3_serialize(db, "main", &size, 0);
    if (!img) {
        st = db_fail(db, diag, "cannot serialize database");
        goto out;
    }
    *out = xmalloc((size_t)size);
    memcpy(*out, img, (size_t)size);
    *out_len = (size_t)size;
    sqlite3_free(img);
    st = KB_OK;
out:
    free(first_line);
    for (int i = 0; i < N_STMT; i++) {
        sqlite3_finalize(s[i]);
    }
    sqlite3_close(db);
    return st;
}

kb_status kb_compile_buffers(const char *const *names, const char *const *texts, const size_t *lens,
                             size_t n, unsigned char **out_image, size_t *out_len, kb_warn_fn warn,
                             void *warn_ud, kb_diag *diag)
{
    kb_corpus c;
    memset(&c, 0, sizeof c);
    kb_status st = KB_OK;
    if (n == 0) {
        kb_diag_set(diag, "", 0, "no markdown documents given");
        return KB_ERR_INPUT;
    }
    for (size_t i = 0; i < n && st == KB_OK; i++) {
        if (lens[i] > KB_MAX_DOC_BYTES) {
            kb_diag_set(diag, names[i], 0, "document is larger than %zu bytes", KB_MAX_DOC_BYTES);
            st = KB_ERR_INPUT;
            break;
        }
        size_t nl = strlen(names[i]);
        if (nl >= 9 && util_strcasecmp(names[i] + nl - 9, "links.tsv") == 0) {
            st = kb_links_add(&c, names[i], texts[i], lens[i], diag);
        } else if (nl > 4 && util_strcasecmp(names[i] + nl - 4, ".tsv") == 0) {
            st = kb_synonyms_add(&c, names[i], texts[i], lens[i], diag);
        } else {
            st = kb_corpus_add(&c, names[i], texts[i], lens[i], diag);
        }
    }
    if (st == KB_OK) {
        st = kb_corpus_finish(&c, warn, warn_ud, diag);
    }
    if (st == KB_OK) {
        st = kb_store_image(&c, out_image, out_len, diag);
    }
    kb_corpus_free(&c);
    return st;
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

kb_status kb_compile(const char *const *paths, size_t n_paths, const char *out_path,
                     kb_warn_fn warn, void *warn_ud, kb_diag *diag)
{
    char **texts = xcalloc(n_paths, sizeof *texts);
    size_t *lens = xcalloc(n_paths, sizeof *lens);
    const char **names = xcalloc(n_paths, sizeof *names);
    kb_status st = KB_OK;
    unsigned char *img = NULL;
    size_t img_len = 0;
    for (size_t i = 0; i < n_paths; i++) {
        names[i] = base_name(paths[i]);
        int err = util_read_file(paths[i], KB_MAX_DOC_BYTES, &texts[i], &lens[i]);
        if (err) {
            kb_diag_set(diag, paths[i], 0, "cannot read: %s",
                        err == EFBIG ? "file is larger than 16 MiB" : strerror(err));
            st = KB_ERR_IO;
            goto out;
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(names[i], names[j]) == 0) {
                kb_diag_set(diag, paths[i], 0, "two documents are named %s", names[i]);
                st = KB_ERR_INPUT;
                goto out;
            }
        }
    }
    /* Diagnostics name files as given on the command line. */
    st = kb_compile_buffers((const char *const *)paths, (const char *const *)texts, lens, n_paths,
                            &img, &img_len, warn, warn_ud, diag);
    if (st != KB_OK) {
        goto out;
    }
    char *tmp = xasprintf("%s.tmp", out_path);
    FILE *f = fopen(tmp, "wb");
    if (!f || fwrite(img, 1, img_len, f) != img_len || fclose(f) != 0) {
        kb_diag_set(diag, out_path, 0, "cannot write: %s", strerror(errno));
        if (f) {
            remove(tmp);
        }
        st = KB_ERR_IO;
    } else if (rename(tmp, out_path) != 0) {
        kb_diag_set(diag, out_path, 0, "cannot write: %s", strerror(errno));
        remove(tmp);
        st = KB_ERR_IO;
    }
    free(tmp);
out:
    for (size_t i = 0; i < n_paths; i++) {
        free(texts[i]);
    }
    free(texts);
    free(lens);
    free(names);
    free(img);
    return st;
}
