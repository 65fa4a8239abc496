/* The OOM doctor: the wording table against the prefilter, every case log in
 * tests/cases/doctor/ against cases.tsv (kind, band, device, rank, phase, step, verdict,
 * entries, lint rules), the text and JSON goldens in tests/golden/doctor/ (OOMKB_UPDATE_GOLDEN=1
 * rewrites them from the current output), wrapping at every column, units, a 50,000-line log,
 * hostile input, and the command line (exit codes, stdin, limits, `oomkb search` given a paste). */
#include <check.h>
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "doctor/doctor.h"
#include "doctor/doctor_int.h"
#include "tests/support/run.h"

#define CASES "tests/cases/doctor"
#define GOLDEN "tests/golden/doctor"

static doctor_report *diagnose(const char *text, size_t len)
{
    doctor_report *r = NULL;
    doctor_diag d = {{0}};
    ck_assert_int_eq(doctor_diagnose(text, len, &r, &d), DOCTOR_OK);
    return r;
}

static doctor_report *diagnose_file(const char *path)
{
    char *text = NULL;
    size_t len = 0;
    ck_assert_msg(util_read_file(path, 0, &text, &len) == 0, "cannot read %s", path);
    doctor_report *r = diagnose(text, len);
    free(text);
    return r;
}

/* ---- Tables ---- */

START_TEST(anchors_cover_every_wording)
{
    for (size_t a = 0; a < doctor_n_anchors; a++) {
        ck_assert_uint_ge(strlen(doctor_anchors[a]), DOCTOR_ANCHOR_MIN);
    }
    ck_assert_uint_le(doctor_n_anchors, 32);
    for (size_t i = 0; i < doctor_n_sigs; i++) {
        const doctor_sig *g = &doctor_sigs[i];
        char *text = g->match == SIG_LINE ? xasprintf("\n%s", g->needle) : xstrdup(g->needle);
        int covered = 0;
        for (size_t a = 0; a < doctor_n_anchors && !covered; a++) {
            covered = strstr(text, doctor_anchors[a]) != NULL;
        }
        ck_assert_msg(covered, "no anchor covers the wording '%s'", g->needle);
        /* And the whole pipeline finds it, at the start, middle and end of a buffer. */
        char *log = xasprintf("step 1 loss 2.0\n%s\nstep 2\n", g->needle);
        doctor_report *r = diagnose(log, strlen(log));
        ck_assert_msg(r->n == 1, "'%s' gave %zu events", g->needle, r->n);
        doctor_report_free(r);
        r = diagnose(g->needle, strlen(g->needle));
        ck_assert_msg(r->n == 1, "'%s' alone gave %zu events", g->needle, r->n);
        ck_assert(doctor_has_signature(g->needle, strlen(g->needle)));
        doctor_report_free(r);
        free(log);
        free(text);
    }
}
END_TEST

START_TEST(every_verdict_has_advice_and_a_title)
{
    for (size_t v = 0; v < doctor_n_verdicts; v++) {
        int found = 0;
        for (size_t i = 0; i < doctor_n_advice; i++) {
            found |= strcmp(doctor_advice_rows[i].verdict, doctor_verdicts[v].id) == 0 &&
                     !doctor_advice_rows[i].phase;
        }
        ck_assert_msg(found, "verdict %s has no advice row for any phase", doctor_verdicts[v].id);
    }
    /* Every phase a frame can name has its own advice for a full card. */
    for (size_t p = 0; p < doctor_n_phases; p++) {
        int found = 0;
        for (size_t i = 0; i < doctor_n_advice; i++) {
            found |= doctor_advice_rows[i].phase &&
                     strcmp(doctor_advice_rows[i].phase, doctor_phases[p].phase) == 0;
        }
        ck_assert_msg(found, "phase %s has no advice", doctor_phases[p].phase);
    }
}
END_TEST

START_TEST(pasted_or_typed)
{
    static const struct {
        const char *text;
        int pasted;
    } cases[] = {
        {"cuda out of memory", 0},
        {"Killed", 0},
        {"exit code 137", 0},
        {"how do I fix the out of memory error in my model training run", 0},
        {"RuntimeError: CUDA error: out of memory", 1},
        {"CUDA out of memory. Tried to allocate 20.00 MiB. GPU 0 has a total capacity of 23.65 GiB",
         1},
        {"slurmstepd: error: Detected 1 oom-kill event(s) in StepId=1.0", 1},
        {"expandable_segments: how to set it", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ck_assert_msg(doctor_looks_pasted(cases[i].text, strlen(cases[i].text)) == cases[i].pasted,
                      "'%s'", cases[i].text);
    }
}
END_TEST

/* ---- Cases ---- */

static const char *nz(const char *s)
{
    return s ? s : "-";
}

static void check_row(char **f, size_t n, int lineno)
{
    char *path = xasprintf(CASES "/%s", f[0]);
    doctor_report *r = diagnose_file(path);
    if (n == 2) {
        ck_assert_msg(strcmp(f[1], "none") == 0 && r->n == 0, "cases.tsv:%d: %s: %zu events",
                      lineno, f[0], r->n);
        goto out;
    }
    ck_assert_msg(n == 12, "cases.tsv:%d: 12 fields expected, got %zu", lineno, n);
    size_t i = (size_t)atoi(f[1]);
    ck_assert_msg(i < r->n, "cases.tsv:%d: %s has %zu events", lineno, f[0], r->n);
    const doctor_event *ev = &r->events[i];
    char dev[16];
    char rank[16];
    char step[24];
    snprintf(dev, sizeof dev, "%d", ev->device);
    snprintf(rank, sizeof rank, "%d", ev->rank);
    snprintf(step, sizeof step, "%ld", ev->step);
    buf ents = BUF_INIT;
    for (size_t k = 0; k < ev->n_entries; k++) {
        buf_printf(&ents, "%s%s", k ? " " : "", ev->entries[k].id);
    }
    buf lints = BUF_INIT;
    for (size_t k = 0; k < ev->n_lints; k++) {
        buf_printf(&lints, "%s%s", k ? " " : "", ev->lints[k].code);
    }
    const char *got[] = {ev->kind,
                         nz(ev->band),
                         ev->device < 0 ? "-" : dev,
                         ev->rank < 0 ? "-" : rank,
                         nz(ev->phase),
                         ev->step < 0 ? "-" : step,
                         ev->verdict,
                         ents.len ? ents.data : "-",
                         lints.len ? lints.data : "-"};
    static const char *const names[] = {"kind", "band",    "device",  "rank", "phase",
                                        "step", "verdict", "entries", "lint"};
    for (size_t k = 0; k < 9; k++) {
        ck_assert_msg(strcmp(got[k], f[k + 2]) == 0,
                      "cases.tsv:%d: %s event %zu: %s is '%s', want '%s'", lineno, f[0], i,
                      names[k], got[k], f[k + 2]);
    }
    ck_assert_msg((size_t)atoi(f[11]) == ev->occurrences, "cases.tsv:%d: occurrences %zu", lineno,
                  ev->occurrences);
    buf_free(&ents);
    buf_free(&lints);
out:
    doctor_report_free(r);
    free(path);
}

START_TEST(cases_table)
{
    char *text = NULL;
    size_t len = 0;
    ck_assert_int_eq(util_read_file(CASES "/cases.tsv", 0, &text, &len), 0);
    int lineno = 0;
    size_t rows = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        lineno++;
        if (line[0] == '#') {
            continue;
        }
        char *f[16];
        size_t n = 0;
        for (char *p = line; p && n < 16;) {
            f[n++] = p;
            p = strchr(p, '\t');
            if (p) {
                *p++ = '\0';
            }
        }
        check_row(f, n, lineno); /* (check_row does not use strtok) */
        rows++;
    }
    ck_assert_uint_ge(rows, 40);
    free(text);
}
END_TEST

/* Every .log has a row in cases.tsv and both goldens. */
START_TEST(goldens)
{
    int update = getenv("OOMKB_UPDATE_GOLDEN") && strcmp(getenv("OOMKB_UPDATE_GOLDEN"), "1") == 0;
    char *tsv = NULL;
    size_t tsv_len = 0;
    ck_assert_int_eq(util_read_file(CASES "/cases.tsv", 0, &tsv, &tsv_len), 0);
    DIR *d = opendir(CASES);
    ck_assert_ptr_nonnull(d);
    size_t n = 0;
    for (struct dirent *de; (de = readdir(d));) {
        size_t l = strlen(de->d_name);
        if (l < 5 || strcmp(de->d_name + l - 4, ".log") != 0) {
            continue;
        }
        char *key = xasprintf("\n%s\t", de->d_name);
        ck_assert_msg(strstr(tsv, key), "%s has no row in cases.tsv", de->d_name);
        free(key);
        static const char *const modes[] = {"", "--json "};
        static const char *const exts[] = {"txt", "json"};
        for (int m = 0; m < 2; m++) {
            char *cmd = xasprintf("%s diagnose --color never --kb-url https://kb.example/oomkb %s"
                                  "%s/%s",
                                  OOMKB_BIN, modes[m], CASES, de->d_name);
            char *out = NULL;
            int st = run_sh(cmd, &out, NULL);
            ck_assert_msg(st == 0 || st == 1, "%s exited %d", cmd, st);
            char *gpath = xasprintf(GOLDEN "/%.*s.%s", (int)(l - 4), de->d_name, exts[m]);
            if (update) {
                FILE *f = fopen(gpath, "wb");
                ck_assert_ptr_nonnull(f);
                fputs(out, f);
                fclose(f);
            }
            char *want = NULL;
            size_t wl;
            ck_assert_msg(util_read_file(gpath, 0, &want, &wl) == 0,
                          "missing %s (run with OOMKB_UPDATE_GOLDEN=1)", gpath);
            ck_assert_msg(strcmp(out, want) == 0, "%s differs from the output of\n%s\n---\n%s",
                          gpath, cmd, out);
            free(want);
            free(gpath);
            free(out);
            free(cmd);
        }
        n++;
    }
    closedir(d);
    free(tsv);
    ck_assert_uint_ge(n, 40);
}
END_TEST

/* ---- Wrapping, prefixes, units ---- */

static const char *const MSG =
    "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 20.00 MiB. GPU 3 has a total "
    "capacity of 23.65 GiB of which 15.06 MiB is free. Process 4242 has 1.00 GiB memory in use. "
    "Including non-PyTorch memory, this process has 22.60 GiB memory in use. Of the allocated "
    "memory 20.53 GiB is allocated by PyTorch, and 1.06 GiB is reserved by PyTorch but "
    "unallocated. If reserved but unallocated memory is large try setting "
    "PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True to avoid fragmentation.  See documentation "
    "for Memory Management  "
    "(https://pytorch.org/docs/stable/notes/cuda.html#environment-variables)";

static char *wrapped(const char *msg, size_t width, const char *prefix)
{
    buf b = BUF_INIT;
    buf_puts(&b, "some earlier line\n");
    for (size_t i = 0, n = strlen(msg); i < n; i += width) {
        buf_puts(&b, prefix);
        buf_append(&b, msg + i, n - i < width ? n - i : width);
        buf_putc(&b, '\n');
    }
    buf_puts(&b, "\nnext line\n");
    return buf_detach(&b);
}

/* Hard-wrapped at any width from 40 columns (the message's first words then fit on its first
 * line), inside words and numbers, with and without rank prefixes: the same numbers. */
START_TEST(wrapping_at_every_column)
{
    doctor_report *ref = diagnose(MSG, strlen(MSG));
    ck_assert_uint_eq(ref->n, 1);
    ck_assert_int_eq(ref->events[0].device, 3);
    ck_assert_int_eq(ref->events[0].n_processes, 1);
    ck_assert_str_eq(ref->events[0].verdict, "held-by-others");
    static const char *const prefixes[] = {"", "[rank3]: ", "[default0]:"};
    for (size_t p = 0; p < 3; p++) {
        for (size_t w = 40; w <= 160; w++) {
            char *log = wrapped(MSG, w, prefixes[p]);
            doctor_report *r = diagnose(log, strlen(log));
            ck_assert_msg(r->n == 1, "width %zu prefix '%s': %zu events", w, prefixes[p], r->n);
            for (int f = 0; f < DOCTOR_N_FIELDS; f++) {
                ck_assert_msg(r->events[0].field[f] == ref->events[0].field[f],
                              "width %zu prefix '%s': %s is %.0f, want %.0f", w, prefixes[p],
                              doctor_field_name((doctor_field)f), r->events[0].field[f],
                              ref->events[0].field[f]);
            }
            ck_assert_str_eq(r->events[0].verdict, ref->events[0].verdict);
            ck_assert_int_eq(r->events[0].device, 3);
            ck_assert_int_eq(r->events[0].rank, p == 0 ? -1 : p == 1 ? 3 : 0);
            ck_assert_int_eq(r->events[0].evidence[0].lineno, 2);
            doctor_report_free(r);
            free(log);
        }
    }
    doctor_report_free(ref);
}
END_TEST

START_TEST(units_from_bytes_to_tib)
{
    static const struct {
        const char *text;
        double bytes;
    } cases[] = {
        {"0 bytes", 0},
        {"512 bytes", 512},
        {"1.50 KiB", 1536},
        {"20.00 MiB", 20.0 * 1048576},
        {"3725.29 GiB", 3725.29 * 1073741824.0},
        {"1.50 TiB", 1.5 * 1099511627776.0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *m = xasprintf("torch.OutOfMemoryError: CUDA out of memory. Tried to allocate %s. GPU "
                            "0 has a total capacity of 2.00 TiB of which 0 bytes is free.",
                            cases[i].text);
        doctor_report *r = diagnose(m, strlen(m));
        ck_assert_uint_eq(r->n, 1);
        double got = r->events[0].field[DOCTOR_F_REQUESTED];
        ck_assert_msg(got > cases[i].bytes - 1 && got < cases[i].bytes + 1, "%s read as %.0f",
                      cases[i].text, got);
        ck_assert(r->events[0].field[DOCTOR_F_FREE] == 0);
        ck_assert(r->events[0].field[DOCTOR_F_TOTAL] == 2.0 * 1099511627776.0);
        doctor_report_free(r);
        free(m);
    }
    char out[64];
    doctor_format_bytes(0, "bytes", out, sizeof out);
    ck_assert_str_eq(out, "0 bytes");
    doctor_format_bytes(1.5 * 1099511627776.0, "TiB", out, sizeof out);
    ck_assert_str_eq(out, "1.50 TiB");
}
END_TEST

/* A 50,000-line training log with one OOM near the end: found, at the right line, with the
 * step counter of the line before it, and nothing else reported. */
START_TEST(fifty_thousand_lines)
{
    buf b = BUF_INIT;
    for (int i = 1; i <= 49990; i++) {
        buf_printf(&b,
                   "[2024-05-01 10:00:00] step %d | loss %.4f | mem allocated 70.1 GiB | "
                   "tokens/s 4031 | memory ok\n",
                   i, 2.0 - i / 50000.0);
    }
    buf_puts(&b, MSG);
    buf_puts(&b, "\n");
    for (int i = 0; i < 9; i++) {
        buf_puts(&b, "wandb: Waiting for W&B process to finish... (failed 1).\n");
    }
    doctor_report *r = diagnose(b.data, b.len);
    ck_assert_uint_eq(r->n, 1);
    ck_assert_int_eq(r->n_lines, 50000);
    ck_assert_int_eq(r->events[0].step, 49990);
    ck_assert_str_eq(r->events[0].phase, "mid-epoch");
    int found = 0;
    for (size_t k = 0; k < r->events[0].n_evidence; k++) {
        found |= r->events[0].evidence[k].lineno == 49991;
    }
    ck_assert(found);
    doctor_report_free(r);
    buf_free(&b);
}
END_TEST

/* ---- Hostile input ---- */

static unsigned long long rng = 88172645463325252ULL;
static unsigned char next_byte(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned char)rng;
}

static void assert_clean_report(const doctor_report *r)
{
    for (size_t i = 0; i < r->n; i++) {
        for (size_t k = 0; k < r->events[i].n_evidence; k++) {
            const char *t = r->events[i].evidence[k].text;
            ck_assert(util_utf8_valid(t, strlen(t), NULL, NULL));
            ck_assert_uint_le(strlen(t), 256);
        }
    }
    char *j = doctor_render_json(r, NULL);
    json_error_t je;
    json_t *doc = json_loads(j, 0, &je);
    ck_assert_msg(doc != NULL, "JSON does not parse: %s", je.text);
    json_decref(doc);
    free(j);
    free(doctor_render_text(r, NULL));
    free(doctor_render_html(r, NULL));
}

START_TEST(binary_and_invalid_utf8)
{
    size_t n = 1 << 20;
    char *data = xmalloc(n + strlen(MSG) + 16);
    for (size_t i = 0; i < n; i++) {
        data[i] = (char)next_byte();
    }
    doctor_report *r = diagnose(data, n);
    assert_clean_report(r);
    doctor_report_free(r);
    /* An OOM message among invalid UTF-8 and NUL bytes is still read. */
    memcpy(data + 1000, "\n\xff\xfe\x00", 4);
    memcpy(data + 1004, MSG, strlen(MSG));
    memcpy(data + 1004 + strlen(MSG), "\xc3\x28\n", 3);
    r = diagnose(data, n);
    assert_clean_report(r);
    int found = 0;
    for (size_t i = 0; i < r->n; i++) {
        found |= r->events[i].device == 3 && strcmp(r->events[i].verdict, "held-by-others") == 0;
    }
    ck_assert(found);
    doctor_report_free(r);
    free(data);
}
END_TEST

START_TEST(ten_megabyte_lines)
{
    size_t n = 10u << 20;
    char *data = xmalloc(2 * n + strlen(MSG) + 8);
    memset(data, 'x', 2 * n + strlen(MSG) + 8);
    /* One 10 MB line with the message in its middle, then one 10 MB line of "memory". */
    memcpy(data + n / 2, MSG, strlen(MSG));
    data[n] = '\n';
    for (size_t i = n + 1; i + 6 < 2 * n; i += 7) {
        memcpy(data + i, "memory ", 7);
    }
    doctor_report *r = diagnose(data, 2 * n);
    assert_clean_report(r);
    ck_assert_uint_le(r->n, 1);
    doctor_report_free(r);
    free(data);
}
END_TEST

START_TEST(over_the_limit_is_an_error)
{
    doctor_report *r = NULL;
    doctor_diag d = {{0}};
    /* The length alone decides; the bytes are never read. */
    ck_assert_int_eq(doctor_diagnose("", DOCTOR_MAX_INPUT + 1, &r, &d), DOCTOR_ERR_INPUT);
    ck_assert_ptr_null(r);
    ck_assert_ptr_nonnull(strstr(d.message, "over the limit"));
}
END_TEST

/* ---- The command line ---- */

START_TEST(cli_exit_codes_and_stdin)
{
    const char *found[] = {OOMKB_BIN, "diagnose", CASES "/cublas.log", NULL};
    run_result r = run_cmd(found, NULL, NULL);
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "Verdict: the card was already full"));
    run_result_free(&r);
    const char *none[] = {OOMKB_BIN, "diagnose", CASES "/no_oom.log", NULL};
    r = run_cmd(none, NULL, NULL);
    ck_assert_int_eq(r.status, 1);
    ck_assert_ptr_nonnull(strstr(r.err, "no out-of-memory error found in 3 lines"));
    run_result_free(&r);
    const char *missing[] = {OOMKB_BIN, "diagnose", CASES "/no-such.log", NULL};
    r = run_cmd(missing, NULL, NULL);
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "no-such.log"));
    run_result_free(&r);
    const char *dash[] = {OOMKB_BIN, "diagnose", "--json", "-", NULL};
    r = run_cmd(dash, MSG, NULL);
    ck_assert_int_eq(r.status, 0);
    json_error_t je;
    json_t *j = json_loads(r.out, 0, &je);
    ck_assert_msg(j != NULL, "not one JSON object: %s", je.text);
    ck_assert_str_eq(json_string_value(json_object_get(j, "verdict")
                                           ? json_object_get(json_object_get(j, "verdict"), "id")
                                           : NULL),
                     "held-by-others");
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(j, "fields"), "requested")),
                     20971520);
    json_decref(j);
    run_result_free(&r);
    const char *bad[] = {OOMKB_BIN, "diagnose", "--color", "purple", NULL};
    r = run_cmd(bad, NULL, NULL);
    ck_assert_int_eq(r.status, 2);
    run_result_free(&r);
}
END_TEST

/* 100 MB through stdin is read and answered; over the limit is a clear error, not a hang. */
START_TEST(cli_large_stdin)
{
    char *cmd = xasprintf("yes 'step 1 | loss 2.0 | lr 1e-4 | all fine here' | head -c 100000000 | "
                          "%s diagnose",
                          OOMKB_BIN);
    char *err = NULL;
    ck_assert_int_eq(run_sh(cmd, NULL, &err), 1);
    ck_assert_ptr_nonnull(strstr(err, "no out-of-memory error found in"));
    free(err);
    free(cmd);
    cmd = xasprintf("head -c 300000000 /dev/zero | %s diagnose", OOMKB_BIN);
    ck_assert_int_eq(run_sh(cmd, NULL, &err), 2);
    ck_assert_ptr_nonnull(strstr(err, "over the limit"));
    free(err);
    free(cmd);
}
END_TEST

/* `oomkb search` given the pasted message diagnoses it; a long paste that is not an OOM is
 * searched by its key terms; neither is refused. */
START_TEST(search_takes_a_paste)
{
    /* A typed query stays a search. */
    const char *typed[] = {OOMKB_BIN, "search", "cuda out of memory", NULL};
    run_result r0 = run_cmd(typed, NULL, NULL);
    ck_assert_int_eq(r0.status, 0);
    ck_assert_ptr_null(strstr(r0.out, "Verdict:"));
    ck_assert_ptr_nonnull(strstr(r0.out, "M2  Reading the CUDA OOM trace"));
    run_result_free(&r0);
    const char *paste[] = {OOMKB_BIN, "search", MSG, NULL};
    run_result r = run_cmd(paste, NULL, NULL);
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "Verdict: memory held by someone else"));
    ck_assert_ptr_nonnull(strstr(r.out, "U10"));
    ck_assert_ptr_null(strstr(r.err, "too many words"));
    run_result_free(&r);
    const char *json[] = {OOMKB_BIN, "search", "--json", MSG, NULL};
    r = run_cmd(json, NULL, NULL);
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "\"verdict\":{\"id\":\"held-by-others\""));
    run_result_free(&r);
    const char *prose[] = {
        OOMKB_BIN, "search",
        "my job gets slower and slower and then the dataloader workers die and the node stops "
        "responding and I have no idea what to do because every restart brings the same thing "
        "back after an hour of training with eight workers and a big dataset in host memory",
        NULL};
    r = run_cmd(prose, NULL, NULL);
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_nonnull(strstr(r.err, "searching its key terms"));
    ck_assert_ptr_null(strstr(r.err, "too many words"));
    run_result_free(&r);
}
END_TEST

Suite *suite_doctor(void);
Suite *suite_doctor(void)
{
    Suite *s = suite_create("doctor");
    TCase *t = tcase_create("tables");
    tcase_add_test(t, anchors_cover_every_wording);
    tcase_add_test(t, every_verdict_has_advice_and_a_title);
    tcase_add_test(t, pasted_or_typed);
    suite_add_tcase(s, t);
    t = tcase_create("cases");
    tcase_add_test(t, cases_table);
    tcase_add_test(t, goldens);
    tcase_add_test(t, wrapping_at_every_column);
    tcase_add_test(t, units_from_bytes_to_tib);
    tcase_add_test(t, fifty_thousand_lines);
    suite_add_tcase(s, t);
    t = tcase_create("hostile");
    tcase_add_test(t, binary_and_invalid_utf8);
    tcase_add_test(t, ten_megabyte_lines);
    tcase_add_test(t, over_the_limit_is_an_error);
    suite_add_tcase(s, t);
    t = tcase_create("cli");
    tcase_add_test(t, cli_exit_codes_and_stdin);
    tcase_add_test(t, cli_large_stdin);
    tcase_add_test(t, search_takes_a_paste);
    suite_add_tcase(s, t);
    return s;
}
