/* The OOM doctor: reads a pasted error, a training log, a dmesg/journalctl excerpt or a SLURM
 * output file, finds every out-of-memory event in it, decodes the numbers the message carries
 * and says which knowledge-base entries apply, in order, and why.
 *
 * Data flow: bytes --doctor_diagnose--> doctor_report (events with fields, verdict, entries,
 * evidence) --doctor_render_text/json/html--> output. The parser is pure (no I/O); the
 * wordings it knows, the fields it reads and the entries each verdict points at are data
 * tables in doctor/tables.c, so a new wording is a new row.
 *
 * Ownership: a report belongs to the caller (doctor_report_free). Strings inside events are
 * owned by the report unless marked static. Rendered strings are the caller's (free()).
 * Threads: every function is reentrant; the prefilter's tables are built once, thread-safely. */
#ifndef OOMKB_DOCTOR_H
#define OOMKB_DOCTOR_H

#include <stddef.h>

typedef enum doctor_status {
    DOCTOR_OK = 0,
    DOCTOR_ERR_INPUT, /* the input is over DOCTOR_MAX_INPUT; see the diagnostic */
} doctor_status;

/* A caller-owned diagnostic, filled at the failure site. */
typedef struct doctor_diag {
    char message[256];
} doctor_diag;

/* Upper bound on one input, in bytes. Lines may be of any length within it. */
#define DOCTOR_MAX_INPUT ((size_t)256 * 1024 * 1024)
/* At most this many distinct events are reported (the rest are counted in n_dropped). */
#define DOCTOR_MAX_EVENTS 64
#define DOCTOR_MAX_ENTRIES 8
#define DOCTOR_MAX_LINTS 4
#define DOCTOR_MAX_EVIDENCE 24

/* The numbers an allocator message can carry, in bytes. */
typedef enum doctor_field {
    DOCTOR_F_REQUESTED = 0, /* "Tried to allocate X" */
    DOCTOR_F_TOTAL,         /* total capacity of the device */
    DOCTOR_F_FREE,          /* free on the device, as the driver sees it */
    DOCTOR_F_RESERVED,      /* reserved by PyTorch's caching allocator */
    DOCTOR_F_ALLOCATED,     /* allocated to live tensors */
    DOCTOR_F_UNALLOCATED,   /* reserved but unallocated (1.0-1.3: "cached") */
    DOCTOR_F_OTHER,         /* held by other processes (sum of their "Process p has" lines;
                             * MPS: "other allocations") */
    DOCTOR_F_ALLOWED,       /* a cap: "L allowed", MPS "max allowed" */
    DOCTOR_F_PROCESS,       /* "this process has S memory in use" (PyTorch and non-PyTorch) */
    DOCTOR_F_PRIVATE,       /* allocated in private pools (CUDA Graphs) */
    DOCTOR_N_FIELDS,
} doctor_field;

/* "requested", "total", ... as used in JSON; doctor_field_label gives the table label. */
const char *doctor_field_name(doctor_field f);
const char *doctor_field_label(doctor_field f);

typedef struct doctor_ref {
    const char *id;     /* static: "M8" */
    const char *reason; /* static: one line of why */
} doctor_ref;

typedef struct doctor_lint {
    const char *code;   /* static: "OOM103" */
    const char *name;   /* static: "eval-predictions-accumulate-on-gpu" */
    const char *reason; /* static */
} doctor_lint;

typedef struct doctor_line {
    long lineno; /* 1-based line in the input */
    char *text;  /* the line, ANSI codes removed, valid UTF-8, at most ~240 bytes */
} doctor_line;

typedef struct doctor_event {
    const char *kind;    /* static: "vram-allocator", "cuda-library", "mps", "host-ram", ... */
    const char *what;    /* static: what failed, in words */
    const char *backend; /* static: "CUDA", "HIP", "XPU", "MPS", "cuBLAS", "NCCL", ... or NULL */
    const char *band;    /* static: PyTorch version band inferred from the wording, or NULL */
    int device;          /* GPU index, -1 when not given (or mangled, as 2.3.x prints it) */
    int rank;            /* from a "[rankN]:" prefix, -1 when none */
    double field[DOCTOR_N_FIELDS]; /* bytes; < 0 when the message does not give it */
    int n_processes;               /* "Process p has ..." lines */
    int self_process;              /* the one Process line is this process (a container) */
    const char *phase;             /* static: "backward", "optimizer step", ... or NULL */
    long step;                     /* the last step counter before the event, -1 when none */
    const char *verdict;           /* static id: "fragmentation", "held-by-others", ... */
    const char *verdict_title;     /* static: "fragmentation" in words */
    char *summary;                 /* owned: one or two sentences with the numbers */
    doctor_ref entries[DOCTOR_MAX_ENTRIES];
    size_t n_entries;
    doctor_lint lints[DOCTOR_MAX_LINTS];
    size_t n_lints;
    char *script; /* owned: the training script named in the traceback, or NULL */
    doctor_line evidence[DOCTOR_MAX_EVIDENCE];
    size_t n_evidence;
    size_t occurrences; /* how many times this same event appears in the input */
} doctor_event;

typedef struct doctor_report {
    doctor_event *events; /* in input order of first occurrence */
    size_t n;
    size_t n_dropped; /* distinct events over DOCTOR_MAX_EVENTS */
    long n_lines;     /* lines in the input */
} doctor_report;

/* Diagnoses text[0..len). Any bytes are accepted (binary, invalid UTF-8, NULs, lines of any
 * length); the work is linear in len. Returns DOCTOR_OK and *out (possibly with n == 0: no OOM
 * signature), or DOCTOR_ERR_INPUT when len exceeds DOCTOR_MAX_INPUT. */
doctor_status doctor_diagnose(const char *text, size_t len, doctor_report **out, doctor_diag *diag);
void doctor_report_free(doctor_report *r);

/* 1 when text[0..len) holds an OOM signature (the prefilter and the wording table only; cheap). */
int doctor_has_signature(const char *text, size_t len);

/* 1 when text looks pasted from a log rather than typed as a search: it holds an OOM signature
 * and a colon, or 8 words or more with a number ("RuntimeError: CUDA error: out of memory" and
 * "CUDA out of memory. Tried to allocate 20.00 MiB. GPU 0 ..." are pasted; "cuda out of memory",
 * "Killed" and a question without numbers are searches). The search box and `oomkb search` diagnose
 * such text instead of only searching it. */
int doctor_looks_pasted(const char *text, size_t len);

/* ---- Rendering ------------------------------------------------------------------------ */

/* Looks up an entry's title for display; returns NULL when unknown. */
typedef const char *(*doctor_title_fn)(void *ud, const char *id);

typedef struct doctor_render_opts {
    const char *base_url;  /* entry links are base_url + "/" + ID; "" gives "/M8";
                            * NULL the public pages (kb_entry_link) */
    doctor_title_fn title; /* may be NULL */
    void *title_ud;
    int color; /* text only: ANSI styles */
} doctor_render_opts;

/* Human-readable report: per event what failed, the numbers in one unit, the verdict, the
 * entries in order with a line of why and a link, lint commands, evidence lines. Caller frees. */
char *doctor_render_text(const doctor_report *r, const doctor_render_opts *o);
/* JSON: one compact object per event per line (kind, fields, verdict, entries with reasons,
 * lint rules, evidence with line numbers). Caller frees. */
char *doctor_render_json_lines(const doctor_report *r, const doctor_render_opts *o);
/* JSON: {"events": [...], "dropped": n, "lines": n}, indented. Caller frees. */
char *doctor_render_json(const doctor_report *r, const doctor_render_opts *o);
/* An HTML fragment (a <section class="diagnosis"> card per event), escaped. Caller frees. */
char *doctor_render_html(const doctor_report *r, const doctor_render_opts *o);

#endif
