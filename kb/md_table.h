/* Pipe tables ("| a | b |" over "|---|---|") as GitHub-flavoured markdown writes them. cmark
 * (CommonMark) reads such a block as a paragraph; the HTML and terminal renderers ask this
 * module whether a paragraph's source lines form a table. Private to the kb module. */
#ifndef OOMKB_MD_TABLE_H
#define OOMKB_MD_TABLE_H

#include <stddef.h>

enum { MD_ALIGN_NONE, MD_ALIGN_LEFT, MD_ALIGN_CENTER, MD_ALIGN_RIGHT };

typedef struct md_table {
    size_t n_rows; /* header row included, delimiter row not */
    size_t n_cols;
    char **cells; /* n_rows * n_cols cell texts (inline markdown, trimmed) */
    int *align;   /* n_cols MD_ALIGN_* */
} md_table;

/* Returns 1 and fills *out (free with md_table_free) if lines first..last (1-based) of md
 * are a pipe table: a header row, a delimiter row, then body rows. Returns 0 otherwise. */
int md_table_parse(const char *md, size_t len, int first, int last, md_table *out);
void md_table_free(md_table *t);

#endif
