/* The readers of the compiler's table inputs. The synonym table's reader: a .tsv given to the
 * compiler next to the guides. Each row says which words people type for something the guide words
 * differently, and the query that needed it (so that a row can be dropped once its case passes
 * without it). Rows go into the KB's synonyms table; search.c applies them. Pure: no I/O. */
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "kb/kb_int.h"

/* Lowercases s in place and collapses runs of spaces; returns s. */
static char *normalize(char *s)
{
    size_t o = 0;
    for (size_t i = 0; s[i]; i++) {
        char ch = s[i];
        if (ch >= 'A' && ch <= 'Z') {
            ch = (char)(ch - 'A' + 'a');
        }
        if (ch == ' ' && (o == 0 || s[o - 1] == ' ')) {
            continue;
        }
        s[o++] = ch;
    }
    while (o && s[o - 1] == ' ') {
        o--;
    }
    s[o] = '\0';
    return s;
}

/* "a | b | c" -> "a | b | c" normalized; 0 when an alternative is empty. */
static int check_alternatives(char *also)
{
    normalize(also);
    for (const char *p = also;;) {
        const char *bar = strchr(p, '|');
        size_t n = bar ? (size_t)(bar - p) : strlen(p);
        size_t letters = 0;
        for (size_t i = 0; i < n; i++) {
            letters += p[i] != ' ';
        }
        if (!letters) {
            return 0;
        }
        if (!bar) {
            return 1;
        }
        p = bar + 1;
    }
}

/* Calls row(c, name, lineno, line, diag) for each line that is not blank or a # comment (CR
 * stripped), until one returns an error. */
typedef kb_status (*row_fn)(kb_corpus *c, const char *name, int lineno, char *line, kb_diag *diag);

static kb_status each_row(kb_corpus *c, const char *name, const char *what, const char *text,
                          size_t len, row_fn row, kb_diag *diag)
{
    if (!util_utf8_valid(text, len, NULL, NULL) || memchr(text, '\0', len)) {
        kb_diag_set(diag, name, 0, "%s is not UTF-8 text", what);
        return KB_ERR_INPUT;
    }
    char *copy = xstrndup(text, len);
    kb_status st = KB_OK;
    int lineno = 0;
    for (char *p = copy; p && *p && st == KB_OK;) {
        char *nl = strchr(p, '\n');
        if (nl) {
            *nl = '\0';
        }
        char *line = p;
        p = nl ? nl + 1 : NULL;
        lineno++;
        size_t n = strlen(line);
        if (n && line[n - 1] == '\r') {
            line[--n] = '\0';
        }
        if (n && line[0] != '#') {
            st = row(c, name, lineno, line, diag);
        }
    }
    free(copy);
    return st;
}

static kb_status synonym_row(kb_corpus *c, const char *name, int lineno, char *line, kb_diag *diag)
{
    char *t1 = strchr(line, '\t');
    char *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
    if (!t1 || !t2 || strchr(t2 + 1, '\t')) {
        kb_diag_set(diag, name, lineno,
                    "expected three tab-separated fields: words, alternatives (a | b), "
                    "the query that needed the row");
        return KB_ERR_INPUT;
    }
    *t1 = '\0';
    *t2 = '\0';
    normalize(line);
    normalize(t2 + 1);
    if (!*line || !check_alternatives(t1 + 1) || !t2[1]) {
        kb_diag_set(diag, name, lineno,
                    "empty field: every row needs words, alternatives and its query");
        return KB_ERR_INPUT;
    }
    kb_strlist_push(&c->syn_words, line);
    kb_strlist_push(&c->syn_also, t1 + 1);
    return KB_OK;
}

kb_status kb_synonyms_add(kb_corpus *c, const char *name, const char *text, size_t len,
                          kb_diag *diag)
{
    return each_row(c, name, "synonym table", text, len, synonym_row, diag);
}

static kb_status link_row(kb_corpus *c, const char *name, int lineno, char *line, kb_diag *diag)
{
    char *tab = strchr(line, '\t');
    if (!tab || strchr(tab + 1, '\t') || tab == line || strncmp(tab + 1, "https://", 8) != 0 ||
        strchr(tab + 1, ' ')) {
        kb_diag_set(diag, name, lineno, "expected a document name, a tab and an https:// URL");
        return KB_ERR_INPUT;
    }
    *tab = '\0';
    kb_strlist_push(&c->link_names, line);
    kb_strlist_push(&c->link_urls, tab + 1);
    return KB_OK;
}

kb_status kb_links_add(kb_corpus *c, const char *name, const char *text, size_t len, kb_diag *diag)
{
    return each_row(c, name, "links table", text, len, link_row, diag);
}
