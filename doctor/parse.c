/* Finding OOM events in a log: a prefilter that skips most of the bytes (Wu-Manber over the
 * anchors of doctor/tables.c), then, per candidate line, the wording table; for a message with
 * numbers, its wrapped continuation lines are joined and read through the field table; the
 * traceback above it gives the phase and a step counter the step. Pure: a buffer in, a report
 * out; doctor/verdict.c decides what it means. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "doctor/doctor_int.h"

/* ---- Prefilter ---------------------------------------------------------------------------
 * A sampled 3-gram filter (the idea behind Wu-Manber and glibc's memmem): every anchor's first
 * WM_M bytes hold WM_S 3-grams ending at WM_S consecutive positions, so looking at every WM_S-th
 * position of the text meets one of them. wm_mask says, per hashed 3-gram, which anchors have it
 * in their first WM_M bytes; a position whose 3-gram is in none is passed over. The next position
 * does not depend on the table (a fixed stride), so the loads pipeline and the scan runs near
 * memory speed; this is what keeps `oomkb diagnose` on a large log close to grep's time. The
 * table (16 KiB) stays in the L1 cache. */
#define WM_M DOCTOR_ANCHOR_MIN
#define WM_S (WM_M - 2)
#define WM_HASH(b0, b1, b2)                                                                        \
    ((((unsigned)(b0) << 6) ^ ((unsigned)(b1) << 3) ^ (unsigned)(b2)) & 4095u)

static uint32_t wm_mask[4096];
static unsigned wm_hash[32][WM_S]; /* per anchor, the hash of its k-th 3-gram */
static size_t wm_len[32];
static pthread_once_t wm_once = PTHREAD_ONCE_INIT;

static void wm_build(void)
{
    for (size_t a = 0; a < doctor_n_anchors && a < 32; a++) {
        const unsigned char *p = (const unsigned char *)doctor_anchors[a];
        wm_len[a] = strlen(doctor_anchors[a]);
        for (size_t k = 0; k < WM_S; k++) {
            wm_hash[a][k] = WM_HASH(p[k], p[k + 1], p[k + 2]);
            wm_mask[wm_hash[a][k]] |= 1u << a;
        }
    }
}

/* The start of an anchor whose k-th 3-gram ends at pos, or len. */
static size_t wm_check(const char *s, size_t len, size_t pos, uint32_t mask, unsigned h)
{
    for (uint32_t m = mask; m; m &= m - 1) {
        unsigned a = (unsigned)__builtin_ctz(m);
        for (size_t k = 0; k < WM_S; k++) {
            size_t start = pos - 2 - k;
            if (wm_hash[a][k] == h && pos >= 2 + k && start + wm_len[a] <= len &&
                memcmp(s + start, doctor_anchors[a], wm_len[a]) == 0) {
                return start;
            }
        }
    }
    return len;
}

/* The first position at or after from where an anchor starts (for "\nKilled", the position
 * after the newline), or len. */
static size_t wm_next(const char *s, size_t len, size_t from)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t pos = from + 2; pos < len; pos += WM_S) {
        unsigned h = WM_HASH(u[pos - 2], u[pos - 1], u[pos]);
        uint32_t m = wm_mask[h];
        if (!m) {
            continue;
        }
        size_t start = wm_check(s, len, pos, m, h);
        if (start < len) {
            return s[start] == '\n' ? start + 1 : start;
        }
    }
    return len;
}

/* The first candidate: a whole-line needle on the first line has no newline before it. */
static size_t wm_first(const char *s, size_t len)
{
    for (size_t i = 0; i < doctor_n_sigs; i++) {
        const doctor_sig *g = &doctor_sigs[i];
        size_t n = strlen(g->needle);
        if (g->match == SIG_LINE && len >= n && memcmp(s, g->needle, n) == 0) {
            return 0;
        }
    }
    return wm_next(s, len, 0);
}

/* ---- Lines -------------------------------------------------------------------------------- */

typedef struct input {
    const char *s;
    size_t len;
    /* Line numbering is incremental: counted from the last position asked about. */
    size_t counted_to;
    long counted_line; /* 1-based line at counted_to */
} input;

static long line_of(input *in, size_t pos)
{
    if (pos < in->counted_to) {
        in->counted_to = 0;
        in->counted_line = 1;
    }
    const char *p = in->s + in->counted_to;
    const char *end = in->s + pos;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl) {
            break;
        }
        in->counted_line++;
        p = nl + 1;
    }
    in->counted_to = pos;
    return in->counted_line;
}

static size_t line_start(const input *in, size_t pos)
{
    while (pos > 0 && in->s[pos - 1] != '\n') {
        pos--;
    }
    return pos;
}

static size_t line_end(const input *in, size_t pos)
{
    const char *nl = memchr(in->s + pos, '\n', in->len - pos);
    return nl ? (size_t)(nl - in->s) : in->len;
}

/* Bounds on the work done per line: a 10 MB line is read up to these bytes only. */
#define LINE_MAX_BYTES 8192
#define LINE_BEFORE 2048 /* of a long line, read this much before a candidate */
#define JOIN_MAX_LINES 40
#define JOIN_MAX_BYTES 8192
#define CONTEXT_MAX_LINES 400
#define STEP_MAX_LINES 3000
#define STEP_MAX_BYTES ((size_t)1 << 20)

/* The line [a, b) without ANSI escapes, CRs as spaces, and without a "[rankN]:" or
 * "[defaultN]:" prefix (its N goes to *out_rank, else -1). At most LINE_MAX_BYTES. */
static void clean_line(const input *in, size_t a, size_t b, buf *out, int *out_rank)
{
    out->len = 0;
    buf_append(out, "", 0);
    if (b - a > LINE_MAX_BYTES) {
        b = a + LINE_MAX_BYTES;
    }
    const char *s = in->s;
    for (size_t i = a; i < b; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == 0x1b) {
            if (i + 1 < b && s[i + 1] == '[') {
                i += 2;
                while (i < b && !((unsigned char)s[i] >= 0x40 && (unsigned char)s[i] <= 0x7e)) {
                    i++;
                }
            } else {
                i++;
            }
            continue;
        }
        buf_putc(out, c == '\r' || c == '\t' ? ' ' : (char)c);
    }
    while (out->len && out->data[out->len - 1] == ' ') {
        out->data[--out->len] = '\0';
    }
    *out_rank = -1;
    const char *p = out->data;
    while (*p == ' ' || *p == '\t') {
        p++;
    }
    static const char *const prefixes[] = {"[rank", "[default"};
    for (size_t k = 0; k < 2; k++) {
        size_t pl = strlen(prefixes[k]);
        if (strncmp(p, prefixes[k], pl) != 0) {
            continue;
        }
        const char *q = p + pl;
        long r = 0;
        size_t digits = 0;
        while (*q >= '0' && *q <= '9' && digits < 6) {
            r = r * 10 + (*q++ - '0');
            digits++;
        }
        if (digits && q[0] == ']' && q[1] == ':') {
            q += 2;
            if (*q == ' ') {
                q++;
            }
            *out_rank = (int)r;
            size_t off = (size_t)(q - out->data);
            memmove(out->data, q, out->len - off + 1);
            out->len -= off;
        }
        break;
    }
}

/* The first signature row matching a cleaned line, or NULL. */
static const doctor_sig *classify(const char *line, size_t len)
{
    for (size_t i = 0; i < doctor_n_sigs; i++) {
        const doctor_sig *g = &doctor_sigs[i];
        if (g->match == SIG_LINE) {
            const char *p = line;
            while (*p == ' ' || *p == '\t') {
                p++;
            }
            if (strcmp(p, g->needle) == 0) {
                return g;
            }
        } else if (memmem(line, len, g->needle, strlen(g->needle))) {
            return g;
        }
    }
    return NULL;
}

int doctor_has_signature(const char *text, size_t len)
{
    pthread_once(&wm_once, wm_build);
    input in = {text, len, 0, 1};
    buf line = BUF_INIT;
    int found = 0;
    for (size_t pos = wm_first(text, len); pos < len && !found;) {
        size_t a = line_start(&in, pos);
        size_t b = line_end(&in, pos);
        int rank;
        clean_line(&in, a, b, &line, &rank);
        found = classify(line.data, line.len) != NULL;
        pos = b >= len ? len : wm_next(text, len, b + 1);
    }
    buf_free(&line);
    return found;
}

int doctor_looks_pasted(const char *text, size_t len)
{
    size_t words = 0;
    int in_word = 0;
    int colon = 0;
    int digit = 0;
    for (size_t i = 0; i < len && !colon; i++) {
        int space = text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r';
        words += !space && !in_word;
        in_word = !space;
        colon |= text[i] == ':';
        digit |= text[i] >= '0' && text[i] <= '9';
    }
    return (colon || (words >= 8 && digit)) && doctor_has_signature(text, len);
}

/* ---- Squeezed text and numbers ----------------------------------------------------------- */

/* Appends s lowercased, without whitespace and control bytes. */
static void squeeze(buf *out, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c == 0x7f) {
            continue;
        }
        buf_putc(out, (char)(c >= 'A' && c <= 'Z' ? c + 32 : c));
    }
}

typedef struct unit_row {
    const char *name;
    double mult;
} unit_row;

/* Longest first. PyTorch prints binary units; the old MPS "GB/MB" are binary too (its
 * format_size divides by 1024). */
static const unit_row units[] = {
    {"bytes", 1.0},
    {"byte", 1.0},
    {"kib", 1024.0},
    {"mib", 1048576.0},
    {"gib", 1073741824.0},
    {"tib", 1099511627776.0},
    {"pib", 1125899906842624.0},
    {"kb", 1024.0},
    {"mb", 1048576.0},
    {"gb", 1073741824.0},
    {"tb", 1099511627776.0},
    {"b", 1.0},
};

#define SIZE_CAP 1152921504606846976.0 /* 1 EiB */

/* Parses "12.34gib" at s (bounded by end): bytes into *out and the length read, or 0. */
static size_t parse_size(const char *s, const char *end, double *out)
{
    const char *p = s;
    double v = 0;
    size_t digits = 0;
    while (p < end && *p >= '0' && *p <= '9' && digits < 18) {
        v = v * 10 + (*p++ - '0');
        digits++;
    }
    if (!digits) {
        return 0;
    }
    if (p < end && *p == '.') {
        double scale = 0.1;
        p++;
        while (p < end && *p >= '0' && *p <= '9') {
            v += (*p++ - '0') * scale;
            scale /= 10;
        }
    }
    for (size_t u = 0; u < sizeof units / sizeof units[0]; u++) {
        size_t ul = strlen(units[u].name);
        if ((size_t)(end - p) >= ul && memcmp(p, units[u].name, ul) == 0) {
            /* No allocator prints more than 1 EiB (PyTorch says "more than 1EB" instead):
             * larger figures are garbage and are held at 1 EiB, which keeps every derived
             * figure and its JSON integer in range. */
            *out = v * units[u].mult > SIZE_CAP ? SIZE_CAP : v * units[u].mult;
            return (size_t)(p - s) + ul;
        }
    }
    return 0;
}

/* The size that ends right before pos (as in "10.76gibtotalcapacity"), or -1. */
static double size_before(const char *s, size_t pos)
{
    size_t a = pos;
    while (a > 0 && a + 24 > pos &&
           ((s[a - 1] >= 'a' && s[a - 1] <= 'z') || (s[a - 1] >= '0' && s[a - 1] <= '9') ||
            s[a - 1] == '.')) {
        a--;
    }
    /* Try each start from the leftmost: the first parse that ends exactly at pos. */
    for (size_t i = a; i < pos; i++) {
        if (s[i] < '0' || s[i] > '9' || (i > a && s[i - 1] >= '0' && s[i - 1] <= '9') ||
            (i > a && s[i - 1] == '.')) {
            continue;
        }
        double v;
        size_t n = parse_size(s + i, s + pos, &v);
        if (n && i + n == pos) {
            return v;
        }
    }
    return -1;
}

/* Reads the field table over the squeezed message sq into ev. */
static void read_fields(const buf *sq, doctor_event *ev)
{
    const char *s = sq->data;
    const char *end = s + sq->len;
    for (size_t r = 0; r < doctor_n_field_rules; r++) {
        const doctor_field_rule *fr = &doctor_field_rules[r];
        if (ev->field[fr->field] >= 0) {
            continue;
        }
        const char *k = memmem(s, sq->len, fr->key, strlen(fr->key));
        if (!k) {
            continue;
        }
        double v = -1;
        if (fr->side == FIELD_AFTER) {
            const char *p = k + strlen(fr->key);
            if (!parse_size(p, end, &v)) {
                v = -1;
            }
        } else {
            v = size_before(s, (size_t)(k - s));
        }
        ev->field[fr->field] = v;
    }
    /* "Process 1234 has 2.00 GiB memory in use", any number of times. */
    double other = 0;
    for (const char *p = memmem(s, sq->len, "process", 7); p;
         p = memmem(p + 7, (size_t)(end - p - 7), "process", 7)) {
        const char *q = p + 7;
        size_t digits = 0;
        while (q < end && *q >= '0' && *q <= '9') {
            q++;
            digits++;
        }
        double v;
        size_t n;
        if (!digits || end - q < 3 || memcmp(q, "has", 3) != 0 ||
            !(n = parse_size(q + 3, end, &v))) {
            continue;
        }
        other += v;
        ev->n_processes++;
    }
    if (ev->n_processes && ev->field[DOCTOR_F_OTHER] < 0) {
        ev->field[DOCTOR_F_OTHER] = other;
    }
}

/* The device index: "gpu0has", "(gpu0;", "gpu1has". -1 when absent or mangled. *out_mangled is
 * set for the 2.3.x forms (raw byte, or the text cut right after "GPU"). */
static int read_device(const buf *sq, int *out_mangled)
{
    *out_mangled = 0;
    const char *s = sq->data;
    const char *end = s + sq->len;
    for (const char *p = memmem(s, sq->len, "gpu", 3); p;
         p = memmem(p + 3, (size_t)(end - p - 3), "gpu", 3)) {
        const char *q = p + 3;
        if (q < end && *q >= '0' && *q <= '9') {
            int d = 0;
            while (q < end && *q >= '0' && *q <= '9' && d < 100000) {
                d = d * 10 + (*q++ - '0');
            }
            return d;
        }
        if (q == end || (end - q >= 6 && memcmp(q, "hasato", 6) == 0)) {
            *out_mangled = 1;
            return -1;
        }
    }
    return -1;
}

static const char *read_band(const buf *sq)
{
    for (size_t i = 0; i < doctor_n_bands; i++) {
        const doctor_band *b = &doctor_bands[i];
        int all = 1;
        for (size_t k = 0; k < 3 && b->keys[k] && all; k++) {
            all = memmem(sq->data, sq->len, b->keys[k], strlen(b->keys[k])) != NULL;
        }
        if (all) {
            return b->band;
        }
    }
    return NULL;
}

/* ---- Events ---------------------------------------------------------------------------- */

typedef struct parser {
    input in;
    doctor_report *rep;
    buf line;         /* scratch: a cleaned line */
    buf sq;           /* scratch: the squeezed message */
    buf ctx;          /* scratch: the frames above the message */
    size_t *consumed; /* line starts already read as part of an event's message */
    size_t n_consumed, cap_consumed;
} parser;

static int is_consumed(const parser *p, size_t a)
{
    size_t lo = p->n_consumed > 256 ? p->n_consumed - 256 : 0;
    for (size_t i = p->n_consumed; i > lo; i--) {
        if (p->consumed[i - 1] == a) {
            return 1;
        }
    }
    return 0;
}

static void mark_consumed(parser *p, size_t a)
{
    if (p->n_consumed == p->cap_consumed) {
        p->cap_consumed = p->cap_consumed ? 2 * p->cap_consumed : 64;
        p->consumed = xrealloc(p->consumed, p->cap_consumed * sizeof *p->consumed);
    }
    p->consumed[p->n_consumed++] = a;
}

static void add_evidence(parser *p, doctor_event *ev, size_t a, const char *text, size_t n)
{
    if (ev->n_evidence >= DOCTOR_MAX_EVIDENCE) {
        return;
    }
    long lineno = line_of(&p->in, a);
    for (size_t i = 0; i < ev->n_evidence; i++) {
        if (ev->evidence[i].lineno == lineno) {
            return;
        }
    }
    buf t = BUF_INIT;
    util_utf8_clean(&t, text, n > 240 ? 240 : n);
    if (n > 240) {
        buf_puts(&t, "…");
    }
    /* Keep evidence in line order. */
    size_t at = ev->n_evidence;
    while (at > 0 && ev->evidence[at - 1].lineno > lineno) {
        ev->evidence[at] = ev->evidence[at - 1];
        at--;
    }
    ev->evidence[at].lineno = lineno;
    ev->evidence[at].text = buf_detach(&t);
    ev->n_evidence++;
}

static int is_traceback_line(const char *s)
{
    while (*s == ' ') {
        s++;
    }
    return strncmp(s, "Traceback (", 11) == 0 || strncmp(s, "File \"", 6) == 0 ||
           strncmp(s, "During handling", 15) == 0 || strncmp(s, "Exception raised from", 21) == 0 ||
           strncmp(s, "frame #", 7) == 0 || strncmp(s, "The above exception", 19) == 0;
}

/* Joins the wrapped continuation of the message that starts on the line [a, b): following
 * lines of the same rank until a blank line, a traceback line, another signature, the end
 * of the hint, or the bounds. Appends to p->sq and the evidence. */
static void join_message(parser *p, doctor_event *ev, size_t b)
{
    int lines = 0;
    for (size_t pos = b + 1;
         pos < p->in.len && lines < JOIN_MAX_LINES && p->sq.len < JOIN_MAX_BYTES; lines++) {
        size_t e = line_end(&p->in, pos);
        int rank;
        clean_line(&p->in, pos, e, &p->line, &rank);
        size_t here = pos;
        pos = e + 1;
        if (rank != ev->rank) {
            if (ev->rank < 0) {
                break;
            }
            continue; /* another rank's line, interleaved */
        }
        if (p->line.len == 0 || is_traceback_line(p->line.data) ||
            classify(p->line.data, p->line.len)) {
            break;
        }
        squeeze(&p->sq, p->line.data, p->line.len);
        mark_consumed(p, here);
        add_evidence(p, ev, here, p->line.data, p->line.len);
        if (memmem(p->sq.data, p->sq.len, "alloc_conf", 10) ||
            memmem(p->sq.data, p->sq.len, "watermark_ratio", 15) ||
            memmem(p->sq.data, p->sq.len, "empty_cache", 11)) {
            break;
        }
    }
}

/* Appends to p->ctx the traceback lines above the line starting at a (same rank), up to the
 * "Traceback" line or the bounds; records the phase frame as evidence. */
static void read_context(parser *p, doctor_event *ev, size_t a)
{
    p->ctx.len = 0;
    buf_append(&p->ctx, "", 0);
    int best = -1;
    size_t best_at = 0;
    buf best_text = BUF_INIT;
    size_t pos = a;
    for (int n = 0; pos > 0 && n < CONTEXT_MAX_LINES; n++) {
        size_t s = line_start(&p->in, pos - 1);
        int rank;
        clean_line(&p->in, s, pos - 1, &p->line, &rank);
        size_t here = s;
        pos = s;
        if (rank != ev->rank) {
            continue;
        }
        buf_append(&p->ctx, p->line.data, p->line.len);
        buf_putc(&p->ctx, '\n');
        for (size_t i = 0; i < doctor_n_phases; i++) {
            const doctor_phase *ph = &doctor_phases[i];
            if (ph->priority > best && strstr(p->line.data, ph->needle)) {
                best = ph->priority;
                ev->phase = ph->phase;
                best_at = here;
                best_text.len = 0;
                buf_append(&best_text, p->line.data, p->line.len);
            }
        }
        if (!ev->script) {
            const char *f = strstr(p->line.data, "File \"");
            const char *q = f ? strchr(f + 6, '"') : NULL;
            if (q && !memmem(f, (size_t)(q - f), "-packages/", 10) &&
                !memmem(f, (size_t)(q - f), "/lib/python", 11) && q[-1] == 'y' && q[-2] == 'p' &&
                q[-3] == '.') {
                ev->script = xstrndup(f + 6, (size_t)(q - f - 6));
            }
        }
        if (strstr(p->line.data, "Traceback (most recent call last)")) {
            break;
        }
    }
    if (best >= 0) {
        add_evidence(p, ev, best_at, best_text.data, best_text.len);
    }
    buf_free(&best_text);
}

/* The last step counter in s[0..n): "step 1234", "Step: 12", "global_step=7", "| 450/1000 [".
 * Returns 1 and *out, or 0. */
static int find_step(const char *s, size_t n, long *out)
{
    int found = 0;
    for (size_t i = 0; i + 4 < n; i++) {
        if ((s[i] == 's' || s[i] == 'S') && strncmp(s + i + 1, "tep", 3) == 0 &&
            (i == 0 || strchr(" _[|('\"", s[i - 1]))) {
            size_t j = i + 4;
            while (j < n && strchr(" :=#'\"", s[j])) {
                j++;
            }
            if (j < n && s[j] >= '0' && s[j] <= '9') {
                *out = strtol(s + j, NULL, 10);
                found = 1;
            }
        }
        if (s[i] == '|' && s[i + 1] == ' ' && s[i + 2] >= '0' && s[i + 2] <= '9') {
            char *e;
            long v = strtol(s + i + 2, &e, 10);
            if (*e == '/' && e[1] >= '0' && e[1] <= '9') {
                *out = v;
                found = 1;
            }
        }
    }
    return found;
}

static void read_step(parser *p, doctor_event *ev, size_t a)
{
    size_t pos = a;
    for (int n = 0; pos > 0 && n < STEP_MAX_LINES && a - pos < STEP_MAX_BYTES; n++) {
        size_t s = line_start(&p->in, pos - 1);
        int rank;
        clean_line(&p->in, s, pos - 1, &p->line, &rank);
        pos = s;
        long step;
        if ((rank == ev->rank || rank < 0) && find_step(p->line.data, p->line.len, &step)) {
            ev->step = step;
            add_evidence(p, ev, s, p->line.data, p->line.len);
            return;
        }
    }
}

/* The same failure reported again (another rank's copy, a chained traceback): same kind,
 * device and numbers. Returns the earlier event or NULL. */
static doctor_event *same_event(doctor_report *r, const doctor_event *ev)
{
    for (size_t i = 0; i < r->n; i++) {
        doctor_event *o = &r->events[i];
        if (strcmp(o->kind, ev->kind) != 0 || strcmp(o->what, ev->what) != 0 ||
            o->device != ev->device) {
            continue;
        }
        int same = 1;
        for (int f = 0; f < DOCTOR_N_FIELDS && same; f++) {
            same = o->field[f] == ev->field[f];
        }
        if (same) {
            return o;
        }
    }
    return NULL;
}

static void event_free(doctor_event *ev)
{
    free(ev->summary);
    free(ev->script);
    for (size_t i = 0; i < ev->n_evidence; i++) {
        free(ev->evidence[i].text);
    }
}

static void event_init(doctor_event *ev, const doctor_sig *g, int rank)
{
    memset(ev, 0, sizeof *ev);
    ev->kind = g->kind;
    ev->what = g->what;
    ev->backend = g->backend;
    ev->band = g->band;
    ev->device = -1;
    ev->rank = rank;
    ev->step = -1;
    ev->occurrences = 1;
    for (int f = 0; f < DOCTOR_N_FIELDS; f++) {
        ev->field[f] = -1;
    }
}

/* Reads the event whose signature g matched the line [a, b) (cleaned in p->line). */
static void read_event(parser *p, const doctor_sig *g, size_t a, size_t b, int rank)
{
    doctor_event ev;
    event_init(&ev, g, rank);
    add_evidence(p, &ev, a, p->line.data, p->line.len);
    /* A log pasted into a one-line box has its step counters on the same line, before. */
    const char *at = memmem(p->line.data, p->line.len, g->needle, strlen(g->needle));
    if (at && find_step(p->line.data, (size_t)(at - p->line.data), &ev.step) == 0) {
        ev.step = -1;
    }
    p->sq.len = 0;
    buf_append(&p->sq, "", 0);
    squeeze(&p->sq, p->line.data, p->line.len);
    if (g->numbers == SIG_NUMBERS) {
        join_message(p, &ev, b);
        read_fields(&p->sq, &ev);
        int mangled = 0;
        ev.device = read_device(&p->sq, &mangled);
        if (!ev.band) {
            ev.band = mangled ? "2.3.x" : read_band(&p->sq);
        }
    } else if (!ev.band) {
        ev.band = read_band(&p->sq);
    }
    read_context(p, &ev, a);
    if (ev.step < 0) {
        read_step(p, &ev, a);
    }
    doctor_context cx = {p->ctx.data, p->ctx.len, strcmp(g->kind, "garbage-size") == 0};
    doctor_decide(&ev, &cx);
    doctor_event *old = same_event(p->rep, &ev);
    if (old) {
        old->occurrences++;
        for (size_t i = 0; i < ev.n_evidence && i < 2; i++) {
            add_evidence(p, old, a, ev.evidence[0].text, strlen(ev.evidence[0].text));
        }
        event_free(&ev);
        return;
    }
    if (p->rep->n >= DOCTOR_MAX_EVENTS) {
        p->rep->n_dropped++;
        event_free(&ev);
        return;
    }
    p->rep->events[p->rep->n++] = ev;
}

doctor_status doctor_diagnose(const char *text, size_t len, doctor_report **out, doctor_diag *diag)
{
    *out = NULL;
    if (len > DOCTOR_MAX_INPUT) {
        if (diag) {
            snprintf(diag->message, sizeof diag->message,
                     "input is %zu bytes, over the limit of %zu MiB", len, DOCTOR_MAX_INPUT >> 20);
        }
        return DOCTOR_ERR_INPUT;
    }
    pthread_once(&wm_once, wm_build);
    doctor_report *r = xcalloc(1, sizeof *r);
    r->events = xcalloc(DOCTOR_MAX_EVENTS, sizeof *r->events);
    parser p = {{text, len, 0, 1}, r, BUF_INIT, BUF_INIT, BUF_INIT, NULL, 0, 0};
    for (size_t pos = wm_first(text, len); pos < len;) {
        size_t a = line_start(&p.in, pos);
        size_t b = line_end(&p.in, pos);
        /* A line longer than LINE_MAX_BYTES (a log pasted into a one-line box, binary data) is
         * read in a window around the candidate, and the scan goes on after the window. */
        size_t next = b + 1;
        if (b - a > LINE_MAX_BYTES) {
            a = pos - a > LINE_BEFORE ? pos - LINE_BEFORE : a;
            next = a + LINE_MAX_BYTES < b ? a + LINE_MAX_BYTES : b + 1;
        }
        if (!is_consumed(&p, a)) {
            int rank;
            clean_line(&p.in, a, b, &p.line, &rank);
            const doctor_sig *g = classify(p.line.data, p.line.len);
            if (g) {
                read_event(&p, g, a, b, rank);
            }
        }
        pos = next >= len ? len : wm_next(text, len, next);
    }
    r->n_lines = len ? line_of(&p.in, len) - (text[len - 1] == '\n') : 0;
    buf_free(&p.line);
    buf_free(&p.sq);
    buf_free(&p.ctx);
    free(p.consumed);
    *out = r;
    return DOCTOR_OK;
}

void doctor_report_free(doctor_report *r)
{
    if (!r) {
        return;
    }
    for (size_t i = 0; i < r->n; i++) {
        event_free(&r->events[i]);
    }
    free(r->events);
    free(r);
}
