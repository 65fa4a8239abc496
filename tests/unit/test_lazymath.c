/* common/lazymath: lazymath_ln against libm's log, the forwarders against known values, and
 * the oomkb binary loading libm only when a forwarder is called (ld.so's LD_DEBUG=libs log). */
#include <check.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/lazymath.h"
#include "tests/support/run.h"

/* Doubles as integers in the order of their values: the distance between two is in ulps. */
static int64_t ordered(double x)
{
    int64_t i = 0;
    memcpy(&i, &x, sizeof i);
    return i < 0 ? INT64_MIN - i : i;
}

static int64_t ulps(double a, double b)
{
    int64_t d = ordered(a) - ordered(b);
    return d < 0 ? -d : d;
}

static void check_ln(double x)
{
    double got = lazymath_ln(x);
    double want = log(x); /* the forwarder to libm, in a program linked like oomkb */
    ck_assert_msg(ulps(got, want) <= 1, "ln(%.17g) = %.17g, libm says %.17g (%lld ulps)", x, got,
                  want, (long long)ulps(got, want));
}

START_TEST(ln_is_within_one_ulp_of_libm)
{
    static const double fixed[] = {1.0,
                                   2.0,
                                   0.5,
                                   M_E,
                                   10.0,
                                   1e-300,
                                   1e300,
                                   DBL_MAX,
                                   DBL_MIN,
                                   4.9e-324,
                                   1e-310,
                                   M_SQRT1_2,
                                   M_SQRT2,
                                   1.0 + 1e-9,
                                   1.0 - 1e-9,
                                   1.0 + DBL_EPSILON,
                                   1.0 - DBL_EPSILON / 2.0,
                                   0.7071067811865475,
                                   1.4142135623730951,
                                   26.0 / 0.5,
                                   101.0 / 1.5,
                                   3.0};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        check_ln(fixed[i]);
    }
    /* Every search weight: (entries + 1) / (df + 0.5) for KBs up to 2,000 entries. */
    for (int n = 1; n <= 2000; n += 37) {
        for (int df = 0; df <= n; df++) {
            check_ln(((double)n + 1.0) / ((double)df + 0.5));
        }
    }
    /* A spread over the whole range, from a fixed LCG. */
    uint64_t state = 12345;
    for (int i = 0; i < 200000; i++) {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        uint64_t bits = (state >> 1) & 0x7fefffffffffffffULL; /* positive, finite */
        double x = 0.0;
        memcpy(&x, &bits, sizeof x);
        if (x > 0.0) {
            check_ln(x);
        }
    }
}
END_TEST

START_TEST(ln_of_special_values)
{
    ck_assert(isinf(lazymath_ln(0.0)) && lazymath_ln(0.0) < 0.0);
    ck_assert(isinf(lazymath_ln(-0.0)) && lazymath_ln(-0.0) < 0.0);
    ck_assert(isnan(lazymath_ln(-1.0)));
    ck_assert(isnan(lazymath_ln(-INFINITY)));
    ck_assert(isnan(lazymath_ln(NAN)));
    ck_assert(isinf(lazymath_ln(INFINITY)) && lazymath_ln(INFINITY) > 0.0);
    ck_assert(lazymath_ln(1.0) == 0.0);
}
END_TEST

#define CLOSE(got, want) ck_assert_msg(ulps((got), (want)) <= 1, #got " = %.17g", (got))

START_TEST(forwarders_are_libm)
{
    CLOSE(lazymath_acos(0.0), M_PI_2);
    CLOSE(lazymath_acosh(2.0), 1.3169578969248166);
    CLOSE(lazymath_asin(1.0), M_PI_2);
    CLOSE(lazymath_asinh(1.0), 0.88137358701954305);
    CLOSE(lazymath_atan(1.0), M_PI_4);
    CLOSE(lazymath_atanh(0.5), 0.54930614433405489);
    CLOSE(lazymath_cos(M_PI), -1.0);
    CLOSE(lazymath_cosh(1.0), 1.5430806348152437);
    CLOSE(lazymath_exp(1.0), M_E);
    CLOSE(lazymath_log(M_E), 1.0);
    CLOSE(lazymath_sin(M_PI_2), 1.0);
    CLOSE(lazymath_sinh(1.0), 1.1752011936438014);
    CLOSE(lazymath_sqrt(2.0), M_SQRT2);
    CLOSE(lazymath_tan(M_PI_4), 1.0);
    CLOSE(lazymath_tanh(1.0), 0.76159415595576489);
    ck_assert(lazymath_trunc(-2.7) == -2.0);
    CLOSE(lazymath_atan2(1.0, -1.0), 3.0 * M_PI_4);
    ck_assert(lazymath_fmod(7.5, 2.0) == 1.5);
    ck_assert(lazymath_pow(2.0, 10.0) == 1024.0);
    CLOSE(lazymath_pow(2.0, 0.5), M_SQRT2);
}
END_TEST

/* Whether ld.so's log of a run of `oomkb search QUERY` shows libm being loaded. */
static int search_loads_libm(const char *query, const char *want_in_output)
{
    const char *argv[] = {OOMKB_BIN, "search", query, NULL};
    const char *env[] = {"LD_DEBUG=libs", NULL};
    run_result r = run_cmd(argv, NULL, env);
    ck_assert_msg(r.status == 0, "search %s: exit %d: %s", query, r.status, r.err);
    ck_assert_msg(strstr(r.out, want_in_output) != NULL, "search %s: no %s in:\n%s", query,
                  want_in_output, r.out);
    int loads = strstr(r.err, "libm.so") != NULL;
    run_result_free(&r);
    return loads;
}

START_TEST(libm_is_loaded_only_when_called)
{
    /* A substring search ranks with FTS5's bm25, which calls log(): the forwarder loads libm. */
    ck_assert(search_loads_libm("pandable", "expandable_segments"));
    /* A word search calls lazymath_ln only. Sanitizer runtimes link libm themselves, so the
     * absence is a property of the plain build. */
    int loads = search_loads_libm("expandable", "expandable_segments");
    if (strcmp(OOMKB_MODE, "asan") != 0) {
        ck_assert_msg(!loads, "a word search loaded libm");
    }
}
END_TEST

Suite *suite_lazymath(void);
Suite *suite_lazymath(void)
{
    Suite *s = suite_create("lazymath");
    TCase *tc = tcase_create("math");
    tcase_add_test(tc, ln_is_within_one_ulp_of_libm);
    tcase_add_test(tc, ln_of_special_values);
    tcase_add_test(tc, forwarders_are_libm);
    tcase_add_test(tc, libm_is_loaded_only_when_called);
    suite_add_tcase(s, tc);
    return s;
}
