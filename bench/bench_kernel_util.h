/* Helpers shared by the C kernel benchmarks: a monotonic clock, a double
 * comparator for medians, and deterministic input buffers. */
#ifndef BENCH_KERNEL_UTIL_H
#define BENCH_KERNEL_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static inline double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* This thread's CPU time: time while descheduled on a shared machine is not
 * counted, so single-thread rates are measured against the core's own time. */
static inline double cpu_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static inline int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* n floats in [-1, 1) from an LCG; exits on allocation failure. */
static inline float *filled(size_t n, unsigned seed)
{
    float *p = malloc(n * sizeof(float));
    if (!p) {
        fprintf(stderr, "bench: out of memory\n");
        exit(1);
    }
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1664525u + 1013904223u;
        p[i] = (float)(seed >> 9) / 8388608.0f - 1.0f;
    }
    return p;
}

#endif
