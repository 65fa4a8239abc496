/* Output formats for findings: one line per finding (default), with source context (full),
 * ruff-like JSON, SARIF 2.1.0 and GitHub Actions annotations. Pure functions of their input, so
 * the golden files in tests/golden/lint/ pin them byte for byte. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb/kb.h"
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

/* The rule's entry link (kb_entry_link: the public page, or base/ID with a kb_url). */
static void entry_url(buf *b, const lint_render_opts *o, const lint_rule *r)
{
    char *url = kb_entry_link(o ? o->kb_url : NULL, r->entry);
    buf_puts(b, url);
    free(url);
}

/* The rule's entry URL for machine formats; NULL when the entry has no page. */
static char *url_of(const lint_render_opts *o, const lint_rule *r)
{
    return kb_entry_url(o ? o->kb_url : NULL, r->entry);
}

static const char *sev_name(lint_severity s)
{
    return s == LINT_SEV_INFO ? "info" : "warning";
}

/* SARIF's level for a severity: info is a note. */
static const char *sarif_level(lint_severity s)
{
    return s == LINT_SEV_INFO ? "note" : "warning";
}

/* ---- default and full ---- */

#define C_BOLD "\x1b[1m"
#define C_CODE "\x1b[1;31m"
#define C_SEP "\x1b[36m"
#define C_RESET "\x1b[0m"

/* " [*]" when the finding's fix is applied by --fix under the options (as ruff marks only
 * the fixes it would apply). */
static const char *fix_mark(const lint_finding *x, const lint_render_opts *o)
{
    return x->fix && (x->fix->applicability == LINT_FIX_SAFE || (o && o->unsafe_fixes)) ? " [*]"
                                                                                        : "";
}

/* "path:row:col: CODE [*]" as ruff colours it on a terminal: path bold, separators cyan, the
 * code bold red, the fix mark cyan. */
static void render_head(buf *out, const lint_file_report *f, const lint_finding *x,
                        const lint_render_opts *o)
{
    const lint_rule *r = &lint_rules()[x->rule];
    int marked = *fix_mark(x, o) != '\0';
    if (!(o && o->color)) {
        buf_printf(out, "%s:%u:%u: %s%s", f->path, x->start.row + 1, x->start.column, r->code,
                   fix_mark(x, o));
        return;
    }
    buf_printf(out,
               C_BOLD "%s" C_RESET C_SEP ":" C_RESET "%u" C_SEP ":" C_RESET "%u" C_SEP ":" C_RESET
                      " " C_CODE "%s" C_RESET "%s",
               f->path, x->start.row + 1, x->start.column, r->code,
               marked ? " " C_SEP "[*]" C_RESET : "");
}

static void render_line(buf *out, const lint_file_report *f, const lint_finding *x,
                        const lint_render_opts *o)
{
    const lint_rule *r = &lint_rules()[x->rule];
    render_head(out, f, x, o);
    buf_printf(out, " %s [%s]\n", x->message, r->entry);
}

static void render_full(buf *out, const lint_file_report *f, const lint_finding *x,
                        const lint_render_opts *o)
{
    const lint_rule *r = &lint_rules()[x->rule];
    render_head(out, f, x, o);
    buf_printf(out, " %s\n", x->message);
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
                  (json_int_t)x->start.row + 1, "entry", r->entry, "url", url ? url : "");
    if (!url) {
        json_object_set_new(j, "url", json_null());
    }
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

/* reportingDescriptor of rule i, from the registry: its summary and explanation, the entry's
 * text as help (when the caller read the KB), its default severity and its entry link. */
static json_t *sarif_rule(const lint_render_opts *o, int i)
{
    const lint_rule *r = &lint_rules()[i];
    const lint_entry_doc *d = o ? &o->docs[i] : NULL;
    json_t *help;
    if (d && d->text) {
        help = json_pack("{s:s}", "text", d->text);
    } else {
        buf h = BUF_INIT;
        buf_printf(&h, "%s.\n\n%s", r->summary, r->explain);
        help = json_pack("{s:s}", "text", h.data);
        buf_free(&h);
    }
    if (d && d->markdown) {
        json_object_set_new(help, "markdown", json_string(d->markdown));
    }
    json_t *rule =
        json_pack("{s:s,s:s,s:{s:s},s:{s:s}}", "id", r->code, "name", r->name, "shortDescription",
                  "text", r->summary, "fullDescription", "text", r->explain);
    char *url = url_of(o, r);
    if (url) {
        json_object_set_new(rule, "helpUri", json_string(url));
    }
    free(url);
    json_object_set_new(rule, "help", help);
    json_object_set_new(rule, "defaultConfiguration",
                        json_pack("{s:s}", "level", sarif_level(r->severity)));
    json_object_set_new(rule, "properties",
                        json_pack("{s:s,s:s,s:[s]}", "entry", r->entry, "severity",
                                  sev_name(r->severity), "tags", "memory"));
    if (r->opt_in) {
        /* off unless selected: SARIF's way to say a rule is not run by default */
        json_object_set_new(json_object_get(rule, "defaultConfiguration"), "enabled", json_false());
    }
    return rule;
}

static json_t *sarif(const lint_file_report *files, size_t n, const lint_render_opts *o)
{
    json_t *rules = json_array();
    for (int i = 0; i < lint_rule_count(); i++) {
        json_array_append_new(rules, sarif_rule(o, i));
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
                "ruleIndex", (json_int_t)x->rule, "level", sarif_level(x->severity), "message",
                "text", x->message, "locations", "physicalLocation", "artifactLocation", "uri",
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
                render_line(out, &files[i], x, o);
            }
        }
    }
}
