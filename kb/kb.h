/* The knowledge base: compiling markdown field guides into a SQLite FTS5 index, opening a
 * compiled index (built into the binary or from a file), reading entries and searching.
 *
 * Data flow: markdown --kb_compile--> SQLite file --kb_open_*--> kb handle --kb_search /
 * kb_entry_get--> results. The server, the linter and the CLI all read through this header.
 *
 * Ownership: every pointer returned through an out-parameter belongs to the caller and is
 * released with the matching *_free function; *_free(NULL) is a no-op. Borrowed inputs are
 * not kept after a call returns.
 * Threads: a kb handle may be used by one thread at a time. Open one handle per thread (an
 * embedded KB opens in well under a millisecond and shares its read-only image). */
#ifndef OOMKB_KB_H
#define OOMKB_KB_H

#include <stddef.h>

typedef enum kb_status {
    KB_OK = 0,
    KB_ERR_IO,        /* a file could not be read or written */
    KB_ERR_INPUT,     /* the markdown or the query is not acceptable; see the diagnostic */
    KB_ERR_NOT_FOUND, /* no such entry */
    KB_ERR_DB,        /* SQLite failed, or the file is not an oomkb knowledge base */
} kb_status;

/* A caller-owned diagnostic, filled at the failure site. file/line are set for input
 * errors in markdown (line 0 when not tied to a line). */
typedef struct kb_diag {
    char file[256];
    int line;
    char message[512];
} kb_diag;

/* Called for each warning while compiling (for example a reference to an unknown ID). */
typedef void (*kb_warn_fn)(void *ud, const char *file, int line, const char *message);

/* Markers that kb_search puts around matched terms in snippets and lines. They never occur in
 * a compiled KB (the compiler rejects control bytes); consumers escape the text, then replace them.
 */
#define KB_MARK_OPEN "\x01"
#define KB_MARK_CLOSE "\x02"

/* Upper bound on one markdown input, in bytes. */
#define KB_MAX_DOC_BYTES ((size_t)16 * 1024 * 1024)
/* The most entries a KB holds (more is KB_ERR_INPUT when compiling). */
#define KB_MAX_ENTRIES 100000
/* Upper bound on a search query, in bytes (longer is KB_ERR_INPUT). */
#define KB_MAX_QUERY_BYTES 1024u
/* Upper bound on the words of a search query (more is KB_ERR_INPUT). */
#define KB_MAX_QUERY_TERMS 32

/* ---- Compiling ------------------------------------------------------------------------ */

/* Compiles the markdown documents paths[0..n) into a new SQLite file at out_path (replacing
 * it). Structure: "# " is the document title, "## " a section, "### <ID> — <title>" an entry,
 * where ID is letters then digits; an entry runs to the next entry, section or thematic break.
 * A path ending in ".tsv" is a synonym table ("words<TAB>alt | alt<TAB>the query that needed
 * the row"); one ending in "links.tsv" maps documents outside the KB to their public source
 * ("name<TAB>https://..."); a malformed row is KB_ERR_INPUT naming file and line.
 * Errors (no entries, duplicate IDs, an empty entry, an unreadable or non-UTF-8 file, control
 * bytes) return
 * KB_ERR_INPUT or KB_ERR_IO with diag naming file and line; nothing is written then.
 * warn (may be NULL) receives warnings. */
kb_status kb_compile(const char *const *paths, size_t n_paths, const char *out_path,
                     kb_warn_fn warn, void *warn_ud, kb_diag *diag);

/* As kb_compile, but from memory into a serialized SQLite image (*out_image of *out_len
 * bytes, caller frees with free()). Used by the build, tests and fuzzers.
 * names[i] is the document name shown in diagnostics for texts[i] of lens[i] bytes. */
kb_status kb_compile_buffers(const char *const *names, const char *const *texts, const size_t *lens,
                             size_t n, unsigned char **out_image, size_t *out_len, kb_warn_fn warn,
                             void *warn_ud, kb_diag *diag);

/* ---- Opening -------------------------------------------------------------------------- */

typedef struct kb kb;

/* Opens the KB compiled into this binary. */
kb_status kb_open_embedded(kb **out, kb_diag *diag);
/* Opens a compiled KB file read-only; a file that is not one is KB_ERR_DB with a message. */
kb_status kb_open_file(const char *path, kb **out, kb_diag *diag);
/* Opens path if non-NULL, else $OOMKB_DB if set and non-empty, else the embedded KB. */
kb_status kb_open_default(const char *path, kb **out, kb_diag *diag);
/* Opens a serialized image (as from kb_compile_buffers); the image is copied. */
kb_status kb_open_image(const unsigned char *image, size_t len, kb **out, kb_diag *diag);
/* Releases k. After kb_process_oneshot, the last KB closed is kept (still reachable) until the
 * process exits instead: the exit returns its memory at once, where closing it piece by piece
 * cost 7% of a one-shot search. */
void kb_close(kb *k);
/* Sets SQLite up for a process that uses the knowledge base from one thread and exits soon (a
 * shell command such as `oomkb search`): no mutexes and no memory statistics (a tenth of a
 * search's instructions went to locking), the image read in place (no page copies), a page
 * cache that starts at 1 page rather than 20 (fewer fresh pages touched), and kb_close
 * deferred to the exit. Call before anything else touches SQLite. Returns 0, or -1 when SQLite
 * was already initialised (nothing changes). */
int kb_process_oneshot(void);

/* A short fingerprint of the KB's content (hex, stable for identical content), for ETags.
 * Borrowed: valid until kb_close. */
const char *kb_fingerprint(const kb *k);

/* ---- Entries -------------------------------------------------------------------------- */

typedef struct kb_strlist {
    char **items;
    size_t n;
} kb_strlist;

typedef struct kb_entry {
    char *id;        /* "M8" */
    char *title;     /* plain text: "expandable_segments:True (the free fragmentation fix)" */
    char *title_md;  /* the heading's markdown after "ID — " */
    char *section;   /* "Fixes, in order (cheapest / least-science-disturbing first)" */
    char *doc;       /* document file name, e.g. "oom-memory.md" */
    char *doc_title; /* the document's "# " title */
    int ord;         /* 0-based position in the KB */
    int line_start;  /* 1-based source lines of the entry, heading included */
    int line_end;
    char *markdown;       /* exact source slice, lines line_start..line_end */
    char *html;           /* cmark HTML (safe: raw HTML never passes), entry references linked */
    char *text;           /* plain text of the body */
    kb_strlist idents;    /* code identifiers mentioned (inline code and code blocks) */
    kb_strlist refs;      /* IDs of entries this one references, in order, unique */
    kb_strlist backlinks; /* IDs of entries that reference this one */
    kb_strlist ext_refs;  /* references outside the KB: "gotchas_universal.md U9", ... */
    kb_strlist ext_urls;  /* per ext_refs item: its public source (from the KB's links
                           * table), or "" when none is known */
    kb_strlist urls;
    char *symptom; /* the labelled parts as plain text, "" when absent (kb_entry_fields) */
    char *cause;
    char *fix;
    char *prev_id; /* NULL at the ends */
    char *next_id;
} kb_entry;

/* Splits an entry body (markdown) into its Symptom, Root cause and Fix parts: a line that
 * starts with "**Symptom", "**Root cause" or "**Fix" opens that part, which runs to the next
 * such line. Writes malloc'd plain text (possibly "") to each out-parameter. Pure. */
void kb_entry_fields(const char *body_md, char **out_symptom, char **out_cause, char **out_fix);

/* Looks up an entry by ID, case-insensitively ("m8" finds M8). KB_ERR_NOT_FOUND if absent. */
kb_status kb_entry_get(kb *k, const char *id, kb_entry **out, kb_diag *diag);
void kb_entry_free(kb_entry *e);

/* One row of the table of contents. */
typedef struct kb_toc_item {
    char *id;
    char *title;
    char *section;
    char *doc;
} kb_toc_item;

typedef struct kb_toc {
    kb_toc_item *items; /* in KB order */
    size_t n;
} kb_toc;

kb_status kb_toc_get(kb *k, kb_toc **out, kb_diag *diag);
void kb_toc_free(kb_toc *t);

/* The documents the KB was compiled from. */
typedef struct kb_doc_info {
    char *name;       /* "oom-memory.md" */
    char *title;      /* plain text of the "# " heading */
    char *intro_md;   /* markdown between the title and the first section */
    char *intro_html; /* its HTML */
} kb_doc_info;

typedef struct kb_docs {
    kb_doc_info *items;
    size_t n;
} kb_docs;

kb_status kb_docs_get(kb *k, kb_docs **out, kb_diag *diag);
void kb_docs_free(kb_docs *d);

/* Up to max IDs nearest to a mistyped id (edit distance, then KB order), into *out
 * (caller frees with kb_strlist_free). */
kb_status kb_suggest_ids(kb *k, const char *id, size_t max, kb_strlist *out);
void kb_strlist_free(kb_strlist *l);

/* ---- Searching ------------------------------------------------------------------------ */

typedef enum kb_fallback {
    KB_MATCH_ALL = 0,   /* every term matched (the normal case) */
    KB_MATCH_ID,        /* the query was an entry ID */
    KB_MATCH_PREFIX,    /* nothing matched whole words; terms matched as prefixes */
    KB_MATCH_ANY,       /* no entry had every term; entries with any term */
    KB_MATCH_SUBSTRING, /* terms matched inside words */
    KB_MATCH_NONE,      /* nothing matched; see suggestion */
} kb_fallback;

/* "all", "id", "prefix", "any", "substring", "none". */
const char *kb_fallback_name(kb_fallback f);

/* With no limit asked for, the any-word fallback shows this many hits and counts the rest. */
#define KB_ANY_DEFAULT_LIMIT 5

typedef struct kb_search_opts {
    size_t limit;      /* at most this many hits (0 = all; KB_ANY_DEFAULT_LIMIT for the
                        * any-word fallback) */
    int raw;           /* 1: the query is FTS5 syntax, passed as is; errors are KB_ERR_INPUT */
    int want_lines;    /* 1: fill each hit's matching source lines */
    int skip_snippets; /* 1: no snippet (""): saves reading and tokenizing every hit's text
                        * when none is shown */
    int no_correct;    /* 1: search words as typed, never a spelling correction */
} kb_search_opts;

typedef struct kb_line {
    int lineno; /* 1-based line in the source document */
    char *text; /* the source line with KB_MARK_OPEN/CLOSE around matched terms */
} kb_line;

typedef struct kb_hit {
    char *id;
    char *title;
    char *section;
    double score;  /* higher is better; comparable within one result set only */
    char *snippet; /* ~30 words of plain text with marks */
    kb_line *lines;
    size_t n_lines;
} kb_hit;

typedef struct kb_results {
    kb_hit *hits;
    size_t n;
    size_t total; /* entries that matched; more than n when a limit cut the list */
    kb_fallback fallback;
    char *understood; /* the FTS5 expression that produced the hits ("" for an ID) */
    char *suggestion; /* with KB_MATCH_NONE: the closest indexed words, or NULL */
    char *corrected;  /* the query as searched when misspelt words were corrected, else NULL */
    char *typed;      /* with corrected: the query as typed */
} kb_results;

/* Searches. User text is quoted term by term, so punctuation and FTS5 keywords are plain
 * text; "double-quoted phrases" and a trailing * (prefix) keep their meaning. An entry ID
 * alone goes to that entry. Words are matched with their spelling variants (zero3 = zero-3 =
 * ZeRO 3, 8bit = 8-bit) and the KB's synonym table; a word found nowhere whose correction is
 * clear is corrected (see corrected), unless opts->no_correct. Ranking weighs where each word
 * matched: title, then an entry's Symptom, identifiers, Root cause, Fix, section, body. An
 * empty query is KB_ERR_INPUT. Hits are best first. */
kb_status kb_search(kb *k, const char *text, const kb_search_opts *opts, kb_results **out,
                    kb_diag *diag);
void kb_results_free(kb_results *r);

/* 1 when text has more words or bytes than kb_search takes: callers that accept pasted text
 * search kb_query_key_terms(text) instead of refusing it. */
int kb_query_needs_key_terms(const char *text);
/* The first KB_MAX_QUERY_TERMS distinct searchable words of text (no stopwords, numbers or
 * punctuation around words), space-separated, within KB_MAX_QUERY_BYTES; "" when none.
 * Caller frees. */
char *kb_query_key_terms(const char *text);

/* The one sentence that tells how results were found when it was not a plain match
 * ("no entry has every word; showing the best 5 of 17 entries that have some of them"), or
 * NULL. Shell, web page and API all word it with this. Caller frees. */
char *kb_results_note(const kb_results *r);

/* ---- JSON: one shape for every consumer (CLI and HTTP API) ------------------------------ */

/* An entry: id, title, title_markdown, section, document, document_title, url, symptom,
 * root_cause, fix, markdown, html, text, identifiers, references and referenced_by
 * ([{id, title, url}]), external_references ([{name, url|null, in_kb: false}]), urls,
 * previous and next ({id, title, url} or null), lines {start, end}. URLs are base_url + "/" +
 * ID (base_url "" gives "/M8"; NULL gives the public pages of kb_entry_url, null where an
 * entry has none). Caller frees. */
char *kb_entry_json(kb *k, const kb_entry *e, const char *base_url, int pretty);

/* Hit i of r, on one line: id, title, section, url, score, match, snippet (plain text),
 * snippet_html (escaped, matched words in <mark>), lines [{line, text}]. Caller frees. */
char *kb_hit_json(const kb_results *r, size_t i, const char *base_url);

/* A whole answer: query, understood, match, fallback (null for a plain match), note (the
 * sentence of kb_results_note, or null), corrected, suggestion, limit, count, total, results
 * (hits as kb_hit_json). Caller frees. */
char *kb_results_json(const kb_results *r, const char *query, size_t limit, const char *base_url);

/* ---- Entry links ---------------------------------------------------------------------- */

/* Where the shipped guide is published (kb/SOURCE.md); a document's path is appended. */
#define KB_PUBLIC_SOURCE                                                                           \
    "https://github.com/sickn33/agentic-awesome-skills/blob/"                                      \
    "e66fc833f2022c3534ba74af835db14c34f9a732/skills/remote-gpu-trainer/references/"

/* The anchor GitHub gives a markdown heading (heading_md: the heading's text, without the
 * leading '#'s): its rendered text lowercased, every character but letters, marks, digits,
 * '_', '-' and spaces dropped, spaces turned into '-' ("M8 — `expandable_segments:True` (the
 * free fragmentation fix)" -> "m8--expandable_segmentstrue-the-free-fragmentation-fix").
 * With seen non-NULL (the anchors of the document's earlier headings), a repeated anchor gets
 * "-1", "-2", ... as GitHub does, and the result is added to seen (free with
 * kb_strlist_free). Pure apart from seen; thread-safe. Caller frees. */
char *kb_heading_anchor(const char *heading_md, kb_strlist *seen);

/* The public page of an entry of document doc ("oom-memory.md") whose heading is heading_md:
 * KB_PUBLIC_SOURCE + the document's upstream path + "#" + anchor. NULL when the document is
 * not published upstream (an entry this project adds itself). Pure. Caller frees. */
char *kb_entry_public_url(const char *doc, const char *heading_md);

/* The link of entry id, the one every output prints: base "/" ID when base is a non-empty URL
 * (a self-hosted `oomkb serve`; trailing slashes dropped), else the public page of the
 * built-in entry (kb_entry_public_url), or NULL when it has none or id is not a built-in
 * entry. The public links are computed once per entry and process from the embedded KB.
 * Thread-safe. Caller frees. */
char *kb_entry_url(const char *base, const char *id);

/* As kb_entry_url, but never NULL: where there is no page, the command that shows the entry
 * ("oomkb show U99"), for text output. Caller frees. */
char *kb_entry_link(const char *base, const char *id);

/* ---- Rendering ------------------------------------------------------------------------ */

/* Renders markdown for a terminal: headings, emphasis, code, lists and tables laid out in
 * plain text wrapped at width columns (0 = 80); with color != 0, ANSI styles. Lists and quotes
 * nested more than 16 deep are shown at the 16th level's margin. Caller frees. */
char *kb_render_text(const char *markdown, int color, int width);

/* Renders markdown to safe HTML the way entries are rendered (tables supported, raw HTML
 * dropped). Caller frees. */
char *kb_render_html(const char *markdown);

#endif
