/* Shared tester of the qd8-f32-qc4w GEMM (aio_qc4w_gemm.h), plain C so the
 * Criterion suite and the cross-compiled qemu checker both use it.
 *
 * A case packs random W (rows of varied magnitude, one all-zero row, one
 * all-positive row) as AIO_WFMT_QC4 in two row ranges over a junk-filled
 * buffer, quantizes random A with the variant's quantizer (offset 0), and
 * checks:
 *  1. packing: |dequant(W) - W| <= sw/2 per element (plus fp32 rounding)
 *     inside the grid's range, the end code outside it (clipped), q in
 *     [0, 15], zero padding in K and past N;
 *  2. the product over uneven 3 x 3 tiles against the quantized math in
 *     double (integer dots exact in int64):
 *       want = alpha * sa_i * sum_g (sw * D - zw * T) + beta * s_ij
 *       |got - want| <= 8 eps * (|alpha sa_i| * sum_g (|sw D| + |zw T|) + |beta s_ij|)
 *     (a dot off by one unit of sw is caught), plus guard zones around C;
 *  3. the weight-only fallback against dequant(W) in double, fp32 A. */
#ifndef QC4W_GEMM_TESTER_H
#define QC4W_GEMM_TESTER_H

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aio_qc4w_gemm.h"
#include "gemm_tester_util.h"

enum { QC4_S_NONE, QC4_S_ROW, QC4_S_FULL, QC4_S_ALIAS };

typedef struct qc4_case {
    int64_t m, n, k, group;
    int s_mode;
    float alpha, beta;
    int64_t pad;
    int tiles;
    unsigned seed;
} qc4_case;

static inline void qc4_describe(const qc4_case *c, char *buf, size_t len)
{
    snprintf(buf, len, "M=%lld N=%lld K=%lld group=%lld S=%d alpha=%g beta=%g pad=%lld tiles=%d",
             (long long)c->m, (long long)c->n, (long long)c->k, (long long)c->group, c->s_mode,
             (double)c->alpha, (double)c->beta, (long long)c->pad, c->tiles);
}

static inline int qc4_check_pack(const aio_packed_weight *pw, const float *w, int64_t ldw, const char *what,
                                 char *msg, size_t len)
{
    const int64_t group = aio_qc4w_fmt_group(pw->fmt), np = (pw->n + 15) / 16 * 16;
    if (pw->kp != aio_qc4w_kp(pw->k, group)) {
        snprintf(msg, len, "%s: kp %lld", what, (long long)pw->kp);
        return 1;
    }
    for (int64_t j = 0; j < np; j++)
        for (int64_t p = 0; p < pw->kp; p++) {
            const int q = aio_qc4w_get_q(pw, j, p);
            const int64_t g = p / group;
            const double sw = aio_qc4w_get_scale(pw, j, g), zw = aio_qc4w_get_zw(pw, j, g);
            const int pad = j >= pw->n || p >= pw->k;
            const double x = pad ? 0.0 : w[j * ldw + p], d = sw * q - zw;
            /* the quantizer may clip: past half a step beyond the end
             * levels, the code is the end one; elsewhere, the nearest */
            const double tol = 0.5 * sw * (1 + 1e-5) + fabs(x) * 1e-6;
            const int below = x < -zw - tol, above = x > 15 * sw - zw + tol;
            const int ok = below ? q == 0 : above ? q == 15 : fabs(d - x) <= tol;
            if (q < 0 || q > 15 || (pad && q != 0) || (j >= pw->n && (sw != 0.0 || zw != 0.0)) || (!pad && !ok)) {
                snprintf(msg, len, "%s: q[%lld][%lld] = %d, weight %.9g, dequant %.9g (sw %.9g)", what,
                         (long long)j, (long long)p, q, x, d, sw);
                return 1;
            }
        }
    return 0;
}

/* The qa rows kp long, zero past K; group sums T. */
static inline void qc4_quantize(aio_qd8_quantize_fn quantize, const float *a, int64_t lda, int64_t m, int64_t k,
                                int64_t kp, int64_t group, int8_t *qa, int64_t ldq, float *sa, int32_t *t)
{
    memset(qa, 0, (size_t)(m * ldq));
    quantize(a, lda, k, 0, (uint8_t *)qa, ldq, sa, 0, m);
    for (int64_t i = 0; i < m; i++)
        memset(qa + i * ldq + aio_qd8_row_bytes(k), 0, (size_t)(kp - aio_qd8_row_bytes(k) > 0 ? kp - aio_qd8_row_bytes(k) : 0));
    aio_qc4w_group_sums(qa, ldq, kp, group, t, kp / group, 0, m);
}

/* Returns 0 on pass; on failure 1 with the first mismatch in msg. fn or
 * wfn (weight-only) is tested, whichever is not NULL. */
static inline int qc4_test(aio_qc4w_gemm_fn fn, aio_wgemm_fn wfn, aio_qd8_quantize_fn quantize,
                           const qc4_case *tc, char *msg, size_t len)
{
    const int64_t M = tc->m, N = tc->n, K = tc->k, G = tc->group, pad = tc->pad;
    const int64_t kp = aio_qc4w_kp(K, G), ng = kp / G;
    const int64_t rb = aio_qd8_row_bytes(K) > kp ? aio_qd8_row_bytes(K) : kp; /* the quantizer writes rb */
    const int64_t lda = K + pad, ldw = K + pad, ldc = N + pad, ldq = rb + (pad % 2) * 16;
    unsigned st = tc->seed * 2654435761u + 777u;
    char what[256];
    qc4_describe(tc, what, sizeof what);
    const size_t bytes = aio_qc4w_pack_bytes(N, K, G);
    float *a = malloc(sizeof(float) * (size_t)(M * lda + 1));
    float *w = malloc(sizeof(float) * (size_t)(N * ldw + 1));
    int8_t *qa = malloc((size_t)(M * ldq + 1));
    float *sa = malloc(sizeof(float) * (size_t)(M + 1));
    int32_t *t = malloc(sizeof(int32_t) * (size_t)(M * ng + 1));
    float *cbuf = malloc(sizeof(float) * (size_t)(M * ldc + 2 * GEMM_TEST_GUARD));
    float *sbuf = malloc(sizeof(float) * (size_t)(M * (N + pad) + N + 1));
    float *keep = malloc(sizeof(float) * (size_t)(M * ldc + 1));
    void *packed = NULL;
    if (bytes == 0 || posix_memalign(&packed, 64, bytes))
        packed = NULL;
    float *c = cbuf + GEMM_TEST_GUARD;
    int fail = 1;
    aio_packed_weight pw;
    if (!a || !w || !qa || !sa || !t || !cbuf || !sbuf || !keep || !packed) {
        snprintf(msg, len, "out of memory for %s", what);
        goto out;
    }
    for (int64_t i = 0; i < M; i++) {
        const float mag = i == 1 ? 0.0f : (float)(1 + i % 4) * (i % 3 == 2 ? 100.0f : 1.0f);
        for (int64_t p = 0; p < lda; p++)
            a[i * lda + p] = mag * gemm_test_rand(&st);
    }
    for (int64_t j = 0; j < N; j++) {
        const float mag = j == 2 ? 0.0f : (float)(1 + j % 5) * (j % 3 == 1 ? 0.01f : 1.0f);
        for (int64_t p = 0; p < ldw; p++)
            w[j * ldw + p] = j == 3 ? 1.0f + fabsf(gemm_test_rand(&st)) : mag * gemm_test_rand(&st);
    }
    memset(packed, 0x5a, bytes);
    if (aio_wpack_rows(aio_qc4w_fmt(G), w, ldw, N, K, packed, &pw, N / 2, N) ||
        aio_wpack_rows(aio_qc4w_fmt(G), w, ldw, N, K, packed, &pw, 0, N / 2)) {
        snprintf(msg, len, "%s: pack failed", what);
        goto out;
    }
    if (pw.n != N || pw.k != K || pw.fmt != aio_qc4w_fmt(G) || pw.bytes != bytes) {
        snprintf(msg, len, "%s: packed descriptor wrong", what);
        goto out;
    }
    if (qc4_check_pack(&pw, w, ldw, what, msg, len))
        goto out;
    qc4_quantize(quantize, a, lda, M, K, kp, G, qa, ldq, sa, t);
    for (int64_t i = 0; i < M * (N + pad) + N + 1; i++)
        sbuf[i] = gemm_test_rand(&st);
    const float *s = NULL;
    int64_t sm = 0, sn = 0;
    for (int64_t i = 0; i < M * ldc + 2 * GEMM_TEST_GUARD; i++)
        cbuf[i] = GEMM_TEST_SENTINEL;
    switch (tc->s_mode) {
    case QC4_S_ROW: s = sbuf, sm = 0, sn = 1; break;
    case QC4_S_FULL: s = sbuf, sm = N + pad, sn = 1; break;
    case QC4_S_ALIAS:
        for (int64_t i = 0; i < M; i++)
            for (int64_t j = 0; j < N; j++)
                c[i * ldc + j] = keep[i * ldc + j] = gemm_test_rand(&st);
        s = c, sm = ldc, sn = 1;
        break;
    }
    int64_t mc[4], nc[4];
    const int mt = gemm_test_cuts(M, tc->tiles, mc), nt = gemm_test_cuts(N, tc->tiles, nc);
    const aio_qc4w_gemm_args q = {M, qa, ldq, sa, t, ng, &pw, c, ldc, s, sm, sn, tc->alpha, tc->beta};
    const aio_wgemm_args wa = {M, a, lda, &pw, c, ldc, s, sm, sn, tc->alpha, tc->beta};
    for (int x = 0; x < mt; x++)
        for (int y = 0; y < nt; y++) {
            if (fn)
                fn(&q, mc[x], mc[x + 1], nc[y], nc[y + 1]);
            else
                wfn(&wa, mc[x], mc[x + 1], nc[y], nc[y + 1]);
        }
    for (int64_t i = 0; i < M; i++)
        for (int64_t j = 0; j < N; j++) {
            double want = 0.0, mag = 0.0;
            for (int64_t g = 0; g < ng; g++) {
                const double sw = aio_qc4w_get_scale(&pw, j, g), zw = aio_qc4w_get_zw(&pw, j, g);
                if (fn) {
                    int64_t d = 0;
                    for (int64_t p = g * G; p < (g + 1) * G; p++)
                        d += (int64_t)qa[i * ldq + p] * aio_qc4w_get_q(&pw, j, p);
                    want += sw * (double)d - zw * t[i * ng + g];
                    mag += fabs(sw * (double)d) + fabs(zw * t[i * ng + g]);
                } else {
                    for (int64_t p = g * G; p < (g + 1) * G && p < K; p++) {
                        const double v = a[i * lda + p] * (sw * aio_qc4w_get_q(&pw, j, p) - zw);
                        want += v;
                        mag += fabs(a[i * lda + p]) * (fabs(sw * aio_qc4w_get_q(&pw, j, p)) + fabs(zw));
                    }
                }
            }
            const double as = fn ? (double)tc->alpha * sa[i] : (double)tc->alpha;
            want *= as;
            mag *= fabs(as);
            const int use_s = s && tc->beta != 0.0f;
            const double sv = !use_s ? 0.0 : tc->s_mode == QC4_S_ALIAS ? keep[i * ldc + j] : s[i * sm + j * sn];
            want += tc->beta * sv;
            mag += fabs(tc->beta * sv);
            const double got = c[i * ldc + j];
            if (!(fabs(got - want) <= 8 * FLT_EPSILON * (mag + 1e-30) + 1e-30)) {
                snprintf(msg, len, "%s: C[%lld][%lld] = %.9g, want %.9g", what, (long long)i, (long long)j, got,
                         want);
                goto out;
            }
        }
    for (int64_t i = 0; i < GEMM_TEST_GUARD; i++)
        if (cbuf[i] != GEMM_TEST_SENTINEL || c[M * ldc - pad + i] != GEMM_TEST_SENTINEL) {
            snprintf(msg, len, "%s: store outside C", what);
            goto out;
        }
    for (int64_t i = 0; i < M && tc->s_mode != QC4_S_ALIAS; i++)
        for (int64_t j = N; j < ldc && i < M - 1; j++)
            if (c[i * ldc + j] != GEMM_TEST_SENTINEL) {
                snprintf(msg, len, "%s: store in C row padding", what);
                goto out;
            }
    fail = 0;
out:
    free(a), free(w), free(qa), free(sa), free(t), free(cbuf), free(sbuf), free(keep), free(packed);
    return fail;
}

/* Sizes around the tiles (rows 1..9, channels around 16/32, K around the
 * group), every S mode, alpha/beta, padding. quick: fewer. */
typedef int (*qc4_case_fn)(const qc4_case *tc, void *ctx);
static inline int qc4_for_each_case(int quick, qc4_case_fn f, void *ctx)
{
    static const int64_t ms[] = {1, 2, 3, 4, 5, 8, 9};
    static const int64_t ns[] = {1, 15, 16, 17, 32, 33, 50};
    static const int64_t groups[] = {8, 32, 64, 128};
    unsigned seed = 1;
    for (size_t gi = 0; gi < 4; gi++) {
        const int64_t G = groups[gi];
        const int64_t ks[] = {G, 2 * G, G + 8, 3 * G - 5, 1};
        for (size_t mi = 0; mi < 7; mi++)
            for (size_t ni = 0; ni < 7; ni++)
                for (size_t ki = 0; ki < 5; ki++) {
                    if (quick && (mi + ni + ki) % 3)
                        continue;
                    const qc4_case tc = {ms[mi], ns[ni], ks[ki], G, (int)((mi + ni + ki) % 4),
                                         (ki % 2) ? 1.0f : 0.5f, (ni % 3) ? 1.0f : -2.0f, (int64_t)(mi % 3),
                                         (ni + ki) % 2 ? 3 : 1, seed++};
                    if (f(&tc, ctx))
                        return 1;
                }
    }
    /* A decode-like and a prefill-like shape, and alpha == 0. */
    const qc4_case big[] = {{1, 256, 2048, 128, QC4_S_NONE, 1.0f, 0.0f, 0, 3, 901},
                            {37, 96, 512, 64, QC4_S_ROW, 1.0f, 1.0f, 1, 3, 902},
                            {3, 20, 64, 32, QC4_S_FULL, 0.0f, 1.0f, 0, 1, 903}};
    for (size_t i = 0; i < sizeof big / sizeof big[0]; i++)
        if (f(&big[i], ctx))
            return 1;
    return 0;
}

#endif
