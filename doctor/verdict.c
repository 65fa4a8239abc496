/* From numbers to a verdict: the derived quantities (reserved from its parts, memory held by
 * other processes, the fragmentation share), the ordered rules of the decision (impossible
 * request, held by others, a cap, fragmentation, genuinely full by phase), and the entries and
 * lint rules the verdict sends to, read from doctor/tables.c. */
#include <stdio.h>
#include <string.h>

#include "common/util.h"
#include "doctor/doctor_int.h"

#define GIB 1073741824.0
#define MIB 1048576.0
/* A CUDA context and the process's own non-PyTorch memory take up to about this much; in
 * 1.x messages it is folded into total - free - reserved, so only the excess is foreign. */
#define CONTEXT_ALLOWANCE (1.0 * GIB)

static const char *const field_names[DOCTOR_N_FIELDS] = {
    "requested",   "total",           "free",    "reserved",     "allocated",
    "unallocated", "other_processes", "allowed", "this_process", "private_pools",
};
static const char *const field_labels[DOCTOR_N_FIELDS] = {
    "requested",           "total capacity",       "free",
    "reserved by PyTorch", "allocated by PyTorch", "reserved but unallocated",
    "other processes",     "allowed (cap)",        "this process in all",
    "in private pools",
};

const char *doctor_field_name(doctor_field f)
{
    return f < DOCTOR_N_FIELDS ? field_names[f] : "";
}

const char *doctor_field_label(doctor_field f)
{
    return f < DOCTOR_N_FIELDS ? field_labels[f] : "";
}

const char *doctor_pick_unit(const double *values, size_t n)
{
    double mx = 0;
    for (size_t i = 0; i < n; i++) {
        if (values[i] > mx) {
            mx = values[i];
        }
    }
    return mx >= 1024 * GIB ? "TiB"
           : mx >= GIB      ? "GiB"
           : mx >= MIB      ? "MiB"
           : mx >= 1024     ? "KiB"
                            : "bytes";
}

void doctor_format_bytes(double bytes, const char *unit, char *out, size_t out_size)
{
    static const struct {
        const char *name;
        double div;
    } u[] = {{"TiB", 1024 * GIB}, {"GiB", GIB}, {"MiB", MIB}, {"KiB", 1024}, {"bytes", 1}};
    for (size_t i = 0; i < sizeof u / sizeof u[0]; i++) {
        if (strcmp(unit, u[i].name) == 0) {
            if (u[i].div == 1) {
                snprintf(out, out_size, "%.0f bytes", bytes);
            } else {
                snprintf(out, out_size, "%.2f %s", bytes / u[i].div, unit);
            }
            return;
        }
    }
    snprintf(out, out_size, "%.0f bytes", bytes);
}

/* Bytes in the unit that suits them alone, for sentences. */
static void fmt1(double bytes, char *out, size_t n)
{
    doctor_format_bytes(bytes, doctor_pick_unit(&bytes, 1), out, n);
}

static int has(const doctor_event *ev, doctor_field f)
{
    return ev->field[f] >= 0;
}

/* Fills what the band leaves implicit: reserved = allocated + cached (1.0-1.3), unallocated =
 * reserved - allocated (1.4-2.0), reserved = allocated + unallocated (2.1+). */
static void derive(doctor_event *ev)
{
    double *f = ev->field;
    if (!has(ev, DOCTOR_F_RESERVED) && has(ev, DOCTOR_F_ALLOCATED) &&
        has(ev, DOCTOR_F_UNALLOCATED)) {
        f[DOCTOR_F_RESERVED] = f[DOCTOR_F_ALLOCATED] + f[DOCTOR_F_UNALLOCATED];
    }
    if (!has(ev, DOCTOR_F_UNALLOCATED) && has(ev, DOCTOR_F_RESERVED) &&
        has(ev, DOCTOR_F_ALLOCATED) && f[DOCTOR_F_RESERVED] >= f[DOCTOR_F_ALLOCATED]) {
        f[DOCTOR_F_UNALLOCATED] = f[DOCTOR_F_RESERVED] - f[DOCTOR_F_ALLOCATED];
    }
    /* In a container the process's own PID differs: one Process line whose use is about
     * what PyTorch reserved is this process, not another one. */
    if (ev->n_processes == 1 && !has(ev, DOCTOR_F_PROCESS) && has(ev, DOCTOR_F_RESERVED) &&
        f[DOCTOR_F_OTHER] >= f[DOCTOR_F_RESERVED] &&
        f[DOCTOR_F_OTHER] <= f[DOCTOR_F_RESERVED] + CONTEXT_ALLOWANCE) {
        ev->self_process = 1;
        f[DOCTOR_F_PROCESS] = f[DOCTOR_F_OTHER];
        f[DOCTOR_F_OTHER] = 0;
    }
}

/* Memory held outside this process: the Process lines (2.1+), or the excess of total - free -
 * reserved over a context's worth (1.x). -1 when it cannot be told. */
static double foreign(const doctor_event *ev)
{
    const double *f = ev->field;
    if (strcmp(ev->kind, "mps") == 0 || ev->n_processes) {
        return has(ev, DOCTOR_F_OTHER) ? f[DOCTOR_F_OTHER] : -1;
    }
    if (has(ev, DOCTOR_F_TOTAL) && has(ev, DOCTOR_F_FREE) && has(ev, DOCTOR_F_RESERVED) &&
        !has(ev, DOCTOR_F_PROCESS)) {
        double x = f[DOCTOR_F_TOTAL] - f[DOCTOR_F_FREE] - f[DOCTOR_F_RESERVED] - CONTEXT_ALLOWANCE;
        /* Only an excess that is a real share of the card is evidence of another holder. */
        return x >= 0.05 * f[DOCTOR_F_TOTAL] ? x : 0;
    }
    return has(ev, DOCTOR_F_PROCESS) ? 0 : -1;
}

typedef struct decision {
    const char *verdict;
    buf why;
} decision;

/* Each rule returns 1 when it decides. They run in order; the first that decides wins. */
typedef int (*rule_fn)(const doctor_event *ev, decision *d);

static int rule_kind(const doctor_event *ev, decision *d)
{
    static const struct {
        const char *kind;
        const char *verdict;
        const char *why;
    } rows[] = {
        {"cpu-allocator", "host-ram",
         "PyTorch's CPU allocator could not get host RAM for this request: host memory, not "
         "VRAM, ran out."},
        {"cuda-library", "library",
         "The failing allocation came from outside the caching allocator, so the message has no "
         "numbers: the card was already full when the library needed memory."},
        {"host-ram", "host-ram",
         "The process was killed for host RAM (the kernel's OOM killer or the job's cgroup), "
         "not for VRAM."},
        {"shared-memory", "shared-memory",
         "DataLoader workers ran out of shared memory (/dev/shm), not RAM or VRAM."},
        {"allocator-pressure", "at-the-edge",
         "The allocator flushed its cache to satisfy requests: the run is at the edge and "
         "will OOM on a slightly larger batch."},
        {"no-batch-fits", "no-batch-fits",
         "Accelerate halved the batch size after each OOM down to zero: the model does not fit "
         "even with one sample per batch."},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        if (strcmp(ev->kind, rows[i].kind) == 0) {
            d->verdict = rows[i].verdict;
            buf_puts(&d->why, rows[i].why);
            return 1;
        }
    }
    return 0;
}

static int rule_impossible(const doctor_event *ev, decision *d)
{
    const double *f = ev->field;
    char x[32];
    char t[32];
    if (strcmp(ev->kind, "garbage-size") == 0) {
        d->verdict = "impossible-request";
        buf_puts(&d->why, "A request for more than 1 EB is a garbage size: a shape bug, or sizes "
                          "corrupted after a collective timed out. Not a batch-size problem.");
        return 1;
    }
    double limit = has(ev, DOCTOR_F_TOTAL) ? f[DOCTOR_F_TOTAL] : -1;
    const char *what = "the card's total capacity";
    if (has(ev, DOCTOR_F_ALLOWED) && (limit < 0 || f[DOCTOR_F_ALLOWED] < limit)) {
        limit = f[DOCTOR_F_ALLOWED];
        what = "the allowed maximum";
    }
    if (strcmp(ev->kind, "cpu-allocator") == 0 && limit < 0) {
        limit = 1024 * GIB; /* no host has this much RAM to give one tensor */
        what = "any host's RAM";
    }
    if (!has(ev, DOCTOR_F_REQUESTED) || limit <= 0 || f[DOCTOR_F_REQUESTED] < limit) {
        return 0;
    }
    fmt1(f[DOCTOR_F_REQUESTED], x, sizeof x);
    fmt1(limit, t, sizeof t);
    d->verdict = "impossible-request";
    buf_printf(&d->why,
               "One request of %s is at least %s (%s): a single impossible tensor, not a "
               "batch-size problem.",
               x, what, t);
    return 1;
}

/* Several small Process lines on GPU 0: the stray CUDA contexts of other ranks. */
static int stray_contexts(const doctor_event *ev)
{
    return ev->n_processes >= 2 && ev->device == 0 &&
           ev->field[DOCTOR_F_OTHER] <= ev->n_processes * GIB;
}

static int rule_others(const doctor_event *ev, decision *d)
{
    const double *f = ev->field;
    double fo = foreign(ev);
    if (fo <= 0 || !has(ev, DOCTOR_F_REQUESTED)) {
        return 0;
    }
    double avail = has(ev, DOCTOR_F_FREE) ? f[DOCTOR_F_FREE] : 0;
    double need = f[DOCTOR_F_REQUESTED] - avail;
    if (strcmp(ev->kind, "mps") == 0) {
        if (fo <= f[DOCTOR_F_ALLOCATED] || fo < f[DOCTOR_F_REQUESTED]) {
            return 0;
        }
    } else if (fo < need) {
        return 0;
    }
    char a[32];
    char x[32];
    fmt1(fo, a, sizeof a);
    fmt1(f[DOCTOR_F_REQUESTED], x, sizeof x);
    d->verdict = "held-by-others";
    buf_printf(&d->why,
               "Other processes hold %s of this device, enough to have left room for "
               "the %s request.",
               a, x);
    if (stray_contexts(ev)) {
        buf_puts(&d->why, " Several small Process lines on GPU 0 are the stray CUDA contexts "
                          "of other ranks touching GPU 0: set the device before any CUDA call.");
    }
    return 1;
}

static int rule_cap(const doctor_event *ev, decision *d)
{
    const double *f = ev->field;
    if (!has(ev, DOCTOR_F_ALLOWED) || !has(ev, DOCTOR_F_REQUESTED) || !has(ev, DOCTOR_F_FREE) ||
        !has(ev, DOCTOR_F_RESERVED) || strcmp(ev->kind, "mps") == 0) {
        return 0;
    }
    if (f[DOCTOR_F_RESERVED] + f[DOCTOR_F_REQUESTED] <= f[DOCTOR_F_ALLOWED] ||
        f[DOCTOR_F_FREE] < f[DOCTOR_F_REQUESTED]) {
        return 0;
    }
    char l[32];
    char fr[32];
    fmt1(f[DOCTOR_F_ALLOWED], l, sizeof l);
    fmt1(f[DOCTOR_F_FREE], fr, sizeof fr);
    d->verdict = "cap";
    buf_printf(&d->why,
               "PyTorch is capped at %s while the card still has %s free: a "
               "memory-fraction setting stops it, not the card.",
               l, fr);
    return 1;
}

static int rule_fragmentation(const doctor_event *ev, decision *d)
{
    const double *f = ev->field;
    if (!has(ev, DOCTOR_F_REQUESTED) || !has(ev, DOCTOR_F_FREE) || !has(ev, DOCTOR_F_UNALLOCATED)) {
        return 0;
    }
    double x = f[DOCTOR_F_REQUESTED];
    double u = f[DOCTOR_F_UNALLOCATED];
    double r = has(ev, DOCTOR_F_RESERVED) ? f[DOCTOR_F_RESERVED] : u;
    char xs[32];
    char us[32];
    char fs[32];
    fmt1(x, xs, sizeof xs);
    fmt1(u, us, sizeof us);
    fmt1(f[DOCTOR_F_FREE], fs, sizeof fs);
    if (x > 0 && f[DOCTOR_F_FREE] > x) {
        d->verdict = "allocator-anomaly";
        buf_printf(&d->why,
                   "The %s request fits in the %s the driver reports free, yet it "
                   "failed: an allocator or driver anomaly, not a fit problem.",
                   xs, fs);
        return 1;
    }
    if (f[DOCTOR_F_FREE] < x && u >= x && r > 0 && (u / r >= 0.02 || u >= 4 * x)) {
        d->verdict = "fragmentation";
        buf_printf(&d->why,
                   "%s is reserved by PyTorch but unallocated (%.0f%% of reserved), more than "
                   "the %s requested, yet only %s is free: the cache is fragmented.",
                   us, 100.0 * u / r, xs, fs);
        return 1;
    }
    return 0;
}

static const char *phase_phrase(const char *phase)
{
    static const char *const rows[][2] = {
        {"backward", "in the backward pass"},        {"optimizer step", "in the optimizer step"},
        {"evaluation", "during evaluation"},         {"loading", "while loading a checkpoint"},
        {"start-up", "moving the model to the GPU"}, {"attention", "in attention"},
        {"mid-epoch", "deep into the epoch"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        if (strcmp(rows[i][0], phase) == 0) {
            return rows[i][1];
        }
    }
    return phase;
}

static int rule_full(const doctor_event *ev, decision *d)
{
    const double *f = ev->field;
    char xs[32];
    char fs[32];
    d->verdict = "full";
    if (has(ev, DOCTOR_F_REQUESTED) && has(ev, DOCTOR_F_FREE)) {
        fmt1(f[DOCTOR_F_REQUESTED], xs, sizeof xs);
        fmt1(f[DOCTOR_F_FREE], fs, sizeof fs);
        buf_printf(&d->why, "The %s request does not fit in the %s free", xs, fs);
        if (has(ev, DOCTOR_F_UNALLOCATED) && f[DOCTOR_F_UNALLOCATED] < f[DOCTOR_F_REQUESTED]) {
            char us[32];
            fmt1(f[DOCTOR_F_UNALLOCATED], us, sizeof us);
            buf_printf(&d->why, ", only %s is reserved but unallocated,", us);
        }
        if (has(ev, DOCTOR_F_RESERVED) || has(ev, DOCTOR_F_UNALLOCATED) || ev->n_processes) {
            buf_puts(&d->why, " and nothing is held elsewhere: the card is genuinely full");
        } else {
            /* The figures after "free" are cut off: the best guess, said as one. */
            buf_puts(&d->why, "; the rest of the message (what PyTorch reserved and what other "
                              "processes hold) is not here, so paste all of it to tell "
                              "fragmentation or another process apart; as it reads, the card is "
                              "full");
        }
    } else if (has(ev, DOCTOR_F_REQUESTED)) {
        fmt1(f[DOCTOR_F_REQUESTED], xs, sizeof xs);
        buf_printf(&d->why,
                   "The %s request did not fit, and the message shows nothing held "
                   "elsewhere or fragmented: the device is genuinely full",
                   xs);
    } else {
        d->verdict = ev->phase ? "full" : "unknown";
        buf_puts(&d->why, ev->band && strcmp(ev->band, "2.3.x") == 0
                              ? "This 2.3.x message lost the device index and numbers"
                              : "The message gives no numbers");
        if (!ev->phase) {
            buf_puts(&d->why, "; nothing above it tells the phase.");
            return 1;
        }
        buf_puts(&d->why, "; the log tells where it failed:");
    }
    if (ev->phase) {
        buf_printf(&d->why, " %s.", phase_phrase(ev->phase));
    } else {
        buf_putc(&d->why, '.');
    }
    return 1;
}

static const rule_fn rules[] = {rule_impossible, rule_kind,          rule_others,
                                rule_cap,        rule_fragmentation, rule_full};

static const char *verdict_title(const char *id)
{
    for (size_t i = 0; i < doctor_n_verdicts; i++) {
        if (strcmp(doctor_verdicts[i].id, id) == 0) {
            return doctor_verdicts[i].title;
        }
    }
    return id;
}

static int phase_is(const char *a, const char *b)
{
    return !a || (b && strcmp(a, b) == 0);
}

/* The phase the tables match: the traceback's, or "stray-contexts" for memory held by other
 * ranks' contexts on GPU 0 (doctor_advice). */
static const char *table_phase(const doctor_event *ev)
{
    if (strcmp(ev->verdict, "held-by-others") == 0 && stray_contexts(ev)) {
        return "stray-contexts";
    }
    return ev->phase;
}

static void pick_advice(doctor_event *ev)
{
    for (size_t i = 0; i < doctor_n_advice; i++) {
        const doctor_advice *a = &doctor_advice_rows[i];
        if (strcmp(a->verdict, ev->verdict) != 0 || !phase_is(a->phase, table_phase(ev))) {
            continue;
        }
        for (size_t k = 0; k < DOCTOR_MAX_ENTRIES && a->refs[k].id; k++) {
            ev->entries[ev->n_entries++] = a->refs[k];
        }
        return;
    }
}

static void pick_lints(doctor_event *ev, const doctor_context *cx)
{
    for (size_t i = 0; i < doctor_n_lint_rows && ev->n_lints < DOCTOR_MAX_LINTS; i++) {
        const doctor_lint_row *l = &doctor_lint_rows[i];
        if ((l->verdict && strcmp(l->verdict, ev->verdict) != 0) ||
            !phase_is(l->phase, table_phase(ev)) ||
            (l->frame && !(cx->frames && strstr(cx->frames, l->frame)))) {
            continue;
        }
        ev->lints[ev->n_lints++] = l->lint;
    }
}

/* Step 2 is the first step that runs with the optimizer's state allocated: M17 leads. */
static void step_two(doctor_event *ev)
{
    if (ev->step != 2 || strcmp(ev->verdict, "full") != 0 ||
        (ev->n_entries && strcmp(ev->entries[0].id, "M17") == 0)) {
        return;
    }
    size_t n = ev->n_entries < DOCTOR_MAX_ENTRIES ? ev->n_entries : DOCTOR_MAX_ENTRIES - 1;
    memmove(ev->entries + 1, ev->entries, n * sizeof *ev->entries);
    ev->entries[0].id = "M17";
    ev->entries[0].reason = "it failed on step 2, the first step that runs with the optimizer's "
                            "state allocated";
    ev->n_entries = n + 1;
}

void doctor_decide(doctor_event *ev, const doctor_context *cx)
{
    derive(ev);
    /* A step counter deep into the epoch with no other phase: the longest batch so far. */
    int vram = strcmp(ev->kind, "vram-allocator") == 0 || strcmp(ev->kind, "mps") == 0 ||
               strcmp(ev->kind, "xla") == 0;
    if (vram && !ev->phase && ev->step >= 50) {
        ev->phase = "mid-epoch";
    }
    decision d = {NULL, BUF_INIT};
    for (size_t i = 0; i < sizeof rules / sizeof rules[0] && !d.verdict; i++) {
        rules[i](ev, &d);
    }
    ev->verdict = d.verdict;
    ev->verdict_title = verdict_title(d.verdict);
    ev->summary = buf_detach(&d.why);
    pick_advice(ev);
    step_two(ev);
    pick_lints(ev, cx);
}
