/* Byte-level Python lexing shared by the size guard (lint.c) and the DDP scan (project.c): where
 * string literals (every quote form and prefix, triple quotes across lines, f-string replacement
 * fields) and comments begin and end, and how many tokens tree-sitter makes of them, without a
 * parse. Strings end where tree-sitter's Python scanner (0.23.6) ends them (save the one case
 * noted at field()), so the guard counts what the parser will see and project.c can tell code
 * from text. Checked against Python's tokenize on the standard library. */
#include <string.h>

#include "linter/lint_int.h"

/* Replacement fields nest: f"{x:{width}}" is 2 deep, f"{f'{x:{w}}'}" 3. An f-string deeper than
 * this is read as code (its quote skipped), which bounds the recursion below and the rescans of
 * the fields of unterminated ones (at most one a level), and hides no code from the guard. */
#define MAX_NEST 4

/* The class of byte c: a constant expression, so the table is built at compile time. Bytes from
 * 0x80 are word bytes: UTF-8 identifiers. */
#define IS_SPACE(c) ((c) == ' ' || (c) == '\t' || (c) == '\r' || (c) == '\f')
#define IS_WORD(c)                                                                                 \
    ((c) == '_' || (c) >= 0x80 || ((c) >= '0' && (c) <= '9') || ((c) >= 'a' && (c) <= 'z') ||      \
     ((c) >= 'A' && (c) <= 'Z'))
#define CLASS_OF(c)                                                                                \
    (IS_SPACE(c)                              ? PYLEX_SPACE                                        \
     : IS_WORD(c)                             ? PYLEX_WORD                                         \
     : (c) == '\n'                            ? PYLEX_NL                                           \
     : (c) == '"' || (c) == '\''              ? PYLEX_QUOTE                                        \
     : (c) == '#'                             ? PYLEX_HASH                                         \
     : (c) == '(' || (c) == '[' || (c) == '{' ? PYLEX_OPEN                                         \
     : (c) == ')' || (c) == ']' || (c) == '}' ? PYLEX_CLOSE                                        \
     : (c) == '\\'                            ? PYLEX_BSLASH                                       \
                                              : PYLEX_PUNCT)
#define CLASS_4(c) CLASS_OF(c), CLASS_OF((c) + 1), CLASS_OF((c) + 2), CLASS_OF((c) + 3)
#define CLASS_16(c) CLASS_4(c), CLASS_4((c) + 4), CLASS_4((c) + 8), CLASS_4((c) + 12)
#define CLASS_64(c) CLASS_16(c), CLASS_16((c) + 16), CLASS_16((c) + 32), CLASS_16((c) + 48)

const uint8_t pylex_class[256] = {CLASS_64(0), CLASS_64(64), CLASS_64(128), CLASS_64(192)};

/* How the string being scanned is delimited. */
typedef struct delim {
    unsigned char q; /* its quote */
    int triple;      /* ''' or """ */
    int raw;         /* an r prefix: \N{...} is no escape */
    int fmt;         /* an f prefix: {...} is code */
} delim;

void pylex_init(pylex *lx, const char *src, size_t len)
{
    memset(lx, 0, sizeof *lx);
    lx->src = (const unsigned char *)src;
    lx->end = lx->src + len;
}

const unsigned char *pylex_comment(const unsigned char *p, const unsigned char *end)
{
    const unsigned char *nl = memchr(p, '\n', (size_t)(end - p));
    return nl ? nl : end;
}

const unsigned char *pylex_backslash(const unsigned char *p, const unsigned char *end)
{
    p++;
    if (p < end && *p == '\r') {
        p++;
    }
    return p + (p < end && *p == '\n');
}

/* The prefix letters right before the quote at p (at most two of r, b, u, f in any case, not
 * the tail of a longer word such as `if"x"`): sets d->raw and d->fmt, returns the first byte of
 * the literal. */
static const unsigned char *prefix_of(const pylex *lx, const unsigned char *p, delim *d)
{
    const unsigned char *q = p;
    while (q > lx->src && p - q < 3 && pylex_class[q[-1]] == PYLEX_WORD) {
        q--;
    }
    if (p - q > 2 || (q > lx->src && pylex_class[q[-1]] == PYLEX_WORD)) {
        return p;
    }
    int raw = 0;
    int fmt = 0;
    for (const unsigned char *c = q; c < p; c++) {
        unsigned char l = (unsigned char)(*c | 0x20);
        if (l == 'r') {
            raw = 1;
        } else if (l == 'f') {
            fmt = 1;
        } else if (l != 'b' && l != 'u') {
            return p;
        }
    }
    d->raw = raw;
    d->fmt = fmt;
    return q;
}

static const unsigned char *string_body(pylex *lx, const unsigned char *p, const delim *d,
                                        pylex_str *out);
static const unsigned char *code_token(pylex *lx, const unsigned char *p, size_t *tokens,
                                       size_t *depth);

/* The format spec of a replacement field, p just past its ':': text up to the '}' that closes the
 * field, with nested fields ("{x:>{width}}"). Returns past that '}', or at the line end that cuts
 * a one-line string, or at the end. */
static const unsigned char *format_spec(pylex *lx, const unsigned char *p, const delim *d,
                                        pylex_str *out);

/* The replacement field of an f-string, p just past its '{': code up to the '}' at bracket depth
 * 0, or a format spec after a ':' there. Its tokens go to out->tokens; brackets it leaves open
 * (cut by the line end of a one-line string, or by the end) to out->depth. Returns past the
 * closing '}', or at that line end, or at the end. Python 3.12 and tree-sitter let the field of
 * a one-line f-string run over lines; here its line end cuts it and its open brackets carry over
 * to what follows, which is then read as code: more is counted, never less. */
/* NOLINTNEXTLINE(misc-no-recursion): f-string fields nest at most MAX_NEST deep */
static const unsigned char *field(pylex *lx, const unsigned char *p, const delim *d, pylex_str *out)
{
    size_t depth = 0;
    lx->nest++;
    while (p < lx->end) {
        uint8_t k = pylex_class[*p];
        if (k == PYLEX_NL && !d->triple) {
            break;
        }
        if (depth == 0 && (*p == '}' || *p == ':')) {
            out->tokens++;
            p = *p == '}' ? p + 1 : format_spec(lx, p + 1, d, out);
            lx->nest--;
            return p;
        }
        if (k == PYLEX_OPEN) {
            depth++;
        } else if (k == PYLEX_CLOSE) {
            depth -= depth > 0;
        }
        size_t n = 0;
        p = code_token(lx, p, &n, &depth);
        out->tokens += n;
    }
    out->depth += depth;
    lx->nest--;
    return p;
}

/* NOLINTNEXTLINE(misc-no-recursion): f-string fields nest at most MAX_NEST deep */
static const unsigned char *format_spec(pylex *lx, const unsigned char *p, const delim *d,
                                        pylex_str *out)
{
    while (p < lx->end) {
        if (*p == '}') {
            return p + 1;
        }
        if (*p == '\n' && !d->triple) {
            return p;
        }
        if (*p == '{' && lx->nest < MAX_NEST) {
            out->tokens++;
            p = field(lx, p + 1, d, out);
        } else {
            p++;
        }
    }
    return p;
}

/* Past an escape in a string's text, p at its backslash. A backslash keeps the next byte from
 * closing the string, raw or not (r"\"" is one string), and escapes a line end; in an f-string
 * it leaves '{' and '}' alone, and \N{...} (not raw) is a name, not a field. */
static const unsigned char *string_escape(const unsigned char *p, const unsigned char *end,
                                          const delim *d)
{
    if (p + 1 >= end) {
        return end;
    }
    if (d->fmt && (p[1] == '{' || p[1] == '}')) {
        return p + 1;
    }
    if (d->fmt && !d->raw && p[1] == 'N' && p + 2 < end && p[2] == '{') {
        for (p += 3; p < end && *p != '}' && *p != '\n' && *p != d->q; p++) {
        }
        return p < end && *p == '}' ? p + 1 : p;
    }
    return p + (p[1] == '\r' && p + 2 < end && p[2] == '\n' ? 3 : 2);
}

/* The text of a string from p (past its opening quotes) to its closing quotes: returns past them
 * (out->body_end at them), or at the line end that ends a one-line string unterminated
 * (out->body_end there too); NULL if the input ends first. */
/* NOLINTNEXTLINE(misc-no-recursion): f-string fields nest at most MAX_NEST deep */
static const unsigned char *string_body(pylex *lx, const unsigned char *p, const delim *d,
                                        pylex_str *out)
{
    const unsigned char *end = lx->end;
    /* the classes of the bytes to stop at; the text between them is passed over in one loop */
    unsigned stop = (1U << PYLEX_QUOTE) | (1U << PYLEX_BSLASH) | (d->triple ? 0U : 1U << PYLEX_NL) |
                    (d->fmt ? 1U << PYLEX_OPEN : 0U);
    while (p < end) {
        if (!((stop >> pylex_class[*p]) & 1U)) {
            p++;
            continue;
        }
        unsigned char c = *p;
        if (c == d->q) {
            if (!d->triple) {
                out->body_end = p;
                return p + 1;
            }
            if (end - p >= 3 && p[1] == c && p[2] == c) {
                out->body_end = p;
                return p + 3;
            }
            p++;
        } else if (c == '\\') {
            p = string_escape(p, end, d);
        } else if (c == '\n') {
            out->body_end = p; /* a one-line string cut by its line end */
            return p;
        } else if (c == '{' && p + 1 < end && p[1] == '{') {
            p += 2;
        } else if (c == '{') {
            out->tokens += 1;
            p = field(lx, p + 1, d, out);
        } else {
            p++; /* the other quote, ( or [ */
        }
    }
    return NULL;
}

/* NOLINTNEXTLINE(misc-no-recursion): f-string fields nest at most MAX_NEST deep */
const unsigned char *pylex_string(pylex *lx, const unsigned char *p, pylex_str *out)
{
    delim d = {*p, 0, 0, 0};
    out->start = prefix_of(lx, p, &d);
    d.triple = lx->end - p >= 3 && p[1] == d.q && p[2] == d.q;
    out->body = p + (d.triple ? 3 : 1);
    out->body_end = out->body;
    out->tokens = 1;
    out->depth = 0;
    if (d.fmt && lx->nest >= MAX_NEST) {
        return out->body;
    }
    /* A triple-quoted string that never closes is no string to tree-sitter: it goes on after the
     * quotes as code. Once one fails, every later one of the same kind does (they would close at
     * the quotes the first one missed), so each kind scans to the end at most once. */
    const unsigned char **fails = &lx->no_close[d.q == '"'][d.fmt];
    if (d.triple && *fails && p >= *fails) {
        return out->body;
    }
    const unsigned char *e = string_body(lx, out->body, &d, out);
    if (e) {
        return e;
    }
    if (!d.triple) {
        out->body_end = lx->end; /* a one-line string cut by the end of the input */
        return lx->end;
    }
    if (!*fails || p < *fails) {
        *fails = p;
    }
    out->body_end = out->body;
    out->tokens = 1;
    out->depth = 0;
    return out->body;
}

/* One token of code at p (p < end): returns its end and sets *tokens to the tokens tree-sitter
 * makes of it (0 for blanks and escaped line ends, a string's count for a string); a string's
 * open brackets are added to *depth, the caller counts the others. */
/* NOLINTNEXTLINE(misc-no-recursion): f-string fields nest at most MAX_NEST deep */
static const unsigned char *code_token(pylex *lx, const unsigned char *p, size_t *tokens,
                                       size_t *depth)
{
    const unsigned char *end = lx->end;
    pylex_str s;
    *tokens = 1;
    switch (pylex_class[*p]) {
    case PYLEX_SPACE:
        *tokens = 0;
        return p + 1;
    case PYLEX_WORD:
        for (p++; p < end && pylex_class[*p] == PYLEX_WORD; p++) {
        }
        return p;
    case PYLEX_QUOTE:
        p = pylex_string(lx, p, &s);
        *tokens = s.tokens;
        *depth += s.depth;
        return p;
    case PYLEX_HASH:
        return pylex_comment(p, end);
    case PYLEX_BSLASH:
        *tokens = 0;
        return pylex_backslash(p, end);
    default:
        return p + 1;
    }
}

size_t pylex_tokens(pylex *lx, const unsigned char *p, size_t cap)
{
    const unsigned char *end = lx->end;
    size_t n = 0;
    size_t depth = 0;
    while (p < end && n <= cap) {
        uint8_t k = pylex_class[*p];
        if (k == PYLEX_SPACE) {
            p++;
        } else if (k == PYLEX_WORD) {
            for (p++; p < end && pylex_class[*p] == PYLEX_WORD; p++) {
            }
            n++;
        } else if (k == PYLEX_QUOTE || k == PYLEX_HASH || k == PYLEX_BSLASH) {
            size_t t = 0;
            p = code_token(lx, p, &t, &depth);
            n += t;
        } else {
            p++;
            n++;
        }
    }
    return n;
}

/* The first line end at or after off, or end. */
static const unsigned char *eol_after(const unsigned char *p, const unsigned char *end)
{
    const unsigned char *nl = memchr(p, '\n', (size_t)(end - p));
    return nl ? nl : end;
}

/* 1 if a string or a continuation may run past the end of the line [s, e): it opens a
 * triple-quoted string or ends with a backslash. Keeps the scan off ordinary lines. */
static int may_continue(const unsigned char *s, const unsigned char *e)
{
    if (memmem(s, (size_t)(e - s), "\"\"\"", 3) || memmem(s, (size_t)(e - s), "'''", 3)) {
        return 1;
    }
    while (e > s && (e[-1] == '\r' || pylex_class[e[-1]] == PYLEX_SPACE)) {
        e--;
    }
    return e > s && e[-1] == '\\';
}

size_t pylex_comment_line_end(const char *src, size_t len, size_t off)
{
    pylex lx;
    pylex_init(&lx, src, len);
    const unsigned char *end = lx.end;
    const unsigned char *at = lx.src + (off < len ? off : len);
    const unsigned char *eol = eol_after(at, end);
    const unsigned char *bol = at;
    while (bol > lx.src && bol[-1] != '\n') {
        bol--;
    }
    if (!may_continue(bol, eol)) {
        return (size_t)(eol - lx.src);
    }
    const unsigned char *p = lx.src;
    while (p < eol) {
        uint8_t k = pylex_class[*p];
        const unsigned char *q;
        if (k == PYLEX_QUOTE) {
            pylex_str s;
            q = pylex_string(&lx, p, &s);
        } else if (k == PYLEX_BSLASH) {
            q = pylex_backslash(p, end);
        } else if (k == PYLEX_HASH) {
            p = pylex_comment(p, end);
            continue;
        } else {
            p++;
            continue;
        }
        q = q > p ? q : p + 1;
        if (q > eol) {
            /* a string or a continuation runs past this line end: its last line takes it */
            eol = eol_after(q, end);
        }
        p = q;
    }
    return (size_t)(eol - lx.src);
}
