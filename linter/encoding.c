/* What bytes the linter reads: UTF-8 source (a UTF-8 BOM is fine). lint_encoding_check names
 * what else a buffer is (UTF-16/32, binary, invalid UTF-8 and why) before anything is parsed;
 * `oomkb lint` runs it on every file and `oomkb lsp` on every document version. */
#include <stdio.h>
#include <string.h>

#include "linter/lint.h"

/* UTF-8 check with a fast path for the common all-ASCII file. */
static int valid_utf8(const char *s, size_t n, int *line, size_t *off)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        /* any byte >= 0x80 or == 0 */
        if ((w & 0x8080808080808080ULL) ||
            ((w - 0x0101010101010101ULL) & ~w & 0x8080808080808080ULL)) {
            break;
        }
    }
    for (size_t k = i; k < n; k++) {
        if ((unsigned char)s[k] >= 0x80 || s[k] == 0) {
            return util_utf8_valid(s, n, line, off);
        }
    }
    return 1;
}

/* The UTF-16/32 byte-order mark src starts with, by name, or NULL. */
static const char *bom_name(const char *src, size_t len)
{
    static const struct {
        const char *bom;
        size_t n;
        const char *name;
    } boms[] = {
        {"\xFF\xFE\x00\x00", 4, "UTF-32LE"},
        {"\x00\x00\xFE\xFF", 4, "UTF-32BE"},
        {"\xFF\xFE", 2, "UTF-16LE"},
        {"\xFE\xFF", 2, "UTF-16BE"},
    };
    for (size_t i = 0; i < sizeof boms / sizeof boms[0]; i++) {
        if (len >= boms[i].n && memcmp(src, boms[i].bom, boms[i].n) == 0) {
            return boms[i].name;
        }
    }
    return NULL;
}

/* "LE" or "BE" if the first 512 bytes look like UTF-16 without a BOM (ASCII text with every
 * other byte NUL), else NULL. */
static const char *utf16_guess(const unsigned char *u, size_t len)
{
    size_t half = (len < 512 ? len : 512) / 2;
    size_t z_odd = 0;
    size_t z_even = 0;
    for (size_t i = 0; i < half; i++) {
        z_even += u[2 * i] == 0;
        z_odd += u[2 * i + 1] == 0;
    }
    if (half >= 4 &&
        ((z_odd * 4 >= half * 3 && z_even == 0) || (z_even * 4 >= half * 3 && z_odd == 0))) {
        return z_odd ? "LE" : "BE";
    }
    return NULL;
}

/* Why the sequence at u[off] is not UTF-8, when a reason more precise than "invalid" is
 * known: ", a UTF-16 surrogate ...", or "". */
static const char *bad_sequence(const unsigned char *u, size_t len, size_t off)
{
    unsigned c = u[off];
    unsigned next = off + 1 < len ? u[off + 1] : 0x100;
    if (c == 0xED && (next & 0xE0) == 0xA0) {
        return ", a UTF-16 surrogate encoded as UTF-8 (CESU-8/WTF-8)";
    }
    if (c == 0xC0 || c == 0xC1 || (c == 0xE0 && next < 0xA0) || (c == 0xF0 && next < 0x90)) {
        return ", an overlong encoding";
    }
    size_t need = c >= 0xF0 ? 4U : c >= 0xE0 ? 3U : 2U;
    if (c >= 0xC2 && c <= 0xF4 && off + need > len) {
        return ", truncated at the end of the file";
    }
    return "";
}

lint_status lint_encoding_check(const char *src, size_t len, size_t *out_offset, lint_diag *diag)
{
    const unsigned char *u = (const unsigned char *)src;
    char scratch[sizeof diag->message];
    char *msg = diag ? diag->message : scratch;
    int line = 0;
    size_t off = 0;
    const char *name = bom_name(src, len);
    const char *guess = NULL;
    if (name) {
        snprintf(msg, sizeof scratch,
                 "%s file (byte-order mark); oomkb lints UTF-8 source only (convert it: iconv -f "
                 "%s -t UTF-8)",
                 name, name);
    } else if (valid_utf8(src, len, &line, &off)) {
        return LINT_OK;
    } else if ((guess = utf16_guess(u, len)) != NULL) {
        off = 0;
        snprintf(msg, sizeof scratch,
                 "looks like UTF-16%s without a byte-order mark (NUL every other byte); oomkb "
                 "lints UTF-8 source only",
                 guess);
    } else if (u[off] == 0 && memchr(src, '\0', len < 8192 ? len : 8192)) {
        snprintf(msg, sizeof scratch, "binary file (NUL byte at offset %zu), not linted", off);
    } else if (u[off] == 0) {
        snprintf(msg, sizeof scratch, "line %d: NUL byte (byte offset %zu), not linted", line, off);
    } else {
        snprintf(msg, sizeof scratch,
                 "line %d: not valid UTF-8 (byte 0x%02X at byte offset %zu%s); oomkb lints UTF-8 "
                 "source only",
                 line, u[off], off, bad_sequence(u, len, off));
    }
    if (out_offset) {
        *out_offset = off;
    }
    return LINT_ERR_ENCODING;
}
