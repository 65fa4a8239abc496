/* LSP positions over UTF-8 text: a position's character counts UTF-16 code units by default,
 * or bytes / code points when the client and server agreed on utf-8 / utf-32. */
#include "lsp/lsp.h"

/* Length in bytes of the UTF-8 sequence starting with c (1 for stray bytes). */
static size_t seq_len(unsigned char c)
{
    if (c >= 0xF0 && c < 0xF8) {
        return 4;
    }
    if (c >= 0xE0) {
        return c < 0xF0 ? 3 : 1;
    }
    if (c >= 0xC0) {
        return 2;
    }
    return 1;
}

static unsigned units(size_t seq, lsp_encoding enc)
{
    switch (enc) {
    case LSP_UTF8:
        return (unsigned)seq;
    case LSP_UTF32:
        return 1;
    default:
        return seq == 4 ? 2 : 1;
    }
}

size_t lsp_offset_of(const char *text, size_t len, unsigned line, unsigned character,
                     lsp_encoding enc)
{
    size_t i = 0;
    for (unsigned l = 0; l < line; l++) {
        while (i < len && text[i] != '\n') {
            i++;
        }
        if (i >= len) {
            return len;
        }
        i++;
    }
    unsigned col = 0;
    while (i < len && col < character && text[i] != '\n') {
        if (text[i] == '\r' && i + 1 < len && text[i + 1] == '\n') {
            break;
        }
        size_t n = seq_len((unsigned char)text[i]);
        if (i + n > len) {
            n = len - i;
        }
        col += units(n, enc);
        i += n;
    }
    return i;
}

void lsp_position_of(const char *text, size_t len, size_t offset, lsp_encoding enc, unsigned *line,
                     unsigned *character)
{
    if (offset > len) {
        offset = len;
    }
    unsigned l = 0;
    size_t start = 0;
    for (size_t i = 0; i < offset; i++) {
        if (text[i] == '\n') {
            l++;
            start = i + 1;
        }
    }
    unsigned col = 0;
    for (size_t i = start; i < offset;) {
        size_t n = seq_len((unsigned char)text[i]);
        if (i + n > offset) {
            n = offset - i;
        }
        col += units(n, enc);
        i += n;
    }
    *line = l;
    *character = col;
}
