/* Search: user text -> quoted FTS5 expressions -> ranked hits with snippets and lines.
 *
 * User input never reaches FTS5 unquoted: each word becomes an FTS5 string ("c++" -> "c++"),
 * so punctuation and the keywords AND/OR/NOT/NEAR are text. "Phrases" and a trailing * keep
 * their meaning. If no entry has every word, the search falls back, in order, to prefixes,
 * any word, and substrings (trigrams), and says which; if nothing at all matches, it suggests
 * the closest indexed word.
 *
 * Ranking. bm25 barely separates rows in a small index (a term in over half the rows gets an
 * IDF near zero), so hits are ordered by, in turn: how many query words the entry has, each
 * weighted by its rarity (for the partial fallbacks); the share of the query's words its title
 * has (plus half a point when it contains the whole query as a phrase); bm25 with column
 * weights (title 10, identifiers 5, section 2, body 1); then KB order. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "kb/kb_int.h"

#define MAX_TERMS 32

typedef struct term {
    char *text;
    int phrase; /* typed in double quotes */
    int prefix; /* typed with a trailing * */
} term;

typedef struct query {
    term t[MAX_TERMS];
    size_t n;
    char *phrase_all; /* every typed word as one phrase, when the query had 2+ plain words */
} query;

typedef struct cand {
    int ord;
    double bm25;
    double matched; /* partial stages: the query words the entry has, each weighted by how
                     * rare it is in the KB (a word every entry has tells nothing) */
    int phrase;
    double cov;
    double score;
} cand;

const char *kb_fallback_name(kb_fallback f)
{
    static const char *const names[] = {"all", "id", "prefix", "any", "substring", "none"};
    return (unsigned)f < sizeof names / sizeof names[0] ? names[f] : "?";
}

int kb_is_stopword(const char *w, size_t n)
{
    static const char *const stop[] = {
        "a",    "an",   "and",   "are",   "as",    "at",    "be",    "by",    "can",  "do",
        "does", "for",  "from",  "how",   "i",     "if",    "in",    "is",    "it",   "its",
        "my",   "of",   "on",    "or",    "so",    "that",  "the",   "this",  "to",   "was",
        "what", "when", "where", "which", "while", "who",   "why",   "will",  "with", "you",
        "your", "me",   "get",   "got",   "am",    "there", "their", "about", "vs",   "versus"};
    for (size_t i = 0; i < sizeof stop / sizeof stop[0]; i++) {
        if (strlen(stop[i]) == n && strncmp(stop[i], w, n) == 0) {
            return 1;
        }
    }
    return 0;
}

static int is_token_byte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
}

static int has_token(const char *s)
{
    for (; *s; s++) {
        if (is_token_byte((unsigned char)*s)) {
            return 1;
        }
    }
    return 0;
}

static size_t token_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++) {
        n += is_token_byte((unsigned char)*s) ? 1 : 0;
    }
    return n;
}

/* Lowercase ASCII copy. */
static char *lower_dup(const char *s, size_t n)
{
    char *p = xstrndup(s, n);
    for (char *q = p; *q; q++) {
        if (*q >= 'A' && *q <= 'Z') {
            *q = (char)(*q + 32);
        }
    }
    return p;
}

static int term_is_stopword(const term *t)
{
    if (t->phrase || t->prefix) {
        return 0;
    }
    char *l = lower_dup(t->text, strlen(t->text));
    int s = kb_is_stopword(l, strlen(l));
    free(l);
    return s;
}

static void query_free(query *q)
{
    for (size_t i = 0; i < q->n; i++) {
        free(q->t[i].text);
    }
    free(q->phrase_all);
    q->n = 0;
}

static kb_status parse_query(const char *s, query *q, kb_diag *diag)
{
    memset(q, 0, sizeof *q);
    term all[MAX_TERMS];
    size_t n = 0;
    const char *p = s;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') {
            p++;
        }
        if (!*p) {
            break;
        }
        term t = {NULL, 0, 0};
        if (*p == '"') {
            const char *e = strchr(p + 1, '"');
            size_t len = e ? (size_t)(e - p - 1) : strlen(p + 1);
            t.text = xstrndup(p + 1, len);
            t.phrase = 1;
            p = e ? e + 1 : p + 1 + len;
            if (*p == '*') {
                t.prefix = 1;
                while (*p == '*') {
                    p++;
                }
            }
        } else {
            const char *e = p;
            while (*e && *e != ' ' && *e != '\t' && *e != '\n' && *e != '\r') {
                e++;
            }
            size_t len = (size_t)(e - p);
            while (len > 1 && p[len - 1] == '*') {
                len--;
                t.prefix = 1;
            }
            t.text = xstrndup(p, len);
            p = e;
        }
        if (!has_token(t.text)) {
            free(t.text);
            continue;
        }
        if (n == MAX_TERMS) {
            free(t.text);
            for (size_t i = 0; i < n; i++) {
                free(all[i].text);
            }
            kb_diag_set(diag, "", 0, "too many words in the query (at most %d)", MAX_TERMS);
            return KB_ERR_INPUT;
        }
        all[n++] = t;
    }
    /* Drop stopwords unless nothing else is left ("how to fix fragmentation"). */
    size_t content = 0;
    for (size_t i = 0; i < n; i++) {
        content += !term_is_stopword(&all[i]);
    }
    int plain = 0;
    buf phrase = BUF_INIT;
    for (size_t i = 0; i < n; i++) {
        if (!all[i].phrase && !all[i].prefix) {
            plain++;
            if (phrase.len) {
                buf_putc(&phrase, ' ');
            }
            buf_puts(&phrase, all[i].text);
        }
        if (content > 0 && term_is_stopword(&all[i])) {
            free(all[i].text);
            continue;
        }
        q->t[q->n++] = all[i];
    }
    if (plain >= 2 && plain == (int)n) {
        q->phrase_all = buf_detach(&phrase);
    }
    buf_free(&phrase);
    return KB_OK;
}

/* Appends t as an FTS5 string, "" doubled inside, with * when prefix. */
static void fts_quote(buf *b, const char *text, int prefix)
{
    buf_putc(b, '"');
    for (const char *p = text; *p; p++) {
        if (*p == '"') {
            buf_putc(b, '"');
        }
        buf_putc(b, *p);
    }
    buf_putc(b, '"');
    if (prefix) {
        buf_putc(b, '*');
    }
}

static char *stage_expr(const query *q, kb_fallback stage)
{
    buf b = BUF_INIT;
    for (size_t i = 0; i < q->n; i++) {
        if (stage == KB_MATCH_SUBSTRING && strlen(q->t[i].text) < 3) {
            continue;
        }
        if (b.len) {
            buf_puts(&b, stage == KB_MATCH_ALL || stage == KB_MATCH_PREFIX ? " " : " OR ");
        }
        /* A prefix of one or two characters matches nearly everything: not a fallback. */
        int prefix = q->t[i].prefix || ((stage == KB_MATCH_PREFIX || stage == KB_MATCH_ANY) &&
                                        token_chars(q->t[i].text) >= 3);
        fts_quote(&b, q->t[i].text, stage == KB_MATCH_SUBSTRING ? 0 : prefix);
    }
    return buf_detach(&b);
}

/* Rowids matching expr in table; returns a bitmap over ords (caller frees) or NULL on error. */
static unsigned char *match_set(kb *k, const char *table, const char *expr, int n_entries)
{
    char *sql = xasprintf("SELECT rowid FROM %s WHERE %s MATCH ?1", table, table);
    sqlite3_stmt *st = NULL;
    unsigned char *set = NULL;
    if ((st = kb_stmt(k, sql)) != NULL) {
        sqlite3_bind_text(st, 1, expr, -1, SQLITE_STATIC);
        set = xcalloc((size_t)n_entries + 1, 1);
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            int ord = sqlite3_column_int(st, 0);
            if (ord >= 0 && ord < n_entries) {
                set[ord] = 1;
            }
        }
        if (rc != SQLITE_DONE) {
            free(set);
            set = NULL;
        }
    }
    free(sql);
    return set;
}

static int count_entries(kb *k)
{
    sqlite3_stmt *st = NULL;
    int n = 0;
    if (k->n_entries > 0) {
        return k->n_entries;
    }
    if ((st = kb_stmt(k, "SELECT count(*) FROM entries")) != NULL &&
        sqlite3_step(st) == SQLITE_ROW) {
        n = sqlite3_column_int(st, 0);
    }
    k->n_entries = n;
    return n;
}

/* Runs the stage's expression; fills *out with candidates. Returns KB_ERR_INPUT with the
 * SQLite message for a malformed (raw) expression. */
static kb_status run_stage(kb *k, const char *table, const char *expr, cand **out, size_t *n,
                           kb_diag *diag)
{
    char *sql =
        strcmp(table, "tri") != 0
            ? xasprintf("SELECT rowid, bm25(%s, 10.0, 5.0, 2.0, 1.0) FROM %s"
                        " WHERE %s MATCH ?1",
                        table, table, table)
            : xasprintf("SELECT rowid, bm25(%s) FROM %s WHERE %s MATCH ?1", table, table, table);
    sqlite3_stmt *st = NULL;
    *out = NULL;
    *n = 0;
    kb_status status = KB_OK;
    if ((st = kb_stmt(k, sql)) == NULL) {
        kb_diag_set(diag, "", 0, "search failed: %s", sqlite3_errmsg(k->db));
        free(sql);
        return KB_ERR_DB;
    }
    free(sql);
    sqlite3_bind_text(st, 1, expr, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        *out = xrealloc(*out, (*n + 1) * sizeof **out);
        cand *c = &(*out)[(*n)++];
        memset(c, 0, sizeof *c);
        c->ord = sqlite3_column_int(st, 0);
        c->bm25 = sqlite3_column_double(st, 1);
    }
    if (rc != SQLITE_DONE) {
        const char *msg = sqlite3_errmsg(k->db);
        if (strncmp(msg, "fts5: ", 6) == 0) {
            msg += 6;
        }
        kb_diag_set(diag, "", 0, "invalid FTS5 query: %s", msg);
        status = KB_ERR_INPUT;
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return status;
}

/* Splits term texts into lowercase word tokens for title coverage (stopwords left out). */
static void title_tokens(const query *q, kb_strlist *out)
{
    for (size_t i = 0; i < q->n; i++) {
        const char *s = q->t[i].text;
        for (size_t a = 0; s[a];) {
            if (!is_token_byte((unsigned char)s[a])) {
                a++;
                continue;
            }
            size_t b = a;
            while (s[b] && is_token_byte((unsigned char)s[b])) {
                b++;
            }
            char *w = lower_dup(s + a, b - a);
            if (!kb_is_stopword(w, b - a) && !kb_strlist_has(out, w)) {
                kb_strlist_push(out, w);
            }
            free(w);
            a = b;
        }
    }
}

/* The index a stage searches: prefixes need unstemmed words, substrings trigrams. */
static const char *stage_table(kb_fallback stage)
{
    switch (stage) {
    case KB_MATCH_PREFIX:
    case KB_MATCH_ANY:
        return "fts_exact";
    case KB_MATCH_SUBSTRING:
        return "tri";
    default:
        return "fts";
    }
}

/* Title share of the query's words, plus half a point for the whole query as a phrase. */
static double title_score(const cand *c)
{
    return c->cov + 0.5 * c->phrase;
}

static int cand_cmp(const void *pa, const void *pb)
{
    const cand *a = pa;
    const cand *b = pb;
    if (a->matched != b->matched) {
        return a->matched < b->matched ? 1 : -1;
    }
    if (title_score(a) != title_score(b)) {
        return title_score(a) < title_score(b) ? 1 : -1;
    }
    if (a->bm25 != b->bm25) {
        return a->bm25 < b->bm25 ? -1 : 1;
    }
    return a->ord - b->ord;
}

static void rank(kb *k, const query *q, kb_fallback stage, cand *c, size_t n)
{
    int n_entries = count_entries(k);
    const char *table = stage_table(stage);
    const char *words = stage == KB_MATCH_SUBSTRING ? "fts" : table;
    int prefix_all = stage == KB_MATCH_PREFIX || stage == KB_MATCH_ANY;
    for (size_t i = 0; q && i < q->n; i++) {
        if (stage != KB_MATCH_ANY && stage != KB_MATCH_SUBSTRING) {
            break;
        }
        buf e = BUF_INIT;
        fts_quote(&e, q->t[i].text, stage == KB_MATCH_SUBSTRING ? 0 : 1);
        unsigned char *set = match_set(k, table, e.data, n_entries);
        int df = 0;
        for (int j = 0; set && j < n_entries; j++) {
            df += set[j];
        }
        double idf = log(((double)n_entries + 1.0) / ((double)df + 0.5));
        for (size_t j = 0; set && j < n; j++) {
            c[j].matched += set[c[j].ord] ? idf : 0.0;
        }
        free(set);
        buf_free(&e);
    }
    if (q && q->phrase_all) {
        buf e = BUF_INIT;
        fts_quote(&e, q->phrase_all, 0);
        unsigned char *set = match_set(k, "fts", e.data, n_entries);
        for (size_t j = 0; set && j < n; j++) {
            c[j].phrase = set[c[j].ord];
        }
        free(set);
        buf_free(&e);
    }
    if (q) {
        kb_strlist toks = {NULL, 0};
        title_tokens(q, &toks);
        for (size_t t = 0; t < toks.n; t++) {
            buf e = BUF_INIT;
            buf_puts(&e, "{title} : ");
            fts_quote(&e, toks.items[t], prefix_all && strlen(toks.items[t]) >= 3);
            unsigned char *set = match_set(k, words, e.data, n_entries);
            for (size_t j = 0; set && j < n; j++) {
                c[j].cov += set[c[j].ord] ? 1.0 / (double)toks.n : 0.0;
            }
            free(set);
            buf_free(&e);
        }
        kb_strlist_free(&toks);
    }
    for (size_t j = 0; j < n; j++) {
        double b = -c[j].bm25;
        if (b > 99.0) {
            b = 99.0;
        }
        c[j].score = c[j].matched * 1000.0 + title_score(&c[j]) * 100.0 + b;
    }
    if (n > 1) { /* c is NULL when nothing matched: qsort(NULL, 0) is undefined */
        qsort(c, n, sizeof *c, cand_cmp);
    }
}

/* ---- Filling hits ---------------------------------------------------------------------- */

static char *first_words(const char *text, size_t words)
{
    buf b = BUF_INIT;
    size_t w = 0;
    int in_word = 0;
    for (const char *p = text; *p; p++) {
        char ch = (char)(*p == '\n' ? ' ' : *p);
        if (ch == ' ') {
            if (in_word && ++w >= words) {
                buf_puts(&b, "…");
                break;
            }
            in_word = 0;
            if (b.len && b.data[b.len - 1] != ' ') {
                buf_putc(&b, ' ');
            }
            continue;
        }
        in_word = 1;
        buf_putc(&b, ch);
    }
    return buf_detach(&b);
}

static void fill_hit(kb *k, kb_hit *h, int ord)
{
    sqlite3_stmt *st = NULL;
    if ((st = kb_stmt(k, "SELECT id, title, section, text FROM entries WHERE ord = ?1")) != NULL) {
        sqlite3_bind_int(st, 1, ord);
        if (sqlite3_step(st) == SQLITE_ROW) {
            h->id = xstrdup((const char *)sqlite3_column_text(st, 0));
            h->title = xstrdup((const char *)sqlite3_column_text(st, 1));
            h->section = xstrdup((const char *)sqlite3_column_text(st, 2));
            h->snippet = first_words((const char *)sqlite3_column_text(st, 3), 30);
        }
    }
    if (!h->id) {
        h->id = xstrdup("");
        h->title = xstrdup("");
        h->section = xstrdup("");
        h->snippet = xstrdup("");
    }
}

static void fill_snippet(kb *k, kb_hit *h, const char *table, int col, const char *expr, int ord)
{
    char *sql = xasprintf("SELECT snippet(%s, %d, X'01', X'02', '…', 30) FROM %s"
                          " WHERE %s MATCH ?1 AND rowid = ?2",
                          table, col, table, table);
    sqlite3_stmt *st = NULL;
    if ((st = kb_stmt(k, sql)) != NULL) {
        sqlite3_bind_text(st, 1, expr, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 2, ord);
        if (sqlite3_step(st) == SQLITE_ROW) {
            const char *s = (const char *)sqlite3_column_text(st, 0);
            if (s && strstr(s, KB_MARK_OPEN)) {
                free(h->snippet);
                h->snippet = xstrdup(s);
            }
        }
    }
    free(sql);
}

static void push_line(kb_hit *h, int lineno, const char *text)
{
    h->lines = xrealloc(h->lines, (h->n_lines + 1) * sizeof *h->lines);
    h->lines[h->n_lines].lineno = lineno;
    h->lines[h->n_lines].text = xstrdup(text);
    h->n_lines++;
}

/* Matching lines of every hit in one pass over the line index (its entry column is not
 * indexed, so a per-hit query would match the whole index once per hit). hit_of[ord] is the
 * hit index of an entry, or -1. */
static void fill_lines_fts(kb *k, kb_results *r, const int *hit_of, int n_entries,
                           const char *table, const char *expr)
{
    char *sql = xasprintf("SELECT entry, lineno, highlight(%s, 0, X'01', X'02') FROM %s"
                          " WHERE %s MATCH ?1 ORDER BY entry, lineno",
                          table, table, table);
    sqlite3_stmt *st = kb_stmt(k, sql);
    free(sql);
    if (!st) {
        return;
    }
    sqlite3_bind_text(st, 1, expr, -1, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW) {
        int ord = sqlite3_column_int(st, 0);
        if (ord >= 0 && ord < n_entries && hit_of[ord] >= 0) {
            push_line(&r->hits[hit_of[ord]], sqlite3_column_int(st, 1),
                      (const char *)sqlite3_column_text(st, 2));
        }
    }
}

static const char *ci_find(const char *hay, const char *needle, size_t nl)
{
    for (const char *p = hay; *p; p++) {
        size_t i = 0;
        while (i < nl && p[i]) {
            char a = p[i];
            char b = needle[i];
            a = (char)(a >= 'A' && a <= 'Z' ? a + 32 : a);
            b = (char)(b >= 'A' && b <= 'Z' ? b + 32 : b);
            if (a != b) {
                break;
            }
            i++;
        }
        if (i == nl) {
            return p;
        }
    }
    return NULL;
}

/* Substring fallback: marks every case-insensitive occurrence of a term in each line. */
static void fill_lines_substring(kb *k, kb_hit *h, const query *q, int ord)
{
    sqlite3_stmt *st = NULL;
    if ((st = kb_stmt(k, "SELECT markdown, line_start FROM entries WHERE ord = ?1")) == NULL) {
        return;
    }
    sqlite3_bind_int(st, 1, ord);
    if (sqlite3_step(st) == SQLITE_ROW) {
        const char *md = (const char *)sqlite3_column_text(st, 0);
        int lineno = sqlite3_column_int(st, 1);
        for (const char *p = md; p && *p; lineno++) {
            const char *nl = strchr(p, '\n');
            char *line = xstrndup(p, nl ? (size_t)(nl - p) : strlen(p));
            buf out = BUF_INIT;
            size_t i = 0;
            size_t len = strlen(line);
            int any = 0;
            while (i < len) {
                size_t best_len = 0;
                for (size_t t = 0; t < q->n; t++) {
                    size_t tl = strlen(q->t[t].text);
                    if (tl >= 3 && tl > best_len &&
                        ci_find(line + i, q->t[t].text, tl) == line + i) {
                        best_len = tl;
                    }
                }
                if (best_len) {
                    buf_puts(&out, KB_MARK_OPEN);
                    buf_append(&out, line + i, best_len);
                    buf_puts(&out, KB_MARK_CLOSE);
                    i += best_len;
                    any = 1;
                } else {
                    buf_putc(&out, line[i++]);
                }
            }
            if (any) {
                push_line(h, lineno, out.data);
            }
            buf_free(&out);
            free(line);
            p = nl ? nl + 1 : NULL;
        }
    }
}

static void fill_lines_id(kb *k, kb_hit *h, int ord)
{
    sqlite3_stmt *st = NULL;
    if ((st = kb_stmt(k, "SELECT markdown, line_start FROM entries WHERE ord = ?1")) != NULL) {
        sqlite3_bind_int(st, 1, ord);
        if (sqlite3_step(st) == SQLITE_ROW) {
            const char *md = (const char *)sqlite3_column_text(st, 0);
            const char *nl = strchr(md, '\n');
            char *line = xstrndup(md, nl ? (size_t)(nl - md) : strlen(md));
            push_line(h, sqlite3_column_int(st, 1), line);
            free(line);
        }
    }
}

/* ---- Suggestions ----------------------------------------------------------------------- */

static char *suggest(kb *k, const query *q)
{
    sqlite3_stmt *st = NULL;
    if ((st = kb_stmt(k, "SELECT word FROM words")) == NULL) {
        return NULL;
    }
    kb_strlist words = {NULL, 0};
    while (sqlite3_step(st) == SQLITE_ROW) {
        kb_strlist_push(&words, (const char *)sqlite3_column_text(st, 0));
    }
    buf out = BUF_INIT;
    int changed = 0;
    for (size_t i = 0; i < q->n; i++) {
        char *w = lower_dup(q->t[i].text, strlen(q->t[i].text));
        size_t wl = strlen(w);
        size_t limit = wl <= 4 ? 1 : wl <= 8 ? 2 : 3;
        const char *best = NULL;
        size_t best_d = limit + 1;
        for (size_t j = 0; j < words.n; j++) {
            size_t ol = strlen(words.items[j]);
            if ((ol > wl ? ol - wl : wl - ol) > limit) {
                continue;
            }
            size_t d = kb_edit_distance(w, words.items[j]);
            if (d < best_d) {
                best_d = d;
                best = words.items[j];
            }
        }
        if (out.len) {
            buf_putc(&out, ' ');
        }
        if (best && best_d > 0) {
            buf_puts(&out, best);
            changed = 1;
        } else {
            buf_puts(&out, q->t[i].text);
        }
        free(w);
    }
    kb_strlist_free(&words);
    if (!changed) {
        buf_free(&out);
        return NULL;
    }
    return buf_detach(&out);
}

/* ---- The entry point ------------------------------------------------------------------- */

static int lookup_id(kb *k, const char *s)
{
    size_t a = 0;
    size_t b = strlen(s);
    while (a < b && (s[a] == ' ' || s[a] == '\t')) {
        a++;
    }
    while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t' || s[b - 1] == '\n')) {
        b--;
    }
    if (kb_id_len(s + a) != b - a) {
        return -1;
    }
    char *id = xstrndup(s + a, b - a);
    sqlite3_stmt *st = NULL;
    int ord = -1;
    if ((st = kb_stmt(k, "SELECT ord FROM entries WHERE id = ?1")) != NULL) {
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW) {
            ord = sqlite3_column_int(st, 0);
        }
    }
    free(id);
    return ord;
}

kb_status kb_search(kb *k, const char *text, const kb_search_opts *opts, kb_results **out,
                    kb_diag *diag)
{
    kb_search_opts defaults = {0, 0, 0, 0};
    if (!opts) {
        opts = &defaults;
    }
    *out = NULL;
    size_t tlen = strlen(text);
    if (tlen > KB_MAX_QUERY_BYTES) {
        kb_diag_set(diag, "", 0, "query is too long (%zu bytes, at most %u)", tlen,
                    KB_MAX_QUERY_BYTES);
        return KB_ERR_INPUT;
    }
    if (!util_utf8_valid(text, tlen, NULL, NULL)) {
        kb_diag_set(diag, "", 0, "query is not valid UTF-8");
        return KB_ERR_INPUT;
    }
    int blank = 1;
    for (const char *p = text; *p; p++) {
        if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') {
            blank = 0;
            break;
        }
    }
    if (blank) {
        kb_diag_set(diag, "", 0, "empty query");
        return KB_ERR_INPUT;
    }

    kb_results *r = xcalloc(1, sizeof *r);
    query q;
    memset(&q, 0, sizeof q);
    cand *c = NULL;
    size_t n = 0;
    kb_status st = KB_OK;
    const char *table = "fts";
    char *expr = NULL;

    int id_ord = opts->raw ? -1 : lookup_id(k, text);
    if (id_ord >= 0) {
        c = xcalloc(1, sizeof *c);
        c->ord = id_ord;
        c->score = 1000.0;
        n = 1;
        r->fallback = KB_MATCH_ID;
        expr = xstrdup("");
    } else if (opts->raw) {
        expr = xstrdup(text);
        st = run_stage(k, "fts", expr, &c, &n, diag);
        if (st != KB_OK) {
            goto fail;
        }
        rank(k, NULL, KB_MATCH_ALL, c, n);
        r->fallback = n ? KB_MATCH_ALL : KB_MATCH_NONE;
    } else {
        if ((st = parse_query(text, &q, diag)) != KB_OK) {
            goto fail;
        }
        static const kb_fallback stages[] = {KB_MATCH_ALL, KB_MATCH_PREFIX, KB_MATCH_ANY,
                                             KB_MATCH_SUBSTRING};
        r->fallback = KB_MATCH_NONE;
        for (size_t s = 0; s < sizeof stages / sizeof stages[0] && q.n > 0; s++) {
            if (stages[s] == KB_MATCH_ANY && q.n < 2) {
                continue;
            }
            table = stage_table(stages[s]);
            free(expr);
            expr = stage_expr(&q, stages[s]);
            if (!*expr) {
                continue;
            }
            st = run_stage(k, table, expr, &c, &n, diag);
            if (st != KB_OK) {
                goto fail;
            }
            if (n) {
                r->fallback = stages[s];
                rank(k, &q, stages[s], c, n);
                break;
            }
        }
        if (!n) {
            free(expr);
            expr = q.n ? stage_expr(&q, KB_MATCH_ALL) : xstrdup("");
            r->suggestion = q.n ? suggest(k, &q) : NULL;
        }
    }

    size_t limit = opts->limit && opts->limit < n ? opts->limit : n;
    r->hits = xcalloc(limit ? limit : 1, sizeof *r->hits);
    /* Lines match any of the words, as grep would show them. */
    char *line_expr = NULL;
    if (opts->want_lines && r->fallback == KB_MATCH_ALL) {
        line_expr = opts->raw ? xstrdup(expr) : stage_expr(&q, KB_MATCH_NONE);
    }
    char *sub_expr = opts->raw ? NULL : stage_expr(&q, KB_MATCH_SUBSTRING);
    int n_entries = count_entries(k);
    int *hit_of = xmalloc(((size_t)n_entries + 1) * sizeof *hit_of);
    for (int i = 0; i <= n_entries; i++) {
        hit_of[i] = -1;
    }
    for (size_t i = 0; i < limit; i++) {
        kb_hit *h = &r->hits[r->n++];
        fill_hit(k, h, c[i].ord);
        h->score = c[i].score;
        if (c[i].ord >= 0 && c[i].ord < n_entries) {
            hit_of[c[i].ord] = (int)i;
        }
        if (opts->skip_snippets) {
            /* first words, as filled by fill_hit */
        } else if (r->fallback == KB_MATCH_ALL) {
            fill_snippet(k, h, "fts", 3, expr, c[i].ord);
        } else if (r->fallback != KB_MATCH_ID && sub_expr && *sub_expr) {
            /* The prefix index keeps no text: mark the words' beginnings via trigrams. */
            fill_snippet(k, h, "tri", 0, sub_expr, c[i].ord);
        }
        if (opts->want_lines && r->fallback == KB_MATCH_ID) {
            fill_lines_id(k, h, c[i].ord);
        } else if (opts->want_lines && r->fallback != KB_MATCH_ALL) {
            fill_lines_substring(k, h, &q, c[i].ord);
        }
    }
    if (line_expr && limit) {
        fill_lines_fts(k, r, hit_of, n_entries, "lines", line_expr);
    }
    free(hit_of);
    free(sub_expr);
    free(line_expr);
    r->understood = expr;
    expr = NULL;
    free(c);
    query_free(&q);
    *out = r;
    return KB_OK;
fail:
    free(expr);
    free(c);
    query_free(&q);
    kb_results_free(r);
    return st;
}

void kb_results_free(kb_results *r)
{
    if (!r) {
        return;
    }
    for (size_t i = 0; i < r->n; i++) {
        kb_hit *h = &r->hits[i];
        free(h->id);
        free(h->title);
        free(h->section);
        free(h->snippet);
        for (size_t j = 0; j < h->n_lines; j++) {
            free(h->lines[j].text);
        }
        free(h->lines);
    }
    free(r->hits);
    free(r->understood);
    free(r->suggestion);
    free(r);
}
