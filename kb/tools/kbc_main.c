/* The build-time KB compiler: `oomkb-kbc -o OUT.sqlite DOC.md...`. The same as
 * `oomkb build`, without the embedded KB, so the build can produce the image that the
 * oomkb binary then embeds. */
#include <stdio.h>
#include <string.h>

#include "kb/kb.h"

static void warn(void *ud, const char *file, int line, const char *message)
{
    (void)ud;
    fprintf(stderr, "%s:%d: warning: %s\n", file, line, message);
}

int main(int argc, char **argv)
{
    if (argc < 4 || strcmp(argv[1], "-o") != 0) {
        fprintf(stderr, "usage: oomkb-kbc -o OUT.sqlite DOC.md...\n");
        return 2;
    }
    kb_diag diag = {{0}, 0, {0}};
    kb_status st =
        kb_compile((const char *const *)argv + 3, (size_t)(argc - 3), argv[2], warn, NULL, &diag);
    if (st != KB_OK) {
        if (diag.line > 0) {
            fprintf(stderr, "%s:%d: error: %s\n", diag.file, diag.line, diag.message);
        } else if (diag.file[0]) {
            fprintf(stderr, "%s: error: %s\n", diag.file, diag.message);
        } else {
            fprintf(stderr, "oomkb-kbc: error: %s\n", diag.message);
        }
        return 2;
    }
    return 0;
}
