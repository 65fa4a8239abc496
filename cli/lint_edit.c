/* `oomkb lint --fix / --diff / --add-noqa`: what the linter's edits do to files. The batch has
 * linted (and with --fix, fixed) every file in memory; here the changed files are replaced
 * atomically (a temporary file in the same folder, fsync, rename, the mode kept), diffs are
 * printed, and the ruff-style summaries written. The edits themselves are linter/fix.c's. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "linter/fix.h"

/* Writes data[0..len) to fd; 0 or an errno value. */
static int write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, data, len);
        if (w < 0) {
            if (errno == EINTR) {
                continue;
            }
            return errno;
        }
        data += w;
        len -= (size_t)w;
    }
    return 0;
}

int cli_file_replace(const char *path, const char *data, size_t len)
{
    /* through a symbolic link to the file it names, so the link stays a link */
    char *target = realpath(path, NULL);
    if (!target) {
        return errno;
    }
    struct stat st;
    if (stat(target, &st) != 0) {
        int err = errno;
        free(target);
        return err;
    }
    char *dir_copy = xstrdup(target);
    char *base_copy = xstrdup(target);
    char *tmp = xasprintf("%s/.%s.oomkb-XXXXXX", dirname(dir_copy), basename(base_copy));
    int err = 0;
    int fd = mkstemp(tmp);
    if (fd < 0) {
        err = errno;
        goto out;
    }
    err = write_all(fd, data, len);
    if (!err && fchmod(fd, st.st_mode & 07777) != 0) {
        err = errno;
    }
    if (!err && fsync(fd) != 0) {
        err = errno;
    }
    if (close(fd) != 0 && !err) {
        err = errno;
    }
    if (!err && rename(tmp, target) != 0) {
        err = errno;
    }
    if (err) {
        unlink(tmp);
    }
out:
    free(tmp);
    free(dir_copy);
    free(base_copy);
    free(target);
    return err;
}

static const char *plural(size_t n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

int cli_lint_write_fixes(const lint_batch *b, FILE *out)
{
    size_t n;
    const lint_batch_item *items = lint_batch_items(b, &n);
    int errors = 0;
    for (size_t i = 0; i < n; i++) {
        const lint_batch_item *it = &items[i];
        if (it->fix_reverted) {
            fprintf(stderr, "oomkb lint: %s: a fix would break the syntax; it was not applied\n",
                    it->path);
        }
        if (it->is_stdin) {
            /* as ruff does: the source goes out, fixed or not (not when it was unreadable) */
            const char *text = it->fixed ? it->fixed : it->src;
            if (text) {
                fwrite(text, 1, it->fixed ? it->fixed_len : it->len, out);
                fflush(out);
            }
            continue;
        }
        if (!it->fixed || (it->fixed_len == it->len && memcmp(it->fixed, it->src, it->len) == 0)) {
            continue;
        }
        int err = cli_file_replace(it->path, it->fixed, it->fixed_len);
        if (err) {
            fprintf(stderr, "oomkb lint: %s: not fixed: cannot write it (%s)\n", it->path,
                    strerror(err));
            errors++;
        }
    }
    return errors;
}

/* The fixes of r that only --unsafe-fixes would apply. */
static size_t hidden_fixes(const lint_result *r, int unsafe)
{
    size_t h = 0;
    for (size_t i = 0; r && i < r->n; i++) {
        h += r->items[i].fix && !lint_fix_applicable(r->items[i].fix, unsafe);
    }
    return h;
}

void cli_lint_fix_summary(const lint_batch *b, int unsafe, FILE *out)
{
    size_t n;
    const lint_batch_item *items = lint_batch_items(b, &n);
    size_t fixed = 0;
    size_t remaining = 0;
    size_t hidden = 0;
    for (size_t i = 0; i < n; i++) {
        fixed += items[i].n_fixed;
        remaining += items[i].result ? items[i].result->n : 0;
        hidden += hidden_fixes(items[i].result, unsafe);
    }
    if (fixed + remaining > 0) {
        fprintf(out, "Found %zu %s (%zu fixed, %zu remaining).\n", fixed + remaining,
                plural(fixed + remaining, "finding", "findings"), fixed, remaining);
    }
    if (hidden) {
        fprintf(out, "(%zu hidden %s can be enabled with the `--unsafe-fixes` option.)\n", hidden,
                plural(hidden, "fix", "fixes"));
    }
}

int cli_lint_print_diffs(const lint_batch *b, int unsafe, FILE *out)
{
    size_t n;
    const lint_batch_item *items = lint_batch_items(b, &n);
    size_t would = 0;
    size_t hidden = 0;
    int changed = 0;
    int errors = 0;
    for (size_t i = 0; i < n; i++) {
        const lint_batch_item *it = &items[i];
        if (it->error) {
            fprintf(stderr, "oomkb lint: %s: %s\n", it->path, it->error);
            errors++;
            continue;
        }
        if (it->result && it->result->n_syntax_errors) {
            fprintf(stderr, "%s:%u:%u: note: syntax error; no fix applied\n", it->path,
                    it->result->first_error.row + 1, it->result->first_error.column);
        }
        /* "a/./x.py" is no path git apply or patch -p1 takes */
        const char *name = it->path;
        while (name[0] == '.' && name[1] == '/') {
            name += 2;
        }
        buf d = BUF_INIT;
        if (it->fixed && lint_diff_unified(&d, it->src, it->len, it->fixed, it->fixed_len, name)) {
            fwrite(d.data, 1, d.len, out);
            changed = 1;
            would += it->n_fixed;
        }
        buf_free(&d);
        hidden += hidden_fixes(it->result, unsafe);
    }
    fflush(out);
    if (would) {
        fprintf(stderr, "Would fix %zu %s.\n", would, plural(would, "finding", "findings"));
    } else {
        fprintf(stderr, "No findings would be fixed.\n");
    }
    if (hidden) {
        fprintf(stderr, "(%zu hidden %s can be enabled with the `--unsafe-fixes` option.)\n",
                hidden, plural(hidden, "fix", "fixes"));
    }
    return errors ? EXIT_USAGE : (changed ? EXIT_NONE : 0);
}

int cli_lint_add_noqa(const lint_batch *b, FILE *out)
{
    size_t n;
    const lint_batch_item *items = lint_batch_items(b, &n);
    size_t added = 0;
    int errors = 0;
    for (size_t i = 0; i < n; i++) {
        const lint_batch_item *it = &items[i];
        if (it->error) {
            fprintf(stderr, "oomkb lint: %s: %s\n", it->path, it->error);
            errors++;
            continue;
        }
        if (!it->result || !it->src) {
            continue;
        }
        buf nb = BUF_INIT;
        size_t skipped = 0;
        size_t k = lint_noqa_add(it->src, it->len, it->result, &nb, &skipped);
        if (skipped) {
            fprintf(stderr,
                    "oomkb lint: %s: %zu %s outside the file (changed while linting?); "
                    "no noqa added for them\n",
                    it->path, skipped, plural(skipped, "finding has", "findings have"));
        }
        if (it->is_stdin) {
            fwrite(nb.data, 1, nb.len, out);
            fflush(out);
        } else if (k) {
            int err = cli_file_replace(it->path, nb.data, nb.len);
            if (err) {
                fprintf(stderr, "oomkb lint: %s: cannot write it (%s)\n", it->path, strerror(err));
                errors++;
                k = 0;
            }
        }
        added += k;
        buf_free(&nb);
    }
    fprintf(stderr, "Added %zu noqa %s.\n", added, plural(added, "directive", "directives"));
    return errors ? EXIT_USAGE : 0;
}
