/* Fixes, noqa directives and diffs over linted source: the layer between the linter's findings
 * (lint.h: each may carry one lint_fix, safe or unsafe) and the tools that change files
 * (`oomkb lint --fix/--diff/--add-noqa`, the language server's source.fixAll). Everything here
 * is pure over buffers except that lint_fix_buffer lints (through a lint_ctx); the callers do
 * the file I/O (atomic replacement is in cli/cmd_lint_fix.c).
 *
 * Data flow: src --lint--> result --lint_fix_apply--> src' --lint--> result' ... (at most
 * LINT_FIX_MAX_PASSES times, lint_fix_buffer) --lint_diff_unified--> a unified diff.
 *
 * Ownership: out buffers and results are the caller's (buf_free, lint_result_free,
 * lint_fixed_clear). Inputs are borrowed and not kept. Thread-safe as the lint_ctx is. */
#ifndef OOMKB_FIX_H
#define OOMKB_FIX_H

#include <stddef.h>

#include "common/util.h"
#include "linter/lint.h"

/* Fix passes over one file: each applies every applicable fix that overlaps none applied
 * before it in that pass, then re-lints. A fix that a previous one's edit shadowed gets its
 * turn in the next pass; fixes that keep producing fixes stop here. */
#define LINT_FIX_MAX_PASSES 10

/* 1 if x is applied under the given setting: a safe fix always, an unsafe one only with
 * unsafe set (--unsafe-fixes). 0 for NULL. */
int lint_fix_applicable(const lint_fix *x, int unsafe);

/* Appends to out src[0..len) with the applicable fixes of r applied (r must be a result for
 * exactly these bytes). Fixes are taken in order of their ranges; one that overlaps or touches
 * an edit already taken is left for the next pass, except an identical edit (two findings
 * with the same fix), which is applied once and counts for both. A fix whose range lies
 * outside the buffer is ignored. Returns the number of findings whose fix was applied. Pure. */
size_t lint_fix_apply(const char *src, size_t len, const lint_result *r, int unsafe, buf *out);

/* The outcome of fixing one buffer. */
typedef struct lint_fixed {
    char *src; /* the fixed source (NUL-terminated; a copy of the input if nothing changed) */
    size_t len;
    size_t n_fixed;      /* findings fixed, over every pass */
    int passes;          /* passes that changed the source */
    int syntax_error;    /* 1: the input does not parse cleanly: no fix was applied */
    int reverted;        /* 1: a pass made the source unparsable and was undone */
    lint_result *result; /* the findings that remain, linted from src */
} lint_fixed;

/* Lints src[0..len) with opts, applies the applicable fixes, re-lints, and repeats while a
 * pass changes something (at most LINT_FIX_MAX_PASSES). Source with syntax errors is left
 * alone (out->syntax_error); a pass whose output no longer parses cleanly is undone and ends
 * the loop (out->reverted). Idempotent: fixing out->src again changes nothing unless a fix
 * was still pending after the last pass. Returns LINT_OK and fills *out (free with
 * lint_fixed_clear), or lint_buffer's error with diag filled and *out zeroed. */
lint_status lint_fix_buffer(lint_ctx *ctx, const char *src, size_t len, const lint_options *opts,
                            int unsafe, lint_fixed *out, lint_diag *diag);
void lint_fixed_clear(lint_fixed *f);

/* ---- noqa directives ---- */

/* Appends to out src[0..len) with a noqa directive for each finding of r (a result for these
 * bytes, linted with noqa comments honoured), where the linter reads it: at the end of the
 * finding's first line or, when a string literal or a backslash continuation runs past that
 * line's end (where a comment cannot go), of the line where it ends. A line that has a noqa
 * comment with codes gets the missing codes appended to its list ("# noqa: E501" -> "# noqa:
 * E501, OOM101"); another line gets "  # noqa: CODE[, CODE]" at its end (before a '\r', its
 * trailing blanks dropped). Returns the number of lines whose directive was added or
 * extended; *out_skipped (may be NULL) counts findings whose range lies outside the buffer
 * (a result for other bytes), which get none. Pure. */
size_t lint_noqa_add(const char *src, size_t len, const lint_result *r, buf *out,
                     size_t *out_skipped);

/* Where a noqa comment for the finding that starts at byte off goes, as the linter reads it:
 * the offset of the end of off's line ('\n' or len), or of the line where a string literal
 * or backslash continuation that runs past it ends. Pure; one scan of src when the line
 * opens a triple-quoted string or ends with a backslash, else only the line. */
size_t lint_noqa_line_end(const char *src, size_t len, size_t off);

/* ---- Diffs ---- */

/* Appends to out a unified diff (3 lines of context, as diff -u and ruff --diff print) from
 * a[0..alen) to b[0..blen), with "--- a/NAME" and "+++ b/NAME" headers (the name as given,
 * for stdin "-"). Lines are compared whole, line ends included; a last line without a line
 * end is followed by "\ No newline at end of file". Nothing is appended when the buffers are
 * equal. Returns 1 if there is a difference. The common head and tail are trimmed; the rest
 * costs O((N+M)·D) time for D changed lines (Myers' algorithm) and O(D²) memory, so past
 * LINT_DIFF_MAX_EDITS changed lines (8 MB) the changed middle is printed as one hunk that
 * replaces it whole (still a correct patch). Pure. */
#define LINT_DIFF_MAX_EDITS 1000
int lint_diff_unified(buf *out, const char *a, size_t alen, const char *b, size_t blen,
                      const char *name);

#endif
