/* The linter's entry points: the rule table, the byte prefilter that keeps most files from
 * being parsed, the parse, running the rules over the flat tree, and the post-processing every
 * finding goes through (syntax-error regions, noqa comments, order). */
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
/* What one prefilter call learned about the needles' parts ("backward", "step(", "import"):
 * several rules share parts, and most files hold none of them, so each part is searched for
 * once, and a part that contains one known to be absent ("on_after_backward", "backward") is
 * absent without a search. */
/* The prefilter scans the source once for every needle of the wanted rules (memmem per needle
 * read the source some thirty times: a third of linting the CPython standard library). A
 * needle's first four bytes, hashed, index a table of 4,096 chains; a position is compared
 * only with the needles, not found yet, in the chain of its own four bytes' hash. Needles
 * shorter than four bytes (none today) are left to memmem. */
enum { PF_MAX_PARTS = 64, PF_HASHES = 4096, PF_HEAD = 4 };

typedef struct pf_part {
    const char *s;
    size_t n;
    uint32_t head; /* the first PF_HEAD bytes, as loaded from the source */
} pf_part;

static uint32_t pf_load(const char *p)
{
    uint32_t v = 0;
    memcpy(&v, p, sizeof v);
    return v;
}

static uint32_t pf_hash(uint32_t head)
{
    return (head * 2654435761U) >> 20; /* 12 bits: PF_HASHES */
}

/* Bit j set when parts[j] occurs in src[0..len). */
static uint64_t pf_scan(const char *src, size_t len, const pf_part *parts, size_t n)
{
    /* by hash of the first PF_HEAD bytes: 1 + the first part with it, then 1 + the next */
    uint8_t first[PF_HASHES];
    uint8_t next[PF_MAX_PARTS];
    memset(first, 0, sizeof first);
    uint64_t found = 0;
    uint64_t wanted = 0; /* the parts the scan still looks for */
    for (size_t j = 0; j < n; j++) {
        if (parts[j].n < PF_HEAD) {
            found |= memmem(src, len, parts[j].s, parts[j].n) ? 1ULL << j : 0;
            continue;
        }
        uint32_t h = pf_hash(parts[j].head);
        next[j] = first[h];
        first[h] = (uint8_t)(j + 1);
        wanted |= 1ULL << j;
    }
    for (size_t i = 0; wanted && i + PF_HEAD <= len; i++) {
        uint32_t head = pf_load(src + i);
        for (unsigned k = first[pf_hash(head)]; k; k = next[k - 1]) {
            const pf_part *p = &parts[k - 1];
            if ((wanted >> (k - 1) & 1U) && p->head == head && p->n <= len - i &&
                memcmp(src + i + PF_HEAD, p->s + PF_HEAD, p->n - PF_HEAD) == 0) {
                found |= 1ULL << (k - 1);
                wanted &= ~(1ULL << (k - 1));
            }
        }
    }
    return found;
}

/* The index of needle s[0..n) in parts, added when new; -1 when parts is full. */
static int pf_part_index(pf_part *parts, size_t *n_parts, const char *s, size_t n)
{
    for (size_t j = 0; j < *n_parts; j++) {
        if (parts[j].n == n && memcmp(parts[j].s, s, n) == 0) {
            return (int)j;
        }
    }
    if (*n_parts == PF_MAX_PARTS) {
        return -1;
    }
    parts[*n_parts] = (pf_part){s, n, n >= PF_HEAD ? pf_load(s) : 0};
    return (int)(*n_parts)++;
}

uint32_t lint_prefilter(const char *src, size_t len, uint32_t want)
{
    const rule_spec *const *reg = rule_registry();
    want = want ? want : lint_rule_default();
    pf_part parts[PF_MAX_PARTS];
    size_t n_parts = 0;
    for (int i = 0; i < lint_rule_count(); i++) {
        for (const char *const *alt = reg[i]->needles; (want >> i & 1U) && *alt; alt++) {
            for (const char *p = *alt; *p;) {
                size_t n = strcspn(p, "&");
                pf_part_index(parts, &n_parts, p, n);
                p += n + (p[n] == '&');
            }
        }
    }
    uint64_t found = pf_scan(src, len, parts, n_parts);
    uint32_t m = 0;
    for (int i = 0; i < lint_rule_count(); i++) {
        for (const char *const *alt = reg[i]->needles; (want >> i & 1U) && *alt; alt++) {
            int all = 1;
            for (const char *p = *alt; *p && all;) {
                size_t n = strcspn(p, "&");
                int j = pf_part_index(parts, &n_parts, p, n);
                /* (more needles than PF_MAX_PARTS: the rest are looked for one by one) */
                all = j >= 0 ? (int)(found >> j & 1U) : memmem(src, len, p, n) != NULL;
                p += n + (p[n] == '&');
            }
            if (all) {
                m |= 1U << i;
                break;
            }
        }
    }
    return m;
}

/* ---- Size ---- */

/* Where the last statement of lx's source starts: after a newline outside brackets and strings
 * (not escaped by a backslash), the first byte of a line that begins with a word or a string (not
 * trailing newlines, comments or stray punctuation such as `)`, after which the parser stays in
 * the unfinished statement). Only brackets, quotes, comments and newlines are looked at, so this
 * pass is quick: the LSP runs it on every edit. */
static size_t last_statement(pylex *lx)
{
    const unsigned char *p = lx->src;
    const unsigned char *start = lx->src;
    const unsigned char *end = lx->end;
    size_t depth = 0;
    while (p < end) {
        uint8_t k = pylex_class[*p];
        if (k <= PYLEX_PUNCT) {
            for (p++; p < end && pylex_class[*p] <= PYLEX_PUNCT; p++) {
            }
            continue;
        }
        pylex_str s;
        switch (k) {
        case PYLEX_NL:
            p++;
            if (depth == 0) {
                const unsigned char *q = p;
                while (q < end && pylex_class[*q] == PYLEX_SPACE) {
                    q++;
                }
                if (q < end && (pylex_class[*q] == PYLEX_WORD || pylex_class[*q] == PYLEX_QUOTE)) {
                    start = q;
                }
            }
            break;
        case PYLEX_QUOTE:
            p = pylex_string(lx, p, &s);
            depth += s.depth;
            break;
        case PYLEX_HASH:
            p = pylex_comment(p, end);
            break;
        case PYLEX_OPEN:
            depth++;
            p++;
            break;
        case PYLEX_CLOSE:
            depth -= depth > 0;
            p++;
            break;
        default: /* PYLEX_BSLASH */
            p = pylex_backslash(p, end);
            break;
        }
    }
    return (size_t)(start - lx->src);
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
    pylex lx;
    pylex_init(&lx, src, len);
    /* Tokens take at least a byte each: a source within the cap in bytes is within it. */
    size_t t = len > LINT_MAX_TOKENS ? pylex_tokens(&lx, lx.src, LINT_MAX_TOKENS) : 0;
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
    if (len > LINT_MAX_TAIL_TOKENS && pylex_tokens(&lx, lx.src + last_statement(&lx),
                                                   LINT_MAX_TAIL_TOKENS) > LINT_MAX_TAIL_TOKENS) {
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

TSParser *grammar_parser_new(const TSLanguage *lang, const char *what, const char *lock,
                             lint_diag *diag)
{
    uint32_t v = ts_language_version(lang);
    if (v < TREE_SITTER_MIN_COMPATIBLE_LANGUAGE_VERSION || v > TREE_SITTER_LANGUAGE_VERSION) {
        if (diag) {
            snprintf(diag->message, sizeof diag->message,
                     "the built-in tree-sitter %s grammar has ABI version %u, but this "
                     "libtree-sitter loads versions %d to %d: rebuild with a grammar of a "
                     "supported ABI (see grammars/%s)",
                     what, v, TREE_SITTER_MIN_COMPATIBLE_LANGUAGE_VERSION,
                     TREE_SITTER_LANGUAGE_VERSION, lock);
        }
        return NULL;
    }
    TSParser *p = ts_parser_new();
    if (!ts_parser_set_language(p, lang)) {
        ts_parser_delete(p);
        if (diag) {
            snprintf(diag->message, sizeof diag->message,
                     "libtree-sitter refused the %s grammar (ABI version %u)", what, v);
        }
        return NULL;
    }
    return p;
}

lint_ctx *lint_ctx_new(lint_diag *diag)
{
    TSParser *p = grammar_parser_new(tree_sitter_python(), "Python", "python.lock", diag);
    if (!p) {
        return NULL;
    }
    lint_ctx *c = xcalloc(1, sizeof *c);
    c->parser = p;
    return c;
}

void analysis_clear(analysis *a)
{
    for (size_t i = 0; i < a->n_binds; i++) {
        free(a->binds[i].qual);
    }
    free(a->binds);
    free(a->bind_by_name);
    free(a->resolved);
    free(a->globals);
    free(a->nodes);
    free(a->defs);
    free(a->calls);
    free(a->loops);
    free(a->loop_trains);
    free(a->def_by_name);
    free(a->def_by_node);
    free(a->line_starts);
    free(a->call_refs);
    free(a->call_flags);
    chunks_free(a);
    free(a->out);
    module_locals_free(a);
    memset(a, 0, sizeof *a);
}

void lint_ctx_free(lint_ctx *c)
{
    if (!c) {
        return;
    }
    ts_parser_delete(c->parser);
    analysis_clear(&c->a);
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
    module_locals_free(a);
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
    uint32_t want = opts && opts->rules ? opts->rules : lint_rule_default();
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
    uint32_t want = opts && opts->rules ? opts->rules : lint_rule_default();
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
