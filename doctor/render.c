/* Rendering a doctor_report: text for the terminal, JSON (per event, or one document), and an
 * HTML card for the web pages. Pure functions of the report and the options. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "doctor/doctor_int.h"
#include "kb/kb.h"

#define C_BOLD "\x1b[1m"
#define C_ID "\x1b[1;35m"
#define C_DIM "\x1b[2m"
#define C_RED "\x1b[1;31m"
#define C_RESET "\x1b[0m"

static const char *title_of(const doctor_render_opts *o, const char *id)
{
    const char *t = o && o->title ? o->title(o->title_ud, id) : NULL;
    return t ? t : "";
}

/* An entry's link: base_url "/" ID, or its public page when base_url is NULL. Caller frees. */
static char *link_of(const doctor_render_opts *o, const char *id)
{
    if (o && o->base_url) {
        return xasprintf("%s/%s", o->base_url, id);
    }
    return kb_entry_link(NULL, id);
}

/* The fields the event has, and the unit that suits the largest. */
static const char *event_unit(const doctor_event *ev)
{
    double v[DOCTOR_N_FIELDS];
    size_t n = 0;
    for (int f = 0; f < DOCTOR_N_FIELDS; f++) {
        if (ev->field[f] >= 0) {
            v[n++] = ev->field[f];
        }
    }
    return doctor_pick_unit(v, n);
}

static void headline(buf *b, const doctor_event *ev)
{
    buf_puts(b, ev->what);
    if (ev->device >= 0) {
        buf_printf(b, " on GPU %d", ev->device);
    }
    if (ev->rank >= 0) {
        buf_printf(b, ", rank %d", ev->rank);
    }
    if (ev->band) {
        buf_printf(b, " (PyTorch %s wording)", ev->band);
    }
}

static void text_event(buf *b, const doctor_event *ev, size_t i, size_t n,
                       const doctor_render_opts *o)
{
    int color = o && o->color;
    buf_printf(b, color ? C_BOLD "OOM %zu of %zu: " : "OOM %zu of %zu: ", i + 1, n);
    headline(b, ev);
    buf_puts(b, color ? C_RESET "\n" : "\n");
    if (ev->occurrences > 1) {
        buf_printf(b, "  seen %zu times in the input\n", ev->occurrences);
    }
    if (ev->phase || ev->step >= 0) {
        buf_puts(b, "  when: ");
        buf_puts(b, ev->phase ? ev->phase : "");
        if (ev->step >= 0) {
            buf_printf(b, "%sstep %ld", ev->phase ? ", " : "", ev->step);
        }
        buf_putc(b, '\n');
    }
    const char *unit = event_unit(ev);
    for (int f = 0; f < DOCTOR_N_FIELDS; f++) {
        if (ev->field[f] < 0) {
            continue;
        }
        char v[40];
        doctor_format_bytes(ev->field[f], unit, v, sizeof v);
        buf_printf(b, "  %-26s %14s\n", doctor_field_label((doctor_field)f), v);
    }
    buf_printf(b, color ? "\n" C_RED "Verdict: %s" C_RESET "\n" : "\nVerdict: %s\n",
               ev->verdict_title);
    buf_printf(b, "  %s\n", ev->summary);
    if (ev->n_entries) {
        buf_puts(b, "\nApply, in order:\n");
    }
    for (size_t k = 0; k < ev->n_entries; k++) {
        const doctor_ref *r = &ev->entries[k];
        buf_printf(b, color ? "  %zu. " C_ID "%-4s" C_RESET " %s\n" : "  %zu. %-4s %s\n", k + 1,
                   r->id, title_of(o, r->id));
        char *url = link_of(o, r->id);
        buf_printf(b, "        why: %s\n        %s\n", r->reason, url);
        free(url);
    }
    for (size_t k = 0; k < ev->n_lints; k++) {
        const doctor_lint *l = &ev->lints[k];
        buf_printf(b, "\nLint: %s %s catches a cause: %s\n  oomkb lint --select %s %s\n", l->code,
                   l->name, l->reason, l->code, ev->script ? ev->script : ".");
    }
    buf_puts(b, color ? "\n" C_DIM "Evidence:" C_RESET "\n" : "\nEvidence:\n");
    for (size_t k = 0; k < ev->n_evidence; k++) {
        buf_printf(b, "  %6ld: %s\n", ev->evidence[k].lineno, ev->evidence[k].text);
    }
}

char *doctor_render_text(const doctor_report *r, const doctor_render_opts *o)
{
    buf b = BUF_INIT;
    for (size_t i = 0; i < r->n; i++) {
        if (i) {
            buf_puts(&b, "\n");
        }
        text_event(&b, &r->events[i], i, r->n, o);
    }
    if (r->n_dropped) {
        buf_printf(&b, "\n(%zu more distinct events not shown)\n", r->n_dropped);
    }
    return buf_detach(&b);
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *event_json(const doctor_event *ev, const doctor_render_opts *o)
{
    json_t *e = json_object();
    json_object_set_new(e, "kind", json_string(ev->kind));
    json_object_set_new(e, "what", json_string(ev->what));
    json_object_set_new(e, "backend", str_or_null(ev->backend));
    json_object_set_new(e, "band", str_or_null(ev->band));
    json_object_set_new(e, "device", ev->device >= 0 ? json_integer(ev->device) : json_null());
    json_object_set_new(e, "rank", ev->rank >= 0 ? json_integer(ev->rank) : json_null());
    json_t *fields = json_object();
    for (int f = 0; f < DOCTOR_N_FIELDS; f++) {
        if (ev->field[f] >= 0) {
            double v = ev->field[f] + 0.5;
            json_object_set_new(fields, doctor_field_name((doctor_field)f),
                                v < 9.0e18 ? json_integer((json_int_t)v) : json_real(v));
        }
    }
    json_object_set_new(e, "fields", fields);
    json_object_set_new(e, "unit", json_string(event_unit(ev)));
    json_object_set_new(e, "phase", str_or_null(ev->phase));
    json_object_set_new(e, "step", ev->step >= 0 ? json_integer(ev->step) : json_null());
    json_object_set_new(e, "verdict",
                        json_pack("{s:s,s:s,s:s}", "id", ev->verdict, "title", ev->verdict_title,
                                  "summary", ev->summary));
    json_t *ents = json_array();
    for (size_t k = 0; k < ev->n_entries; k++) {
        /* null where an entry has no page (kb_entry_url), never a command in a URL field */
        char *url = o && o->base_url ? link_of(o, ev->entries[k].id)
                                     : kb_entry_url(NULL, ev->entries[k].id);
        json_t *ent = json_pack("{s:s,s:s,s:s}", "id", ev->entries[k].id, "title",
                                title_of(o, ev->entries[k].id), "reason", ev->entries[k].reason);
        json_object_set_new(ent, "url", url ? json_string(url) : json_null());
        json_array_append_new(ents, ent);
        free(url);
    }
    json_object_set_new(e, "entries", ents);
    json_t *lints = json_array();
    for (size_t k = 0; k < ev->n_lints; k++) {
        const doctor_lint *l = &ev->lints[k];
        char *cmd = xasprintf("oomkb lint --select %s %s", l->code, ev->script ? ev->script : ".");
        json_array_append_new(lints, json_pack("{s:s,s:s,s:s,s:s}", "code", l->code, "name",
                                               l->name, "reason", l->reason, "command", cmd));
        free(cmd);
    }
    json_object_set_new(e, "lint", lints);
    json_t *evid = json_array();
    for (size_t k = 0; k < ev->n_evidence; k++) {
        json_array_append_new(evid,
                              json_pack("{s:I,s:s}", "line", (json_int_t)ev->evidence[k].lineno,
                                        "text", ev->evidence[k].text));
    }
    json_object_set_new(e, "evidence", evid);
    json_object_set_new(e, "occurrences", json_integer((json_int_t)ev->occurrences));
    return e;
}

char *doctor_render_json_lines(const doctor_report *r, const doctor_render_opts *o)
{
    buf b = BUF_INIT;
    for (size_t i = 0; i < r->n; i++) {
        json_t *e = event_json(&r->events[i], o);
        char *s = json_dumps(e, JSON_COMPACT | JSON_PRESERVE_ORDER);
        buf_puts(&b, s);
        buf_putc(&b, '\n');
        free(s);
        json_decref(e);
    }
    return buf_detach(&b);
}

char *doctor_render_json(const doctor_report *r, const doctor_render_opts *o)
{
    json_t *doc = json_object();
    json_t *evs = json_array();
    for (size_t i = 0; i < r->n; i++) {
        json_array_append_new(evs, event_json(&r->events[i], o));
    }
    json_object_set_new(doc, "events", evs);
    json_object_set_new(doc, "dropped", json_integer((json_int_t)r->n_dropped));
    json_object_set_new(doc, "lines", json_integer(r->n_lines));
    char *s = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(doc);
    char *out = xasprintf("%s\n", s);
    free(s);
    return out;
}

static void esc(buf *b, const char *s)
{
    buf_html_escape(b, s, strlen(s));
}

static void html_event(buf *b, const doctor_event *ev, const doctor_render_opts *o)
{
    buf_printf(b, "<section class=\"diagnosis\" data-verdict=\"%s\">\n<h2>", ev->verdict);
    buf h = BUF_INIT;
    headline(&h, ev);
    esc(b, h.data);
    buf_free(&h);
    buf_puts(b, "</h2>\n");
    if (ev->phase || ev->step >= 0) {
        buf_puts(b, "<p class=\"when\">");
        esc(b, ev->phase ? ev->phase : "");
        if (ev->step >= 0) {
            buf_printf(b, "%sstep %ld", ev->phase ? ", " : "", ev->step);
        }
        buf_puts(b, "</p>\n");
    }
    const char *unit = event_unit(ev);
    int any = 0;
    for (int f = 0; f < DOCTOR_N_FIELDS; f++) {
        if (ev->field[f] < 0) {
            continue;
        }
        char v[40];
        doctor_format_bytes(ev->field[f], unit, v, sizeof v);
        buf_printf(b, "%s<tr><th>%s</th><td>%s</td></tr>\n",
                   any ? "" : "<table class=\"numbers\">\n", doctor_field_label((doctor_field)f),
                   v);
        any = 1;
    }
    if (any) {
        buf_puts(b, "</table>\n");
    }
    buf_puts(b, "<p class=\"verdict\"><strong>Verdict: ");
    esc(b, ev->verdict_title);
    buf_puts(b, "</strong>. ");
    esc(b, ev->summary);
    buf_puts(b, "</p>\n<ol class=\"apply\">\n");
    for (size_t k = 0; k < ev->n_entries; k++) {
        const doctor_ref *r = &ev->entries[k];
        char *url = link_of(o, r->id);
        buf_puts(b, "<li><a href=\"");
        esc(b, url);
        buf_printf(b, "\">%s", r->id);
        free(url);
        const char *t = title_of(o, r->id);
        if (*t) {
            buf_puts(b, " — ");
            esc(b, t);
        }
        buf_puts(b, "</a>: ");
        esc(b, r->reason);
        buf_puts(b, "</li>\n");
    }
    buf_puts(b, "</ol>\n");
    for (size_t k = 0; k < ev->n_lints; k++) {
        const doctor_lint *l = &ev->lints[k];
        buf_printf(b, "<p class=\"lint\">%s %s catches a cause: ", l->code, l->name);
        esc(b, l->reason);
        buf_printf(b, " <code>oomkb lint --select %s ", l->code);
        esc(b, ev->script ? ev->script : ".");
        buf_puts(b, "</code></p>\n");
    }
    buf_puts(b, "<details><summary>Evidence</summary><pre>");
    for (size_t k = 0; k < ev->n_evidence; k++) {
        buf_printf(b, "%6ld: ", ev->evidence[k].lineno);
        esc(b, ev->evidence[k].text);
        buf_putc(b, '\n');
    }
    buf_puts(b, "</pre></details>\n</section>\n");
}

char *doctor_render_html(const doctor_report *r, const doctor_render_opts *o)
{
    buf b = BUF_INIT;
    for (size_t i = 0; i < r->n; i++) {
        html_event(&b, &r->events[i], o);
    }
    return buf_detach(&b);
}
