/* Fuzzes the linter on arbitrary bytes: the encoding check, the noqa reader on every line, the
 * DDP byte scan (Python and shell), the prefilter, lint_buffer with all rules (noqa honoured
 * and ignored), every output format through lint_render, and the edits of linter/fix.h (fixes
 * applied, noqa directives added, the diff of each). Oracles: a refused encoding names a byte
 * inside the buffer; noqa comments lie inside their line; findings lie inside the buffer and
 * are sorted; JSON and SARIF output parse as JSON; the noqa comment place lies inside the
 * buffer; an edit has a diff exactly when it changed the bytes. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "linter/fix.h"
#include "linter/lint.h"
#include "tests/fuzz/fuzz.h"

static lint_ctx *the_ctx(void)
{
    static lint_ctx *ctx;
    if (!ctx) {
        lint_diag d;
        ctx = lint_ctx_new(&d);
        if (!ctx) {
            abort();
        }
    }
    return ctx;
}

static void check_result(const lint_result *r, size_t len)
{
    for (size_t i = 0; i < r->n; i++) {
        const lint_finding *f = &r->items[i];
        if (f->rule < 0 || f->rule >= lint_rule_count() || f->start_byte > f->end_byte ||
            f->end_byte > len || !f->message) {
            abort();
        }
        if (i > 0 && (r->items[i - 1].start.row > f->start.row ||
                      (r->items[i - 1].start.row == f->start.row &&
                       r->items[i - 1].start.col > f->start.col))) {
            abort(); /* sorted by position */
        }
        fuzz_touch(f->message);
    }
}

static void render_all(const char *src, size_t len, const lint_result *r)
{
    static const lint_format formats[] = {LINT_FORMAT_DEFAULT, LINT_FORMAT_FULL, LINT_FORMAT_JSON,
                                          LINT_FORMAT_SARIF, LINT_FORMAT_GITHUB};
    lint_render_opts ro;
    memset(&ro, 0, sizeof ro);
    ro.kb_url = "http://127.0.0.1:8080";
    ro.tool_version = "0.1.0";
    for (int i = 0; i < lint_rule_count(); i++) {
        ro.docs[i].title = "An entry title";
        ro.docs[i].markdown = "### M1 — An entry title\n\nBody with `code`.\n";
    }
    lint_file_report rep = {"dir/fuzz input.py", src, len, r};
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
        buf out = BUF_INIT;
        lint_render(&out, formats[i], &rep, 1, &ro);
        if (formats[i] == LINT_FORMAT_JSON || formats[i] == LINT_FORMAT_SARIF) {
            json_error_t e;
            json_t *j = json_loadb(out.data ? out.data : "", out.len, 0, &e);
            if (!j) {
                abort(); /* the renderer must escape whatever the source holds */
            }
            json_decref(j);
        }
        buf_free(&out);
    }
}

static void check_encoding_and_noqa(const char *src, size_t size)
{
    size_t off = 0;
    lint_diag d;
    if (lint_encoding_check(src, size, &off, &d) != LINT_OK && (off >= size || !d.message[0])) {
        abort();
    }
    for (const char *line = src, *end = src + size; line < end;) {
        const char *nl = memchr(line, '\n', (size_t)(end - line));
        size_t len = nl ? (size_t)(nl - line) : (size_t)(end - line);
        lint_noqa nq;
        for (size_t from = 0; lint_noqa_find(line, len, from, &nq); from = nq.start + 1) {
            if (line[nq.start] != '#' || nq.end > len || nq.codes_end > len ||
                (!nq.bare && nq.codes_end <= nq.start)) {
                abort();
            }
        }
        line += len + 1;
    }
}

/* An edited copy of src must diff against it exactly when it differs. */
static void check_diff(const char *src, size_t len, const buf *edited)
{
    buf d = BUF_INIT;
    int changed = lint_diff_unified(&d, src, len, edited->data, edited->len, "f.py");
    if (changed != !(edited->len == len && memcmp(edited->data, src, len) == 0) ||
        (changed && !d.len)) {
        abort();
    }
    buf_free(&d);
}

static void check_edits(const char *src, size_t len, const lint_result *r)
{
    for (size_t i = 0; i < r->n; i++) {
        if (lint_noqa_line_end(src, len, r->items[i].start_byte) > len) {
            abort();
        }
    }
    for (int unsafe = 0; unsafe <= 1; unsafe++) {
        buf fixed = BUF_INIT;
        lint_fix_apply(src, len, r, unsafe, &fixed);
        check_diff(src, len, &fixed);
        buf_free(&fixed);
    }
    buf noqa = BUF_INIT;
    lint_noqa_add(src, len, r, &noqa, NULL);
    check_diff(src, len, &noqa);
    buf_free(&noqa);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *src = (const char *)data;
    check_encoding_and_noqa(src, size);
    lint_ddp acc;
    memset(&acc, 0, sizeof acc);
    lint_ddp_scan_buffer(src, size, "train.py", 0, &acc);
    lint_ddp_scan_buffer(src, size, "run.sh", 1, &acc);
    lint_prefilter(src, size, lint_rule_all());
    for (int ignore_noqa = 0; ignore_noqa <= 1; ignore_noqa++) {
        lint_options o;
        memset(&o, 0, sizeof o);
        o.rules = lint_rule_all();
        o.ignore_noqa = ignore_noqa;
        lint_result *r = NULL;
        lint_diag d;
        lint_status st = lint_buffer(the_ctx(), src, size, &o, &r, &d);
        if (st != LINT_OK) {
            continue;
        }
        check_result(r, size);
        if (ignore_noqa) {
            render_all(src, size, r);
        } else {
            check_edits(src, size, r);
        }
        lint_result_free(r);
    }
    return 0;
}
