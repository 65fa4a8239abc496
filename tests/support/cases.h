/* Test support: the lint cases (tests/cases/lint/NAME.py), read one by one. */
#ifndef OOMKB_TEST_CASES_H
#define OOMKB_TEST_CASES_H

#include <stddef.h>

/* Calls fn with every tests/cases/lint/NAME.py file's name (NAME.py), text and length (the text
 * is NUL-terminated and freed after the call), in directory order; returns how many. A file
 * that cannot be read fails the running test. */
typedef void (*lint_case_fn)(const char *name, const char *src, size_t len, void *ud);
size_t each_lint_case(lint_case_fn fn, void *ud);

#endif
