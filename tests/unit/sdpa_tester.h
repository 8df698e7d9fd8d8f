/* Shared check of the attention kernels (aio_attention.h) against a
 * double-precision reference, used by the Criterion suite and the plain-C
 * aarch64 checker: sizes around the vector widths, the micro tiles, the
 * row blocks and the 256-key blocks; causal and not; additive masks with
 * broadcast strides (per (b, i, j), per j, per (b, h, i, j)) and rows with
 * every key masked; fp32 and bf16 tensors and masks; grouped-query heads;
 * padded strides; split row ranges. */
#ifndef SDPA_TESTER_H
#define SDPA_TESTER_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aio_attention.h"
#include "aio_isa.h"
#include "aio_wgemm.h"

typedef struct sdpa_case {
    int64_t b, h, g, lq, lk, e;
    int causal, mask; /* mask: 0 none, 1 per (b, i, j), 2 per j broadcast, 3 with dead rows, 4 per (b, h, i, j) */
    int dt, mask_dt;  /* AIO_DT_F32 / AIO_DT_BF16 */
} sdpa_case;

static float sdpa_t_rand(unsigned *s)
{
    *s = *s * 1103515245u + 12345u;
    return ((float)((*s >> 8) & 0xffff) / 65536.0f - 0.5f) * 2.0f;
}

/* x rounded to dt, stored at element i of p; returns the stored value. */
static float sdpa_t_put(void *p, int dt, size_t i, float x)
{
    if (dt == AIO_DT_F32) {
        ((float *)p)[i] = x;
        return x;
    }
    ((uint16_t *)p)[i] = aio_f32_to_bf16(x);
    return aio_bf16_to_f32(((uint16_t *)p)[i]);
}

static float sdpa_t_get(const void *p, int dt, size_t i)
{
    return dt == AIO_DT_F32 ? ((const float *)p)[i] : aio_bf16_to_f32(((const uint16_t *)p)[i]);
}

/* Runs variant fn over tc; checks O and LSE against double precision.
 * Returns 0 when they match, else 1 with the first mismatch in msg. */
static int sdpa_check_case(const aio_f32_sdpa_variant *v, const sdpa_case *tc, unsigned seed, char *msg, size_t len)
{
    const int64_t pad = 3; /* padded row strides: nothing assumes dense rows */
    const int64_t qs = tc->e + pad, os = tc->e + 5;
    const size_t es = tc->dt == AIO_DT_F32 ? 4 : 2, ms = tc->mask_dt == AIO_DT_F32 ? 4 : 2;
    const size_t nq = (size_t)(tc->b * tc->h * tc->lq * qs + 1), nk = (size_t)(tc->b * tc->g * tc->lk * qs + 1);
    const size_t no = (size_t)(tc->b * tc->h * tc->lq * os + 1), nm = (size_t)(tc->b * tc->h * tc->lq * tc->lk + 1);
    void *q = malloc(es * nq), *k = malloc(es * nk), *vv = malloc(es * nk), *o = malloc(es * no), *mk = malloc(ms * nm);
    float *qf = malloc(sizeof(float) * nq), *kf = malloc(sizeof(float) * nk), *vf_ = malloc(sizeof(float) * nk);
    float *mf = malloc(sizeof(float) * nm), *lse = malloc(sizeof(float) * (size_t)(tc->b * tc->h * tc->lq + 1));
    for (size_t i = 0; i < nq; i++) qf[i] = sdpa_t_put(q, tc->dt, i, 2.0f * sdpa_t_rand(&seed));
    for (size_t i = 0; i < nk; i++) {
        kf[i] = sdpa_t_put(k, tc->dt, i, 2.0f * sdpa_t_rand(&seed));
        vf_[i] = sdpa_t_put(vv, tc->dt, i, sdpa_t_rand(&seed));
    }
    for (size_t i = 0; i < nm; i++) mf[i] = sdpa_t_put(mk, tc->mask_dt, i, 3.0f * sdpa_t_rand(&seed));
    for (size_t i = 0; i < no; i++) sdpa_t_put(o, tc->dt, i, NAN); /* unwritten outputs show */
    aio_f32_sdpa_args a = {0};
    a.batch = tc->b, a.q_heads = tc->h, a.kv_heads = tc->g, a.lq = tc->lq, a.lk = tc->lk, a.e = a.ev = tc->e;
    a.dt = tc->dt, a.mask_dt = tc->mask_dt;
    a.q = q, a.q_sl = qs, a.q_sh = tc->lq * qs, a.q_sb = tc->h * tc->lq * qs;
    a.k = k, a.k_sl = qs, a.k_sh = tc->lk * qs, a.k_sb = tc->g * tc->lk * qs;
    a.v = vv, a.v_sl = qs, a.v_sh = tc->lk * qs, a.v_sb = tc->g * tc->lk * qs;
    a.o = o, a.o_sl = os, a.o_sh = tc->lq * os, a.o_sb = tc->h * tc->lq * os;
    a.lse = lse, a.l_sl = 1, a.l_sh = tc->lq, a.l_sb = tc->h * tc->lq;
    a.causal = tc->causal;
    a.scale = 1.0f / sqrtf((float)(tc->e ? tc->e : 1));
    if (tc->mask) {
        a.mask = mk, a.m_sb = tc->h * tc->lq * tc->lk, a.m_sh = tc->mask == 4 ? tc->lq * tc->lk : 0;
        a.m_sl = tc->mask == 2 ? 0 : tc->lk;
        if (tc->mask == 3)
            for (int64_t bi = 0; bi < tc->b; bi++)
                for (int64_t j = 0; j < tc->lk; j++)
                    mf[a.m_sb * bi + (tc->lq / 2) * tc->lk + j] =
                        sdpa_t_put(mk, tc->mask_dt, (size_t)(a.m_sb * bi + (tc->lq / 2) * tc->lk + j), -INFINITY);
    }
    /* Two row ranges per head, as the dispatcher splits them. */
    float *scratch = malloc(sizeof(float) * aio_f32_sdpa_scratch_floats(&a, tc->lq));
    for (int64_t bi = 0; bi < tc->b; bi++)
        for (int64_t h = 0; h < tc->h; h++) {
            const int64_t mid = tc->lq / 3;
            if (mid > 0) v->fn(&a, bi, h, 0, mid, scratch);
            if (tc->lq > mid) v->fn(&a, bi, h, mid, tc->lq, scratch);
        }
    /* bf16 outputs are rounded once: half an ulp of 2^-8 relative. */
    const double rtol = tc->dt == AIO_DT_F32 ? 1e-4 : 8e-3, atol = tc->dt == AIO_DT_F32 ? 2e-5 : 1e-3;
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
                        s += (double)qf[a.q_sb * bi + a.q_sh * h + qs * i + e] * kf[a.k_sb * bi + a.k_sh * g + qs * j + e];
                    p[j] = s * a.scale + (tc->mask ? mf[a.m_sb * bi + a.m_sh * h + a.m_sl * i + j] : 0.0);
                    mx = p[j] > mx ? p[j] : mx;
                }
                for (int64_t j = 0; j < n; j++) sum += (p[j] = mx == -INFINITY ? 0 : exp(p[j] - mx));
                const double want_lse = mx == -INFINITY ? 0 : mx + log(sum);
                const float got_lse = lse[a.l_sb * bi + a.l_sh * h + i];
                if (!(fabs(got_lse - want_lse) <= 1e-4 * (1 + fabs(want_lse)))) {
                    snprintf(msg, len, "%s b%ld h%ld row %ld: lse %g, want %g", v->name, (long)bi, (long)h, (long)i,
                             got_lse, want_lse);
                    bad = 1;
                }
                for (int64_t e = 0; e < tc->e && !bad; e++) {
                    double want = 0;
                    for (int64_t j = 0; j < n; j++)
                        want += p[j] / (sum ? sum : 1) * vf_[a.v_sb * bi + a.v_sh * g + qs * j + e];
                    const float got = sdpa_t_get(o, tc->dt, (size_t)(a.o_sb * bi + a.o_sh * h + os * i + e));
                    if (!(fabs(got - want) <= atol + rtol * fabs(want))) {
                        snprintf(msg, len, "%s b%ld h%ld row %ld col %ld: %g, want %g", v->name, (long)bi, (long)h,
                                 (long)i, (long)e, got, want);
                        bad = 1;
                    }
                }
            }
        }
    if (bad)
        snprintf(msg + strlen(msg), len - strlen(msg), " (b%ld h%ld g%ld lq%ld lk%ld e%ld causal%d mask%d dt%d mdt%d)",
                 (long)tc->b, (long)tc->h, (long)tc->g, (long)tc->lq, (long)tc->lk, (long)tc->e, tc->causal, tc->mask,
                 tc->dt, tc->mask_dt);
    free(p), free(scratch), free(q), free(k), free(vv), free(o), free(mk), free(qf), free(kf), free(vf_), free(mf);
    free(lse);
    return bad;
}

/* Every case for one variant; quick: the long-sequence cases only once.
 * Returns failures, *cases the count; the first failure's text in msg. */
static int sdpa_check_variant(const aio_f32_sdpa_variant *v, int quick, int *cases, char *msg, size_t len)
{
    static const int64_t lens[] = {1, 2, 15, 16, 17, 33, 49, 64, 65, 130};
    static const int64_t dims[] = {1, 8, 15, 16, 17, 64, 80, 128};
    const size_t nl = sizeof lens / sizeof *lens, nd = sizeof dims / sizeof *dims;
    unsigned seed = 7;
    int failures = 0;
    char m[512];
    *cases = 0;
    for (int dt = 0; dt < 2; dt++)
        for (size_t li = 0; li < nl; li++)
            for (size_t di = 0; di < nd; di++) {
                const int64_t lq = lens[li], lk = lens[(li + di) % nl];
                const sdpa_case tc = {1 + (int64_t)(di % 2), 4, di % 3 ? 2 : 4, lq, lk, dims[di], (int)((li + di) % 2),
                                      (int)((li * 3 + di) % 5), dt ? AIO_DT_BF16 : AIO_DT_F32,
                                      (li + di) % 3 == 1 ? AIO_DT_BF16 : AIO_DT_F32};
                m[0] = 0;
                if (sdpa_check_case(v, &tc, seed++, m, sizeof m) && !failures++)
                    snprintf(msg, len, "%s", m);
                ++*cases;
            }
    /* Several key blocks (256 keys each) and row blocks, masks broadcast as
     * BERT's padding ([b,1,1,s]) and as [b,1,s,s]; causal tails. */
    const sdpa_case longs[] = {
        {1, 2, 2, 300, 300, 64, 0, 2, AIO_DT_F32, AIO_DT_F32}, {2, 2, 1, 257, 513, 32, 0, 1, AIO_DT_F32, AIO_DT_F32},
        {1, 2, 2, 300, 300, 64, 1, 3, AIO_DT_F32, AIO_DT_F32}, {1, 2, 2, 200, 520, 64, 0, 4, AIO_DT_BF16, AIO_DT_BF16},
        {1, 1, 1, 600, 600, 16, 1, 0, AIO_DT_BF16, AIO_DT_F32}, {1, 2, 2, 129, 777, 24, 0, 3, AIO_DT_F32, AIO_DT_BF16},
    };
    for (size_t i = 0; i < sizeof longs / sizeof *longs; i++) {
        if (quick && i % 2)
            continue;
        m[0] = 0;
        if (sdpa_check_case(v, &longs[i], seed++, m, sizeof m) && !failures++)
            snprintf(msg, len, "%s", m);
        ++*cases;
    }
    /* No keys at all: zero rows and a log-sum-exp of 0. */
    const sdpa_case none = {1, 2, 2, 3, 0, 16, 0, 0, AIO_DT_F32, AIO_DT_F32};
    m[0] = 0;
    if (sdpa_check_case(v, &none, seed++, m, sizeof m) && !failures++)
        snprintf(msg, len, "%s", m);
    ++*cases;
    return failures;
}

#endif
