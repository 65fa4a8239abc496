/* What `oomkb lint` prints after (or instead of) the findings: ruff's closing summary ("Found
 * 3 findings (2 fixable with --fix)." / "All checks passed!") and the per-rule counts of
 * --statistics. Pure functions of the reports, like the renderers in render.c. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linter/lint.h"

void lint_tally_reports(const lint_file_report *files, size_t n, lint_tally *out)
{
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < n; i++) {
        const lint_result *r = files[i].result;
        for (size_t k = 0; r && k < r->n; k++) {
            const lint_finding *x = &r->items[k];
            out->findings++;
            out->per_rule[x->rule]++;
            if (x->fix && x->fix->applicability == LINT_FIX_SAFE) {
                out->fixable++;
                out->fixable_per_rule[x->rule]++;
            } else if (x->fix) {
                out->unsafe++;
            }
        }
    }
}

void lint_render_summary(buf *out, const lint_tally *t)
{
    if (t->findings == 0) {
        buf_puts(out, "All checks passed!\n");
        return;
    }
    buf_printf(out, "Found %zu finding%s", t->findings, t->findings == 1 ? "" : "s");
    if (t->fixable) {
        buf_printf(out, " (%zu fixable with --fix)", t->fixable);
    }
    buf_puts(out, ".\n");
    if (t->unsafe) {
        buf_printf(out, "%zu hidden fix%s can be enabled with the `--unsafe-fixes` option.\n",
                   t->unsafe, t->unsafe == 1 ? "" : "es");
    }
}

void lint_render_statistics(buf *out, lint_format fmt, const lint_tally *t)
{
    int order[LINT_MAX_RULES];
    int n = 0;
    for (int i = 0; i < lint_rule_count(); i++) {
        if (t->per_rule[i]) {
            order[n++] = i;
        }
    }
    /* Most frequent first, then code order (ruff's order). */
    for (int i = 1; i < n; i++) {
        for (int j = i; j > 0 && t->per_rule[order[j]] > t->per_rule[order[j - 1]]; j--) {
            int tmp = order[j];
            order[j] = order[j - 1];
            order[j - 1] = tmp;
        }
    }
    if (fmt == LINT_FORMAT_JSON) {
        json_t *a = json_array();
        for (int i = 0; i < n; i++) {
            const lint_rule *r = &lint_rules()[order[i]];
            json_array_append_new(a, json_pack("{s:s,s:s,s:s,s:i,s:i}", "code", r->code, "name",
                                               r->name, "entry", r->entry, "count",
                                               (json_int_t)t->per_rule[order[i]], "fixable",
                                               (json_int_t)t->fixable_per_rule[order[i]]));
        }
        char *s = json_dumps(a, JSON_INDENT(2));
        buf_puts(out, s ? s : "[]");
        buf_putc(out, '\n');
        free(s);
        json_decref(a);
        return;
    }
    int width = 1;
    for (int i = 0; i < n; i++) {
        int w = snprintf(NULL, 0, "%zu", t->per_rule[order[i]]);
        width = w > width ? w : width;
    }
    for (int i = 0; i < n; i++) {
        const lint_rule *r = &lint_rules()[order[i]];
        const char *mark = !t->fixable ? "" : t->fixable_per_rule[order[i]] ? "[*] " : "[ ] ";
        buf_printf(out, "%*zu\t%s\t%s%s\n", width, t->per_rule[order[i]], r->code, mark, r->name);
    }
}
