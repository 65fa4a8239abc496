/* Search: user text -> groups of alternative phrases -> one FTS5 query -> ranked hits with
 * snippets and lines.
 *
 * User input never reaches FTS5 unquoted: each word becomes an FTS5 string ("c++" -> "c++"),
 * so punctuation and the keywords AND/OR/NOT/NEAR are text. "Phrases" and a trailing * keep
 * their meaning. Each query word (stopwords dropped) becomes a group of alternatives: the word,
 * its spelling variants at letter-digit boundaries (zero3 / "zero 3", 8-bit / 8bit), and the
 * rows of the KB's synonym table it triggers (several words can form one group). All phrases
 * of all groups go to FTS5 as one OR query; an auxiliary function (kbmask) reports, per row,
 * the columns each phrase matched in, and the rest is done here.
 *
 * Stages: entries that match every group, stemmed (all); else with every word as a prefix,
 * unstemmed (prefix); else entries with some of the groups (any, two or more words); else
 * text inside words (substring, trigrams). A word found nowhere whose correction is clear is
 * corrected and the search run again; the results say so.
 *
 * Ranking. bm25 barely separates rows in a small index (a term in over half the rows gets an
 * IDF near zero), so an entry's score is, over the groups it matches, the group's rarity
 * (log IDF over entries) times 0.2 plus where it matched (col_weight: title 1.5, symptom 1.3,
 * identifiers 1.0, root cause 0.8, fix and section 0.6, body 0.2; a synonym's stand-in counts
 * 0.85 of that, words a row joins but typed apart 0.8); plus TITLE_SHARE times the rarity-
 * weighted share of the groups in the title, and a point when the whole query is a phrase of
 * the entry. Entries with every group come first. Ties go to how often the words occur, by
 * column (title 10, symptom 8, identifiers 5, cause 4, fix 3, section 2, body 1; three
 * occurrences of a phrase at most), then KB order. (bm25() would ask FTS5 for every phrase's
 * document frequency again on every row.)
 *
 * Snippets are cut from each entry's words as the index's own porter tokenizer stems them
 * (tokenized once per handle); the per-handle caches (briefs, stems, synonyms, vocabulary)
 * make a server's handle cheaper with every search and cost a one-shot search nothing it does
 * not use. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/lazymath.h"
#include "common/util.h"
#include "kb/kb_int.h"

#define MAX_TERMS 32
#define MAX_PHRASES 160
#define MAX_ALTS 12
#define N_COLS 7 /* title, idents, section, symptom, cause, fix, body */
#define BODY_COL 6
#define LINE_COL 7 /* of the source-line rows */

static const double col_weight[N_COLS] = {1.5, 1.0, 0.6, 1.3, 0.8, 0.6, 0.2};
/* Points for the share of the query's words in an entry's title. */
#define TITLE_SHARE 2.0

typedef struct term {
    char *text;
    char *lower; /* text in lowercase ASCII */
    int phrase;  /* typed in double quotes */
    int prefix;  /* typed with a trailing * */
    int stop;    /* a stopword in a query that has other words: only synonym rows use it */
} term;

typedef struct query {
    term t[MAX_TERMS];
    size_t n;
    char *phrase_all; /* every typed word as one phrase, when the query had 2+ plain words */
} query;

/* One way to match a group: phrases [first, first + n) all present. */
typedef struct alt {
    int first, n;
    double weight;
} alt;

typedef struct group {
    alt alts[MAX_ALTS];
    size_t n_alts;
    size_t lo, hi;          /* the query terms it stands for: t[lo..hi) */
    unsigned tok[MAX_ALTS]; /* hashes of those terms' stemmed words (title share) */
    size_t n_tok;
} group;

typedef struct plan_phrase {
    char *text;
    int prefix; /* user-typed * */
} plan_phrase;

typedef struct plan {
    kb *k; /* borrowed: entry titles for the title share */
    plan_phrase p[MAX_PHRASES];
    size_t n_p;
    group g[MAX_TERMS];
    size_t n_g;
    int bonus; /* phrase index of the whole query as a phrase, or -1 */
} plan;

typedef struct cand {
    int ord;
    double bm25; /* lower is better: minus the weighted matches (kbmask) or bm25 (trigrams) */
    double score;
    uint32_t mask[MAX_PHRASES]; /* columns each phrase matched in */
} cand;

typedef struct cands {
    cand *c;
    size_t n;
} cands;

const char *kb_fallback_name(kb_fallback f)
{
    static const char *const names[] = {"all", "id", "prefix", "any", "substring", "none"};
    return (unsigned)f < sizeof names / sizeof names[0] ? names[f] : "?";
}

/* The stopwords, with their lengths: a lookup compares lengths before bytes (every synonym
 * row and query word is looked up). */
#define W(s)                                                                                       \
    {                                                                                              \
        s, sizeof(s) - 1                                                                           \
    }
static const struct stopword {
    const char *s;
    size_t n;
} stopwords[] = {
    W("a"),       W("an"),    W("and"),   W("are"),     W("as"),    W("at"),     W("be"),
    W("by"),      W("can"),   W("do"),    W("does"),    W("for"),   W("from"),   W("how"),
    W("i"),       W("if"),    W("in"),    W("is"),      W("it"),    W("its"),    W("my"),
    W("of"),      W("on"),    W("or"),    W("so"),      W("that"),  W("the"),    W("this"),
    W("to"),      W("was"),   W("what"),  W("when"),    W("where"), W("which"),  W("while"),
    W("who"),     W("why"),   W("will"),  W("with"),    W("you"),   W("your"),   W("me"),
    W("get"),     W("got"),   W("am"),    W("there"),   W("their"), W("about"),  W("vs"),
    W("versus"),  W("but"),   W("still"), W("even"),    W("i'm"),   W("we"),     W("our"),
    W("has"),     W("have"),  W("had"),   W("should"),  W("much"),  W("many"),   W("need"),
    W("did"),     W("into"),  W("just"),  W("some"),    W("any"),   W("very"),   W("use"),
    W("using"),   W("used"),  W("want"),  W("try"),     W("make"),  W("really"), W("also"),
    W("one"),     W("like"),  W("works"), W("work"),    W("runs"),  W("run"),    W("goes"),
    W("happens"), W("keeps"), W("after"), W("getting"), W("seems"), W("uses"),   W("during"),
    W("im"),      W("tell"),  W("tells"), W("please"),  W("help"),  W("way"),    W("ways"),
    W("able"),    W("few"),   W("lot"),   W("lots"),    W("now"),   W("then"),   W("again")};
#undef W

int kb_is_stopword(const char *w, size_t n)
{
    for (size_t i = 0; i < sizeof stopwords / sizeof stopwords[0]; i++) {
        if (stopwords[i].n == n && memcmp(stopwords[i].s, w, n) == 0) {
            return 1;
        }
    }
    return 0;
}

static int is_token_byte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
}

static int is_alpha(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
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
        free(q->t[i].lower);
    }
    free(q->phrase_all);
    q->n = 0;
    q->phrase_all = NULL;
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Reads one term at *pp into t; advances *pp. */
static void read_term(const char **pp, term *t)
{
    const char *p = *pp;
    memset(t, 0, sizeof *t);
    if (*p == '"') {
        const char *e = strchr(p + 1, '"');
        size_t len = e ? (size_t)(e - p - 1) : strlen(p + 1);
        t->text = xstrndup(p + 1, len);
        t->phrase = 1;
        p = e ? e + 1 : p + 1 + len;
        if (*p == '*') {
            t->prefix = 1;
            while (*p == '*') {
                p++;
            }
        }
    } else {
        const char *e = p;
        while (*e && !is_space(*e)) {
            e++;
        }
        size_t len = (size_t)(e - p);
        while (len > 1 && p[len - 1] == '*') {
            len--;
            t->prefix = 1;
        }
        /* Sentence punctuation is not part of a word: "oom?" is "oom". */
        while (len > 1 && !t->prefix && strchr("?!,;:.", p[len - 1])) {
            len--;
        }
        t->text = xstrndup(p, len);
        p = e;
    }
    *pp = p;
}

static kb_status parse_query(const char *s, query *q, kb_diag *diag)
{
    memset(q, 0, sizeof *q);
    term all[MAX_TERMS];
    size_t n = 0;
    const char *p = s;
    while (*p) {
        while (is_space(*p)) {
            p++;
        }
        if (!*p) {
            break;
        }
        term t;
        read_term(&p, &t);
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
        all[i].stop = content > 0 && term_is_stopword(&all[i]);
        all[i].lower = lower_dup(all[i].text, strlen(all[i].text));
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

/* ---- The synonym table and the vocabulary (loaded once per handle) ----------------------- */

/* Parses synonym row s ("words<TAB>alt | alt"). */
static void parse_synonym(kb_synonym *s)
{
    s->parsed = 1;
    char *line = xstrndup(s->row, s->row_len);
    char *tab = strchr(line, '\t');
    char *also = tab ? tab + 1 : line + s->row_len;
    if (tab) {
        *tab = '\0';
    }
    char *save = NULL;
    for (char *t = strtok_r(line, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
        s->words = xrealloc(s->words, (s->n_words + 1) * sizeof *s->words);
        s->stop = xrealloc(s->stop, (s->n_words + 1) * sizeof *s->stop);
        s->stop[s->n_words] = kb_is_stopword(t, strlen(t));
        s->words[s->n_words++] = xstrdup(t);
    }
    for (char *t = strtok_r(also, "|", &save); t; t = strtok_r(NULL, "|", &save)) {
        while (*t == ' ') {
            t++;
        }
        size_t l = strlen(t);
        while (l && t[l - 1] == ' ') {
            t[--l] = '\0';
        }
        if (l) {
            kb_strlist_push(&s->also, t);
        }
    }
    free(line);
}

/* The synonym table's rows, from the meta value read when the KB was opened; each is parsed
 * the first time a query term could start it (a one-shot search parses one or none: parsing
 * them all was 7% of its time). */
static void load_synonyms(kb *k)
{
    for (const char *p = k->synonyms_text; p && *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        if (memchr(p, '\t', len)) {
            k->synonyms = xrealloc(k->synonyms, (k->n_synonyms + 1) * sizeof *k->synonyms);
            kb_synonym *s = &k->synonyms[k->n_synonyms++];
            memset(s, 0, sizeof *s);
            s->row = p;
            s->row_len = len;
        }
        p = nl ? nl + 1 : p + len;
    }
}

/* A cached statement over the fallback tables (attached on first use); NULL with SQLite's
 * message when they cannot be read. */
static sqlite3_stmt *aux_stmt(kb *k, const char *sql)
{
    kb_diag d;
    return kb_attach_aux(k, &d) == KB_OK ? kb_stmt(k, sql) : NULL;
}

/* The vocabulary, from meta "vocab" (one word per line, sorted), else from aux.words. */
static void load_vocab(kb *k)
{
    buf b = BUF_INIT;
    sqlite3_stmt *st = kb_stmt(k, "SELECT value FROM meta WHERE key = 'vocab'");
    const char *text =
        st && sqlite3_step(st) == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
    if (text) {
        buf_puts(&b, text);
    } else if ((st = aux_stmt(k, "SELECT word FROM aux.words ORDER BY word")) != NULL) {
        while (sqlite3_step(st) == SQLITE_ROW) {
            buf_puts(&b, (const char *)sqlite3_column_text(st, 0));
            buf_putc(&b, '\n');
        }
    }
    k->vocab_text = buf_detach(&b);
    size_t cap = 0;
    for (char *p = k->vocab_text; *p;) {
        char *nl = strchr(p, '\n');
        if (nl) {
            *nl = '\0';
        }
        if (*p) {
            if (k->n_vocab == cap) {
                cap = cap ? cap * 2 : 1024;
                k->vocab = xrealloc(k->vocab, cap * sizeof *k->vocab);
            }
            k->vocab[k->n_vocab++] = p;
        }
        if (!nl) {
            break;
        }
        p = nl + 1;
    }
    if (!k->vocab) {
        k->vocab = xcalloc(1, sizeof *k->vocab);
    }
}

/* 1 when an indexed word starts with w (the vocabulary is sorted as SQLite's BINARY is). */
static int vocab_has_prefix(kb *k, const char *w)
{
    if (!k->vocab) {
        load_vocab(k);
    }
    size_t n = strlen(w);
    size_t lo = 0;
    size_t hi = k->n_vocab;
    while (lo < hi) { /* the first word not less than w */
        size_t mid = (lo + hi) / 2;
        if (strcmp(k->vocab[mid], w) < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo < k->n_vocab && strncmp(k->vocab[lo], w, n) == 0;
}

void kb_search_state_free(kb *k)
{
    if (k->stemmer_handle) {
        k->stemmer.xDelete(k->stemmer_handle);
    }
    for (size_t i = 0; i < k->n_synonyms; i++) {
        for (size_t j = 0; j < k->synonyms[i].n_words; j++) {
            free(k->synonyms[i].words[j]);
        }
        free(k->synonyms[i].words);
        free(k->synonyms[i].stop);
        kb_strlist_free(&k->synonyms[i].also);
    }
    free(k->synonyms);
    free(k->vocab);
    free(k->vocab_text);
    for (size_t i = 0; i < k->n_briefs; i++) {
        kb_brief *b = &k->briefs[i];
        free(b->id);
        free(b->title);
        free(b->section);
        free(b->text);
        free(b->title_stems);
        for (size_t t = 0; t < b->n_toks; t++) {
            free(b->toks[t].stem);
        }
        free(b->toks);
    }
    free(k->briefs);
}

/* The auxiliary function kbmask(): a blob of one uint32 per phrase of the query, bit c set
 * when the phrase occurs in column c of the row. One pass over the row's instances. */
static void aux_mask(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx,
                     int n_args, sqlite3_value **args)
{
    (void)n_args;
    (void)args;
    uint32_t masks[MAX_PHRASES + 1]; /* and the weighted count of matches, last */
    int np = api->xPhraseCount(fts);
    if (np > MAX_PHRASES) {
        np = MAX_PHRASES;
    }
    memset(masks, 0, sizeof masks);
    int n_inst = 0;
    if (api->xInstCount(fts, &n_inst) != SQLITE_OK) {
        sqlite3_result_error(ctx, "kbmask: no instances", -1);
        return;
    }
    static const unsigned tf_weight[N_COLS] = {10, 5, 2, 8, 4, 3, 1};
    unsigned char seen[MAX_PHRASES];
    memset(seen, 0, sizeof seen);
    uint32_t tf = 0;
    for (int i = 0; i < n_inst; i++) {
        int ip = 0;
        int ic = 0;
        int io = 0;
        if (api->xInst(fts, i, &ip, &ic, &io) == SQLITE_OK && ip >= 0 && ip < np && ic >= 0 &&
            ic < 32) {
            masks[ip] |= 1U << ic;
            if (ic < N_COLS && seen[ip] < 3) {
                seen[ip]++;
                tf += tf_weight[ic];
            }
        }
    }
    masks[np] = tf;
    sqlite3_result_blob(ctx, masks, (np + 1) * (int)sizeof masks[0], SQLITE_TRANSIENT);
}

static void aux_shown(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx,
                      int n_args, sqlite3_value **args);

static int search_ready(kb *k)
{
    if (k->search_ready) {
        return 1;
    }
    fts5_api *api = NULL;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(k->db, "SELECT fts5(?1)", -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
        sqlite3_step(st);
    }
    sqlite3_finalize(st);
    if (!api || api->xCreateFunction(api, "kbmask", NULL, aux_mask, NULL) != SQLITE_OK) {
        return 0;
    }
    if (api->xCreateFunction(api, "kbshown", NULL, aux_shown, NULL) != SQLITE_OK) {
        return 0;
    }
    void *ud = NULL;
    const char *args[] = {"unicode61", "remove_diacritics", "2"};
    if (api->xFindTokenizer(api, "porter", &ud, &k->stemmer) != SQLITE_OK ||
        k->stemmer.xCreate(ud, args, 3, &k->stemmer_handle) != SQLITE_OK) {
        k->stemmer_handle = NULL;
    }
    load_synonyms(k);
    k->search_ready = 1;
    return 1;
}

/* ---- Planning: query terms -> groups of alternative phrases ------------------------------ */

static int add_phrase(plan *p, const char *text, int prefix)
{
    for (size_t i = 0; i < p->n_p; i++) {
        if (p->p[i].prefix == prefix && util_strcasecmp(p->p[i].text, text) == 0) {
            return (int)i; /* one phrase, one column mask, however many groups use it */
        }
    }
    if (p->n_p == MAX_PHRASES || !has_token(text)) {
        return -1;
    }
    p->p[p->n_p].text = xstrdup(text);
    p->p[p->n_p].prefix = prefix;
    return (int)p->n_p++;
}

/* Adds an alternative of one phrase to g. */
static void add_alt(plan *p, group *g, const char *text, int prefix, double weight)
{
    if (g->n_alts == MAX_ALTS) {
        return;
    }
    int i = add_phrase(p, text, prefix);
    if (i >= 0) {
        g->alts[g->n_alts++] = (alt){i, 1, weight};
    }
}

/* "zero3" -> "zero 3"; "8bit" -> "8 bit"; NULL when s has no letter-digit boundary. */
static char *split_letters_digits(const char *s)
{
    buf b = BUF_INIT;
    int split = 0;
    int boundaries = 0;
    for (size_t i = 1; s[i]; i++) {
        unsigned char c = (unsigned char)s[i];
        unsigned char a = (unsigned char)s[i - 1];
        boundaries += (is_alpha(c) && is_digit(a)) || (is_digit(c) && is_alpha(a));
    }
    if (boundaries > 2) {
        /* Words people type with a number in them have one or two boundaries (zero3, fp16,
         * 7b, a100x8); more is a hash or an ID, whose split would be a phrase of one- and
         * two-letter words that FTS5 finds everywhere. */
        return NULL;
    }
    for (size_t i = 0; s[i]; i++) {
        unsigned char c = (unsigned char)s[i];
        if (i > 0 && ((is_alpha(c) && is_digit((unsigned char)s[i - 1])) ||
                      (is_digit(c) && is_alpha((unsigned char)s[i - 1])))) {
            buf_putc(&b, ' ');
            split = 1;
        }
        buf_putc(&b, (char)c);
    }
    if (!split) {
        buf_free(&b);
        return NULL;
    }
    return buf_detach(&b);
}

/* "zero-3" -> "zero3"; "8-bit" -> "8bit": punctuation between a letter and a digit removed.
 * NULL when there is none. */
static char *join_letters_digits(const char *s)
{
    buf b = BUF_INIT;
    int joined = 0;
    for (size_t i = 0; s[i]; i++) {
        unsigned char c = (unsigned char)s[i];
        if (i > 0 && (c == '-' || c == '_' || c == '.' || c == ' ') && s[i + 1]) {
            unsigned char a = (unsigned char)s[i - 1];
            unsigned char z = (unsigned char)s[i + 1];
            if ((is_alpha(a) && is_digit(z)) || (is_digit(a) && is_alpha(z))) {
                joined = 1;
                continue;
            }
        }
        buf_putc(&b, (char)c);
    }
    if (!joined) {
        buf_free(&b);
        return NULL;
    }
    return buf_detach(&b);
}

/* 1 when query word w (lowercase) matches synonym word s: equal, or s is "<n>b" and w is a
 * number followed by b ("7b", "70b"), or s ends in * and w starts with the rest. */
static int syn_word_match(const char *s, const char *w)
{
    if (strcmp(s, "<n>b") == 0) {
        size_t i = 0;
        while (is_digit((unsigned char)w[i]) || w[i] == '.') {
            i++;
        }
        return i > 0 && w[i] == 'b' && w[i + 1] == '\0';
    }
    size_t n = strlen(s);
    if (n > 1 && s[n - 1] == '*') {
        return strncmp(s, w, n - 1) == 0;
    }
    return strcmp(s, w) == 0;
}

/* How many terms from i on make up synonym row s (stopwords in between are skipped unless
 * the row names them), or 0 when they do not. */
static size_t synonym_span(const kb_synonym *s, const query *q, size_t i)
{
    size_t k = i;
    for (size_t j = 0; j < s->n_words; j++) {
        while (j > 0 && !s->stop[j] && k < q->n && q->t[k].stop) {
            k++;
        }
        if (k >= q->n || q->t[k].phrase || q->t[k].prefix ||
            !syn_word_match(s->words[j], q->t[k].lower)) {
            return 0;
        }
        k++;
    }
    return k - i;
}

/* 1 when unparsed row s could start at term i: its first word matches the term (as
 * synonym_span asks of it). */
static int row_may_start(const kb_synonym *s, const query *q, size_t i)
{
    const char *w = s->row;
    const char *end = s->row + s->row_len;
    while (w < end && *w == ' ') {
        w++;
    }
    size_t n = 0;
    while (w + n < end && w[n] != ' ' && w[n] != '\t') {
        n++;
    }
    char first[64];
    if (n >= sizeof first) {
        return 1; /* (no such word in a row today; parse it to know) */
    }
    memcpy(first, w, n);
    first[n] = '\0';
    return n > 0 && !q->t[i].phrase && !q->t[i].prefix && syn_word_match(first, q->t[i].lower);
}

/* The synonym row of most words that starts at term i; its span in terms. */
static const kb_synonym *match_synonym(kb *k, const query *q, size_t i, size_t *out_len)
{
    const kb_synonym *best = NULL;
    size_t best_words = 0;
    *out_len = 0;
    for (size_t r = 0; r < k->n_synonyms; r++) {
        kb_synonym *s = &k->synonyms[r];
        if (!s->parsed) {
            if (i >= q->n || !row_may_start(s, q, i)) {
                continue;
            }
            parse_synonym(s);
        }
        if (s->n_words <= best_words) {
            continue;
        }
        size_t span = synonym_span(s, q, i);
        if (span) {
            best = s;
            best_words = s->n_words;
            *out_len = span;
        }
    }
    return best;
}

/* The alternatives of one typed term: itself and its letter-digit variants. */
static void term_alts(plan *p, group *g, const term *t)
{
    add_alt(p, g, t->text, t->prefix, 1.0);
    if (t->phrase || t->prefix) {
        return;
    }
    char *split = split_letters_digits(t->text);
    char *joined = join_letters_digits(t->text);
    if (split) {
        add_alt(p, g, split, 0, 1.0);
    }
    /* A method call or dotted name also matches by its last part: loss.backward() finds
     * .backward(), torch.cuda.empty_cache empty_cache. */
    const char *dot = strrchr(t->text, '.');
    if (dot && dot > t->text && has_token(dot + 1)) {
        add_alt(p, g, dot + 1, 0, 0.9);
    }
    if (joined) {
        add_alt(p, g, joined, 0, 1.0);
    }
    free(split);
    free(joined);
}

/* A word then a number typed apart ("zero 3", "stage 2"): one group, also matched joined. */
static int letters_then_number(const query *q, size_t i)
{
    if (i + 1 >= q->n || q->t[i].phrase || q->t[i].prefix || q->t[i + 1].phrase ||
        q->t[i + 1].prefix) {
        return 0;
    }
    const char *a = q->t[i].text;
    const char *b = q->t[i + 1].text;
    for (const char *s = a; *s; s++) {
        if (!is_alpha((unsigned char)*s)) {
            return 0;
        }
    }
    for (const char *s = b; *s; s++) {
        if (!is_digit((unsigned char)*s)) {
            return 0;
        }
    }
    return *a && *b && strlen(b) <= 2;
}

/* 1 when terms [lo, hi) are all stopwords. */
static int all_stop(const query *q, size_t lo, size_t hi)
{
    for (size_t j = lo; j < hi; j++) {
        if (!q->t[j].stop) {
            return 0;
        }
    }
    return 1;
}

/* Adds the AND of terms [lo, hi) as one alternative (stopwords left out unless there is
 * nothing else). */
static void add_and_alt(plan *p, group *g, const query *q, size_t lo, size_t hi, double weight)
{
    if (g->n_alts == MAX_ALTS) {
        return;
    }
    int first = -1;
    int n = 0;
    for (size_t j = lo; j < hi; j++) {
        if (q->t[j].stop && hi - lo > 1 && !all_stop(q, lo, hi)) {
            continue;
        }
        int i = add_phrase(p, q->t[j].text, q->t[j].prefix);
        if (i < 0) {
            continue;
        }
        first = first < 0 ? i : first;
        n++;
    }
    if (n > 0) {
        g->alts[g->n_alts++] = (alt){first, n, weight};
    }
}

typedef struct hash_list {
    unsigned *h;
    size_t n, max;
} hash_list;

static unsigned stem_hash(const char *s, size_t n);
static int stem_words_n(kb *k, const char *text, size_t len, int flags, hash_list *out);

/* The group's words split at punctuation and letter-digit boundaries ("ZeRO-3" -> zero, 3),
 * stopwords left out, stemmed: a group with one of them in an entry's title is in the title.
 * (Compared in memory with the titles: as FTS5 phrases they cost more than the search.) */
static void group_tokens(const query *q, plan *p, group *g)
{
    for (size_t i = g->lo; i < g->hi; i++) {
        if (q->t[i].stop) {
            continue;
        }
        char *split = split_letters_digits(q->t[i].text);
        const char *s = split ? split : q->t[i].text;
        hash_list l = {g->tok + g->n_tok, 0, MAX_ALTS - g->n_tok};
        stem_words_n(p->k, s, strlen(s), FTS5_TOKENIZE_QUERY, &l);
        g->n_tok += l.n;
        free(split);
    }
}

static void build_plan(kb *k, const query *q, plan *p)
{
    memset(p, 0, sizeof *p);
    p->k = k;
    p->bonus = -1;
    for (size_t i = 0; i < q->n && p->n_g < MAX_TERMS;) {
        group *g = &p->g[p->n_g];
        size_t len = 0;
        const kb_synonym *s = match_synonym(k, q, i, &len);
        if (s) {
            /* Words typed apart are weaker evidence than the phrase a row names for them;
             * a single word's stand-ins are weaker than the word. */
            if (len == 1) {
                term_alts(p, g, &q->t[i]);
            } else {
                add_and_alt(p, g, q, i, i + len, 0.8);
            }
            for (size_t a = 0; a < s->also.n; a++) {
                add_alt(p, g, s->also.items[a], 0, s->n_words > 1 ? 1.0 : 0.85);
            }
        } else if (q->t[i].stop) {
            i++;
            continue;
        } else if (letters_then_number(q, i)) {
            len = 2;
            add_and_alt(p, g, q, i, i + 2, 1.0);
            char *joined = xasprintf("%s%s", q->t[i].text, q->t[i + 1].text);
            add_alt(p, g, joined, 0, 1.0);
            free(joined);
        } else {
            len = 1;
            term_alts(p, g, &q->t[i]);
        }
        g->lo = i;
        g->hi = i + len;
        if (g->n_alts) {
            group_tokens(q, p, g);
            p->n_g++;
        }
        i += len;
    }
    if (q->phrase_all) {
        p->bonus = add_phrase(p, q->phrase_all, 0);
    }
}

static void plan_free(plan *p)
{
    for (size_t i = 0; i < p->n_p; i++) {
        free(p->p[i].text);
    }
    p->n_p = 0;
}

/* The OR of every phrase; prefixes when asked (words of three or more characters). */
static char *plan_expr(const plan *p, int prefixes)
{
    buf b = BUF_INIT;
    for (size_t i = 0; i < p->n_p; i++) {
        if (b.len) {
            buf_puts(&b, " OR ");
        }
        int prefix = p->p[i].prefix;
        if (prefixes && (int)i != p->bonus) {
            /* A prefix of one or two characters matches nearly everything: not a fallback. */
            const char *last = strrchr(p->p[i].text, ' ');
            prefix |= token_chars(last ? last + 1 : p->p[i].text) >= 3;
        }
        fts_quote(&b, p->p[i].text, prefix);
    }
    return buf_detach(&b);
}

/* ---- Running and scoring ----------------------------------------------------------------- */

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

static kb_status fts_error(kb *k, kb_diag *diag)
{
    const char *msg = sqlite3_errmsg(k->db);
    if (strncmp(msg, "fts5: ", 6) == 0) {
        msg += 6;
    }
    kb_diag_set(diag, "", 0, "invalid FTS5 query: %s", msg);
    return KB_ERR_INPUT;
}

/* Runs expr on table (fts, or fts_exact of the fallback tables) into out: one candidate per
 * matching row with its phrase masks and bm25. KB_ERR_INPUT with SQLite's message for a
 * malformed expression. */
static kb_status run_query(kb *k, const char *table, const char *expr, cands *out, kb_diag *diag)
{
    int aux = strcmp(table, "fts") != 0;
    /* fts's source-line rows are not entries. */
    char *sql = xasprintf("SELECT rowid, kbmask(%s) FROM %s%s WHERE %s MATCH ?1%s", table,
                          aux ? "aux." : "", table, table,
                          aux ? "" : " AND rowid < " KB_STR(KB_LINE_ROWID));
    sqlite3_stmt *st = aux ? aux_stmt(k, sql) : kb_stmt(k, sql);
    free(sql);
    out->c = NULL;
    out->n = 0;
    if (!st) {
        kb_diag_set(diag, "", 0, "search failed: %s", sqlite3_errmsg(k->db));
        return KB_ERR_DB;
    }
    sqlite3_bind_text(st, 1, expr, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        out->c = xrealloc(out->c, (out->n + 1) * sizeof *out->c);
        cand *c = &out->c[out->n++];
        memset(c, 0, sizeof *c);
        c->ord = sqlite3_column_int(st, 0);
        const unsigned char *blob = sqlite3_column_blob(st, 1);
        size_t len = (size_t)sqlite3_column_bytes(st, 1);
        if (blob && len >= sizeof(uint32_t) && len <= sizeof c->mask + sizeof(uint32_t)) {
            uint32_t tf = 0;
            memcpy(c->mask, blob, len - sizeof tf);
            memcpy(&tf, blob + len - sizeof tf, sizeof tf);
            c->bm25 = -(double)tf;
        }
    }
    if (rc != SQLITE_DONE) {
        free(out->c);
        out->c = NULL;
        out->n = 0;
        return fts_error(k, diag);
    }
    return KB_OK;
}

/* The weight of the best column in mask. */
static double best_col(uint32_t mask)
{
    double w = 0.0;
    for (int col = 0; col < N_COLS; col++) {
        if ((mask & (1U << col)) && col_weight[col] > w) {
            w = col_weight[col];
        }
    }
    return w;
}

/* Where group g matched in candidate c, weighted: its best alternative, where an alternative
 * of several phrases (words typed apart) counts at its weakest word's best column. 0 = not
 * matched. */
static double group_weight(const group *g, const cand *c)
{
    double best = 0.0;
    for (size_t a = 0; a < g->n_alts; a++) {
        const alt *al = &g->alts[a];
        double w = 99.0;
        for (int i = al->first; i < al->first + al->n; i++) {
            double wi = best_col(c->mask[i]);
            w = wi < w ? wi : w;
        }
        w *= al->weight;
        best = w > best ? w : best;
    }
    return best;
}

static const kb_brief *brief(kb *k, int ord);

/* The FNV-1a hash of a stem. */
static unsigned stem_hash(const char *s, size_t n)
{
    unsigned h = 2166136261U;
    for (size_t i = 0; i < n; i++) {
        h = (h ^ (unsigned char)s[i]) * 16777619U;
    }
    return h;
}

static int on_hash(void *ctx, int flags, const char *token, int n, int start, int end)
{
    hash_list *l = ctx;
    (void)start;
    (void)end;
    if (!(flags & FTS5_TOKEN_COLOCATED) && l->n < l->max) {
        l->h[l->n++] = stem_hash(token, (size_t)n);
    }
    return SQLITE_OK;
}

/* Up to max hashes of text's stemmed words into out; 0 without a tokenizer. */
static int stem_words_n(kb *k, const char *text, size_t len, int flags, hash_list *out)
{
    out->n = 0;
    if (!k || !k->stemmer_handle) {
        return 0;
    }
    return k->stemmer.xTokenize(k->stemmer_handle, out, flags, text, (int)len, on_hash) ==
           SQLITE_OK;
}

/* Entry ord's brief with its title's stems, tokenized once per handle. */
static const kb_brief *brief_title(kb *k, int ord)
{
    const kb_brief *b = brief(k, ord);
    if (b && !b->title_stems) {
        kb_brief *w = &k->briefs[ord];
        size_t max = strlen(w->title) + 1;
        w->title_stems = xcalloc(max, sizeof *w->title_stems);
        hash_list l = {w->title_stems, 0, max};
        stem_words_n(k, w->title, strlen(w->title), FTS5_TOKENIZE_DOCUMENT, &l);
        w->n_title_stems = l.n;
    }
    return b;
}

/* 1 when group g is in c's title: one of its alternatives' phrases or of its words. */
static int group_in_title(const plan *p, const group *g, const cand *c)
{
    for (size_t a = 0; a < g->n_alts; a++) {
        for (int i = g->alts[a].first; i < g->alts[a].first + g->alts[a].n; i++) {
            if (c->mask[i] & 1U) {
                return 1;
            }
        }
    }
    const kb_brief *b = g->n_tok ? brief_title(p->k, c->ord) : NULL;
    for (size_t t = 0; b && t < g->n_tok; t++) {
        for (size_t i = 0; i < b->n_title_stems; i++) {
            if (b->title_stems[i] == g->tok[t]) {
                return 1;
            }
        }
    }
    return 0;
}

/* The rarity-weighted share of the query's groups that are in c's title. */
static double title_share(const plan *p, const double *idf, const cand *c)
{
    double in = 0.0;
    double all = 0.0;
    for (size_t g = 0; g < p->n_g; g++) {
        all += idf[g];
        in += group_in_title(p, &p->g[g], c) ? idf[g] : 0.0;
    }
    return all > 0.0 ? in / all : 0.0;
}

/* Scores every candidate; returns how many match every group. */
static size_t score(const plan *p, cands *cs, int n_entries)
{
    double idf[MAX_TERMS];
    for (size_t g = 0; g < p->n_g; g++) {
        int df = 0;
        for (size_t j = 0; j < cs->n; j++) {
            df += group_weight(&p->g[g], &cs->c[j]) > 0.0;
        }
        idf[g] = lazymath_ln(((double)n_entries + 1.0) / ((double)df + 0.5));
        idf[g] = idf[g] < 0.1 ? 0.1 : idf[g];
    }
    size_t complete = 0;
    for (size_t j = 0; j < cs->n; j++) {
        cand *c = &cs->c[j];
        double s = 0.0;
        size_t matched = 0;
        for (size_t g = 0; g < p->n_g; g++) {
            double w = group_weight(&p->g[g], c);
            matched += w > 0.0;
            /* A word counts for being there at all, and more for where it is. */
            s += w > 0.0 ? idf[g] * (0.2 + w) : 0.0;
        }
        if (p->bonus >= 0 && c->mask[p->bonus]) {
            s += 1.0;
        }
        s += TITLE_SHARE * title_share(p, idf, c);
        c->score = s;
        if (matched == p->n_g) {
            complete++;
            c->score += 1000.0;
        }
    }
    return complete;
}

static int cand_cmp(const void *pa, const void *pb)
{
    const cand *a = pa;
    const cand *b = pb;
    if (a->score != b->score) {
        return a->score < b->score ? 1 : -1;
    }
    if (a->bm25 != b->bm25) {
        return a->bm25 < b->bm25 ? -1 : 1;
    }
    return a->ord - b->ord;
}

static void sort_cands(cands *cs)
{
    if (cs->n > 1) { /* c is NULL when nothing matched: qsort(NULL, 0) is undefined */
        qsort(cs->c, cs->n, sizeof *cs->c, cand_cmp);
    }
}

/* Keeps the candidates that match every group (score >= 1000). */
static void keep_complete(cands *cs)
{
    size_t o = 0;
    for (size_t j = 0; j < cs->n; j++) {
        if (cs->c[j].score >= 1000.0) {
            cs->c[o++] = cs->c[j];
        }
    }
    cs->n = o;
}

/* Adds b's phrase masks into a (same plan), appending rows a lacks. */
static void merge_cands(cands *a, const cands *b)
{
    for (size_t j = 0; j < b->n; j++) {
        size_t i = 0;
        while (i < a->n && a->c[i].ord != b->c[j].ord) {
            i++;
        }
        if (i == a->n) {
            a->c = xrealloc(a->c, (a->n + 1) * sizeof *a->c);
            a->c[a->n++] = b->c[j];
            continue;
        }
        for (size_t k = 0; k < MAX_PHRASES; k++) {
            a->c[i].mask[k] |= b->c[j].mask[k];
        }
    }
}

/* 1 when group g matched no candidate at all. */
static int group_unmatched(const plan *p, size_t g, const cands *cs)
{
    for (size_t j = 0; j < cs->n; j++) {
        if (group_weight(&p->g[g], &cs->c[j]) > 0.0) {
            return 0;
        }
    }
    return 1;
}

/* ---- Substrings (trigrams) --------------------------------------------------------------- */

static char *substring_expr(const query *q)
{
    buf b = BUF_INIT;
    for (size_t i = 0; i < q->n; i++) {
        if (strlen(q->t[i].text) < 3 || q->t[i].stop) {
            continue;
        }
        if (b.len) {
            buf_puts(&b, " OR ");
        }
        fts_quote(&b, q->t[i].text, 0);
    }
    return buf_detach(&b);
}

/* Entries containing the terms inside words, ranked by how many terms (each weighted by its
 * rarity), then bm25. */
static kb_status run_substring(kb *k, const query *q, cands *out, kb_diag *diag)
{
    out->c = NULL;
    out->n = 0;
    char *expr = substring_expr(q);
    if (!*expr) {
        free(expr);
        return KB_OK;
    }
    sqlite3_stmt *st = aux_stmt(k, "SELECT rowid, bm25(tri) FROM aux.tri WHERE tri MATCH ?1");
    if (!st) {
        free(expr);
        kb_diag_set(diag, "", 0, "search failed: %s", sqlite3_errmsg(k->db));
        return KB_ERR_DB;
    }
    sqlite3_bind_text(st, 1, expr, -1, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW) {
        out->c = xrealloc(out->c, (out->n + 1) * sizeof *out->c);
        cand *c = &out->c[out->n++];
        memset(c, 0, sizeof *c);
        c->ord = sqlite3_column_int(st, 0);
        c->bm25 = sqlite3_column_double(st, 1);
        c->score = -c->bm25;
    }
    free(expr);
    sort_cands(out);
    return KB_OK;
}

/* ---- Spelling -------------------------------------------------------------------------- */

/* Optimal string alignment distance (a swap of two neighbours is one edit), ASCII
 * case-insensitive; 99 for inputs over 63 bytes or beyond max. */
static size_t osa_distance(const char *a, const char *b, size_t max)
{
    size_t n = strlen(a);
    size_t m = strlen(b);
    if (n > 63 || m > 63 || (n > m ? n - m : m - n) > max) {
        return 99;
    }
    size_t d[64][64];
    for (size_t i = 0; i <= n; i++) {
        d[i][0] = i;
    }
    for (size_t j = 0; j <= m; j++) {
        d[0][j] = j;
    }
    for (size_t i = 1; i <= n; i++) {
        for (size_t j = 1; j <= m; j++) {
            size_t cost = (a[i - 1] | 32) == (b[j - 1] | 32) ? 0 : 1;
            size_t v = d[i - 1][j] + 1;
            v = d[i][j - 1] + 1 < v ? d[i][j - 1] + 1 : v;
            v = d[i - 1][j - 1] + cost < v ? d[i - 1][j - 1] + cost : v;
            if (i > 1 && j > 1 && (a[i - 1] | 32) == (b[j - 2] | 32) &&
                (a[i - 2] | 32) == (b[j - 1] | 32) && d[i - 2][j - 2] + 1 < v) {
                v = d[i - 2][j - 2] + 1;
            }
            d[i][j] = v;
        }
    }
    return d[n][m];
}

/* The one indexed word nearest to w within max edits, or NULL when there is none or when two
 * words are equally near (no clear best). Borrowed from the handle. */
static const char *clear_correction(kb *k, const char *w, size_t max)
{
    if (!k->vocab) {
        load_vocab(k);
    }
    const char *best = NULL;
    size_t best_d = max + 1;
    int tie = 0;
    for (size_t i = 0; i < k->n_vocab; i++) {
        size_t d = osa_distance(w, k->vocab[i], max);
        if (d < best_d) {
            best_d = d;
            best = k->vocab[i];
            tie = 0;
        } else if (d == best_d) {
            tie = 1;
        }
    }
    return best && best_d > 0 && !tie ? best : NULL;
}

static size_t loose_limit(size_t len)
{
    return len <= 4 ? 1 : len <= 8 ? 2 : 3;
}

static int all_letters(const char *s)
{
    for (; *s; s++) {
        if (!is_alpha((unsigned char)*s)) {
            return 0;
        }
    }
    return 1;
}

/* The query with term i replaced by fix[i] where set, words joined by spaces. */
static char *rewrite(const query *q, const char *const *fix)
{
    buf b = BUF_INIT;
    for (size_t i = 0; i < q->n; i++) {
        if (b.len) {
            buf_putc(&b, ' ');
        }
        if (fix[i]) {
            buf_puts(&b, fix[i]);
        } else if (q->t[i].phrase) {
            buf_putc(&b, '"');
            buf_puts(&b, q->t[i].text);
            buf_putc(&b, '"');
        } else {
            buf_puts(&b, q->t[i].text);
            if (q->t[i].prefix) {
                buf_putc(&b, '*');
            }
        }
    }
    return buf_detach(&b);
}

/* Corrections for the words of groups that matched nothing. strict: only a word of five or
 * more letters one edit from exactly one indexed word (the other words matched, so a rare word
 * must not be "corrected" into a common one); else the looser limits of a query that matched
 * nothing at all. Returns the rewritten query or NULL when nothing changed. */
static char *corrections(kb *k, const query *q, const plan *p, const cands *cs, int strict)
{
    const char *fix[MAX_TERMS] = {0};
    int changed = 0;
    for (size_t g = 0; g < p->n_g; g++) {
        if (cs && !group_unmatched(p, g, cs)) {
            continue;
        }
        for (size_t i = p->g[g].lo; i < p->g[g].hi; i++) {
            const term *t = &q->t[i];
            size_t len = strlen(t->text);
            if (t->phrase || t->prefix || !all_letters(t->text) || (strict && len < 5)) {
                continue;
            }
            fix[i] = clear_correction(k, t->text, strict ? 1 : loose_limit(len));
            changed |= fix[i] != NULL;
        }
    }
    return changed ? rewrite(q, fix) : NULL;
}

/* The nearest indexed word for each term (ties allowed), for "did you mean". */
static char *suggest(kb *k, const query *q)
{
    if (!k->vocab) {
        load_vocab(k);
    }
    buf out = BUF_INIT;
    int changed = 0;
    for (size_t i = 0; i < q->n; i++) {
        if (q->t[i].stop) {
            buf_printf(&out, "%s%s", out.len ? " " : "", q->t[i].text);
            continue;
        }
        char *w = lower_dup(q->t[i].text, strlen(q->t[i].text));
        size_t limit = loose_limit(strlen(w));
        const char *best = NULL;
        size_t best_d = limit + 1;
        for (size_t j = 0; j < k->n_vocab; j++) {
            size_t d = osa_distance(w, k->vocab[j], limit);
            if (d < best_d) {
                best_d = d;
                best = k->vocab[j];
            }
        }
        if (out.len) {
            buf_putc(&out, ' ');
        }
        buf_puts(&out, best && best_d > 0 ? best : q->t[i].text);
        changed |= best && best_d > 0;
        free(w);
    }
    if (!changed) {
        buf_free(&out);
        return NULL;
    }
    return buf_detach(&out);
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

static int ci_eq(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!a[i] || (a[i] | 32) != (b[i] | 32)) {
            return 0;
        }
    }
    return 1;
}

/* Length of the longest term found at s (word starts only when at_word_start), or 0. */
static size_t match_at(const char *text, const char *s, const query *q, int word_starts)
{
    if (word_starts && s > text && is_token_byte((unsigned char)s[-1])) {
        return 0;
    }
    size_t best = 0;
    for (size_t t = 0; t < q->n; t++) {
        size_t tl = strlen(q->t[t].text);
        if (!q->t[t].stop && (word_starts || tl >= 3) && tl > best && ci_eq(s, q->t[t].text, tl)) {
            best = tl;
        }
    }
    return best;
}

static void put_marked(buf *b, const char *s, size_t n)
{
    buf_puts(b, KB_MARK_OPEN);
    buf_append(b, s, n);
    buf_puts(b, KB_MARK_CLOSE);
}

/* A ~30-word snippet of text around the first match of a term, cut at word boundaries, with
 * every match marked. Terms match at word starts (prefix fallbacks) or anywhere (substrings).
 * NULL when no term occurs. */
static char *word_snippet(const char *text, const query *q, int word_starts);

/* Where a snippet around first begins: six words back, at a word start. */
static const char *snippet_start(const char *text, const char *first)
{
    const char *start = first;
    for (int words = 0; start > text && words < 6;) {
        start--;
        if (is_space(*start) && start + 1 < first && !is_space(start[1])) {
            words++;
        }
    }
    while (start > text && !is_space(start[-1])) {
        start--;
    }
    return start;
}

static char *word_snippet(const char *text, const query *q, int word_starts)
{
    const char *first = NULL;
    if (!text) {
        return NULL;
    }
    for (const char *s = text; *s && !first; s++) {
        first = match_at(text, s, q, word_starts) ? s : NULL;
    }
    if (!first) {
        return NULL;
    }
    const char *start = snippet_start(text, first);
    buf b = BUF_INIT;
    if (start > text) {
        buf_puts(&b, "…");
    }
    size_t words = 0;
    const char *s = start;
    while (*s && words < 30) {
        size_t m = match_at(text, s, q, word_starts);
        if (m) {
            put_marked(&b, s, m);
            s += m;
            continue;
        }
        if (is_space(*s)) {
            words += !is_space(s[1]);
            if (!b.len || b.data[b.len - 1] != ' ') {
                buf_putc(&b, ' ');
            }
            s++;
            continue;
        }
        buf_putc(&b, *s++);
    }
    while (b.len && b.data[b.len - 1] == ' ') {
        b.len--;
        b.data[b.len] = '\0';
    }
    if (*s) {
        buf_puts(&b, "…");
    }
    return b.data ? buf_detach(&b) : xstrdup("");
}

static char *col_dup(sqlite3_stmt *st, int i)
{
    const char *s = (const char *)sqlite3_column_text(st, i);
    return xstrdup(s ? s : "");
}

/* Every entry's brief from meta "briefs" (read with meta on open); 0 when there is none or it
 * does not hold n entries, each with its four fields. */
static int briefs_from_meta(kb *k, int n)
{
    const char *p = k->briefs_text;
    int ord = 0;
    for (; p && *p && ord < n; ord++) {
        const char *rec_end = strchr(p, KB_RECORD_SEP);
        const char *f[4] = {p, NULL, NULL, NULL}; /* the fields' starts */
        for (int i = 1; i < 4 && rec_end; i++) {
            const char *sep = memchr(f[i - 1], KB_LIST_SEP, (size_t)(rec_end - f[i - 1]));
            f[i] = sep ? sep + 1 : NULL;
            if (!sep) {
                break;
            }
        }
        char *num_end = NULL;
        long line = f[3] ? strtol(f[3], &num_end, 10) : -1;
        if (!f[3] || num_end != rec_end ||
            line < (ord ? k->briefs[ord - 1].first_line : KB_LINE_ROWID) || line > INT32_MAX) {
            break;
        }
        kb_brief *b = &k->briefs[ord];
        b->id = xstrndup(f[0], (size_t)(f[1] - 1 - f[0]));
        b->title = xstrndup(f[1], (size_t)(f[2] - 1 - f[1]));
        b->section = xstrndup(f[2], (size_t)(f[3] - 1 - f[2]));
        b->first_line = (int)line;
        p = rec_end + 1;
    }
    if (p && !*p && ord == n) {
        return 1;
    }
    for (int i = 0; i < ord; i++) {
        kb_brief *b = &k->briefs[i];
        free(b->id);
        free(b->title);
        free(b->section);
        memset(b, 0, sizeof *b);
    }
    return 0;
}

/* Every entry's brief, from meta or else read in one statement, the first time a hit is
 * filled. */
static void load_briefs(kb *k)
{
    int n = count_entries(k);
    k->briefs = xcalloc((size_t)n + 1, sizeof *k->briefs);
    k->n_briefs = (size_t)n;
    if (briefs_from_meta(k, n)) {
        return;
    }
    sqlite3_stmt *st = kb_stmt(k, "SELECT ord, id, title, section FROM entries");
    while (st && sqlite3_step(st) == SQLITE_ROW) {
        int ord = sqlite3_column_int(st, 0);
        if (ord >= 0 && ord < n && !k->briefs[ord].id) {
            kb_brief *b = &k->briefs[ord];
            b->id = col_dup(st, 1);
            b->title = col_dup(st, 2);
            b->section = col_dup(st, 3);
        }
    }
}

/* The text of entry ord, read the first time a snippet needs it ("" when absent). */
static const char *brief_text(kb *k, int ord)
{
    kb_brief *b = ord >= 0 && (size_t)ord < k->n_briefs ? &k->briefs[ord] : NULL;
    if (b && !b->text) {
        sqlite3_stmt *st = kb_stmt(k, "SELECT text FROM entries WHERE ord = ?1");
        if (st) {
            sqlite3_bind_int(st, 1, ord);
            b->text = sqlite3_step(st) == SQLITE_ROW ? col_dup(st, 0) : xstrdup("");
        } else {
            b->text = xstrdup("");
        }
    }
    return b && b->text ? b->text : "";
}

/* The brief of entry ord (borrowed from the handle), or NULL. */
static const kb_brief *brief(kb *k, int ord)
{
    if (!k->briefs) {
        load_briefs(k);
    }
    return ord >= 0 && (size_t)ord < k->n_briefs && k->briefs[ord].id ? &k->briefs[ord] : NULL;
}

/* ---- Snippets from stems ------------------------------------------------------------------ */

typedef struct tok_list {
    kb_tok *t;
    size_t n;
} tok_list;

static int on_token(void *ctx, int flags, const char *token, int n, int start, int end)
{
    tok_list *l = ctx;
    if (flags & FTS5_TOKEN_COLOCATED) {
        return SQLITE_OK;
    }
    l->t = xrealloc(l->t, (l->n + 1) * sizeof *l->t);
    l->t[l->n].start = (unsigned)start;
    l->t[l->n].end = (unsigned)end;
    l->t[l->n].stem = xstrndup(token, (size_t)n);
    l->t[l->n].hash = stem_hash(token, (size_t)n);
    l->n++;
    return SQLITE_OK;
}

static void toks_free(tok_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->t[i].stem);
    }
    free(l->t);
}

/* The words of text as the index stems them; 0 when the tokenizer is unavailable. */
static int stem_words(kb *k, const char *text, int flags, tok_list *out)
{
    out->t = NULL;
    out->n = 0;
    if (!k->stemmer_handle) {
        return 0;
    }
    return k->stemmer.xTokenize(k->stemmer_handle, out, flags, text, (int)strlen(text), on_token) ==
           SQLITE_OK;
}

/* The stemmed words of entry ord's text, tokenized once per handle. */
static const kb_brief *brief_tokens(kb *k, int ord)
{
    const kb_brief *b = brief(k, ord);
    if (b && !b->toks && k->stemmer_handle) {
        tok_list l;
        stem_words(k, brief_text(k, ord), FTS5_TOKENIZE_DOCUMENT, &l);
        k->briefs[ord].toks = l.t ? l.t : xcalloc(1, sizeof *l.t);
        k->briefs[ord].n_toks = l.n;
    }
    return b;
}

/* The phrases of a search, stemmed: what a snippet marks. */
typedef struct stemmed {
    tok_list p[MAX_PHRASES];
    size_t n;
    unsigned char first[256]; /* set for the low byte of each phrase's first word's hash */
} stemmed;

static void stem_plan(kb *k, const plan *p, stemmed *out)
{
    out->n = 0;
    memset(out->first, 0, sizeof out->first);
    for (size_t i = 0; i < p->n_p && i < MAX_PHRASES; i++) {
        tok_list *l = &out->p[out->n++];
        stem_words(k, p->p[i].text, FTS5_TOKENIZE_QUERY, l);
        if (l->n) {
            out->first[l->t[0].hash & 255U] = 1;
        }
    }
}

static void stemmed_free(stemmed *s)
{
    for (size_t i = 0; i < s->n; i++) {
        toks_free(&s->p[i]);
    }
    s->n = 0;
}

/* How many words from toks[i] a phrase matches there (the longest), or 0. */
static size_t phrase_at(const kb_brief *b, size_t i, const stemmed *s)
{
    size_t best = 0;
    if (!s->first[b->toks[i].hash & 255U]) {
        return 0; /* no phrase starts with this word: most words of a text */
    }
    for (size_t p = 0; p < s->n; p++) {
        const tok_list *ph = &s->p[p];
        if (!ph->n || ph->n <= best || i + ph->n > b->n_toks) {
            continue;
        }
        size_t j = 0;
        while (j < ph->n && b->toks[i + j].hash == ph->t[j].hash &&
               strcmp(b->toks[i + j].stem, ph->t[j].stem) == 0) {
            j++;
        }
        best = j == ph->n ? ph->n : best;
    }
    return best;
}

#define SNIPPET_WORDS 30

/* The first word of the 30-word window with the most matched words, starting a few words
 * before its first match; SIZE_MAX when nothing matches. */
static size_t best_window(const kb_brief *b, const unsigned char *hit)
{
    size_t best = SIZE_MAX;
    size_t best_n = 0;
    for (size_t i = 0; i < b->n_toks; i++) {
        if (!hit[i]) {
            continue;
        }
        size_t start = i > 5 ? i - 5 : 0;
        size_t n = 0;
        for (size_t j = start; j < b->n_toks && j < start + SNIPPET_WORDS; j++) {
            n += hit[j];
        }
        if (n > best_n) {
            best_n = n;
            best = start;
        }
    }
    return best;
}

/* Appends text[a..z) with whitespace runs as one space. */
static void put_flat(buf *out, const char *text, size_t a, size_t z)
{
    for (size_t i = a; i < z; i++) {
        if (is_space(text[i])) {
            if (!out->len || out->data[out->len - 1] != ' ') {
                buf_putc(out, ' ');
            }
        } else {
            buf_putc(out, text[i]);
        }
    }
}

/* The snippet text of words [start, start + 30) of b, matched words marked (hit: 1 starts a
 * mark, 2 continues it). Whole space-separated chunks at both ends: "…(https://…/2026…" is
 * not cut inside. Caller frees. */
static char *window_text(const kb_brief *b, const unsigned char *hit, size_t start)
{
    size_t end = start + SNIPPET_WORDS < b->n_toks ? start + SNIPPET_WORDS : b->n_toks;
    buf o = BUF_INIT;
    size_t at = b->toks[start].start;
    size_t from = at;
    while (from > 0 && at - from < 40 && !is_space(b->text[from - 1])) {
        from--;
    }
    from = from > 0 && !is_space(b->text[from - 1]) ? at : from;
    buf_puts(&o, from > 0 ? "…" : "");
    buf_append(&o, b->text + from, at - from);
    for (size_t i = start; i < end; i++) {
        put_flat(&o, b->text, at, b->toks[i].start);
        int open = hit[i] && (i == start || hit[i] == 1);
        int close = hit[i] && (i + 1 == end || hit[i + 1] != 2);
        buf_puts(&o, open ? KB_MARK_OPEN : "");
        buf_append(&o, b->text + b->toks[i].start, b->toks[i].end - b->toks[i].start);
        buf_puts(&o, close ? KB_MARK_CLOSE : "");
        at = b->toks[i].end;
    }
    size_t stop = at;
    while (b->text[stop] && stop - at < 40 && !is_space(b->text[stop])) {
        stop++;
    }
    if (!b->text[stop] || is_space(b->text[stop])) {
        buf_append(&o, b->text + at, stop - at);
        at = stop;
    }
    while (is_space(b->text[at])) {
        at++;
    }
    buf_puts(&o, b->text[at] ? "…" : "");
    return buf_detach(&o);
}

/* A snippet of entry ord: the 30 words with the most query words in them, whole words only,
 * matched words (stemmed, as the index matched them) marked. NULL when no phrase occurs or
 * the tokenizer is unavailable. */
static char *stem_snippet(kb *k, int ord, const stemmed *s)
{
    const kb_brief *b = brief_tokens(k, ord);
    if (!b || !b->n_toks || !s->n) {
        return NULL;
    }
    unsigned char *hit = xcalloc(b->n_toks, 1);
    for (size_t i = 0; i < b->n_toks;) {
        size_t n = phrase_at(b, i, s);
        for (size_t j = 0; j < n; j++) {
            hit[i + j] = (unsigned char)(j == 0 ? 1 : 2); /* 2: inside the same mark */
        }
        i += n ? n : 1;
    }
    size_t start = best_window(b, hit);
    char *out = start != SIZE_MAX ? window_text(b, hit, start) : NULL;
    free(hit);
    return out;
}

static void fill_hit(kb *k, kb_hit *h, int ord)
{
    const kb_brief *b = brief(k, ord);
    h->id = xstrdup(b ? b->id : "");
    h->title = xstrdup(b ? b->title : "");
    h->section = xstrdup(b ? b->section : "");
    h->snippet = NULL; /* fill_one's, or the first words */
}

/* The FTS5 snippet of the body column for a matching row (token-aligned, stemmed matches
 * marked); leaves h->snippet alone when it marks nothing. */
static void fill_snippet(kb *k, kb_hit *h, const char *table, const char *expr, int ord)
{
    char *sql = xasprintf("SELECT snippet(%s, %d, X'01', X'02', '…', 30) FROM %s"
                          " WHERE %s MATCH ?1 AND rowid = ?2",
                          table, BODY_COL, table, table);
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

/* The entry whose source lines include fts row rowid (briefs in meta order: first_line never
 * decreases), or -1. */
static int line_owner(const kb *k, sqlite3_int64 rowid)
{
    size_t lo = 0;
    size_t hi = k->n_briefs;
    while (lo < hi) { /* the first entry whose lines start after rowid */
        size_t mid = (lo + hi) / 2;
        if (k->briefs[mid].first_line <= rowid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo > 0 ? (int)lo - 1 : -1;
}

/* What kbshown(fts, ctx) asks: the handle and which entries are hits. */
typedef struct shown_ctx {
    const kb *k;
    const int *hit_of;
    int n_entries;
} shown_ctx;

/* The auxiliary function kbshown(fts, ctx): 1 when the row is a source line of a hit, so that
 * the lines query highlights (and reads) only the rows it shows. */
static void aux_shown(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx,
                      int n_args, sqlite3_value **args)
{
    const shown_ctx *s = n_args == 1 ? sqlite3_value_pointer(args[0], "kbshown") : NULL;
    int ord = s ? line_owner(s->k, api->xRowid(fts)) : -1;
    sqlite3_result_int(ctx, ord >= 0 && ord < s->n_entries && s->hit_of[ord] >= 0);
}

/* Matching lines of every hit in one pass over the index's source-line rows. Rows are in
 * entry and line order. hit_of[ord] is the hit index of an entry, or -1. With every entry's
 * first line known (meta), a row's entry comes from its rowid and rows of other entries are
 * skipped unread; else from the row's entry column (not indexed, so a per-hit query would
 * match them all once per hit). */
static void fill_lines_fts(kb *k, kb_results *r, const int *hit_of, int n_entries, const char *expr)
{
    int by_rowid = k->n_briefs == (size_t)n_entries && n_entries > 0 &&
                   k->briefs[0].first_line >= KB_LINE_ROWID;
/* The source-line rows matching ?1 with their highlighted text, in rowid order. */
#define LINES_SQL(first_col, and_where)                                                            \
    "SELECT " first_col ", lineno, highlight(fts, " KB_STR(                                        \
        LINE_COL) ", X'01', X'02') FROM fts"                                                       \
                  " WHERE fts MATCH ?1 AND rowid >= " KB_STR(KB_LINE_ROWID) and_where              \
        " ORDER BY rowid"
    sqlite3_stmt *st = by_rowid ? kb_stmt(k, LINES_SQL("rowid", " AND kbshown(fts, ?2)"))
                                : kb_stmt(k, LINES_SQL("entry", ""));
#undef LINES_SQL
    if (!st) {
        return;
    }
    shown_ctx sc = {k, hit_of, n_entries};
    sqlite3_bind_text(st, 1, expr, -1, SQLITE_STATIC);
    if (by_rowid) {
        sqlite3_bind_pointer(st, 2, &sc, "kbshown", NULL);
    }
    while (sqlite3_step(st) == SQLITE_ROW) {
        int ord = by_rowid ? line_owner(k, sqlite3_column_int64(st, 0)) : sqlite3_column_int(st, 0);
        if (ord >= 0 && ord < n_entries && hit_of[ord] >= 0) {
            push_line(&r->hits[hit_of[ord]], sqlite3_column_int(st, 1),
                      (const char *)sqlite3_column_text(st, 2));
        }
    }
    /* sc dies here; the cached statement stays (a stepped statement takes no new binding
     * until it is reset) */
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

/* Marks every occurrence of a term in line (word starts only when word_starts); NULL when
 * there is none. */
static char *mark_line(const char *line, const query *q, int word_starts)
{
    buf out = BUF_INIT;
    int any = 0;
    for (const char *s = line; *s;) {
        size_t m = match_at(line, s, q, word_starts);
        if (m) {
            put_marked(&out, s, m);
            s += m;
            any = 1;
        } else {
            buf_putc(&out, *s++);
        }
    }
    if (!any) {
        buf_free(&out);
        return NULL;
    }
    return buf_detach(&out);
}

/* Lines of one entry with a term in them (partial fallbacks), marked. */
static void fill_lines_marked(kb *k, kb_hit *h, const query *q, int ord, int word_starts)
{
    sqlite3_stmt *st = NULL;
    if ((st = kb_stmt(k, "SELECT markdown, line_start FROM entries WHERE ord = ?1")) == NULL) {
        return;
    }
    sqlite3_bind_int(st, 1, ord);
    if (sqlite3_step(st) != SQLITE_ROW) {
        return;
    }
    const char *md = (const char *)sqlite3_column_text(st, 0);
    int lineno = sqlite3_column_int(st, 1);
    for (const char *p = md; p && *p; lineno++) {
        const char *nl = strchr(p, '\n');
        char *line = xstrndup(p, nl ? (size_t)(nl - p) : strlen(p));
        char *marked = mark_line(line, q, word_starts);
        if (marked) {
            push_line(h, lineno, marked);
        }
        free(marked);
        free(line);
        p = nl ? nl + 1 : NULL;
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

/* What one search found before hits are filled. */
typedef struct found {
    cands cs;
    kb_fallback stage;
    char *expr;       /* stemmed OR expression (lines, snippets); "" for an ID */
    char *correction; /* a rewritten query to run instead, or NULL */
    stemmed *stems;   /* the plan's phrases stemmed, for snippets (NULL: none wanted) */
} found;

static kb_status check_text(const char *text, kb_diag *diag)
{
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
    for (const char *p = text; *p; p++) {
        if (!is_space(*p)) {
            return KB_OK;
        }
    }
    kb_diag_set(diag, "", 0, "empty query");
    return KB_ERR_INPUT;
}

/* 1 when a group that matched no candidate has a phrase whose last word (of three or more
 * characters) starts an indexed word. */
static int prefix_may_help(kb *k, const plan *p, const cands *cs)
{
    for (size_t g = 0; g < p->n_g; g++) {
        if (!group_unmatched(p, g, cs)) {
            continue;
        }
        for (size_t a = 0; a < p->g[g].n_alts; a++) {
            const alt *al = &p->g[g].alts[a];
            const char *text = p->p[al->first + al->n - 1].text;
            const char *last = strrchr(text, ' ');
            char *w = lower_dup(last ? last + 1 : text, strlen(last ? last + 1 : text));
            int hit = token_chars(w) >= 3 && vocab_has_prefix(k, w);
            free(w);
            if (hit) {
                return 1;
            }
        }
    }
    return 0;
}

/* The any-word stage over what the earlier stages found (after a correction check). */
static kb_status any_stage(kb *k, const query *q, const plan *p, int correct, found *f)
{
    if (correct) {
        f->correction = corrections(k, q, p, &f->cs, 1);
        if (f->correction) {
            return KB_OK;
        }
    }
    if (p->n_g >= 2 && f->cs.n > 0) {
        score(p, &f->cs, count_entries(k));
        f->stage = KB_MATCH_ANY;
    } else {
        f->cs.n = 0;
        f->stage = KB_MATCH_NONE;
    }
    return KB_OK;
}

/* The word stages: all, prefix, any. Sets f->stage (KB_MATCH_NONE when none matched) and,
 * when allowed, f->correction for words found nowhere. */
static kb_status word_stages(kb *k, const query *q, const plan *p, int correct, found *f,
                             kb_diag *diag)
{
    int n_entries = count_entries(k);
    f->expr = plan_expr(p, 0);
    kb_status st = run_query(k, "fts", f->expr, &f->cs, diag);
    if (st != KB_OK) {
        return st;
    }
    if (score(p, &f->cs, n_entries) > 0) {
        keep_complete(&f->cs);
        f->stage = KB_MATCH_ALL;
        return KB_OK;
    }
    if (!prefix_may_help(k, p, &f->cs)) {
        /* No word that matched nothing is the start of an indexed word: the prefix stage
         * cannot add a match (a query with a word from nowhere skips a whole FTS5 pass). */
        return any_stage(k, q, p, correct, f);
    }
    cands px;
    char *pexpr = plan_expr(p, 1);
    st = run_query(k, "fts_exact", pexpr, &px, diag);
    free(pexpr);
    if (st != KB_OK) {
        return st;
    }
    size_t complete = score(p, &px, n_entries);
    merge_cands(&f->cs, &px);
    free(px.c);
    if (complete == 0) {
        complete = score(p, &f->cs, n_entries);
    }
    if (complete > 0 && !(correct && (f->correction = corrections(k, q, p, &f->cs, 1)))) {
        keep_complete(&f->cs);
        f->stage = KB_MATCH_PREFIX;
        return KB_OK;
    }
    return f->correction ? KB_OK : any_stage(k, q, p, correct, f);
}

static kb_status find(kb *k, const char *text, const kb_search_opts *opts, int correct, query *q,
                      found *f, kb_diag *diag)
{
    int id_ord = opts->raw ? -1 : lookup_id(k, text);
    if (id_ord >= 0) {
        f->cs.c = xcalloc(1, sizeof *f->cs.c);
        f->cs.c->ord = id_ord;
        f->cs.c->score = 1000.0;
        f->cs.n = 1;
        f->stage = KB_MATCH_ID;
        f->expr = xstrdup("");
        return KB_OK;
    }
    if (opts->raw) {
        f->expr = xstrdup(text);
        kb_status st = run_query(k, "fts", f->expr, &f->cs, diag);
        for (size_t j = 0; j < f->cs.n; j++) {
            f->cs.c[j].score = -f->cs.c[j].bm25;
        }
        sort_cands(&f->cs);
        f->stage = f->cs.n ? KB_MATCH_ALL : KB_MATCH_NONE;
        return st;
    }
    kb_status st = parse_query(text, q, diag);
    if (st != KB_OK) {
        return st;
    }
    plan p;
    build_plan(k, q, &p);
    if (!opts->skip_snippets && k->stemmer_handle) {
        f->stems = xcalloc(1, sizeof *f->stems);
        stem_plan(k, &p, f->stems);
    }
    st = p.n_g ? word_stages(k, q, &p, correct, f, diag) : KB_OK;
    if (!p.n_g) {
        f->expr = xstrdup("");
        f->stage = KB_MATCH_NONE;
    }
    if (st == KB_OK && !f->correction && f->stage == KB_MATCH_NONE && q->n) {
        free(f->cs.c);
        st = run_substring(k, q, &f->cs, diag);
        f->stage = f->cs.n ? KB_MATCH_SUBSTRING : KB_MATCH_NONE;
        if (st == KB_OK && !f->cs.n && correct) {
            f->correction = corrections(k, q, &p, NULL, 0);
        }
    }
    if (st == KB_OK && f->stage != KB_MATCH_NONE) {
        sort_cands(&f->cs);
    }
    plan_free(&p);
    return st;
}

static void found_free(found *f)
{
    free(f->cs.c);
    free(f->expr);
    free(f->correction);
    if (f->stems) {
        stemmed_free(f->stems);
        free(f->stems);
    }
    memset(f, 0, sizeof *f);
}

static void fill_one(kb *k, kb_results *r, const found *f, const query *q,
                     const kb_search_opts *opts, size_t i)
{
    kb_hit *h = &r->hits[i];
    int ord = f->cs.c[i].ord;
    fill_hit(k, h, ord);
    h->score = f->cs.c[i].score;
    if (opts->skip_snippets) {
        h->snippet = xstrdup("");
    }
    const char *text = opts->skip_snippets ? "" : brief_text(k, ord);
    int words = r->fallback == KB_MATCH_PREFIX || r->fallback == KB_MATCH_ANY;
    int marked = !opts->skip_snippets && r->fallback != KB_MATCH_ID;
    if (marked && (r->fallback == KB_MATCH_ALL || r->fallback == KB_MATCH_ANY) && f->stems) {
        h->snippet = stem_snippet(k, ord, f->stems);
    } else if (marked && (r->fallback == KB_MATCH_ALL || r->fallback == KB_MATCH_ANY)) {
        fill_snippet(k, h, "fts", f->expr, ord);
    }
    if (marked && !opts->raw && (!h->snippet || !strstr(h->snippet, KB_MARK_OPEN))) {
        char *s = word_snippet(text, q, words);
        if (s) {
            free(h->snippet);
            h->snippet = s;
        }
    }
    if (!h->snippet) {
        h->snippet = first_words(text, 30);
    }
    if (opts->want_lines && r->fallback == KB_MATCH_ID) {
        fill_lines_id(k, h, ord);
    } else if (opts->want_lines && r->fallback != KB_MATCH_ALL && r->fallback != KB_MATCH_ANY) {
        fill_lines_marked(k, h, q, ord, words);
    }
}

static void fill_hits(kb *k, kb_results *r, const found *f, const query *q,
                      const kb_search_opts *opts)
{
    size_t n = f->cs.n;
    size_t want = opts->limit;
    if (!want && r->fallback == KB_MATCH_ANY) {
        want = KB_ANY_DEFAULT_LIMIT;
    }
    size_t limit = want && want < n ? want : n;
    r->total = n;
    r->hits = xcalloc(limit ? limit : 1, sizeof *r->hits);
    int n_entries = count_entries(k);
    int *hit_of = xmalloc(((size_t)n_entries + 1) * sizeof *hit_of);
    for (int i = 0; i <= n_entries; i++) {
        hit_of[i] = -1;
    }
    for (size_t i = 0; i < limit; i++) {
        fill_one(k, r, f, q, opts, i);
        r->n++;
        if (f->cs.c[i].ord >= 0 && f->cs.c[i].ord < n_entries) {
            hit_of[f->cs.c[i].ord] = (int)i;
        }
    }
    /* Lines match any of the words, as grep would show them. */
    if (opts->want_lines && limit && *f->expr &&
        (r->fallback == KB_MATCH_ALL || r->fallback == KB_MATCH_ANY)) {
        fill_lines_fts(k, r, hit_of, n_entries, f->expr);
        for (size_t i = 0; i < r->n && !opts->raw; i++) {
            if (!r->hits[i].n_lines) { /* matched by prefix only */
                fill_lines_marked(k, &r->hits[i], q, f->cs.c[i].ord, 1);
            }
        }
    }
    free(hit_of);
}

kb_status kb_search(kb *k, const char *text, const kb_search_opts *opts, kb_results **out,
                    kb_diag *diag)
{
    kb_search_opts defaults = {0, 0, 0, 0, 0};
    if (!opts) {
        opts = &defaults;
    }
    *out = NULL;
    kb_status st = check_text(text, diag);
    if (st != KB_OK) {
        return st;
    }
    if (!search_ready(k)) {
        kb_diag_set(diag, "", 0, "search failed: %s", sqlite3_errmsg(k->db));
        return KB_ERR_DB;
    }
    query q;
    memset(&q, 0, sizeof q);
    found f;
    memset(&f, 0, sizeof f);
    char *corrected = NULL;
    st = find(k, text, opts, !opts->no_correct, &q, &f, diag);
    if (st == KB_OK && f.correction) {
        corrected = f.correction;
        f.correction = NULL;
        found_free(&f);
        query_free(&q);
        st = find(k, corrected, opts, 0, &q, &f, diag);
        if (st == KB_OK && f.stage == KB_MATCH_NONE) {
            /* The correction found nothing either: say what was searched, suggest it. */
            found_free(&f);
            query_free(&q);
            st = find(k, text, opts, 0, &q, &f, diag);
            free(corrected);
            corrected = NULL;
        }
    }
    if (st != KB_OK) {
        found_free(&f);
        query_free(&q);
        free(corrected);
        return st;
    }
    kb_results *r = xcalloc(1, sizeof *r);
    r->fallback = f.stage;
    if (corrected) {
        r->corrected = corrected;
        r->typed = xstrdup(text);
    }
    fill_hits(k, r, &f, &q, opts);
    if (r->fallback == KB_MATCH_NONE && q.n) {
        r->suggestion = suggest(k, &q);
    }
    r->understood = f.expr;
    f.expr = NULL;
    found_free(&f);
    query_free(&q);
    *out = r;
    return KB_OK;
}

char *kb_results_note(const kb_results *r)
{
    buf b = BUF_INIT;
    if (r->corrected) {
        buf_printf(&b, "showing results for %s; search instead for %s", r->corrected, r->typed);
    }
    const char *sep = b.len ? ". " : "";
    switch (r->fallback) {
    case KB_MATCH_PREFIX:
        buf_printf(&b, "%sno entry has these exact words; showing words that start with them", sep);
        break;
    case KB_MATCH_ANY:
        buf_printf(&b, "%sno entry has every word; ", sep);
        if (r->total > r->n) {
            buf_printf(&b, "showing the best %zu of %zu entries that have some of them (%zu more)",
                       r->n, r->total, r->total - r->n);
        } else {
            buf_puts(&b, "showing entries that have some of them");
        }
        break;
    case KB_MATCH_SUBSTRING:
        buf_printf(&b, "%sno word matched; showing entries that contain the text inside words",
                   sep);
        break;
    case KB_MATCH_NONE:
        buf_printf(&b, "%sno entry matches", sep);
        if (r->suggestion) {
            buf_printf(&b, "; did you mean: %s", r->suggestion);
        }
        break;
    default:
        break;
    }
    if (!b.len) {
        buf_free(&b);
        return NULL;
    }
    return buf_detach(&b);
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
    free(r->corrected);
    free(r->typed);
    free(r);
}
