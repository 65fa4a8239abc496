/* Output formats for findings: one line per finding (default), with source context (full),
 * ruff-like JSON, SARIF 2.1.0 and GitHub Actions annotations. Pure functions of their input, so
 * the golden files in tests/golden/lint/ pin them byte for byte. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linter/lint.h"

int lint_format_parse(const char *name)
{
    if (!name) {
        return -1;
    }
    if (strcmp(name, "default") == 0 || strcmp(name, "concise") == 0) {
        return LINT_FORMAT_DEFAULT;
    }
    if (strcmp(name, "full") == 0) {
        return LINT_FORMAT_FULL;
    }
    if (strcmp(name, "json") == 0) {
        return LINT_FORMAT_JSON;
    }
    if (strcmp(name, "sarif") == 0) {
        return LINT_FORMAT_SARIF;
    }
    if (strcmp(name, "github") == 0) {
        return LINT_FORMAT_GITHUB;
    }
    return -1;
}

static void entry_url(buf *b, const lint_render_opts *o, const lint_rule *r)
{
    const char *base = o && o->kb_url ? o->kb_url : "http://127.0.0.1:8080";
    size_t n = strlen(base);
    while (n > 0 && base[n - 1] == '/') {
        n--;
    }
    buf_append(b, base, n);
    buf_putc(b, '/');
    buf_puts(b, r->entry);
}

static char *url_of(const lint_render_opts *o, const lint_rule *r)
{
    buf b = BUF_INIT;
    entry_url(&b, o, r);
    return buf_detach(&b);
}

static const char *sev_name(lint_severity s)
{
    return s == LINT_SEV_INFO ? "info" : "warning";
}

/* ---- default and full ---- */

static void render_line(buf *out, const lint_file_report *f, const lint_finding *x)
{
    const lint_rule *r = &lint_rules()[x->rule];
    buf_printf(out, "%s:%u:%u: %s%s %s [%s]\n", f->path, x->start.row + 1, x->start.column, r->code,
               x->fix ? " [*]" : "", x->message, r->entry);
}

static void render_full(buf *out, const lint_file_report *f, const lint_finding *x,
                        const lint_render_opts *o)
{
    const lint_rule *r = &lint_rules()[x->rule];
    buf_printf(out, "%s:%u:%u: %s%s %s\n", f->path, x->start.row + 1, x->start.column, r->code,
               x->fix ? " [*]" : "", x->message);
    /* the source line */
    const char *s = f->src ? f->src + (x->start_byte - x->start.col) : NULL;
    char num[16];
    int w = snprintf(num, sizeof num, "%u", x->start.row + 1);
    if (s && x->start_byte <= f->len) {
        const char *e = s;
        while (e < f->src + f->len && *e != '\n' && *e != '\r') {
            e++;
        }
        buf_printf(out, "%*s |\n%s | ", w, "", num);
        buf_append(out, s, (size_t)(e - s));
        buf_printf(out, "\n%*s | ", w, "");
        const char *caret_start = f->src + x->start_byte;
        for (const char *p = s; p < caret_start; p++) {
            if (((unsigned char)*p & 0xC0) != 0x80) {
                buf_putc(out, *p == '\t' ? '\t' : ' ');
            }
        }
        const char *caret_end = x->end.row == x->start.row ? f->src + x->end_byte : e;
        int n = 0;
        for (const char *p = caret_start; p < caret_end && p < e; p++) {
            if (((unsigned char)*p & 0xC0) != 0x80) {
                buf_putc(out, '^');
                n++;
            }
        }
        if (n == 0) {
            buf_putc(out, '^');
        }
        buf_putc(out, '\n');
    }
    const lint_entry_doc *d = o ? &o->docs[x->rule] : NULL;
    buf_printf(out, "%*s = %s %s: ", w, "", r->entry, d && d->title ? d->title : r->summary);
    entry_url(out, o, r);
    buf_putc(out, '\n');
    if (x->fix) {
        buf_printf(out, "%*s = fix (%s): %s\n", w, "",
                   x->fix->applicability == LINT_FIX_SAFE ? "safe" : "unsafe", x->fix->title);
    }
    buf_putc(out, '\n');
}

/* ---- JSON ---- */

static json_t *loc(const lint_point *p)
{
    return json_pack("{s:i,s:i}", "row", (json_int_t)p->row + 1, "column", (json_int_t)p->column);
}

static json_t *json_finding(const lint_file_report *f, const lint_finding *x,
                            const lint_render_opts *o)
{
    const lint_rule *r = &lint_rules()[x->rule];
    json_t *fix = json_null();
    if (x->fix) {
        fix = json_pack("{s:s,s:s,s:[{s:s,s:o,s:o}]}", "applicability",
                        x->fix->applicability == LINT_FIX_SAFE ? "safe" : "unsafe", "message",
                        x->fix->title, "edits", "content", x->fix->content, "location",
                        loc(&x->fix->start), "end_location", loc(&x->fix->end));
    }
    char *url = url_of(o, r);
    json_t *j =
        json_pack("{s:s,s:s,s:s,s:s,s:s,s:o,s:o,s:o,s:i,s:s,s:s}", "code", r->code, "name", r->name,
                  "message", x->message, "severity", sev_name(x->severity), "filename", f->path,
                  "location", loc(&x->start), "end_location", loc(&x->end), "fix", fix, "noqa_row",
                  (json_int_t)x->start.row + 1, "entry", r->entry, "url", url);
    free(url);
    return j;
}

static void dump(buf *out, json_t *j)
{
    char *s = json_dumps(j, JSON_INDENT(2));
    if (s) {
        buf_puts(out, s);
        buf_putc(out, '\n');
        free(s);
    }
    json_decref(j);
}

/* ---- SARIF ---- */

/* The SARIF reportingDescriptor of rule i. */
static json_t *sarif_rule(int i, const lint_render_opts *o)
{
    const lint_rule *r = &lint_rules()[i];
    const lint_entry_doc *d = o ? &o->docs[i] : NULL;
    char *url = url_of(o, r);
    buf help = BUF_INIT;
    buf_printf(&help, "%s\n\n%s", r->summary, r->explain);
    json_t *h = json_pack("{s:s}", "text", help.data);
    if (d && d->markdown) {
        json_object_set_new(h, "markdown", json_string(d->markdown));
    }
    json_t *rule = json_pack("{s:s,s:s,s:{s:s},s:{s:s},s:s,s:o,s:{s:s},s:{s:s,s:[s]}}", "id",
                             r->code, "name", r->name, "shortDescription", "text", r->summary,
                             "fullDescription", "text", d && d->title ? d->title : r->summary,
                             "helpUri", url, "help", h, "defaultConfiguration", "level", "warning",
                             "properties", "entry", r->entry, "tags", "memory");
    if (r->opt_in) {
        /* off unless selected: SARIF's way to say a rule is not run by default */
        json_object_set_new(json_object_get(rule, "defaultConfiguration"), "enabled", json_false());
    }
    free(url);
    buf_free(&help);
    return rule;
}

static json_t *sarif(const lint_file_report *files, size_t n, const lint_render_opts *o)
{
    json_t *rules = json_array();
    for (int i = 0; i < lint_rule_count(); i++) {
        json_array_append_new(rules, sarif_rule(i, o));
    }
    json_t *results = json_array();
    for (size_t fi = 0; fi < n; fi++) {
        const lint_result *res = files[fi].result;
        for (size_t i = 0; res && i < res->n; i++) {
            const lint_finding *x = &res->items[i];
            const lint_rule *r = &lint_rules()[x->rule];
            buf uri = BUF_INIT;
            for (const char *p = files[fi].path; *p; p++) {
                if (*p == ' ' || *p == '%' || *p == '#' || *p == '?') {
                    buf_printf(&uri, "%%%02X", (unsigned char)*p);
                } else {
                    buf_putc(&uri, *p);
                }
            }
            json_t *res_j = json_pack(
                "{s:s,s:i,s:s,s:{s:s},s:[{s:{s:{s:s},s:{s:i,s:i,s:i,s:i}}}]}", "ruleId", r->code,
                "ruleIndex", (json_int_t)x->rule, "level",
                x->severity == LINT_SEV_INFO ? "note" : "warning", "message", "text", x->message,
                "locations", "physicalLocation", "artifactLocation", "uri",
                uri.data ? uri.data : "", "region", "startLine", (json_int_t)x->start.row + 1,
                "startColumn", (json_int_t)x->start.column, "endLine", (json_int_t)x->end.row + 1,
                "endColumn", (json_int_t)x->end.column);
            buf_free(&uri);
            json_array_append_new(results, res_j);
        }
    }
    return json_pack("{s:s,s:s,s:[{s:{s:{s:s,s:s,s:s,s:o}},s:o,s:s}]}", "$schema",
                     "https://json.schemastore.org/sarif-2.1.0.json", "version", "2.1.0", "runs",
                     "tool", "driver", "name", "oomkb", "version",
                     o && o->tool_version ? o->tool_version : "0", "informationUri",
                     "https://github.com/oomkb/oomkb", "rules", rules, "results", results,
                     "columnKind", "unicodeCodePoints");
}

/* ---- GitHub ---- */

static void gh_escape(buf *b, const char *s, int property)
{
    for (; *s; s++) {
        switch (*s) {
        case '%':
            buf_puts(b, "%25");
            break;
        case '\r':
            buf_puts(b, "%0D");
            break;
        case '\n':
            buf_puts(b, "%0A");
            break;
        case ':':
            buf_puts(b, property ? "%3A" : ":");
            break;
        case ',':
            buf_puts(b, property ? "%2C" : ",");
            break;
        default:
            buf_putc(b, *s);
        }
    }
}

static void render_github(buf *out, const lint_file_report *f, const lint_finding *x,
                          const lint_render_opts *o)
{
    const lint_rule *r = &lint_rules()[x->rule];
    buf_printf(out, "::%s title=", x->severity == LINT_SEV_INFO ? "notice" : "warning");
    buf t = BUF_INIT;
    buf_printf(&t, "%s %s", r->code, r->name);
    gh_escape(out, t.data, 1);
    buf_free(&t);
    buf_puts(out, ",file=");
    gh_escape(out, f->path, 1);
    buf_printf(out, ",line=%u,col=%u,endLine=%u,endColumn=%u::", x->start.row + 1, x->start.column,
               x->end.row + 1, x->end.column);
    buf m = BUF_INIT;
    buf_printf(&m, "%s %s [%s] ", r->code, x->message, r->entry);
    entry_url(&m, o, r);
    gh_escape(out, m.data, 0);
    buf_free(&m);
    buf_putc(out, '\n');
}

void lint_render(buf *out, lint_format fmt, const lint_file_report *files, size_t n,
                 const lint_render_opts *o)
{
    if (fmt == LINT_FORMAT_JSON) {
        json_t *arr = json_array();
        for (size_t i = 0; i < n; i++) {
            for (size_t k = 0; files[i].result && k < files[i].result->n; k++) {
                json_array_append_new(arr, json_finding(&files[i], &files[i].result->items[k], o));
            }
        }
        dump(out, arr);
        return;
    }
    if (fmt == LINT_FORMAT_SARIF) {
        dump(out, sarif(files, n, o));
        return;
    }
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; files[i].result && k < files[i].result->n; k++) {
            const lint_finding *x = &files[i].result->items[k];
            if (fmt == LINT_FORMAT_FULL) {
                render_full(out, &files[i], x, o);
            } else if (fmt == LINT_FORMAT_GITHUB) {
                render_github(out, &files[i], x, o);
            } else {
                render_line(out, &files[i], x);
            }
        }
    }
}
