/* Math without libm at start-up.
 *
 * A one-shot `oomkb search` needs one math function, the natural logarithm of its rarity
 * weights, yet linking libm.so for it cost every process about 90 us, 7% of a whole run
 * (mapping the library and running its ifunc resolvers; measured with bench/alternate.c).
 * Glibc's static libm cannot be linked into a dynamic program (its resolvers use ld.so's
 * private data), so instead:
 *
 *  - lazymath_ln() computes ln() here, from libc's frexp() and a series;
 *  - the libm functions the static SQLite archive refers to (its SQL math functions and
 *    FTS5's bm25) are linked to the forwarders below by `-Wl,--defsym=NAME=lazymath_NAME`
 *    (LAZY_MATH in the Makefile). A forwarder loads libm.so.6 on its first call and calls
 *    libm's own function from then on, so results are libm's, bit for bit.
 *
 * Everything here is thread-safe. A process that cannot load libm when a forwarder first
 * needs it prints why and aborts (a glibc system always has it). */
#ifndef OOMKB_LAZYMATH_H
#define OOMKB_LAZYMATH_H

/* The natural logarithm, within 1 ulp of libm's log() (none further apart over 20 million
 * values): -inf for 0, NaN for a negative number or NaN, +inf for +inf. */
double lazymath_ln(double x);

/* Forwarders to libm, named after the function they stand for. */
double lazymath_acos(double x);
double lazymath_acosh(double x);
double lazymath_asin(double x);
double lazymath_asinh(double x);
double lazymath_atan(double x);
double lazymath_atanh(double x);
double lazymath_cos(double x);
double lazymath_cosh(double x);
double lazymath_exp(double x);
double lazymath_log(double x);
double lazymath_sin(double x);
double lazymath_sinh(double x);
double lazymath_sqrt(double x);
double lazymath_tan(double x);
double lazymath_tanh(double x);
double lazymath_trunc(double x);
/* Two arguments, in libm's order: atan2(y, x), fmod(x, y), pow(x, y). */
double lazymath_atan2(double a, double b);
double lazymath_fmod(double a, double b);
double lazymath_pow(double a, double b);

#endif
