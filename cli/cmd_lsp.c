/* `oomkb lsp`: the language server over stdio (see lsp/lsp.h). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "lsp/lsp.h"

int cmd_lsp(int argc, char **argv)
{
    enum { O_KBURL = 256, O_STDIO };
    static const struct option longopts[] = {{"kb-url", required_argument, NULL, O_KBURL},
                                             {"stdio", no_argument, NULL, O_STDIO},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const char *kb_url = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
        switch (c) {
        case O_KBURL:
            kb_url = optarg;
            break;
        case O_STDIO:
            break; /* the only transport; accepted because clients pass it */
        case 'h':
            printf("usage: oomkb lsp [--stdio] [--kb-url URL]\n\n"
                   "Language server over stdin/stdout: oomkb lint's default rules as diagnostics, "
                   "links to\n"
                   "the knowledge base, hovers with the entry, quick fixes and noqa actions.\n");
            return 0;
        default:
            fprintf(stderr, "usage: oomkb lsp [--stdio] [--kb-url URL]\n");
            return EXIT_USAGE;
        }
    }
    if (optind != argc) {
        fprintf(stderr, "oomkb lsp: unexpected argument '%s'\n", argv[optind]);
        return EXIT_USAGE;
    }
    lsp_options opts = {.kb_url = cli_kb_url(kb_url)};
    return lsp_run(STDIN_FILENO, STDOUT_FILENO, &opts);
}
