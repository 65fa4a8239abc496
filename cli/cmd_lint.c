/* `oomkb lint`: the linter's command line. Finds the files (directories recursed, stdin), reads
 * and checks them, lints them on N threads with the linter library, and prints the findings in
 * input order whatever the thread timing. All I/O of the linter lives here. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/util.h"
#include "kb/kb.h"
#include "linter/lint.h"

/* Files larger than this are reported, not read (see LINT_MAX_SOURCE_BYTES in lint.h). */
#define LINT_MAX_FILE_BYTES LINT_MAX_SOURCE_BYTES

typedef struct item {
    char *path; /* as shown */
    int is_stdin;
    char *src; /* kept for --format full */
    size_t len;
    lint_result *result;
    char *error; /* set when the file could not be linted */
    char *note;  /* syntax-error note */
} item;

typedef struct run {
    item *items;
    size_t n, cap;
    char **excludes;
    size_t n_excludes;
    /* (dev, ino) of directories and files already taken, against symlink loops and repeats:
     * an open-addressing hash set (a list scan made a folder of 100,000 files quadratic) */
    struct seen_key {
        dev_t dev;
        ino_t ino;
        int used;
    } * seen;
    size_t n_seen, cap_seen;
    /* Source bytes being linted at once, across workers, at most PARSE_BUDGET (one file alone
     * may always go): memory stays that of one file at the limit whatever -j. */
    pthread_mutex_t budget_lock;
    pthread_cond_t budget_free;
    size_t in_flight;
    lint_options opts;
    lint_project_cache *projects;
    int keep_src;
    const char *stdin_name;
    atomic_size_t next;
    lint_diag ctx_diag;
} run;

#define MAX_WALK_DEPTH 64
/* Source bytes parsed at once across workers: a file has at most one token a byte, so this
 * many bytes are at most LINT_MAX_TOKENS tokens, the memory of one file at the limit. */
#define PARSE_BUDGET ((size_t)LINT_MAX_TOKENS)

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: oomkb lint [options] [PATH...]\n"
        "\n"
        "Finds training-code patterns that run GPUs out of memory (rules OOM101-OOM104).\n"
        "PATHs are files or directories (recursed for *.py); '-' reads stdin. Default: '.'\n"
        "\n"
        "options:\n"
        "  --format FMT          default, full, json, sarif or github\n"
        "  --select CODES        only these rules (codes or prefixes, comma-separated)\n"
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
        OOMKB_DEFAULT_URL, LINT_MAX_FILE_BYTES >> 20, LINT_MAX_TOKENS, MAX_WALK_DEPTH,
        PARSE_BUDGET);
}

/* ---- Finding files ---- */

static item *add_item(run *r, const char *path)
{
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 64;
        r->items = xrealloc(r->items, r->cap * sizeof *r->items);
    }
    item *it = &r->items[r->n++];
    memset(it, 0, sizeof *it);
    it->path = xstrdup(path);
    return it;
}

static size_t seen_slot(const struct seen_key *tab, size_t cap, dev_t dev, ino_t ino)
{
    uint64_t h = ((uint64_t)ino * 0x9E3779B97F4A7C15ULL) ^ (uint64_t)dev;
    size_t i = (size_t)(h ^ (h >> 29)) & (cap - 1);
    while (tab[i].used && !(tab[i].dev == dev && tab[i].ino == ino)) {
        i = (i + 1) & (cap - 1);
    }
    return i;
}

/* 1 if this (dev, ino) was taken before; otherwise records it and returns 0. */
static int seen_before(run *r, const struct stat *st)
{
    if (r->n_seen * 2 >= r->cap_seen) {
        size_t cap = r->cap_seen ? r->cap_seen * 2 : 256;
        struct seen_key *tab = xcalloc(cap, sizeof *tab);
        for (size_t i = 0; i < r->cap_seen; i++) {
            if (r->seen[i].used) {
                tab[seen_slot(tab, cap, r->seen[i].dev, r->seen[i].ino)] = r->seen[i];
            }
        }
        free(r->seen);
        r->seen = tab;
        r->cap_seen = cap;
    }
    size_t i = seen_slot(r->seen, r->cap_seen, st->st_dev, st->st_ino);
    if (r->seen[i].used) {
        return 1;
    }
    r->seen[i].dev = st->st_dev;
    r->seen[i].ino = st->st_ino;
    r->seen[i].used = 1;
    r->n_seen++;
    return 0;
}

static int excluded(const run *r, const char *path, const char *name)
{
    for (size_t i = 0; i < r->n_excludes; i++) {
        if (fnmatch(r->excludes[i], name, 0) == 0 || fnmatch(r->excludes[i], path, 0) == 0) {
            return 1;
        }
    }
    return 0;
}

static int by_name(const struct dirent **x, const struct dirent **y)
{
    return strcmp((*x)->d_name, (*y)->d_name);
}

static int has_suffix(const char *s, const char *suf)
{
    size_t n = strlen(s);
    size_t m = strlen(suf);
    return n >= m && strcmp(s + n - m, suf) == 0;
}

static int is_venv(const char *dir)
{
    char *p = xasprintf("%s/pyvenv.cfg", dir);
    int v = access(p, F_OK) == 0;
    free(p);
    return v;
}

/* NOLINTNEXTLINE(misc-no-recursion): depth < MAX_WALK_DEPTH */
static void walk(run *r, const char *dir, int depth)
{
    struct dirent **list = NULL;
    int n = scandir(dir, &list, NULL, by_name);
    if (n < 0) {
        item *it = add_item(r, dir);
        it->error = xasprintf("cannot read directory: %s", strerror(errno));
        return;
    }
    for (int i = 0; i < n; i++) {
        const char *name = list[i]->d_name;
        if (name[0] == '.' || strcmp(name, "__pycache__") == 0 ||
            strcmp(name, "node_modules") == 0 || strcmp(name, "site-packages") == 0) {
            free(list[i]);
            continue;
        }
        size_t dl = strlen(dir);
        char *path =
            dl && dir[dl - 1] == '/' ? xasprintf("%s%s", dir, name) : xasprintf("%s/%s", dir, name);
        struct stat st;
        if (excluded(r, path, name) || stat(path, &st) != 0) {
            /* a dangling symlink or a vanished file: nothing to lint */
        } else if (S_ISDIR(st.st_mode)) {
            if (depth < MAX_WALK_DEPTH && !seen_before(r, &st) && !is_venv(path)) {
                walk(r, path, depth + 1);
            }
        } else if (S_ISREG(st.st_mode) && has_suffix(name, ".py") && !seen_before(r, &st)) {
            add_item(r, path);
        }
        free(path);
        free(list[i]);
    }
    free(list);
}

static void collect(run *r, char **paths, int n)
{
    for (int i = 0; i < n; i++) {
        if (strcmp(paths[i], "-") == 0) {
            item *it = add_item(r, r->stdin_name ? r->stdin_name : "-");
            it->is_stdin = 1;
            continue;
        }
        struct stat st;
        struct stat lst;
        if (stat(paths[i], &st) != 0) {
            int e = errno;
            item *it = add_item(r, paths[i]);
            if (e == ENOENT && lstat(paths[i], &lst) == 0 && S_ISLNK(lst.st_mode)) {
                it->error = xstrdup("broken symbolic link (its target does not exist)");
            } else if (e == ELOOP) {
                it->error = xstrdup("symbolic link loop (too many levels of symbolic links)");
            } else {
                it->error = xstrdup(strerror(e));
            }
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            seen_before(r, &st);
            walk(r, paths[i], 0);
        } else {
            add_item(r, paths[i]); /* named explicitly: always linted */
        }
    }
}

/* ---- Linting ---- */

/* UTF-8 check with a fast path for the common all-ASCII file. */
static int valid_utf8(const char *s, size_t n, int *line, size_t *off)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        /* any byte >= 0x80 or == 0 */
        if ((w & 0x8080808080808080ULL) ||
            ((w - 0x0101010101010101ULL) & ~w & 0x8080808080808080ULL)) {
            break;
        }
    }
    for (size_t k = i; k < n; k++) {
        if ((unsigned char)s[k] >= 0x80 || s[k] == 0) {
            return util_utf8_valid(s, n, line, off);
        }
    }
    return 1;
}

/* Waits until n more source bytes may be in flight (see run.in_flight). */
static void budget_take(run *r, size_t n)
{
    pthread_mutex_lock(&r->budget_lock);
    while (r->in_flight > 0 && r->in_flight + n > PARSE_BUDGET) {
        pthread_cond_wait(&r->budget_free, &r->budget_lock);
    }
    r->in_flight += n;
    pthread_mutex_unlock(&r->budget_lock);
}

static void budget_give(run *r, size_t n)
{
    pthread_mutex_lock(&r->budget_lock);
    r->in_flight -= n;
    pthread_cond_broadcast(&r->budget_free);
    pthread_mutex_unlock(&r->budget_lock);
}

/* Reads fd to its end, at most LINT_MAX_FILE_BYTES: one byte more fails with EFBIG, so endless
 * input (/dev/zero, `yes`) costs the limit and no more. size_hint presizes the buffer. */
static int read_bounded(int fd, size_t size_hint, char **out, size_t *out_len)
{
    buf b = BUF_INIT;
    buf_grow(&b, size_hint < LINT_MAX_FILE_BYTES ? size_hint + 1 : 65536);
    for (;;) {
        buf_grow(&b, 65536);
        size_t room = b.cap - b.len - 1;
        if (room > 1U << 20) {
            room = 1U << 20;
        }
        ssize_t n = read(fd, b.data + b.len, room);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            int e = errno;
            buf_free(&b);
            return e;
        }
        if (n == 0) {
            break;
        }
        b.len += (size_t)n;
        b.data[b.len] = '\0';
        if (b.len > LINT_MAX_FILE_BYTES) {
            buf_free(&b);
            return EFBIG;
        }
    }
    *out_len = b.len;
    *out = buf_detach(&b);
    return 0;
}

/* Opens and reads a named file. Never blocks on a FIFO without a writer (opened non-blocking:
 * such a FIFO reads as empty); a regular file over the limit fails with EFBIG unread. *cost is
 * the budget taken (given back by the caller). */
static int read_path(run *r, const char *path, char **out, size_t *out_len, size_t *cost)
{
    *cost = 0;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        return errno;
    }
    struct stat st;
    int err = 0;
    if (fstat(fd, &st) != 0) {
        err = errno;
    } else if (S_ISDIR(st.st_mode)) {
        err = EISDIR;
    } else if (S_ISREG(st.st_mode) && (uintmax_t)st.st_size > LINT_MAX_FILE_BYTES) {
        err = EFBIG;
    } else {
        int fl = fcntl(fd, F_GETFL);
        if (fl >= 0) {
            fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
        }
        size_t hint = S_ISREG(st.st_mode) ? (size_t)st.st_size : 0;
        *cost = S_ISREG(st.st_mode) ? hint : LINT_MAX_FILE_BYTES;
        budget_take(r, *cost);
        err = read_bounded(fd, hint, out, out_len);
    }
    close(fd);
    return err;
}

/* A human reason why src is not UTF-8 source, or NULL if it is. Caller frees. */
static char *encoding_problem(const char *src, size_t len)
{
    const unsigned char *u = (const unsigned char *)src;
    static const struct {
        const char *bom;
        size_t n;
        const char *name;
    } boms[] = {
        {"\xFF\xFE\x00\x00", 4, "UTF-32LE"},
        {"\x00\x00\xFE\xFF", 4, "UTF-32BE"},
        {"\xFF\xFE", 2, "UTF-16LE"},
        {"\xFE\xFF", 2, "UTF-16BE"},
    };
    for (size_t i = 0; i < sizeof boms / sizeof boms[0]; i++) {
        if (len >= boms[i].n && memcmp(src, boms[i].bom, boms[i].n) == 0) {
            return xasprintf("%s file (byte-order mark); oomkb lints UTF-8 source only "
                             "(convert it: iconv -f %s -t UTF-8)",
                             boms[i].name, boms[i].name);
        }
    }
    int line = 0;
    size_t off = 0;
    if (valid_utf8(src, len, &line, &off)) {
        return NULL;
    }
    /* UTF-16 without a BOM: ASCII text with every other byte NUL. */
    size_t half = (len < 512 ? len : 512) / 2;
    size_t z_odd = 0;
    size_t z_even = 0;
    for (size_t i = 0; i < half; i++) {
        z_even += u[2 * i] == 0;
        z_odd += u[2 * i + 1] == 0;
    }
    if (half >= 4 &&
        ((z_odd * 4 >= half * 3 && z_even == 0) || (z_even * 4 >= half * 3 && z_odd == 0))) {
        return xasprintf("looks like UTF-16%s without a byte-order mark (NUL every other byte); "
                         "oomkb lints UTF-8 source only",
                         z_odd ? "LE" : "BE");
    }
    if (u[off] == 0) {
        if (memchr(src, '\0', len < 8192 ? len : 8192)) {
            return xasprintf("binary file (NUL byte at offset %zu), not linted", off);
        }
        return xasprintf("line %d: NUL byte (byte offset %zu), not linted", line, off);
    }
    const char *why = "";
    if (u[off] == 0xED && off + 1 < len && (u[off + 1] & 0xE0) == 0xA0) {
        why = ", a UTF-16 surrogate encoded as UTF-8 (CESU-8/WTF-8)";
    } else if (u[off] == 0xC0 || u[off] == 0xC1 ||
               (u[off] == 0xE0 && off + 1 < len && u[off + 1] < 0xA0) ||
               (u[off] == 0xF0 && off + 1 < len && u[off + 1] < 0x90)) {
        why = ", an overlong encoding";
    } else if (u[off] >= 0xC2 && u[off] <= 0xF4 &&
               off + (u[off] >= 0xF0   ? 4U
                      : u[off] >= 0xE0 ? 3U
                                       : 2U) >
                   len) {
        why = ", truncated at the end of the file";
    }
    return xasprintf("line %d: not valid UTF-8 (byte 0x%02X at byte offset %zu%s); oomkb lints "
                     "UTF-8 source only",
                     line, u[off], off, why);
}

typedef struct ddp_query {
    lint_project_cache *cache;
    const char *path;
} ddp_query;

/* Asked by the linter only when a file holds a reentrant-checkpoint site. */
static void ddp_lookup(void *ud, lint_ddp *out)
{
    const ddp_query *q = ud;
    lint_project_ddp(q->cache, q->path, out);
}

static void lint_item(run *r, lint_ctx *ctx, item *it)
{
    if (it->error) {
        return;
    }
    char *src = NULL;
    size_t len = 0;
    size_t cost = 0;
    int err;
    if (it->is_stdin) {
        cost = LINT_MAX_FILE_BYTES;
        budget_take(r, cost);
        err = read_bounded(STDIN_FILENO, 0, &src, &len);
    } else {
        err = read_path(r, it->path, &src, &len, &cost);
    }
    if (err) {
        budget_give(r, cost);
        if (err == EFBIG) {
            it->error = xasprintf("larger than the %zu MiB limit, not linted (see oomkb lint "
                                  "--help)",
                                  LINT_MAX_FILE_BYTES >> 20);
        } else if (err == EISDIR) {
            it->error = xstrdup("is a directory");
        } else {
            it->error = xstrdup(strerror(err));
        }
        return;
    }
    char *why = encoding_problem(src, len);
    if (why) {
        budget_give(r, cost);
        it->error = why;
        free(src);
        return;
    }
    lint_options o = r->opts;
    ddp_query q = {r->projects, it->path};
    o.ddp_fn = ddp_lookup;
    o.ddp_ud = &q;
    lint_diag d = {{0}};
    lint_status st = lint_buffer(ctx, src, len, &o, &it->result, &d);
    budget_give(r, cost);
    if (st != LINT_OK) {
        it->error = xstrdup(d.message);
        free(src);
        return;
    }
    if (it->result->n_syntax_errors) {
        it->note =
            xasprintf("%s:%u:%u: note: syntax error; only the parts that parse were linted",
                      it->path, it->result->first_error.row + 1, it->result->first_error.column);
    }
    if (r->keep_src) {
        it->src = src;
        it->len = len;
    } else {
        free(src);
    }
}

static void *worker(void *arg)
{
    run *r = arg;
    lint_ctx *ctx = lint_ctx_new(NULL);
    if (!ctx) {
        return NULL;
    }
    for (;;) {
        size_t i = atomic_fetch_add(&r->next, 1);
        if (i >= r->n) {
            break;
        }
        lint_item(r, ctx, &r->items[i]);
    }
    lint_ctx_free(ctx);
    return NULL;
}

/* ---- Rules, explain ---- */

static void list_rules(void)
{
    printf("%-7s %-36s %-5s %s\n", "CODE", "NAME", "ENTRY", "SUMMARY");
    for (int i = 0; i < lint_rule_count(); i++) {
        const lint_rule *r = &lint_rules()[i];
        printf("%-7s %-36s %-5s %s\n", r->code, r->name, r->entry, r->summary);
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
    run r;
    memset(&r, 0, sizeof r);
    pthread_mutex_init(&r.budget_lock, NULL);
    pthread_cond_init(&r.budget_free, NULL);
    int fmt = LINT_FORMAT_DEFAULT;
    int jobs = 0;
    int exit_zero = 0;
    int rc = 0;
    uint32_t select = lint_rule_all();
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
            r.excludes = xrealloc(r.excludes, (r.n_excludes + 1) * sizeof *r.excludes);
            r.excludes[r.n_excludes++] = optarg;
            break;
        case OPT_STDIN_NAME:
            r.stdin_name = optarg;
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
            r.opts.ignore_noqa = 1;
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
    r.opts.rules = select & ~ignore;
    if (r.opts.rules == 0) {
        fprintf(stderr, "oomkb lint: --select/--ignore leave no rule to run\n");
        rc = EXIT_USAGE;
        goto out;
    }
    /* the grammar must load before any file is read */
    lint_ctx *probe = lint_ctx_new(&r.ctx_diag);
    if (!probe) {
        fprintf(stderr, "oomkb lint: %s\n", r.ctx_diag.message);
        rc = EXIT_USAGE;
        goto out;
    }
    lint_ctx_free(probe);
    int n_paths = argc - optind;
    int n_stdin = 0;
    for (int i = optind; i < argc; i++) {
        n_stdin += strcmp(argv[i], "-") == 0;
    }
    if (n_stdin > 1) {
        fprintf(stderr, "oomkb lint: '-' (stdin) can be given once\n");
        rc = EXIT_USAGE;
        goto out;
    }
    char *dot[] = {"."};
    collect(&r, n_paths ? argv + optind : dot, n_paths ? n_paths : 1);
    r.keep_src = fmt == LINT_FORMAT_FULL;
    r.projects = lint_project_cache_new();
    if (jobs == 0) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        jobs = cores > 0 ? (int)(cores > 64 ? 64 : cores) : 1;
    }
    if ((size_t)jobs > r.n) {
        jobs = r.n ? (int)r.n : 1;
    }
    atomic_store(&r.next, 0);
    if (jobs == 1 || n_stdin) {
        worker(&r); /* stdin is read once, on this thread */
    } else {
        pthread_t *th = xcalloc((size_t)jobs, sizeof *th);
        int started = 0;
        for (int i = 0; i < jobs; i++) {
            if (pthread_create(&th[i], NULL, worker, &r) == 0) {
                started++;
            } else {
                break;
            }
        }
        if (started == 0) {
            worker(&r);
        }
        for (int i = 0; i < started; i++) {
            pthread_join(th[i], NULL);
        }
        free(th);
    }
    /* report: errors and notes on stderr, findings on stdout, both in input order */
    int errors = 0;
    size_t findings = 0;
    lint_file_report *reports = xcalloc(r.n ? r.n : 1, sizeof *reports);
    size_t nr = 0;
    for (size_t i = 0; i < r.n; i++) {
        item *it = &r.items[i];
        if (it->error) {
            fprintf(stderr, "oomkb lint: %s: %s\n", it->path, it->error);
            errors++;
            continue;
        }
        if (it->note) {
            fprintf(stderr, "%s\n", it->note);
        }
        if (it->result) {
            findings += it->result->n;
            reports[nr++] = (lint_file_report){it->path, it->src, it->len, it->result};
        }
    }
    lint_render_opts ro;
    memset(&ro, 0, sizeof ro);
    ro.kb_url = kb_url;
    ro.tool_version = "0.1.0";
    kb *k = NULL;
    kb_entry *entries[LINT_MAX_RULES] = {NULL};
    int need_docs = fmt == LINT_FORMAT_FULL || fmt == LINT_FORMAT_SARIF;
    kb_diag kd;
    memset(&kd, 0, sizeof kd);
    if (need_docs && kb_open_embedded(&k, &kd) == KB_OK) {
        for (int i = 0; i < lint_rule_count(); i++) {
            if (kb_entry_get(k, lint_rules()[i].entry, &entries[i], &kd) == KB_OK) {
                ro.docs[i].title = entries[i]->title;
                ro.docs[i].markdown = entries[i]->markdown;
            }
        }
    }
    buf out = BUF_INIT;
    lint_render(&out, (lint_format)fmt, reports, nr, &ro);
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
    rc = errors ? EXIT_USAGE : (findings && !exit_zero ? EXIT_NONE : 0);
out:
    for (size_t i = 0; i < r.n; i++) {
        free(r.items[i].path);
        free(r.items[i].src);
        free(r.items[i].error);
        free(r.items[i].note);
        lint_result_free(r.items[i].result);
    }
    free(r.items);
    free(r.excludes);
    free(r.seen);
    lint_project_cache_free(r.projects);
    pthread_mutex_destroy(&r.budget_lock);
    pthread_cond_destroy(&r.budget_free);
    return rc;
}
