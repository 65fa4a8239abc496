/* The key terms of a text too long to be a query: what `oomkb search` and the web search box
 * run when someone pastes a paragraph or a log excerpt that is not an OOM message, so that a
 * paste is searched instead of refused. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/util.h"
#include "kb/kb.h"
#include "kb/kb_int.h"

/* A token worth searching: at least 3 bytes, a letter in it, not a stopword, not a number
 * with a unit ("20.00", "MiB" stay; "0x7f3a" and "12:01" go). */
static int worth_keeping(const char *w, size_t n)
{
    size_t letters = 0;
    size_t digits = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)w[i];
        letters += (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
        digits += c >= '0' && c <= '9';
    }
    if (n < 3 || letters < 2 || digits > letters) {
        return 0;
    }
    char low[16];
    if (n >= sizeof low) {
        return 1; /* longer than any stopword */
    }
    for (size_t i = 0; i < n; i++) {
        low[i] = (char)(w[i] >= 'A' && w[i] <= 'Z' ? w[i] + 32 : w[i]);
    }
    return !kb_is_stopword(low, n);
}

static int seen_ci(const kb_strlist *l, const char *w, size_t n)
{
    for (size_t i = 0; i < l->n; i++) {
        if (strlen(l->items[i]) == n && strncasecmp(l->items[i], w, n) == 0) {
            return 1;
        }
    }
    return 0;
}

int kb_query_needs_key_terms(const char *text)
{
    size_t words = 0;
    int in_word = 0;
    for (const char *p = text; *p; p++) {
        int space = *p == ' ' || *p == '\t' || *p == '\n' || *p == '\r';
        words += !space && !in_word;
        in_word = !space;
    }
    return words > KB_MAX_QUERY_TERMS || strlen(text) > KB_MAX_QUERY_BYTES;
}

char *kb_query_key_terms(const char *text)
{
    static const char trim[] = "\"'`()[]{}<>,;:.!?*=|";
    kb_strlist kept = {NULL, 0};
    buf out = BUF_INIT;
    const char *p = text;
    while (*p && kept.n < KB_MAX_QUERY_TERMS) {
        p += strspn(p, " \t\r\n");
        size_t n = strcspn(p, " \t\r\n");
        const char *w = p;
        p += n;
        while (n && strchr(trim, w[0])) {
            w++;
            n--;
        }
        while (n && strchr(trim, w[n - 1])) {
            n--;
        }
        if (!n || !worth_keeping(w, n) || seen_ci(&kept, w, n) ||
            out.len + n + 1 > KB_MAX_QUERY_BYTES || !util_utf8_valid(w, n, NULL, NULL)) {
            continue;
        }
        char *t = xstrndup(w, n);
        kb_strlist_push(&kept, t);
        free(t);
        if (out.len) {
            buf_putc(&out, ' ');
        }
        buf_append(&out, w, n);
    }
    kb_strlist_free(&kept);
    return buf_detach(&out);
}
