/* The JSON-RPC dispatcher of `oomkb lsp`: lifecycle, open documents with incremental sync
 * (text and tree-sitter tree edited in place, then reparsed incrementally), diagnostics from
 * the linter, hovers from the built-in KB and code actions. No I/O: messages go out through
 * the send callback (lsp/io.c frames them onto stdout). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "kb/kb.h"
#include "linter/config.h"
#include "linter/fix.h"
#include "linter/lint.h"
#include "lsp/lsp.h"

#ifndef OOMKB_VERSION
#define OOMKB_VERSION "0.1.0"
#endif

/* JSON-RPC and LSP error codes. */
enum {
    ERR_PARSE = -32700,
    ERR_INVALID_REQUEST = -32600,
    ERR_METHOD_NOT_FOUND = -32601,
    ERR_INVALID_PARAMS = -32602,
    ERR_INTERNAL = -32603,
    ERR_NOT_INITIALIZED = -32002,
};

/* The code action kind of "fix everything safe in this file" (as ruff's source.fixAll.ruff). */
#define FIX_ALL_KIND "source.fixAll.oomkb"

typedef struct doc {
    char *uri;
    char *path; /* NULL for non-file URIs */
    long version;
    char *text;
    size_t len;
    size_t *lines; /* start offset of each line */
    size_t n_lines;
    TSTree *tree; /* NULL while the text is over the linter's limits (too_large) */
    lint_result *result;
    int too_large; /* 1: not parsed nor linted (lint_size_check refused it); the user was told */
    /* Why the text is not UTF-8 source (lint_encoding_check: a NUL byte, as JSON can carry
     * no invalid UTF-8) and the offending byte: published as the one diagnostic instead of
     * linting. NULL when the text is fine. */
    char *bad_encoding;
    size_t bad_offset;
    struct doc *next;
} doc;

struct lsp_server {
    lsp_send_fn send;
    void *ud;
    int initialized, shutdown, exited, exit_code;
    lsp_encoding enc;
    char *kb_url;
    int kb_url_fixed; /* --kb-url or $OOMKB_URL: a config's kb-url does not apply */
    doc *docs;
    TSParser *parser;
    lint_ctx *lint;
    lint_project_cache *projects;
    lint_config_cache *configs; /* settings of each document's closest config (linter/config.h) */
    char *root;                 /* the workspace root the client sent, as a path, or NULL */
    lint_ctx *fix_ctx; /* for source.fixAll's re-lints (lint keeps incremental state); lazy */
    /* What the client can do (initialize's capabilities): pull diagnostics (then none are
     * pushed), have them re-pulled (workspace/diagnostic/refresh), and register file watchers
     * dynamically. */
    int pull, pull_refresh, watch_dynamic;
    long next_request; /* ids of the requests this server sends */
    kb *kb;
    size_t max_doc, max_open; /* lsp_options' bounds */
    size_t open_bytes;        /* sum of doc_footprint over docs */
};

/* ---- Output ------------------------------------------------------------------------------- */

static void send_json(lsp_server *s, json_t *msg)
{
    char *text = json_dumps(msg, JSON_COMPACT);
    if (text) {
        s->send(s->ud, text, strlen(text));
        free(text);
    }
    json_decref(msg);
}

static void reply(lsp_server *s, json_t *id, json_t *result)
{
    send_json(s, json_pack("{s:s,s:O,s:o}", "jsonrpc", "2.0", "id", id ? id : json_null(), "result",
                           result ? result : json_null()));
}

static void reply_error(lsp_server *s, json_t *id, int code, const char *message)
{
    send_json(s, json_pack("{s:s,s:O,s:{s:i,s:s}}", "jsonrpc", "2.0", "id", id ? id : json_null(),
                           "error", "code", code, "message", message));
}

static void notify(lsp_server *s, const char *method, json_t *params)
{
    send_json(s, json_pack("{s:s,s:s,s:o}", "jsonrpc", "2.0", "method", method, "params", params));
}

static void log_message(lsp_server *s, int type, const char *text)
{
    notify(s, "window/logMessage", json_pack("{s:i,s:s}", "type", type, "message", text));
}

/* ---- Documents ---------------------------------------------------------------------------- */

static size_t count_newlines(const char *p, size_t n)
{
    size_t k = 0;
    for (const char *end = p + n; (p = memchr(p, '\n', (size_t)(end - p))) != NULL; p++) {
        k++;
    }
    return k;
}

static void index_lines(doc *d)
{
    /* memchr: this runs after every edit, over the whole document. */
    size_t n = count_newlines(d->text, d->len) + 1;
    d->lines = xrealloc(d->lines, n * sizeof *d->lines);
    d->n_lines = 0;
    d->lines[d->n_lines++] = 0;
    for (const char *p = d->text, *end = d->text + d->len;
         (p = memchr(p, '\n', (size_t)(end - p))) != NULL; p++) {
        d->lines[d->n_lines++] = (size_t)(p - d->text) + 1;
    }
}

/* What a document costs: its text and its line index. */
static size_t footprint(size_t len, size_t n_lines)
{
    return len + n_lines * sizeof(size_t);
}

static size_t doc_footprint(const doc *d)
{
    return d->text ? footprint(d->len, d->n_lines) : 0;
}

/* Replaces d's text with text[0..len) (taken), keeping s->open_bytes in step. */
static void doc_set_text(lsp_server *s, doc *d, char *text, size_t len)
{
    s->open_bytes -= doc_footprint(d);
    free(d->text);
    d->text = text;
    d->len = len;
    index_lines(d);
    s->open_bytes += doc_footprint(d);
}

/* n bytes for a person: "12 MiB", "700 KiB", "35 bytes". */
static void human_size(char *out, size_t cap, size_t n)
{
    if (n >= ((size_t)1 << 20)) {
        snprintf(out, cap, "%zu MiB", n >> 20);
    } else if (n >= 1024) {
        snprintf(out, cap, "%zu KiB", n >> 10);
    } else {
        snprintf(out, cap, "%zu bytes", n);
    }
}

/* NULL if d may hold a text of len bytes and n_lines lines within the bounds; otherwise why
 * not, in a static buffer. */
static const char *over_budget(const lsp_server *s, const doc *d, size_t len, size_t n_lines)
{
    static char why[256];
    char have[32];
    char limit[32];
    size_t others = s->open_bytes - (d ? doc_footprint(d) : 0);
    size_t want = footprint(len, n_lines);
    if (len > s->max_doc) {
        human_size(have, sizeof have, len);
        human_size(limit, sizeof limit, s->max_doc);
        snprintf(why, sizeof why, "its text would be %s, over the limit of %s", have, limit);
        return why;
    }
    if (others > s->max_open || want > s->max_open - others) {
        human_size(have, sizeof have, others + want);
        human_size(limit, sizeof limit, s->max_open);
        snprintf(why, sizeof why,
                 "open documents would take %s with their line index, over the limit of %s; "
                 "close some and open it again",
                 have, limit);
        return why;
    }
    return NULL;
}

static size_t line_end(const doc *d, size_t line)
{
    return line + 1 < d->n_lines ? d->lines[line + 1] - 1 : d->len;
}

static size_t doc_offset(const doc *d, lsp_encoding enc, unsigned line, unsigned ch)
{
    if (line >= d->n_lines) {
        return d->len;
    }
    size_t a = d->lines[line];
    return a + lsp_offset_of(d->text + a, line_end(d, line) - a, 0, ch, enc);
}

static TSPoint doc_point(const doc *d, size_t offset)
{
    size_t lo = 0;
    size_t hi = d->n_lines;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (d->lines[mid] <= offset) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    TSPoint p = {(uint32_t)lo, (uint32_t)(offset - d->lines[lo])};
    return p;
}

static json_t *doc_position(const doc *d, lsp_encoding enc, size_t offset)
{
    if (offset > d->len) {
        offset = d->len;
    }
    TSPoint p = doc_point(d, offset);
    unsigned line;
    unsigned ch;
    size_t a = d->lines[p.row];
    lsp_position_of(d->text + a, d->len - a, offset - a, enc, &line, &ch);
    return json_pack("{s:i,s:i}", "line", (json_int_t)p.row, "character", (json_int_t)ch);
}

static json_t *doc_range(const doc *d, lsp_encoding enc, size_t a, size_t b)
{
    return json_pack("{s:o,s:o}", "start", doc_position(d, enc, a), "end", doc_position(d, enc, b));
}

static doc *doc_find(lsp_server *s, const char *uri)
{
    for (doc *d = s->docs; d; d = d->next) {
        if (strcmp(d->uri, uri) == 0) {
            return d;
        }
    }
    return NULL;
}

static void doc_free(lsp_server *s, doc *d)
{
    s->open_bytes -= doc_footprint(d);
    free(d->uri);
    free(d->path);
    free(d->text);
    free(d->lines);
    if (d->tree) {
        ts_tree_delete(d->tree);
    }
    lint_result_free(d->result);
    free(d->bad_encoding);
    free(d);
}

/* "file:///a/b%20c.py" -> "/a/b c.py"; NULL for other schemes or bad escapes. */
static char *uri_to_path(const char *uri)
{
    if (strncmp(uri, "file://", 7) != 0) {
        return NULL;
    }
    const char *p = uri + 7;
    if (*p != '/') {
        p = strchr(p, '/'); /* file://host/path */
        if (!p) {
            return NULL;
        }
    }
    buf b = BUF_INIT;
    for (; *p; p++) {
        if (*p == '%') {
            int h = util_hexval((unsigned char)p[1]);
            int l = h >= 0 ? util_hexval((unsigned char)p[2]) : -1;
            if (h < 0 || l < 0 || (h == 0 && l == 0)) {
                buf_free(&b);
                return NULL;
            }
            buf_putc(&b, (char)(h * 16 + l));
            p += 2;
        } else {
            buf_putc(&b, *p);
        }
    }
    return buf_detach(&b);
}

/* ---- Linting and diagnostics -------------------------------------------------------------- */

static void project_ddp(void *ud, lint_ddp *out)
{
    void **a = ud;
    lint_project_ddp(a[0], a[1], out);
}

static const char *rule_code(int rule)
{
    return lint_rules()[rule].code;
}

/* The settings of d's closest config, or NULL (an unsaved document, or a broken config: the
 * user is told, and the document is linted with the defaults). */
static const lint_settings *doc_settings(lsp_server *s, const doc *d, int tell)
{
    const lint_settings *st = NULL;
    lint_diag diag = {{0}};
    if (d->path && lint_config_lookup(s->configs, d->path, 0, &st, &diag) != LINT_OK) {
        if (tell) {
            notify(s, "window/showMessage",
                   json_pack("{s:i,s:s+}", "type", 1, "message", "oomkb: ", diag.message));
        }
        return NULL;
    }
    return st;
}

/* The base of entry links for d: --kb-url or $OOMKB_URL, else its config's kb-url. */
static const char *doc_kb_url(lsp_server *s, const doc *d)
{
    const lint_settings *st = s->kb_url_fixed ? NULL : doc_settings(s, d, 0);
    return st && lint_settings_kb_url(st) ? lint_settings_kb_url(st) : s->kb_url;
}

static json_t *diagnostic(lsp_server *s, const doc *d, const lint_finding *f)
{
    const lint_rule *r = &lint_rules()[f->rule];
    json_t *o = json_pack("{s:o,s:i,s:s,s:s,s:s,s:{s:s,s:s}}", "range",
                          doc_range(d, s->enc, f->start_byte, f->end_byte), "severity",
                          f->severity == LINT_SEV_INFO ? 3 : 2, "code", r->code, "source", "oomkb",
                          "message", f->message, "data", "entry", r->entry, "name", r->name);
    char *href = kb_entry_url(doc_kb_url(s, d), r->entry); /* NULL: no page to link */
    if (href) {
        json_object_set_new(o, "codeDescription", json_pack("{s:s}", "href", href));
    }
    free(href);
    return o;
}

static void lint_doc(lsp_server *s, doc *d)
{
    lint_result_free(d->result);
    d->result = NULL;
    if (!d->tree) {
        return; /* too large to parse: no diagnostics */
    }
    void *args[2] = {s->projects, d->path};
    lint_options opts = {.ddp_fn = d->path ? project_ddp : NULL,
                         .ddp_ud = d->path ? args : NULL,
                         .project = d->path ? s->projects : NULL,
                         .path = d->path,
                         .incremental = 1};
    const lint_settings *st = doc_settings(s, d, 1);
    if (st) {
        opts.rules = lint_settings_rules(st, d->path);
        if (opts.rules == 0) { /* per-file-ignores turn every rule off here */
            d->result = xcalloc(1, sizeof *d->result);
            return;
        }
    }
    lint_diag diag = {{0}};
    if (lint_tree(s->lint, d->text, d->len, d->tree, &opts, &d->result, &diag) != LINT_OK) {
        log_message(s, 1, diag.message);
        d->result = NULL;
    } else if (st) {
        lint_settings_apply(st, d->result);
    }
}

/* The diagnostic of a text that is not linted because of its encoding: an error at the
 * offending byte (Python refuses such source too: "source code cannot contain null bytes"). */
static json_t *encoding_diagnostic(lsp_server *s, const doc *d)
{
    size_t at = d->bad_offset < d->len ? d->bad_offset : d->len;
    size_t to = at < d->len ? at + 1 : at;
    return json_pack("{s:o,s:i,s:s,s:s}", "range", doc_range(d, s->enc, at, to), "severity", 1,
                     "source", "oomkb", "message", d->bad_encoding);
}

/* The diagnostics of d, as publishDiagnostics and the pull report carry them. */
static json_t *doc_diagnostics(lsp_server *s, doc *d)
{
    json_t *list = json_array();
    if (d->bad_encoding) {
        json_array_append_new(list, encoding_diagnostic(s, d));
    }
    for (size_t i = 0; d->result && i < d->result->n; i++) {
        json_array_append_new(list, diagnostic(s, d, &d->result->items[i]));
    }
    return list;
}

/* Pushes d's diagnostics, unless the client pulls them (textDocument/diagnostic): a client
 * that did both would show each finding twice. */
static void publish(lsp_server *s, doc *d)
{
    if (s->pull) {
        return;
    }
    notify(s, "textDocument/publishDiagnostics",
           json_pack("{s:s,s:I,s:o}", "uri", d->uri, "version", (json_int_t)d->version,
                     "diagnostics", doc_diagnostics(s, d)));
}

/* Parses d->text again (reusing the edited tree when incremental), unless the text is over the
 * linter's limits: then the tree is dropped (memory stays that of the text) and the user is
 * told once, when the document crosses the limit. */
static void reparse(lsp_server *s, doc *d, int incremental)
{
    lint_diag diag = {{0}};
    free(d->bad_encoding);
    d->bad_encoding = NULL;
    if (lint_size_check(d->text, d->len, &diag) != LINT_OK) {
        if (d->tree) {
            ts_tree_delete(d->tree);
            d->tree = NULL;
        }
        if (!d->too_large) {
            char *m = xasprintf("oomkb: %s: %s; no diagnostics for it until it is smaller",
                                d->path ? d->path : d->uri, diag.message);
            notify(s, "window/showMessage", json_pack("{s:i,s:s}", "type", 2, "message", m));
            free(m);
        }
        d->too_large = 1;
        return;
    }
    if (d->too_large || !d->tree) {
        incremental = 0;
    }
    d->too_large = 0;
    if (lint_encoding_check(d->text, d->len, &d->bad_offset, &diag) != LINT_OK) {
        /* not parsed: a fresh parse follows once the text is fixed */
        if (d->tree) {
            ts_tree_delete(d->tree);
            d->tree = NULL;
        }
        d->bad_encoding = xstrdup(diag.message);
        return;
    }
    TSTree *old = incremental ? d->tree : NULL;
    TSTree *t = ts_parser_parse_string(s->parser, old, d->text, (uint32_t)d->len);
    if (d->tree) {
        ts_tree_delete(d->tree);
    }
    d->tree = t;
}

/* ---- Handlers ----------------------------------------------------------------------------- */

static json_t *text_document(json_t *params, const char **uri)
{
    json_t *td = json_object_get(params, "textDocument");
    *uri = json_string_value(json_object_get(td, "uri"));
    return td;
}

static void on_initialize(lsp_server *s, json_t *id, json_t *params)
{
    if (s->initialized) {
        reply_error(s, id, ERR_INVALID_REQUEST, "initialize was already received");
        return;
    }
    if (!json_is_object(params)) {
        reply_error(s, id, ERR_INVALID_PARAMS, "initialize needs params");
        return;
    }
    /* Prefer utf-8 (no conversion) when the client offers it; else the default utf-16. */
    s->enc = LSP_UTF16;
    json_t *encs = json_object_get(
        json_object_get(json_object_get(params, "capabilities"), "general"), "positionEncodings");
    size_t i;
    json_t *v;
    json_array_foreach(encs, i, v)
    {
        const char *e = json_string_value(v);
        if (e && strcmp(e, "utf-8") == 0) {
            s->enc = LSP_UTF8;
            break;
        }
    }
    /* The workspace root: a project's DDP set-up is gathered from it (OOM104). */
    const char *root_uri = json_string_value(json_object_get(params, "rootUri"));
    json_t *folders = json_object_get(params, "workspaceFolders");
    if (!root_uri && json_array_size(folders) > 0) {
        root_uri = json_string_value(json_object_get(json_array_get(folders, 0), "uri"));
    }
    free(s->root);
    s->root = root_uri ? uri_to_path(root_uri) : NULL;
    if (!s->root && json_string_value(json_object_get(params, "rootPath"))) {
        s->root = xstrdup(json_string_value(json_object_get(params, "rootPath")));
    }
    if (s->root && strcmp(s->root, "/") == 0) {
        /* A whole filesystem is no project: scanning it for DDP would take minutes. */
        free(s->root);
        s->root = NULL;
    }
    lint_project_cache_set_workspace(s->projects, s->root);
    json_t *caps = json_object_get(params, "capabilities");
    json_t *td = json_object_get(caps, "textDocument");
    json_t *ws = json_object_get(caps, "workspace");
    s->pull = json_is_object(json_object_get(td, "diagnostic"));
    s->pull_refresh =
        json_is_true(json_object_get(json_object_get(ws, "diagnostics"), "refreshSupport"));
    s->watch_dynamic = json_is_true(
        json_object_get(json_object_get(ws, "didChangeWatchedFiles"), "dynamicRegistration"));
    s->initialized = 1;
    const char *enc_name = s->enc == LSP_UTF8 ? "utf-8" : "utf-16";
    reply(s, id,
          json_pack("{s:{s:s,s:{s:b,s:i,s:{s:b}},s:b,s:{s:[s,s]},s:{s:s,s:b,s:b}},s:{s:s,s:s}}",
                    "capabilities", "positionEncoding", enc_name, "textDocumentSync", "openClose",
                    1, "change", 2, "save", "includeText", 0, "hoverProvider", 1,
                    "codeActionProvider", "codeActionKinds", "quickfix", FIX_ALL_KIND,
                    "diagnosticProvider", "identifier", "oomkb", "interFileDependencies", 1,
                    "workspaceDiagnostics", 0, "serverInfo", "name", "oomkb", "version",
                    OOMKB_VERSION));
}

/* The files whose change can change a finding in another file: configuration, and the
 * Python modules and launcher scripts that DDP facts come from. */
static const char *const WATCHED[] = {"**/pyproject.toml", "**/oomkb.toml", "**/.oomkb.toml",
                                      "**/*.py", "**/*.sh"};

static int watched_path(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strlen(base);
    return strcmp(base, "pyproject.toml") == 0 || strcmp(base, "oomkb.toml") == 0 ||
           strcmp(base, ".oomkb.toml") == 0 || (n > 3 && strcmp(base + n - 3, ".py") == 0) ||
           (n > 3 && strcmp(base + n - 3, ".sh") == 0);
}

/* After `initialized`: asks a client that can register watchers dynamically to report the
 * files above (workspace/didChangeWatchedFiles). Neovim 0.7 cannot (it would only log a
 * warning), so nothing is asked of a client that does not say it can. */
static void on_initialized(lsp_server *s)
{
    if (!s->watch_dynamic) {
        return;
    }
    json_t *watchers = json_array();
    for (size_t i = 0; i < sizeof WATCHED / sizeof WATCHED[0]; i++) {
        json_array_append_new(watchers, json_pack("{s:s}", "globPattern", WATCHED[i]));
    }
    send_json(s, json_pack("{s:s,s:I,s:s,s:{s:[{s:s,s:s,s:{s:o}}]}}", "jsonrpc", "2.0", "id",
                           (json_int_t)++s->next_request, "method", "client/registerCapability",
                           "params", "registrations", "id", "oomkb-watched-files", "method",
                           "workspace/didChangeWatchedFiles", "registerOptions", "watchers",
                           watchers));
}

/* Unlinks d, clears its diagnostics in the client and frees it. */
static void doc_forget(lsp_server *s, doc *d)
{
    doc **pp = &s->docs;
    while (*pp != d) {
        pp = &(*pp)->next;
    }
    *pp = d->next;
    notify(s, "textDocument/publishDiagnostics",
           json_pack("{s:s,s:[]}", "uri", d->uri, "diagnostics"));
    doc_free(s, d);
}

/* Tells the user that the document uri is not checked, and why; forgets d (may be NULL) and
 * clears its diagnostics. */
static void refuse(lsp_server *s, doc *d, const char *uri, const char *why)
{
    char *path = uri_to_path(uri);
    char *m = xasprintf("oomkb: %s is not checked: %s", path ? path : uri, why);
    notify(s, "window/showMessage", json_pack("{s:i,s:s}", "type", 2, "message", m));
    free(m);
    free(path);
    if (d) {
        doc_forget(s, d);
    }
}

static void on_did_open(lsp_server *s, json_t *params)
{
    const char *uri;
    json_t *td = text_document(params, &uri);
    const char *text = json_string_value(json_object_get(td, "text"));
    if (!uri || !text) {
        log_message(s, 2, "didOpen without a textDocument uri and text: ignored");
        return;
    }
    size_t len = json_string_length(json_object_get(td, "text"));
    doc *d = doc_find(s, uri);
    const char *why = over_budget(s, d, len, count_newlines(text, len) + 1);
    if (why) {
        refuse(s, d, uri, why);
        return;
    }
    if (!d) {
        d = xcalloc(1, sizeof *d);
        d->uri = xstrdup(uri);
        d->path = uri_to_path(uri);
        d->next = s->docs;
        s->docs = d;
    }
    doc_set_text(s, d, xstrndup(text, len), len);
    d->version = (long)json_integer_value(json_object_get(td, "version"));
    reparse(s, d, 0);
    lint_doc(s, d);
    publish(s, d);
}

/* Applies one content change; returns 0 if it is malformed, -1 if the result would be over
 * the bounds (then *why says how and d is unchanged). */
static int apply_change(lsp_server *s, doc *d, json_t *change, const char **why)
{
    json_t *jt = json_object_get(change, "text");
    if (!json_is_string(jt)) {
        return 0;
    }
    const char *text = json_string_value(jt);
    size_t tlen = json_string_length(jt);
    json_t *range = json_object_get(change, "range");
    if (!range) {
        if ((*why = over_budget(s, d, tlen, count_newlines(text, tlen) + 1)) != NULL) {
            return -1;
        }
        doc_set_text(s, d, xstrndup(text, tlen), tlen);
        if (d->tree) {
            ts_tree_delete(d->tree);
            d->tree = NULL;
        }
        return 1;
    }
    json_t *js = json_object_get(range, "start");
    json_t *je = json_object_get(range, "end");
    json_t *sl = json_object_get(js, "line");
    json_t *sc = json_object_get(js, "character");
    json_t *el = json_object_get(je, "line");
    json_t *ec = json_object_get(je, "character");
    if (!json_is_integer(sl) || !json_is_integer(sc) || !json_is_integer(el) ||
        !json_is_integer(ec) || json_integer_value(sl) < 0 || json_integer_value(sc) < 0 ||
        json_integer_value(el) < 0 || json_integer_value(ec) < 0) {
        return 0;
    }
    size_t a =
        doc_offset(d, s->enc, (unsigned)json_integer_value(sl), (unsigned)json_integer_value(sc));
    size_t b =
        doc_offset(d, s->enc, (unsigned)json_integer_value(el), (unsigned)json_integer_value(ec));
    if (b < a) {
        size_t t = a;
        a = b;
        b = t;
    }
    size_t new_len = d->len - (b - a) + tlen;
    size_t new_lines = d->n_lines - count_newlines(d->text + a, b - a) + count_newlines(text, tlen);
    if ((*why = over_budget(s, d, new_len, new_lines)) != NULL) {
        return -1;
    }
    TSInputEdit edit;
    edit.start_byte = (uint32_t)a;
    edit.old_end_byte = (uint32_t)b;
    edit.new_end_byte = (uint32_t)(a + tlen);
    edit.start_point = doc_point(d, a);
    edit.old_end_point = doc_point(d, b);
    edit.new_end_point = edit.start_point;
    for (size_t i = 0; i < tlen; i++) {
        if (text[i] == '\n') {
            edit.new_end_point.row++;
            edit.new_end_point.column = 0;
        } else {
            edit.new_end_point.column++;
        }
    }
    char *nt = xmalloc(new_len + 1);
    memcpy(nt, d->text, a);
    memcpy(nt + a, text, tlen);
    memcpy(nt + a + tlen, d->text + b, d->len - b);
    nt[new_len] = '\0';
    doc_set_text(s, d, nt, new_len);
    if (d->tree) {
        ts_tree_edit(d->tree, &edit);
    }
    return 1;
}

static void on_did_change(lsp_server *s, json_t *params)
{
    const char *uri;
    json_t *td = text_document(params, &uri);
    doc *d = uri ? doc_find(s, uri) : NULL;
    if (!d) {
        log_message(s, 2, "didChange for a document that is not open: ignored");
        return;
    }
    json_t *changes = json_object_get(params, "contentChanges");
    size_t i;
    json_t *c;
    json_array_foreach(changes, i, c)
    {
        const char *why = NULL;
        int r = apply_change(s, d, c, &why);
        if (r == 0) {
            log_message(s, 2, "didChange with a malformed change: ignored");
            return;
        }
        if (r < 0) {
            refuse(s, d, uri, why);
            return;
        }
    }
    d->version = (long)json_integer_value(json_object_get(td, "version"));
    reparse(s, d, d->tree != NULL);
    lint_doc(s, d);
    publish(s, d);
}

/* Forgets every project fact and lints the open documents again: pushed to a client that
 * takes pushes, re-pulled by one that pulls (when it can be asked to). */
static void relint_all(lsp_server *s)
{
    lint_project_cache_free(s->projects);
    s->projects = lint_project_cache_new();
    lint_project_cache_set_workspace(s->projects, s->root);
    lint_config_cache_clear(s->configs); /* and a changed config file may change the settings */
    for (doc *d = s->docs; d; d = d->next) {
        lint_doc(s, d);
        publish(s, d);
    }
    if (s->pull && s->pull_refresh) {
        send_json(s,
                  json_pack("{s:s,s:I,s:s}", "jsonrpc", "2.0", "id", (json_int_t)++s->next_request,
                            "method", "workspace/diagnostic/refresh"));
    }
}

static void on_did_save(lsp_server *s, json_t *params)
{
    /* A saved file may add or remove the project's DDP set-up: forget project facts. */
    (void)params;
    relint_all(s);
}

/* A watched file changed on disk (created, changed or deleted): a configuration file or a
 * project file that facts come from drops the project cache, once per notification. */
static void on_did_change_watched_files(lsp_server *s, json_t *params)
{
    size_t i;
    json_t *ch;
    json_array_foreach(json_object_get(params, "changes"), i, ch)
    {
        const char *uri = json_string_value(json_object_get(ch, "uri"));
        char *path = uri ? uri_to_path(uri) : NULL;
        int hit = path && watched_path(path);
        free(path);
        if (hit) {
            relint_all(s);
            return;
        }
    }
}

/* textDocument/diagnostic (LSP 3.17 pull diagnostics): a full report of an open document. */
static void on_pull_diagnostics(lsp_server *s, json_t *id, json_t *params)
{
    const char *uri;
    text_document(params, &uri);
    doc *d = uri ? doc_find(s, uri) : NULL;
    if (!d) {
        reply_error(s, id, ERR_INVALID_PARAMS, "document is not open");
        return;
    }
    reply(s, id, json_pack("{s:s,s:o}", "kind", "full", "items", doc_diagnostics(s, d)));
}

static void on_did_close(lsp_server *s, json_t *params)
{
    const char *uri;
    text_document(params, &uri);
    doc *d = uri ? doc_find(s, uri) : NULL;
    if (d) {
        doc_forget(s, d);
    }
}

/* The byte offset of params.position in d, or -1 if malformed. */
static long param_offset(lsp_server *s, const doc *d, json_t *pos)
{
    json_t *l = json_object_get(pos, "line");
    json_t *c = json_object_get(pos, "character");
    if (!json_is_integer(l) || !json_is_integer(c) || json_integer_value(l) < 0 ||
        json_integer_value(c) < 0) {
        return -1;
    }
    return (long)doc_offset(d, s->enc, (unsigned)json_integer_value(l),
                            (unsigned)json_integer_value(c));
}

static kb *the_kb(lsp_server *s)
{
    if (!s->kb) {
        kb_diag diag = {{0}, 0, {0}};
        if (kb_open_embedded(&s->kb, &diag) != KB_OK) {
            log_message(s, 1, diag.message);
            s->kb = NULL;
        }
    }
    return s->kb;
}

static void on_hover(lsp_server *s, json_t *id, json_t *params)
{
    const char *uri;
    text_document(params, &uri);
    doc *d = uri ? doc_find(s, uri) : NULL;
    long off = d ? param_offset(s, d, json_object_get(params, "position")) : -1;
    if (!d || off < 0) {
        reply_error(s, id, ERR_INVALID_PARAMS, d ? "bad position" : "document is not open");
        return;
    }
    for (size_t i = 0; d->result && i < d->result->n; i++) {
        const lint_finding *f = &d->result->items[i];
        if ((size_t)off < f->start_byte || (size_t)off > f->end_byte) {
            continue;
        }
        const lint_rule *r = &lint_rules()[f->rule];
        buf md = BUF_INIT;
        buf_printf(&md, "**%s** `%s` — %s\n\n", r->code, r->name, f->message);
        kb_entry *e = NULL;
        kb *k = the_kb(s);
        if (k && kb_entry_get(k, r->entry, &e, NULL) == KB_OK) {
            buf_printf(&md, "---\n\n%s\n\n", e->markdown);
            kb_entry_free(e);
        }
        char *href = kb_entry_url(doc_kb_url(s, d), r->entry);
        if (href) {
            buf_printf(&md, "[%s in the OOM knowledge base](%s)", r->entry, href);
        } else {
            buf_printf(&md, "%s in the OOM knowledge base: `oomkb show %s`", r->entry, r->entry);
        }
        free(href);
        reply(s, id,
              json_pack("{s:{s:s,s:s},s:o}", "contents", "kind", "markdown", "value", md.data,
                        "range", doc_range(d, s->enc, f->start_byte, f->end_byte)));
        buf_free(&md);
        return;
    }
    reply(s, id, json_null());
}

static json_t *edit_for(lsp_server *s, const doc *d, size_t a, size_t b, const char *text)
{
    json_t *changes = json_object();
    json_object_set_new(
        changes, d->uri,
        json_pack("[{s:o,s:s}]", "range", doc_range(d, s->enc, a, b), "newText", text));
    return json_pack("{s:o}", "changes", changes);
}

/* "Disable OOMxxx for this line": extends the line's noqa comment, as the linter reads it
 * (lint_noqa_find), with the finding's code, or appends one. Nothing when a bare noqa already
 * covers the line. */
static json_t *noqa_action(lsp_server *s, const doc *d, const lint_finding *f)
{
    /* the finding's line, or where a string or a continuation that runs past it ends */
    size_t eol = lint_noqa_line_end(d->text, d->len, f->start_byte);
    size_t line = f->start.row;
    while (line + 1 < d->n_lines && d->lines[line + 1] <= eol) {
        line++;
    }
    if (line >= d->n_lines) {
        return NULL;
    }
    size_t a = d->lines[line];
    size_t b = line_end(d, line);
    if (b > a && d->text[b - 1] == '\r') {
        b--;
    }
    const char *code = rule_code(f->rule);
    lint_noqa nq;
    char *ins;
    size_t at;
    if (!lint_noqa_find(d->text + a, b - a, 0, &nq)) {
        ins = xasprintf("  # noqa: %s", code);
        at = b;
    } else if (!nq.bare) {
        ins = xasprintf("%s%s", nq.n_codes ? ", " : " ", code);
        at = a + nq.codes_end;
    } else {
        return NULL;
    }
    char *title = xasprintf("Disable %s for this line", code);
    json_t *action =
        json_pack("{s:s,s:s,s:[o],s:o}", "title", title, "kind", "quickfix", "diagnostics",
                  diagnostic(s, d, f), "edit", edit_for(s, d, at, at, ins));
    free(title);
    free(ins);
    return action;
}

/* Whether a code action of kind passes the client's context.only filter: absent, or naming
 * the kind or one of its parents ("source" covers "source.fixAll.oomkb"). */
static int kind_wanted(json_t *only, const char *kind)
{
    if (!json_is_array(only)) {
        return 1;
    }
    size_t i;
    json_t *k;
    json_array_foreach(only, i, k)
    {
        const char *o = json_string_value(k);
        size_t n = o ? strlen(o) : 0;
        if (o && strncmp(kind, o, n) == 0 && (kind[n] == '\0' || kind[n] == '.')) {
            return 1;
        }
    }
    return 0;
}

/* source.fixAll.oomkb: every safe fix of the document (lint_fix_buffer: repeated passes, an
 * edit that breaks the syntax undone) as one edit of the range that changed. NULL when no
 * safe fix applies. */
static json_t *fix_all_action(lsp_server *s, const doc *d)
{
    if (!d->tree || !d->result) {
        return NULL;
    }
    if (!s->fix_ctx) {
        s->fix_ctx = lint_ctx_new(NULL);
    }
    void *args[2] = {s->projects, d->path};
    lint_options opts = {.ddp_fn = d->path ? project_ddp : NULL,
                         .ddp_ud = d->path ? args : NULL,
                         .project = d->path ? s->projects : NULL,
                         .path = d->path};
    lint_fixed fx;
    lint_diag diag = {{0}};
    if (!s->fix_ctx ||
        lint_fix_buffer(s->fix_ctx, d->text, d->len, &opts, 0, &fx, &diag) != LINT_OK) {
        return NULL;
    }
    json_t *action = NULL;
    if (fx.n_fixed) {
        /* the edit covers the changed middle, on code point boundaries */
        size_t pre = 0;
        size_t lim = d->len < fx.len ? d->len : fx.len;
        while (pre < lim && d->text[pre] == fx.src[pre]) {
            pre++;
        }
        while (pre > 0 && ((unsigned char)d->text[pre] & 0xC0) == 0x80) {
            pre--;
        }
        size_t suf = 0;
        while (suf < lim - pre && d->text[d->len - 1 - suf] == fx.src[fx.len - 1 - suf]) {
            suf++;
        }
        while (suf > 0 && ((unsigned char)d->text[d->len - suf] & 0xC0) == 0x80) {
            suf--;
        }
        char *mid = xstrndup(fx.src + pre, fx.len - suf - pre);
        char *title = xasprintf("Fix all safe oomkb findings (%zu)", fx.n_fixed);
        action = json_pack("{s:s,s:s,s:o}", "title", title, "kind", FIX_ALL_KIND, "edit",
                           edit_for(s, d, pre, d->len - suf, mid));
        free(title);
        free(mid);
    }
    lint_fixed_clear(&fx);
    return action;
}

static void on_code_action(lsp_server *s, json_t *id, json_t *params)
{
    const char *uri;
    text_document(params, &uri);
    doc *d = uri ? doc_find(s, uri) : NULL;
    json_t *range = json_object_get(params, "range");
    long a = d ? param_offset(s, d, json_object_get(range, "start")) : -1;
    long b = d ? param_offset(s, d, json_object_get(range, "end")) : -1;
    if (!d || a < 0 || b < 0) {
        reply_error(s, id, ERR_INVALID_PARAMS, d ? "bad range" : "document is not open");
        return;
    }
    json_t *actions = json_array();
    json_t *only = json_object_get(json_object_get(params, "context"), "only");
    int quickfix = kind_wanted(only, "quickfix");
    for (size_t i = 0; quickfix && d->result && i < d->result->n; i++) {
        const lint_finding *f = &d->result->items[i];
        if ((size_t)b < f->start_byte || (size_t)a > f->end_byte) {
            continue;
        }
        if (f->fix) {
            json_array_append_new(
                actions,
                json_pack("{s:s,s:s,s:[o],s:b,s:o}", "title", f->fix->title, "kind", "quickfix",
                          "diagnostics", diagnostic(s, d, f), "isPreferred",
                          f->fix->applicability == LINT_FIX_SAFE, "edit",
                          edit_for(s, d, f->fix->start_byte, f->fix->end_byte, f->fix->content)));
        }
        json_t *nq = noqa_action(s, d, f);
        if (nq) {
            json_array_append_new(actions, nq);
        }
    }
    json_t *all = kind_wanted(only, FIX_ALL_KIND) ? fix_all_action(s, d) : NULL;
    if (all) {
        json_array_append_new(actions, all);
    }
    reply(s, id, actions);
}

/* ---- Dispatch ----------------------------------------------------------------------------- */

void lsp_server_frame_error(lsp_server *s, const char *what)
{
    reply_error(s, NULL, ERR_PARSE, what);
}

/* The method name, or NULL if it is not a string. A name with a NUL byte in it is no method
 * of ours ("exit\u0000x" must not read as "exit"): it gets a name that matches none. */
static const char *method_name(json_t *jm)
{
    const char *m = json_string_value(jm);
    return m && strlen(m) != json_string_length(jm) ? "(a name with a NUL byte)" : m;
}

static void handle_request(lsp_server *s, const char *method, json_t *id, json_t *params)
{
    if (strcmp(method, "initialize") == 0) {
        on_initialize(s, id, params);
    } else if (strcmp(method, "shutdown") == 0) {
        s->shutdown = 1;
        reply(s, id, json_null());
    } else if (strcmp(method, "textDocument/hover") == 0) {
        on_hover(s, id, params);
    } else if (strcmp(method, "textDocument/codeAction") == 0) {
        on_code_action(s, id, params);
    } else if (strcmp(method, "textDocument/diagnostic") == 0) {
        on_pull_diagnostics(s, id, params);
    } else {
        char m[160];
        snprintf(m, sizeof m, "method not found: %.100s", method);
        reply_error(s, id, ERR_METHOD_NOT_FOUND, m);
    }
}

/* Notifications other than these ($/cancelRequest, $/setTrace, ...) need nothing. */
static void handle_notification(lsp_server *s, const char *method, json_t *params)
{
    if (strcmp(method, "textDocument/didOpen") == 0) {
        on_did_open(s, params);
    } else if (strcmp(method, "textDocument/didChange") == 0) {
        on_did_change(s, params);
    } else if (strcmp(method, "textDocument/didSave") == 0) {
        on_did_save(s, params);
    } else if (strcmp(method, "textDocument/didClose") == 0) {
        on_did_close(s, params);
    } else if (strcmp(method, "workspace/didChangeWatchedFiles") == 0) {
        on_did_change_watched_files(s, params);
    } else if (strcmp(method, "initialized") == 0) {
        on_initialized(s);
    }
}

void lsp_server_handle(lsp_server *s, const char *body, size_t len)
{
    json_error_t jerr;
    /* JSON_ALLOW_NUL: a document may hold "\u0000"; refusing the message would drop the
     * edit and leave the server's copy of the text behind the editor's. */
    json_t *msg = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
    if (!msg) {
        char m[256];
        snprintf(m, sizeof m, "parse error: %s", jerr.text);
        reply_error(s, NULL, ERR_PARSE, m);
        return;
    }
    json_t *id = json_object_get(msg, "id");
    json_t *jm = json_object_get(msg, "method");
    const char *method = method_name(jm);
    if (!json_is_object(msg) ||
        (id && !json_is_string(id) && !json_is_integer(id) && !json_is_null(id))) {
        reply_error(s, NULL, ERR_INVALID_REQUEST, "not a JSON-RPC request");
        goto out;
    }
    const char *ver = json_string_value(json_object_get(msg, "jsonrpc"));
    if (!method) {
        /* A response to a request of ours (client/registerCapability, workspace/diagnostic/
         * refresh) is ignored; anything else is bad. */
        if (!id || !(json_object_get(msg, "result") || json_object_get(msg, "error"))) {
            reply_error(s, id, ERR_INVALID_REQUEST, "a request needs a method");
        }
        goto out;
    }
    if (!ver || strcmp(ver, "2.0") != 0) {
        if (id) {
            reply_error(s, id, ERR_INVALID_REQUEST, "jsonrpc must be \"2.0\"");
        }
        goto out;
    }
    json_t *params = json_object_get(msg, "params");
    int is_request = id != NULL;
    if (strcmp(method, "exit") == 0) {
        s->exited = 1;
        s->exit_code = s->shutdown ? 0 : 1;
        goto out;
    }
    if (!s->initialized && strcmp(method, "initialize") != 0) {
        if (is_request) {
            reply_error(s, id, ERR_NOT_INITIALIZED, "the server is not initialized");
        }
        goto out;
    }
    if (s->shutdown) {
        if (is_request) {
            reply_error(s, id, ERR_INVALID_REQUEST, "the server is shutting down");
        }
        goto out;
    }
    if (params && !json_is_object(params) && !json_is_array(params)) {
        if (is_request) {
            reply_error(s, id, ERR_INVALID_PARAMS, "params must be an object");
        }
        goto out;
    }
    if (is_request) {
        handle_request(s, method, id, params);
    } else {
        handle_notification(s, method, params);
    }
out:
    json_decref(msg);
}

lsp_server *lsp_server_new(const lsp_options *opts, lsp_send_fn send, void *ud)
{
    lint_diag diag = {{0}};
    lint_ctx *ctx = lint_ctx_new(&diag);
    if (!ctx) {
        fprintf(stderr, "oomkb lsp: %s\n", diag.message);
        return NULL;
    }
    lsp_server *s = xcalloc(1, sizeof *s);
    s->send = send;
    s->ud = ud;
    s->lint = ctx;
    s->parser = ts_parser_new();
    ts_parser_set_language(s->parser, lint_language());
    s->projects = lint_project_cache_new();
    s->configs = lint_config_cache_new(NULL);
    s->max_doc = opts && opts->max_doc_bytes ? opts->max_doc_bytes : LSP_MAX_DOC_BYTES;
    s->max_open = opts && opts->max_open_bytes ? opts->max_open_bytes : LSP_MAX_OPEN_BYTES;
    /* NULL: links go to the entries' public pages (kb_entry_url). */
    const char *url = opts && opts->kb_url ? opts->kb_url : getenv("OOMKB_URL");
    s->kb_url_fixed = url && *url;
    s->kb_url = url && *url ? xstrdup(url) : NULL;
    return s;
}

void lsp_server_free(lsp_server *s)
{
    if (!s) {
        return;
    }
    while (s->docs) {
        doc *d = s->docs;
        s->docs = d->next;
        doc_free(s, d);
    }
    ts_parser_delete(s->parser);
    lint_ctx_free(s->lint);
    lint_ctx_free(s->fix_ctx);
    lint_project_cache_free(s->projects);
    lint_config_cache_free(s->configs);
    free(s->root);
    kb_close(s->kb);
    free(s->kb_url);
    free(s);
}

int lsp_server_exited(const lsp_server *s, int *code)
{
    if (s->exited && code) {
        *code = s->exit_code;
    }
    return s->exited;
}
