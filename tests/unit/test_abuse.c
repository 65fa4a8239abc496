/* The linter and the language server under abuse, the fast part (the huge inputs are in
 * tests/abuse/run.sh): the size and token limits, input the parser cannot recover from,
 * every encoding problem, files that are not files (FIFOs, broken links, loops, a folder
 * named x.py), endless stdin, and 10,000 random messages to `oomkb lsp` followed by a hover
 * that must still be right. Everything generated goes to a temporary folder. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
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
#include "linter/lint.h"
#include "lsp/lsp.h"
#include "tests/support/run.h"

static const char *LEAK = "import torch\n"
                          "losses = []\n"
                          "for batch in loader:\n"
                          "    loss = criterion(model(batch), batch.y)\n"
                          "    loss.backward()\n"
                          "    losses.append(loss)\n";

/* ---- Library limits ---- */

static lint_status lint_len(const char *src, size_t len, lint_result **r, lint_diag *d)
{
    lint_ctx *ctx = lint_ctx_new(d);
    ck_assert_ptr_nonnull(ctx);
    *r = NULL;
    lint_status st = lint_buffer(ctx, src, len, NULL, r, d);
    lint_ctx_free(ctx);
    return st;
}

START_TEST(size_limits)
{
    lint_diag d = {{0}};
    lint_result *r;
    /* over the byte limit: refused before any parse */
    size_t n = LINT_MAX_SOURCE_BYTES + 1;
    char *big = xmalloc(n + 1);
    memset(big, ' ', n);
    memcpy(big, "loss.backward()\n", 16);
    big[n] = '\0';
    ck_assert_int_eq(lint_len(big, n, &r, &d), LINT_ERR_TOO_LARGE);
    ck_assert_msg(strstr(d.message, "too large"), "%s", d.message);
    /* under the byte limit, over the token limit: one-token lines */
    n = 2 * (LINT_MAX_TOKENS / 2 + 16);
    for (size_t i = 16; i + 1 < n; i += 2) {
        big[i] = '1';
        big[i + 1] = '\n';
    }
    ck_assert_int_eq(lint_len(big, n, &r, &d), LINT_ERR_TOO_LARGE);
    ck_assert_msg(strstr(d.message, "tokens"), "%s", d.message);
    /* the same file cut to half the tokens is linted */
    ck_assert_int_eq(lint_len(big, n / 2, &r, &d), LINT_OK);
    lint_result_free(r);
    free(big);
}
END_TEST

/* tree-sitter 0.20.7 frees a bad pointer (abort) when a file ends inside some 65,000 tokens
 * of an unfinished statement: refused with a clear reason instead. */
START_TEST(unfinished_statement_at_end)
{
    static const char *const units[] = {"(", "[", "f(", "-", "not ", "a=", "lambda: "};
    lint_diag d = {{0}};
    lint_result *r;
    for (size_t u = 0; u < sizeof units / sizeof units[0]; u++) {
        for (int tail = 0; tail < 3; tail++) {
            buf b = BUF_INIT;
            buf_puts(&b, "loss.backward()\nx = ");
            for (int i = 0; i < 70000; i++) {
                buf_puts(&b, units[u]);
            }
            buf_puts(&b, tail == 0 ? "" : tail == 1 ? "\n" : "\n)\n# end\n");
            ck_assert_int_eq(lint_len(b.data, b.len, &r, &d), LINT_ERR_TOO_LARGE);
            ck_assert_msg(strstr(d.message, "ends inside a statement"), "%s", d.message);
            buf_free(&b);
        }
    }
    /* a long statement followed by another one parses (and recovers) fine */
    buf b = BUF_INIT;
    buf_puts(&b, "x = ");
    for (int i = 0; i < 70000; i++) {
        buf_putc(&b, '-');
    }
    buf_puts(&b, "\n");
    buf_puts(&b, LEAK);
    ck_assert_int_eq(lint_len(b.data, b.len, &r, &d), LINT_OK);
    ck_assert_int_gt(r->n_syntax_errors, 0);
    ck_assert_uint_eq(r->n, 1);
    lint_result_free(r);
    buf_free(&b);
    /* 100,000 balanced brackets followed by code: a result */
    b = (buf)BUF_INIT;
    buf_puts(&b, "x = ");
    for (int i = 0; i < 100000; i++) {
        buf_putc(&b, '[');
    }
    for (int i = 0; i < 100000; i++) {
        buf_putc(&b, ']');
    }
    buf_puts(&b, "\n");
    buf_puts(&b, LEAK);
    ck_assert_int_eq(lint_len(b.data, b.len, &r, &d), LINT_OK);
    ck_assert_uint_eq(r->n, 1);
    lint_result_free(r);
    buf_free(&b);
}
END_TEST

/* Brackets inside a triple-quoted string are text: a docstring holding `[` followed by some
 * 30,000 tokens of code is linted like any file (the size guard once read the docstring as
 * empty strings around code and the rest of the file as one unfinished statement). */
START_TEST(brackets_in_triple_quoted_strings)
{
    static const char *const heads[] = {
        "\"\"\"\n[\n\"\"\"\n# checkpoint\n",
        "'''\n(\n'''\n# checkpoint\n",
        "def f():\n    r\"\"\"Shapes: (N, C, [H, W\n    \\\"\"\" still text (\n    \"\"\"\n",
        "x = f\"\"\"\n{{ [ {y}\n{z:[^10}\n\"\"\"\n# checkpoint\n",
        "s = b'''\\\n{'''\n# checkpoint\n",
    };
    lint_diag d = {{0}};
    lint_result *r;
    for (size_t h = 0; h < sizeof heads / sizeof heads[0]; h++) {
        buf b = BUF_INIT;
        buf_puts(&b, heads[h]);
        for (int i = 0; i < 8000; i++) {
            buf_puts(&b, "x = 1\n");
        }
        buf_puts(&b, LEAK);
        ck_assert_msg(lint_len(b.data, b.len, &r, &d) == LINT_OK, "head %zu: %s", h, d.message);
        ck_assert_int_eq(r->parsed, 1);
        ck_assert_int_eq(r->n_syntax_errors, 0);
        ck_assert_uint_eq(r->n, 1);
        lint_result_free(r);
        buf_free(&b);
    }
    /* the minimal form, as in the report */
    buf b = BUF_INIT;
    buf_puts(&b, "\"\"\"\n[\n\"\"\"\n# checkpoint\n");
    for (int i = 0; i < 8000; i++) {
        buf_puts(&b, "x = 1\n");
    }
    ck_assert_msg(lint_len(b.data, b.len, &r, &d) == LINT_OK, "%s", d.message);
    ck_assert_int_eq(r->parsed, 1);
    ck_assert_int_eq(r->n_syntax_errors, 0);
    ck_assert_uint_eq(r->n, 0);
    lint_result_free(r);
    buf_free(&b);
}
END_TEST

/* Strings that end where tree-sitter does not see them end: an unterminated triple-quoted
 * string leaves the rest of the file to be parsed as code, and the code of an f-string's
 * replacement field is code. Both can end the file inside 70,000 open brackets (an abort in
 * tree-sitter 0.20.7): refused. The same unterminated string before ordinary code parses. */
START_TEST(strings_that_hide_unfinished_statements)
{
    static const char *const heads[][2] = {
        {"\"\"\"\nx = ", "\n"},
        {"x = '''", "\n"},
        {"x = f\"{", "}\"\n"},
        {"x = f'''{\n", "}'''\n"},
        {"x = f\"\"\"{y:{", "}}\"\"\"\n"},
        {"x = f'''{", ""},
    };
    static const char *const units[] = {"(", "(\n", "-"};
    lint_diag d = {{0}};
    lint_result *r;
    for (size_t h = 0; h < sizeof heads / sizeof heads[0]; h++) {
        for (size_t u = 0; u < sizeof units / sizeof units[0]; u++) {
            buf b = BUF_INIT;
            buf_puts(&b, "loss.backward()\n");
            buf_puts(&b, heads[h][0]);
            for (int i = 0; i < 70000; i++) {
                buf_puts(&b, units[u]);
            }
            buf_puts(&b, heads[h][1]);
            ck_assert_msg(lint_len(b.data, b.len, &r, &d) == LINT_ERR_TOO_LARGE,
                          "head %zu unit %zu", h, u);
            ck_assert_msg(strstr(d.message, "ends inside a statement"), "%s", d.message);
            buf_free(&b);
        }
    }
    buf b = BUF_INIT;
    buf_puts(&b, "\"\"\"\n");
    for (int i = 0; i < 25000; i++) {
        buf_puts(&b, "x = 1\n");
    }
    buf_puts(&b, LEAK);
    ck_assert_int_eq(lint_len(b.data, b.len, &r, &d), LINT_OK);
    ck_assert_int_eq(r->parsed, 1);
    ck_assert_int_gt(r->n_syntax_errors, 0);
    lint_result_free(r);
    buf_free(&b);
}
END_TEST

/* ---- The command line ---- */

static void write_file(const char *dir, const char *name, const char *data, size_t n)
{
    char *p = xasprintf("%s/%s", dir, name);
    FILE *f = fopen(p, "wb");
    ck_assert_ptr_nonnull(f);
    fwrite(data, 1, n, f);
    fclose(f);
    free(p);
}

#define W(name, lit) write_file(dir, name, lit, sizeof lit - 1)

START_TEST(cli_encodings)
{
    char dir[] = "/tmp/oomkb-abuse-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    W("u16le.py", "\xFF\xFEl\0o\0s\0s\0.\0b\0a\0c\0k\0w\0a\0r\0d\0(\0)\0\n\0");
    W("u16be.py", "\xFE\xFF\0l\0o\0s\0s\0.\0b\0a\0c\0k\0w\0a\0r\0d\0(\0)\0\n");
    W("u16nobom.py", "l\0o\0s\0s\0.\0b\0a\0c\0k\0w\0a\0r\0d\0(\0)\0\n\0");
    W("u32le.py", "\xFF\xFE\0\0l\0\0\0o\0\0\0");
    W("surrogate.py", "x = '\xED\xA0\x80'\nloss.backward()\n");
    W("overlong.py", "x = '\xC0\xAF'\nloss.backward()\n");
    W("truncated.py", "loss.backward()\nx = '\xE6\x97");
    W("latin1.py", "x = 'caf\xE9'\nloss.backward()\n");
    char nul_late[9000];
    memset(nul_late, '#', sizeof nul_late);
    nul_late[8999] = '\0';
    memcpy(nul_late, "loss.backward()\n", 16);
    nul_late[8500] = '\n';
    write_file(dir, "nul_late.py", nul_late, sizeof nul_late);
    /* correct results: a UTF-8 BOM with CRLF line ends, and CRLF alone */
    buf crlf = BUF_INIT;
    buf_puts(&crlf, "\xEF\xBB\xBF");
    for (const char *p = LEAK; *p; p++) {
        if (*p == '\n') {
            buf_putc(&crlf, '\r');
        }
        buf_putc(&crlf, *p);
    }
    write_file(dir, "bom_crlf.py", crlf.data, crlf.len);
    write_file(dir, "crlf.py", crlf.data + 3, crlf.len - 3);
    buf_free(&crlf);
    char *out, *err;
    char *cmd = xasprintf("%s lint %s", OOMKB_BIN, dir);
    ck_assert_int_eq(run_sh(cmd, &out, &err), 2);
    static const char *const want[] = {
        "u16le.py: UTF-16LE file (byte-order mark)",
        "u16be.py: UTF-16BE file (byte-order mark)",
        "u16nobom.py: looks like UTF-16LE without a byte-order mark",
        "u32le.py: UTF-32LE file",
        "surrogate.py: line 1: not valid UTF-8 (byte 0xED at byte offset 5, a UTF-16 surrogate",
        "overlong.py: line 1: not valid UTF-8 (byte 0xC0 at byte offset 5, an overlong",
        "truncated.py: line 2: not valid UTF-8 (byte 0xE6 at byte offset 21, truncated",
        "latin1.py: line 1: not valid UTF-8 (byte 0xE9",
        "nul_late.py: line 3: NUL byte (byte offset 8999)",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        ck_assert_msg(strstr(err, want[i]), "missing '%s' in:\n%s", want[i], err);
    }
    /* both CRLF files report the same finding at the same place (line 6, column 19) */
    ck_assert_msg(strstr(out, "bom_crlf.py:6:19: OOM101") && strstr(out, "/crlf.py:6:19: OOM101"),
                  "%s", out);
    free(out);
    free(err);
    free(cmd);
    cmd = xasprintf("rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
    free(cmd);
}
END_TEST

/* Runs "<feed>timeout 20 oomkb lint <args>" through the shell and asserts exit status 2 with
 * want on stderr. */
static void expect_size_limit(const char *feed, const char *args, const char *want)
{
    char *out;
    char *err;
    char *cmd = xasprintf("%stimeout 20 %s lint %s", feed, OOMKB_BIN, args);
    ck_assert_int_eq(run_sh(cmd, &out, &err), 2);
    ck_assert_msg(strstr(err, want), "%s: %s", cmd, err);
    free(out);
    free(err);
    free(cmd);
}

START_TEST(cli_not_files)
{
    char dir[] = "/tmp/oomkb-abuse-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    write_file(dir, "good.py", LEAK, strlen(LEAK));
    char *p = xasprintf("%s/fifo.py", dir);
    ck_assert_int_eq(mkfifo(p, 0644), 0);
    free(p);
    p = xasprintf("%s/dangling.py", dir);
    ck_assert_int_eq(symlink("/nonexistent/oomkb/x.py", p), 0);
    free(p);
    p = xasprintf("%s/loop_a.py", dir);
    ck_assert_int_eq(symlink("loop_b.py", p), 0);
    free(p);
    p = xasprintf("%s/loop_b.py", dir);
    ck_assert_int_eq(symlink("loop_a.py", p), 0);
    free(p);
    p = xasprintf("%s/dir.py", dir);
    ck_assert_int_eq(mkdir(p, 0755), 0);
    free(p);
    write_file(dir, "dir.py/inner.py", LEAK, strlen(LEAK));
    p = xasprintf("%s/sub", dir);
    ck_assert_int_eq(mkdir(p, 0755), 0);
    free(p);
    p = xasprintf("%s/sub/up", dir);
    ck_assert_int_eq(symlink("..", p), 0);
    free(p);
    /* a sparse file over the byte limit: refused from its size, never read */
    p = xasprintf("%s/huge.py", dir);
    ck_assert_int_eq(truncate(p, 0) == 0 || errno == ENOENT, 1);
    int fd = open(p, O_CREAT | O_WRONLY, 0644);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(ftruncate(fd, (off_t)LINT_MAX_SOURCE_BYTES * 100), 0);
    close(fd);
    free(p);
    char *out, *err;
    /* the folder: the FIFO, links and loops are skipped, both real files linted, no hang */
    char *cmd = xasprintf("timeout 20 %s lint %s", OOMKB_BIN, dir);
    int rc = run_sh(cmd, &out, &err);
    ck_assert_msg(rc == 2, "rc %d: %s", rc, err); /* huge.py */
    ck_assert_msg(strstr(err, "huge.py: larger than the 8 MiB limit"), "%s", err);
    ck_assert_msg(strstr(out, "good.py:6:19: OOM101") && strstr(out, "dir.py/inner.py:6:19"), "%s",
                  out);
    free(out);
    free(err);
    free(cmd);
    /* named explicitly: each one a clear error, the good file still linted */
    cmd = xasprintf("timeout 20 %s lint %s/fifo.py %s/dangling.py %s/loop_a.py %s/good.py "
                    "%s/nope.py",
                    OOMKB_BIN, dir, dir, dir, dir, dir);
    rc = run_sh(cmd, &out, &err);
    ck_assert_msg(rc == 2, "rc %d: %s", rc, err);
    ck_assert_msg(strstr(err, "dangling.py: broken symbolic link"), "%s", err);
    ck_assert_msg(strstr(err, "loop_a.py: symbolic link loop"), "%s", err);
    ck_assert_msg(strstr(err, "nope.py: No such file"), "%s", err);
    ck_assert_msg(!strstr(err, "fifo.py"), "a FIFO without a writer reads as empty: %s", err);
    ck_assert_msg(strstr(out, "good.py:6:19: OOM101"), "%s", out);
    free(out);
    free(err);
    free(cmd);
    /* endless stdin stops at the limit; so does a device named explicitly */
    expect_size_limit("", "- </dev/zero", "-: larger than the 8 MiB limit");
    expect_size_limit("yes 'loss.backward()' | ", "-", "-: larger than the 8 MiB limit");
    expect_size_limit("", "/dev/zero", "/dev/zero: larger than the 8 MiB limit");
    cmd = xasprintf("rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
    free(cmd);
}
END_TEST

/* ---- The language server: 10,000 random messages ---- */

static uint64_t rng_state;

static uint32_t rnd(uint32_t n)
{
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return n ? (uint32_t)((rng_state >> 33) % n) : 0;
}

static json_t *random_json(int depth)
{
    switch (rnd(depth > 3 ? 6 : 8)) {
    case 0:
        return json_null();
    case 1:
        return json_boolean(rnd(2));
    case 2:
        return json_integer((json_int_t)rnd(5) == 0 ? -1 : (json_int_t)rnd(1u << 31) * 3);
    case 3:
        return json_real(rnd(1000) / 7.0);
    case 4: {
        static const char *const strs[] = {"",      "file:///tmp/abuse.py", "x",
                                           "utf-8", "file:///tmp/a%zz.py",  "\xE6\x97\xA5",
                                           "loss"};
        return json_string(strs[rnd(7)]);
    }
    case 5:
        return json_integer(rnd(2) ? 0x7fffffffffffffffll : -0x7fffffffffffffffll);
    case 6: {
        json_t *a = json_array();
        for (uint32_t i = rnd(4); i > 0; i--) {
            json_array_append_new(a, random_json(depth + 1));
        }
        return a;
    }
    default: {
        static const char *const keys[] = {
            "textDocument", "uri", "text",           "position", "line", "character", "range",
            "start",        "end", "contentChanges", "version",  "id",   "method"};
        json_t *o = json_object();
        for (uint32_t i = rnd(4); i > 0; i--) {
            json_object_set_new(o, keys[rnd(13)], random_json(depth + 1));
        }
        return o;
    }
    }
}

/* A request or notification that looks valid but has random types and values in places. */
static json_t *random_request(void)
{
    static const char *const methods[] = {"textDocument/didOpen",
                                          "textDocument/didChange",
                                          "textDocument/didSave",
                                          "textDocument/didClose",
                                          "textDocument/hover",
                                          "textDocument/codeAction",
                                          "initialize",
                                          "initialized",
                                          "$/cancelRequest",
                                          "workspace/symbol",
                                          "textDocument/completion"};
    const char *uri = rnd(2) ? "file:///tmp/abuse.py" : "file:///tmp/other.py";
    json_t *pos = json_pack("{s:o,s:o}", "line", rnd(3) ? json_integer(rnd(10)) : random_json(3),
                            "character", rnd(3) ? json_integer(rnd(40)) : random_json(3));
    json_t *range = json_pack("{s:o,s:o}", "start", pos, "end", json_deep_copy(pos));
    json_t *change = json_pack("{s:o,s:s}", "range", rnd(4) ? json_incref(range) : random_json(2),
                               "text", rnd(2) ? "loss" : "\n)(\xE6\x97\xA5");
    json_t *td = json_pack("{s:s,s:o,s:o}", "uri", uri, "version", random_json(3), "text",
                           rnd(3) ? json_string(LEAK) : random_json(3));
    json_t *params = json_pack("{s:o,s:o,s:o,s:[o]}", "textDocument", td, "position",
                               json_deep_copy(pos), "range", range, "contentChanges", change);
    if (rnd(5) == 0) {
        static const char *const parts[] = {"textDocument", "position", "range", "contentChanges"};
        json_object_set_new(params, parts[rnd(4)], random_json(1));
    }
    int keep = rnd(8) != 0;
    json_t *m = json_pack("{s:s,s:s,s:o}", "jsonrpc", rnd(10) ? "2.0" : "1.0", "method",
                          methods[rnd(sizeof methods / sizeof methods[0])], "params",
                          keep ? params : random_json(2));
    if (!keep) {
        json_decref(params);
    }
    if (rnd(2)) {
        json_object_set_new(m, "id", rnd(6) ? json_integer(1000 + rnd(1000)) : random_json(3));
    }
    return m;
}

/* Appends one random message (framed or not) to b. */
static void random_message(buf *b)
{
    uint32_t kind = rnd(10);
    if (kind == 0) { /* raw bytes, no frame */
        for (uint32_t i = rnd(200); i > 0; i--) {
            buf_putc(b, (char)rnd(256));
        }
        return;
    }
    if (kind == 1) { /* hostile headers (a well-formed one over the 64 MiB limit would take
                        the rest of the stream as its body: tests/unit/test_lsp.c has it) */
        static const char *const heads[] = {"Content-Length: 99999999999999999999\r\n\r\n",
                                            "Content-Length: -5\r\n\r\n",
                                            "Content-Length: 67108865 1\r\n\r\n",
                                            "Content-Length:\r\n\r\n",
                                            "Content-Type: x\r\n\r\n{}",
                                            "content-length: 2\r\n\r\n{}",
                                            "Content-Length: 10\r\n\r\n{\"a\":",
                                            "Content-Length: 3\n\n[1]"};
        buf_puts(b, heads[rnd(8)]);
        return;
    }
    char *body;
    if (kind == 2) {
        size_t n = rnd(300);
        body = xmalloc(n + 1);
        for (size_t i = 0; i < n; i++) {
            body[i] = (char)rnd(256);
        }
        body[n] = '\0';
        buf_printf(b, "Content-Length: %zu\r\n\r\n", n);
        buf_append(b, body, n);
        free(body);
        return;
    }
    json_t *j = kind <= 4 ? random_json(0) : random_request();
    body = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(j);
    if (!body) {
        return;
    }
    size_t n = strlen(body);
    if (kind == 3 && n > 2) {
        n -= rnd((uint32_t)n); /* a partial frame: the next message completes its body */
        buf_printf(b, "Content-Length: %zu\r\n\r\n", strlen(body));
    } else {
        buf_printf(b, "Content-Length: %zu\r\n\r\n", n);
    }
    buf_append(b, body, n);
    free(body);
}

static void frame(buf *b, json_t *msg)
{
    char *body = json_dumps(msg, JSON_COMPACT);
    buf_printf(b, "Content-Length: %zu\r\n\r\n%s", strlen(body), body);
    free(body);
    json_decref(msg);
}

START_TEST(lsp_random_messages)
{
    rng_state = 20240601u + (uint64_t)_i;
    int a[2], c[2];
    ck_assert_int_eq(pipe(a), 0);
    ck_assert_int_eq(pipe(c), 0);
    signal(SIGPIPE, SIG_IGN);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(a[0], 0);
        dup2(c[1], 1);
        close(a[1]);
        close(c[0]);
        execl(OOMKB_BIN, OOMKB_BIN, "lsp", "--kb-url", "http://kb.test", (char *)NULL);
        _exit(127);
    }
    close(a[0]);
    close(c[1]);
    buf send = BUF_INIT;
    frame(&send, json_pack("{s:s,s:i,s:s,s:{s:{}}}", "jsonrpc", "2.0", "id", 1, "method",
                           "initialize", "params", "capabilities"));
    for (int i = 0; i < 10000; i++) {
        random_message(&send);
    }
    /* Padding ends any partial frame still open (its body absorbs it; what is left is skipped
     * as garbage), then a fresh document and a hover on its finding. */
    for (int i = 0; i < 4096; i++) {
        buf_putc(&send, ' ');
    }
    frame(&send,
          json_pack("{s:s,s:s,s:{s:{s:s,s:s,s:i,s:s}}}", "jsonrpc", "2.0", "method",
                    "textDocument/didOpen", "params", "textDocument", "uri", "file:///tmp/final.py",
                    "languageId", "python", "version", 7, "text", LEAK));
    frame(&send, json_pack("{s:s,s:i,s:s,s:{s:{s:s},s:{s:i,s:i}}}", "jsonrpc", "2.0", "id", 424242,
                           "method", "textDocument/hover", "params", "textDocument", "uri",
                           "file:///tmp/final.py", "position", "line", 5, "character", 20));
    frame(&send, json_pack("{s:s,s:i,s:s}", "jsonrpc", "2.0", "id", 424243, "method", "shutdown"));
    frame(&send, json_pack("{s:s,s:s}", "jsonrpc", "2.0", "method", "exit"));
    /* Write and read at once: the server's replies would otherwise fill the pipe. */
    fcntl(a[1], F_SETFL, O_NONBLOCK);
    buf in = BUF_INIT;
    size_t sent = 0;
    for (;;) {
        struct pollfd p[2] = {{c[0], POLLIN, 0}, {sent < send.len ? a[1] : -1, POLLOUT, 0}};
        int n = poll(p, 2, 30000);
        ck_assert_msg(n > 0, "the server stopped answering");
        if (p[1].revents & (POLLOUT | POLLERR)) {
            ssize_t w = write(a[1], send.data + sent, send.len - sent);
            ck_assert_msg(w > 0 || errno == EAGAIN, "write: %s", strerror(errno));
            sent += w > 0 ? (size_t)w : 0;
            if (sent == send.len) {
                close(a[1]);
            }
        }
        if (p[0].revents & (POLLIN | POLLHUP)) {
            buf_grow(&in, 65536);
            ssize_t r = read(c[0], in.data + in.len, 65536);
            if (r <= 0) {
                break;
            }
            in.len += (size_t)r;
            in.data[in.len] = '\0';
        }
    }
    if (sent < send.len) {
        close(a[1]);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    close(c[0]);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d", st);
    /* Every reply is a well-formed frame of JSON-RPC 2.0; the last diagnostics and the
     * hover are right. */
    size_t at = 0, n_msgs = 0;
    int hover_ok = 0, diags_ok = 0, shutdown_ok = 0;
    while (at < in.len) {
        size_t off, len, skip;
        long n = lsp_frame_parse(in.data + at, in.len - at, &off, &len, &skip);
        ck_assert_msg(n > 0, "bad frame from the server at byte %zu", at);
        json_t *m = json_loadb(in.data + at + off, len, 0, NULL);
        ck_assert_ptr_nonnull(m);
        ck_assert_str_eq(json_string_value(json_object_get(m, "jsonrpc")), "2.0");
        json_int_t id = json_integer_value(json_object_get(m, "id"));
        const char *method = json_string_value(json_object_get(m, "method"));
        json_t *params = json_object_get(m, "params");
        if (method && strcmp(method, "textDocument/publishDiagnostics") == 0 &&
            strcmp(json_string_value(json_object_get(params, "uri")), "file:///tmp/final.py") ==
                0) {
            json_t *ds = json_object_get(params, "diagnostics");
            diags_ok = json_array_size(ds) == 1 &&
                       strcmp(json_string_value(json_object_get(json_array_get(ds, 0), "code")),
                              "OOM101") == 0;
        }
        if (id == 424242) {
            const char *v = json_string_value(json_object_get(
                json_object_get(json_object_get(m, "result"), "contents"), "value"));
            hover_ok = v && strstr(v, "**OOM101**") != NULL;
        }
        shutdown_ok |= id == 424243 && json_is_null(json_object_get(m, "result"));
        json_decref(m);
        at += (size_t)n;
        n_msgs++;
    }
    ck_assert_msg(diags_ok && hover_ok && shutdown_ok,
                  "after %zu replies: diags %d hover %d "
                  "shutdown %d",
                  n_msgs, diags_ok, hover_ok, shutdown_ok);
    buf_free(&send);
    buf_free(&in);
}
END_TEST

/* A document over the linter's limits is kept but not parsed; back under them, linted. */
START_TEST(lsp_document_limits)
{
    buf send = BUF_INIT;
    frame(&send, json_pack("{s:s,s:i,s:s,s:{s:{}}}", "jsonrpc", "2.0", "id", 1, "method",
                           "initialize", "params", "capabilities"));
    buf big = BUF_INIT;
    buf_puts(&big, LEAK);
    while (big.len < LINT_MAX_TOKENS * 2 + 100) {
        buf_puts(&big, "1\n");
    }
    frame(&send, json_pack("{s:s,s:s,s:{s:{s:s,s:i,s:s}}}", "jsonrpc", "2.0", "method",
                           "textDocument/didOpen", "params", "textDocument", "uri",
                           "file:///tmp/big.py", "version", 1, "text", big.data));
    /* replace the whole text with the small leak: linted again */
    frame(&send, json_pack("{s:s,s:s,s:{s:{s:s,s:i},s:[{s:s}]}}", "jsonrpc", "2.0", "method",
                           "textDocument/didChange", "params", "textDocument", "uri",
                           "file:///tmp/big.py", "version", 2, "contentChanges", "text", LEAK));
    frame(&send, json_pack("{s:s,s:i,s:s}", "jsonrpc", "2.0", "id", 2, "method", "shutdown"));
    frame(&send, json_pack("{s:s,s:s}", "jsonrpc", "2.0", "method", "exit"));
    buf_free(&big);
    char in_path[] = "/tmp/oomkb-abuse-lspXXXXXX";
    int fd = mkstemp(in_path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, send.data, send.len), (ssize_t)send.len);
    close(fd);
    char *out, *err;
    char *cmd = xasprintf("%s lsp <%s", OOMKB_BIN, in_path);
    ck_assert_int_eq(run_sh(cmd, &out, &err), 0);
    unlink(in_path);
    const char *warn = strstr(out, "window/showMessage");
    ck_assert_msg(warn && strstr(warn, "too large to lint"), "%s", out);
    /* first publish: empty (not linted); second: the finding */
    const char *p1 = strstr(out, "publishDiagnostics");
    ck_assert_ptr_nonnull(p1);
    const char *p2 = strstr(p1 + 1, "publishDiagnostics");
    ck_assert_ptr_nonnull(p2);
    ck_assert_msg(strstr(p1, "\"diagnostics\":[]") < p2, "%s", out);
    ck_assert_ptr_nonnull(strstr(p2, "OOM101"));
    free(out);
    free(err);
    free(cmd);
    buf_free(&send);
}
END_TEST

Suite *suite_abuse(void);
Suite *suite_abuse(void)
{
    Suite *s = suite_create("abuse");
    TCase *tc = tcase_create("abuse");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, size_limits);
    tcase_add_test(tc, unfinished_statement_at_end);
    tcase_add_test(tc, brackets_in_triple_quoted_strings);
    tcase_add_test(tc, strings_that_hide_unfinished_statements);
    tcase_add_test(tc, cli_encodings);
    tcase_add_test(tc, cli_not_files);
    tcase_add_loop_test(tc, lsp_random_messages, 0, 2);
    tcase_add_test(tc, lsp_document_limits);
    suite_add_tcase(s, tc);
    return s;
}
