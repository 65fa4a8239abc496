/* Private to the kb module: the in-memory corpus produced by the markdown parser and consumed
 * by the SQLite writer, and helpers shared between the kb module files. No other module includes
 * it. */
#ifndef OOMKB_KB_INT_H
#define OOMKB_KB_INT_H

#include <sqlite3.h>
#include <stddef.h>

#include "kb/kb.h"

/* Format tag stored in the meta table; a file without it is not an oomkb KB. */
#define KB_FORMAT "oomkb-kb-8"
/* Separates the items of an entry's lists (identifiers, references, ...) in its row: a
 * control character no word, ID, document name or URL of the guide contains. */
#define KB_LIST_SEP '\x1f'
/* Separates the entries of meta "briefs" (each "id<KB_LIST_SEP>title<KB_LIST_SEP>section
 * <KB_LIST_SEP>first line rowid"). */
#define KB_RECORD_SEP '\x1e'
/* The first rowid of the fts table's source-line rows (entries are rows 0..n-1). */
#define KB_LINE_ROWID 1048576
#define KB_STR_(x) #x
#define KB_STR(x) KB_STR_(x)

#define KB_STMT_CACHE 32

struct kb {
    sqlite3 *db;
    char fingerprint[17];
    unsigned char *owned_image; /* freed on close when the image was copied */
    int n_entries;
    /* Prepared statements by SQL text: a search runs the same few statements per hit, and a
     * server runs them for every query; preparing is a large share of a one-shot search. */
    struct {
        char *sql;
        sqlite3_stmt *st;
    } stmts[KB_STMT_CACHE];
    int n_stmts;
    int aux;     /* 1 once the fallback tables are attached as "aux", -1 when they cannot be */
    int builtin; /* the KB compiled into the binary (kb_open_embedded) */
    /* Loaded on first use by search.c and kept for the handle's life. */
    char *synonyms_text; /* meta "synonyms": "words<TAB>alt | alt" lines (read on open) */
    char *links_text;    /* meta "links": "document<TAB>url" lines (read on open) */
    char *briefs_text;   /* meta "briefs": every entry's ID, title, section, first line row */
    int search_ready;    /* the auxiliary functions are registered */
    struct kb_synonym *synonyms; /* the KB's synonym table */
    size_t n_synonyms;
    char **vocab; /* the indexed words, sorted, for spelling corrections and prefix checks
                   * (NULL until needed); they point into vocab_text */
    size_t n_vocab;
    char *vocab_text;
    struct kb_brief *briefs; /* per entry, by ord: what a hit shows (NULL until needed) */
    size_t n_briefs;
    /* The index's own tokenizer (porter over unicode61), to find stemmed matches in a hit's
     * text without asking FTS5 for a snippet per hit. */
    fts5_tokenizer stemmer;
    Fts5Tokenizer *stemmer_handle; /* NULL when unavailable: snippets come from FTS5 */
};

/* What a search hit shows of an entry, read once per handle. */
typedef struct kb_brief {
    char *id, *title, *section, *text;
    int first_line;      /* the fts rowid of the entry's first source line (meta); 0: unknown */
    struct kb_tok *toks; /* text's words with their stems (snippets; NULL until needed) */
    size_t n_toks;
    unsigned *title_stems; /* hashes of the title's stemmed words (NULL until needed) */
    size_t n_title_stems;
} kb_brief;

/* One word of an entry's text: where it is and its stem as the index has it. */
typedef struct kb_tok {
    unsigned start, end; /* byte offsets in the text */
    unsigned hash;       /* of the stem, to compare words without strcmp */
    char *stem;
} kb_tok;

/* One row of a KB's synonym table: when the query has these words, each alternative counts
 * as them. */
typedef struct kb_synonym {
    const char *row; /* its line of kb->synonyms_text ("words<TAB>alt | alt") */
    size_t row_len;
    int parsed;   /* the fields below are filled (rows are parsed when first needed) */
    char **words; /* lowercase query words, in order */
    int *stop;    /* per word: a stopword */
    size_t n_words;
    kb_strlist also; /* alternatives (a word or a phrase each) */
} kb_synonym;

/* Records the public link of built-in entry id (document doc, markdown from its heading line)
 * in kb_entry_url's cache, so that printing the link of an entry just read from the built-in
 * KB does not open a second handle on it. Thread-safe. */
void kb_url_cache_note(const char *id, const char *doc, const char *markdown);

/* Frees what search.c loaded into a handle (called by kb_close). */
void kb_search_state_free(kb *k);

/* A prepared statement for sql from the handle's cache, reset and unbound; NULL on error (the
 * message is in sqlite3_errmsg). Borrowed: do not finalize; valid until kb_close. */
sqlite3_stmt *kb_stmt(kb *k, const char *sql);
/* Attaches the fallback stages' tables (aux.fts_exact, aux.tri, aux.words) from the image's
 * aux_image row, once per handle; the copy is SQLite's and goes with the handle. KB_OK, or
 * KB_ERR_DB with a message when the KB has no usable copy. */
kb_status kb_attach_aux(kb *k, kb_diag *diag);

typedef struct kb_src_line {
    int lineno;
    char *text;
} kb_src_line;

typedef struct kb_src_entry {
    char *id;
    char *title;
    char *title_md;
    char *section;
    size_t doc; /* index into corpus docs */
    int line_start, line_end;
    char *markdown;
    char *body_md; /* markdown after the heading line(s) */
    char *html;
    char *text;
    /* The labelled parts of the body as plain text ("" when the entry has no such label):
     * "**Symptom**", "**Root cause ...**", "**Fix ...**". People search by symptom, so the
     * index keeps these apart and weights them (see search.c). */
    char *symptom, *cause, *fix;
    kb_strlist idents, refs, ext_refs, urls;
    int *ref_lines; /* source line of each refs item */
} kb_src_entry;

typedef struct kb_src_doc {
    char *path; /* as given, for diagnostics */
    char *name; /* file name without folders */
    char *title;
    char *intro_md;
    char *intro_html;
    const char *raw; /* borrowed during compilation */
    size_t raw_len;
} kb_src_doc;

typedef struct kb_corpus {
    kb_src_doc *docs;
    size_t n_docs;
    kb_src_entry *entries;
    size_t n_entries;
    /* Synonym rows from .tsv inputs: words[i] (space-separated) -> also[i] ("a | b"). */
    kb_strlist syn_words, syn_also;
    /* From *links.tsv inputs: documents outside the KB -> their public source. */
    kb_strlist link_names, link_urls;
} kb_corpus;

/* Reads a synonym table (a .tsv input: "words<TAB>alt | alt<TAB>the case that needed it",
 * # comments) into the corpus. KB_ERR_INPUT with file:line for a malformed row. Pure. */
kb_status kb_synonyms_add(kb_corpus *c, const char *name, const char *text, size_t len,
                          kb_diag *diag);

/* Reads a links table (a *links.tsv input: "document<TAB>https URL", # comments): where a
 * document the guide mentions but the KB does not hold can be read. Pure. */
kb_status kb_links_add(kb_corpus *c, const char *name, const char *text, size_t len, kb_diag *diag);

/* Parses one markdown document into the corpus (pure: no I/O). Entry HTML and references are
 * filled by kb_corpus_finish, once every document's IDs are known. */
kb_status kb_corpus_add(kb_corpus *c, const char *name, const char *text, size_t len,
                        kb_diag *diag);
/* Resolves references, renders HTML, checks for no entries. */
kb_status kb_corpus_finish(kb_corpus *c, kb_warn_fn warn, void *ud, kb_diag *diag);
void kb_corpus_free(kb_corpus *c);

/* Writes the corpus into a fresh SQLite image (caller frees *out). */
kb_status kb_store_image(const kb_corpus *c, unsigned char **out, size_t *out_len, kb_diag *diag);

/* Opens an image that outlives the handle (the embedded blob); not copied. */
kb_status kb_open_static_image(const unsigned char *image, size_t len, const char *what, kb **out,
                               kb_diag *diag);

/* Markdown rendering with optional entry-reference linking (known: sorted IDs, may be NULL). */
char *kb_md_to_html(const char *markdown, const kb_strlist *known_ids);

/* An ID is letters then digits ("M8", "U43"); returns the length of such a token at s, or 0. */
size_t kb_id_len(const char *s);

void kb_diag_set(kb_diag *d, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Appends a copy of s (of s[0..n) for _n) to l. */
void kb_strlist_push(kb_strlist *l, const char *s);
void kb_strlist_push_n(kb_strlist *l, const char *s, size_t n);
int kb_strlist_has(const kb_strlist *l, const char *s);

/* Levenshtein distance, ASCII case-insensitive (99 for inputs over 64 bytes). */
size_t kb_edit_distance(const char *a, const char *b);

/* Small English stopword test used by search ranking (lowercase ASCII input). */
int kb_is_stopword(const char *w, size_t n);

#endif
