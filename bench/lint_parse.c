/* Benchmark helper for bench/lint.sh: parses files with tree-sitter and nothing else, to
 * compare `oomkb lint` against bare parsing. With --prefiltered it parses only the files the
 * linter's byte prefilter lets through (the files `oomkb lint` itself parses).
 * Usage: lint_parse [--prefiltered] FILE... ; prints the number of files parsed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linter/lint.h"

int main(int argc, char **argv)
{
    int pre = argc > 1 && strcmp(argv[1], "--prefiltered") == 0;
    TSParser *p = ts_parser_new();
    if (!ts_parser_set_language(p, lint_language())) {
        fprintf(stderr, "lint_parse: grammar ABI not supported\n");
        return 2;
    }
    int parsed = 0;
    for (int i = 1 + pre; i < argc; i++) {
        char *s;
        size_t n;
        if (util_read_file(argv[i], 0, &s, &n) != 0) {
            continue;
        }
        if (!pre || lint_prefilter(s, n, 0)) {
            TSTree *t = ts_parser_parse_string(p, NULL, s, (uint32_t)n);
            ts_tree_delete(t);
            parsed++;
        }
        free(s);
    }
    ts_parser_delete(p);
    printf("%d\n", parsed);
    return 0;
}
