/* The unit-test runner: every tests/unit/test_NAME.c defines `Suite *suite_NAME(void)`; the
 * build lists them in build/MODE/suites.h, so adding a test file needs no edit here.
 * Run from the repository root (tests read tests/cases/ and kb/). OOMKB_SUITE=NAME runs one. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#define SUITE(name) Suite *suite_##name(void);
#include "suites.h"
#undef SUITE

int main(void)
{
    /* A test case that sets no timeout of its own gets 60 s, not check's 4 s: the sanitizer
     * build on a busy machine is several times slower, and a timeout here means a hang. */
    setenv("CK_DEFAULT_TIMEOUT", "60", 0);
    const char *only = getenv("OOMKB_SUITE");
    SRunner *sr = NULL;
#define SUITE(name)                                                                                \
    if (!only || strcmp(only, #name) == 0) {                                                       \
        if (!sr) {                                                                                 \
            sr = srunner_create(suite_##name());                                                   \
        } else {                                                                                   \
            srunner_add_suite(sr, suite_##name());                                                 \
        }                                                                                          \
    }
#include "suites.h"
#undef SUITE
    if (!sr) {
        return 2;
    }
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
