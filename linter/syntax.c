/* The syntax layer the rules share: a flat copy of the tree-sitter tree (O(1) parent, child and
 * sibling steps, where TSNode child access is linear), import-alias resolution, and the
 * per-function facts that decide what a "training step" and a "per-step region" are. */
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

static uint64_t hash_bytes(const char *s, size_t n)
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
                h = hash_bytes(a->src + ts_node_start_byte(tn),
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

/* ---- Names ---- */

static int append(char *out, size_t cap, size_t *pos, const char *s, size_t n)
{
    if (*pos + n + 1 > cap) {
        return 0;
    }
    memcpy(out + *pos, s, n);
    *pos += n;
    out[*pos] = '\0';
    return 1;
}

/* Appends the dotted text of a chain, spaces removed; resolve != 0 maps the leftmost name. */
/* NOLINTNEXTLINE(misc-no-recursion): depth <= MAX_DEPTH */
static int chain(const analysis *a, uint32_t n, int resolve, char *out, size_t cap, size_t *pos,
                 int depth)
{
    if (n == NONE || depth > MAX_DEPTH) {
        return 0;
    }
    const node *nd = &a->nodes[n];
    if (nd->kind == K_IDENT) {
        size_t len;
        const char *t = ntext(a, n, &len);
        if (resolve) {
            const defn *d = find_def(a, t, len, -1);
            if (d) {
                return append(out, cap, pos, "<local>.", 8) && append(out, cap, pos, t, len);
            }
            for (size_t i = a->n_binds; i-- > 0;) {
                const binding *b = &a->binds[i];
                if (b->name_len == len && memcmp(b->name, t, len) == 0) {
                    return append(out, cap, pos, b->qual, strlen(b->qual));
                }
            }
        }
        return append(out, cap, pos, t, len);
    }
    if (nd->kind == K_ATTR) {
        uint32_t obj = child_field(a, n, F_OBJECT);
        uint32_t attr = child_field(a, n, F_ATTRIBUTE);
        if (attr == NONE || !chain(a, obj, resolve, out, cap, pos, depth + 1)) {
            return 0;
        }
        size_t len;
        const char *t = ntext(a, attr, &len);
        return append(out, cap, pos, ".", 1) && append(out, cap, pos, t, len);
    }
    return 0;
}

int resolve_name(const analysis *a, uint32_t n, char *out, size_t cap)
{
    size_t pos = 0;
    out[0] = '\0';
    return chain(a, n, 1, out, cap, &pos, 0);
}

int chain_text(const analysis *a, uint32_t n, char *out, size_t cap)
{
    size_t pos = 0;
    out[0] = '\0';
    return chain(a, n, 0, out, cap, &pos, 0);
}

/* want_class: 1 class, 0 function, -1 either, but only top-level (module-scope) names. */
/* The first position in def_by_name whose name is not less than name[0..len). */
static size_t def_lower_bound(const analysis *a, const char *name, size_t len)
{
    size_t lo = 0;
    size_t hi = a->n_defs;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const defn *d = &a->defs[a->def_by_name[mid]];
        size_t m = d->name_len < len ? d->name_len : len;
        int c = memcmp(d->name, name, m);
        if (c < 0 || (c == 0 && d->name_len < len)) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

/* The first def (in source order) named name[0..len) that satisfies toplevel_only and
 * want_class (-1: either), or NULL. */
static const defn *def_named(const analysis *a, const char *name, size_t len, int toplevel_only,
                             int want_class)
{
    for (size_t i = def_lower_bound(a, name, len); i < a->n_defs; i++) {
        const defn *d = &a->defs[a->def_by_name[i]];
        if (d->name_len != len || memcmp(d->name, name, len) != 0) {
            break;
        }
        if ((!toplevel_only || d->toplevel) && (want_class < 0 || want_class == d->is_class)) {
            return d;
        }
    }
    return NULL;
}

const defn *find_def(const analysis *a, const char *name, size_t len, int want_class)
{
    return def_named(a, name, len, 1, want_class);
}

static void add_binding(analysis *a, const char *name, size_t len, const char *qual, size_t qlen)
{
    if (a->n_binds == a->cap_binds) {
        a->cap_binds = a->cap_binds ? a->cap_binds * 2 : 32;
        a->binds = xrealloc(a->binds, a->cap_binds * sizeof *a->binds);
    }
    binding *b = &a->binds[a->n_binds++];
    b->name = name;
    b->name_len = len;
    b->qual = xmalloc(qlen + 1);
    size_t o = 0;
    for (size_t i = 0; i < qlen; i++) {
        if (qual[i] != ' ' && qual[i] != '\t' && qual[i] != '\n' && qual[i] != '\r' &&
            qual[i] != '\\') {
            b->qual[o++] = qual[i];
        }
    }
    b->qual[o] = '\0';
}

static void collect_import(analysis *a, uint32_t n)
{
    int from = a->nodes[n].kind == K_IMPORT_FROM;
    size_t mlen = 0;
    const char *mod = NULL;
    if (from) {
        uint32_t m = child_field(a, n, F_MODULE_NAME);
        if (m == NONE) {
            return;
        }
        mod = ntext(a, m, &mlen);
    }
    for (uint32_t c = a->nodes[n].first; c != NONE; c = a->nodes[c].next) {
        if (a->nodes[c].field != F_NAME) {
            continue;
        }
        uint32_t target = c;
        uint32_t alias = NONE;
        if (a->nodes[c].kind == K_ALIASED) {
            target = child_field(a, c, F_NAME);
            alias = child_field(a, c, F_ALIAS);
        }
        if (target == NONE) {
            continue;
        }
        size_t tlen;
        const char *t = ntext(a, target, &tlen);
        char qual[512];
        if (from) {
            if (mlen + tlen + 2 > sizeof qual) {
                continue;
            }
            memcpy(qual, mod, mlen);
            size_t q = mlen;
            if (mlen == 0 || mod[mlen - 1] != '.') {
                qual[q++] = '.';
            }
            memcpy(qual + q, t, tlen);
            q += tlen;
            size_t blen;
            const char *bname = alias != NONE ? ntext(a, alias, &blen) : (blen = tlen, t);
            add_binding(a, bname, blen, qual, q);
        } else if (alias != NONE) {
            size_t blen;
            const char *bname = ntext(a, alias, &blen);
            add_binding(a, bname, blen, t, tlen);
        } else {
            /* import a.b.c binds a */
            size_t first = 0;
            while (first < tlen && t[first] != '.') {
                first++;
            }
            add_binding(a, t, first, t, first);
        }
    }
}

const char *callee_last(const analysis *a, uint32_t call, size_t *len)
{
    uint32_t f = child_field(a, call, F_FUNCTION);
    if (f == NONE) {
        return NULL;
    }
    if (a->nodes[f].kind == K_IDENT) {
        return ntext(a, f, len);
    }
    if (a->nodes[f].kind == K_ATTR) {
        uint32_t at = child_field(a, f, F_ATTRIBUTE);
        return at == NONE ? NULL : ntext(a, at, len);
    }
    return NULL;
}

uint32_t call_kwarg(const analysis *a, uint32_t call, const char *name)
{
    uint32_t args = child_field(a, call, F_ARGUMENTS);
    if (args == NONE || a->nodes[args].kind != K_ARGS) {
        return NONE;
    }
    for (uint32_t c = a->nodes[args].first; c != NONE; c = a->nodes[c].next) {
        if (a->nodes[c].kind == K_KWARG && ntext_is(a, child_field(a, c, F_NAME), name)) {
            uint32_t v = child_field(a, c, F_VALUE);
            return v == NONE ? c : v;
        }
    }
    return NONE;
}

int call_has_splat(const analysis *a, uint32_t call)
{
    uint32_t args = child_field(a, call, F_ARGUMENTS);
    if (args == NONE) {
        return 0;
    }
    for (uint32_t c = a->nodes[args].first; c != NONE; c = a->nodes[c].next) {
        if (a->nodes[c].kind == K_DICT_SPLAT || a->nodes[c].kind == K_LIST_SPLAT) {
            return 1;
        }
    }
    return 0;
}

uint32_t call_positional(const analysis *a, uint32_t call, unsigned i)
{
    uint32_t args = child_field(a, call, F_ARGUMENTS);
    if (args == NONE || a->nodes[args].kind != K_ARGS) {
        return NONE;
    }
    for (uint32_t c = a->nodes[args].first; c != NONE; c = a->nodes[c].next) {
        const node *nd = &a->nodes[c];
        if (!nd->named || nd->kind == K_COMMENT || nd->kind == K_KWARG ||
            nd->kind == K_DICT_SPLAT) {
            continue;
        }
        if (nd->kind == K_LIST_SPLAT) {
            return NONE; /* positions after *args are unknown */
        }
        if (i == 0) {
            return c;
        }
        i--;
    }
    return NONE;
}

uint32_t enclosing_loop(const analysis *a, uint32_t n)
{
    uint32_t stop = a->nodes[n].func;
    uint32_t prev = n;
    for (uint32_t p = a->nodes[n].parent; p != NONE && p != stop;
         prev = p, p = a->nodes[p].parent) {
        uint8_t k = a->nodes[p].kind;
        if ((k == K_FOR || k == K_WHILE) && a->nodes[prev].field == F_BODY) {
            return p;
        }
        if (k == K_CLASS) {
            return NONE;
        }
    }
    return NONE;
}

int in_except(const analysis *a, uint32_t n, uint32_t stop)
{
    for (uint32_t p = a->nodes[n].parent; p != NONE && p != stop; p = a->nodes[p].parent) {
        if (a->nodes[p].kind == K_EXCEPT) {
            return 1;
        }
    }
    return 0;
}

/* torch.no_grad(), torch.inference_mode(), torch.set_grad_enabled(False), as a with item or
 * a decorator (with or without the call). */
static int is_no_grad_expr(const analysis *a, uint32_t e)
{
    if (e == NONE) {
        return 0;
    }
    if (a->nodes[e].kind != K_CALL && a->nodes[e].kind != K_ATTR && a->nodes[e].kind != K_IDENT) {
        e = named_child(a, e, 0); /* as_pattern: `with torch.no_grad() as g` */
        if (e == NONE) {
            return 0;
        }
    }
    uint32_t f = a->nodes[e].kind == K_CALL ? child_field(a, e, F_FUNCTION) : e;
    char q[256];
    if (!resolve_name(a, f, q, sizeof q)) {
        return 0;
    }
    const char *last = strrchr(q, '.');
    last = last ? last + 1 : q;
    if (strcmp(last, "no_grad") == 0 || strcmp(last, "inference_mode") == 0) {
        return 1;
    }
    if (strcmp(last, "set_grad_enabled") == 0 && a->nodes[e].kind == K_CALL) {
        uint32_t arg = call_positional(a, e, 0);
        if (arg == NONE) {
            arg = call_kwarg(a, e, "mode");
        }
        return arg != NONE && a->nodes[arg].kind == K_FALSE;
    }
    return 0;
}

int under_no_grad(const analysis *a, uint32_t n)
{
    uint32_t prev = n;
    for (uint32_t p = a->nodes[n].parent; p != NONE; prev = p, p = a->nodes[p].parent) {
        const node *nd = &a->nodes[p];
        if (nd->kind == K_WITH && a->nodes[prev].field == F_BODY) {
            for (uint32_t c = nd->first; c != NONE; c = a->nodes[c].next) {
                /* with_clause -> with_item* */
                for (uint32_t it = a->nodes[c].first; it != NONE; it = a->nodes[it].next) {
                    if (a->nodes[it].kind == K_WITH_ITEM &&
                        is_no_grad_expr(a, child_field(a, it, F_VALUE))) {
                        return 1;
                    }
                }
            }
        } else if (nd->kind == K_FUNC && a->nodes[nd->parent].kind == K_DECORATED) {
            for (uint32_t c = a->nodes[nd->parent].first; c != NONE; c = a->nodes[c].next) {
                if (a->nodes[c].kind == K_DECORATOR && is_no_grad_expr(a, named_child(a, c, 0))) {
                    return 1;
                }
            }
        }
    }
    return 0;
}

int is_step_call(const analysis *a, uint32_t call)
{
    uint32_t f = child_field(a, call, F_FUNCTION);
    if (f == NONE || a->nodes[f].kind != K_ATTR) {
        return 0;
    }
    uint32_t attr = child_field(a, f, F_ATTRIBUTE);
    if (ntext_is(a, attr, "backward")) {
        return 1;
    }
    if (!ntext_is(a, attr, "step")) {
        return 0;
    }
    uint32_t obj = child_field(a, f, F_OBJECT);
    if (obj == NONE) {
        return 0;
    }
    /* the receiver's last name: optimizer, opt_g, self.optim, scaler, model_engine */
    uint32_t last = obj;
    if (a->nodes[obj].kind == K_ATTR) {
        last = child_field(a, obj, F_ATTRIBUTE);
    } else if (a->nodes[obj].kind == K_SUBSCRIPT) {
        last = child_field(a, obj, F_VALUE); /* optimizers[i].step() */
        if (last != NONE && a->nodes[last].kind == K_ATTR) {
            last = child_field(a, last, F_ATTRIBUTE);
        }
    }
    if (last == NONE || a->nodes[last].kind != K_IDENT) {
        return 0;
    }
    size_t len;
    const char *t = ntext(a, last, &len);
    if (util_contains_ci(t, len, "sched") || util_contains_ci(t, len, "lr")) {
        return 0;
    }
    if (util_contains_ci(t, len, "optim") || util_contains_ci(t, len, "engine")) {
        return 1;
    }
    if ((len == 3 && memcmp(t, "opt", 3) == 0) ||
        (len > 3 && memcmp(t, "opt", 3) == 0 && (t[3] == '_' || (t[3] >= 'A' && t[3] <= 'Z')))) {
        return 1;
    }
    if (len > 4 && memcmp(t + len - 4, "_opt", 4) == 0) {
        return 1;
    }
    if (util_contains_ci(t, len, "scaler")) {
        return call_positional(a, call, 0) != NONE;
    }
    return 0;
}

const defn *call_target(const analysis *a, uint32_t call)
{
    uint32_t f = child_field(a, call, F_FUNCTION);
    if (f == NONE) {
        return NULL;
    }
    size_t len;
    const char *t;
    if (a->nodes[f].kind == K_IDENT) {
        t = ntext(a, f, &len);
        const defn *d = find_def(a, t, len, 0);
        return d;
    }
    if (a->nodes[f].kind == K_ATTR && ntext_is(a, child_field(a, f, F_OBJECT), "self")) {
        t = ntext(a, child_field(a, f, F_ATTRIBUTE), &len);
        return def_named(a, t, len, 0, 0);
    }
    return NULL;
}

const char *func_name(const analysis *a, uint32_t func, size_t *len)
{
    if (a->nodes[func].kind != K_FUNC) {
        return NULL;
    }
    uint32_t nm = child_field(a, func, F_NAME);
    return nm == NONE ? NULL : ntext(a, nm, len);
}

static defn *def_of(analysis *a, uint32_t func)
{
    uint32_t i = func < a->n_nodes ? a->def_by_node[func] : NONE;
    return i == NONE ? NULL : &a->defs[i];
}

/* Sorts by name, then by source order (so the first of equal names is the first defined). */
static int def_cmp(const void *pa, const void *pb, void *ud)
{
    const analysis *a = ud;
    const defn *x = &a->defs[*(const uint32_t *)pa];
    const defn *y = &a->defs[*(const uint32_t *)pb];
    size_t m = x->name_len < y->name_len ? x->name_len : y->name_len;
    int c = memcmp(x->name, y->name, m);
    if (c != 0) {
        return c;
    }
    if (x->name_len != y->name_len) {
        return x->name_len < y->name_len ? -1 : 1;
    }
    return x->node < y->node ? -1 : x->node > y->node;
}

static void index_defs(analysis *a)
{
    a->def_by_name = xrealloc(a->def_by_name, (a->n_defs ? a->n_defs : 1) * sizeof(uint32_t));
    a->def_by_node = xrealloc(a->def_by_node, (a->n_nodes ? a->n_nodes : 1) * sizeof(uint32_t));
    for (uint32_t i = 0; i < a->n_nodes; i++) {
        a->def_by_node[i] = NONE;
    }
    for (size_t i = 0; i < a->n_defs; i++) {
        a->def_by_name[i] = (uint32_t)i;
        a->def_by_node[a->defs[i].node] = (uint32_t)i;
    }
    qsort_r(a->def_by_name, a->n_defs, sizeof(uint32_t), def_cmp, a);
}

static int name_in(const char *t, size_t len, const char *const *list)
{
    for (; *list; list++) {
        if (strlen(*list) == len && memcmp(*list, t, len) == 0) {
            return 1;
        }
    }
    return 0;
}

/* Per-step hooks: the framework calls them once per training step. */
static const char *const step_hooks[] = {
    "training_step",        "compute_loss",       "training_step_end", "on_train_batch_end",
    "on_train_batch_start", "on_before_backward", "on_after_backward", "on_before_optimizer_step",
    "on_step_end",          "on_step_begin",      "optimizer_step",    NULL,
};

int per_step_region(const analysis *a, uint32_t n, uint32_t *out_region)
{
    uint32_t loop = enclosing_loop(a, n);
    if (loop != NONE) {
        if (out_region) {
            *out_region = loop;
        }
        return a->loop_trains[loop];
    }
    uint32_t f = a->nodes[n].func;
    if (out_region) {
        *out_region = f;
    }
    size_t len;
    const char *name = func_name(a, f, &len);
    if (!name) {
        return 0;
    }
    if (name_in(name, len, step_hooks)) {
        return 1;
    }
    const defn *d = def_of((analysis *)a, f);
    return d && d->step_direct && (d->called_in_loop || util_contains_ci(name, len, "step"));
}

/* The loop or function whose every run executes call c once: the innermost for/while body or
 * function containing it. */
static uint32_t owner_of(const analysis *a, uint32_t c)
{
    uint32_t loop = enclosing_loop(a, c);
    return loop != NONE ? loop : a->nodes[c].func;
}

void analysis_facts(analysis *a)
{
    a->n_defs = 0;
    a->n_binds = 0;
    for (uint32_t i = 0; i < a->n_nodes; i++) {
        uint8_t k = a->nodes[i].kind;
        if (k == K_IMPORT || k == K_IMPORT_FROM) {
            collect_import(a, i);
        } else if (k == K_FUNC || k == K_CLASS) {
            uint32_t nm = child_field(a, i, F_NAME);
            if (nm == NONE) {
                continue;
            }
            if (a->n_defs == a->cap_defs) {
                a->cap_defs = a->cap_defs ? a->cap_defs * 2 : 32;
                a->defs = xrealloc(a->defs, a->cap_defs * sizeof *a->defs);
            }
            defn *d = &a->defs[a->n_defs++];
            memset(d, 0, sizeof *d);
            d->node = i;
            d->name = ntext(a, nm, &d->name_len);
            d->is_class = k == K_CLASS;
            d->toplevel = a->nodes[i].func == 0;
            for (uint32_t p = a->nodes[i].parent; d->toplevel && p != NONE;
                 p = a->nodes[p].parent) {
                if (a->nodes[p].kind == K_CLASS) {
                    d->toplevel = 0;
                }
            }
        }
    }
    index_defs(a);
    a->loop_trains = xrealloc(a->loop_trains, a->n_nodes ? a->n_nodes : 1);
    memset(a->loop_trains, 0, a->n_nodes ? a->n_nodes : 1);
    /* Fixpoint: a call trains if it steps or calls a same-file function that trains. What each
     * call is does not change between rounds: work it out once. */
    uint8_t *steps = xmalloc(a->n_calls ? a->n_calls : 1);
    /* NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers */
    const defn **targets = xmalloc((a->n_calls ? a->n_calls : 1) * sizeof *targets);
    for (size_t i = 0; i < a->n_calls; i++) {
        steps[i] = (uint8_t)is_step_call(a, a->calls[i]);
        targets[i] = call_target(a, a->calls[i]);
    }
    for (int round = 0, changed = 1; changed && round < 4; round++) {
        changed = 0;
        for (size_t i = 0; i < a->n_calls; i++) {
            uint32_t c = a->calls[i];
            const defn *t = steps[i] ? NULL : targets[i];
            if (!steps[i] && !(t && t->step_direct)) {
                continue;
            }
            uint32_t o = owner_of(a, c);
            if (a->nodes[o].kind == K_FOR || a->nodes[o].kind == K_WHILE) {
                if (!a->loop_trains[o]) {
                    a->loop_trains[o] = 1;
                    changed = 1;
                }
            } else {
                defn *d = def_of(a, o);
                if (d && !d->step_direct && d != t) {
                    d->step_direct = 1;
                    changed = 1;
                }
            }
        }
    }
    for (size_t i = 0; i < a->n_calls; i++) {
        defn *t = (defn *)targets[i];
        if (t && enclosing_loop(a, a->calls[i]) != NONE) {
            t->called_in_loop = 1;
        }
    }
    free(steps);
    free(targets);
}
