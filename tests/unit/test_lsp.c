/* `oomkb lsp` driven over pipes with scripted JSON-RPC sessions: lifecycle, diagnostics field
 * by field, incremental edits, hover, code actions applied to the text, UTF-16 columns, and
 * every malformed input answered as the spec prescribes. Also the pure layers: framing and
 * position conversion. */
#include <check.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/util.h"
#include "kb/kb.h"
#include "lsp/lsp.h"

typedef struct client {
    pid_t pid;
    int to, from;
    buf in;
} client;

/* Starts `oomkb lsp`, with --kb-url kb_url, or without it (nor $OOMKB_URL) when NULL. */
static client *start_with(const char *kb_url)
{
    int a[2], b[2];
    ck_assert_int_eq(pipe(a), 0);
    ck_assert_int_eq(pipe(b), 0);
    signal(SIGPIPE, SIG_IGN);
    client *c = xcalloc(1, sizeof *c);
    c->pid = fork();
    if (c->pid == 0) {
        dup2(a[0], 0);
        dup2(b[1], 1);
        close(a[1]);
        close(b[0]);
        if (kb_url) {
            execl(OOMKB_BIN, OOMKB_BIN, "lsp", "--kb-url", kb_url, (char *)NULL);
        } else {
            unsetenv("OOMKB_URL");
            execl(OOMKB_BIN, OOMKB_BIN, "lsp", (char *)NULL);
        }
        _exit(127);
    }
    close(a[0]);
    close(b[1]);
    c->to = a[1];
    c->from = b[0];
    return c;
}

static client *start(void)
{
    return start_with("http://kb.test");
}

static void send_raw(client *c, const char *bytes, size_t n)
{
    while (n) {
        ssize_t w = write(c->to, bytes, n);
        ck_assert_int_gt(w, 0);
        bytes += w;
        n -= (size_t)w;
    }
}

static void send_json(client *c, json_t *msg)
{
    char *body = json_dumps(msg, JSON_COMPACT);
    char head[64];
    int h = snprintf(head, sizeof head, "Content-Length: %zu\r\n\r\n", strlen(body));
    send_raw(c, head, (size_t)h);
    send_raw(c, body, strlen(body));
    free(body);
    json_decref(msg);
}

static void request(client *c, int id, const char *method, json_t *params)
{
    send_json(c, json_pack("{s:s,s:i,s:s,s:o}", "jsonrpc", "2.0", "id", id, "method", method,
                           "params", params ? params : json_object()));
}

static void notify(client *c, const char *method, json_t *params)
{
    send_json(c, json_pack("{s:s,s:s,s:o}", "jsonrpc", "2.0", "method", method, "params",
                           params ? params : json_object()));
}

/* The next message from the server, or NULL after 5 s. */
static json_t *next(client *c)
{
    for (;;) {
        size_t off, len, skip;
        long n =
            c->in.len ? lsp_frame_parse(c->in.data, c->in.len, &off, &len, &skip) : LSP_FRAME_MORE;
        if (n > 0) {
            json_t *m = json_loadb(c->in.data + off, len, 0, NULL);
            memmove(c->in.data, c->in.data + n, c->in.len - (size_t)n);
            c->in.len -= (size_t)n;
            ck_assert_ptr_nonnull(m);
            return m;
        }
        ck_assert_int_ne(n, LSP_FRAME_MALFORMED);
        struct pollfd p = {c->from, POLLIN, 0};
        if (poll(&p, 1, -1) <= 0) { /* the test case's timeout bounds a silent server */
            return NULL;
        }
        buf_grow(&c->in, 65536);
        ssize_t r = read(c->from, c->in.data + c->in.len, 65536);
        if (r <= 0) {
            return NULL;
        }
        c->in.len += (size_t)r;
    }
}

/* The next message that is not a log message. */
static json_t *next_msg(client *c)
{
    for (;;) {
        json_t *m = next(c);
        const char *method = json_string_value(json_object_get(m, "method"));
        if (m && method && strcmp(method, "window/logMessage") == 0) {
            json_decref(m);
            continue;
        }
        return m;
    }
}

static int finish(client *c)
{
    close(c->to);
    int st = 0;
    waitpid(c->pid, &st, 0);
    close(c->from);
    buf_free(&c->in);
    free(c);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void initialize(client *c, int utf8)
{
    json_t *caps =
        utf8 ? json_pack("{s:{s:[s,s]}}", "general", "positionEncodings", "utf-8", "utf-16")
             : json_object();
    request(
        c, 1, "initialize",
        json_pack("{s:i,s:s,s:o}", "processId", 1, "rootUri", "file:///tmp", "capabilities", caps));
    json_t *r = next_msg(c);
    ck_assert_ptr_nonnull(r);
    ck_assert_int_eq(json_integer_value(json_object_get(r, "id")), 1);
    json_t *caps_out = json_object_get(json_object_get(r, "result"), "capabilities");
    ck_assert_str_eq(json_string_value(json_object_get(caps_out, "positionEncoding")),
                     utf8 ? "utf-8" : "utf-16");
    ck_assert_int_eq(json_integer_value(
                         json_object_get(json_object_get(caps_out, "textDocumentSync"), "change")),
                     2);
    ck_assert(json_is_true(json_object_get(caps_out, "hoverProvider")));
    json_decref(r);
    notify(c, "initialized", NULL);
}

static void shutdown_exit(client *c, int expect_status)
{
    request(c, 99, "shutdown", NULL);
    json_t *r = next_msg(c);
    ck_assert_ptr_nonnull(r);
    ck_assert(json_is_null(json_object_get(r, "result")));
    json_decref(r);
    notify(c, "exit", NULL);
    ck_assert_int_eq(finish(c), expect_status);
}

static const char *TRAIN = "import torch\n"
                           "losses = []\n"
                           "for batch in loader:\n"
                           "    loss = criterion(model(batch), batch.y)\n"
                           "    loss.backward()\n"
                           "    optimizer.step()\n"
                           "    losses.append(loss)\n";

static void open_doc(client *c, const char *uri, const char *text)
{
    notify(c, "textDocument/didOpen",
           json_pack("{s:{s:s,s:s,s:i,s:s}}", "textDocument", "uri", uri, "languageId", "python",
                     "version", 1, "text", text));
}

/* The diagnostics of the next publishDiagnostics notification (a new reference). */
static json_t *next_diagnostics(client *c, const char *uri)
{
    json_t *m = next_msg(c);
    ck_assert_ptr_nonnull(m);
    ck_assert_str_eq(json_string_value(json_object_get(m, "method")),
                     "textDocument/publishDiagnostics");
    json_t *p = json_object_get(m, "params");
    ck_assert_str_eq(json_string_value(json_object_get(p, "uri")), uri);
    json_t *d = json_incref(json_object_get(p, "diagnostics"));
    json_decref(m);
    return d;
}

static int range_field(json_t *d, const char *end, const char *field)
{
    return (int)json_integer_value(
        json_object_get(json_object_get(json_object_get(d, "range"), end), field));
}

START_TEST(lifecycle)
{
    client *c = start();
    request(c, 7, "textDocument/hover", NULL);
    json_t *r = next_msg(c);
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(r, "error"), "code")),
                     -32002);
    json_decref(r);
    initialize(c, 0);
    request(c, 2, "initialize", json_object());
    r = next_msg(c);
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(r, "error"), "code")),
                     -32600);
    json_decref(r);
    request(c, 3, "workspace/noSuchThing", NULL);
    r = next_msg(c);
    ck_assert_int_eq(json_integer_value(json_object_get(r, "id")), 3);
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(r, "error"), "code")),
                     -32601);
    json_decref(r);
    shutdown_exit(c, 0);

    /* exit without shutdown: status 1; end of input without exit: status 1. */
    c = start();
    initialize(c, 0);
    notify(c, "exit", NULL);
    ck_assert_int_eq(finish(c), 1);
    c = start();
    initialize(c, 0);
    ck_assert_int_eq(finish(c), 1);
}
END_TEST

START_TEST(diagnostics_edits_and_close)
{
    client *c = start();
    initialize(c, 0);
    const char *uri = "file:///tmp/oomkb-lsp-test/train.py";
    open_doc(c, uri, TRAIN);
    json_t *ds = next_diagnostics(c, uri);
    ck_assert_int_eq(json_array_size(ds), 1);
    json_t *d = json_array_get(ds, 0);
    ck_assert_str_eq(json_string_value(json_object_get(d, "code")), "OOM101");
    ck_assert_str_eq(json_string_value(json_object_get(d, "source")), "oomkb");
    ck_assert_int_eq(json_integer_value(json_object_get(d, "severity")), 2);
    ck_assert_str_eq(
        json_string_value(json_object_get(json_object_get(d, "codeDescription"), "href")),
        "http://kb.test/M20");
    ck_assert_int_eq(range_field(d, "start", "line"), 6);
    ck_assert_ptr_nonnull(json_string_value(json_object_get(d, "message")));
    int col = range_field(d, "start", "character");
    ck_assert_int_ge(col, 4);
    json_decref(ds);

    /* Incremental edit: `loss` -> `loss.item()` at the end of line 6 clears the finding. */
    const char *line6 = "    losses.append(loss)";
    int at = (int)strlen(line6) - 1;
    notify(c, "textDocument/didChange",
           json_pack("{s:{s:s,s:i},s:[{s:{s:{s:i,s:i},s:{s:i,s:i}},s:s}]}", "textDocument", "uri",
                     uri, "version", 2, "contentChanges", "range", "start", "line", 6, "character",
                     at, "end", "line", 6, "character", at, "text", ".item()"));
    ds = next_diagnostics(c, uri);
    ck_assert_int_eq(json_array_size(ds), 0);
    json_decref(ds);
    /* And back (delete the 7 characters). */
    notify(c, "textDocument/didChange",
           json_pack("{s:{s:s,s:i},s:[{s:{s:{s:i,s:i},s:{s:i,s:i}},s:s}]}", "textDocument", "uri",
                     uri, "version", 3, "contentChanges", "range", "start", "line", 6, "character",
                     at, "end", "line", 6, "character", at + 7, "text", ""));
    ds = next_diagnostics(c, uri);
    ck_assert_int_eq(json_array_size(ds), 1);
    json_decref(ds);

    /* A change to a document that is not open changes nothing and breaks nothing. */
    notify(c, "textDocument/didChange",
           json_pack("{s:{s:s,s:i},s:[{s:s}]}", "textDocument", "uri", "file:///nope.py", "version",
                     2, "contentChanges", "text", "x"));
    notify(c, "textDocument/didClose", json_pack("{s:{s:s}}", "textDocument", "uri", uri));
    ds = next_diagnostics(c, uri);
    ck_assert_int_eq(json_array_size(ds), 0);
    json_decref(ds);
    shutdown_exit(c, 0);
}
END_TEST

/* Applies LSP text edits (UTF-16 positions, single line) to text; returns a new string. */
static char *apply_edit(const char *text, json_t *edits)
{
    char *out = xstrdup(text);
    size_t i;
    json_t *e;
    json_array_foreach(edits, i, e)
    {
        json_t *r = json_object_get(e, "range");
        size_t a = lsp_offset_of(out, strlen(out), (unsigned)range_field(e, "start", "line"),
                                 (unsigned)range_field(e, "start", "character"), LSP_UTF16);
        size_t b = lsp_offset_of(out, strlen(out), (unsigned)range_field(e, "end", "line"),
                                 (unsigned)range_field(e, "end", "character"), LSP_UTF16);
        (void)r;
        const char *nt = json_string_value(json_object_get(e, "newText"));
        char *n = xasprintf("%.*s%s%s", (int)a, out, nt, out + b);
        free(out);
        out = n;
    }
    return out;
}

START_TEST(hover_and_code_actions)
{
    client *c = start();
    initialize(c, 0);
    const char *uri = "file:///tmp/oomkb-lsp-test/train.py";
    open_doc(c, uri, TRAIN);
    json_t *ds = next_diagnostics(c, uri);
    int col = range_field(json_array_get(ds, 0), "start", "character");
    json_decref(ds);

    request(c, 10, "textDocument/hover",
            json_pack("{s:{s:s},s:{s:i,s:i}}", "textDocument", "uri", uri, "position", "line", 6,
                      "character", col));
    json_t *r = next_msg(c);
    json_t *contents = json_object_get(json_object_get(r, "result"), "contents");
    ck_assert_str_eq(json_string_value(json_object_get(contents, "kind")), "markdown");
    const char *md = json_string_value(json_object_get(contents, "value"));
    ck_assert_ptr_nonnull(strstr(md, "OOM101"));
    ck_assert_ptr_nonnull(strstr(md, "### M20"));
    ck_assert_ptr_nonnull(strstr(md, "http://kb.test/M20"));
    json_decref(r);
    /* No finding there: null. */
    request(c, 11, "textDocument/hover",
            json_pack("{s:{s:s},s:{s:i,s:i}}", "textDocument", "uri", uri, "position", "line", 0,
                      "character", 0));
    r = next_msg(c);
    ck_assert(json_is_null(json_object_get(r, "result")));
    json_decref(r);

    request(c, 12, "textDocument/codeAction",
            json_pack("{s:{s:s},s:{s:{s:i,s:i},s:{s:i,s:i}},s:{s:[]}}", "textDocument", "uri", uri,
                      "range", "start", "line", 6, "character", 0, "end", "line", 6, "character",
                      20, "context", "diagnostics"));
    r = next_msg(c);
    json_t *actions = json_object_get(r, "result");
    ck_assert_int_ge(json_array_size(actions), 2);
    int saw_fix = 0, saw_noqa = 0;
    size_t i;
    json_t *a;
    json_array_foreach(actions, i, a)
    {
        /* with no `only` filter the file-wide fixAll comes too (fix_all_action tests it) */
        if (strcmp(json_string_value(json_object_get(a, "kind")), "source.fixAll.oomkb") == 0) {
            continue;
        }
        ck_assert_str_eq(json_string_value(json_object_get(a, "kind")), "quickfix");
        json_t *edits =
            json_object_get(json_object_get(json_object_get(a, "edit"), "changes"), uri);
        char *fixed = apply_edit(TRAIN, edits);
        const char *title = json_string_value(json_object_get(a, "title"));
        if (strstr(title, "Disable OOM101")) {
            ck_assert_ptr_nonnull(strstr(fixed, "    losses.append(loss)  # noqa: OOM101\n"));
            saw_noqa = 1;
        } else {
            ck_assert_msg(strstr(fixed, "losses.append(loss.item())\n") ||
                              strstr(fixed, "losses.append(loss.detach())\n"),
                          "fix '%s' gave:\n%s", title, fixed);
            saw_fix = 1;
        }
        free(fixed);
    }
    ck_assert(saw_fix && saw_noqa);
    json_decref(r);
    shutdown_exit(c, 0);
}
END_TEST

/* "Disable OOMxxx for this line" and the linter read noqa comments with the same parser
 * (lint_noqa_find): the action extends the comment the linter sees, and the line it writes is
 * suppressed. Before they shared it, the action offered nothing after "# noqa : E501", added a
 * second comment after "#\tnoqa:E501", and split "my_code" in two. */
START_TEST(noqa_action_agrees_with_the_linter)
{
    static const struct {
        const char *comment, *want;
    } cases[] = {
        {"  # noqa : E501", "  # noqa : E501, OOM101"},
        {"  #\tnoqa:E501", "  #\tnoqa:E501, OOM101"},
        {"  # noqa: my_code", "  # noqa: my_code, OOM101"},
        {"  # NOQA:E501,  # why", "  # NOQA:E501, OOM101,  # why"},
        {"  # noqa: ;", "  # noqa: OOM101 ;"},
        {"  # oomkb: noqa", "  # oomkb: noqa  # noqa: OOM101"},
        {"", "  # noqa: OOM101"},
    };
    client *c = start();
    initialize(c, 0);
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char *uri = xasprintf("file:///tmp/oomkb-lsp-test/noqa%zu.py", k);
        char *text = xasprintf("%.*s%s\n", (int)strlen(TRAIN) - 1, TRAIN, cases[k].comment);
        open_doc(c, uri, text);
        json_t *ds = next_diagnostics(c, uri);
        ck_assert_msg(json_array_size(ds) == 1, "'%s' suppressed the finding", cases[k].comment);
        json_decref(ds);
        request(c, 20, "textDocument/codeAction",
                json_pack("{s:{s:s},s:{s:{s:i,s:i},s:{s:i,s:i}},s:{s:[]}}", "textDocument", "uri",
                          uri, "range", "start", "line", 6, "character", 0, "end", "line", 6,
                          "character", 20, "context", "diagnostics"));
        json_t *r = next_msg(c);
        char *fixed = NULL;
        size_t i;
        json_t *a;
        json_array_foreach(json_object_get(r, "result"), i, a)
        {
            if (strcmp(json_string_value(json_object_get(a, "title")),
                       "Disable OOM101 for this line") == 0) {
                ck_assert_ptr_null(fixed);
                fixed = apply_edit(
                    text,
                    json_object_get(json_object_get(json_object_get(a, "edit"), "changes"), uri));
            }
        }
        json_decref(r);
        ck_assert_msg(fixed, "no action for '%s'", cases[k].comment);
        char *want = xasprintf("    losses.append(loss)%s\n", cases[k].want);
        ck_assert_msg(strstr(fixed, want), "'%s' became:\n%s", cases[k].comment, fixed);
        /* the linter reads the new comment as the action meant it */
        notify(c, "textDocument/didChange",
               json_pack("{s:{s:s,s:i},s:[{s:s}]}", "textDocument", "uri", uri, "version", 2,
                         "contentChanges", "text", fixed));
        ds = next_diagnostics(c, uri);
        ck_assert_msg(json_array_size(ds) == 0, "not suppressed:\n%s", fixed);
        json_decref(ds);
        free(want);
        free(fixed);
        free(text);
        free(uri);
    }
    shutdown_exit(c, 0);
}
END_TEST

START_TEST(scalar_accumulation_fix_is_item)
{
    const char *text = "total = 0\n"
                       "for batch in loader:\n"
                       "    loss = criterion(model(batch), batch.y)\n"
                       "    loss.backward()\n"
                       "    optimizer.step()\n"
                       "    total += loss\n";
    const char *uri = "file:///tmp/oomkb-lsp-test/acc.py";
    client *c = start();
    initialize(c, 0);
    open_doc(c, uri, text);
    json_t *ds = next_diagnostics(c, uri);
    ck_assert_int_eq(json_array_size(ds), 1);
    json_decref(ds);
    request(c, 5, "textDocument/codeAction",
            json_pack("{s:{s:s},s:{s:{s:i,s:i},s:{s:i,s:i}},s:{s:[]}}", "textDocument", "uri", uri,
                      "range", "start", "line", 5, "character", 13, "end", "line", 5, "character",
                      17, "context", "diagnostics"));
    json_t *r = next_msg(c);
    json_t *actions = json_object_get(r, "result");
    int saw = 0;
    size_t i;
    json_t *a;
    json_array_foreach(actions, i, a)
    {
        const char *title = json_string_value(json_object_get(a, "title"));
        if (strstr(title, ".item()")) {
            json_t *edits =
                json_object_get(json_object_get(json_object_get(a, "edit"), "changes"), uri);
            char *fixed = apply_edit(text, edits);
            ck_assert_ptr_nonnull(strstr(fixed, "    total += loss.item()\n"));
            /* The sum is never read as a tensor nor returned: a float does as well, so the
             * fix is safe and preferred. */
            ck_assert(json_is_true(json_object_get(a, "isPreferred")));
            free(fixed);
            saw = 1;
        }
    }
    ck_assert(saw);
    json_decref(r);
    shutdown_exit(c, 0);
}
END_TEST

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

/* OOM104 needs the project's DDP set-up, which lives in another file (the script that imports
 * the model): with no .git or pyproject.toml, the workspace root the client sends is the
 * project. */
START_TEST(workspace_root_gives_the_ddp_fact)
{
    char dir[] = "/tmp/oomkb-lsp-ws-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char *pkg = xasprintf("%s/pkg", dir), *train = xasprintf("%s/train.py", dir);
    char *model = xasprintf("%s/pkg/model.py", dir);
    ck_assert_int_eq(mkdir(pkg, 0755), 0);
    write_file(train, "from torch.nn.parallel import DistributedDataParallel as DDP\n"
                      "from pkg.model import forward\n"
                      "model = DDP(Net().cuda())\n");
    const char *src = "import torch\n"
                      "from torch.utils.checkpoint import checkpoint\n\n"
                      "def forward(block, x):\n"
                      "    return checkpoint(block, x)\n";
    write_file(model, src);
    char *uri = xasprintf("file://%s", model), *root = xasprintf("file://%s", dir);
    for (int with_root = 0; with_root <= 1; with_root++) {
        client *c = start();
        request(c, 1, "initialize",
                with_root ? json_pack("{s:s,s:{}}", "rootUri", root, "capabilities")
                          : json_pack("{s:n,s:{}}", "rootUri", "capabilities"));
        json_decref(next_msg(c));
        open_doc(c, uri, src);
        json_t *ds = next_diagnostics(c, uri);
        ck_assert_int_eq(json_array_size(ds), with_root ? 1 : 0);
        if (with_root) {
            ck_assert_str_eq(json_string_value(json_object_get(json_array_get(ds, 0), "code")),
                             "OOM104");
        }
        json_decref(ds);
        shutdown_exit(c, 0);
    }
    remove(model);
    remove(train);
    rmdir(pkg);
    rmdir(dir);
    free(pkg);
    free(train);
    free(model);
    free(uri);
    free(root);
}
END_TEST

/* The document's closest config decides its rules, per-file-ignores, severities and entry
 * links; a broken one is shown to the user (the document is linted with the defaults); a
 * saved document makes the server read configs again. */
START_TEST(closest_config_decides)
{
    char dir[] = "/tmp/oomkb-lsp-cfg-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char *cfg = xasprintf("%s/oomkb.toml", dir), *sub = xasprintf("%s/sub", dir);
    char *sub_cfg = xasprintf("%s/sub/oomkb.toml", dir);
    ck_assert_int_eq(mkdir(sub, 0755), 0);
    write_file(cfg, "kb-url = \"https://kb.example/oom\"\n"
                    "per-file-ignores = { \"skip_*.py\" = [\"OOM101\"] }\n"
                    "[severity]\nOOM101 = \"info\"\n");
    write_file(sub_cfg, "select = [\"OOM1O1\"]\n");
    char *train = xasprintf("file://%s/train.py", dir),
         *skip = xasprintf("file://%s/skip_a.py", dir);
    char *bad = xasprintf("file://%s/sub/x.py", dir);
    client *c = start_with(NULL);
    initialize(c, 0);
    open_doc(c, train, TRAIN);
    json_t *ds = next_diagnostics(c, train);
    ck_assert_int_eq(json_array_size(ds), 1);
    json_t *d0 = json_array_get(ds, 0);
    ck_assert_int_eq(json_integer_value(json_object_get(d0, "severity")), 3);
    ck_assert_str_eq(
        json_string_value(json_object_get(json_object_get(d0, "codeDescription"), "href")),
        "https://kb.example/oom/M20");
    json_decref(ds);
    open_doc(c, skip, TRAIN);
    ds = next_diagnostics(c, skip);
    ck_assert_int_eq(json_array_size(ds), 0);
    json_decref(ds);
    open_doc(c, bad, TRAIN);
    json_t *m = next_msg(c);
    ck_assert_str_eq(json_string_value(json_object_get(m, "method")), "window/showMessage");
    const char *text = json_string_value(json_object_get(json_object_get(m, "params"), "message"));
    ck_assert_msg(strstr(text, "sub/oomkb.toml:1: select: unknown rule code"), "got %s", text);
    json_decref(m);
    ds = next_diagnostics(c, bad);
    ck_assert_int_eq(json_array_size(ds), 1);
    ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(ds, 0), "severity")), 2);
    json_decref(ds);
    /* fixed and saved: read again (the server re-lints every open document) */
    write_file(sub_cfg, "select = [\"OOM102\"]\n");
    notify(c, "textDocument/didSave", json_pack("{s:{s:s}}", "textDocument", "uri", bad));
    for (int i = 0; i < 3; i++) {
        m = next_msg(c);
        json_t *p = json_object_get(m, "params");
        if (strcmp(json_string_value(json_object_get(p, "uri")), bad) == 0) {
            ck_assert_int_eq(json_array_size(json_object_get(p, "diagnostics")), 0);
        }
        json_decref(m);
    }
    shutdown_exit(c, 0);
    remove(sub_cfg);
    remove(cfg);
    rmdir(sub);
    rmdir(dir);
    free(cfg);
    free(sub);
    free(sub_cfg);
    free(train);
    free(skip);
    free(bad);
}
END_TEST

/* An initialize with the given client capabilities; returns the server's capabilities (a new
 * reference) and sends `initialized`. */
static json_t *initialize_with(client *c, json_t *caps, const char *root_uri)
{
    request(c, 1, "initialize",
            json_pack("{s:i,s:s,s:o}", "processId", 1, "rootUri", root_uri, "capabilities", caps));
    json_t *r = next_msg(c);
    ck_assert_ptr_nonnull(r);
    json_t *out = json_incref(json_object_get(json_object_get(r, "result"), "capabilities"));
    json_decref(r);
    notify(c, "initialized", NULL);
    return out;
}

/* The reply to request id (skipping nothing: the test knows what comes before it). */
static json_t *reply_to(client *c, int id)
{
    json_t *r = next_msg(c);
    ck_assert_ptr_nonnull(r);
    ck_assert_msg(json_integer_value(json_object_get(r, "id")) == id &&
                      !json_object_get(r, "method"),
                  "expected the reply to %d, got %s", id, json_dumps(r, JSON_COMPACT));
    return r;
}

static json_t *code_actions(client *c, int id, const char *uri, json_t *only)
{
    json_t *ctx = json_pack("{s:[]}", "diagnostics");
    if (only) {
        json_object_set_new(ctx, "only", only);
    }
    request(c, id, "textDocument/codeAction",
            json_pack("{s:{s:s},s:{s:{s:i,s:i},s:{s:i,s:i}},s:o}", "textDocument", "uri", uri,
                      "range", "start", "line", 0, "character", 0, "end", "line", 30, "character",
                      0, "context", ctx));
    return reply_to(c, id);
}

static const char *FIXABLE = "import torch\n"
                             "from torch.nn.parallel import DistributedDataParallel as DDP\n"
                             "from torch.utils.checkpoint import checkpoint\n"
                             "from transformers import Trainer, TrainingArguments\n"
                             "model = DDP(model)\n"
                             "losses = []\n"
                             "for x, y in loader:\n"
                             "    h = checkpoint(model.block, x)\n"
                             "    loss = crit(model.head(h), y)\n"
                             "    loss.backward()\n"
                             "    losses.append(loss)\n"
                             "args = TrainingArguments(output_dir=\"o\", eval_strategy=\"steps\")\n"
                             "trainer = Trainer(model=model, args=args, compute_metrics=m)\n";

/* source.fixAll.oomkb: advertised, offered under `only` filters that cover it, one edit that
 * applies the safe fixes and leaves the unsafe one (use_reentrant=False). */
START_TEST(fix_all_action)
{
    client *c = start();
    json_t *caps = initialize_with(c, json_object(), "file:///tmp");
    json_t *kinds = json_object_get(json_object_get(caps, "codeActionProvider"), "codeActionKinds");
    int advertised = 0;
    size_t i;
    json_t *k;
    json_array_foreach(kinds, i, k)
    {
        advertised |= strcmp(json_string_value(k), "source.fixAll.oomkb") == 0;
    }
    ck_assert(advertised);
    json_decref(caps);
    const char *uri = "file:///tmp/oomkb-lsp-test/fixall.py";
    open_doc(c, uri, FIXABLE);
    json_t *ds = next_diagnostics(c, uri);
    ck_assert_int_eq(json_array_size(ds), 3);
    json_decref(ds);
    json_t *r = code_actions(c, 20, uri, json_pack("[s]", "source.fixAll"));
    json_t *actions = json_object_get(r, "result");
    ck_assert_int_eq(json_array_size(actions), 1);
    json_t *a = json_array_get(actions, 0);
    ck_assert_str_eq(json_string_value(json_object_get(a, "kind")), "source.fixAll.oomkb");
    json_t *edits = json_object_get(json_object_get(json_object_get(a, "edit"), "changes"), uri);
    ck_assert_int_eq(json_array_size(edits), 1);
    char *fixed = apply_edit(FIXABLE, edits);
    ck_assert_ptr_nonnull(strstr(fixed, "    losses.append(loss.detach())\n"));
    ck_assert_ptr_nonnull(strstr(fixed, "eval_strategy=\"steps\", eval_accumulation_steps=16)"));
    ck_assert_ptr_null(strstr(fixed, "use_reentrant"));
    free(fixed);
    json_decref(r);
    /* quickfix only: no fixAll; no filter: both kinds */
    r = code_actions(c, 21, uri, json_pack("[s]", "quickfix"));
    json_array_foreach(json_object_get(r, "result"), i, a)
    {
        ck_assert_str_eq(json_string_value(json_object_get(a, "kind")), "quickfix");
    }
    json_decref(r);
    r = code_actions(c, 22, uri, NULL);
    int all = 0;
    int quick = 0;
    json_array_foreach(json_object_get(r, "result"), i, a)
    {
        all += strcmp(json_string_value(json_object_get(a, "kind")), "source.fixAll.oomkb") == 0;
        quick += strcmp(json_string_value(json_object_get(a, "kind")), "quickfix") == 0;
    }
    ck_assert_int_eq(all, 1);
    ck_assert_int_ge(quick, 3);
    json_decref(r);
    /* a document with nothing safe to fix gets no fixAll action */
    const char *clean = "import torch\nx = 1\n";
    const char *uri2 = "file:///tmp/oomkb-lsp-test/clean.py";
    open_doc(c, uri2, clean);
    json_decref(next_diagnostics(c, uri2));
    r = code_actions(c, 23, uri2, json_pack("[s]", "source"));
    ck_assert_int_eq(json_array_size(json_object_get(r, "result")), 0);
    json_decref(r);
    shutdown_exit(c, 0);
}
END_TEST

/* textDocument/diagnostic: advertised; a client that pulls gets a full report and no pushed
 * diagnostics; a document that is not open is an invalid-params error. */
START_TEST(pull_diagnostics)
{
    client *c = start();
    json_t *caps =
        initialize_with(c, json_pack("{s:{s:{}}}", "textDocument", "diagnostic"), "file:///tmp");
    json_t *dp = json_object_get(caps, "diagnosticProvider");
    ck_assert(json_is_object(dp));
    ck_assert(json_is_true(json_object_get(dp, "interFileDependencies")));
    json_decref(caps);
    const char *uri = "file:///tmp/oomkb-lsp-test/pull.py";
    open_doc(c, uri, TRAIN);
    request(c, 30, "textDocument/diagnostic", json_pack("{s:{s:s}}", "textDocument", "uri", uri));
    json_t *r = reply_to(c, 30); /* nothing was pushed before it */
    json_t *res = json_object_get(r, "result");
    ck_assert_str_eq(json_string_value(json_object_get(res, "kind")), "full");
    json_t *items = json_object_get(res, "items");
    ck_assert_int_eq(json_array_size(items), 1);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(items, 0), "code")),
                     "OOM101");
    json_decref(r);
    request(c, 31, "textDocument/diagnostic",
            json_pack("{s:{s:s}}", "textDocument", "uri", "file:///nope.py"));
    r = reply_to(c, 31);
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(r, "error"), "code")),
                     -32602);
    json_decref(r);
    shutdown_exit(c, 0);
    /* a client that does not pull still gets pushes, and may pull too */
    c = start();
    json_decref(initialize_with(c, json_object(), "file:///tmp"));
    open_doc(c, uri, TRAIN);
    json_t *ds = next_diagnostics(c, uri);
    ck_assert_int_eq(json_array_size(ds), 1);
    json_decref(ds);
    request(c, 32, "textDocument/diagnostic", json_pack("{s:{s:s}}", "textDocument", "uri", uri));
    r = reply_to(c, 32);
    ck_assert_int_eq(json_array_size(json_object_get(json_object_get(r, "result"), "items")), 1);
    json_decref(r);
    shutdown_exit(c, 0);
}
END_TEST

/* workspace/didChangeWatchedFiles: a project file that sets up DDP appears, and the open
 * document that OOM104 needs it for is linted again; a file that cannot change a fact does
 * nothing. Watchers are registered only with a client that can register them. */
START_TEST(watched_files_relint)
{
    char dir[] = "/tmp/oomkb-lsp-watch-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char *pyproject = xasprintf("%s/pyproject.toml", dir);
    char *train = xasprintf("%s/train.py", dir);
    char *model = xasprintf("%s/model.py", dir);
    char *notes = xasprintf("%s/NOTES.md", dir);
    write_file(pyproject, "[project]\nname = \"w\"\n");
    const char *src = "from torch.utils.checkpoint import checkpoint\n\n"
                      "def forward(block, x):\n"
                      "    return checkpoint(block, x)\n";
    write_file(model, src);
    write_file(train, "from model import forward\n");
    char *root = xasprintf("file://%s", dir);
    char *uri = xasprintf("file://%s", model);
    client *c = start();
    json_decref(initialize_with(
        c,
        json_pack("{s:{s:{s:b}}}", "workspace", "didChangeWatchedFiles", "dynamicRegistration", 1),
        root));
    json_t *reg = next_msg(c);
    ck_assert_str_eq(json_string_value(json_object_get(reg, "method")),
                     "client/registerCapability");
    json_t *r0 =
        json_array_get(json_object_get(json_object_get(reg, "params"), "registrations"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(r0, "method")),
                     "workspace/didChangeWatchedFiles");
    char *dump = json_dumps(r0, JSON_COMPACT);
    ck_assert_ptr_nonnull(strstr(dump, "**/pyproject.toml"));
    ck_assert_ptr_nonnull(strstr(dump, "**/*.py"));
    free(dump);
    /* the client's answer to the registration is taken quietly */
    send_json(c, json_pack("{s:s,s:O,s:n}", "jsonrpc", "2.0", "id", json_object_get(reg, "id"),
                           "result"));
    json_decref(reg);
    open_doc(c, uri, src);
    json_t *ds = next_diagnostics(c, uri);
    ck_assert_int_eq(json_array_size(ds), 0);
    json_decref(ds);
    write_file(train, "from torch.nn.parallel import DistributedDataParallel as DDP\n"
                      "from model import forward\n"
                      "model = DDP(Net().cuda())\n");
    char *notes_uri = xasprintf("file://%s", notes);
    notify(c, "workspace/didChangeWatchedFiles",
           json_pack("{s:[{s:s,s:i}]}", "changes", "uri", notes_uri, "type", 1));
    request(c, 40, "textDocument/diagnostic", json_pack("{s:{s:s}}", "textDocument", "uri", uri));
    json_t *r = reply_to(c, 40); /* NOTES.md: no re-lint, no publish before the reply */
    ck_assert_int_eq(json_array_size(json_object_get(json_object_get(r, "result"), "items")), 0);
    json_decref(r);
    char *train_uri = xasprintf("file://%s", train);
    notify(c, "workspace/didChangeWatchedFiles",
           json_pack("{s:[{s:s,s:i}]}", "changes", "uri", train_uri, "type", 2));
    ds = next_diagnostics(c, uri);
    ck_assert_int_eq(json_array_size(ds), 1);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(ds, 0), "code")), "OOM104");
    json_decref(ds);
    shutdown_exit(c, 0);
    /* no dynamic registration offered: nothing is registered */
    c = start();
    json_decref(initialize_with(c, json_object(), root));
    request(c, 41, "shutdown", NULL);
    json_decref(reply_to(c, 41));
    notify(c, "exit", NULL);
    ck_assert_int_eq(finish(c), 0);
    remove(pyproject);
    remove(train);
    remove(model);
    rmdir(dir);
    free(pyproject);
    free(train);
    free(model);
    free(notes);
    free(notes_uri);
    free(train_uri);
    free(root);
    free(uri);
}
END_TEST

START_TEST(utf16_columns)
{
    /* Emoji (2 UTF-16 units, 4 bytes) and CJK (1 unit, 3 bytes) before the finding. */
    const char *text = "import torch\n"
                       "losses = []\n"
                       "for batch in loader:\n"
                       "    loss = criterion(model(batch), batch.y)\n"
                       "    loss.backward()\n"
                       "    optimizer.step()\n"
                       "    tag = \"日本🔥\"; losses.append(loss)\n";
    for (int utf8 = 0; utf8 <= 1; utf8++) {
        client *c = start();
        initialize(c, utf8);
        open_doc(c, "file:///tmp/u.py", text);
        json_t *ds = next_diagnostics(c, "file:///tmp/u.py");
        ck_assert_int_eq(json_array_size(ds), 1);
        json_t *d = json_array_get(ds, 0);
        const char *line = "    tag = \"日本🔥\"; losses.append(";
        /* The finding is the `loss` argument. In UTF-16: 4+7 ASCII, 2 CJK, 2 for the emoji,
         * then 17 for "; losses.append(" = 32; in UTF-8 the byte length. */
        int want = utf8 ? (int)strlen(line) : 4 + 7 + 2 + 2 + 17;
        int got = range_field(d, "start", "character");
        ck_assert_msg(got == want, "utf8=%d: start %d, want %d", utf8, got, want);
        ck_assert_int_eq(range_field(d, "end", "character") - got, 4);
        json_decref(ds);
        shutdown_exit(c, 0);
    }
}
END_TEST

/* A document that is not UTF-8 source (JSON carries only valid UTF-8, so a NUL byte is what
 * can reach the server) is not linted: its one diagnostic is an error at the byte, the message
 * the CLI prints for such a file (lint_encoding_check). Edits to it still apply: removing the
 * byte brings the findings back, typing one brings the error back. Before, a message with
 * "\u0000" was a parse error: the document never opened, or the edit was lost. */
START_TEST(nul_byte_is_a_diagnostic_not_a_lint)
{
    const char *uri = "file:///tmp/oomkb-lsp-test/nul.py";
    /* TRAIN with a NUL inside a string on line 1: `losses = [] # <NUL>` */
    buf text = BUF_INIT;
    buf_puts(&text, "import torch\nlosses = []  # ");
    size_t nul_col = text.len - strlen("import torch\n");
    buf_putc(&text, '\0');
    buf_puts(&text, strchr(TRAIN + strlen("import torch\n"), '\n'));
    client *c = start();
    initialize(c, 0);
    notify(c, "textDocument/didOpen",
           json_pack("{s:{s:s,s:s,s:i,s:o}}", "textDocument", "uri", uri, "languageId", "python",
                     "version", 1, "text", json_stringn(text.data, text.len)));
    json_t *ds = next_diagnostics(c, uri);
    ck_assert_int_eq(json_array_size(ds), 1);
    json_t *d = json_array_get(ds, 0);
    ck_assert_int_eq(json_integer_value(json_object_get(d, "severity")), 1);
    ck_assert_ptr_null(json_object_get(d, "code"));
    ck_assert_msg(strstr(json_string_value(json_object_get(d, "message")), "NUL byte"), "%s",
                  json_string_value(json_object_get(d, "message")));
    ck_assert_int_eq(range_field(d, "start", "line"), 1);
    ck_assert_int_eq(range_field(d, "start", "character"), (int)nul_col);
    ck_assert_int_eq(range_field(d, "end", "character"), (int)nul_col + 1);
    json_decref(ds);
    /* delete the NUL: linted, OOM101 on line 6 */
    notify(c, "textDocument/didChange",
           json_pack("{s:{s:s,s:i},s:[{s:{s:{s:i,s:i},s:{s:i,s:i}},s:s}]}", "textDocument", "uri",
                     uri, "version", 2, "contentChanges", "range", "start", "line", 1, "character",
                     (int)nul_col, "end", "line", 1, "character", (int)nul_col + 1, "text", ""));
    ds = next_diagnostics(c, uri);
    ck_assert_int_eq(json_array_size(ds), 1);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(ds, 0), "code")), "OOM101");
    ck_assert_int_eq(range_field(json_array_get(ds, 0), "start", "line"), 6);
    json_decref(ds);
    /* type one on line 4: the error again, at its place */
    notify(c, "textDocument/didChange",
           json_pack("{s:{s:s,s:i},s:[{s:{s:{s:i,s:i},s:{s:i,s:i}},s:o}]}", "textDocument", "uri",
                     uri, "version", 3, "contentChanges", "range", "start", "line", 4, "character",
                     4, "end", "line", 4, "character", 4, "text", json_stringn("\0", 1)));
    ds = next_diagnostics(c, uri);
    ck_assert_int_eq(json_array_size(ds), 1);
    ck_assert_ptr_null(json_object_get(json_array_get(ds, 0), "code"));
    ck_assert_int_eq(range_field(json_array_get(ds, 0), "start", "line"), 4);
    ck_assert_int_eq(range_field(json_array_get(ds, 0), "start", "character"), 4);
    json_decref(ds);
    /* a method name with a NUL in it is no method: "exit\u0000" does not end the session */
    send_json(c, json_pack("{s:s,s:o}", "jsonrpc", "2.0", "method", json_stringn("exit\0", 5)));
    request(c, 30, "textDocument/hover",
            json_pack("{s:{s:s},s:{s:i,s:i}}", "textDocument", "uri", uri, "position", "line", 0,
                      "character", 0));
    json_t *r = next_msg(c);
    ck_assert_int_eq(json_integer_value(json_object_get(r, "id")), 30);
    json_decref(r);
    buf_free(&text);
    shutdown_exit(c, 0);
}
END_TEST

START_TEST(malformed_input)
{
    client *c = start();
    initialize(c, 0);
    /* Invalid JSON. */
    const char *bad = "Content-Length: 9\r\n\r\n{\"a\": tru";
    send_raw(c, bad, strlen(bad));
    json_t *r = next_msg(c);
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(r, "error"), "code")),
                     -32700);
    ck_assert(json_is_null(json_object_get(r, "id")));
    json_decref(r);
    /* A malformed header, then a good message: resynchronised. */
    const char *hdr = "Content-Lenght: 2\r\n\r\n{}";
    send_raw(c, hdr, strlen(hdr));
    r = next_msg(c);
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(r, "error"), "code")),
                     -32700);
    json_decref(r);
    /* A Content-Length shorter than the body: the rest is junk to skip. */
    const char *lie = "Content-Length: 5\r\n\r\n{\"jsonrpc\":\"2.0\"}";
    send_raw(c, lie, strlen(lie));
    r = next_msg(c);
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(r, "error"), "code")),
                     -32700);
    json_decref(r);
    /* Not an object; no method; bad params; unknown notification (no reply). */
    const char *arr = "Content-Length: 2\r\n\r\n[]";
    send_raw(c, arr, strlen(arr));
    /* The junk after the short body is one more framing error before the next message. */
    r = next_msg(c);
    if (json_integer_value(json_object_get(json_object_get(r, "error"), "code")) == -32700) {
        json_decref(r);
        r = next_msg(c);
    }
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(r, "error"), "code")),
                     -32600);
    json_decref(r);
    send_json(c, json_pack("{s:s,s:i}", "jsonrpc", "2.0", "id", 40));
    r = next_msg(c);
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(r, "error"), "code")),
                     -32600);
    json_decref(r);
    send_json(c, json_pack("{s:s,s:i,s:s,s:s}", "jsonrpc", "2.0", "id", 41, "method",
                           "textDocument/hover", "params", "nonsense"));
    r = next_msg(c);
    ck_assert_int_eq(json_integer_value(json_object_get(r, "id")), 41);
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(r, "error"), "code")),
                     -32602);
    json_decref(r);
    notify(c, "$/somethingUnknown", NULL);
    request(c, 42, "textDocument/hover",
            json_pack("{s:{s:s},s:{s:i,s:i}}", "textDocument", "uri", "file:///closed.py",
                      "position", "line", 0, "character", 0));
    r = next_msg(c);
    ck_assert_int_eq(json_integer_value(json_object_get(r, "id")), 42);
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(r, "error"), "code")),
                     -32602);
    json_decref(r);
    /* After all that, a valid request is still answered correctly. */
    shutdown_exit(c, 0);
}
END_TEST

START_TEST(framing_and_positions)
{
    size_t off, len, skip;
    const char *m = "Content-Length: 2\r\nContent-Type: application/vscode-jsonrpc\r\n\r\n{}";
    ck_assert_int_eq(lsp_frame_parse(m, strlen(m), &off, &len, &skip), (long)strlen(m));
    ck_assert_int_eq(len, 2);
    ck_assert_int_eq(lsp_frame_parse(m, 10, &off, &len, &skip), LSP_FRAME_MORE);
    ck_assert_int_eq(lsp_frame_parse(m, strlen(m) - 1, &off, &len, &skip), LSP_FRAME_MORE);
    const char *big = "Content-Length: 99999999999\r\n\r\n";
    ck_assert_int_eq(lsp_frame_parse(big, strlen(big), &off, &len, &skip), LSP_FRAME_TOO_LARGE);
    ck_assert_uint_eq(skip, strlen(big) + 99999999999u);
    const char *absurd = "Content-Length: 999999999999999999999999\r\n\r\n";
    ck_assert_int_eq(lsp_frame_parse(absurd, strlen(absurd), &off, &len, &skip),
                     LSP_FRAME_MALFORMED);
    const char *neg = "Content-Length: -1\r\n\r\nContent-Length: 2\r\n\r\n{}";
    ck_assert_int_eq(lsp_frame_parse(neg, strlen(neg), &off, &len, &skip), LSP_FRAME_MALFORMED);
    ck_assert_int_eq(skip, 22);

    const char *t = "a\n日🔥x\n";
    size_t n = strlen(t);
    ck_assert_int_eq(lsp_offset_of(t, n, 1, 0, LSP_UTF16), 2);
    ck_assert_int_eq(lsp_offset_of(t, n, 1, 1, LSP_UTF16), 5);
    ck_assert_int_eq(lsp_offset_of(t, n, 1, 3, LSP_UTF16), 9);
    ck_assert_int_eq(lsp_offset_of(t, n, 1, 4, LSP_UTF16), 10);
    ck_assert_int_eq(lsp_offset_of(t, n, 1, 99, LSP_UTF16), 10); /* clamped to the line */
    ck_assert_int_eq(lsp_offset_of(t, n, 9, 0, LSP_UTF16), n);
    ck_assert_int_eq(lsp_offset_of(t, n, 1, 3, LSP_UTF8), 5);
    ck_assert_int_eq(lsp_offset_of(t, n, 1, 4, LSP_UTF8), 9); /* inside 🔥: rounds up */
    ck_assert_int_eq(lsp_offset_of(t, n, 1, 2, LSP_UTF32), 9);
    unsigned line, ch;
    lsp_position_of(t, n, 9, LSP_UTF16, &line, &ch);
    ck_assert_uint_eq(line, 1);
    ck_assert_uint_eq(ch, 3);
    lsp_position_of(t, n, 9, LSP_UTF8, &line, &ch);
    ck_assert_uint_eq(ch, 7);
}
END_TEST

/* An over-large message is skipped whole, however much of it looks like other messages, and
 * garbage costs one error per loss of synchronisation: then the next request is answered. */
START_TEST(oversized_and_garbage_frames)
{
    client *c = start();
    initialize(c, 0);
    open_doc(c, "file:///t.py", TRAIN);
    json_decref(next_diagnostics(c, "file:///t.py"));
    size_t body = (size_t)LSP_MAX_BODY + 4096;
    char head[64];
    int h = snprintf(head, sizeof head, "Content-Length: %zu\r\n\r\n", body);
    send_raw(c, head, (size_t)h);
    /* The body is made of complete, valid requests that must not be answered. */
    const char *fake =
        "Content-Length: 46\r\n\r\n{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"shutdown\"}";
    size_t flen = strlen(fake);
    char *chunk = xmalloc(1 << 20);
    for (size_t i = 0; i < (1u << 20); i += flen) {
        memcpy(chunk + i, fake, i + flen <= (1u << 20) ? flen : (1u << 20) - i);
    }
    for (size_t sent = 0; sent < body;) {
        size_t n = body - sent < (1u << 20) ? body - sent : (1u << 20);
        send_raw(c, chunk, n);
        sent += n;
    }
    free(chunk);
    json_t *e = next_msg(c);
    ck_assert_ptr_nonnull(e);
    ck_assert(json_is_null(json_object_get(e, "id")));
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(e, "error"), "code")),
                     -32700);
    ck_assert_ptr_nonnull(
        strstr(json_string_value(json_object_get(json_object_get(e, "error"), "message")),
               "over the 64 MiB limit"));
    json_decref(e);
    /* 300 KB of garbage without a header: one error, not one per read. */
    char *junk = xmalloc(300000);
    memset(junk, 'z', 300000);
    send_raw(c, junk, 300000);
    free(junk);
    request(c, 7, "textDocument/hover",
            json_pack("{s:{s:s},s:{s:i,s:i}}", "textDocument", "uri", "file:///t.py", "position",
                      "line", 6, "character", 20));
    e = next_msg(c);
    ck_assert_ptr_nonnull(e);
    ck_assert(json_is_null(json_object_get(e, "id")));
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(e, "error"), "message")),
                     "malformed message header");
    json_decref(e);
    json_t *r = next_msg(c);
    ck_assert_ptr_nonnull(r);
    ck_assert_int_eq(json_integer_value(json_object_get(r, "id")), 7);
    const char *hover = json_string_value(
        json_object_get(json_object_get(json_object_get(r, "result"), "contents"), "value"));
    ck_assert_ptr_nonnull(hover);
    ck_assert_ptr_nonnull(strstr(hover, "OOM101"));
    json_decref(r);
    shutdown_exit(c, 0);
}
END_TEST

/* Open documents are bounded: one over max_doc_bytes, or one that would take all open
 * documents over max_open_bytes, is refused with a showMessage, and a change that grows a
 * document past a bound forgets it. The server used in-process, with small bounds. */
typedef struct outbox {
    json_t *msgs;
} outbox;

static void collect(void *ud, const char *json, size_t len)
{
    outbox *o = ud;
    json_t *m = json_loadb(json, len, 0, NULL);
    ck_assert_ptr_nonnull(m);
    json_array_append_new(o->msgs, m);
}

static void feed(lsp_server *s, json_t *msg)
{
    char *t = json_dumps(msg, JSON_COMPACT);
    lsp_server_handle(s, t, strlen(t));
    free(t);
    json_decref(msg);
}

static void feed_open(lsp_server *s, const char *uri, const char *text)
{
    feed(s, json_pack("{s:s,s:s,s:{s:{s:s,s:s,s:i,s:s}}}", "jsonrpc", "2.0", "method",
                      "textDocument/didOpen", "params", "textDocument", "uri", uri, "languageId",
                      "python", "version", 1, "text", text));
}

static void feed_change(lsp_server *s, const char *uri, int version, const char *text)
{
    feed(s, json_pack("{s:s,s:s,s:{s:{s:s,s:i},s:[{s:{s:{s:i,s:i},s:{s:i,s:i}},s:s}]}}", "jsonrpc",
                      "2.0", "method", "textDocument/didChange", "params", "textDocument", "uri",
                      uri, "version", version, "contentChanges", "range", "start", "line", 0,
                      "character", 0, "end", "line", 0, "character", 0, "text", text));
}

/* Takes the outbox's messages: "D:<uri>:<n diagnostics>" per publish, "S:<message>" per
 * showMessage, "L:<message>" per logMessage, joined with '\n'. */
static char *drain(outbox *o)
{
    buf b = BUF_INIT;
    size_t i;
    json_t *m;
    json_array_foreach(o->msgs, i, m)
    {
        const char *method = json_string_value(json_object_get(m, "method"));
        json_t *p = json_object_get(m, "params");
        if (method && strcmp(method, "textDocument/publishDiagnostics") == 0) {
            buf_printf(&b, "D:%s:%zu\n", json_string_value(json_object_get(p, "uri")),
                       json_array_size(json_object_get(p, "diagnostics")));
        } else if (method && strcmp(method, "window/showMessage") == 0) {
            buf_printf(&b, "S:%s\n", json_string_value(json_object_get(p, "message")));
        } else if (method && strcmp(method, "window/logMessage") == 0) {
            buf_printf(&b, "L:%s\n", json_string_value(json_object_get(p, "message")));
        }
    }
    json_array_clear(o->msgs);
    buf_grow(&b, 1);
    b.data[b.len] = '\0';
    return b.data;
}

/* Without --kb-url or $OOMKB_URL, codeDescription.href is the entry's public page. */
START_TEST(default_href_is_the_public_page)
{
    unsetenv("OOMKB_URL");
    outbox o = {json_array()};
    lsp_server *s = lsp_server_new(NULL, collect, &o);
    ck_assert_ptr_nonnull(s);
    feed(s, json_pack("{s:s,s:i,s:s,s:{s:{}}}", "jsonrpc", "2.0", "id", 1, "method", "initialize",
                      "params", "capabilities"));
    feed_open(s, "file:///w/train.py", TRAIN);
    char *want = kb_entry_url(NULL, "M20");
    ck_assert_ptr_nonnull(want);
    int seen = 0;
    size_t i;
    json_t *m;
    json_array_foreach(o.msgs, i, m)
    {
        json_t *diags = json_object_get(json_object_get(m, "params"), "diagnostics");
        if (json_array_size(diags) == 1) {
            json_t *cd = json_object_get(json_array_get(diags, 0), "codeDescription");
            ck_assert_str_eq(json_string_value(json_object_get(cd, "href")), want);
            seen = 1;
        }
    }
    ck_assert_int_eq(seen, 1);
    free(want);
    json_decref(o.msgs);
    lsp_server_free(s);
}
END_TEST

START_TEST(open_documents_are_bounded)
{
    outbox o = {json_array()};
    lsp_options opts = {.kb_url = "http://kb.test", .max_doc_bytes = 1000, .max_open_bytes = 2000};
    lsp_server *s = lsp_server_new(&opts, collect, &o);
    ck_assert_ptr_nonnull(s);
    feed(s, json_pack("{s:s,s:i,s:s,s:{s:{}}}", "jsonrpc", "2.0", "id", 1, "method", "initialize",
                      "params", "capabilities"));
    json_array_clear(o.msgs);

    char big[1101];
    memset(big, '#', 1100);
    big[1100] = '\0';
    feed_open(s, "file:///w/big.py", big);
    char *out = drain(&o);
    ck_assert_str_eq(out, "S:oomkb: /w/big.py is not checked: its text would be 1 KiB, over the "
                          "limit of 1000 bytes\n");
    free(out);
    feed_change(s, "file:///w/big.py", 2, "x");
    out = drain(&o);
    ck_assert_str_eq(out, "L:didChange for a document that is not open: ignored\n");
    free(out);

    /* a.py (200 bytes with its index) and two documents of 700 bytes and 8 lines (764) fit
     * in 2000 bytes; a fourth does not, until one is closed. */
    char text[701];
    for (int i = 0; i < 700; i++) {
        text[i] = i % 100 == 99 ? '\n' : '#';
    }
    text[700] = '\0';
    feed_open(s, "file:///w/a.py", TRAIN);
    feed_open(s, "file:///w/b.py", text);
    feed_open(s, "file:///w/c.py", text);
    out = drain(&o);
    ck_assert_str_eq(out, "D:file:///w/a.py:1\nD:file:///w/b.py:0\nD:file:///w/c.py:0\n");
    free(out);
    feed_open(s, "file:///w/d.py", text);
    out = drain(&o);
    ck_assert_ptr_nonnull(
        strstr(out, "S:oomkb: /w/d.py is not checked: open documents would take"));
    ck_assert_ptr_nonnull(strstr(out, "over the limit of 1 KiB; close some"));
    ck_assert_ptr_null(strstr(out, "D:"));
    free(out);
    feed(s, json_pack("{s:s,s:s,s:{s:{s:s}}}", "jsonrpc", "2.0", "method", "textDocument/didClose",
                      "params", "textDocument", "uri", "file:///w/c.py"));
    feed_open(s, "file:///w/d.py", text);
    out = drain(&o);
    ck_assert_str_eq(out, "D:file:///w/c.py:0\nD:file:///w/d.py:0\n");
    free(out);

    /* An edit that grows a.py past the per-document bound forgets it and clears its
     * diagnostics; a small edit before that is applied. */
    feed_change(s, "file:///w/a.py", 2, "# ok\n");
    out = drain(&o);
    ck_assert_str_eq(out, "D:file:///w/a.py:1\n");
    free(out);
    feed_change(s, "file:///w/a.py", 3, text);
    out = drain(&o);
    ck_assert_ptr_nonnull(strstr(out, "S:oomkb: /w/a.py is not checked: "));
    ck_assert_ptr_nonnull(strstr(out, "\nD:file:///w/a.py:0\n"));
    free(out);
    lsp_server_free(s);
    json_decref(o.msgs);
}
END_TEST

Suite *suite_lsp(void);
Suite *suite_lsp(void)
{
    Suite *s = suite_create("lsp");
    TCase *tc = tcase_create("protocol");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, framing_and_positions);
    tcase_add_test(tc, lifecycle);
    tcase_add_test(tc, closest_config_decides);
    tcase_add_test(tc, diagnostics_edits_and_close);
    tcase_add_test(tc, hover_and_code_actions);
    tcase_add_test(tc, noqa_action_agrees_with_the_linter);
    tcase_add_test(tc, scalar_accumulation_fix_is_item);
    tcase_add_test(tc, workspace_root_gives_the_ddp_fact);
    tcase_add_test(tc, fix_all_action);
    tcase_add_test(tc, pull_diagnostics);
    tcase_add_test(tc, watched_files_relint);
    tcase_add_test(tc, utf16_columns);
    tcase_add_test(tc, nul_byte_is_a_diagnostic_not_a_lint);
    tcase_add_test(tc, malformed_input);
    tcase_add_test(tc, oversized_and_garbage_frames);
    tcase_add_test(tc, open_documents_are_bounded);
    tcase_add_test(tc, default_href_is_the_public_page);
    suite_add_tcase(s, tc);
    return s;
}
