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

static char *unmarked(const char *s)
{
    buf b = BUF_INIT;
    for (; *s; s++) {
        if (*s != KB_MARK_OPEN[0] && *s != KB_MARK_CLOSE[0]) {
            buf_putc(&b, *s);
        }
    }
    return buf_detach(&b);
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
            "      --json           one JSON object per result (id, title, section, score,\n"
            "                       snippet, url, match, lines)\n"
            "      --limit N        at most N entries (default: all)\n"
            "      --color WHEN     auto (default), always or never\n"
            "      --raw            pass the query to SQLite FTS5 as is (its full syntax)\n"
            "      --db FILE        use a compiled KB file (default: built in; or $OOMKB_DB)\n"
            "      --kb-url URL     base of entry URLs in --json (default: $OOMKB_URL or %s)\n\n"
            "Exit status: 0 if something matched, 1 if nothing did, 2 on error.\n",
            OOMKB_DEFAULT_URL);
}

static const char *fallback_note(kb_fallback f)
{
    switch (f) {
    case KB_MATCH_PREFIX:
        return "no entry has these exact words; showing words that start with them";
    case KB_MATCH_ANY:
        return "no entry has every word; showing entries with some of them";
    case KB_MATCH_SUBSTRING:
        return "no word matched; showing entries that contain the text inside words";
    default:
        return NULL;
    }
}

static void join_args(int argc, char **argv, int first, buf *out)
{
    for (int i = first; i < argc; i++) {
        if (out->len) {
            buf_putc(out, ' ');
        }
        buf_puts(out, argv[i]);
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
    enum { O_JSON = 256, O_LIMIT, O_COLOR, O_RAW, O_DB, O_KBURL };
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
    kb_search_opts opts = {0, 0, 1, 0};
    int c;
    optind = 1;
    opterr = 1;
    while ((c = getopt_long(argc, argv, "+nlcqh", longopts, NULL)) != -1) {
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
                fprintf(stderr, "oomkb search: --limit takes a whole number, not '%s'\n", optarg);
                return EXIT_USAGE;
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
        case 'h':
            search_usage(stdout);
            return 0;
        default:
            search_usage(stderr);
            return EXIT_USAGE;
        }
    }
    int color = cli_color_mode(color_mode, STDOUT_FILENO);
    if (color < 0) {
        fprintf(stderr, "oomkb search: --color takes auto, always or never, not '%s'\n",
                color_mode);
        return EXIT_USAGE;
    }
    buf qb = BUF_INIT;
    join_args(argc, argv, optind, &qb);
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
    const char *note = fallback_note(r->fallback);
    if (note && !json) {
        fprintf(stderr, "oomkb: %s\n", note);
    }
    if (!r->n && !json && !count) {
        fprintf(stderr, "oomkb: no entry matches '%s'", qb.data);
        if (r->suggestion) {
            fprintf(stderr, "; did you mean: %s", r->suggestion);
        }
        fputc('\n', stderr);
    }
    if (count) {
        printf("%zu\n", r->n);
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
            char *snip = unmarked(h->snippet);
            char *url = xasprintf("%s/%s", base, h->id);
            json_t *lines = json_array();
            for (size_t j = 0; j < h->n_lines; j++) {
                char *t = unmarked(h->lines[j].text);
                json_array_append_new(
                    lines, json_pack("{s:i,s:s}", "line", h->lines[j].lineno, "text", t));
                free(t);
            }
            json_t *o =
                json_pack("{s:s,s:s,s:s,s:f,s:s,s:s,s:s,s:o}", "id", h->id, "title", h->title,
                          "section", h->section, "score", h->score, "snippet", snip, "url", url,
                          "match", kb_fallback_name(r->fallback), "lines", lines);
            char *txt = json_dumps(o, JSON_COMPACT);
            puts(txt);
            free(txt);
            json_decref(o);
            free(snip);
            free(url);
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

static json_t *strlist_json(const kb_strlist *l)
{
    json_t *a = json_array();
    for (size_t i = 0; i < l->n; i++) {
        json_array_append_new(a, json_string(l->items[i]));
    }
    return a;
}

json_t *cli_entry_json(const kb_entry *e, const char *base);
json_t *cli_entry_json(const kb_entry *e, const char *base)
{
    char *url = xasprintf("%s/%s", base, e->id);
    json_t *o = json_pack(
        "{s:s,s:s,s:s,s:s,s:s,s:s,s:{s:i,s:i},s:s,s:s,s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "id",
        e->id, "title", e->title, "section", e->section, "document", e->doc, "url", url,
        "title_markdown", e->title_md, "lines", "start", e->line_start, "end", e->line_end,
        "markdown", e->markdown, "html", e->html, "text", e->text, "identifiers",
        strlist_json(&e->idents), "references", strlist_json(&e->refs), "referenced_by",
        strlist_json(&e->backlinks), "external_references", strlist_json(&e->ext_refs), "urls",
        strlist_json(&e->urls), "previous", e->prev_id ? json_string(e->prev_id) : json_null(),
        "next", e->next_id ? json_string(e->next_id) : json_null());
    free(url);
    return o;
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

static void show_usage(FILE *f)
{
    fprintf(f, "usage: oomkb show [--format text|md|html|json] [--color WHEN] [--db FILE] ID\n\n"
               "Shows one entry: rendered for the terminal (text, the default), its markdown\n"
               "source (md), HTML, or JSON with its references and source lines.\n"
               "Exit status: 0 shown, 1 no such entry, 2 usage error.\n");
}

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
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
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
            return 0;
        default:
            show_usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (strcmp(format, "text") != 0 && strcmp(format, "md") != 0 && strcmp(format, "html") != 0 &&
        strcmp(format, "json") != 0) {
        fprintf(stderr, "oomkb show: --format takes text, md, html or json, not '%s'\n", format);
        return EXIT_USAGE;
    }
    int color = cli_color_mode(color_mode, STDOUT_FILENO);
    if (color < 0) {
        fprintf(stderr, "oomkb show: --color takes auto, always or never\n");
        return EXIT_USAGE;
    }
    if (optind + 1 != argc) {
        show_usage(stderr);
        return EXIT_USAGE;
    }
    const char *id = argv[optind];
    kb *k = open_kb(db);
    if (!k) {
        return EXIT_USAGE;
    }
    kb_entry *e = NULL;
    kb_diag d = {{0}, 0, {0}};
    kb_status st = kb_entry_get(k, id, &e, &d);
    int rc = EXIT_FOUND;
    if (st == KB_ERR_NOT_FOUND) {
        kb_strlist near = {NULL, 0};
        kb_suggest_ids(k, id, 3, &near);
        fprintf(stderr, "oomkb show: no entry '%s'", id);
        for (size_t i = 0; i < near.n; i++) {
            fprintf(stderr, "%s%s", i ? ", " : "; did you mean ", near.items[i]);
        }
        fprintf(stderr, "%s\n", near.n ? "?" : "");
        kb_strlist_free(&near);
        rc = EXIT_NONE;
        goto out;
    }
    if (st != KB_OK) {
        print_diag(&d);
        rc = EXIT_INTERNAL;
        goto out;
    }
    if (strcmp(format, "md") == 0) {
        printf("%s\n", e->markdown);
    } else if (strcmp(format, "html") == 0) {
        buf h = BUF_INIT;
        buf_printf(&h, "<h3 id=\"%s\">%s — ", e->id, e->id);
        buf_html_escape(&h, e->title, strlen(e->title));
        buf_puts(&h, "</h3>\n");
        fputs(h.data, stdout);
        fputs(e->html, stdout);
        buf_free(&h);
    } else if (strcmp(format, "json") == 0) {
        json_t *o = cli_entry_json(e, cli_kb_url(kb_url));
        char *txt = json_dumps(o, JSON_INDENT(2));
        puts(txt);
        free(txt);
        json_decref(o);
    } else {
        int width = term_width();
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
        char *txt = kb_render_text(body ? body + 1 : "", color, width);
        fputs(txt, stdout);
        free(txt);
        putchar('\n');
        print_list("References", &e->refs, color);
        print_list("Referenced by", &e->backlinks, color);
        print_list("Elsewhere", &e->ext_refs, color);
        printf(color ? C_DIM "%s/%s" C_RESET "\n" : "%s/%s\n", cli_kb_url(kb_url), e->id);
    }
out:
    kb_entry_free(e);
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
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
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
            return 0;
        default:
            fprintf(stderr, "usage: oomkb list [--json] [--color WHEN] [--db FILE]\n");
            return EXIT_USAGE;
        }
    }
    if (optind != argc) {
        fprintf(stderr, "oomkb list: unexpected argument '%s'\n", argv[optind]);
        return EXIT_USAGE;
    }
    int color = cli_color_mode(color_mode, STDOUT_FILENO);
    if (color < 0) {
        fprintf(stderr, "oomkb list: --color takes auto, always or never\n");
        return EXIT_USAGE;
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
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'o':
            outp = optarg;
            break;
        case 'h':
            printf("usage: oomkb build -o OUT.sqlite DOC.md...\n\n"
                   "Compiles markdown field guides into a knowledge-base file for --db.\n"
                   "'# ' is the document title, '## ' a section, '### <ID> — <title>' an entry.\n");
            return 0;
        default:
            fprintf(stderr, "usage: oomkb build -o OUT.sqlite DOC.md...\n");
            return EXIT_USAGE;
        }
    }
    if (!outp || optind >= argc) {
        fprintf(stderr, "oomkb build: %s\nusage: oomkb build -o OUT.sqlite DOC.md...\n",
                !outp ? "no output file (-o OUT.sqlite)" : "no markdown documents given");
        return EXIT_USAGE;
    }
    kb_diag d = {{0}, 0, {0}};
    size_t n = (size_t)(argc - optind);
    if (kb_compile((const char *const *)argv + optind, n, outp, build_warn, NULL, &d) != KB_OK) {
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
