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
    cli_args rest = {0};
    int c;
    int rc = -1;
    while (rc < 0 && (c = cli_getopt("lsp", argc, argv, "h", longopts, &rest)) != -1) {
        switch (c) {
        case O_KBURL:
            kb_url = optarg;
            break;
        case O_STDIO:
            break; /* the only transport; accepted because clients pass it */
        case 'h':
            printf("usage: oomkb lsp [--stdio] [--kb-url URL]\n\n"
                   "Language server over stdin/stdout: oomkb lint's default rules as diagnostics\n"
                   "with links to the knowledge base (--kb-url: a self-hosted 'oomkb serve';\n"
                   "default: %s), hovers with the entry, quick fixes and noqa actions.\n",
                   CLI_KB_URL_HELP);
            rc = 0;
            break;
        default:
            rc = EXIT_USAGE;
        }
    }
    if (rc < 0 && rest.n) {
        rc = cli_usage_error("lsp", "unexpected argument '%s'", rest.v[0]);
    }
    cli_args_free(&rest);
    if (rc >= 0) {
        return rc;
    }
    /* NULL without --kb-url: the server then takes $OOMKB_URL, a config's kb-url or the default */
    lsp_options opts = {.kb_url = kb_url && *kb_url ? kb_url : NULL};
    return lsp_run(STDIN_FILENO, STDOUT_FILENO, &opts);
}
