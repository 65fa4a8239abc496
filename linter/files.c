/* Finding and reading source files: folder walks under the one skip policy (lint.h, at
 * lint_batch; the project scan of project.c walks by it too), paths named explicitly, and
 * bounded reads that never block on a FIFO nor read past the byte limit. A lint_batch
 * (batch.c) is the caller; nothing here lints. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "linter/lint_int.h"

/* ---- Entries already taken ---- */

struct file_seen {
    dev_t dev;
    ino_t ino;
    int used;
};

static size_t seen_slot(const struct file_seen *tab, size_t cap, dev_t dev, ino_t ino)
{
    uint64_t h = ((uint64_t)ino * 0x9E3779B97F4A7C15ULL) ^ (uint64_t)dev;
    size_t i = (size_t)(h ^ (h >> 29)) & (cap - 1);
    while (tab[i].used && !(tab[i].dev == dev && tab[i].ino == ino)) {
        i = (i + 1) & (cap - 1);
    }
    return i;
}

/* 1 if this (dev, ino) was taken before; otherwise records it and returns 0. */
static int seen_before(file_walk *w, const struct stat *st)
{
    if (w->n_seen * 2 >= w->cap_seen) {
        size_t cap = w->cap_seen ? w->cap_seen * 2 : 256;
        struct file_seen *tab = xcalloc(cap, sizeof *tab);
        for (size_t i = 0; i < w->cap_seen; i++) {
            if (w->seen[i].used) {
                tab[seen_slot(tab, cap, w->seen[i].dev, w->seen[i].ino)] = w->seen[i];
            }
        }
        free(w->seen);
        w->seen = tab;
        w->cap_seen = cap;
    }
    size_t i = seen_slot(w->seen, w->cap_seen, st->st_dev, st->st_ino);
    if (w->seen[i].used) {
        return 1;
    }
    w->seen[i].dev = st->st_dev;
    w->seen[i].ino = st->st_ino;
    w->seen[i].used = 1;
    w->n_seen++;
    return 0;
}

void file_walk_free(file_walk *w)
{
    free(w->seen);
    w->seen = NULL;
    w->n_seen = w->cap_seen = 0;
}

/* ---- The skip policy ---- */

/* Names never looked at in a folder: hidden entries and the folders of tools and installs. */
static int skipped_name(const char *name)
{
    return name[0] == '.' || strcmp(name, "__pycache__") == 0 ||
           strcmp(name, "node_modules") == 0 || strcmp(name, "site-packages") == 0;
}

static int excluded(const file_walk *w, const char *path, const char *name)
{
    for (size_t i = 0; i < w->n_excludes; i++) {
        if (fnmatch(w->excludes[i], name, 0) == 0 || fnmatch(w->excludes[i], path, 0) == 0) {
            return 1;
        }
    }
    return w->excluded && w->excluded(w->ud, path);
}

static int is_venv(const char *dir)
{
    char *p = xasprintf("%s/pyvenv.cfg", dir);
    int v = access(p, F_OK) == 0;
    free(p);
    return v;
}

static int wanted_name(const char *name, const char *const *suffixes)
{
    size_t n = strlen(name);
    for (; *suffixes; suffixes++) {
        size_t m = strlen(*suffixes);
        if (n >= m && strcmp(name + n - m, *suffixes) == 0) {
            return 1;
        }
    }
    return 0;
}

int file_walk_entry(file_walk *w, const char *path, const char *name, int descend,
                    const char *const *suffixes)
{
    struct stat st;
    /* stat, not lstat: links are followed; a dangling one or a loop fails here and is
     * passed over like a file that vanished */
    if (skipped_name(name) || excluded(w, path, name) || stat(path, &st) != 0) {
        return FILE_SKIP;
    }
    if (S_ISDIR(st.st_mode)) {
        return descend && !seen_before(w, &st) && !is_venv(path) ? FILE_DIR : FILE_SKIP;
    }
    if (S_ISREG(st.st_mode) && wanted_name(name, suffixes) && !seen_before(w, &st)) {
        return FILE_TAKE;
    }
    return FILE_SKIP; /* FIFOs, sockets, devices */
}

int file_walk_root(file_walk *w, const char *dir)
{
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        return 0;
    }
    seen_before(w, &st);
    return 1;
}

/* ---- Collecting the files of named paths ---- */

static const char *const py_suffix[] = {".py", NULL};

static int by_name(const struct dirent **x, const struct dirent **y)
{
    return strcmp((*x)->d_name, (*y)->d_name);
}

/* NOLINTNEXTLINE(misc-no-recursion): depth < LINT_MAX_WALK_DEPTH */
static void walk(file_walk *w, const char *dir, int depth)
{
    struct dirent **list = NULL;
    int n = scandir(dir, &list, NULL, by_name);
    if (n < 0) {
        w->take(w->ud, dir, xasprintf("cannot read directory: %s", strerror(errno)));
        return;
    }
    size_t dl = strlen(dir);
    const char *sep = dl && dir[dl - 1] == '/' ? "" : "/";
    for (int i = 0; i < n; i++) {
        const char *name = list[i]->d_name;
        if (!skipped_name(name)) {
            char *path = xasprintf("%s%s%s", dir, sep, name);
            switch (file_walk_entry(w, path, name, depth < LINT_MAX_WALK_DEPTH, py_suffix)) {
            case FILE_DIR:
                walk(w, path, depth + 1);
                break;
            case FILE_TAKE:
                w->take(w->ud, path, NULL);
                break;
            default:
                break;
            }
            free(path);
        }
        free(list[i]);
    }
    free(list);
}

void file_collect(file_walk *w, const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        int e = errno;
        struct stat lst;
        if (e == ENOENT && lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode)) {
            w->take(w->ud, path, xstrdup("broken symbolic link (its target does not exist)"));
        } else if (e == ELOOP) {
            w->take(w->ud, path, xstrdup("symbolic link loop (too many levels of symbolic links)"));
        } else {
            w->take(w->ud, path, xstrdup(strerror(e)));
        }
        return;
    }
    if (S_ISDIR(st.st_mode)) {
        seen_before(w, &st);
        walk(w, path, 0);
    } else {
        w->take(w->ud, path, NULL); /* named explicitly: always linted */
    }
}

/* ---- Reading ---- */

int file_read(int fd, size_t size_hint, char **out, size_t *out_len)
{
    buf b = BUF_INIT;
    buf_grow(&b, size_hint < LINT_MAX_SOURCE_BYTES ? size_hint + 1 : 65536);
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
        if (b.len > LINT_MAX_SOURCE_BYTES) {
            buf_free(&b);
            return EFBIG;
        }
    }
    *out_len = b.len;
    *out = buf_detach(&b);
    return 0;
}

int file_open(const char *path, int *out_fd, size_t *out_size, int *out_regular)
{
    *out_fd = -1;
    *out_size = 0;
    *out_regular = 0;
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
    } else if (S_ISREG(st.st_mode) && (uintmax_t)st.st_size > LINT_MAX_SOURCE_BYTES) {
        err = EFBIG;
    }
    if (err) {
        close(fd);
        return err;
    }
    /* blocking again for the read: only the open had to not wait for a writer */
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0) {
        fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    }
    *out_fd = fd;
    *out_regular = S_ISREG(st.st_mode) != 0;
    *out_size = *out_regular ? (size_t)st.st_size : 0;
    return 0;
}
