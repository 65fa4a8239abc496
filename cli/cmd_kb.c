/* The knowledge-base subcommands: build, search, show, list. Argument parsing and output
 * formatting only; everything else is the kb module. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/util.h"
#include "kb/kb.h"

#define C_ID "\x1b[1;35m"
#define C_TITLE "\x1b[1m"
#define C_LINENO "\x1b[32m"
#define C_MATCH "\x1b[1;31m"
#define C_DIM "\x1b[2m"
#define C_RESET "\x1b[0m"

static void print_diag(const kb_diag *d)
{
    if (d->line > 0) {
        fprintf(stderr, "%s:%d: error: %s\n", d->file, d->line, d->message);
    } else if (d->file[0]) {
        fprintf(stderr, "oomkb: %s: %s\n", d->file, d->message);
    } else {
        fprintf(stderr, "oomkb: %s\n", d->message);
    }
}

static kb *open_kb(const char *db)
{
    kb *k = NULL;
    kb_diag d = {{0}, 0, {0}};
    kb_process_oneshot(); /* one thread, then exit: SQLite without locks or malloc */
    if (kb_open_default(db, &k, &d) != KB_OK) {
        print_diag(&d);
        return NULL;
    }
    return k;
}

/* Replaces the search marks with colour or removes them. */
static void put_marked(FILE *out, const char *s, int color)
{
    for (; *s; s++) {
        if (*s == KB_MARK_OPEN[0]) {
            if (color) {
                fputs(C_MATCH, out);
            }
        } else if (*s == KB_MARK_CLOSE[0]) {
            if (color) {
                fputs(C_RESET, out);
            }
        } else {
            fputc(*s, out);
        }
    }
}

static int parse_limit(const char *s, size_t *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < 0 || v > 100000) {
        return -1;
    }
    *out = (size_t)v;
    return 0;
}

/* ---- search ---------------------------------------------------------------------------- */

static void search_usage(FILE *f)
{
    fprintf(f,
            "usage: oomkb search [options] QUERY...\n\n"
            "Searches the knowledge base; prints matching entries best first, each followed by\n"
            "its matching source lines. Words are matched stemmed; \"quoted phrases\" and a\n"
            "trailing * (prefix) work; an entry ID alone (M8) opens that entry.\n\n"
            "  -n, --line-number    prefix lines with their line number in the source document\n"
            "  -l, --ids-only       print only the IDs of matching entries\n"
            "  -c, --count          print only the number of matching entries\n"
            "  -q, --quiet          print nothing; the exit status tells\n"
            "      --json           one JSON object per result (id, title, section, url, score,\n"
            "                       match, snippet, snippet_html, lines)\n"
            "      --limit N        at most N entries (default: all; 5 when no entry has\n"
            "                       every word)\n"
            "      --no-correct     search misspelt words as typed (no correction)\n"
            "      --color WHEN     auto (default), always or never\n"
            "      --raw            pass the query to SQLite FTS5 as is (its full syntax)\n"
            "      --db FILE        use a compiled KB file (default: built in; or $OOMKB_DB)\n"
            "      --kb-url URL     entry URLs in --json point at a self-hosted 'oomkb serve'\n"
            "                       (default: %s)\n\n"
            "Options may come before or after the query; '--' ends them.\n"
            "Exit status: 0 if something matched, 1 if nothing did, 2 on error.\n",
            CLI_KB_URL_HELP);
}

static void join_args(const cli_args *a, buf *out)
{
    for (int i = 0; i < a->n; i++) {
        if (out->len) {
            buf_putc(out, ' ');
        }
        buf_puts(out, a->v[i]);
    }
}

/* The paste path of search: diagnoses an OOM message (returning the exit status), or replaces
 * an over-long query with its key terms (returning -1 to go on searching). */
static int search_paste(buf *q, int json, int terse, const char *kb_url)
{
    if (!terse) {
        int rc = cli_diagnose_text(q->data, q->len, json, kb_url);
        if (rc >= 0) {
            return rc;
        }
    }
    if (kb_query_needs_key_terms(q->data)) {
        char *terms = kb_query_key_terms(q->data);
        fprintf(stderr, "oomkb: the query is long; searching its key terms: %s\n", terms);
        q->len = 0;
        buf_puts(q, terms);
        free(terms);
    }
    return -1;
}

int cmd_search(int argc, char **argv)
{
    enum { O_JSON = 256, O_LIMIT, O_COLOR, O_RAW, O_DB, O_KBURL, O_NOCORRECT };
    static const struct option longopts[] = {{"line-number", no_argument, NULL, 'n'},
                                             {"ids-only", no_argument, NULL, 'l'},
                                             {"count", no_argument, NULL, 'c'},
                                             {"quiet", no_argument, NULL, 'q'},
                                             {"json", no_argument, NULL, O_JSON},
                                             {"limit", required_argument, NULL, O_LIMIT},
                                             {"color", required_argument, NULL, O_COLOR},
                                             {"colour", required_argument, NULL, O_COLOR},
                                             {"raw", no_argument, NULL, O_RAW},
                                             {"db", required_argument, NULL, O_DB},
                                             {"kb-url", required_argument, NULL, O_KBURL},
                                             {"no-correct", no_argument, NULL, O_NOCORRECT},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    int lineno = 0;
    int ids = 0;
    int count = 0;
    int quiet = 0;
    int json = 0;
    const char *color_mode = NULL;
    const char *db = NULL;
    const char *kb_url = NULL;
    kb_search_opts opts = {0, 0, 1, 0, 0};
    cli_args words = {0};
    int c;
    while ((c = cli_getopt("search", argc, argv, "nlcqh", longopts, &words)) != -1) {
        switch (c) {
        case 'n':
            lineno = 1;
            break;
        case 'l':
            ids = 1;
            break;
        case 'c':
            count = 1;
            break;
        case 'q':
            quiet = 1;
            break;
        case O_JSON:
            json = 1;
            break;
        case O_LIMIT:
            if (parse_limit(optarg, &opts.limit) != 0) {
                cli_args_free(&words);
                return cli_usage_error("search", "--limit takes a whole number, not '%s'", optarg);
            }
            break;
        case O_COLOR:
            color_mode = optarg;
            break;
        case O_RAW:
            opts.raw = 1;
            break;
        case O_DB:
            db = optarg;
            break;
        case O_KBURL:
            kb_url = optarg;
            break;
        case O_NOCORRECT:
            opts.no_correct = 1;
            break;
        case 'h':
            search_usage(stdout);
            cli_args_free(&words);
            return 0;
        default:
            cli_args_free(&words);
            return EXIT_USAGE;
        }
    }
    int color = cli_color_mode(color_mode, STDOUT_FILENO);
    if (color < 0) {
        cli_args_free(&words);
        return cli_usage_error("search", "--color takes auto, always or never, not '%s'",
                               color_mode);
    }
    buf qb = BUF_INIT;
    join_args(&words, &qb);
    cli_args_free(&words);
    if (!qb.len) {
        fprintf(stderr, "oomkb search: no query given (try: oomkb search expandable)\n");
        buf_free(&qb);
        return EXIT_USAGE;
    }
    /* A pasted OOM message is diagnosed; any other over-long paste is searched by its key
     * terms, never refused. */
    int pasted = opts.raw ? -1 : search_paste(&qb, json, ids || count || quiet, kb_url);
    if (pasted >= 0) {
        buf_free(&qb);
        return pasted;
    }
    kb *k = open_kb(db);
    if (!k) {
        buf_free(&qb);
        return EXIT_USAGE;
    }
    opts.want_lines = !(ids || count || quiet);
    opts.skip_snippets = !json; /* only --json shows snippets */
    kb_results *r = NULL;
    kb_diag d = {{0}, 0, {0}};
    kb_status st = kb_search(k, qb.data, &opts, &r, &d);
    int rc;
    if (st != KB_OK) {
        fprintf(stderr, "oomkb search: %s\n", d.message);
        rc = EXIT_USAGE;
        goto out;
    }
    rc = r->n ? EXIT_FOUND : EXIT_NONE;
    if (quiet) {
        goto out;
    }
    /* One sentence on stderr when the results are not a plain match (the API's "note"). */
    char *note = r->n || r->corrected ? kb_results_note(r) : NULL;
    if (note) { /* stderr: stdout stays one JSON object per line with --json */
        fprintf(stderr, "oomkb: %s\n", note);
    }
    free(note);
    if (!r->n && !json && !count) {
        fprintf(stderr, "oomkb: no entry matches '%s'", qb.data);
        if (r->suggestion) {
            fprintf(stderr, "; did you mean: %s", r->suggestion);
        }
        fputc('\n', stderr);
    }
    if (count) {
        printf("%zu\n", r->total); /* every match, whatever a fallback shows */
        goto out;
    }
    const char *base = cli_kb_url(kb_url);
    for (size_t i = 0; i < r->n; i++) {
        const kb_hit *h = &r->hits[i];
        if (ids) {
            printf("%s\n", h->id);
            continue;
        }
        if (json) {
            char *txt = kb_hit_json(r, i, base);
            puts(txt);
            free(txt);
            continue;
        }
        if (i) {
            putchar('\n');
        }
        if (color) {
            printf(C_ID "%s" C_RESET "  " C_TITLE "%s" C_RESET "\n", h->id, h->title);
        } else {
            printf("%s  %s\n", h->id, h->title);
        }
        for (size_t j = 0; j < h->n_lines; j++) {
            if (lineno) {
                printf(color ? C_LINENO "%d" C_RESET ":" : "%d:", h->lines[j].lineno);
            }
            put_marked(stdout, h->lines[j].text, color);
            putchar('\n');
        }
    }
out:
    fflush(stdout);
    kb_results_free(r);
    kb_close(k);
    buf_free(&qb);
    return rc;
}

/* ---- show ------------------------------------------------------------------------------ */

static int term_width(void)
{
    struct winsize ws;
    if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20) {
        return ws.ws_col > 100 ? 100 : ws.ws_col;
    }
    return 80;
}

static void print_list(const char *label, const kb_strlist *l, int color)
{
    if (!l->n) {
        return;
    }
    printf(color ? C_DIM "%s:" C_RESET " " : "%s: ", label);
    for (size_t i = 0; i < l->n; i++) {
        printf("%s%s", i ? ", " : "", l->items[i]);
    }
    putchar('\n');
}

/* Documents outside the KB, one a line, with their public source where known. */
static void print_external(const kb_entry *e, int color)
{
    for (size_t i = 0; i < e->ext_refs.n; i++) {
        const char *url = i < e->ext_urls.n ? e->ext_urls.items[i] : "";
        printf(color ? C_DIM "Elsewhere:" C_RESET " %s (outside this knowledge base)%s%s\n"
                     : "Elsewhere: %s (outside this knowledge base)%s%s\n",
               e->ext_refs.items[i], *url ? ": " : "", url);
    }
}

static void show_usage(FILE *f)
{
    fprintf(f,
            "usage: oomkb show [--format text|md|html|json] [--color WHEN] [--db FILE] ID...\n\n"
            "Shows entries: rendered for the terminal (text, the default; code lines wider\n"
            "than the terminal go on in lines marked \xe2\x86\xaa), their markdown source (md),\n"
            "HTML, or JSON (one object; an array for several IDs).\n"
            "Exit status: 0 all shown, 1 an ID is not an entry (the others are shown),\n"
            "2 usage error.\n");
}

typedef struct show_entry {
    kb *k;
    const char *format;
    int color;
    const char *base;
    int several; /* more than one ID: separate the entries */
    int shown;   /* entries printed before this one */
} show_entry;

static void show_text(const show_entry *s, const kb_entry *e)
{
    int color = s->color;
    if (s->shown) {
        printf(color ? C_DIM "%s" C_RESET "\n\n" : "%s\n\n",
               "────────────────────────────────────────");
    }
    if (color) {
        printf(C_ID "%s" C_RESET " — " C_TITLE "%s" C_RESET "\n", e->id, e->title);
        printf(C_DIM "%s · %s lines %d–%d" C_RESET "\n\n", e->section, e->doc, e->line_start,
               e->line_end);
    } else {
        printf("%s — %s\n%s · %s lines %d–%d\n\n", e->id, e->title, e->section, e->doc,
               e->line_start, e->line_end);
    }
    /* The body without the heading line(s): the markdown after the first line. */
    const char *body = strchr(e->markdown, '\n');
    char *txt = kb_render_text(body ? body + 1 : "", color, term_width());
    fputs(txt, stdout);
    free(txt);
    putchar('\n');
    print_list("References", &e->refs, color);
    print_list("Referenced by", &e->backlinks, color);
    print_external(e, color);
    char *link = kb_entry_link(s->base, e->id);
    printf(color ? C_DIM "%s" C_RESET "\n" : "%s\n", link);
    free(link);
}

/* Shows one entry; EXIT_FOUND, EXIT_NONE (no such entry, said on stderr) or EXIT_INTERNAL. */
static int show_one(const show_entry *s, const char *id)
{
    kb_entry *e = NULL;
    kb_diag d = {{0}, 0, {0}};
    kb_status st = kb_entry_get(s->k, id, &e, &d);
    if (st == KB_ERR_NOT_FOUND) {
        kb_strlist near = {NULL, 0};
        kb_suggest_ids(s->k, id, 3, &near);
        fprintf(stderr, "oomkb show: no entry '%s'", id);
        for (size_t i = 0; i < near.n; i++) {
            fprintf(stderr, "%s%s", i ? ", " : "; did you mean ", near.items[i]);
        }
        fprintf(stderr, "%s\n", near.n ? "?" : "");
        kb_strlist_free(&near);
        return EXIT_NONE;
    }
    if (st != KB_OK) {
        print_diag(&d);
        return EXIT_INTERNAL;
    }
    if (strcmp(s->format, "md") == 0) {
        printf("%s%s\n", s->shown ? "\n" : "", e->markdown);
    } else if (strcmp(s->format, "html") == 0) {
        buf h = BUF_INIT;
        buf_printf(&h, "<h3 id=\"%s\">%s — ", e->id, e->id);
        buf_html_escape(&h, e->title, strlen(e->title));
        buf_puts(&h, "</h3>\n");
        fputs(h.data, stdout);
        fputs(e->html, stdout);
        buf_free(&h);
    } else if (strcmp(s->format, "json") == 0) {
        char *txt = kb_entry_json(s->k, e, s->base, 1);
        printf("%s%s\n", s->several && s->shown ? ",\n" : "", txt);
        free(txt);
    } else {
        show_text(s, e);
    }
    kb_entry_free(e);
    return EXIT_FOUND;
}

static int show_ids(const cli_args *ids, const char *format, const char *color_mode, const char *db,
                    const char *kb_url);

int cmd_show(int argc, char **argv)
{
    enum { O_FORMAT = 256, O_COLOR, O_DB, O_KBURL };
    static const struct option longopts[] = {{"format", required_argument, NULL, O_FORMAT},
                                             {"color", required_argument, NULL, O_COLOR},
                                             {"colour", required_argument, NULL, O_COLOR},
                                             {"db", required_argument, NULL, O_DB},
                                             {"kb-url", required_argument, NULL, O_KBURL},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const char *format = "text";
    const char *color_mode = NULL;
    const char *db = NULL;
    const char *kb_url = NULL;
    cli_args ids = {0};
    int c;
    int rc = -1;
    while (rc < 0 && (c = cli_getopt("show", argc, argv, "h", longopts, &ids)) != -1) {
        switch (c) {
        case O_FORMAT:
            format = optarg;
            break;
        case O_COLOR:
            color_mode = optarg;
            break;
        case O_DB:
            db = optarg;
            break;
        case O_KBURL:
            kb_url = optarg;
            break;
        case 'h':
            show_usage(stdout);
            rc = 0;
            break;
        default:
            rc = EXIT_USAGE;
        }
    }
    if (rc < 0) {
        rc = show_ids(&ids, format, color_mode, db, kb_url);
    }
    cli_args_free(&ids);
    return rc;
}

/* The checks and the output of `oomkb show` once its options are read. */
static int show_ids(const cli_args *ids, const char *format, const char *color_mode, const char *db,
                    const char *kb_url)
{
    if (strcmp(format, "text") != 0 && strcmp(format, "md") != 0 && strcmp(format, "html") != 0 &&
        strcmp(format, "json") != 0) {
        return cli_usage_error("show", "--format takes text, md, html or json, not '%s'", format);
    }
    int color = cli_color_mode(color_mode, STDOUT_FILENO);
    if (color < 0) {
        return cli_usage_error("show", "--color takes auto, always or never, not '%s'", color_mode);
    }
    if (ids->n == 0) {
        return cli_usage_error("show", "no entry ID given (try: oomkb show M8)");
    }
    kb *k = open_kb(db);
    if (!k) {
        return EXIT_USAGE;
    }
    int rc = EXIT_FOUND;
    int n_ids = ids->n;
    int json = strcmp(format, "json") == 0;
    int shown = 0;
    if (json && n_ids > 1) {
        fputs("[\n", stdout);
    }
    for (int i = 0; i < n_ids && rc != EXIT_INTERNAL; i++) {
        show_entry s = {k, format, color, cli_kb_url(kb_url), n_ids > 1, shown};
        int r = show_one(&s, ids->v[i]);
        shown += r == EXIT_FOUND;
        rc = r == EXIT_FOUND ? rc : r;
    }
    if (json && n_ids > 1) {
        fputs("]\n", stdout);
    }
    kb_close(k);
    return rc;
}

/* ---- list ------------------------------------------------------------------------------ */

int cmd_list(int argc, char **argv)
{
    enum { O_DB = 256, O_JSON, O_COLOR };
    static const struct option longopts[] = {{"db", required_argument, NULL, O_DB},
                                             {"json", no_argument, NULL, O_JSON},
                                             {"color", required_argument, NULL, O_COLOR},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const char *db = NULL;
    const char *color_mode = NULL;
    int json = 0;
    cli_args rest = {0};
    int c;
    while ((c = cli_getopt("list", argc, argv, "h", longopts, &rest)) != -1) {
        switch (c) {
        case O_DB:
            db = optarg;
            break;
        case O_JSON:
            json = 1;
            break;
        case O_COLOR:
            color_mode = optarg;
            break;
        case 'h':
            printf("usage: oomkb list [--json] [--color WHEN] [--db FILE]\n\n"
                   "Lists the entries, grouped by section, in the order of the guide.\n");
            cli_args_free(&rest);
            return 0;
        default:
            cli_args_free(&rest);
            return EXIT_USAGE;
        }
    }
    if (rest.n) {
        int rc = cli_usage_error("list", "unexpected argument '%s'", rest.v[0]);
        cli_args_free(&rest);
        return rc;
    }
    cli_args_free(&rest);
    int color = cli_color_mode(color_mode, STDOUT_FILENO);
    if (color < 0) {
        return cli_usage_error("list", "--color takes auto, always or never, not '%s'", color_mode);
    }
    kb *k = open_kb(db);
    if (!k) {
        return EXIT_USAGE;
    }
    kb_toc *t = NULL;
    kb_diag d = {{0}, 0, {0}};
    if (kb_toc_get(k, &t, &d) != KB_OK) {
        print_diag(&d);
        kb_close(k);
        return EXIT_INTERNAL;
    }
    const char *prev = NULL;
    for (size_t i = 0; i < t->n; i++) {
        const kb_toc_item *it = &t->items[i];
        if (json) {
            json_t *o = json_pack("{s:s,s:s,s:s,s:s}", "id", it->id, "title", it->title, "section",
                                  it->section, "document", it->doc);
            char *txt = json_dumps(o, JSON_COMPACT);
            puts(txt);
            free(txt);
            json_decref(o);
            continue;
        }
        if (!prev || strcmp(prev, it->section) != 0) {
            printf(color ? "%s" C_TITLE "%s" C_RESET "\n" : "%s%s\n", prev ? "\n" : "",
                   *it->section ? it->section : "(no section)");
            prev = it->section;
        }
        printf(color ? "  " C_ID "%-4s" C_RESET " %s\n" : "  %-4s %s\n", it->id, it->title);
    }
    kb_toc_free(t);
    kb_close(k);
    return 0;
}

/* ---- build ----------------------------------------------------------------------------- */

static void build_warn(void *ud, const char *file, int line, const char *message)
{
    (void)ud;
    fprintf(stderr, "%s:%d: warning: %s\n", file, line, message);
}

int cmd_build(int argc, char **argv)
{
    static const struct option longopts[] = {{"output", required_argument, NULL, 'o'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const char *outp = NULL;
    cli_args docs = {0};
    int c;
    while ((c = cli_getopt("build", argc, argv, "o:h", longopts, &docs)) != -1) {
        switch (c) {
        case 'o':
            outp = optarg;
            break;
        case 'h':
            printf("usage: oomkb build -o OUT.sqlite DOC.md...\n\n"
                   "Compiles markdown field guides into a knowledge-base file for --db.\n"
                   "'# ' is the document title, '## ' a section, '### <ID> — <title>' an entry.\n");
            cli_args_free(&docs);
            return 0;
        default:
            cli_args_free(&docs);
            return EXIT_USAGE;
        }
    }
    if (!outp || docs.n == 0) {
        cli_args_free(&docs);
        return cli_usage_error("build", "%s",
                               !outp ? "no output file (-o OUT.sqlite)"
                                     : "no markdown documents given");
    }
    kb_diag d = {{0}, 0, {0}};
    size_t n = (size_t)docs.n;
    kb_status st = kb_compile((const char *const *)docs.v, n, outp, build_warn, NULL, &d);
    cli_args_free(&docs);
    if (st != KB_OK) {
        print_diag(&d);
        return EXIT_USAGE;
    }
    kb *k = NULL;
    kb_toc *t = NULL;
    if (kb_open_file(outp, &k, &d) == KB_OK && kb_toc_get(k, &t, &d) == KB_OK) {
        fprintf(stderr, "oomkb: compiled %zu entries from %zu document%s into %s\n", t->n, n,
                n == 1 ? "" : "s", outp);
    }
    kb_toc_free(t);
    kb_close(k);
    return 0;
}
