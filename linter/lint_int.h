/* Private to linter/: the flat syntax tree the rules walk, name resolution, per-function facts
 * (what trains, what is a per-step region), and the finding builder the rules call.
 * Nothing outside linter/ includes this header. */
#ifndef OOMKB_LINT_INT_H
#define OOMKB_LINT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "linter/lint.h"

#define NONE UINT32_MAX
/* Expression and block recursion is capped: deeper nesting (10,000 brackets) reads as
 * "unknown", which never produces a finding. */
#define MAX_DEPTH 200

/* Node kinds the rules care about; everything else is K_OTHER. */
enum kind {
    K_OTHER = 0,
    K_MODULE,
    K_ERROR,
    K_IDENT,
    K_ATTR,
    K_CALL,
    K_ARGS,
    K_KWARG,
    K_LIST_SPLAT,
    K_DICT_SPLAT,
    K_SUBSCRIPT,
    K_BINOP,
    K_UNARY,
    K_NOT,
    K_BOOLOP,
    K_COMPARE,
    K_PAREN,
    K_COND_EXPR,
    K_LIST,
    K_TUPLE,
    K_SET,
    K_DICT,
    K_PAIR,
    K_STRING,
    K_INTEGER,
    K_FLOAT,
    K_TRUE,
    K_FALSE,
    K_NONE,
    K_FUNC,
    K_CLASS,
    K_DECORATED,
    K_DECORATOR,
    K_LAMBDA,
    K_BLOCK,
    K_EXPR_STMT,
    K_ASSIGN,
    K_AUG_ASSIGN,
    K_RETURN,
    K_IF,
    K_ELIF,
    K_ELSE,
    K_FOR,
    K_WHILE,
    K_TRY,
    K_EXCEPT,
    K_FINALLY,
    K_WITH,
    K_WITH_ITEM,
    K_IMPORT,
    K_IMPORT_FROM,
    K_DOTTED,
    K_ALIASED,
    K_RELATIVE,
    K_WILDCARD,
    K_COMMENT,
    K_PATTERN_LIST,
    K_EXPR_LIST,
    K_COMPREHENSION,
    K_GENERATOR,
    K_KEYWORD_TOKEN, /* anonymous tokens kept for their text: operators */
    K__COUNT
};

/* Field names the rules read. */
enum field {
    F_NONE = 0,
    F_NAME,
    F_ALIAS,
    F_VALUE,
    F_OBJECT,
    F_ATTRIBUTE,
    F_FUNCTION,
    F_ARGUMENTS,
    F_LEFT,
    F_RIGHT,
    F_OPERATOR,
    F_BODY,
    F_CONDITION,
    F_CONSEQUENCE,
    F_ALTERNATIVE,
    F_MODULE_NAME,
    F_SUPERCLASSES,
    F_KEY,
    F_SUBSCRIPT,
    F_DEFINITION,
    F_PARAMETERS,
    F__COUNT
};

/* 28 bytes: a 10 MB file flattens to about 4 million of them. Rows and columns are not kept
 * (they were 16 more bytes a node): point_of() derives them from the byte offset. */
typedef struct node {
    uint8_t kind;
    uint8_t field; /* the field this node fills in its parent */
    uint8_t named;
    uint8_t bad;                  /* ERROR or MISSING node */
    uint32_t parent, first, next; /* indices, NONE if absent */
    uint32_t func;   /* the innermost enclosing function_definition/lambda/module node */
    uint32_t sb, eb; /* byte range */
} node;

/* A local name bound by an import: `cp` -> "torch.utils.checkpoint". */
typedef struct binding {
    const char *name;
    size_t name_len;
    char *qual; /* owned */
} binding;

/* A def or class in this file. */
typedef struct defn {
    uint32_t node; /* the function_definition / class_definition */
    const char *name;
    size_t name_len;
    int is_class;
    int toplevel;       /* module scope (not a method, not nested in a function) */
    int step_direct;    /* performs a training step outside any loop of its own */
    int called_in_loop; /* called (f() or self.f()) inside some loop of this file */
    int cache_wrapper;  /* calls empty_cache unconditionally and does not itself train */
} defn;

/* A top-level statement flattened on its own, kept between runs of one context when the caller
 * lints the same document again (an editor after each keystroke): a statement whose bytes did
 * not change is copied and relocated instead of walked again through tree-sitter. Nodes are
 * kept as last placed (index base0, byte sb0): an unmoved statement is one memcpy. */
typedef struct flat_chunk {
    uint64_t hash; /* of the statement's bytes */
    char *text;    /* the statement's bytes, for an exact comparison */
    uint32_t len;
    uint32_t base0, sb0;
    node *nodes;
    uint32_t n_nodes;
    uint32_t *calls, *loops; /* node indices, as placed */
    uint32_t n_calls, n_loops;
    int used; /* seen in the latest run (others are dropped) */
} flat_chunk;

typedef struct analysis {
    const char *src;
    size_t len;
    node *nodes;
    uint32_t n_nodes, cap_nodes;
    binding *binds;
    size_t n_binds, cap_binds;
    defn *defs;
    size_t n_defs, cap_defs;
    uint32_t *calls; /* every call node, in source order */
    size_t n_calls, cap_calls;
    uint32_t *loops; /* every for/while node */
    size_t n_loops, cap_loops;
    uint8_t *loop_trains; /* per node index: 1 if a for/while whose body trains directly */
    /* Indexes over defs, rebuilt with them: by name (def indices sorted by name, so lookups are
     * a binary search, not a scan per call) and by node (def index or NONE per node). */
    uint32_t *def_by_name;
    uint32_t *def_by_node;
    /* Start offset of every line of src, built on first use by point_of() each run. */
    uint32_t *line_starts;
    uint32_t n_lines, cap_lines;
    int lines_built;
    /* The statement cache (see flat_chunk); used only when opts->incremental is set. */
    flat_chunk *chunks;
    size_t n_chunks, cap_chunks;
    const lint_options *opts;
    lint_finding *out;
    size_t n_out, cap_out;
} analysis;

/* ---- Tree access (syntax.c) ---- */
const char *ntext(const analysis *a, uint32_t n, size_t *len);
int ntext_is(const analysis *a, uint32_t n, const char *s);
uint32_t child_field(const analysis *a, uint32_t n, int field);
/* The row and byte column of a byte offset of src, as tree-sitter counts them (rows end at
 * '\n'). Builds the line table on the first call of a run: O(len) once, then O(log lines). */
TSPoint point_of(analysis *a, uint32_t byte);
uint32_t named_child(const analysis *a, uint32_t n, unsigned i);
int is_ancestor(const analysis *a, uint32_t anc, uint32_t n);
/* Builds the flat tree from a TSTree (reusing unchanged top-level statements when
 * a->opts->incremental is set). */
void tree_flatten(analysis *a, const TSTree *tree);
/* Frees the statement cache. */
void chunks_free(analysis *a);

/* ---- Name resolution (syntax.c) ---- */
/* The dotted qualified name of an identifier/attribute chain, with the leftmost name replaced by
 * its import ("cp.checkpoint" -> "torch.utils.checkpoint.checkpoint"). A name defined by a def
 * or class in this file becomes "<local>.name"; unresolved names keep their text. Writes at
 * most cap bytes; returns 0 if the expression is not a plain chain. */
int resolve_name(const analysis *a, uint32_t n, char *out, size_t cap);
/* The text of a chain without resolution ("self.optimizer"). */
int chain_text(const analysis *a, uint32_t n, char *out, size_t cap);
const defn *find_def(const analysis *a, const char *name, size_t len, int want_class);
/* The called function's last name: "step" for opt.step(), "f" for f(). */
const char *callee_last(const analysis *a, uint32_t call, size_t *len);
/* The keyword argument `name=` of a call, or NONE. */
uint32_t call_kwarg(const analysis *a, uint32_t call, const char *name);
/* 1 if the call has a **splat or *splat argument. */
int call_has_splat(const analysis *a, uint32_t call);
/* The i-th positional argument, or NONE. */
uint32_t call_positional(const analysis *a, uint32_t call, unsigned i);
/* The innermost for/while enclosing n inside n's own function, or NONE. */
uint32_t enclosing_loop(const analysis *a, uint32_t n);
/* 1 if n lies in the `except` part of a try (any handler). */
int in_except(const analysis *a, uint32_t n, uint32_t stop);
/* 1 if n is evaluated under torch.no_grad()/inference_mode()/set_grad_enabled(False) or in a
 * function decorated with them. */
int under_no_grad(const analysis *a, uint32_t n);
/* 1 if the call is a training step: x.backward(...), optimizer.step(), scaler.step(opt). */
int is_step_call(const analysis *a, uint32_t call);
/* The def a call goes to when it calls a same-file function (f() or self.f()), or NULL. */
const defn *call_target(const analysis *a, uint32_t call);
/* The function name of the function node (NULL for the module). */
const char *func_name(const analysis *a, uint32_t func, size_t *len);
/* 1 if n (inside function f) runs on every training step: its innermost loop trains, or
 * it is outside loops in a per-step hook or step function. */
int per_step_region(const analysis *a, uint32_t n, uint32_t *out_region);
void analysis_facts(analysis *a);

/* ---- Findings (lint.c) ---- */
lint_finding *add_finding(analysis *a, int rule, uint32_t node, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Attaches a fix to f: replace bytes [sb, eb) with content. */
void set_fix(analysis *a, lint_finding *f, uint32_t sb, uint32_t eb, const char *content,
             const char *title, lint_applicability app);
int rule_on(const analysis *a, int rule);

/* ---- Rules ---- */
void rule_loss_kept(analysis *a);   /* OOM101, rule_loss.c */
void rule_empty_cache(analysis *a); /* OOM102, rule_cache.c */
void rule_eval_accum(analysis *a);  /* OOM103, rule_trainer.c */
void rule_reentrant(analysis *a);   /* OOM104, rule_ckpt.c */

/* 1 if the call builds Hugging Face TrainingArguments (or a subclass: Seq2Seq, TRL configs,
 * a same-file subclass). rule_trainer.c. */
int is_hf_args_call(const analysis *a, uint32_t call);

/* Byte search helper shared with project.c. */
int has_bytes(const char *s, size_t n, const char *needle);

/* ---- Python lexing over bytes (pylex.c) ---- */
/* What the size guard (lint.c) and the DDP scan (project.c) need of Python's lexical structure:
 * where strings and comments begin and end, and about how many tokens tree-sitter makes. No
 * parse, no allocation; linear in the bytes (a triple-quoted string that never closes is scanned
 * to the end once per quote kind, the fields of nested ones once per nesting level). */

/* Byte classes. The first three are the bytes a scan can pass over without looking (blanks,
 * word bytes incl. UTF-8, other punctuation): pylex_class[c] <= PYLEX_PUNCT. */
enum {
    PYLEX_SPACE = 0,
    PYLEX_WORD,
    PYLEX_PUNCT,
    PYLEX_NL,
    PYLEX_QUOTE,
    PYLEX_HASH,
    PYLEX_OPEN,
    PYLEX_CLOSE,
    PYLEX_BSLASH
};
extern const uint8_t pylex_class[256];

/* A scan of one buffer. Borrows the bytes; holds no memory. */
typedef struct pylex {
    const unsigned char *src, *end;
    /* [quote is '"'][f-string]: a triple-quoted string opened here or later never closes */
    const unsigned char *no_close[2][2];
    unsigned nest; /* f-string replacement fields being scanned */
} pylex;

/* One string literal, as pylex_string() found it. */
typedef struct pylex_str {
    const unsigned char *start;    /* its first byte: the prefix (rb, f...) or the quote */
    const unsigned char *body;     /* its text: after the opening quote(s) ... */
    const unsigned char *body_end; /* ... up to the closing ones (or the line end, or the end) */
    size_t tokens;                 /* tokens tree-sitter makes of it: 1, plus f-string fields */
    size_t depth; /* brackets its fields leave open (one cut by the end of its line) */
} pylex_str;

void pylex_init(pylex *lx, const char *src, size_t len);
/* The end of the string literal whose opening quote is at p (its prefix, if any, is read from the
 * bytes before p), filling *out: past the closing quote(s); or at the line end (not consumed)
 * or the end of input that cuts a one-line string; or, for a triple-quoted string that never
 * closes, just past its opening quotes, the rest being code as tree-sitter reads it then
 * (body == body_end). A backslash keeps the next byte from closing a string, raw or not. The
 * replacement fields of an f-string are scanned as code: their tokens and unclosed brackets are
 * in *out. */
const unsigned char *pylex_string(pylex *lx, const unsigned char *p, pylex_str *out);
/* The end of the comment that starts at p (its '#'): the newline that ends it, or end. */
const unsigned char *pylex_comment(const unsigned char *p, const unsigned char *end);
/* Past the backslash at p (outside strings), and past the line end it escapes if any. */
const unsigned char *pylex_backslash(const unsigned char *p, const unsigned char *end);
/* An upper estimate of the tokens tree-sitter makes of lx's bytes from p to the end: a word
 * (identifier, number, keyword), a newline, a comment or a string (with the code of f-string
 * fields) is one, other punctuation one per byte. Stops counting past cap. */
size_t pylex_tokens(pylex *lx, const unsigned char *p, size_t cap);

#endif
