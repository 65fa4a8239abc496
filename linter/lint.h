/* The OOM linter: finds training-code patterns that make GPU memory grow every step or blow up
 * during evaluation (rules OOM101-OOM104), over Python source in memory, with tree-sitter.
 *
 * Data flow: bytes --lint_prefilter--> (skip) | --parse--> TSTree --rules--> lint_result
 * --lint_render--> text/JSON/SARIF/GitHub annotations. Files, stdin and threads are the CLI's
 * business (cli/cmd_lint.c); the language server reuses lint_tree() with its own incremental
 * trees. Everything here is pure over buffers except lint_project_ddp(), which reads a project.
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
} lint_status;

/* A caller-owned diagnostic filled at the failure site. */
typedef struct lint_diag {
    char message[512];
} lint_diag;

/* ---- Rules -------------------------------------------------------------------------------- */

enum { LINT_OOM101 = 0, LINT_OOM102, LINT_OOM103, LINT_OOM104, LINT_N_RULES };
#define LINT_ALL_RULES ((1u << LINT_N_RULES) - 1u)

typedef enum lint_severity { LINT_SEV_WARNING = 0, LINT_SEV_INFO = 1 } lint_severity;

typedef struct lint_rule {
    const char *code;    /* "OOM101" */
    const char *name;    /* "loss-tensor-kept-across-steps" */
    const char *entry;   /* KB entry ID, "M20" */
    const char *summary; /* one line */
    const char *explain; /* what is flagged and what is not, with bad/good examples (plain text) */
} lint_rule;

/* The rule table, LINT_N_RULES entries in code order. Static storage. */
const lint_rule *lint_rules(void);
/* The rule with this code (case-insensitive), or NULL. */
const lint_rule *lint_rule_find(const char *code);
/* Turns a comma-separated list of codes or prefixes ("OOM1", "oom101,OOM104", "ALL") into a
 * rule bit mask (bit i = rule i). Returns LINT_ERR_INPUT naming the bad item in diag. */
lint_status lint_rule_mask_parse(const char *list, uint32_t *out_mask, lint_diag *diag);

/* ---- Project facts ------------------------------------------------------------------------ */

/* Whether the project trains under DistributedDataParallel (OOM104 needs it). Gathered by a
 * byte scan of the project's *.py and *.sh files, never by parsing. */
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

/* Adds the DDP evidence in one file's bytes to *acc (zero it first). name is what `where`
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
/* Fills *out with the DDP fact of the project containing path (a file that need not exist, as
 * with --stdin-filename). Never fails: an unreadable project is "no DDP". */
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
    int rule; /* LINT_OOM101 ... */
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
    uint32_t rules;  /* bit mask of rules to run; 0 means all */
    int ignore_noqa; /* 1: report findings even where a noqa comment suppresses them */
    /* The project's DDP fact for OOM104. Consulted lazily, only when the buffer holds a
     * reentrant-checkpoint site: ddp if non-NULL, else ddp_fn(ddp_ud, out), else the buffer
     * is scanned on its own (a single-file project). */
    const lint_ddp *ddp;
    void (*ddp_fn)(void *ud, lint_ddp *out);
    void *ddp_ud;
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

/* A linting context: a tree-sitter parser and scratch memory reused across files. */
typedef struct lint_ctx lint_ctx;

/* Checks that the compiled Python grammar loads into this libtree-sitter (ABI 13-14 for
 * Debian's 0.20.7) and makes a context. NULL with diag filled on mismatch. */
lint_ctx *lint_ctx_new(lint_diag *diag);
void lint_ctx_free(lint_ctx *ctx);

/* The Python grammar, for callers that keep their own trees (the LSP). */
const TSLanguage *lint_language(void);

/* Which of the rules in want (a mask of 1 << LINT_OOM10x; 0 = all) could fire on src at all,
 * by a byte scan (no parse). A zero result proves the buffer clean; lint_buffer uses it to
 * skip parsing. */
uint32_t lint_prefilter(const char *src, size_t len, uint32_t want);

/* Lints src[0..len) (UTF-8; a leading BOM is skipped). opts may be NULL (all rules). On
 * LINT_OK *out is a new result (caller frees with lint_result_free). */
lint_status lint_buffer(lint_ctx *ctx, const char *src, size_t len, const lint_options *opts,
                        lint_result **out, lint_diag *diag);

/* As lint_buffer over a tree the caller already has for exactly these bytes (for example after
 * an incremental reparse). The tree is borrowed and not modified. */
lint_status lint_tree(lint_ctx *ctx, const char *src, size_t len, const TSTree *tree,
                      const lint_options *opts, lint_result **out, lint_diag *diag);

void lint_result_free(lint_result *r);

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
} lint_entry_doc;

typedef struct lint_render_opts {
    const char *kb_url;                /* base URL; entry URL = kb_url "/" ID */
    const char *tool_version;          /* for SARIF */
    lint_entry_doc docs[LINT_N_RULES]; /* per rule */
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

#endif
