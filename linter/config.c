/* Configuration files to a lint_config: the TOML is parsed by the tree-sitter TOML grammar
 * (grammars/toml.lock), then every key/value pair is taken with its full dotted key (table
 * header + key, through inline tables) and checked against the keys oomkb knows. Pure over a
 * buffer; discovery and settings are in config_discovery.c. */
#include "linter/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tree_sitter/api.h>

#include "linter/lint_int.h"

const TSLanguage *tree_sitter_toml(void);

#define MAX_KEY_PARTS 16

typedef struct keypath {
    char *part[MAX_KEY_PARTS];
    int n;
} keypath;

typedef struct reader {
    const char *src;
    const char *name;
    int pyproject;
    lint_config *cfg;
    lint_diag *diag;
    int found;      /* [tool.oomkb] (or top-level keys) seen */
    unsigned given; /* scalar keys already set, bit per entry of scalar_keys */
    int failed;
} reader;

static const char *const scalar_keys[] = {
    "select", "ignore", "extend-select", "exclude", "extend-exclude", "kb-url", NULL};
enum { K_SELECT, K_IGNORE, K_EXTEND_SELECT, K_EXCLUDE, K_EXTEND_EXCLUDE, K_KB_URL };

static void keypath_clear(keypath *k)
{
    for (int i = 0; i < k->n; i++) {
        free(k->part[i]);
    }
    k->n = 0;
}

static unsigned line_of(TSNode n)
{
    return ts_node_start_point(n).row + 1;
}

static const char *node_type(TSNode n)
{
    return ts_node_type(n);
}

/* The key as a person reads it: tool.oomkb.per-file-ignores."tests/x.py". */
static void key_text(const keypath *k, int upto, buf *out)
{
    for (int i = 0; i < upto && i < k->n; i++) {
        const char *p = k->part[i];
        int bare = *p != '\0';
        for (const char *q = p; *q; q++) {
            if (!((*q >= 'A' && *q <= 'Z') || (*q >= 'a' && *q <= 'z') ||
                  (*q >= '0' && *q <= '9') || *q == '_' || *q == '-')) {
                bare = 0;
            }
        }
        buf_printf(out, bare ? "%s%s" : "%s\"%s\"", i ? "." : "", p);
    }
}

static void fail(reader *r, TSNode at, const keypath *k, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void fail(reader *r, TSNode at, const keypath *k, const char *fmt, ...)
{
    if (r->failed) {
        return;
    }
    r->failed = 1;
    buf b = BUF_INIT;
    buf_printf(&b, "%s:%u: ", r->name, line_of(at));
    if (k && k->n) {
        key_text(k, k->n, &b);
        buf_puts(&b, ": ");
    }
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    if (r->diag) {
        snprintf(r->diag->message, sizeof r->diag->message, "%s", b.data);
    }
    buf_free(&b);
}

/* ---- Strings and keys ---- */

static void put_utf8(buf *b, unsigned long cp)
{
    char u[4];
    if (cp < 0x80) {
        buf_putc(b, (char)cp);
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3F));
        buf_append(b, u, 2);
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        buf_append(b, u, 3);
    } else {
        u[0] = (char)(0xF0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[3] = (char)(0x80 | (cp & 0x3F));
        buf_append(b, u, 4);
    }
}

/* One escape at p (after the backslash) of a basic string; returns the bytes it used. */
static size_t unescape(const char *p, const char *end, buf *b)
{
    static const char from[] = "btnfr\"\\";
    static const char to[] = "\b\t\n\f\r\"\\";
    const char *hit = p < end ? strchr(from, *p) : NULL;
    if (hit && *p) {
        buf_putc(b, to[hit - from]);
        return 1;
    }
    if (p < end && (*p == 'u' || *p == 'U')) {
        size_t n = *p == 'u' ? 4 : 8;
        if ((size_t)(end - p) > n) {
            char hex[9] = {0};
            memcpy(hex, p + 1, n);
            put_utf8(b, strtoul(hex, NULL, 16));
            return n + 1;
        }
    }
    /* a line-ending backslash: the line end and the blanks after it go */
    size_t used = 0;
    while (p + used < end && strchr(" \t\r\n", p[used])) {
        used++;
    }
    return used;
}

/* The value of a string or quoted_key node; caller frees. */
static char *string_value(const reader *r, TSNode n)
{
    const char *s = r->src + ts_node_start_byte(n);
    const char *e = r->src + ts_node_end_byte(n);
    size_t q = (e - s >= 6 && (strncmp(s, "\"\"\"", 3) == 0 || strncmp(s, "'''", 3) == 0)) ? 3 : 1;
    int literal = *s == '\'';
    if (e - s < (long)(2 * q)) {
        return xstrdup("");
    }
    s += q;
    e -= q;
    if (q == 3 && s < e && (*s == '\n' || (*s == '\r' && s + 1 < e && s[1] == '\n'))) {
        s += *s == '\r' ? 2 : 1; /* the newline right after """ is not part of the value */
    }
    buf b = BUF_INIT;
    buf_append(&b, "", 0);
    while (s < e) {
        if (!literal && *s == '\\') {
            s++;
            s += unescape(s, e, &b);
        } else {
            buf_putc(&b, *s++);
        }
    }
    return buf_detach(&b);
}

/* Appends the parts of a key node (bare, quoted or dotted) to k; 0 if too deep. */
/* NOLINTNEXTLINE(misc-no-recursion): dotted keys nest at most MAX_KEY_PARTS deep */
static int key_parts(const reader *r, TSNode key, keypath *k)
{
    const char *t = node_type(key);
    if (strcmp(t, "dotted_key") == 0) {
        uint32_t n = ts_node_named_child_count(key);
        for (uint32_t i = 0; i < n; i++) {
            if (!key_parts(r, ts_node_named_child(key, i), k)) {
                return 0;
            }
        }
        return 1;
    }
    if (k->n == MAX_KEY_PARTS) {
        return 0;
    }
    if (strcmp(t, "quoted_key") == 0) {
        k->part[k->n++] = string_value(r, key);
    } else {
        k->part[k->n++] = xstrndup(r->src + ts_node_start_byte(key),
                                   ts_node_end_byte(key) - ts_node_start_byte(key));
    }
    return 1;
}

/* ---- Values ---- */

/* The strings of an array node, each checked by check(r, item, value, k, ud); 0 on error. */
typedef int (*item_fn)(reader *r, TSNode item, const char *value, const keypath *k, void *ud);

static int each_string(reader *r, TSNode value, const keypath *k, const char *what, item_fn fn,
                       void *ud)
{
    if (strcmp(node_type(value), "array") != 0) {
        fail(r, value, k, "expected an array of %s, not %s", what, node_type(value));
        return 0;
    }
    uint32_t n = ts_node_named_child_count(value);
    for (uint32_t i = 0; i < n; i++) {
        TSNode item = ts_node_named_child(value, i);
        if (strcmp(node_type(item), "comment") == 0) {
            continue;
        }
        if (strcmp(node_type(item), "string") != 0) {
            fail(r, item, k, "expected an array of %s, found %s", what, node_type(item));
            return 0;
        }
        char *v = string_value(r, item);
        int ok = fn(r, item, v, k, ud);
        free(v);
        if (!ok) {
            return 0;
        }
    }
    return 1;
}

static int add_code(reader *r, TSNode item, const char *value, const keypath *k, void *ud)
{
    uint32_t m = 0;
    lint_diag d = {{0}};
    if (!*value || strpbrk(value, ", ")) {
        fail(r, item, k, "'%s': one rule code or prefix per string", value);
        return 0;
    }
    if (lint_rule_mask_parse(value, &m, &d) != LINT_OK) {
        fail(r, item, k, "%s", d.message);
        return 0;
    }
    *(uint32_t *)ud |= m;
    return 1;
}

typedef struct glob_list {
    char ***items;
    size_t *n;
} glob_list;

static int add_glob(reader *r, TSNode item, const char *value, const keypath *k, void *ud)
{
    if (!*value) {
        fail(r, item, k, "empty glob");
        return 0;
    }
    glob_list *l = ud;
    *l->items = xrealloc(*l->items, (*l->n + 1) * sizeof **l->items);
    (*l->items)[(*l->n)++] = xstrdup(value);
    return 1;
}

static int set_scalar(reader *r, int key, TSNode value, const keypath *k)
{
    lint_config *c = r->cfg;
    switch (key) {
    case K_SELECT:
        c->has_select = 1;
        return each_string(r, value, k, "rule codes", add_code, &c->select);
    case K_IGNORE:
        return each_string(r, value, k, "rule codes", add_code, &c->ignore);
    case K_EXTEND_SELECT:
        return each_string(r, value, k, "rule codes", add_code, &c->extend_select);
    case K_EXCLUDE: {
        c->has_exclude = 1;
        glob_list l = {&c->exclude, &c->n_exclude};
        return each_string(r, value, k, "globs", add_glob, &l);
    }
    case K_EXTEND_EXCLUDE: {
        glob_list l = {&c->extend_exclude, &c->n_extend_exclude};
        return each_string(r, value, k, "globs", add_glob, &l);
    }
    default: /* K_KB_URL */
        if (strcmp(node_type(value), "string") != 0) {
            fail(r, value, k, "expected a string (a base URL), not %s", node_type(value));
            return 0;
        }
        c->kb_url = string_value(r, value);
        for (size_t n = strlen(c->kb_url); n > 0 && c->kb_url[n - 1] == '/'; n--) {
            c->kb_url[n - 1] = '\0'; /* entry URLs are base "/" ID */
        }
        if (!*c->kb_url) {
            fail(r, value, k, "empty URL");
            return 0;
        }
        return 1;
    }
}

static int set_pair(reader *r, keypath *k, TSNode value);

/* Every pair of an inline table under k. */
/* NOLINTNEXTLINE(misc-no-recursion): bounded by MAX_KEY_PARTS */
static int each_pair(reader *r, keypath *k, TSNode table)
{
    uint32_t n = ts_node_named_child_count(table);
    for (uint32_t i = 0; i < n; i++) {
        TSNode pair = ts_node_named_child(table, i);
        if (strcmp(node_type(pair), "pair") != 0) {
            continue;
        }
        int base = k->n;
        int ok = key_parts(r, ts_node_named_child(pair, 0), k);
        if (!ok) {
            fail(r, pair, k, "key nested too deep");
        } else {
            ok = set_pair(r, k, ts_node_named_child(pair, 1));
        }
        while (k->n > base) {
            free(k->part[--k->n]);
        }
        if (!ok) {
            return 0;
        }
    }
    return 1;
}

static int is_table(TSNode n)
{
    return strcmp(node_type(n), "inline_table") == 0;
}

/* per-file-ignores.GLOB = [codes] */
static int set_per_file_ignore(reader *r, keypath *k, const char *glob, TSNode value)
{
    lint_config *c = r->cfg;
    for (size_t i = 0; i < c->n_per_file_ignores; i++) {
        if (strcmp(c->per_file_ignores[i].glob, glob) == 0) {
            fail(r, value, k, "given twice");
            return 0;
        }
    }
    if (!*glob) {
        fail(r, value, k, "empty glob");
        return 0;
    }
    uint32_t m = 0;
    if (!each_string(r, value, k, "rule codes", add_code, &m)) {
        return 0;
    }
    c->per_file_ignores =
        xrealloc(c->per_file_ignores, (c->n_per_file_ignores + 1) * sizeof *c->per_file_ignores);
    c->per_file_ignores[c->n_per_file_ignores++] = (lint_config_glob_rules){xstrdup(glob), m};
    return 1;
}

/* severity.CODE = "warning" | "info" */
static int set_severity(reader *r, keypath *k, const char *code, TSNode value)
{
    int rule = lint_rule_index(code);
    if (rule < 0) {
        fail(r, value, k, "unknown rule code (rules: %s-%s)", lint_rules()[0].code,
             lint_rules()[lint_rule_count() - 1].code);
        return 0;
    }
    if (r->cfg->severity[rule] >= 0) {
        fail(r, value, k, "given twice");
        return 0;
    }
    char *v = strcmp(node_type(value), "string") == 0 ? string_value(r, value) : NULL;
    int sev = -1;
    if (v && strcmp(v, "warning") == 0) {
        sev = LINT_SEV_WARNING;
    } else if (v && strcmp(v, "info") == 0) {
        sev = LINT_SEV_INFO;
    }
    free(v);
    if (sev < 0) {
        fail(r, value, k, "expected \"warning\" or \"info\"");
        return 0;
    }
    r->cfg->severity[rule] = (signed char)sev;
    return 1;
}

/* per-file-ignores or severity: a table of its own, an inline table, or one of its entries. */
/* NOLINTNEXTLINE(misc-no-recursion): bounded by MAX_KEY_PARTS */
static int set_table_key(reader *r, keypath *k, int rel, TSNode value)
{
    int depth = k->n - rel;
    int pfi = k->part[rel][0] == 'p';
    if (depth == 1) {
        if (!is_table(value)) {
            fail(r, value, k, "expected a table (%s), not %s",
                 pfi ? "glob = [codes]" : "code = \"warning\" or \"info\"", node_type(value));
            return 0;
        }
        return each_pair(r, k, value);
    }
    if (depth > 2) {
        fail(r, value, k, "unknown key");
        return 0;
    }
    const char *sub = k->part[rel + 1];
    return pfi ? set_per_file_ignore(r, k, sub, value) : set_severity(r, k, sub, value);
}

/* A key of ours: rel is the key below [tool.oomkb] (or the top level of oomkb.toml). */
/* NOLINTNEXTLINE(misc-no-recursion): bounded by MAX_KEY_PARTS */
static int set_key(reader *r, keypath *k, int rel, TSNode value)
{
    const char *top = k->part[rel];
    if (strcmp(top, "per-file-ignores") == 0 || strcmp(top, "severity") == 0) {
        return set_table_key(r, k, rel, value);
    }
    for (int i = 0; scalar_keys[i]; i++) {
        if (strcmp(top, scalar_keys[i]) != 0) {
            continue;
        }
        if (k->n - rel != 1) {
            fail(r, value, k, "unknown key");
            return 0;
        }
        if (r->given & (1U << i)) {
            fail(r, value, k, "given twice");
            return 0;
        }
        r->given |= 1U << i;
        return set_scalar(r, i, value, k);
    }
    fail(r, value, k,
         "unknown key (keys: select, ignore, extend-select, exclude, extend-exclude, "
         "per-file-ignores, kb-url, severity)");
    return 0;
}

/* How many leading parts of k are our prefix (tool.oomkb in a pyproject.toml, nothing in
 * oomkb.toml); -1 if k is outside it, -2 if k is a proper prefix of it (tool). */
static int our_prefix(const reader *r, const keypath *k)
{
    static const char *const pre[] = {"tool", "oomkb"};
    int want = r->pyproject ? 2 : 0;
    for (int i = 0; i < want; i++) {
        if (i == k->n) {
            return -2;
        }
        if (strcmp(k->part[i], pre[i]) != 0) {
            return -1;
        }
    }
    return want;
}

/* NOLINTNEXTLINE(misc-no-recursion): bounded by MAX_KEY_PARTS */
static int set_pair(reader *r, keypath *k, TSNode value)
{
    int rel = our_prefix(r, k);
    if (rel == -1) {
        return 1;
    }
    if (rel == -2 || rel == k->n) {
        if (rel == k->n) {
            r->found = 1;
        }
        /* tool = {oomkb = {...}} or oomkb = {...} under [tool] */
        if (is_table(value)) {
            return each_pair(r, k, value);
        }
        if (rel == -2) {
            return 1;
        }
        fail(r, value, k, "expected a table, not %s", node_type(value));
        return 0;
    }
    r->found = 1;
    return set_key(r, k, rel, value);
}

/* A [table] or [[array]] header: checks that it names a table oomkb knows. */
static int table_header(reader *r, const keypath *k, TSNode at, int array)
{
    int rel = our_prefix(r, k);
    if (rel < 0) {
        return 1;
    }
    r->found = 1;
    if (array) {
        fail(r, at, k, "an array of tables is not a key of oomkb");
        return 0;
    }
    if (k->n == rel) {
        return 1;
    }
    const char *top = k->part[rel];
    if (k->n == rel + 1 && (strcmp(top, "per-file-ignores") == 0 || strcmp(top, "severity") == 0)) {
        return 1;
    }
    fail(r, at, k, "unknown table (tables: per-file-ignores, severity)");
    return 0;
}

/* The first ERROR or MISSING node under n, for the syntax error's line. */
/* NOLINTNEXTLINE(misc-no-recursion): bounded by the tree's depth */
static int first_error(TSNode n, TSNode *out)
{
    if (strcmp(ts_node_type(n), "ERROR") == 0 || ts_node_is_missing(n)) {
        *out = n;
        return 1;
    }
    if (!ts_node_has_error(n)) {
        return 0;
    }
    uint32_t c = ts_node_child_count(n);
    for (uint32_t i = 0; i < c; i++) {
        if (first_error(ts_node_child(n, i), out)) {
            return 1;
        }
    }
    return 0;
}

static void read_document(reader *r, TSNode doc)
{
    uint32_t n = ts_node_named_child_count(doc);
    keypath k = {{0}, 0};
    for (uint32_t i = 0; i < n && !r->failed; i++) {
        TSNode c = ts_node_named_child(doc, i);
        const char *t = node_type(c);
        if (strcmp(t, "pair") == 0) {
            each_pair(r, &k, doc); /* the top-level pairs, once */
            while (i + 1 < n && strcmp(node_type(ts_node_named_child(doc, i + 1)), "pair") == 0) {
                i++;
            }
            continue;
        }
        int array = strcmp(t, "table_array_element") == 0;
        if (!array && strcmp(t, "table") != 0) {
            continue; /* comments */
        }
        if (!key_parts(r, ts_node_named_child(c, 0), &k)) {
            fail(r, c, NULL, "table name nested too deep");
        } else if (table_header(r, &k, c, array) && !array) {
            each_pair(r, &k, c);
        }
        keypath_clear(&k);
    }
    keypath_clear(&k);
}

lint_status lint_config_grammar_check(lint_diag *diag)
{
    TSParser *p = grammar_parser_new(tree_sitter_toml(), "TOML", "toml.lock", diag);
    ts_parser_delete(p);
    return p ? LINT_OK : LINT_ERR_ABI;
}

lint_status lint_config_parse(const char *src, size_t len, const char *name, lint_config_kind kind,
                              lint_config **out, lint_diag *diag)
{
    *out = NULL;
    TSParser *p = grammar_parser_new(tree_sitter_toml(), "TOML", "toml.lock", diag);
    if (!p) {
        return LINT_ERR_ABI;
    }
    lint_config *c = xcalloc(1, sizeof *c);
    memset(c->severity, -1, sizeof c->severity);
    reader r = {src, name, kind == LINT_CONFIG_PYPROJECT, c, diag, 0, 0, 0};
    TSTree *tree = len <= UINT32_MAX ? ts_parser_parse_string(p, NULL, src, (uint32_t)len) : NULL;
    TSNode root = tree ? ts_tree_root_node(tree) : (TSNode){0};
    TSNode bad;
    if (!tree) {
        r.failed = 1;
        if (diag) {
            snprintf(diag->message, sizeof diag->message, "%s: could not be parsed as TOML", name);
        }
    } else if (memchr(src, '\0', len)) {
        r.failed = 1;
        if (diag) {
            snprintf(diag->message, sizeof diag->message, "%s: a NUL byte is not TOML", name);
        }
    } else if (first_error(root, &bad)) {
        fail(&r, bad, NULL, "TOML syntax error%s",
             ts_node_is_missing(bad) ? " (missing token)" : "");
    } else {
        read_document(&r, root);
    }
    ts_tree_delete(tree);
    ts_parser_delete(p);
    if (r.failed) {
        lint_config_free(c);
        return LINT_ERR_INPUT;
    }
    if (!r.found && r.pyproject) {
        lint_config_free(c);
        return LINT_OK;
    }
    *out = c;
    return LINT_OK;
}

void lint_config_free(lint_config *c)
{
    if (!c) {
        return;
    }
    for (size_t i = 0; i < c->n_exclude; i++) {
        free(c->exclude[i]);
    }
    for (size_t i = 0; i < c->n_extend_exclude; i++) {
        free(c->extend_exclude[i]);
    }
    for (size_t i = 0; i < c->n_per_file_ignores; i++) {
        free(c->per_file_ignores[i].glob);
    }
    free(c->exclude);
    free(c->extend_exclude);
    free(c->per_file_ignores);
    free(c->kb_url);
    free(c);
}
