/* Shared tester of the qd8-f32-qc8w GEMM (aio_qd8_gemm.h), plain C so the
 * Criterion suite and the cross-compiled qemu checker both use it.
 *
 * A case packs random W (rows of varied magnitude, one all-zero row) as
 * AIO_WFMT_QC8 in two row ranges over a junk-filled buffer, quantizes
 * random A (one all-zero row) in two row ranges with the variant's
 * a_offset, and checks:
 *  1. packing: every qw against the fp32 weight (|sw*q - w| <= sw/2, plus
 *     2^-21 relative for fp32 rounding at ties; |q| <= 127), the stored
 *     row sums, and zero padding in K and in the channels past N;
 *  2. quantizing: the same bound per A element, and the row padding;
 *  3. the product over uneven 3 x 3 tiles against the *quantized* math in
 *     double, the integer dot exact in int64:
 *       want = alpha * sa_i * sw_j * dot_ij + beta * s_ij
 *       |got - want| <= eps * (3 * |alpha*sa_i*sw_j*dot_ij| + 2 * |beta*s_ij| + |want|)
 *     (a dot off by one is caught while |dot| < ~1/(4 eps)), plus guard
 *     zones around C and its row padding. */
#ifndef QD8_GEMM_TESTER_H
#define QD8_GEMM_TESTER_H

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aio_qd8_gemm.h"
#include "gemm_tester_util.h"

enum qd8_s_mode { QD8_S_NONE, QD8_S_ROW, QD8_S_FULL, QD8_S_COL, QD8_S_SCALAR, QD8_S_ALIAS, QD8_S_MODES };

typedef struct qd8_case {
    int64_t m, n, k;
    int s_mode;
    float alpha, beta;
    int nan_s;   /* fill S with NaN (with beta == 0) */
    int64_t pad; /* extra elements per row of A, W, C, S; extra 16 bytes per qa row if odd */
    int tiles;   /* 1: one call; otherwise uneven 3 x 3 tiles */
    unsigned seed;
} qd8_case;

static inline void qd8_describe(const qd8_case *c, char *buf, size_t len)
{
    static const char *const modes[] = {"none", "row", "full", "col", "scalar", "alias"};
    snprintf(buf, len, "M=%lld N=%lld K=%lld S=%s alpha=%g beta=%g%s pad=%lld tiles=%d",
             (long long)c->m, (long long)c->n, (long long)c->k,
             c->s_mode >= 0 && c->s_mode < QD8_S_MODES ? modes[c->s_mode] : "?", (double)c->alpha,
             (double)c->beta, c->nan_s ? " S=NaN" : "", (long long)c->pad, c->tiles);
}

/* The signed value of a quantized A byte stored with offset off. */
static inline int qd8_qa_value(uint8_t b, int off) { return off ? (int)b - off : (int)(int8_t)b; }

/* |scale * q - x| within half a step (plus fp32 rounding at ties). */
static inline int qd8_within_step(double x, double scale, int q)
{
    return fabs(scale * q - x) <= 0.5 * scale * (1.0 + 1e-6) + fabs(x) * 0x1p-21;
}

static inline int qd8_check_pack(const aio_packed_weight *pw, const float *w, int64_t ldw,
                                 const char *what, char *msg, size_t len)
{
    const int64_t np = (pw->n + 15) / 16 * 16;
    if (pw->kp % 16 || pw->kp < pw->k || pw->kp != aio_qd8_row_bytes(pw->k)) {
        snprintf(msg, len, "%s: kp %lld", what, (long long)pw->kp);
        return 1;
    }
    for (int64_t j = 0; j < np; j++) {
        int64_t sum = 0;
        for (int64_t p = 0; p < pw->kp; p++) {
            const int q = aio_qc8w_get_q(pw, j, p);
            sum += q;
            const int pad = j >= pw->n || p >= pw->k;
            if (q < -127 || q > 127 || (pad && q != 0) ||
                (!pad && !qd8_within_step(w[j * ldw + p], pw->scales[j], q))) {
                snprintf(msg, len, "%s: packed q[%lld][%lld] = %d, weight %.9g, scale %.9g", what,
                         (long long)j, (long long)p, q, pad ? 0.0 : (double)w[j * ldw + p],
                         (double)pw->scales[j]);
                return 1;
            }
        }
        if (aio_qc8w_get_sum(pw, j) != sum || (j >= pw->n && pw->scales[j] != 0.0f)) {
            snprintf(msg, len, "%s: channel %lld: sum %d, want %lld; scale %g", what,
                     (long long)j, aio_qc8w_get_sum(pw, j), (long long)sum, (double)pw->scales[j]);
            return 1;
        }
    }
    return 0;
}

static inline int qd8_check_quant(const float *a, int64_t lda, int64_t m, int64_t k, int off,
                                  const uint8_t *q, int64_t ldq, const float *sa, const char *what,
                                  char *msg, size_t len)
{
    for (int64_t i = 0; i < m; i++) {
        double amax = 0.0;
        for (int64_t p = 0; p < k; p++)
            amax = fmax(amax, fabs((double)a[i * lda + p]));
        if (fabs((double)sa[i] - amax / 127.0) > amax / 127.0 * 1e-6) {
            snprintf(msg, len, "%s: row %lld scale %.9g, want %.9g", what, (long long)i,
                     (double)sa[i], amax / 127.0);
            return 1;
        }
        for (int64_t p = 0; p < aio_qd8_row_bytes(k); p++) {
            const int v = qd8_qa_value(q[i * ldq + p], off);
            const int ok = p >= k ? v == 0 : v >= -127 && v <= 127 && qd8_within_step(a[i * lda + p], sa[i], v);
            if (!ok) {
                snprintf(msg, len, "%s: qa[%lld][%lld] = %d (offset %d), a = %.9g, scale %.9g", what,
                         (long long)i, (long long)p, v, off, p < k ? (double)a[i * lda + p] : 0.0,
                         (double)sa[i]);
                return 1;
            }
        }
    }
    return 0;
}

/* Returns 0 on pass; on failure 1 with the first mismatch in msg. */
static inline int qd8_test(aio_qd8_gemm_fn fn, aio_qd8_quantize_fn quantize, int a_offset, const qd8_case *tc,
                           char *msg, size_t len)
{
    const int64_t M = tc->m, N = tc->n, K = tc->k, pad = tc->pad;
    const int64_t lda = K + pad, ldw = K + pad, ldc = N + pad, lds = N + pad;
    const int64_t ldq = aio_qd8_row_bytes(K) + (pad % 2) * 16;
    unsigned st = tc->seed * 2654435761u + 12345u;
    char what[256];
    qd8_describe(tc, what, sizeof what);

    const size_t bytes = aio_wpack_bytes(AIO_WFMT_QC8, N, K);
    float *a = malloc(sizeof(float) * (size_t)(M * lda + 1));
    float *w = malloc(sizeof(float) * (size_t)(N * ldw + 1));
    uint8_t *qa = malloc((size_t)(M * ldq + 1));
    float *sa = malloc(sizeof(float) * (size_t)(M + 1));
    void *packed = NULL;
    if (bytes == 0 || posix_memalign(&packed, 64, bytes))
        packed = NULL;
    float *cbuf = malloc(sizeof(float) * (size_t)(M * ldc + 2 * GEMM_TEST_GUARD));
    float *c = cbuf + GEMM_TEST_GUARD;
    const size_t scount = (size_t)(2 * M * lds + 2 * N + M + 1);
    float *sbuf = malloc(sizeof(float) * scount);
    float *s_keep = malloc(sizeof(float) * (size_t)(M * ldc + 1));
    int fail = 1;
    aio_packed_weight pw;
    if (!a || !w || !qa || !sa || !packed || !cbuf || !sbuf || !s_keep) {
        snprintf(msg, len, "out of memory (or bad pack size) for %s", what);
        goto out;
    }
    for (int64_t i = 0; i < M; i++) {
        const float mag = i == 1 ? 0.0f : (float)(1 + i % 4) * (i % 3 == 2 ? 100.0f : 1.0f);
        for (int64_t p = 0; p < lda; p++)
            a[i * lda + p] = mag * gemm_test_rand(&st);
    }
    for (int64_t j = 0; j < N; j++) {
        const float mag = (j == 2) ? 0.0f : (float)(1 + j % 5) * (j % 3 == 1 ? 0.01f : 1.0f);
        for (int64_t p = 0; p < ldw; p++)
            w[j * ldw + p] = mag * gemm_test_rand(&st);
    }
    for (int64_t i = 0; i < M * ldc + 2 * GEMM_TEST_GUARD; i++)
        cbuf[i] = GEMM_TEST_SENTINEL;

    memset(packed, 0x5a, bytes);
    const int64_t half = N / 2;
    if (aio_wpack_rows(AIO_WFMT_QC8, w, ldw, N, K, packed, &pw, half, N) ||
        aio_wpack_rows(AIO_WFMT_QC8, w, ldw, N, K, packed, &pw, 0, half)) {
        snprintf(msg, len, "%s: aio_wpack_rows failed", what);
        goto out;
    }
    if (pw.n != N || pw.k != K || pw.fmt != AIO_WFMT_QC8 || pw.data != packed || pw.bytes != bytes) {
        snprintf(msg, len, "%s: packed descriptor wrong", what);
        goto out;
    }
    if (qd8_check_pack(&pw, w, ldw, what, msg, len))
        goto out;
    memset(qa, 0xa5, (size_t)(M * ldq + 1));
    quantize(a, lda, K, a_offset, qa, ldq, sa, M / 3, M);
    quantize(a, lda, K, a_offset, qa, ldq, sa, 0, M / 3);
    if (qd8_check_quant(a, lda, M, K, a_offset, qa, ldq, sa, what, msg, len))
        goto out;

    const float *s = NULL;
    int64_t sm = 0, sn = 0;
    for (size_t i = 0; i < scount; i++)
        sbuf[i] = tc->nan_s ? NAN : gemm_test_rand(&st);
    switch (tc->s_mode) {
    case QD8_S_ROW: s = sbuf; sm = 0; sn = 1; break;
    case QD8_S_FULL: s = sbuf; sm = lds; sn = 1; break;
    case QD8_S_COL: s = sbuf; sm = 1; sn = 0; break;
    case QD8_S_SCALAR: s = sbuf; sm = 0; sn = 0; break;
    case QD8_S_ALIAS:
        for (int64_t i = 0; i < M; i++)
            for (int64_t j = 0; j < N; j++)
                c[i * ldc + j] = s_keep[i * ldc + j] = tc->nan_s ? NAN : gemm_test_rand(&st);
        s = c; sm = ldc; sn = 1;
        break;
    default: break;
    }
    /* A non-unit column stride of S: every other element of a wider row. */
    if (tc->s_mode == QD8_S_FULL && pad % 2) {
        sn = 2;
        sm = 2 * lds;
    }

    const aio_qd8_gemm_args g = {
        .m = M, .qa = qa, .ldqa = ldq, .a_scale = sa, .w = &pw, .c = c, .ldc = ldc, .s = s,
        .s_stride_m = sm, .s_stride_n = sn, .alpha = tc->alpha, .beta = tc->beta,
    };
    int64_t mc[4], nc[4];
    const int mt = gemm_test_cuts(M, tc->tiles, mc), nt = gemm_test_cuts(N, tc->tiles, nc);
    if (M == 0 || N == 0)
        fn(&g, 0, M, 0, N);
    for (int ti = 0; ti < mt; ti++)
        for (int tj = 0; tj < nt; tj++)
            fn(&g, mc[ti], mc[ti + 1], nc[tj], nc[tj + 1]);

    for (int64_t i = 0; i < M; i++) {
        for (int64_t j = 0; j < N; j++) {
            int64_t dot = 0;
            if (tc->alpha != 0.0f)
                for (int64_t p = 0; p < K; p++)
                    dot += (int64_t)qd8_qa_value(qa[i * ldq + p], a_offset) * aio_qc8w_get_q(&pw, j, p);
            const double prod = (double)tc->alpha * (double)sa[i] * (double)pw.scales[j] * (double)dot;
            double sv = 0.0;
            if (s && tc->beta != 0.0f)
                sv = tc->s_mode == QD8_S_ALIAS ? s_keep[i * ldc + j] : s[i * sm + j * sn];
            const double want = prod + (double)tc->beta * sv;
            const double tol = FLT_EPSILON * (3.0 * fabs(prod) + 2.0 * fabs((double)tc->beta * sv) +
                                              fabs(want)) + 1e-30;
            const double got = c[i * ldc + j];
            if (!(fabs(got - want) <= tol)) {
                snprintf(msg, len, "%s: C[%lld][%lld] = %.9g, want %.9g (tol %.3g, dot %lld)", what,
                         (long long)i, (long long)j, got, want, tol, (long long)dot);
                goto out;
            }
        }
        for (int64_t j = N; j < ldc; j++)
            if (c[i * ldc + j] != GEMM_TEST_SENTINEL) {
                snprintf(msg, len, "%s: row padding C[%lld][%lld] overwritten", what, (long long)i,
                         (long long)j);
                goto out;
            }
    }
    for (int64_t i = 0; i < GEMM_TEST_GUARD; i++)
        if (c[i - GEMM_TEST_GUARD] != GEMM_TEST_SENTINEL || c[M * ldc + i] != GEMM_TEST_SENTINEL) {
            snprintf(msg, len, "%s: write outside C (guard %lld)", what, (long long)i);
            goto out;
        }
    fail = 0;
out:
    free(a);
    free(w);
    free(qa);
    free(sa);
    free(packed);
    free(cbuf);
    free(sbuf);
    free(s_keep);
    return fail;
}

enum qd8_suite { QD8_SUITE_SIZES, QD8_SUITE_LARGE, QD8_SUITE_OPTIONS };

typedef int (*qd8_case_cb)(const qd8_case *tc, void *ctx); /* nonzero: stop */

#define QD8_LEN(x) (sizeof(x) / sizeof((x)[0]))

/* quick: a subset for slow emulators. */
static inline void qd8_for_each_case(int suite, int quick, qd8_case_cb cb, void *ctx)
{
    unsigned seed = 7;
    if (suite == QD8_SUITE_SIZES) {
        /* Around the micro-tiles (rows 4/8, channels 16/32, K groups 4/16). */
        static const int64_t ms[] = {1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 33};
        static const int64_t ns[] = {1, 2, 15, 16, 17, 31, 32, 33, 48, 100};
        static const int64_t ks[] = {1, 2, 3, 4, 5, 15, 16, 17, 63, 64, 65, 257, 1000};
        static const int64_t ks_quick[] = {1, 5, 16, 17, 65, 257};
        const int64_t *kk = quick ? ks_quick : ks;
        const size_t nk = quick ? QD8_LEN(ks_quick) : QD8_LEN(ks);
        for (size_t x = 0; x < QD8_LEN(ms); x++)
            for (size_t y = 0; y < QD8_LEN(ns); y++)
                for (size_t z = 0; z < nk; z++) {
                    const int v = (int)((x + y + z) % 4);
                    const qd8_case tc = {ms[x], ns[y], kk[z],
                                         v == 0 ? QD8_S_NONE : v == 1 ? QD8_S_ROW : QD8_S_FULL,
                                         1.0f, v == 3 ? 0.0f : 1.0f, v == 3, (int64_t)(z % 3),
                                         y % 2 ? 1 : 3, seed++};
                    if (cb(&tc, ctx))
                        return;
                }
    } else if (suite == QD8_SUITE_LARGE) {
        /* Row blocking (256 KiB of qa: 64 rows at K = 4096), long K. */
        static const int64_t mnk[][3] = {
            {1, 1000, 1000}, {2, 257, 4096}, {72, 40, 4096}, {8, 100, 2000}, {64, 200, 777},
            {130, 65, 300}, {300, 70, 129}, {520, 33, 65}, {2, 20, 40000}, {100, 100, 0},
            {0, 7, 5}, {7, 0, 5},
        };
        for (size_t x = 0; x < QD8_LEN(mnk); x++)
            for (int sm = QD8_S_NONE; sm <= QD8_S_FULL; sm++) {
                const qd8_case tc = {mnk[x][0], mnk[x][1], mnk[x][2], sm, 1.0f, 1.0f, 0,
                                     (int64_t)(x % 2) * 5, x % 3 ? 3 : 1, seed++};
                if (cb(&tc, ctx))
                    return;
            }
    } else {
        static const int64_t ms[] = {1, 3, 8, 20};
        static const int64_t ns[] = {17, 40};
        static const int64_t ks[] = {16, 61, 300};
        static const struct { float alpha, beta; int nan_s; } ab[] = {
            {1.0f, 1.0f, 0}, {0.5f, 2.0f, 0}, {1.0f, 0.0f, 1}, {-1.5f, 0.0f, 1}, {2.0f, -1.0f, 0},
            {0.0f, 1.5f, 0},
        };
        for (size_t x = 0; x < QD8_LEN(ms); x++)
            for (size_t y = 0; y < QD8_LEN(ns); y++)
                for (size_t z = 0; z < QD8_LEN(ks); z++)
                    for (int sm = 0; sm < QD8_S_MODES; sm++)
                        for (size_t o = 0; o < QD8_LEN(ab); o++) {
                            if (quick && (o + (size_t)sm + z) % 3 != 0)
                                continue;
                            const qd8_case tc = {ms[x], ns[y], ks[z], sm, ab[o].alpha, ab[o].beta,
                                                 ab[o].nan_s, (int64_t)(o % 2) * 3,
                                                 (int)(1 + 2 * (o % 2)), seed++};
                            if (cb(&tc, ctx))
                                return;
                        }
    }
}

#endif
