/* The linter's entry points: the rule table, the byte prefilter that keeps most files from
 * being parsed, the parse, running the rules over the flat tree, and the post-processing every
 * finding goes through (syntax-error regions, noqa comments, order). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linter/lint_int.h"

const TSLanguage *tree_sitter_python(void);

/* ---- Rules ---- */

int lint_rule_index(const char *code)
{
    for (int i = 0; i < lint_rule_count(); i++) {
        if (util_strcasecmp(lint_rules()[i].code, code) == 0) {
            return i;
        }
    }
    return -1;
}

const lint_rule *lint_rule_find(const char *code)
{
    int i = lint_rule_index(code);
    return i < 0 ? NULL : &lint_rules()[i];
}

lint_status lint_rule_mask_parse(const char *list, uint32_t *out_mask, lint_diag *diag)
{
    uint32_t mask = 0;
    const char *p = list;
    while (*p) {
        while (*p == ',' || *p == ' ') {
            p++;
        }
        size_t n = strcspn(p, ", ");
        if (n == 0) {
            break;
        }
        uint32_t m = 0;
        if (n == 3 && strncasecmp(p, "ALL", 3) == 0) {
            m = lint_rule_all();
        }
        const lint_rule *rules = lint_rules();
        int n_rules = lint_rule_count();
        for (int j = 0; j < n_rules; j++) {
            if (n <= strlen(rules[j].code) && strncasecmp(rules[j].code, p, n) == 0) {
                m |= 1U << j;
            }
        }
        if (!m) {
            if (diag) {
                snprintf(diag->message, sizeof diag->message,
                         "unknown rule code or prefix '%.*s' (rules: %s-%s, or ALL)",
                         (int)(n > 64 ? 64 : n), p, rules[0].code, rules[n_rules - 1].code);
            }
            return LINT_ERR_INPUT;
        }
        mask |= m;
        p += n;
    }
    *out_mask = mask;
    return LINT_OK;
}

/* ---- Prefilter ---- */

/* 1 if every '&'-joined needle of alternative alt occurs in src. */
static int alternative_matches(const char *src, size_t len, const char *alt)
{
    while (*alt) {
        size_t n = strcspn(alt, "&");
        if (!memmem(src, len, alt, n)) {
            return 0;
        }
        alt += n + (alt[n] == '&');
    }
    return 1;
}

uint32_t lint_prefilter(const char *src, size_t len, uint32_t want)
{
    const rule_spec *const *reg = rule_registry();
    uint32_t m = 0;
    want = want ? want : lint_rule_all();
    for (int i = 0; i < lint_rule_count(); i++) {
        if (!(want >> i & 1U)) {
            continue;
        }
        for (const char *const *alt = reg[i]->needles; *alt; alt++) {
            if (alternative_matches(src, len, *alt)) {
                m |= 1U << i;
                break;
            }
        }
    }
    return m;
}

/* ---- Size ---- */

/* Byte classes for the scans below, built once. */
enum { C_SPACE = 0, C_WORD, C_NL, C_QUOTE, C_HASH, C_OPEN, C_CLOSE, C_PUNCT, C_BSLASH };
static uint8_t tok_class[256];
static uint8_t tok_plain[256]; /* 1: a byte last_statement() passes over */
static pthread_once_t tok_class_once = PTHREAD_ONCE_INIT;

static void tok_class_init(void)
{
    for (int c = 0; c < 256; c++) {
        uint8_t k = C_PUNCT;
        if (c == ' ' || c == '\t' || c == '\r' || c == '\f') {
            k = C_SPACE;
        } else if (c == '_' || c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
                   (c >= 'A' && c <= 'Z')) {
            k = C_WORD;
        } else if (c == '\n') {
            k = C_NL;
        } else if (c == '"' || c == '\'') {
            k = C_QUOTE;
        } else if (c == '#') {
            k = C_HASH;
        } else if (c == '(' || c == '[' || c == '{') {
            k = C_OPEN;
        } else if (c == ')' || c == ']' || c == '}') {
            k = C_CLOSE;
        } else if (c == '\\') {
            k = C_BSLASH;
        }
        tok_class[c] = k;
        tok_plain[c] = k <= C_WORD || k == C_PUNCT;
    }
}

/* The end of the string literal that starts at p (its opening quote), or of its line: a
 * triple-quoted string reads as empty strings around its text, which is skipped alike. */
static const unsigned char *skip_string(const unsigned char *p, const unsigned char *end)
{
    unsigned q = *p;
    for (p++; p < end && *p != q && *p != '\n'; p++) {
        if (*p == '\\' && p + 1 < end) {
            p++;
        }
    }
    return p + (p < end && *p == q);
}

/* The end of the comment that starts at p (its '#'): the newline that ends it, or end. */
static const unsigned char *skip_comment(const unsigned char *p, const unsigned char *end)
{
    const unsigned char *nl = memchr(p, '\n', (size_t)(end - p));
    return nl ? nl : end;
}

/* Past the backslash at p, and past the line end it escapes if there is one. */
static const unsigned char *skip_backslash(const unsigned char *p, const unsigned char *end)
{
    return p + (p + 1 < end && (p[1] == '\n' || p[1] == '\r') ? 2 : 1);
}

/* An upper estimate of the tokens tree-sitter will make of src, which its memory follows: a
 * word (identifier, number, keyword) or a newline is one, other punctuation one per byte; a
 * comment or a one-line string is one whatever its length. Stops counting past cap. */
static size_t token_count(const unsigned char *p, const unsigned char *end, size_t cap)
{
    size_t n = 0;
    while (p < end && n <= cap) {
        switch (tok_class[*p]) {
        case C_SPACE:
            p++;
            continue;
        case C_WORD:
            for (p++; p < end && tok_class[*p] == C_WORD; p++) {
            }
            break;
        case C_QUOTE:
            p = skip_string(p, end);
            break;
        case C_HASH:
            p = skip_comment(p, end);
            break;
        case C_BSLASH:
            p = skip_backslash(p, end);
            continue;
        default:
            p++;
            break;
        }
        n++;
    }
    return n;
}

/* Where the last statement of src starts: after a newline outside brackets (not escaped by a
 * backslash), the first byte of a line that begins with a word or a string (not trailing
 * newlines, comments or stray punctuation such as `)`, after which the parser stays in the
 * unfinished statement). Only brackets, quotes, comments and newlines are looked at, so this
 * pass is quick: the LSP runs it on every edit. */
static size_t last_statement(const unsigned char *src, const unsigned char *end)
{
    const unsigned char *p = src;
    const unsigned char *start = src;
    size_t depth = 0;
    while (p < end) {
        uint8_t k = tok_class[*p];
        if (k <= C_WORD || k == C_PUNCT) {
            for (p++; p < end && tok_plain[*p]; p++) {
            }
            continue;
        }
        switch (k) {
        case C_NL:
            p++;
            if (depth == 0) {
                const unsigned char *q = p;
                while (q < end && tok_class[*q] == C_SPACE) {
                    q++;
                }
                if (q < end && (tok_class[*q] == C_WORD || tok_class[*q] == C_QUOTE)) {
                    start = q;
                }
            }
            break;
        case C_QUOTE:
            p = skip_string(p, end);
            break;
        case C_HASH:
            p = skip_comment(p, end);
            break;
        case C_OPEN:
            depth++;
            p++;
            break;
        case C_CLOSE:
            depth -= depth > 0;
            p++;
            break;
        default: /* C_BSLASH */
            p = skip_backslash(p, end);
            break;
        }
    }
    return (size_t)(start - src);
}

lint_status lint_size_check(const char *src, size_t len, lint_diag *diag)
{
    if (len > LINT_MAX_SOURCE_BYTES) {
        if (diag) {
            snprintf(diag->message, sizeof diag->message,
                     "too large to lint: %zu bytes, the limit is %zu MiB", len,
                     LINT_MAX_SOURCE_BYTES >> 20);
        }
        return LINT_ERR_TOO_LARGE;
    }
    pthread_once(&tok_class_once, tok_class_init);
    const unsigned char *u = (const unsigned char *)src;
    const unsigned char *end = u + len;
    /* Tokens take at least a byte each: a source within the cap in bytes is within it. */
    size_t t = len > LINT_MAX_TOKENS ? token_count(u, end, LINT_MAX_TOKENS) : 0;
    if (t > LINT_MAX_TOKENS) {
        if (diag) {
            snprintf(diag->message, sizeof diag->message,
                     "too large to lint: more than %u tokens (the limit that keeps parsing "
                     "under 500 MB)",
                     LINT_MAX_TOKENS);
        }
        return LINT_ERR_TOO_LARGE;
    }
    /* tree-sitter 0.20.7 crashes (a bad free() in error recovery) when the input ends with
     * some 65,000 tokens of an unfinished statement on its stack, such as 70,000 unclosed
     * brackets or `x = ----...` at the end of a file. */
    if (len > LINT_MAX_TAIL_TOKENS &&
        token_count(u + last_statement(u, end), end, LINT_MAX_TAIL_TOKENS) > LINT_MAX_TAIL_TOKENS) {
        if (diag) {
            snprintf(diag->message, sizeof diag->message,
                     "not linted: the file ends inside a statement of more than %u tokens "
                     "(unclosed brackets?), which the parser cannot recover from",
                     LINT_MAX_TAIL_TOKENS);
        }
        return LINT_ERR_TOO_LARGE;
    }
    return LINT_OK;
}

/* ---- Context ---- */

struct lint_ctx {
    TSParser *parser;
    analysis a;
};

const TSLanguage *lint_language(void)
{
    return tree_sitter_python();
}

lint_ctx *lint_ctx_new(lint_diag *diag)
{
    const TSLanguage *lang = tree_sitter_python();
    uint32_t v = ts_language_version(lang);
    if (v < TREE_SITTER_MIN_COMPATIBLE_LANGUAGE_VERSION || v > TREE_SITTER_LANGUAGE_VERSION) {
        if (diag) {
            snprintf(diag->message, sizeof diag->message,
                     "the built-in tree-sitter Python grammar has ABI version %u, but this "
                     "libtree-sitter loads versions %d to %d: rebuild with a grammar of a "
                     "supported ABI (see grammars/python.lock)",
                     v, TREE_SITTER_MIN_COMPATIBLE_LANGUAGE_VERSION, TREE_SITTER_LANGUAGE_VERSION);
        }
        return NULL;
    }
    TSParser *p = ts_parser_new();
    if (!ts_parser_set_language(p, lang)) {
        ts_parser_delete(p);
        if (diag) {
            snprintf(diag->message, sizeof diag->message,
                     "libtree-sitter refused the Python grammar (ABI version %u)", v);
        }
        return NULL;
    }
    lint_ctx *c = xcalloc(1, sizeof *c);
    c->parser = p;
    return c;
}

void lint_ctx_free(lint_ctx *c)
{
    if (!c) {
        return;
    }
    ts_parser_delete(c->parser);
    for (size_t i = 0; i < c->a.n_binds; i++) {
        free(c->a.binds[i].qual);
    }
    free(c->a.binds);
    free(c->a.bind_by_name);
    free(c->a.globals);
    free(c->a.nodes);
    free(c->a.defs);
    free(c->a.calls);
    free(c->a.loops);
    free(c->a.loop_trains);
    free(c->a.def_by_name);
    free(c->a.def_by_node);
    free(c->a.line_starts);
    chunks_free(&c->a);
    free(c->a.out);
    free(c);
}

/* ---- Linting ---- */

static int cmp_finding(const void *x, const void *y)
{
    const lint_finding *a = x;
    const lint_finding *b = y;
    if (a->start_byte != b->start_byte) {
        return a->start_byte < b->start_byte ? -1 : 1;
    }
    if (a->rule != b->rule) {
        return a->rule - b->rule;
    }
    return a->end_byte < b->end_byte ? -1 : a->end_byte > b->end_byte;
}

static void shift_point(lint_point *p, uint32_t off)
{
    if (p->row == 0) {
        p->col += off;
    }
}

/* Lints over tree. When owned is set the tree is deleted as soon as it is flattened: for a
 * large file it is the biggest allocation (about 125 bytes a node, four times the flat copy),
 * and the rules never look at it. */
static lint_status run(lint_ctx *ctx, const char *src, size_t len, const TSTree *tree,
                       TSTree *owned, const lint_options *opts, uint32_t pre, lint_result **out)
{
    analysis *a = &ctx->a;
    for (size_t i = 0; i < a->n_binds; i++) {
        free(a->binds[i].qual);
    }
    a->n_binds = 0;
    a->src = src;
    a->len = len;
    a->opts = opts;
    a->n_out = 0;
    a->lines_built = 0;
    tree_flatten(a, tree);
    if (owned) {
        ts_tree_delete(owned);
    }
    lint_result *r = xcalloc(1, sizeof *r);
    r->parsed = 1;
    /* mark subtrees that contain an error (bit 2); children follow parents in pre-order */
    for (uint32_t i = a->n_nodes; i-- > 1;) {
        if (a->nodes[i].bad) {
            uint32_t p = a->nodes[i].parent;
            a->nodes[p].bad |= 2;
            if (a->nodes[i].bad & 1) {
                r->n_syntax_errors++;
            }
        }
    }
    uint32_t best = NONE;
    for (uint32_t i = 1; i < a->n_nodes; i++) {
        if (a->nodes[i].bad & 1) {
            best = i;
            break;
        }
    }
    if (best != NONE) {
        r->first_error = position_of(a, a->nodes[best].sb);
    }
    semantic_build(a);
    facts_build(a);
    const rule_spec *const *reg = rule_registry();
    for (int i = 0; i < lint_rule_count(); i++) {
        if (pre >> i & 1U) {
            a->rule = i;
            reg[i]->run(a);
        }
    }
    int noqa = !(opts && opts->ignore_noqa);
    uint32_t fmask = noqa ? noqa_file_mask(src, len) : 0;
    r->file_noqa = fmask == lint_rule_all();
    r->items = xcalloc(a->n_out ? a->n_out : 1, sizeof *r->items);
    for (size_t i = 0; i < a->n_out; i++) {
        lint_finding *f = &a->out[i];
        if (noqa && ((fmask >> f->rule) & 1U || noqa_suppresses(src, len, f))) {
            r->n_suppressed++;
            finding_clear(f);
            continue;
        }
        r->items[r->n++] = *f;
    }
    a->n_out = 0;
    qsort(r->items, r->n, sizeof *r->items, cmp_finding);
    *out = r;
    return LINT_OK;
}

lint_status lint_tree(lint_ctx *ctx, const char *src, size_t len, const TSTree *tree,
                      const lint_options *opts, lint_result **out, lint_diag *diag)
{
    (void)diag;
    uint32_t want = opts && opts->rules ? opts->rules : lint_rule_all();
    return run(ctx, src, len, tree, NULL, opts, lint_prefilter(src, len, want), out);
}

lint_status lint_buffer(lint_ctx *ctx, const char *src, size_t len, const lint_options *opts,
                        lint_result **out, lint_diag *diag)
{
    uint32_t off = 0;
    if (len >= 3 && memcmp(src, "\xEF\xBB\xBF", 3) == 0) {
        off = 3;
    }
    const char *s = src + off;
    size_t n = len - off;
    uint32_t want = opts && opts->rules ? opts->rules : lint_rule_all();
    uint32_t pre = lint_prefilter(s, n, want);
    if (!pre) {
        *out = xcalloc(1, sizeof **out);
        return LINT_OK;
    }
    lint_status size = lint_size_check(s, n, diag);
    if (size != LINT_OK) {
        return size;
    }
    ts_parser_reset(ctx->parser);
    TSTree *tree = ts_parser_parse_string(ctx->parser, NULL, s, (uint32_t)n);
    if (!tree) {
        if (diag) {
            snprintf(diag->message, sizeof diag->message, "tree-sitter could not parse the file");
        }
        return LINT_ERR_PARSE;
    }
    lint_status st = run(ctx, s, n, tree, tree, opts, pre, out);
    if (st == LINT_OK && off) {
        lint_result *r = *out;
        for (size_t i = 0; i < r->n; i++) {
            lint_finding *f = &r->items[i];
            f->start_byte += off;
            f->end_byte += off;
            shift_point(&f->start, off);
            shift_point(&f->end, off);
            if (f->fix) {
                f->fix->start_byte += off;
                f->fix->end_byte += off;
                shift_point(&f->fix->start, off);
                shift_point(&f->fix->end, off);
            }
        }
        shift_point(&r->first_error, off);
    }
    return st;
}
