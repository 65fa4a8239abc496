/* Fuzzes the OOM doctor's log parser and its renderers. The input is a log as pasted (any
 * bytes). Oracles: the report is well formed (known verdict and kind, entries in bounds,
 * evidence lines in order, inside the input, valid UTF-8), the JSON parses, and
 * doctor_has_signature agrees with finding at least one event. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "doctor/doctor.h"
#include "tests/fuzz/fuzz.h"

static void check_event(const doctor_event *ev, long n_lines)
{
    if (!ev->kind || !ev->what || !ev->verdict || !ev->verdict_title || !ev->summary ||
        ev->n_entries > DOCTOR_MAX_ENTRIES || ev->n_lints > DOCTOR_MAX_LINTS ||
        ev->n_evidence == 0 || ev->n_evidence > DOCTOR_MAX_EVIDENCE || ev->occurrences < 1) {
        abort();
    }
    for (size_t k = 0; k < ev->n_entries; k++) {
        if (!ev->entries[k].id || !ev->entries[k].reason) {
            abort();
        }
    }
    for (size_t k = 0; k < ev->n_evidence; k++) {
        const doctor_line *l = &ev->evidence[k];
        if (l->lineno < 1 || l->lineno > n_lines + 1 ||
            (k && l->lineno <= ev->evidence[k - 1].lineno) ||
            !util_utf8_valid(l->text, strlen(l->text), NULL, NULL)) {
            abort();
        }
    }
    fuzz_touch(ev->summary);
    fuzz_touch(ev->script);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    doctor_report *r = NULL;
    doctor_diag d;
    if (doctor_diagnose((const char *)data, size, &r, &d) != DOCTOR_OK) {
        abort();
    }
    for (size_t i = 0; i < r->n; i++) {
        check_event(&r->events[i], r->n_lines);
    }
    if ((r->n > 0) != doctor_has_signature((const char *)data, size)) {
        abort();
    }
    doctor_render_opts o = {"http://x", NULL, NULL, 1};
    char *j = doctor_render_json(r, &o);
    json_t *doc = json_loads(j, 0, NULL);
    if (!doc) {
        abort();
    }
    json_decref(doc);
    free(j);
    char *t = doctor_render_text(r, &o);
    char *h = doctor_render_html(r, &o);
    char *jl = doctor_render_json_lines(r, &o);
    fuzz_touch(t);
    fuzz_touch(h);
    fuzz_touch(jl);
    free(t);
    free(h);
    free(jl);
    doctor_report_free(r);
    return 0;
}
