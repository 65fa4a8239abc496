/* Private to the doctor module: the data tables (doctor/tables.c) that the parser
 * (doctor/parse.c) and the decision logic (doctor/verdict.c) read. A new wording, field,
 * phase, verdict entry or lint rule is a new row here, not a new branch in the code. */
#ifndef OOMKB_DOCTOR_INT_H
#define OOMKB_DOCTOR_INT_H

#include <stddef.h>

#include "doctor/doctor.h"

/* How a signature's needle must occur in a cleaned line. */
typedef enum sig_match {
    SIG_SUB = 0, /* anywhere */
    SIG_LINE,    /* the whole line, trimmed ("Killed") */
} sig_match;

/* Whether the message carries numbers worth joining wrapped lines for. */
typedef enum sig_numbers {
    SIG_NO_NUMBERS = 0,
    SIG_NUMBERS,
} sig_numbers;

/* One wording that marks an OOM event. Rows are tried in order; the first match wins, so the
 * specific ones come first. */
typedef struct doctor_sig {
    const char *needle; /* case-sensitive, in the line with ANSI codes and rank prefix removed */
    sig_match match;
    sig_numbers numbers;
    const char *kind;    /* doctor_event.kind */
    const char *backend; /* doctor_event.backend */
    const char *what;    /* doctor_event.what */
    const char *band;    /* a band the wording alone implies, or NULL (then doctor_bands) */
} doctor_sig;
extern const doctor_sig doctor_sigs[];
extern const size_t doctor_n_sigs;

/* Literal strings every needle contains one of: the prefilter looks for these only. */
#define DOCTOR_ANCHOR_MIN 7
extern const char *const doctor_anchors[];
extern const size_t doctor_n_anchors;

/* A number next to a key in the squeezed message (lowercase, no whitespace). */
typedef enum field_side {
    FIELD_AFTER = 0, /* "triedtoallocate20.00mib" */
    FIELD_BEFORE,    /* "10.76gibtotalcapacity" */
} field_side;

typedef struct doctor_field_rule {
    const char *key;
    field_side side;
    doctor_field field;
} doctor_field_rule;
extern const doctor_field_rule doctor_field_rules[];
extern const size_t doctor_n_field_rules;

/* Version bands: the first row whose keys all occur (squeezed text) dates the message. */
typedef struct doctor_band {
    const char *keys[3]; /* NULL-terminated when fewer */
    const char *band;
} doctor_band;
extern const doctor_band doctor_bands[];
extern const size_t doctor_n_bands;

/* Traceback frames and code lines that tell the phase; the highest priority found wins. */
typedef struct doctor_phase {
    const char *needle; /* case-sensitive, in a frame or source line above the message */
    const char *phase;
    int priority;
} doctor_phase;
extern const doctor_phase doctor_phases[];
extern const size_t doctor_n_phases;

/* The entries a verdict (or a verdict + phase) sends to, in order. The first matching row
 * wins. Besides the traceback phases, "stray-contexts" matches a held-by-others event whose
 * other processes are several small ones on GPU 0 (other ranks' CUDA contexts). */
typedef struct doctor_advice {
    const char *verdict;
    const char *phase; /* NULL: any */
    doctor_ref refs[DOCTOR_MAX_ENTRIES];
} doctor_advice;
extern const doctor_advice doctor_advice_rows[];
extern const size_t doctor_n_advice;

/* Lint rules that catch a cause: by verdict, phase (as for doctor_advice), or a frame text (each
 * NULL = any). */
typedef struct doctor_lint_row {
    const char *verdict;
    const char *phase;
    const char *frame; /* a substring of the traceback above the message, or NULL */
    doctor_lint lint;
} doctor_lint_row;
extern const doctor_lint_row doctor_lint_rows[];
extern const size_t doctor_n_lint_rows;

/* Verdict ids and their titles. */
typedef struct doctor_verdict_name {
    const char *id;
    const char *title;
} doctor_verdict_name;
extern const doctor_verdict_name doctor_verdicts[];
extern const size_t doctor_n_verdicts;

/* What the parser saw around an event, for the decision logic (verdict.c). */
typedef struct doctor_context {
    const char *frames; /* traceback and code lines above the message, '\n'-joined */
    size_t frames_len;
    int garbage_size; /* "more than 1EB" */
} doctor_context;

/* Fills ev->verdict, summary, entries and lints from its fields and context. */
void doctor_decide(doctor_event *ev, const doctor_context *cx);

/* Formats bytes in a given unit ("GiB") with 2 decimals into out. */
void doctor_format_bytes(double bytes, const char *unit, char *out, size_t out_size);
/* The unit for a set of values: the one that suits the largest. */
const char *doctor_pick_unit(const double *values, size_t n);

#endif
