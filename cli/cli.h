/* The oomkb command line: one binary, subcommands in the manner of git and ruff.
 * cli/main.c dispatches argv to one cmd_* function per subcommand; each returns the process
 * exit status: 0 ok/found, 1 no match or findings, 2 usage or input error, 3 internal error. */
#ifndef OOMKB_CLI_H
#define OOMKB_CLI_H

#include <getopt.h>
#include <stddef.h>
#include <stdio.h>

/* The version, from the VERSION file through the Makefile (-DOOMKB_VERSION). */
#ifndef OOMKB_VERSION
#define OOMKB_VERSION "0.0.0+unknown"
#endif

enum { EXIT_FOUND = 0, EXIT_NONE = 1, EXIT_USAGE = 2, EXIT_INTERNAL = 3 };

/* Knowledge base (cli/cmd_kb.c). argv[0] is the subcommand name. */
int cmd_build(int argc, char **argv);
int cmd_search(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_list(int argc, char **argv);
/* HTTP server (cli/cmd_serve.c). */
int cmd_serve(int argc, char **argv) __attribute__((weak));
/* Linter (cli/cmd_lint.c). */
int cmd_lint(int argc, char **argv) __attribute__((weak));
/* The OOM doctor (cli/cmd_diagnose.c). */
int cmd_diagnose(int argc, char **argv);
/* Diagnoses text[0..len) for `oomkb search` given a pasted OOM message: prints the report
 * and returns the exit status, or -1 when the text holds no OOM signature. */
int cli_diagnose_text(const char *text, size_t len, int json, const char *kb_url);
/* The linter's edits (cli/lint_edit.c), after a lint_batch has run. Each reports problems on
 * stderr naming the file. */
struct lint_batch;
/* --fix: replaces each file whose fixed bytes differ (cli_file_replace); a stdin item's fixed
 * bytes go to out. Returns the number of files that could not be written. */
int cli_lint_write_fixes(const struct lint_batch *b, FILE *out);
/* --fix: "Found N findings (F fixed, R remaining)." and the count of fixes that only
 * --unsafe-fixes would apply, to out. Nothing when nothing was found. */
void cli_lint_fix_summary(const struct lint_batch *b, int unsafe, FILE *out);
/* --diff: the unified diff of each file's fixes to out, "Would fix N findings." on stderr.
 * Returns 1 when there is a diff, 0 when none, 2 when a file could not be linted. */
int cli_lint_print_diffs(const struct lint_batch *b, int unsafe, FILE *out);
/* --add-noqa: adds noqa directives for every finding (lint_noqa_add) and replaces the files
 * that changed (stdin's result goes to out); "Added N noqa directives." on stderr. Returns 0,
 * or 2 when a file could not be linted or written. */
int cli_lint_add_noqa(const struct lint_batch *b, FILE *out);
/* Replaces the file at path (through symbolic links) with data[0..len) atomically: a temporary
 * file in its folder, written, given the file's mode, fsync'ed and renamed over it. Returns 0
 * or an errno value (the file is then unchanged). */
int cli_file_replace(const char *path, const char *data, size_t len);

/* Language server (cli/cmd_lsp.c). */
int cmd_lsp(int argc, char **argv) __attribute__((weak));

/* The base URL of a self-hosted KB for links in output: the flag's value, else $OOMKB_URL,
 * else NULL, which means the entries' public pages (kb_entry_url). Borrowed string. */
const char *cli_kb_url(const char *flag_value);
/* How --help words the default of --kb-url. */
#define CLI_KB_URL_HELP "$OOMKB_URL, else the guide's public pages"

/* ---- Arguments (cli/args.c) ---- */

/* The positional arguments (paths, queries, IDs) of one command line, in order. */
typedef struct cli_args {
    char **v; /* NULL-terminated; borrowed from argv */
    int n;
    int started;
    char *optstring;
} cli_args;

/* getopt_long over argv[0..argc) (argv[0] is the command name) with GNU permutation whatever
 * POSIXLY_CORRECT says: options anywhere, "--" ends them, --opt=value and --opt value, unique
 * prefixes of long options. Call it in a loop with a zeroed *pos until it returns -1; the
 * positional arguments are then in pos. Returns the option's value (optarg set), -1 at the
 * end, or '?' after printing one line on stderr naming the bad option ("oomkb lint:
 * unrecognized option '--frmat' (see 'oomkb lint --help')"). Free pos with cli_args_free. */
int cli_getopt(const char *cmd, int argc, char **argv, const char *shortopts,
               const struct option *longopts, cli_args *pos);
void cli_args_free(cli_args *a);
/* Prints "oomkb CMD: <message> (see 'oomkb CMD --help')" on stderr; returns EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Whether to colour output: mode is "auto", "always" or "never" (NULL = auto); auto follows
 * isatty(fd) and honours NO_COLOR. Returns -1 for an unknown mode. */
int cli_color_mode(const char *mode, int fd);

#endif
