/* Pipe-table recognition for the renderers (see md_table.h). */
#include "kb/md_table.h"

#include <stdlib.h>
#include <string.h>

#include "common/util.h"

typedef struct row {
    char **cells;
    size_t n;
} row;

static void row_free(row *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->cells[i]);
    }
    free(r->cells);
}

static char *trim_dup(const char *s, size_t n)
{
    while (n && (*s == ' ' || *s == '\t')) {
        s++;
        n--;
    }
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r')) {
        n--;
    }
    buf b = BUF_INIT;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\\' && i + 1 < n && s[i + 1] == '|') {
            continue;
        }
        buf_putc(&b, s[i]);
    }
    return buf_detach(&b);
}

/* Splits one line into cells; returns 0 if it does not look like a table row. */
static int split_row(const char *s, size_t n, row *out)
{
    out->cells = NULL;
    out->n = 0;
    size_t a = 0;
    while (a < n && (s[a] == ' ' || s[a] == '\t')) {
        a++;
    }
    while (n > a && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r')) {
        n--;
    }
    if (a >= n || s[a] != '|') {
        return 0;
    }
    a++;
    if (n > a && s[n - 1] == '|' && !(n >= 2 && s[n - 2] == '\\')) {
        n--;
    }
    size_t start = a;
    for (size_t i = a; i <= n; i++) {
        if (i == n || (s[i] == '|' && s[i - 1] != '\\')) {
            out->cells = xrealloc(out->cells, (out->n + 1) * sizeof *out->cells);
            out->cells[out->n++] = trim_dup(s + start, i - start);
            start = i + 1;
        }
    }
    return out->n > 0;
}

static int delimiter_cell(const char *c, int *align)
{
    size_t n = strlen(c);
    if (n == 0) {
        return 0;
    }
    int left = c[0] == ':';
    int right = c[n - 1] == ':';
    size_t a = left ? 1 : 0;
    size_t b = right ? n - 1 : n;
    if (b <= a) {
        return 0;
    }
    for (size_t i = a; i < b; i++) {
        if (c[i] != '-') {
            return 0;
        }
    }
    *align = left && right ? MD_ALIGN_CENTER
             : right       ? MD_ALIGN_RIGHT
             : left        ? MD_ALIGN_LEFT
                           : MD_ALIGN_NONE;
    return 1;
}

static void line_at(const char *md, size_t len, int lineno, const char **s, size_t *n)
{
    size_t i = 0;
    for (int l = 1; l < lineno && i < len; i++) {
        if (md[i] == '\n') {
            l++;
        }
    }
    size_t j = i;
    while (j < len && md[j] != '\n') {
        j++;
    }
    *s = md + i;
    *n = j - i;
}

int md_table_parse(const char *md, size_t len, int first, int last, md_table *out)
{
    if (last - first < 1) {
        return 0;
    }
    memset(out, 0, sizeof *out);
    const char *s;
    size_t n;
    row head;
    row delim;
    line_at(md, len, first, &s, &n);
    if (!split_row(s, n, &head)) {
        return 0;
    }
    line_at(md, len, first + 1, &s, &n);
    if (!split_row(s, n, &delim) || delim.n != head.n) {
        row_free(&head);
        if (delim.cells) {
            row_free(&delim);
        }
        return 0;
    }
    out->n_cols = head.n;
    out->align = xcalloc(head.n, sizeof *out->align);
    for (size_t c = 0; c < delim.n; c++) {
        if (!delimiter_cell(delim.cells[c], &out->align[c])) {
            row_free(&head);
            row_free(&delim);
            free(out->align);
            out->align = NULL;
            return 0;
        }
    }
    row_free(&delim);
    size_t rows = 1 + (size_t)(last - first - 1);
    out->cells = xcalloc(rows * out->n_cols, sizeof *out->cells);
    for (size_t c = 0; c < out->n_cols; c++) {
        out->cells[c] = head.cells[c];
    }
    free(head.cells);
    out->n_rows = 1;
    for (int l = first + 2; l <= last; l++) {
        row r;
        line_at(md, len, l, &s, &n);
        if (!split_row(s, n, &r)) {
            /* A line that is not a row ends the table in GFM; treat the block as prose. */
            out->n_rows = rows;
            md_table_free(out);
            return 0;
        }
        for (size_t c = 0; c < out->n_cols; c++) {
            out->cells[out->n_rows * out->n_cols + c] = c < r.n ? r.cells[c] : xstrdup("");
        }
        for (size_t c = out->n_cols; c < r.n; c++) {
            free(r.cells[c]);
        }
        free(r.cells);
        out->n_rows++;
    }
    return 1;
}

void md_table_free(md_table *t)
{
    if (!t->cells) {
        free(t->align);
        return;
    }
    for (size_t i = 0; i < t->n_rows * t->n_cols; i++) {
        free(t->cells[i]);
    }
    free(t->cells);
    free(t->align);
    memset(t, 0, sizeof *t);
}
