/* Argument parsing shared by every subcommand: getopt_long with GNU permutation (options before
 * or after the paths and queries, "--" ends them, --opt=value and --opt value) whatever
 * POSIXLY_CORRECT says, and one-line errors that name the bad option and point at --help. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/util.h"

static void push(cli_args *a, char *arg)
{
    a->v = xrealloc(a->v, (size_t)(a->n + 2) * sizeof *a->v);
    a->v[a->n++] = arg;
    a->v[a->n] = NULL;
}

/* The long options whose names start with name[0..len): exact match first. Returns how many
 * match (an exact match counts as one) and the first in *out. */
static int match_long(const struct option *lo, const char *name, size_t len,
                      const struct option **out)
{
    int n = 0;
    *out = NULL;
    for (; lo && lo->name; lo++) {
        if (strncmp(lo->name, name, len) != 0) {
            continue;
        }
        if (strlen(lo->name) == len) {
            *out = lo;
            return 1;
        }
        if (!*out || (*out)->flag != lo->flag || (*out)->val != lo->val) {
            n++; /* two names for one option (--color/--colour) are not ambiguous */
        }
        if (!*out) {
            *out = lo;
        }
    }
    return n;
}

/* The one-line message for a bad option, as GNU tools word it. */
static void option_error(const char *cmd, int c, const char *arg, const struct option *lo)
{
    fprintf(stderr, "oomkb %s: ", cmd);
    if (arg && strncmp(arg, "--", 2) == 0) {
        const char *name = arg + 2;
        const char *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        const struct option *o = NULL;
        int n = match_long(lo, name, len, &o);
        if (n > 1) {
            fprintf(stderr, "option '--%.*s' is ambiguous", (int)len, name);
        } else if (n == 1 && c == ':') {
            fprintf(stderr, "option '--%s' requires an argument", o->name);
        } else if (n == 1 && eq && o->has_arg == no_argument) {
            fprintf(stderr, "option '--%s' doesn't allow an argument", o->name);
        } else {
            fprintf(stderr, "unrecognized option '%s'", arg);
        }
    } else if (c == ':') {
        fprintf(stderr, "option requires an argument -- '%c'", optopt);
    } else {
        fprintf(stderr, "invalid option -- '%c'", optopt ? optopt : '?');
    }
    fprintf(stderr, " (see 'oomkb %s --help')\n", cmd);
}

int cli_getopt(const char *cmd, int argc, char **argv, const char *shortopts,
               const struct option *longopts, cli_args *pos)
{
    if (!pos->started) {
        pos->started = 1;
        optind = 0; /* glibc: start over, whatever an earlier command parsed */
        free(pos->optstring);
        while (*shortopts == '+' || *shortopts == '-' || *shortopts == ':') {
            shortopts++;
        }
        /* '-': non-options come back in order as option 1 (no permutation needed, so
         * POSIXLY_CORRECT cannot stop us at the first path); ':': a missing value is ':'. */
        pos->optstring = xasprintf("-:%s", shortopts);
    }
    opterr = 0;
    for (;;) {
        int c = getopt_long(argc, argv, pos->optstring, longopts, NULL);
        if (c == 1) {
            push(pos, optarg);
            continue;
        }
        if (c == -1) {
            for (; optind < argc; optind++) { /* after "--" */
                push(pos, argv[optind]);
            }
            return -1;
        }
        if (c == '?' || c == ':') {
            int short_opt = optopt && optopt < 256 && optind <= argc &&
                            !(optind > 0 && strncmp(argv[optind - 1], "--", 2) == 0);
            option_error(cmd, c, short_opt ? NULL : argv[optind - 1], longopts);
            return '?';
        }
        return c;
    }
}

void cli_args_free(cli_args *a)
{
    free(a->v);
    free(a->optstring);
    memset(a, 0, sizeof *a);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "oomkb %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, " (see 'oomkb %s --help')\n", cmd);
    va_end(ap);
    return EXIT_USAGE;
}
