/* oomkb: a field guide to GPU and host out-of-memory failures in training, searchable from
 * the shell, served over HTTP, and a linter for the training code that causes them.
 * This file only dispatches subcommands; each lives in cli/cmd_*.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/util.h"

typedef int (*cmd_fn)(int argc, char **argv);

struct command {
    const char *name;
    cmd_fn fn;
    const char *summary;
};

static void usage(FILE *out, const struct command *cmds, size_t n)
{
    fprintf(out, "usage: oomkb <command> [options]\n\n"
                 "A field guide to CUDA and host out-of-memory failures in training.\n\n"
                 "commands:\n");
    for (size_t i = 0; i < n; i++) {
        if (cmds[i].fn) {
            fprintf(out, "  %-8s %s\n", cmds[i].name, cmds[i].summary);
        }
    }
    fprintf(out, "  %-8s %s\n", "version", "print the version (also --version)");
    fprintf(out, "\nRun 'oomkb <command> --help' for a command's options.\n"
                 "Exit status: 0 found/ok, 1 nothing found or findings, 2 usage or input error.\n");
}

const char *cli_kb_url(const char *flag_value)
{
    if (flag_value && *flag_value) {
        return flag_value;
    }
    const char *env = getenv("OOMKB_URL");
    return env && *env ? env : NULL;
}

int cli_color_mode(const char *mode, int fd)
{
    if (!mode || strcmp(mode, "auto") == 0) {
        const char *no = getenv("NO_COLOR");
        if (no && *no) {
            return 0;
        }
        return isatty(fd) ? 1 : 0;
    }
    if (strcmp(mode, "always") == 0) {
        return 1;
    }
    if (strcmp(mode, "never") == 0) {
        return 0;
    }
    return -1;
}

int main(int argc, char **argv)
{
    const struct command cmds[] = {
        {"search", cmd_search, "search the knowledge base, grep-style"},
        {"show", cmd_show, "show one entry (text, md, html or json)"},
        {"list", cmd_list, "list the entries by section"},
        {"diagnose", cmd_diagnose, "read an OOM error or log: verdict and entries"},
        {"build", cmd_build, "compile markdown into a knowledge-base file"},
        {"serve", cmd_serve, "serve the knowledge base over HTTP"},
        {"lint", cmd_lint, "find OOM anti-patterns in training scripts"},
        {"lsp", cmd_lsp, "language server: diagnostics in your editor"},
    };
    size_t n = sizeof cmds / sizeof cmds[0];
    if (argc < 2) {
        usage(stderr, cmds, n);
        return EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0 || strcmp(name, "help") == 0) {
        usage(stdout, cmds, n);
        return 0;
    }
    if (strcmp(name, "-V") == 0 || strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
        printf("oomkb %s\n", OOMKB_VERSION);
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        if (cmds[i].fn && strcmp(cmds[i].name, name) == 0) {
            return cmds[i].fn(argc - 1, argv + 1);
        }
    }
    if (name[0] == '-') {
        fprintf(stderr, "oomkb: unrecognized option '%s' (see 'oomkb --help')\n", name);
    } else {
        fprintf(stderr, "oomkb: unknown command '%s' (see 'oomkb --help')\n", name);
    }
    return EXIT_USAGE;
}
