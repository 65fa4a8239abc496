/* Test support: runs a command (no shell) with optional standard input and captures its
 * output and exit status. Used by tests that drive the real oomkb binary. */
#ifndef OOMKB_TEST_RUN_H
#define OOMKB_TEST_RUN_H

#include <stddef.h>

typedef struct run_result {
    int status; /* exit status, or 128 + signal */
    char *out;  /* stdout, NUL-terminated; caller frees */
    char *err;  /* stderr */
} run_result;

/* argv is NULL-terminated; stdin_data may be NULL (then stdin is /dev/null). env_extra is a
 * NULL-terminated list of "NAME=value" added to the environment, or NULL. */
run_result run_cmd(const char *const *argv, const char *stdin_data, const char *const *env_extra);
void run_result_free(run_result *r);

/* Runs cmd through /bin/sh with stdout and stderr captured into *out and *err (caller frees;
 * either may be NULL to discard). Returns the exit status, or -1 if it did not exit. */
int run_sh(const char *cmd, char **out, char **err);

#endif
