/* `oomkb lint`: the linter's command line. Options in, a lint_batch run over the paths (it
 * finds, reads and lints the files on N threads), and the findings printed in input order with
 * errors and notes on stderr. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/util.h"
#include "kb/kb.h"
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
        "  --format FMT          default, full, json, sarif or github\n"
        "  --select CODES        only these rules (codes or prefixes, comma-separated; ALL,\n"
        "                        a prefix or a code turns on the opt-in rules)\n"
        "  --ignore CODES        skip these rules\n"
        "  --exclude GLOB        skip files and folders matching GLOB (repeatable)\n"
        "  --stdin-filename NAME name (and project) of the source read from '-'\n"
        "  -j, --jobs N          lint N files in parallel (default: number of cores)\n"
        "  --kb-url URL          base URL of entry links (default $OOMKB_URL or %s)\n"
        "  --ignore-noqa         report findings that noqa comments suppress\n"
        "  --exit-zero           exit 0 even when there are findings\n"
        "  --explain CODE        explain a rule and print its knowledge-base entry\n"
        "  --list-rules          list the rules\n"
        "\n"
        "Suppress a finding with '# noqa: OOM101' (or a bare '# noqa') on its line, or a whole\n"
        "file with a '# oomkb: noqa' line. Exit status: 0 clean, 1 findings, 2 errors.\n"
        "\n"
        "Limits: a file (or stdin) over %zu MiB is reported and not read, one of more than\n"
        "%u tokens (about 5 MB of ordinary Python) is reported and not parsed. Files\n"
        "must be UTF-8 (a BOM is fine; UTF-16/32, NUL bytes and invalid UTF-8 are reported).\n"
        "Folders are recursed %d levels deep, each file and folder taken once (symbolic link\n"
        "loops end there); FIFOs and devices are read only when named, up to the byte limit.\n"
        "At most %zu bytes of source are parsed at a time (a larger file alone), whatever\n"
        "-j, so memory stays under about 500 MB. A file that cannot be linted is reported on\n"
        "stderr (exit 2); the other files are still linted.\n",
        OOMKB_DEFAULT_URL, LINT_MAX_SOURCE_BYTES >> 20, LINT_MAX_TOKENS, LINT_MAX_WALK_DEPTH,
        LINT_PARSE_BUDGET);
}

/* ---- Rules, explain ---- */

static void list_rules(void)
{
    printf("%-7s %-36s %-5s %s\n", "CODE", "NAME", "ENTRY", "SUMMARY");
    for (int i = 0; i < lint_rule_count(); i++) {
        const lint_rule *r = &lint_rules()[i];
        printf("%-7s %-36s %-5s %s%s\n", r->code, r->name, r->entry, r->summary,
               r->opt_in ? " [opt-in: off unless selected]" : "");
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
    size_t bl = strlen(kb_url);
    while (bl > 0 && kb_url[bl - 1] == '/') {
        bl--;
    }
    if (kb_open_embedded(&k, &d) == KB_OK && kb_entry_get(k, r->entry, &e, &d) == KB_OK) {
        printf("Knowledge-base entry %s: %s\n%.*s/%s\n\n", e->id, e->title, (int)bl, kb_url, e->id);
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

/* Prints a run's outcome: errors and syntax-error notes on stderr, findings on stdout in fmt,
 * both in input order. Returns the exit status. */
static int report(const lint_batch *b, lint_format fmt, const char *kb_url, int exit_zero)
{
    int errors = 0;
    size_t findings = 0;
    size_t n;
    const lint_batch_item *items = lint_batch_items(b, &n);
    lint_file_report *reports = xcalloc(n ? n : 1, sizeof *reports);
    size_t nr = 0;
    for (size_t i = 0; i < n; i++) {
        const lint_batch_item *it = &items[i];
        if (it->error) {
            fprintf(stderr, "oomkb lint: %s: %s\n", it->path, it->error);
            errors++;
            continue;
        }
        if (!it->result) {
            continue;
        }
        if (it->result->n_syntax_errors) {
            fprintf(stderr, "%s:%u:%u: note: syntax error; only the parts that parse were linted\n",
                    it->path, it->result->first_error.row + 1, it->result->first_error.column);
        }
        findings += it->result->n;
        reports[nr++] = (lint_file_report){it->path, it->src, it->len, it->result};
    }
    lint_render_opts ro;
    memset(&ro, 0, sizeof ro);
    ro.kb_url = kb_url;
    ro.tool_version = "0.1.0";
    kb *k = NULL;
    kb_entry *entries[LINT_MAX_RULES] = {NULL};
    kb_diag kd;
    memset(&kd, 0, sizeof kd);
    if ((fmt == LINT_FORMAT_FULL || fmt == LINT_FORMAT_SARIF) &&
        kb_open_embedded(&k, &kd) == KB_OK) {
        for (int i = 0; i < lint_rule_count(); i++) {
            if (kb_entry_get(k, lint_rules()[i].entry, &entries[i], &kd) == KB_OK) {
                ro.docs[i].title = entries[i]->title;
                ro.docs[i].markdown = entries[i]->markdown;
            }
        }
    }
    buf out = BUF_INIT;
    lint_render(&out, fmt, reports, nr, &ro);
    if (out.len) {
        fwrite(out.data, 1, out.len, stdout);
    }
    fflush(stdout);
    buf_free(&out);
    for (int i = 0; i < lint_rule_count(); i++) {
        kb_entry_free(entries[i]);
    }
    kb_close(k);
    free(reports);
    return errors ? EXIT_USAGE : (findings && !exit_zero ? EXIT_NONE : 0);
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
};

int cmd_lint(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"format", required_argument, NULL, OPT_FORMAT},
        {"output-format", required_argument, NULL, OPT_FORMAT},
        {"select", required_argument, NULL, OPT_SELECT},
        {"ignore", required_argument, NULL, OPT_IGNORE},
        {"exclude", required_argument, NULL, OPT_EXCLUDE},
        {"stdin-filename", required_argument, NULL, OPT_STDIN_NAME},
        {"jobs", required_argument, NULL, 'j'},
        {"kb-url", required_argument, NULL, OPT_KB_URL},
        {"ignore-noqa", no_argument, NULL, OPT_IGNORE_NOQA},
        {"exit-zero", no_argument, NULL, OPT_EXIT_ZERO},
        {"explain", required_argument, NULL, OPT_EXPLAIN},
        {"list-rules", no_argument, NULL, OPT_LIST_RULES},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    lint_batch_options bo;
    memset(&bo, 0, sizeof bo);
    const char **excludes = NULL;
    lint_batch *b = NULL;
    int fmt = LINT_FORMAT_DEFAULT;
    int jobs = 0;
    int exit_zero = 0;
    int rc = 0;
    uint32_t select = lint_rule_default();
    uint32_t ignore = 0;
    const char *kb_flag = NULL;
    const char *explain_code = NULL;
    int want_list = 0;
    lint_diag d = {{0}};
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "+hj:", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_FORMAT:
            fmt = lint_format_parse(optarg);
            if (fmt < 0) {
                fprintf(stderr,
                        "oomkb lint: unknown format '%s' (default, full, json, sarif, "
                        "github)\n",
                        optarg);
                rc = EXIT_USAGE;
                goto out;
            }
            break;
        case OPT_SELECT:
        case OPT_IGNORE: {
            uint32_t m;
            if (lint_rule_mask_parse(optarg, &m, &d) != LINT_OK) {
                fprintf(stderr, "oomkb lint: %s: %s\n", c == OPT_SELECT ? "--select" : "--ignore",
                        d.message);
                rc = EXIT_USAGE;
                goto out;
            }
            if (c == OPT_SELECT) {
                select = m;
            } else {
                ignore |= m;
            }
            break;
        }
        case OPT_EXCLUDE:
            excludes = xrealloc(excludes, (bo.n_excludes + 1) * sizeof *excludes);
            excludes[bo.n_excludes++] = optarg;
            break;
        case OPT_STDIN_NAME:
            bo.stdin_name = optarg;
            break;
        case 'j': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (!*optarg || *end || v < 1 || v > 1024) {
                fprintf(stderr, "oomkb lint: -j wants a number of jobs from 1 to 1024, not '%s'\n",
                        optarg);
                rc = EXIT_USAGE;
                goto out;
            }
            jobs = (int)v;
            break;
        }
        case OPT_KB_URL:
            kb_flag = optarg;
            break;
        case OPT_IGNORE_NOQA:
            bo.lint.ignore_noqa = 1;
            break;
        case OPT_EXIT_ZERO:
            exit_zero = 1;
            break;
        case OPT_EXPLAIN:
            explain_code = optarg;
            break;
        case OPT_LIST_RULES:
            want_list = 1;
            break;
        case 'h':
            usage(stdout);
            goto out;
        default:
            if (optopt && optopt < 256) {
                fprintf(stderr, "oomkb lint: unknown or incomplete option '-%c'\n", optopt);
            } else {
                fprintf(stderr, "oomkb lint: unknown or incomplete option '%s'\n",
                        argv[optind - 1]);
            }
            usage(stderr);
            rc = EXIT_USAGE;
            goto out;
        }
    }
    const char *kb_url = cli_kb_url(kb_flag);
    if (want_list) {
        list_rules();
        goto out;
    }
    if (explain_code) {
        rc = explain(explain_code, kb_url);
        goto out;
    }
    bo.lint.rules = select & ~ignore;
    if (bo.lint.rules == 0) {
        fprintf(stderr, "oomkb lint: --select/--ignore leave no rule to run\n");
        rc = EXIT_USAGE;
        goto out;
    }
    bo.excludes = excludes;
    bo.keep_src = fmt == LINT_FORMAT_FULL;
    b = lint_batch_new(&bo, &d);
    if (!b) {
        fprintf(stderr, "oomkb lint: %s\n", d.message);
        rc = EXIT_USAGE;
        goto out;
    }
    int n_stdin = 0;
    for (int i = optind; i < argc; i++) {
        n_stdin += strcmp(argv[i], "-") == 0;
    }
    if (n_stdin > 1) {
        fprintf(stderr, "oomkb lint: '-' (stdin) can be given once\n");
        rc = EXIT_USAGE;
        goto out;
    }
    for (int i = optind; i < argc; i++) {
        lint_batch_add(b, argv[i]);
    }
    if (optind == argc) {
        lint_batch_add(b, ".");
    }
    lint_batch_run(b, jobs);
    rc = report(b, (lint_format)fmt, kb_url, exit_zero);
out:
    lint_batch_free(b);
    free(excludes);
    return rc;
}
