/* `oomkb diagnose`: reads logs from files or stdin, runs the OOM doctor over each and prints
 * the report as text or JSON. Also the pasted-message path of `oomkb search`. I/O and flags
 * only; the reading of the log is the doctor module. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/util.h"
#include "doctor/doctor.h"
#include "kb/kb.h"

/* Entry titles from the KB's table of contents, for the report. */
static const char *toc_title(void *ud, const char *id)
{
    const kb_toc *t = ud;
    for (size_t i = 0; t && i < t->n; i++) {
        if (strcmp(t->items[i].id, id) == 0) {
            return t->items[i].title;
        }
    }
    return NULL;
}

static kb_toc *load_toc(const char *db)
{
    kb *k = NULL;
    kb_toc *t = NULL;
    if (kb_open_default(db, &k, NULL) == KB_OK) {
        kb_toc_get(k, &t, NULL);
    }
    kb_close(k);
    return t;
}

typedef struct diag_opts {
    int json;
    int color;
    const char *kb_url;
    kb_toc *toc;
} diag_opts;

/* Diagnoses one input and prints it. Returns the exit status for it. */
static int diagnose_one(const char *name, const char *text, size_t len, const diag_opts *o,
                        int many)
{
    doctor_report *r = NULL;
    doctor_diag d = {{0}};
    if (doctor_diagnose(text, len, &r, &d) != DOCTOR_OK) {
        fprintf(stderr, "oomkb diagnose: %s: %s\n", name, d.message);
        return EXIT_USAGE;
    }
    doctor_render_opts ro = {o->kb_url, toc_title, o->toc, o->color};
    if (many && !o->json) {
        printf("==> %s <==\n", name);
    }
    if (!r->n) {
        fprintf(stderr, "oomkb diagnose: %s: no out-of-memory error found in %ld line%s\n", name,
                r->n_lines, r->n_lines == 1 ? "" : "s");
    }
    char *out = o->json ? doctor_render_json_lines(r, &ro) : doctor_render_text(r, &ro);
    fputs(out, stdout);
    free(out);
    int rc = r->n ? EXIT_FOUND : EXIT_NONE;
    doctor_report_free(r);
    return rc;
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: oomkb diagnose [options] [FILE...]\n\n"
            "Reads an out-of-memory error, a training log, a dmesg/journalctl excerpt or a\n"
            "SLURM output file (FILE, or stdin when none or '-') and prints, for each distinct\n"
            "OOM: what failed, its numbers, the verdict and the entries to apply, in order.\n\n"
            "      --json           one JSON object per event (kind, fields, verdict, entries,\n"
            "                       lint, evidence with line numbers)\n"
            "      --color WHEN     auto (default), always or never\n"
            "      --db FILE        entry titles from a compiled KB file\n"
            "      --kb-url URL     entry links to a self-hosted 'oomkb serve' (default:\n"
            "                       %s)\n\n"
            "Exit status: 0 an OOM was diagnosed, 1 none found, 2 error.\n",
            CLI_KB_URL_HELP);
}

static int combine(int rc, int one)
{
    if (rc == EXIT_USAGE || one == EXIT_USAGE) {
        return EXIT_USAGE;
    }
    return rc == EXIT_FOUND || one == EXIT_FOUND ? EXIT_FOUND : EXIT_NONE;
}

static int diagnose_path(const char *path, const diag_opts *o, int many)
{
    char *text = NULL;
    size_t len = 0;
    int is_stdin = strcmp(path, "-") == 0;
    int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
    int e = fd < 0 ? errno : util_read_fd(fd, DOCTOR_MAX_INPUT, &text, &len);
    if (fd > STDIN_FILENO) {
        close(fd);
    }
    if (e == EFBIG) {
        fprintf(stderr,
                "oomkb diagnose: %s: over the limit of %zu MiB; pass the end of the log "
                "(tail -c 100M)\n",
                is_stdin ? "stdin" : path, DOCTOR_MAX_INPUT >> 20);
        free(text);
        return EXIT_USAGE;
    }
    if (e) {
        fprintf(stderr, "oomkb diagnose: %s: %s\n", path, strerror(e));
        return EXIT_USAGE;
    }
    int rc = diagnose_one(is_stdin ? "stdin" : path, text, len, o, many);
    free(text);
    return rc;
}

int cmd_diagnose(int argc, char **argv)
{
    enum { O_JSON = 256, O_COLOR, O_DB, O_KBURL };
    static const struct option longopts[] = {{"json", no_argument, NULL, O_JSON},
                                             {"color", required_argument, NULL, O_COLOR},
                                             {"colour", required_argument, NULL, O_COLOR},
                                             {"db", required_argument, NULL, O_DB},
                                             {"kb-url", required_argument, NULL, O_KBURL},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    diag_opts o = {0, 0, NULL, NULL};
    const char *color_mode = NULL;
    const char *db = NULL;
    cli_args files = {0};
    int c;
    while ((c = cli_getopt("diagnose", argc, argv, "h", longopts, &files)) != -1) {
        switch (c) {
        case O_JSON:
            o.json = 1;
            break;
        case O_COLOR:
            color_mode = optarg;
            break;
        case O_DB:
            db = optarg;
            break;
        case O_KBURL:
            o.kb_url = optarg;
            break;
        case 'h':
            usage(stdout);
            cli_args_free(&files);
            return 0;
        default:
            cli_args_free(&files);
            return EXIT_USAGE;
        }
    }
    o.color = cli_color_mode(color_mode, STDOUT_FILENO);
    if (o.color < 0) {
        cli_args_free(&files);
        return cli_usage_error("diagnose", "--color takes auto, always or never, not '%s'",
                               color_mode);
    }
    o.color = o.color && !o.json;
    o.kb_url = cli_kb_url(o.kb_url);
    o.toc = load_toc(db);
    int rc = EXIT_NONE;
    int many = files.n > 1;
    if (files.n == 0) {
        rc = diagnose_path("-", &o, 0);
    }
    for (int i = 0; i < files.n; i++) {
        if (many && i > 0 && !o.json) {
            putchar('\n');
        }
        rc = combine(rc, diagnose_path(files.v[i], &o, many));
    }
    fflush(stdout);
    kb_toc_free(o.toc);
    cli_args_free(&files);
    return rc;
}

int cli_diagnose_text(const char *text, size_t len, int json, const char *kb_url)
{
    if (!doctor_looks_pasted(text, len)) {
        return -1;
    }
    diag_opts o = {json, 0, cli_kb_url(kb_url), load_toc(NULL)};
    o.color = json ? 0 : cli_color_mode(NULL, STDOUT_FILENO) > 0;
    int rc = diagnose_one("query", text, len, &o, 0);
    fflush(stdout);
    kb_toc_free(o.toc);
    return rc;
}
