/* Shared weight-compressed GEMM tester (aio_wgemm.h), plain C so both the
 * Criterion suite and the cross-compiled qemu checker use it.
 *
 * A case builds random A and W (rows of varied magnitude, one all-zero row
 * for the int8 scale-0 edge), packs W in two row ranges, and checks:
 *  1. packing: every dequantized element against the fp32 original within
 *     the format's bound (f16: 2^-11 relative, or 2^-25 absolute in the
 *     subnormal range; bf16: 2^-8 relative; int8: scale/2 absolute, plus
 *     2^-21 relative for fp32 w/scale at ties; |q| <= 127), and the row padding is zero;
 *  2. the product over uneven 3 x 3 tiles against a double-precision
 *     reference computed from the *dequantized* weights, so the only error
 *     left is fp32 summation:
 *       |got - want| <= eps * ((K + 2) * |alpha| * sum_p |a_ip * w_jp|
 *                              + 2 * |beta * s_ij| + |want|)
 *     plus guard zones around C and its row padding. */
#ifndef WGEMM_TESTER_H
#define WGEMM_TESTER_H

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gemm_tester_util.h"
#include "aio_wgemm.h"

enum wgemm_s_mode {
    WGEMM_S_NONE = 0, /* s == NULL */
    WGEMM_S_ROW,      /* bias row: strides (0, 1) */
    WGEMM_S_FULL,     /* M x N matrix: strides (lds, 1) */
    WGEMM_S_COL,      /* strides (1, 0) */
    WGEMM_S_SCALAR,   /* strides (0, 0) */
    WGEMM_S_ALIAS,    /* S is C itself */
    WGEMM_S_MODES
};

typedef struct wgemm_case {
    int fmt;
    int64_t m, n, k;
    int s_mode;
    float alpha, beta;
    int nan_s;    /* fill S with NaN (with beta == 0) */
    int64_t pad;  /* extra elements per row of A, W, C and S */
    int tiles;    /* 1: one call; otherwise uneven 3 x 3 tiles */
    unsigned seed;
} wgemm_case;


static inline const char *wgemm_fmt_name(int fmt)
{
    return fmt == AIO_WFMT_F16 ? "f16" : fmt == AIO_WFMT_BF16 ? "bf16" : fmt == AIO_WFMT_I8 ? "i8" : "?";
}

static inline void wgemm_describe(const wgemm_case *c, char *buf, size_t len)
{
    static const char *const modes[] = {"none", "row", "full", "col", "scalar", "alias"};
    snprintf(buf, len, "%s M=%lld N=%lld K=%lld S=%s alpha=%g beta=%g%s pad=%lld tiles=%d",
             wgemm_fmt_name(c->fmt), (long long)c->m, (long long)c->n, (long long)c->k,
             c->s_mode >= 0 && c->s_mode < WGEMM_S_MODES ? modes[c->s_mode] : "?",
             (double)c->alpha, (double)c->beta, c->nan_s ? " S=NaN" : "", (long long)c->pad,
             c->tiles);
}

/* Dequantized element in double (int8: scale * q exactly). */
static inline double wgemm_deq(const aio_packed_weight *pw, int64_t j, int64_t p)
{
    if (pw->fmt == AIO_WFMT_I8)
        return (double)pw->scales[j] * (double)((const int8_t *)pw->data)[j * pw->kp + p];
    return (double)aio_wpack_get(pw, j, p);
}

/* Checks packed W against the original: 0 on pass, else 1 with msg. */
static inline double wgemm_deq_at(const void *pw, int64_t j, int64_t p)
{
    return wgemm_deq((const aio_packed_weight *)pw, j, p);
}

static inline int wgemm_check_pack(const aio_packed_weight *pw, const float *w, int64_t ldw,
                                   const char *what, char *msg, size_t len)
{
    for (int64_t j = 0; j < pw->n; j++) {
        for (int64_t p = 0; p < pw->kp; p++) {
            const double orig = p < pw->k ? (double)w[j * ldw + p] : 0.0;
            double got, bound;
            if (pw->fmt == AIO_WFMT_I8) {
                const int q = ((const int8_t *)pw->data)[j * pw->kp + p];
                if (q < -127 || q > 127) {
                    snprintf(msg, len, "%s: q[%lld][%lld] = %d out of range", what,
                             (long long)j, (long long)p, q);
                    return 1;
                }
                got = (double)pw->scales[j] * q;
                /* scale/2, plus the rounding of w/scale in fp32 at ties */
                bound = 0.5 * (double)pw->scales[j] * (1.0 + 1e-6) + fabs(orig) * 0x1p-21;
            } else {
                got = (double)aio_wpack_get(pw, j, p);
                bound = pw->fmt == AIO_WFMT_F16 ? fmax(fabs(orig) * 0x1p-11, 0x1p-25)
                                                 : fabs(orig) * 0x1p-8;
            }
            if (p >= pw->k)
                bound = 0.0; /* padding must be exactly zero */
            if (!(fabs(got - orig) <= bound)) {
                snprintf(msg, len, "%s: packed W[%lld][%lld] = %.9g, original %.9g (bound %.3g)",
                         what, (long long)j, (long long)p, got, orig, bound);
                return 1;
            }
        }
    }
    return 0;
}

/* Returns 0 on pass; on failure 1 with the first mismatch in msg. */
static inline int wgemm_test(aio_wgemm_fn fn, const wgemm_case *tc, char *msg, size_t len)
{
    const int64_t M = tc->m, N = tc->n, K = tc->k, pad = tc->pad;
    const int64_t lda = K + pad, ldw = K + pad, ldc = N + pad, lds = N + pad;
    const int alias = tc->s_mode == WGEMM_S_ALIAS;
    unsigned st = tc->seed * 2654435761u + 12345u;
    char what[256];
    wgemm_describe(tc, what, sizeof what);

    const size_t bytes = aio_wpack_bytes(tc->fmt, N, K);
    float *a = malloc(sizeof(float) * (size_t)(M * lda + 1));
    float *w = malloc(sizeof(float) * (size_t)(N * ldw + 1));
    void *packed = NULL;
    if (bytes == 0 || posix_memalign(&packed, 64, bytes))
        packed = NULL;
    float *cbuf = malloc(sizeof(float) * (size_t)(M * ldc + 2 * GEMM_TEST_GUARD));
    float *c = cbuf + GEMM_TEST_GUARD;
    const size_t scount = (size_t)(M * lds + M + N + 1);
    float *sbuf = malloc(sizeof(float) * scount);
    float *s_keep = malloc(sizeof(float) * (size_t)(M * ldc + 1));
    int fail = 0;
    if (!a || !w || !packed || !cbuf || !sbuf || !s_keep) {
        snprintf(msg, len, "out of memory (or bad pack size) for %s", what);
        fail = 1;
        goto out;
    }
    for (int64_t i = 0; i < M * lda; i++) a[i] = gemm_test_rand(&st);
    for (int64_t j = 0; j < N; j++) {
        const float mag = (j == 2) ? 0.0f : (float)(1 + j % 5) * (j % 3 == 1 ? 0.01f : 1.0f);
        for (int64_t p = 0; p < ldw; p++)
            w[j * ldw + p] = mag * gemm_test_rand(&st);
    }
    for (int64_t i = 0; i < M * ldc + 2 * GEMM_TEST_GUARD; i++) cbuf[i] = GEMM_TEST_SENTINEL;

    /* Pack in two row ranges, as threads would; fill the buffer with junk
     * first so padding must be written. */
    memset(packed, 0x5a, bytes);
    aio_packed_weight pw;
    const int64_t half = N / 2;
    if (aio_wpack_rows(tc->fmt, w, ldw, N, K, packed, &pw, half, N) ||
        aio_wpack_rows(tc->fmt, w, ldw, N, K, packed, &pw, 0, half)) {
        snprintf(msg, len, "%s: aio_wpack_rows failed", what);
        fail = 1;
        goto out;
    }
    if (pw.n != N || pw.k != K || pw.fmt != tc->fmt || pw.data != packed || pw.bytes != bytes ||
        pw.kp < K || pw.kp % 64 != 0) {
        snprintf(msg, len, "%s: packed descriptor wrong", what);
        fail = 1;
        goto out;
    }
    if (wgemm_check_pack(&pw, w, ldw, what, msg, len)) {
        fail = 1;
        goto out;
    }

    const float *s = NULL;
    int64_t sm = 0, sn = 0;
    for (size_t i = 0; i < scount; i++)
        sbuf[i] = tc->nan_s ? NAN : gemm_test_rand(&st);
    switch (tc->s_mode) {
    case WGEMM_S_ROW: s = sbuf; sm = 0; sn = 1; break;
    case WGEMM_S_FULL: s = sbuf; sm = lds; sn = 1; break;
    case WGEMM_S_COL: s = sbuf; sm = 1; sn = 0; break;
    case WGEMM_S_SCALAR: s = sbuf; sm = 0; sn = 0; break;
    case WGEMM_S_ALIAS:
        for (int64_t i = 0; i < M; i++)
            for (int64_t j = 0; j < N; j++)
                c[i * ldc + j] = s_keep[i * ldc + j] = tc->nan_s ? NAN : gemm_test_rand(&st);
        s = c; sm = ldc; sn = 1;
        break;
    default: break;
    }

    const aio_wgemm_args g = {
        .m = M, .a = a, .lda = lda, .w = &pw, .c = c, .ldc = ldc, .s = s,
        .s_stride_m = sm, .s_stride_n = sn, .alpha = tc->alpha, .beta = tc->beta,
    };
    int64_t mc[4], nc[4];
    const int mt = gemm_test_cuts(M, tc->tiles, mc), nt = gemm_test_cuts(N, tc->tiles, nc);
    if (M == 0 || N == 0)
        fn(&g, 0, M, 0, N);
    for (int ti = 0; ti < mt; ti++)
        for (int tj = 0; tj < nt; tj++)
            fn(&g, mc[ti], mc[ti + 1], nc[tj], nc[tj + 1]);

    const gemm_test_expect e = {
        .m = M, .n = N, .k = K, .a = a, .lda = lda, .b_at = wgemm_deq_at, .b_ctx = &pw,
        .s = s, .sm = sm, .sn = sn, .s_keep = s_keep, .alias = alias, .c = c, .ldc = ldc,
        .alpha = tc->alpha, .beta = tc->beta,
    };
    fail = gemm_test_check_c(&e, what, msg, len);
out:
    free(a);
    free(w);
    free(packed);
    free(cbuf);
    free(sbuf);
    free(s_keep);
    return fail;
}

/* Bit-exact conversion checks against known values: 0 on pass. */
static inline int wgemm_check_conversions(char *msg, size_t len)
{
    static const struct { float f; uint16_t h, b; } known[] = {
        {0.0f, 0x0000, 0x0000},
        {-0.0f, 0x8000, 0x8000},
        {1.0f, 0x3c00, 0x3f80},
        {-2.0f, 0xc000, 0xc000},
        {65504.0f, 0x7bff, 0x4780},
        {65519.996f, 0x7bff, 0x4780},      /* just below the Inf threshold */
        {65520.0f, 0x7c00, 0x4780},        /* tie to even: Inf */
        {1e10f, 0x7c00, 0x5015},
        {0x1p-14f, 0x0400, 0x3880},        /* smallest normal half */
        {0x1p-24f, 0x0001, 0x3380},        /* smallest subnormal half */
        {0x1p-25f, 0x0000, 0x3300},        /* tie: to even (zero) */
        {0x1.8p-24f, 0x0002, 0x33c0},      /* 1.5 steps: tie up to 2 */
        {0x1.001p+0f, 0x3c00, 0x3f80},     /* 1 + 2^-12: below half a half ulp */
        {0x1.002p+0f, 0x3c00, 0x3f80},     /* 1 + 2^-11: tie to even (down) */
        {0x1.006p+0f, 0x3c02, 0x3f80},     /* 1 + 3*2^-11: tie to even (up) */
        {0x1.01p+0f, 0x3c04, 0x3f80},      /* bf16: 1 + 2^-8 ties to even (down) */
        {0x1.03p+0f, 0x3c0c, 0x3f82},      /* bf16: 1 + 3*2^-8 ties up */
        {3.14159265f, 0x4248, 0x4049},
        {INFINITY, 0x7c00, 0x7f80},
        {-INFINITY, 0xfc00, 0xff80},
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        const uint16_t h = aio_f32_to_f16(known[i].f), b = aio_f32_to_bf16(known[i].f);
        if (h != known[i].h || b != known[i].b) {
            snprintf(msg, len, "convert %a: f16 0x%04x (want 0x%04x), bf16 0x%04x (want 0x%04x)",
                     (double)known[i].f, h, known[i].h, b, known[i].b);
            return 1;
        }
    }
    if (!isnan(aio_f16_to_f32(aio_f32_to_f16(NAN))) || !isnan(aio_bf16_to_f32(aio_f32_to_bf16(NAN)))) {
        snprintf(msg, len, "NaN does not survive packing");
        return 1;
    }
    /* Every finite half round-trips exactly through fp32. */
    for (uint32_t h = 0; h < 0x10000u; h++) {
        if ((h & 0x7c00u) == 0x7c00u)
            continue;
        const float f = aio_f16_to_f32((uint16_t)h);
        if (aio_f32_to_f16(f) != h) {
            snprintf(msg, len, "half 0x%04x -> %a does not round-trip", h, (double)f);
            return 1;
        }
    }
    return 0;
}

/* The shared sweeps. */
enum wgemm_suite { WGEMM_SUITE_SIZES, WGEMM_SUITE_LARGE, WGEMM_SUITE_OPTIONS };

typedef int (*wgemm_case_cb)(const wgemm_case *tc, void *ctx); /* nonzero: stop */

#define WGEMM_LEN(x) (sizeof(x) / sizeof((x)[0]))

/* quick: a subset of K for slow emulators. */
static inline void wgemm_for_each_case(int fmt, int suite, int quick, wgemm_case_cb cb, void *ctx)
{
    unsigned seed = 1 + (unsigned)fmt * 100003u;
    if (suite == WGEMM_SUITE_SIZES) {
        /* Half the cases in one call, the rest in uneven tiles. */
        static const int64_t ms[] = {1, 2, 3, 4, 5, 7, 8, 9, 16, 33};
        static const int64_t ns[] = {1, 2, 15, 16, 17, 31, 32, 33, 100};
        static const int64_t ks[] = {1, 2, 7, 8, 15, 16, 17, 63, 64, 65, 257, 1000};
        static const int64_t ks_quick[] = {1, 7, 16, 17, 65, 257};
        const int64_t *kk = quick ? ks_quick : ks;
        const size_t nk = quick ? WGEMM_LEN(ks_quick) : WGEMM_LEN(ks);
        for (size_t x = 0; x < WGEMM_LEN(ms); x++)
            for (size_t y = 0; y < WGEMM_LEN(ns); y++)
                for (size_t z = 0; z < nk; z++) {
                    /* S: none, bias row, full, beta = 0 with NaN in S. */
                    const int v = (int)((x + y + z) % 4);
                    const wgemm_case tc = {fmt, ms[x], ns[y], kk[z],
                                           v == 0 ? WGEMM_S_NONE : v == 1 ? WGEMM_S_ROW : WGEMM_S_FULL,
                                           1.0f, v == 3 ? 0.0f : 1.0f, v == 3,
                                           (int64_t)(z % 3), y % 2 ? 1 : 3, seed++};
                    if (cb(&tc, ctx))
                        return;
                }
    } else if (suite == WGEMM_SUITE_LARGE) {
        static const int64_t mnk[][3] = {
            {1, 1000, 1000}, {2, 257, 4096}, {4, 300, 513}, {8, 100, 2000}, {15, 70, 300},
            {16, 33, 1000}, {64, 200, 777}, {130, 65, 300}, {17, 530, 513}, {100, 100, 0},
            {0, 7, 5}, {7, 0, 5}, {300, 70, 129}, {520, 33, 65}, {256, 17, 40},
        };
        for (size_t x = 0; x < WGEMM_LEN(mnk); x++)
            for (int sm = WGEMM_S_NONE; sm <= WGEMM_S_FULL; sm++) {
                /* 256+ rows in one call reach the many-row path. */
                const wgemm_case tc = {fmt, mnk[x][0], mnk[x][1], mnk[x][2], sm, 1.0f, 1.0f, 0,
                                       (int64_t)(x % 2) * 5, mnk[x][0] >= 256 ? 1 : 3, seed++};
                if (cb(&tc, ctx))
                    return;
            }
    } else {
        static const int64_t ms[] = {1, 3, 8, 20, 260}; /* 260 in one call: many-row path */
        static const int64_t ns[] = {17, 40};
        static const int64_t ks[] = {16, 61, 300};
        static const struct { float alpha, beta; int nan_s; } ab[] = {
            {1.0f, 1.0f, 0}, {0.5f, 2.0f, 0}, {1.0f, 0.0f, 1}, {-1.5f, 0.0f, 1}, {2.0f, -1.0f, 0},
        };
        for (size_t x = 0; x < WGEMM_LEN(ms); x++)
            for (size_t y = 0; y < WGEMM_LEN(ns); y++)
                for (size_t z = 0; z < WGEMM_LEN(ks); z++)
                    for (int sm = 0; sm < WGEMM_S_MODES; sm++)
                        for (size_t o = 0; o < WGEMM_LEN(ab); o++) {
                            if (quick && ((o + (size_t)sm + z) % 3 != 0 || ms[x] > 64))
                                continue;
                            const wgemm_case tc = {fmt, ms[x], ns[y], ks[z], sm, ab[o].alpha,
                                                   ab[o].beta, ab[o].nan_s, (int64_t)(o % 2) * 3,
                                                   (int)(1 + 2 * (o % 2)), seed++};
                            if (cb(&tc, ctx))
                                return;
                        }
    }
}

#endif
