/* The tree layer: a flat copy of the tree-sitter tree (O(1) parent, child and sibling steps,
 * where TSNode child access is linear), the statement cache the LSP reuses between edits, and
 * positions (byte offset to row and column). Everything above it (semantic.c, facts.c, the
 * rules) reads the flat nodes only. */
#include <pthread.h>
#include <string.h>

#include "linter/lint_int.h"

const TSLanguage *tree_sitter_python(void);

/* ---- Symbol and field tables, built once ---- */

static uint8_t *sym_kind; /* indexed by TSSymbol */
static uint32_t n_sym_kind;
static uint8_t *field_map; /* indexed by TSFieldId */
static uint32_t n_field_map;
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

static const struct {
    const char *name;
    uint8_t kind;
} kind_names[] = {
    {"module", K_MODULE},
    {"identifier", K_IDENT},
    {"attribute", K_ATTR},
    {"call", K_CALL},
    {"argument_list", K_ARGS},
    {"keyword_argument", K_KWARG},
    {"list_splat", K_LIST_SPLAT},
    {"dictionary_splat", K_DICT_SPLAT},
    {"subscript", K_SUBSCRIPT},
    {"binary_operator", K_BINOP},
    {"unary_operator", K_UNARY},
    {"not_operator", K_NOT},
    {"boolean_operator", K_BOOLOP},
    {"comparison_operator", K_COMPARE},
    {"parenthesized_expression", K_PAREN},
    {"conditional_expression", K_COND_EXPR},
    {"list", K_LIST},
    {"tuple", K_TUPLE},
    {"set", K_SET},
    {"dictionary", K_DICT},
    {"pair", K_PAIR},
    {"string", K_STRING},
    {"concatenated_string", K_STRING},
    {"integer", K_INTEGER},
    {"float", K_FLOAT},
    {"true", K_TRUE},
    {"false", K_FALSE},
    {"none", K_NONE},
    {"function_definition", K_FUNC},
    {"class_definition", K_CLASS},
    {"decorated_definition", K_DECORATED},
    {"decorator", K_DECORATOR},
    {"lambda", K_LAMBDA},
    {"block", K_BLOCK},
    {"expression_statement", K_EXPR_STMT},
    {"assignment", K_ASSIGN},
    {"augmented_assignment", K_AUG_ASSIGN},
    {"return_statement", K_RETURN},
    {"if_statement", K_IF},
    {"elif_clause", K_ELIF},
    {"else_clause", K_ELSE},
    {"for_statement", K_FOR},
    {"while_statement", K_WHILE},
    {"try_statement", K_TRY},
    {"except_clause", K_EXCEPT},
    {"except_group_clause", K_EXCEPT},
    {"finally_clause", K_FINALLY},
    {"with_statement", K_WITH},
    {"with_item", K_WITH_ITEM},
    {"import_statement", K_IMPORT},
    {"import_from_statement", K_IMPORT_FROM},
    {"future_import_statement", K_OTHER},
    {"dotted_name", K_DOTTED},
    {"aliased_import", K_ALIASED},
    {"relative_import", K_RELATIVE},
    {"wildcard_import", K_WILDCARD},
    {"comment", K_COMMENT},
    {"pattern_list", K_PATTERN_LIST},
    {"expression_list", K_EXPR_LIST},
    {"list_comprehension", K_COMPREHENSION},
    {"dictionary_comprehension", K_COMPREHENSION},
    {"set_comprehension", K_COMPREHENSION},
    {"generator_expression", K_GENERATOR},
    {"global_statement", K_GLOBAL},
    {"nonlocal_statement", K_NONLOCAL},
    {"parameters", K_PARAMS},
    {"lambda_parameters", K_PARAMS},
    {"default_parameter", K_DEFAULT_PARAM},
    {"typed_default_parameter", K_DEFAULT_PARAM},
    {"typed_parameter", K_TYPED_PARAM},
    {"as_pattern", K_AS_PATTERN},
};

static const struct {
    const char *name;
    uint8_t field;
} field_names[] = {
    {"name", F_NAME},
    {"alias", F_ALIAS},
    {"value", F_VALUE},
    {"object", F_OBJECT},
    {"attribute", F_ATTRIBUTE},
    {"function", F_FUNCTION},
    {"arguments", F_ARGUMENTS},
    {"left", F_LEFT},
    {"right", F_RIGHT},
    {"operator", F_OPERATOR},
    {"body", F_BODY},
    {"condition", F_CONDITION},
    {"consequence", F_CONSEQUENCE},
    {"alternative", F_ALTERNATIVE},
    {"module_name", F_MODULE_NAME},
    {"superclasses", F_SUPERCLASSES},
    {"key", F_KEY},
    {"subscript", F_SUBSCRIPT},
    {"definition", F_DEFINITION},
    {"parameters", F_PARAMETERS},
};

static void build_tables(void)
{
    const TSLanguage *lang = tree_sitter_python();
    n_sym_kind = ts_language_symbol_count(lang);
    sym_kind = xcalloc(n_sym_kind, 1);
    for (uint32_t s = 0; s < n_sym_kind; s++) {
        const char *name = ts_language_symbol_name(lang, (TSSymbol)s);
        if (!name || ts_language_symbol_type(lang, (TSSymbol)s) != TSSymbolTypeRegular) {
            continue;
        }
        for (size_t k = 0; k < sizeof kind_names / sizeof kind_names[0]; k++) {
            if (strcmp(name, kind_names[k].name) == 0) {
                sym_kind[s] = kind_names[k].kind;
                break;
            }
        }
    }
    n_field_map = ts_language_field_count(lang) + 1;
    field_map = xcalloc(n_field_map, 1);
    for (uint32_t f = 1; f < n_field_map; f++) {
        const char *name = ts_language_field_name_for_id(lang, (TSFieldId)f);
        if (!name) {
            continue;
        }
        for (size_t k = 0; k < sizeof field_names / sizeof field_names[0]; k++) {
            if (strcmp(name, field_names[k].name) == 0) {
                field_map[f] = field_names[k].field;
                break;
            }
        }
    }
}

/* ---- Flattening ---- */

static uint32_t push_node(analysis *a, TSTreeCursor *cur, uint32_t parent)
{
    if (a->n_nodes == a->cap_nodes) {
        a->cap_nodes = a->cap_nodes ? a->cap_nodes * 2 : 4096;
        a->nodes = xrealloc(a->nodes, a->cap_nodes * sizeof *a->nodes);
    }
    TSNode tn = ts_tree_cursor_current_node(cur);
    uint32_t i = a->n_nodes++;
    node *n = &a->nodes[i];
    TSSymbol sym = ts_node_symbol(tn);
    n->named = ts_node_is_named(tn);
    n->bad = (sym == (TSSymbol)-1) || ts_node_is_missing(tn);
    n->kind = n->bad ? K_ERROR : (sym < n_sym_kind ? sym_kind[sym] : K_OTHER);
    if (!n->named && !n->bad) {
        n->kind = K_KEYWORD_TOKEN;
    }
    TSFieldId fid = ts_tree_cursor_current_field_id(cur);
    n->field = fid < n_field_map ? field_map[fid] : F_NONE;
    n->parent = parent;
    n->first = n->next = NONE;
    n->sb = ts_node_start_byte(tn);
    n->eb = ts_node_end_byte(tn);
    if (parent == NONE) {
        n->func = i;
    } else {
        uint8_t pk = a->nodes[parent].kind;
        n->func = (pk == K_FUNC || pk == K_LAMBDA) ? parent : a->nodes[parent].func;
    }
    return i;
}

static void note_node(analysis *a, uint32_t i)
{
    uint8_t k = a->nodes[i].kind;
    if (k == K_CALL) {
        if (a->n_calls == a->cap_calls) {
            a->cap_calls = a->cap_calls ? a->cap_calls * 2 : 256;
            a->calls = xrealloc(a->calls, a->cap_calls * sizeof *a->calls);
        }
        a->calls[a->n_calls++] = i;
    } else if (k == K_FOR || k == K_WHILE) {
        if (a->n_loops == a->cap_loops) {
            a->cap_loops = a->cap_loops ? a->cap_loops * 2 : 64;
            a->loops = xrealloc(a->loops, a->cap_loops * sizeof *a->loops);
        }
        a->loops[a->n_loops++] = i;
    }
}

/* Flattens the subtree at the cursor (whose node is pushed by the caller as index root) with a
 * cursor of its own, so the caller's cursor stays on the subtree's root. */
static void flatten_below(analysis *a, TSNode tn, uint32_t root)
{
    TSTreeCursor cur = ts_tree_cursor_new(tn);
    uint32_t at = root;
    for (;;) {
        if (ts_tree_cursor_goto_first_child(&cur)) {
            uint32_t c = push_node(a, &cur, at);
            a->nodes[at].first = c;
            at = c;
            note_node(a, c);
            continue;
        }
        for (;;) {
            if (at == root) {
                ts_tree_cursor_delete(&cur);
                return;
            }
            if (ts_tree_cursor_goto_next_sibling(&cur)) {
                uint32_t c = push_node(a, &cur, a->nodes[at].parent);
                a->nodes[at].next = c;
                at = c;
                note_node(a, c);
                break;
            }
            if (!ts_tree_cursor_goto_parent(&cur)) {
                ts_tree_cursor_delete(&cur);
                return;
            }
            at = a->nodes[at].parent;
        }
    }
}

void chunks_free(analysis *a)
{
    for (size_t i = 0; i < a->n_chunks; i++) {
        flat_chunk *c = &a->chunks[i];
        free(c->text);
        free(c->nodes);
        free(c->calls);
        free(c->loops);
    }
    free(a->chunks);
    a->chunks = NULL;
    a->n_chunks = a->cap_chunks = 0;
}

/* Keeps nodes [base, n_nodes) (one top-level statement, just flattened) as a chunk. */
static void chunk_save(analysis *a, uint32_t base, size_t call0, size_t loop0, uint64_t h)
{
    if (a->n_chunks == a->cap_chunks) {
        a->cap_chunks = a->cap_chunks ? a->cap_chunks * 2 : 64;
        a->chunks = xrealloc(a->chunks, a->cap_chunks * sizeof *a->chunks);
    }
    flat_chunk *c = &a->chunks[a->n_chunks++];
    const node *root = &a->nodes[base];
    c->hash = h;
    c->len = root->eb - root->sb;
    c->text = xstrndup(a->src + root->sb, c->len);
    c->base0 = base;
    c->sb0 = root->sb;
    c->n_nodes = a->n_nodes - base;
    c->nodes = xmalloc(c->n_nodes * sizeof *c->nodes);
    memcpy(c->nodes, a->nodes + base, c->n_nodes * sizeof *c->nodes);
    c->n_calls = (uint32_t)(a->n_calls - call0);
    c->calls = xmalloc((c->n_calls ? c->n_calls : 1) * sizeof *c->calls);
    if (c->n_calls) { /* a->calls is NULL until the first call: memcpy(NULL) is undefined */
        memcpy(c->calls, a->calls + call0, c->n_calls * sizeof *c->calls);
    }
    c->n_loops = (uint32_t)(a->n_loops - loop0);
    c->loops = xmalloc((c->n_loops ? c->n_loops : 1) * sizeof *c->loops);
    if (c->n_loops) {
        memcpy(c->loops, a->loops + loop0, c->n_loops * sizeof *c->loops);
    }
    c->used = 1;
}

static void push_many(uint32_t **arr, size_t *n, size_t *cap, const uint32_t *v, uint32_t k,
                      uint32_t shift)
{
    while (*n + k > *cap) {
        *cap = *cap ? *cap * 2 : 256;
        *arr = xrealloc(*arr, *cap * sizeof **arr);
    }
    for (uint32_t i = 0; i < k; i++) {
        (*arr)[*n + i] = v[i] + shift;
    }
    *n += k;
}

/* An index as placed at base0, moved to base: NONE and the module (0) stay. */
static uint32_t moved(uint32_t v, uint32_t dbase)
{
    return v == NONE || v == 0 ? v : v + dbase;
}

uint64_t lint_hash_bytes(const char *s, size_t n)
{
    uint64_t h = 14695981039346656037ULL;
    for (size_t i = 0; i < n; i++) {
        h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    }
    return h;
}

/* Copies a cached chunk for the statement tn (bytes hashing to h) into the flat tree; 0 if none
 * matches: same hash, same bytes. (Tree-sitter's subtree ids do not survive an edit before
 * them, so bytes decide.) *hint is where the last match was: statements come in order, so the
 * next one is usually the next chunk. */
static int chunk_reuse(analysis *a, TSNode tn, uint64_t h, size_t *hint)
{
    uint32_t sb = ts_node_start_byte(tn);
    uint32_t eb = ts_node_end_byte(tn);
    for (size_t j = 0; j < a->n_chunks; j++) {
        size_t k = (*hint + j) % a->n_chunks;
        flat_chunk *c = &a->chunks[k];
        if (c->hash != h || c->len != eb - sb || memcmp(c->text, a->src + sb, c->len) != 0) {
            continue;
        }
        *hint = k + 1;
        uint32_t base = a->n_nodes;
        while (a->cap_nodes < a->n_nodes + c->n_nodes) {
            a->cap_nodes = a->cap_nodes ? a->cap_nodes * 2 : 4096;
            a->nodes = xrealloc(a->nodes, a->cap_nodes * sizeof *a->nodes);
        }
        uint32_t dbase = base - c->base0;
        if (dbase == 0 && sb == c->sb0) {
            memcpy(a->nodes + base, c->nodes, c->n_nodes * sizeof *c->nodes);
        } else {
            for (uint32_t i = 0; i < c->n_nodes; i++) {
                node *n = &c->nodes[i]; /* updated in place: the chunk moves with the text */
                n->parent = moved(n->parent, dbase);
                n->first = moved(n->first, dbase);
                n->next = moved(n->next, dbase);
                n->func = moved(n->func, dbase);
                n->sb = n->sb - c->sb0 + sb;
                n->eb = n->eb - c->sb0 + sb;
            }
            for (uint32_t i = 0; i < c->n_calls; i++) {
                c->calls[i] += dbase;
            }
            for (uint32_t i = 0; i < c->n_loops; i++) {
                c->loops[i] += dbase;
            }
            memcpy(a->nodes + base, c->nodes, c->n_nodes * sizeof *c->nodes);
        }
        /* The root's sibling link is set by the caller. */
        a->nodes[base].next = NONE;
        a->n_nodes += c->n_nodes;
        push_many(&a->calls, &a->n_calls, &a->cap_calls, c->calls, c->n_calls, 0);
        push_many(&a->loops, &a->n_loops, &a->cap_loops, c->loops, c->n_loops, 0);
        c->base0 = base;
        /* Positions changed: keep the chunk as now placed. */
        c->sb0 = sb;
        c->used = 1;
        return 1;
    }
    return 0;
}

void tree_flatten(analysis *a, const TSTree *tree)
{
    pthread_once(&tables_once, build_tables);
    int incremental = a->opts && a->opts->incremental;
    if (!incremental && a->n_chunks) {
        chunks_free(a);
    }
    for (size_t k = 0; k < a->n_chunks; k++) {
        a->chunks[k].used = 0;
    }
    size_t n_old = a->n_chunks;
    size_t hint = 0;
    a->n_nodes = 0;
    a->n_calls = a->n_loops = 0;
    TSNode root = ts_tree_root_node(tree);
    TSTreeCursor cur = ts_tree_cursor_new(root);
    push_node(a, &cur, NONE);
    uint32_t prev = NONE;
    if (ts_tree_cursor_goto_first_child(&cur)) {
        do {
            TSNode tn = ts_tree_cursor_current_node(&cur);
            uint32_t base = a->n_nodes;
            uint64_t h = 0;
            int reused = 0;
            if (incremental) {
                h = lint_hash_bytes(a->src + ts_node_start_byte(tn),
                                    ts_node_end_byte(tn) - ts_node_start_byte(tn));
                reused = a->n_chunks && chunk_reuse(a, tn, h, &hint);
            }
            if (!reused) {
                size_t call0 = a->n_calls;
                size_t loop0 = a->n_loops;
                uint32_t c = push_node(a, &cur, 0);
                note_node(a, c);
                flatten_below(a, tn, c);
                if (incremental) {
                    chunk_save(a, base, call0, loop0, h);
                }
            }
            if (prev == NONE) {
                a->nodes[0].first = base;
            } else {
                a->nodes[prev].next = base;
            }
            prev = base;
        } while (ts_tree_cursor_goto_next_sibling(&cur));
    }
    ts_tree_cursor_delete(&cur);
    /* Drop the chunks of statements that are gone (new ones were appended after n_old). */
    size_t w = 0;
    for (size_t k = 0; k < a->n_chunks; k++) {
        if (a->chunks[k].used || k >= n_old) {
            a->chunks[w++] = a->chunks[k];
        } else {
            free(a->chunks[k].text);
            free(a->chunks[k].nodes);
            free(a->chunks[k].calls);
            free(a->chunks[k].loops);
        }
    }
    a->n_chunks = w;
}

/* ---- Tree access ---- */

const char *ntext(const analysis *a, uint32_t n, size_t *len)
{
    *len = a->nodes[n].eb - a->nodes[n].sb;
    return a->src + a->nodes[n].sb;
}

int ntext_is(const analysis *a, uint32_t n, const char *s)
{
    if (n == NONE) {
        return 0;
    }
    size_t len;
    const char *t = ntext(a, n, &len);
    return strlen(s) == len && memcmp(t, s, len) == 0;
}

uint32_t child_field(const analysis *a, uint32_t n, int field)
{
    if (n == NONE) {
        return NONE;
    }
    for (uint32_t c = a->nodes[n].first; c != NONE; c = a->nodes[c].next) {
        if (a->nodes[c].field == field) {
            return c;
        }
    }
    return NONE;
}

TSPoint point_of(analysis *a, uint32_t byte)
{
    if (!a->lines_built) {
        a->n_lines = 0;
        const char *p = a->src;
        const char *end = a->src + a->len;
        for (;;) {
            /* (a->len == 0: the loop stores line 0 and stops) */
            if (a->n_lines == a->cap_lines) {
                a->cap_lines = a->cap_lines ? a->cap_lines * 2 : 1024;
                a->line_starts = xrealloc(a->line_starts, a->cap_lines * sizeof *a->line_starts);
            }
            a->line_starts[a->n_lines++] = (uint32_t)(p - a->src);
            p = p < end ? memchr(p, '\n', (size_t)(end - p)) : NULL;
            if (!p) {
                break;
            }
            p++;
        }
        a->lines_built = 1;
    }
    uint32_t lo = 0;
    uint32_t hi = a->n_lines; /* the last line starting at or before byte */
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (a->line_starts[mid] <= byte) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    TSPoint pt = {lo, byte - a->line_starts[lo]};
    return pt;
}

lint_point position_of(analysis *a, uint32_t byte)
{
    TSPoint p = point_of(a, byte);
    lint_point out = {p.row, p.column, 1};
    for (uint32_t i = byte - p.column; i < byte; i++) {
        out.column += ((unsigned char)a->src[i] & 0xC0) != 0x80; /* a code point starts */
    }
    return out;
}

uint32_t named_child(const analysis *a, uint32_t n, unsigned i)
{
    if (n == NONE) {
        return NONE;
    }
    for (uint32_t c = a->nodes[n].first; c != NONE; c = a->nodes[c].next) {
        if (a->nodes[c].named && a->nodes[c].kind != K_COMMENT) {
            if (i == 0) {
                return c;
            }
            i--;
        }
    }
    return NONE;
}

int is_ancestor(const analysis *a, uint32_t anc, uint32_t n)
{
    for (; n != NONE; n = a->nodes[n].parent) {
        if (n == anc) {
            return 1;
        }
    }
    return 0;
}

int has_bytes(const char *s, size_t n, const char *needle)
{
    return memmem(s, n, needle, strlen(needle)) != NULL;
}
