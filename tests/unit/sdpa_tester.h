/* Shared check of the fp32 attention kernels (aio_attention.h) for the
 * Criterion suite (test_f32_sdpa.c) and the plain-C aarch64 checker
 * (tests/kernels/f32_sdpa_check_main.c): one variant against a
 * double-precision reference over sizes around the vector widths, causal
 * and not, additive masks with broadcast strides and fully masked rows,
 * grouped-query heads, padded strides, and split row ranges. */
#ifndef AIO_SDPA_TESTER_H
#define AIO_SDPA_TESTER_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aio_attention.h"

#ifndef SDPA_LOG_ERROR
#define SDPA_LOG_ERROR(...) (printf(__VA_ARGS__), printf("\n"))
#endif

static float frand(unsigned *s)
{
    *s = *s * 1103515245u + 12345u;
    return ((float)((*s >> 8) & 0xffff) / 65536.0f - 0.5f) * 2.0f;
}

typedef struct sdpa_case {
    int64_t b, h, g, lq, lk, e;
    int causal, mask; /* mask: 0 none, 1 per (b, i, j), 2 per j broadcast, 3 with dead rows */
} sdpa_case;

/* Runs variant fn over tc and checks O and LSE against a double reference. */
static int run_case(const aio_f32_sdpa_variant *v, const sdpa_case *tc, unsigned seed)
{
    const int64_t pad = 3; /* padded row strides: nothing assumes dense rows */
    const int64_t qs = tc->e + pad, os = tc->e + 5;
    float *q = malloc(sizeof(float) * (size_t)(tc->b * tc->h * tc->lq * qs + 1));
    float *k = malloc(sizeof(float) * (size_t)(tc->b * tc->g * tc->lk * qs + 1));
    float *vv = malloc(sizeof(float) * (size_t)(tc->b * tc->g * tc->lk * qs + 1));
    float *o = malloc(sizeof(float) * (size_t)(tc->b * tc->h * tc->lq * os + 1));
    float *lse = malloc(sizeof(float) * (size_t)(tc->b * tc->h * tc->lq + 1));
    float *m = malloc(sizeof(float) * (size_t)(tc->b * tc->lq * tc->lk + 1));
    for (int64_t i = 0; i < tc->b * tc->h * tc->lq * qs; i++) q[i] = frand(&seed);
    for (int64_t i = 0; i < tc->b * tc->g * tc->lk * qs; i++) k[i] = frand(&seed), vv[i] = frand(&seed);
    for (int64_t i = 0; i < tc->b * tc->lq * tc->lk; i++) m[i] = frand(&seed);
    aio_f32_sdpa_args a = {0};
    a.batch = tc->b, a.q_heads = tc->h, a.kv_heads = tc->g, a.lq = tc->lq, a.lk = tc->lk, a.e = a.ev = tc->e;
    a.q = q, a.q_sl = qs, a.q_sh = tc->lq * qs, a.q_sb = tc->h * tc->lq * qs;
    a.k = k, a.k_sl = qs, a.k_sh = tc->lk * qs, a.k_sb = tc->g * tc->lk * qs;
    a.v = vv, a.v_sl = qs, a.v_sh = tc->lk * qs, a.v_sb = tc->g * tc->lk * qs;
    a.o = o, a.o_sl = os, a.o_sh = tc->lq * os, a.o_sb = tc->h * tc->lq * os;
    a.lse = lse, a.l_sl = 1, a.l_sh = tc->lq, a.l_sb = tc->h * tc->lq;
    a.causal = tc->causal;
    a.scale = 1.0f / sqrtf((float)(tc->e ? tc->e : 1));
    if (tc->mask) {
        a.mask = m, a.m_sb = tc->lq * tc->lk, a.m_sh = 0, a.m_sl = tc->mask == 2 ? 0 : tc->lk;
        if (tc->mask == 3)
            for (int64_t bi = 0; bi < tc->b; bi++)
                for (int64_t j = 0; j < tc->lk; j++)
                    m[bi * tc->lq * tc->lk + (tc->lq / 2) * tc->lk + j] = -INFINITY;
    }
    /* Two row ranges per head, as the dispatcher splits them. */
    float *scratch = malloc(sizeof(float) * aio_f32_sdpa_scratch_floats(&a, tc->lq));
    for (int64_t bi = 0; bi < tc->b; bi++)
        for (int64_t h = 0; h < tc->h; h++) {
            const int64_t mid = tc->lq / 3;
            if (mid > 0) v->fn(&a, bi, h, 0, mid, scratch);
            if (tc->lq > mid) v->fn(&a, bi, h, mid, tc->lq, scratch);
        }
    int bad = 0;
    double *p = malloc(sizeof(double) * (size_t)(tc->lk + 1));
    for (int64_t bi = 0; bi < tc->b && !bad; bi++)
        for (int64_t h = 0; h < tc->h && !bad; h++) {
            const int64_t g = h / (tc->h / tc->g);
            for (int64_t i = 0; i < tc->lq && !bad; i++) {
                const int64_t n = tc->causal ? (i + 1 < tc->lk ? i + 1 : tc->lk) : tc->lk;
                double mx = -INFINITY, sum = 0;
                for (int64_t j = 0; j < n; j++) {
                    double s = 0;
                    for (int64_t e = 0; e < tc->e; e++)
                        s += (double)q[a.q_sb * bi + a.q_sh * h + qs * i + e] * k[a.k_sb * bi + a.k_sh * g + qs * j + e];
                    p[j] = s * a.scale + (tc->mask ? m[a.m_sb * bi + a.m_sl * i + j] : 0.0);
                    mx = p[j] > mx ? p[j] : mx;
                }
                for (int64_t j = 0; j < n; j++) sum += (p[j] = mx == -INFINITY ? 0 : exp(p[j] - mx));
                const double want_lse = mx == -INFINITY ? 0 : mx + log(sum);
                const float got_lse = lse[a.l_sb * bi + a.l_sh * h + i];
                if (fabs(got_lse - want_lse) > 1e-4 * (1 + fabs(want_lse))) {
                    SDPA_LOG_ERROR("%s b%ld h%ld row %ld: lse %g, want %g", v->name, (long)bi, (long)h, (long)i,
                                 got_lse, want_lse);
                    bad = 1;
                }
                for (int64_t e = 0; e < tc->e && !bad; e++) {
                    double want = 0;
                    for (int64_t j = 0; j < n; j++) want += p[j] / (sum ? sum : 1) * vv[a.v_sb * bi + a.v_sh * g + qs * j + e];
                    const float got = o[a.o_sb * bi + a.o_sh * h + os * i + e];
                    if (!(fabs(got - want) <= 2e-5 + 1e-4 * fabs(want))) {
                        SDPA_LOG_ERROR("%s b%ld h%ld row %ld col %ld: %g, want %g", v->name, (long)bi, (long)h, (long)i,
                                     (long)e, got, want);
                        bad = 1;
                    }
                }
            }
        }
    free(p), free(scratch), free(q), free(k), free(vv), free(o), free(lse), free(m);
    return bad;
}

/* Every case of the sweep over one variant; returns the failures and
 * sets *cases. */
static int sdpa_check_variant(const aio_f32_sdpa_variant *v, int *cases)
{
    static const int64_t lens[] = {1, 2, 15, 16, 17, 33, 64, 65, 130};
    static const int64_t dims[] = {1, 8, 15, 16, 17, 64, 80, 128};
    unsigned seed = 7;
    int failures = 0;
    *cases = 0;
    for (size_t li = 0; li < sizeof lens / sizeof *lens; li++)
        for (size_t di = 0; di < sizeof dims / sizeof *dims; di++) {
            const int64_t lq = lens[li], lk = lens[(li + di) % (sizeof lens / sizeof *lens)];
            const sdpa_case tc = {1 + (int64_t)(di % 2), 4, di % 3 ? 2 : 4, lq, lk, dims[di],
                                  (int)((li + di) % 2), (int)((li * 3 + di) % 4)};
            failures += run_case(v, &tc, seed++);
            (*cases)++;
        }
    /* No keys at all: zero rows and a log-sum-exp of 0. */
    const sdpa_case none = {1, 2, 2, 3, 0, 16, 0, 0};
    failures += run_case(v, &none, seed++);
    (*cases)++;
    return failures;
}

#endif
