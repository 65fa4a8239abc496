/* `oomkb lint`: the linter's command line. Options in, a lint_batch run over the paths (it
 * finds, reads and lints the files on N threads), and the findings printed in input order with
 * errors and notes on stderr. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/util.h"
#include "kb/kb.h"
#include "linter/config.h"
#include "linter/lint.h"

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: oomkb lint [options] [PATH...]\n"
        "\n"
        "Finds training-code patterns that run GPUs out of memory (rules: --list-rules).\n"
        "PATHs are files or directories (recursed for *.py); '-' reads stdin. Default: '.'\n"
        "\n"
        "options:\n"
        "  --format FMT          default, full, json, sarif or github (--output-format)\n"
        "  --select CODES        only these rules (codes or prefixes, comma-separated; ALL,\n"
        "                        a prefix or a code turns on the opt-in rules)\n"
        "  --ignore CODES        skip these rules\n"
        "  --extend-select CODES add these rules to the configured ones\n"
        "  --exclude GLOB        skip files and folders matching GLOB (repeatable; replaces\n"
        "                        the config's exclude and the defaults)\n"
        "  --extend-exclude GLOB skip these too (repeatable)\n"
        "  --force-exclude       apply excludes to paths named on the command line too\n"
        "  --config PATH         use this config file for every file (no discovery)\n"
        "  --isolated            ignore every config file\n"
        "  --stdin-filename NAME name (and project) of the source read from '-'\n"
        "  -j, --jobs N          lint N files in parallel (default: number of cores)\n"
        "  --kb-url URL          entry links to a self-hosted 'oomkb serve' at URL (default:\n"
        "                        %s)\n"
        "  --ignore-noqa         report findings that noqa comments suppress\n"
        "  --exit-zero           exit 0 even when there are findings\n"
        "  --statistics          count findings per rule instead of listing them\n"
        "  -q, --quiet           print the findings only (no summary line)\n"
        "  --color WHEN          auto (default: on a terminal, unless NO_COLOR), always, never\n"
        "  -o, --output-file F   write the findings and summary to F instead of stdout\n"
        "  --fix                 apply the fixes marked [*] to the files (stdin: print the\n"
        "                        fixed source), then report what remains\n"
        "  --unsafe-fixes        apply and mark [*] fixes that change behaviour too\n"
        "  --diff                print the fixes as a unified diff, change no file (exit 1\n"
        "                        when there is a diff)\n"
        "  --add-noqa            add '# noqa: CODE' to each line with a finding\n"
        "  --explain CODE        explain a rule and print its knowledge-base entry\n"
        "  --list-rules          list the rules\n"
        "\n"
        "Configuration: the closest oomkb.toml, .oomkb.toml or pyproject.toml [tool.oomkb]\n"
        "above each file (see README: Configuration); options override it.\n"
        "Options may come before or after the paths; '--' ends them. A finding marked [*] has a\n"
        "safe mechanical fix. The default and full formats end with a summary (\"Found 3\n"
        "findings (2 fixable with --fix).\" or \"All checks passed!\"); json, sarif and github\n"
        "print none. Suppress a finding with '# noqa: OOM101' (or a bare '# noqa') on its line,\n"
        "or a whole file with a '# oomkb: noqa' line. Exit status: 0 clean, 1 findings, 2 errors.\n"
        "\n"
        "Limits: a file (or stdin) over %zu MiB is reported and not read, one of more than\n"
        "%u tokens (about 5 MB of ordinary Python) is reported and not parsed. Files\n"
        "must be UTF-8 (a BOM is fine; UTF-16/32, NUL bytes and invalid UTF-8 are reported).\n"
        "Folders are recursed %d levels deep, each file and folder taken once (symbolic link\n"
        "loops end there); FIFOs and devices are read only when named, up to the byte limit.\n"
        "At most %zu bytes of source are parsed at a time (a larger file alone), whatever\n"
        "-j, so memory stays under about 500 MB. A file that cannot be linted is reported on\n"
        "stderr (exit 2); the other files are still linted.\n",
        CLI_KB_URL_HELP, LINT_MAX_SOURCE_BYTES >> 20, LINT_MAX_TOKENS, LINT_MAX_WALK_DEPTH,
        LINT_PARSE_BUDGET);
}

/* ---- Rules, explain ---- */

static void list_rules(void)
{
    printf("%-7s %-36s %-8s %-5s %s\n", "CODE", "NAME", "SEVERITY", "ENTRY", "SUMMARY");
    for (int i = 0; i < lint_rule_count(); i++) {
        const lint_rule *r = &lint_rules()[i];
        printf("%-7s %-36s %-8s %-5s %s%s%s%s%s\n", r->code, r->name,
               r->severity == LINT_SEV_INFO ? "info" : "warning", r->entry, r->summary,
               r->severity_note ? " (severity: " : "", r->severity_note ? r->severity_note : "",
               r->severity_note ? ")" : "", r->opt_in ? " [opt-in: off unless selected]" : "");
    }
}

static int explain(const char *code, const char *kb_url)
{
    const lint_rule *r = lint_rule_find(code);
    if (!r) {
        fprintf(stderr, "oomkb lint: unknown rule '%s' (see oomkb lint --list-rules)\n", code);
        return EXIT_USAGE;
    }
    printf("%s (%s)\n\n%s.\n\n%s\n", r->code, r->name, r->summary, r->explain);
    kb *k = NULL;
    kb_diag d;
    memset(&d, 0, sizeof d);
    kb_entry *e = NULL;
    if (kb_open_embedded(&k, &d) == KB_OK && kb_entry_get(k, r->entry, &e, &d) == KB_OK) {
        char *link = kb_entry_link(kb_url, e->id);
        printf("Knowledge-base entry %s: %s\n%s\n\n", e->id, e->title, link);
        free(link);
        char *text = kb_render_text(e->markdown, cli_color_mode(NULL, 1) == 1, 0);
        fputs(text, stdout);
        if (*text && text[strlen(text) - 1] != '\n') {
            putchar('\n');
        }
        free(text);
        kb_entry_free(e);
        kb_close(k);
        return 0;
    }
    kb_close(k);
    fprintf(stderr, "oomkb lint: the built-in knowledge base has no entry %s: %s\n", r->entry,
            d.message);
    return EXIT_INTERNAL;
}

/* ---- Reporting ---- */

/* How the findings are shown: the options of the output group. */
typedef struct lint_output {
    lint_format fmt;
    const char *kb_url;
    const char *color_mode; /* NULL = auto */
    const char *path;       /* --output-file, or NULL for stdout */
    int exit_zero;
    int statistics;
    int quiet;
    int unsafe_fixes; /* unsafe fixes are applied too: marked [*] and counted as fixable */
    int fixing;       /* --fix ran: its own summary replaces the closing line */
    int to_stderr;    /* --fix on stdin: stdout carries the fixed source */
} lint_output;

/* The path as ruff prints it: relative to the working directory, without "./". Borrowed from
 * path (a suffix of it). */
static const char *display_path(const char *path, const char *cwd)
{
    size_t n = cwd ? strlen(cwd) : 0;
    if (path[0] == '/' && n > 1 && strncmp(path, cwd, n) == 0 && path[n] == '/' && path[n + 1]) {
        path += n + 1;
    }
    while (path[0] == '.' && path[1] == '/' && path[2]) {
        path += 2;
        while (*path == '/') {
            path++;
        }
    }
    return path;
}

/* The rule's entries for --format full (titles) and sarif (help); freed by the caller. */
static kb *load_docs(lint_format fmt, lint_render_opts *ro, kb_entry **entries)
{
    kb *k = NULL;
    kb_diag kd;
    memset(&kd, 0, sizeof kd);
    if ((fmt != LINT_FORMAT_FULL && fmt != LINT_FORMAT_SARIF) ||
        kb_open_embedded(&k, &kd) != KB_OK) {
        return k;
    }
    for (int i = 0; i < lint_rule_count(); i++) {
        if (kb_entry_get(k, lint_rules()[i].entry, &entries[i], &kd) == KB_OK) {
            ro->docs[i].title = entries[i]->title;
            ro->docs[i].markdown = entries[i]->markdown;
            ro->docs[i].text = entries[i]->text;
        }
    }
    return k;
}

/* Renders the findings (or their statistics) and the summary line into out. */
static void render_output(buf *out, const lint_file_report *reports, size_t nr, int errors,
                          const lint_output *o, int color)
{
    lint_tally t;
    lint_tally_reports(reports, nr, &t);
    if (o->unsafe_fixes) { /* what --unsafe-fixes applies is no hidden fix */
        t.fixable += t.unsafe;
        t.unsafe = 0;
    }
    int text = o->fmt == LINT_FORMAT_DEFAULT || o->fmt == LINT_FORMAT_FULL;
    if (o->statistics) {
        lint_render_statistics(
            out, o->fmt == LINT_FORMAT_JSON ? LINT_FORMAT_JSON : LINT_FORMAT_DEFAULT, &t);
        return;
    }
    lint_render_opts ro;
    memset(&ro, 0, sizeof ro);
    ro.kb_url = o->kb_url;
    ro.tool_version = OOMKB_VERSION;
    ro.color = color && text;
    ro.unsafe_fixes = o->unsafe_fixes;
    kb_entry *entries[LINT_MAX_RULES] = {NULL};
    kb *k = load_docs(o->fmt, &ro, entries);
    lint_render(out, o->fmt, reports, nr, &ro);
    for (int i = 0; i < lint_rule_count(); i++) {
        kb_entry_free(entries[i]);
    }
    kb_close(k);
    /* The summary is for people: machine formats stay parseable, and a run with unreadable
     * files is not "All checks passed!". */
    if (text && !o->quiet && !o->fixing && (t.findings || !errors)) {
        lint_render_summary(out, &t);
    }
}

/* After --fix, ruff's "Found N findings (F fixed, R remaining)." in place of the closing line;
 * not after JSON, SARIF or annotations, which a program reads whole. */
static void fix_summary(const lint_batch *b, const lint_output *o, FILE *f)
{
    if (o->fixing && !o->quiet && (o->fmt == LINT_FORMAT_DEFAULT || o->fmt == LINT_FORMAT_FULL)) {
        fflush(f);
        cli_lint_fix_summary(b, o->unsafe_fixes, f);
    }
}

/* Prints a run's outcome: errors and syntax-error notes on stderr, findings on stdout (or the
 * output file) in input order. Returns the exit status. */
static int report(const lint_batch *b, const lint_output *o)
{
    int errors = 0;
    size_t findings = 0;
    size_t n;
    const lint_batch_item *items = lint_batch_items(b, &n);
    lint_file_report *reports = xcalloc(n ? n : 1, sizeof *reports);
    size_t nr = 0;
    char *cwd = getcwd(NULL, 0);
    for (size_t i = 0; i < n; i++) {
        const lint_batch_item *it = &items[i];
        const char *path = display_path(it->path, cwd);
        if (it->error) {
            fprintf(stderr, "oomkb lint: %s: %s\n", path, it->error);
            errors++;
            continue;
        }
        if (!it->result) {
            continue;
        }
        if (it->result->n_syntax_errors) {
            fprintf(stderr, "%s:%u:%u: note: syntax error; only the parts that parse were linted\n",
                    path, it->result->first_error.row + 1, it->result->first_error.column);
        }
        findings += it->result->n;
        reports[nr++] = (lint_file_report){path, it->src, it->len, it->result};
    }
    FILE *f = o->path ? fopen(o->path, "w") : o->to_stderr ? stderr : stdout;
    int rc = errors ? EXIT_USAGE : (findings && !o->exit_zero ? EXIT_NONE : 0);
    if (!f) {
        fprintf(stderr, "oomkb lint: --output-file %s: %s\n", o->path, strerror(errno));
        rc = EXIT_USAGE;
        goto out;
    }
    buf text = BUF_INIT;
    render_output(&text, reports, nr, errors, o, cli_color_mode(o->color_mode, fileno(f)) == 1);
    if (text.len) {
        fwrite(text.data, 1, text.len, f);
    }
    buf_free(&text);
    fix_summary(b, o, f);
    int closed = f == stdout || f == stderr ? fflush(f) : fclose(f);
    if (closed != 0) {
        fprintf(stderr, "oomkb lint: %s: %s\n", o->path ? o->path : "stdout", strerror(errno));
        rc = EXIT_USAGE;
    }
out:
    free(cwd);
    free(reports);
    return rc;
}

/* ---- The command ---- */

enum {
    OPT_FORMAT = 256,
    OPT_SELECT,
    OPT_IGNORE,
    OPT_EXCLUDE,
    OPT_STDIN_NAME,
    OPT_KB_URL,
    OPT_IGNORE_NOQA,
    OPT_EXIT_ZERO,
    OPT_EXPLAIN,
    OPT_LIST_RULES,
    OPT_STATISTICS,
    OPT_COLOR,
    OPT_EXTEND_SELECT,
    OPT_EXTEND_EXCLUDE,
    OPT_FORCE_EXCLUDE,
    OPT_CONFIG,
    OPT_ISOLATED,
    OPT_FIX,
    OPT_UNSAFE_FIXES,
    OPT_DIFF,
    OPT_ADD_NOQA,
};

/* Every option of `oomkb lint`, in the order of --help. */
static const struct option lint_longopts[] = {
    {"format", required_argument, NULL, OPT_FORMAT},
    {"output-format", required_argument, NULL, OPT_FORMAT},
    {"select", required_argument, NULL, OPT_SELECT},
    {"ignore", required_argument, NULL, OPT_IGNORE},
    {"extend-select", required_argument, NULL, OPT_EXTEND_SELECT},
    {"exclude", required_argument, NULL, OPT_EXCLUDE},
    {"extend-exclude", required_argument, NULL, OPT_EXTEND_EXCLUDE},
    {"force-exclude", no_argument, NULL, OPT_FORCE_EXCLUDE},
    {"config", required_argument, NULL, OPT_CONFIG},
    {"isolated", no_argument, NULL, OPT_ISOLATED},
    {"stdin-filename", required_argument, NULL, OPT_STDIN_NAME},
    {"jobs", required_argument, NULL, 'j'},
    {"kb-url", required_argument, NULL, OPT_KB_URL},
    {"ignore-noqa", no_argument, NULL, OPT_IGNORE_NOQA},
    {"exit-zero", no_argument, NULL, OPT_EXIT_ZERO},
    {"statistics", no_argument, NULL, OPT_STATISTICS},
    {"quiet", no_argument, NULL, 'q'},
    {"color", required_argument, NULL, OPT_COLOR},
    {"colour", required_argument, NULL, OPT_COLOR},
    {"output-file", required_argument, NULL, 'o'},
    {"fix", no_argument, NULL, OPT_FIX},
    {"unsafe-fixes", no_argument, NULL, OPT_UNSAFE_FIXES},
    {"diff", no_argument, NULL, OPT_DIFF},
    {"add-noqa", no_argument, NULL, OPT_ADD_NOQA},
    {"explain", required_argument, NULL, OPT_EXPLAIN},
    {"list-rules", no_argument, NULL, OPT_LIST_RULES},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};
#define LINT_SHORTOPTS "hj:qo:"

/* What the options asked for, besides the batch options. */
typedef struct lint_cmd {
    lint_batch_options bo;
    lint_config_overrides ov; /* the command line's part of the configuration */
    const char **excludes, **extend_excludes;
    lint_output out;
    int jobs;
    const char *kb_flag;
    const char *explain_code;
    int want_list;
    int want_help;
    int fix, diff, add_noqa;
} lint_cmd;

/* Appends a glob to a growing list of borrowed strings. */
static void push_glob(const char ***list, size_t *n, const char *glob)
{
    *list = xrealloc(*list, (*n + 1) * sizeof **list);
    (*list)[(*n)++] = glob;
}

/* Applies one option; returns 0 or an exit status. */
static int lint_option(lint_cmd *c, int opt, const char *arg)
{
    lint_diag d = {{0}};
    switch (opt) {
    case OPT_FORMAT: {
        int fmt = lint_format_parse(arg);
        if (fmt < 0) {
            return cli_usage_error("lint",
                                   "unknown format '%s' (default, full, json, sarif, github)", arg);
        }
        c->out.fmt = (lint_format)fmt;
        return 0;
    }
    case OPT_SELECT:
    case OPT_IGNORE:
    case OPT_EXTEND_SELECT: {
        uint32_t m;
        if (lint_rule_mask_parse(arg, &m, &d) != LINT_OK) {
            fprintf(stderr, "oomkb lint: --%s: %s\n",
                    opt == OPT_SELECT   ? "select"
                    : opt == OPT_IGNORE ? "ignore"
                                        : "extend-select",
                    d.message);
            return EXIT_USAGE;
        }
        if (opt == OPT_SELECT) {
            c->ov.has_select = 1;
            c->ov.select = m;
        } else if (opt == OPT_IGNORE) {
            c->ov.ignore |= m;
        } else {
            c->ov.extend_select |= m;
        }
        return 0;
    }
    case OPT_EXCLUDE:
        c->ov.has_exclude = 1;
        push_glob(&c->excludes, &c->ov.n_exclude, arg);
        return 0;
    case OPT_EXTEND_EXCLUDE:
        push_glob(&c->extend_excludes, &c->ov.n_extend_exclude, arg);
        return 0;
    case OPT_FORCE_EXCLUDE:
        c->bo.force_exclude = 1;
        return 0;
    case OPT_CONFIG:
        c->ov.config = arg;
        return 0;
    case OPT_ISOLATED:
        c->ov.isolated = 1;
        return 0;
    case OPT_STDIN_NAME:
        c->bo.stdin_name = arg;
        return 0;
    case 'j': {
        char *end;
        long v = strtol(arg, &end, 10);
        if (!*arg || *end || v < 1 || v > 1024) {
            return cli_usage_error("lint", "-j wants a number of jobs from 1 to 1024, not '%s'",
                                   arg);
        }
        c->jobs = (int)v;
        return 0;
    }
    case OPT_KB_URL:
        c->kb_flag = arg;
        return 0;
    case OPT_IGNORE_NOQA:
        c->bo.lint.ignore_noqa = 1;
        return 0;
    case OPT_EXIT_ZERO:
        c->out.exit_zero = 1;
        return 0;
    case OPT_STATISTICS:
        c->out.statistics = 1;
        return 0;
    case 'q':
        c->out.quiet = 1;
        return 0;
    case OPT_COLOR:
        if (cli_color_mode(arg, STDOUT_FILENO) < 0) {
            return cli_usage_error("lint", "--color takes auto, always or never, not '%s'", arg);
        }
        c->out.color_mode = arg;
        return 0;
    case 'o':
        c->out.path = arg;
        return 0;
    case OPT_FIX:
        c->fix = 1;
        return 0;
    case OPT_UNSAFE_FIXES:
        c->bo.unsafe_fixes = 1;
        c->out.unsafe_fixes = 1;
        return 0;
    case OPT_DIFF:
        c->diff = 1;
        return 0;
    case OPT_ADD_NOQA:
        c->add_noqa = 1;
        return 0;
    case OPT_EXPLAIN:
        c->explain_code = arg;
        return 0;
    case OPT_LIST_RULES:
        c->want_list = 1;
        return 0;
    case 'h':
        c->want_help = 1;
        return 0;
    default:
        return EXIT_USAGE;
    }
}

/* Lints the paths (none: "."), each file under its configuration. */
static int lint_paths(lint_cmd *c, const cli_args *paths, lint_config_cache *configs)
{
    lint_diag d = {{0}};
    /* the command line comes last: what it leaves out is left out under every config */
    const lint_config_overrides *ov = &c->ov;
    if ((((ov->has_select ? ov->select : lint_rule_default()) | ov->extend_select) & ~ov->ignore) ==
        0) {
        fprintf(stderr, "oomkb lint: --select/--ignore leave no rule to run\n");
        return EXIT_USAGE;
    }
    int n_stdin = 0;
    for (int i = 0; i < paths->n; i++) {
        n_stdin += strcmp(paths->v[i], "-") == 0;
    }
    if (n_stdin > 1) {
        fprintf(stderr, "oomkb lint: '-' (stdin) can be given once\n");
        return EXIT_USAGE;
    }
    if (c->add_noqa && (c->fix || c->diff)) {
        fprintf(stderr, "oomkb lint: --add-noqa cannot be combined with --fix or --diff\n");
        return EXIT_USAGE;
    }
    c->bo.configs = configs;
    c->bo.keep_src = c->out.fmt == LINT_FORMAT_FULL || c->add_noqa;
    c->bo.fix = c->fix || c->diff;
    lint_batch *b = lint_batch_new(&c->bo, &d);
    if (!b) {
        fprintf(stderr, "oomkb lint: %s\n", d.message);
        return EXIT_USAGE;
    }
    for (int i = 0; i < paths->n; i++) {
        lint_batch_add(b, paths->v[i]);
    }
    if (paths->n == 0) {
        lint_batch_add(b, ".");
    }
    if (lint_batch_config_error(b)) {
        fprintf(stderr, "oomkb lint: %s\n", lint_batch_config_error(b));
        lint_batch_free(b);
        return EXIT_USAGE;
    }
    lint_batch_run(b, c->jobs);
    int rc;
    if (c->diff) {
        rc = cli_lint_print_diffs(b, c->bo.unsafe_fixes, stdout);
    } else if (c->add_noqa) {
        rc = cli_lint_add_noqa(b, stdout);
    } else {
        /* with --fix on stdin, stdout carries the fixed source and the findings go to stderr */
        c->out.fixing = c->fix;
        c->out.to_stderr = c->fix && n_stdin;
        int write_errors = c->fix ? cli_lint_write_fixes(b, stdout) : 0;
        rc = report(b, &c->out);
        rc = write_errors ? EXIT_USAGE : rc;
    }
    lint_batch_free(b);
    return rc;
}

int cmd_lint(int argc, char **argv)
{
    lint_cmd c;
    memset(&c, 0, sizeof c);
    c.out.fmt = LINT_FORMAT_DEFAULT;
    cli_args paths = {0};
    lint_config_cache *configs = NULL;
    int rc = 0;
    int opt;
    while ((opt = cli_getopt("lint", argc, argv, LINT_SHORTOPTS, lint_longopts, &paths)) != -1) {
        rc = opt == '?' ? EXIT_USAGE : lint_option(&c, opt, optarg);
        if (rc) {
            goto out;
        }
    }
    if (c.want_help) {
        usage(stdout);
        goto out;
    }
    if (c.want_list) { /* needs no config: works even where one is broken */
        list_rules();
        goto out;
    }
    c.ov.exclude = c.excludes;
    c.ov.extend_exclude = c.extend_excludes;
    configs = lint_config_cache_new(&c.ov);
    /* the run's own settings (kb-url) are those of the current folder, as in ruff */
    const lint_settings *here = NULL;
    lint_diag d = {{0}};
    if (lint_config_lookup(configs, ".", 1, &here, &d) != LINT_OK) {
        fprintf(stderr, "oomkb lint: %s\n", d.message);
        rc = EXIT_USAGE;
        goto out;
    }
    /* --kb-url, then $OOMKB_URL, then the config's kb-url, then the public guide */
    c.out.kb_url = cli_kb_url(c.kb_flag);
    if (!c.out.kb_url) {
        c.out.kb_url = lint_settings_kb_url(here);
    }
    if (c.explain_code) {
        rc = explain(c.explain_code, c.out.kb_url);
    } else {
        rc = lint_paths(&c, &paths, configs);
    }
out:
    cli_args_free(&paths);
    lint_config_cache_free(configs);
    free(c.excludes);
    free(c.extend_excludes);
    return rc;
}
