/* Math without libm at start-up: see lazymath.h. */
#include "common/lazymath.h"

#include <dlfcn.h>
#include <gnu/lib-names.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ln 2 in two parts (fdlibm's): e * LN2_HI is exact for every binary exponent e. */
#define LN2_HI 6.93147180369123816490e-01
#define LN2_LO 1.90821492927058770002e-10
/* Terms of the atanh series: s^2 < 0.0295 on the reduced range, so the 12th term is below
 * 2^-53 of the first. */
#define SERIES_TERMS 12

double lazymath_ln(double x)
{
    if (isnan(x) || x < 0.0) {
        return NAN;
    }
    if (x == 0.0) {
        return -INFINITY;
    }
    if (isinf(x)) {
        return x;
    }
    int e = 0;
    double m = frexp(x, &e); /* x = m * 2^e, m in [0.5, 1); libc has frexp */
    if (m < M_SQRT1_2) {
        m *= 2.0;
        e--;
    }
    /* m in [sqrt(1/2), sqrt(2)); with f = m - 1 (exact) and s = f / (2 + f),
     * ln m = 2 atanh(s) = 2s + s R, R = 2s^2/3 + 2s^4/5 + ..., and 2s = f - s f; summed as
     * fdlibm's log does, so that f, the largest part, is added last and exactly. */
    double f = m - 1.0;
    double s = f / (2.0 + f);
    double z = s * s;
    double r = 0.0;
    for (int k = SERIES_TERMS; k >= 1; k--) {
        r = (r + 2.0 / (double)(2 * k + 1)) * z;
    }
    double hfsq = 0.5 * f * f;
    double de = (double)e;
    return de * LN2_HI - ((hfsq - (s * (hfsq + r) + de * LN2_LO)) - f);
}

enum {
    F_ACOS,
    F_ACOSH,
    F_ASIN,
    F_ASINH,
    F_ATAN,
    F_ATANH,
    F_COS,
    F_COSH,
    F_EXP,
    F_LOG,
    F_SIN,
    F_SINH,
    F_SQRT,
    F_TAN,
    F_TANH,
    F_TRUNC,
    F_ATAN2,
    F_FMOD,
    F_POW,
    N_FNS
};

static const char *const fn_names[N_FNS] = {
    "acos", "acosh", "asin", "asinh", "atan", "atanh", "cos",   "cosh", "exp", "log",
    "sin",  "sinh",  "sqrt", "tan",   "tanh", "trunc", "atan2", "fmod", "pow",
};

static void *fns[N_FNS];
static pthread_once_t loaded = PTHREAD_ONCE_INIT;

static void load_libm(void)
{
    void *libm = dlopen(LIBM_SO, RTLD_NOW | RTLD_LOCAL);
    if (libm == NULL) {
        fprintf(stderr, "oomkb: cannot load the math library %s: %s\n", LIBM_SO, dlerror());
        abort();
    }
    for (int i = 0; i < N_FNS; i++) {
        fns[i] = dlsym(libm, fn_names[i]);
        if (fns[i] == NULL) {
            fprintf(stderr, "oomkb: %s has no %s: %s\n", LIBM_SO, fn_names[i], dlerror());
            abort();
        }
    }
}

typedef double (*unary_fn)(double);
typedef double (*binary_fn)(double, double);

/* libm's function number i, loading libm on the first call. (A data pointer from dlsym
 * becomes a function pointer by copy, as POSIX allows.) */
static unary_fn unary(int i)
{
    pthread_once(&loaded, load_libm);
    unary_fn f = NULL;
    memcpy(&f, &fns[i], sizeof f);
    return f;
}

static binary_fn binary(int i)
{
    pthread_once(&loaded, load_libm);
    binary_fn f = NULL;
    memcpy(&f, &fns[i], sizeof f);
    return f;
}

/* The forwarders: one line each. */
#define UNARY(name, id)                                                                            \
    double lazymath_##name(double x)                                                               \
    {                                                                                              \
        return unary(id)(x);                                                                       \
    }
#define BINARY(name, id)                                                                           \
    double lazymath_##name(double a, double b)                                                     \
    {                                                                                              \
        return binary(id)(a, b);                                                                   \
    }

UNARY(acos, F_ACOS)
UNARY(acosh, F_ACOSH)
UNARY(asin, F_ASIN)
UNARY(asinh, F_ASINH)
UNARY(atan, F_ATAN)
UNARY(atanh, F_ATANH)
UNARY(cos, F_COS)
UNARY(cosh, F_COSH)
UNARY(exp, F_EXP)
UNARY(log, F_LOG)
UNARY(sin, F_SIN)
UNARY(sinh, F_SINH)
UNARY(sqrt, F_SQRT)
UNARY(tan, F_TAN)
UNARY(tanh, F_TANH)
UNARY(trunc, F_TRUNC)
BINARY(atan2, F_ATAN2)
BINARY(fmod, F_FMOD)
BINARY(pow, F_POW)
