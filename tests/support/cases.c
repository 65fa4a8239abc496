/* Test support: the lint cases, read one by one (cases.h). */
#include "tests/support/cases.h"

#include <check.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

#define LINT_CASES "tests/cases/lint"

size_t each_lint_case(lint_case_fn fn, void *ud)
{
    DIR *dir = opendir(LINT_CASES);
    ck_assert_msg(dir != NULL, "cannot open " LINT_CASES);
    size_t n = 0;
    for (struct dirent *e; (e = readdir(dir)) != NULL;) {
        size_t l = strlen(e->d_name);
        if (l < 4 || strcmp(e->d_name + l - 3, ".py") != 0) {
            continue;
        }
        char *path = xasprintf(LINT_CASES "/%s", e->d_name);
        char *src = NULL;
        size_t len = 0;
        ck_assert_msg(util_read_file(path, 0, &src, &len) == 0, "cannot read %s", path);
        fn(e->d_name, src, len, ud);
        free(src);
        free(path);
        n++;
    }
    closedir(dir);
    return n;
}
