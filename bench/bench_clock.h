/* What the benchmarks time with: a clock's seconds, and the median of rounds. */
#ifndef B2A_BENCH_CLOCK_H
#define B2A_BENCH_CLOCK_H

#include <stdlib.h>
#include <time.h>

/* Seconds on clock c: CLOCK_MONOTONIC (wall), CLOCK_PROCESS_CPUTIME_ID (CPU
 * of every thread of the process), CLOCK_THREAD_CPUTIME_ID (the caller's). */
static inline double bench_seconds(clockid_t c)
{
    struct timespec ts;
    clock_gettime(c, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static inline int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The median of n rounds (sorts v); 0 for none. */
static inline double bench_median(double *v, int n)
{
    if (n <= 0)
        return 0;
    qsort(v, (size_t)n, sizeof *v, bench_cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

#endif
