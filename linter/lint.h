/* The OOM linter: finds training-code patterns that make GPU memory grow every step or blow up
 * during evaluation (the rules of linter/registry.c), over Python source in memory, with
 * tree-sitter.
 *
 * Data flow: bytes --lint_encoding_check--> (refuse) | --lint_prefilter--> (skip) | --parse-->
 * TSTree --rules--> lint_result --lint_render--> text/JSON/SARIF/GitHub annotations. A
 * lint_batch adds the files: it finds them (folders walked by one skip policy), reads them
 * within the limits and lints them on N threads (`oomkb lint` is its command line); the
 * language server reuses lint_tree() with its own incremental trees. Everything here is pure
 * over buffers except lint_project_ddp(), which reads a project, and the batch.
 *
 * Ownership: results are caller-owned and freed with the matching *_free; *_free(NULL) is a
 * no-op. Borrowed inputs are never kept after a call returns.
 * Threads: a lint_ctx is used by one thread at a time (open one per worker); rule tables and
 * lint_project_cache are safe to share. */
#ifndef OOMKB_LINT_H
#define OOMKB_LINT_H

#include <stddef.h>
#include <stdint.h>
#include <tree_sitter/api.h>

#include "common/util.h"

typedef enum lint_status {
    LINT_OK = 0,
    LINT_ERR_ABI,       /* the compiled grammar's ABI is not one this libtree-sitter loads */
    LINT_ERR_INPUT,     /* an unknown rule code, format or unparsable option */
    LINT_ERR_PARSE,     /* tree-sitter gave up (timeout or cancellation) */
    LINT_ERR_TOO_LARGE, /* over LINT_MAX_SOURCE_BYTES or LINT_MAX_TOKENS: not parsed */
    LINT_ERR_ENCODING,  /* not UTF-8 source (lint_encoding_check): not parsed */
} lint_status;

/* A caller-owned diagnostic filled at the failure site. */
typedef struct lint_diag {
    char message[512];
} lint_diag;

/* ---- Rules -------------------------------------------------------------------------------- */

/* Rules are numbered by their place in the registry (linter/registry.c), in code order; rule
 * sets are bit masks over those numbers (bit i = rule i). */
#define LINT_MAX_RULES 32

typedef enum lint_severity { LINT_SEV_WARNING = 0, LINT_SEV_INFO = 1 } lint_severity;

/* Whether a rule's findings come with a fix (each fix says whether it is safe: lint_fix). */
typedef enum lint_fixable {
    LINT_FIXABLE_NEVER = 0,
    LINT_FIXABLE_SOMETIMES, /* some findings have a mechanical fix, others cannot */
    LINT_FIXABLE_ALWAYS,
} lint_fixable;

typedef struct lint_rule {
    const char *code;       /* "OOM101" */
    const char *name;       /* "loss-tensor-kept-across-steps" */
    const char *entry;      /* KB entry ID, "M20" */
    lint_severity severity; /* the default; a finding may be info where less memory is at stake */
    const char *severity_note; /* when findings differ from the default ("info for
                                * classification heads"), or NULL: --list-rules and SARIF show it */
    lint_fixable fixable;
    /* 1: off by default (its precision on real code is under 0.9); an explicit --select of
     * its code, a prefix of it or ALL turns it on. */
    int opt_in;
    const char *summary; /* one line */
    const char *explain; /* what is flagged and what is not, with bad/good examples (plain text) */
} lint_rule;

/* The number of rules (at most LINT_MAX_RULES). */
int lint_rule_count(void);
/* The rule table, lint_rule_count() entries in code order. Static storage. */
const lint_rule *lint_rules(void);
/* The mask of every rule. */
uint32_t lint_rule_all(void);
/* The mask of the rules that run when none are selected: every rule with opt_in == 0. */
uint32_t lint_rule_default(void);
/* The rule with this code (case-insensitive), or NULL; lint_rule_index: its number, or -1. */
const lint_rule *lint_rule_find(const char *code);
int lint_rule_index(const char *code);
/* Turns a comma-separated list of codes or prefixes ("OOM1", "oom101,OOM104", "ALL") into a
 * rule bit mask (bit i = rule i). Returns LINT_ERR_INPUT naming the bad item in diag. */
lint_status lint_rule_mask_parse(const char *list, uint32_t *out_mask, lint_diag *diag);

/* ---- Project facts ------------------------------------------------------------------------ */

/* Whether a file runs under DistributedDataParallel (OOM104 needs it): DDP set up in code (a
 * parsed module's resolved calls, never strings, docstrings or comments) that reaches the file,
 * or a launcher that starts a script reaching it (lint_project_ddp). */
typedef struct lint_ddp {
    int ddp;          /* 1: DDP is set up somewhere (DDP(...), strategy="ddp", torchrun, ...) */
    int static_graph; /* 1: every DDP construction passes static_graph=True (mitigated) */
    int find_unused;  /* 1: some DDP construction passes find_unused_parameters=True */
    char where[320];  /* "train.py:42" (relative to the project root) for messages, or "" */
    /* Evidence counters behind static_graph, accumulated across files. */
    unsigned n_ctor;   /* DistributedDataParallel(...) constructions */
    unsigned n_static; /* ... of which pass static_graph=True */
    unsigned n_other;  /* DDP set up another way (Lightning, Accelerator, launchers) */
    int set_static;    /* model._set_static_graph() seen */
} lint_ddp;

/* The byte prefilter of the project scan: which files may hold DDP evidence (their code is then
 * parsed). Adds the evidence in one file's bytes to *acc (zero it first). name is what `where`
 * reports; is_shell selects launcher patterns (torchrun, accelerate launch, not behind a `#`)
 * over Python ones. In Python, evidence is code: DistributedDataParallel(...), DDP(...) under
 * that import alias, DDPStrategy(...), Accelerator(...), and string literals that are a whole
 * Lightning DDP strategy name (ddp, ddp_spawn, ddp_fork, ddp_notebook, optionally with
 * _find_unused_parameters_true/_false) given as a value, after `=` or `:` (strategy="ddp",
 * {"strategy": "ddp"}). Other strings, docstrings and comments are not evidence ("ddpm").
 * Pure, thread-safe; a Python file that mentions DDP costs one copy of its bytes. */
void lint_ddp_scan_buffer(const char *src, size_t len, const char *name, int is_shell,
                          lint_ddp *acc);

/* A per-run cache of project facts, keyed by project root (the nearest ancestor of a file with
 * .git or pyproject.toml; without one, the file's own directory, not recursed). Thread-safe:
 * concurrent lookups of one root scan it once. */
typedef struct lint_project_cache lint_project_cache;
lint_project_cache *lint_project_cache_new(void);
void lint_project_cache_free(lint_project_cache *c);
/* Declares an editor's workspace root: a file under it with no nearer .git or pyproject.toml
 * belongs to the project rooted there (the LSP passes the root the client sends). NULL clears
 * it. Call before lookups; thread-safe. */
void lint_project_cache_set_workspace(lint_project_cache *c, const char *root);
/* Fills *out with the DDP fact of path (a file that need not exist, as with --stdin-filename):
 * the DDP set-up of the project's modules that are path or import it (through any chain of
 * project imports; a test file counts only if it spawns processes), and the launcher lines of
 * its shell scripts (torchrun, accelerate launch, python -m torch.distributed.run) that start a
 * script that is path or imports it, or name no script at all. `where` cites the first such
 * evidence. Never fails: an unreadable project is "no DDP". */
void lint_project_ddp(lint_project_cache *c, const char *path, lint_ddp *out);

/* ---- Linting ------------------------------------------------------------------------------ */

typedef struct lint_point {
    uint32_t row;    /* 0-based line */
    uint32_t col;    /* 0-based byte column, as tree-sitter and LSP-with-utf-8 count */
    uint32_t column; /* 1-based column in code points, as ruff and editors display */
} lint_point;

typedef enum lint_applicability {
    LINT_FIX_SAFE = 0,   /* keeps behaviour (detach a logged value) */
    LINT_FIX_UNSAFE = 1, /* changes behaviour (use_reentrant=False) */
} lint_applicability;

/* One text edit: replace bytes [start_byte, end_byte) with content (insertion if equal). */
typedef struct lint_fix {
    char *title; /* "Store loss.detach()" */
    char *content;
    uint32_t start_byte, end_byte;
    lint_point start, end;
    lint_applicability applicability;
} lint_fix;

typedef struct lint_finding {
    int rule; /* its number in lint_rules() */
    lint_severity severity;
    char *message; /* one sentence, no code or entry */
    uint32_t start_byte, end_byte;
    lint_point start, end; /* end is exclusive */
    lint_fix *fix;         /* NULL when no safe mechanical fix exists */
} lint_finding;

typedef struct lint_result {
    lint_finding *items; /* sorted by position, then rule */
    size_t n;
    int parsed;          /* 0: the prefilter proved the file clean without parsing it */
    int n_syntax_errors; /* ERROR/MISSING regions; findings inside them are dropped */
    lint_point first_error;
    int file_noqa;       /* 1: a file-level "# oomkb: noqa" suppressed everything */
    size_t n_suppressed; /* findings dropped by noqa comments */
} lint_result;

typedef struct lint_options {
    uint32_t rules;  /* bit mask of rules to run; 0 means lint_rule_default() */
    int ignore_noqa; /* 1: report findings even where a noqa comment suppresses them */
    /* The project's DDP fact for OOM104. Consulted lazily, only when the buffer holds a
     * reentrant-checkpoint site: ddp if non-NULL, else ddp_fn(ddp_ud, out), else the buffer
     * is scanned on its own (a single-file project). */
    const lint_ddp *ddp;
    void (*ddp_fn)(void *ud, lint_ddp *out);
    void *ddp_ud;
    /* The project the source belongs to, for facts that cross files (a helper imported from
     * another module that flushes the cache or trains): path is the file's name (it need not
     * exist, as with --stdin-filename), project the cache of module summaries (borrowed; the
     * same cache as lint_project_ddp's). Both NULL: the source is read on its own. */
    lint_project_cache *project;
    const char *path;
    /* 1: the same document will be linted again after small edits (an editor): the context
     * keeps each top-level statement's flattened tree and reuses it while its bytes are
     * unchanged. Costs a copy of the last document's tree; pointless for one-shot linting. */
    int incremental;
} lint_options;

/* Size limits. Parsing costs memory in proportion to the number of tokens, not bytes: from
 * about 60 bytes per source byte for ordinary training code to 300 for a file of one-token
 * lines (tree-sitter's tree is most of it). So a source is linted only if it is at most
 * LINT_MAX_SOURCE_BYTES long and has at most LINT_MAX_TOKENS tokens (estimated by a byte scan,
 * see lint_size_check): about 5 MB of ordinary Python, 500 MB of memory at worst. No
 * hand-written file comes near (the largest in CPython or PyTorch are under 1 MB).
 * `oomkb lint` reports a larger file (or more bytes on stdin) as an error without reading
 * past the byte limit; `oomkb lsp` keeps a larger document but does not lint it. */
#define LINT_MAX_SOURCE_BYTES ((size_t)8 * 1024 * 1024)
#define LINT_MAX_TOKENS 1500000u
/* Tokens of an unfinished statement at the end of the source (such as unclosed brackets):
 * tree-sitter 0.20.7 crashes recovering from about 65,000. */
#define LINT_MAX_TAIL_TOKENS 30000u

/* LINT_OK if src[0..len) is within the limits above (bytes, tokens, tail tokens), else
 * LINT_ERR_TOO_LARGE with the reason in diag. Costs one pass over the bytes; lint_buffer calls it
 * before parsing (only when the prefilter says a parse is needed). Pure, thread-safe. */
lint_status lint_size_check(const char *src, size_t len, lint_diag *diag);

/* LINT_OK if src[0..len) is UTF-8 source (a leading UTF-8 BOM is fine), else
 * LINT_ERR_ENCODING with the reason in diag, for a person: a UTF-16/32 byte-order mark (with the
 * iconv command that converts it), UTF-16 without one, a binary file (a NUL byte in the first
 * 8 KiB), "line N: NUL byte (byte offset O)", or "line N: not valid UTF-8 (byte 0xXX at byte
 * offset O[, why])" where why names a UTF-16 surrogate, an overlong or a truncated sequence.
 * *out_offset (may be NULL) receives the offending byte's offset (0 for the UTF-16/32 cases).
 * lint_buffer does not call it: callers that take bytes from outside (a lint_batch, the LSP)
 * do, before linting. One pass; an all-ASCII buffer goes 8 bytes a step. Pure, thread-safe. */
lint_status lint_encoding_check(const char *src, size_t len, size_t *out_offset, lint_diag *diag);

/* A linting context: a tree-sitter parser and scratch memory reused across files. */
typedef struct lint_ctx lint_ctx;

/* Checks that the compiled Python grammar loads into this libtree-sitter (ABI 13-14 for
 * Debian's 0.20.7) and makes a context. NULL with diag filled on mismatch. */
lint_ctx *lint_ctx_new(lint_diag *diag);
void lint_ctx_free(lint_ctx *ctx);

/* The Python grammar, for callers that keep their own trees (the LSP). */
const TSLanguage *lint_language(void);

/* Which of the rules in want (a rule mask; 0 = lint_rule_default()) could fire on src at all, by a
 * byte scan for each rule's needles (no parse). A zero result proves the buffer clean; lint_buffer
 * uses it to skip parsing. */
uint32_t lint_prefilter(const char *src, size_t len, uint32_t want);

/* Lints src[0..len) (UTF-8; a leading BOM is skipped). opts may be NULL (the default rules). On
 * LINT_OK *out is a new result (caller frees with lint_result_free). */
lint_status lint_buffer(lint_ctx *ctx, const char *src, size_t len, const lint_options *opts,
                        lint_result **out, lint_diag *diag);

/* As lint_buffer over a tree the caller already has for exactly these bytes (for example after
 * an incremental reparse). The tree is borrowed and not modified. */
lint_status lint_tree(lint_ctx *ctx, const char *src, size_t len, const TSTree *tree,
                      const lint_options *opts, lint_result **out, lint_diag *diag);

void lint_result_free(lint_result *r);

/* ---- Files and batches ------------------------------------------------------------------- */

/* Folders are recursed this many levels deep; deeper ones are not entered. */
#define LINT_MAX_WALK_DEPTH 64
/* Source bytes a batch parses at once across its threads (a larger file runs alone): a file
 * has at most one token a byte, so this many bytes are at most LINT_MAX_TOKENS tokens, and
 * memory stays that of one file at the limit whatever the number of threads. */
#define LINT_PARSE_BUDGET ((size_t)LINT_MAX_TOKENS)

/* A batch: paths in, findings per file out, in input order whatever the thread timing.
 *
 * The skip policy (the one rule for every folder walk, the project scan's included): in a
 * folder, an entry is passed over when its name starts with '.' or is __pycache__,
 * node_modules or site-packages, or an exclude glob matches its name or its path. Symbolic
 * links are followed (stat): a broken link, a link loop or an entry that vanished is passed
 * over silently; a folder is entered once (by device and inode: a link back up ends there),
 * never when it is a virtualenv (has pyvenv.cfg) or (in a batch) deeper than
 * LINT_MAX_WALK_DEPTH; a regular *.py file is taken once; FIFOs, sockets and devices are
 * passed over. A path named in lint_batch_add is followed the same way, but a broken link, a
 * link loop or a missing path is an error item, and anything that is not a folder is read: a
 * FIFO without a writer reads as empty (no hang), a device or stdin is read up to
 * LINT_MAX_SOURCE_BYTES (one byte more is an error), a regular file over the limit is refused
 * from its size, unread. */
typedef struct lint_batch lint_batch;

typedef struct lint_batch_options {
    /* Rules and noqa handling for every file. Unless ddp or ddp_fn is set, each file's DDP
     * fact comes from its project (lint_project_ddp, a cache the batch owns). */
    lint_options lint;
    const char *const *excludes; /* fnmatch(3) globs; borrowed until lint_batch_free */
    size_t n_excludes;
    const char *stdin_name; /* the name (and project) of "-"; borrowed; NULL: "-" */
    int keep_src;           /* 1: keep each file's bytes in its item (LINT_FORMAT_FULL) */
    /* Configuration (linter/config.h), borrowed until lint_batch_free, or NULL. When set,
     * each file's rules, per-file-ignores and severities come from the settings that apply to
     * it (lint.rules is not used), and a folder walk also passes over what their excludes
     * match. force_exclude: a path named in lint_batch_add (and stdin_name) is passed over
     * too when excluded (lint_config_force_excluded). */
    struct lint_config_cache *configs;
    int force_exclude;
    /* 1: fix each file in memory (lint_fix_buffer in linter/fix.h; applicable fixes: safe,
     * plus unsafe ones if unsafe_fixes): the item's result is then what remains after the
     * fixes. A file that changed keeps its bytes (src) and its fixed bytes (fixed), as does
     * stdin; the others keep neither unless keep_src. No file is written. */
    int fix;
    int unsafe_fixes;
} lint_batch_options;

/* One file of a batch. Owned by the batch; valid until lint_batch_free. */
typedef struct lint_batch_item {
    char *path; /* as named or found ("src/train.py"), or stdin_name */
    int is_stdin;
    char *src; /* its bytes if keep_src, else NULL */
    size_t len;
    lint_result *result; /* after lint_batch_run, unless error */
    char *error;         /* why it was not linted ("broken symbolic link (...)", an encoding or
                            size problem, strerror), or NULL */
    /* With lint_batch_options.fix: the bytes after fixing (NULL when no fix applied), the
     * findings fixed, and 1 in fix_reverted when a pass broke the syntax and was undone. */
    char *fixed;
    size_t fixed_len;
    size_t n_fixed;
    int fix_reverted;
} lint_batch_item;

/* A new empty batch. Checks first that the grammar loads (as lint_ctx_new): NULL with diag
 * filled if not. opts is copied (what it points to is borrowed, see above). Free with
 * lint_batch_free. Threads: a batch is used from one thread; lint_batch_run starts and joins
 * its own workers. */
lint_batch *lint_batch_new(const lint_batch_options *opts, lint_diag *diag);
void lint_batch_free(lint_batch *b);
/* Adds path: "-" is standard input (read once, at lint_batch_run, on the calling thread); a
 * folder adds its files by the skip policy, in name order; anything else is one item. A path
 * that cannot be added (see the policy) becomes an item with its error. Never fails. */
void lint_batch_add(lint_batch *b, const char *path);
/* Reads and lints every item on up to jobs threads (0: one per core, at most 64; never more
 * than items; one when standard input is among them), at most LINT_PARSE_BUDGET source bytes
 * at a time. An item that cannot be read or linted gets its error; the others are linted. */
void lint_batch_run(lint_batch *b, int jobs);
/* The items, in the order they were added. Borrowed. */
const lint_batch_item *lint_batch_items(const lint_batch *b, size_t *out_n);
/* The first broken config file met while adding paths ("FILE:LINE: KEY: why"), or NULL: a
 * caller stops there (exit 2) rather than lint with settings nobody meant. Borrowed. */
const char *lint_batch_config_error(const lint_batch *b);

/* ---- noqa comments ------------------------------------------------------------------------ */

/* A noqa comment on one line, as the linter reads it when it suppresses findings. Offsets are
 * bytes from the start of the line. */
typedef struct lint_noqa {
    size_t start;     /* its '#' */
    size_t end;       /* past "noqa" (bare) or past its last code */
    int bare;         /* 1: no codes ("# noqa", or "# noqa:" and blanks): every rule */
    unsigned n_codes; /* codes listed, this linter's or any other tool's ("E501") */
    size_t codes_end; /* past the last code, or past ':' if none: where another code goes */
    uint32_t rules;   /* this linter's rules among the codes (bit i = rule i) */
} lint_noqa;

/* Finds the first noqa comment that starts at or after byte from of line[0..len) (one line,
 * without its line end). A noqa comment is a '#', blanks (spaces, tabs), "noqa" in any case,
 * then optionally blanks, ':' and codes separated by commas and/or blanks, up to the next '#'
 * or the first byte that is neither. "#noqa", "# NOQA:E501", "# noqa : E501" all count; so
 * does a '#' inside a string literal (no parse). Returns 1 and fills *out, or 0. Call again
 * with from = out->start + 1 for the next one. Pure, thread-safe.
 * A finding is suppressed when a comment on its first or last line is bare or lists its
 * code (a line that ends inside a string literal or with a backslash continuation has its
 * comment on the line where that ends, as ruff reads them), or a line of its own "# oomkb: noqa"
 * (every rule) or "# oomkb: noqa: CODES" is anywhere in the file. */
int lint_noqa_find(const char *line, size_t len, size_t from, lint_noqa *out);

/* ---- Rendering ---------------------------------------------------------------------------- */

typedef enum lint_format {
    LINT_FORMAT_DEFAULT = 0, /* path:line:col: CODE message [ENTRY] */
    LINT_FORMAT_FULL,        /* plus the source line, a caret, the entry's title and URL */
    LINT_FORMAT_JSON,        /* a ruff-like array of findings */
    LINT_FORMAT_SARIF,       /* SARIF 2.1.0 */
    LINT_FORMAT_GITHUB,      /* GitHub Actions workflow annotations */
} lint_format;

/* "default"/"concise", "full", "json", "sarif", "github" -> format; -1 if unknown. */
int lint_format_parse(const char *name);

/* What the renderer knows about a rule's KB entry (NULL fields are left out). */
typedef struct lint_entry_doc {
    const char *title;
    const char *markdown;
    const char *text; /* plain text of the entry (SARIF help.text) */
} lint_entry_doc;

typedef struct lint_render_opts {
    const char *kb_url;       /* entry links: kb_entry_url(kb_url, ID); NULL = the
                               * entries' public pages */
    int color;                /* default and full: ANSI styles */
    const char *tool_version; /* for SARIF */
    int unsafe_fixes; /* 1: unsafe fixes are applied too, so they are marked [*] as safe ones */
    lint_entry_doc docs[LINT_MAX_RULES]; /* per rule number */
} lint_render_opts;

/* One linted file: its display name, its bytes (for --format full) and its result. */
typedef struct lint_file_report {
    const char *path;
    const char *src;
    size_t len;
    const lint_result *result;
} lint_file_report;

/* Appends the findings of files[0..n) in the given format to out. Pure; byte-for-byte stable
 * for the same input (the golden tests rely on it). */
void lint_render(buf *out, lint_format fmt, const lint_file_report *files, size_t n,
                 const lint_render_opts *opts);

/* ---- Summary and statistics (linter/summary.c) ------------------------------------------- */

/* What a run found, counted for the summary line and --statistics. */
typedef struct lint_tally {
    size_t findings;
    size_t fixable; /* findings with a safe fix */
    size_t unsafe;  /* findings whose fix is unsafe only (ruff's "hidden fixes") */
    size_t per_rule[LINT_MAX_RULES];
    size_t fixable_per_rule[LINT_MAX_RULES];
} lint_tally;

/* Counts the findings of files[0..n) into *out. Pure. */
void lint_tally_reports(const lint_file_report *files, size_t n, lint_tally *out);
/* Appends ruff's closing lines: "All checks passed!", or "Found 3 findings (2 fixable with
 * --fix)." and, when some fixes are unsafe, "1 hidden fix can be enabled with the
 * `--unsafe-fixes` option.". Pure. */
void lint_render_summary(buf *out, const lint_tally *t);
/* Appends --statistics: per rule with findings, most frequent first, "COUNT<TAB>CODE<TAB>[*]
 * name" (the mark only when some finding is fixable: "[*] " fixable, "[ ] " not), or with
 * LINT_FORMAT_JSON an array of {code, name, entry, count, fixable}. Pure. */
void lint_render_statistics(buf *out, lint_format fmt, const lint_tally *t);

#endif
