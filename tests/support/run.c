/* See run.h. fork + exec with stdout and stderr sent to temporary files, so that neither can
 * fill a pipe and stall the child. */
#include "tests/support/run.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/util.h"

static char *slurp(FILE *f)
{
    buf b = BUF_INIT;
    char chunk[4096];
    size_t n;
    rewind(f);
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        buf_append(&b, chunk, n);
    }
    return buf_detach(&b);
}

run_result run_cmd(const char *const *argv, const char *stdin_data, const char *const *env_extra)
{
    run_result r = {-1, NULL, NULL};
    FILE *out = tmpfile(), *err = tmpfile(), *in = tmpfile();
    if (!out || !err || !in) {
        abort();
    }
    if (stdin_data) {
        fwrite(stdin_data, 1, strlen(stdin_data), in);
        fflush(in);
        rewind(in);
    }
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid == 0) {
        int fd_in = stdin_data ? fileno(in) : open("/dev/null", O_RDONLY);
        dup2(fd_in, 0);
        dup2(fileno(out), 1);
        dup2(fileno(err), 2);
        for (size_t i = 0; env_extra && env_extra[i]; i++) {
            putenv((char *)env_extra[i]);
        }
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    r.out = slurp(out);
    r.err = slurp(err);
    fclose(out);
    fclose(err);
    fclose(in);
    return r;
}

void run_result_free(run_result *r)
{
    free(r->out);
    free(r->err);
    r->out = r->err = NULL;
}

int run_sh(const char *cmd, char **out, char **err)
{
    char o[] = "/tmp/oomkb-sh-outXXXXXX", e[] = "/tmp/oomkb-sh-errXXXXXX";
    int fo = mkstemp(o), fe = mkstemp(e);
    if (fo < 0 || fe < 0) {
        abort();
    }
    close(fo);
    close(fe);
    char *full = xasprintf("%s >%s 2>%s", cmd, o, e);
    int st = system(full);
    free(full);
    size_t n;
    char *so = NULL, *se = NULL;
    if (util_read_file(o, 0, &so, &n) != 0) {
        so = xstrdup("");
    }
    if (util_read_file(e, 0, &se, &n) != 0) {
        se = xstrdup("");
    }
    unlink(o);
    unlink(e);
    if (out) {
        *out = so;
    } else {
        free(so);
    }
    if (err) {
        *err = se;
    } else {
        free(se);
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}
