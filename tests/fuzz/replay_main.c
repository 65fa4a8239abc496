/* A plain main for a fuzz harness: runs LLVMFuzzerTestOneInput once on each file given, and on
 * each regular file of each directory given (sorted, not recursed). `make test` links it with
 * every harness and replays the committed corpus, so any crasher ever found stays fixed on
 * machines without clang. Exit 0 when every input ran; a crash aborts the process. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/util.h"
#include "tests/fuzz/fuzz.h"

/* Inputs are small (libFuzzer's -max_len); a bigger file in a corpus is a mistake. */
#define REPLAY_MAX_BYTES (16u * 1024u * 1024u)

static int run_file(const char *path)
{
    char *data = NULL;
    size_t len = 0;
    int err = util_read_file(path, REPLAY_MAX_BYTES, &data, &len);
    if (err) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(err));
        return -1;
    }
    LLVMFuzzerTestOneInput((const uint8_t *)data, len);
    free(data);
    return 0;
}

static int not_hidden(const struct dirent *d)
{
    return d->d_name[0] != '.';
}

/* Runs every regular file in dir. Returns the number run, or -1 on an error. */
static long run_dir(const char *dir)
{
    struct dirent **list = NULL;
    int n = scandir(dir, &list, not_hidden, alphasort);
    if (n < 0) {
        fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
        return -1;
    }
    long ran = 0;
    for (int i = 0; i < n; i++) {
        char *path = xasprintf("%s/%s", dir, list[i]->d_name);
        struct stat st;
        if (ran >= 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
            ran = run_file(path) == 0 ? ran + 1 : -1;
        }
        free(path);
        free(list[i]);
    }
    free(list);
    return ran;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE_OR_DIR...\n", argv[0]);
        return 2;
    }
    long total = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
            return 2;
        }
        long n = S_ISDIR(st.st_mode) ? run_dir(argv[i]) : (run_file(argv[i]) == 0 ? 1 : -1);
        if (n < 0) {
            return 2;
        }
        total += n;
    }
    printf("%s: %ld inputs replayed\n", argv[0], total);
    return 0;
}
