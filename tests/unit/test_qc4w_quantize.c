/* The int4 group quantizer (aio_qc4w_quantize_group): the clipping search
 * is never worse in squared error than min/max on random groups of every
 * kind, lowers it on bell-shaped weights, keeps codes nearest inside the
 * grid's range, and is what aio_qc4w_pack_rows stores. */
#include <criterion/criterion.h>
#include <math.h>

#include "aio_qc4w_gemm.h"
#include "aio_wgemm.h"
#include "gemm_tester_util.h"

static double sse(const float *x, int64_t len, const uint8_t *q, float sw, float zw)
{
    double e = 0.0;
    for (int64_t p = 0; p < len; p++) {
        const double d = (double)sw * q[p] - (double)zw - x[p];
        e += d * d;
    }
    return e;
}

/* Sum of 4 uniforms: near-Gaussian, as trained and initialized weights. */
static float bell(unsigned *st)
{
    return (gemm_test_rand(st) + gemm_test_rand(st) + gemm_test_rand(st) + gemm_test_rand(st)) * 0.5f;
}

/* Kind k of group: bell, uniform, bell with an outlier, all positive,
 * constant, mostly zeros, two values, tiny magnitudes. */
static void fill(int kind, float *x, int64_t len, unsigned *st)
{
    for (int64_t p = 0; p < len; p++) {
        switch (kind) {
        case 0: x[p] = bell(st); break;
        case 1: x[p] = gemm_test_rand(st); break;
        case 2: x[p] = p == len / 2 ? 8.0f : bell(st); break;
        case 3: x[p] = 2.0f + gemm_test_rand(st); break;
        case 4: x[p] = -0.75f; break;
        case 5: x[p] = p % 5 == 0 ? bell(st) : 0.0f; break;
        case 6: x[p] = p % 2 ? 0.3f : -1.1f; break;
        default: x[p] = 1e-30f * bell(st); break;
        }
    }
}

Test(qc4w_quantize, search_never_worse_than_minmax)
{
    static const int64_t lens[] = {1, 2, 7, 8, 16, 31, 32, 33, 63, 64, 65, 127, 128, 256, AIO_QC4W_SEARCH_MAX};
    float x[AIO_QC4W_SEARCH_MAX];
    uint8_t q0[AIO_QC4W_SEARCH_MAX], q1[AIO_QC4W_SEARCH_MAX];
    unsigned st = 12345;
    int strictly_better = 0, cases = 0;
    for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++)
        for (int kind = 0; kind < 8; kind++)
            for (int rep = 0; rep < 20; rep++) {
                const int64_t len = lens[li];
                fill(kind, x, len, &st);
                float s0, z0, s1, z1;
                aio_qc4w_quantize_group(x, len, 0, q0, &s0, &z0);
                aio_qc4w_quantize_group(x, len, 1, q1, &s1, &z1);
                const double e0 = sse(x, len, q0, s0, z0), e1 = sse(x, len, q1, s1, z1);
                cr_expect_leq(e1, e0, "len %lld kind %d rep %d: search %.9g > minmax %.9g", (long long)len, kind,
                              rep, e1, e0);
                strictly_better += e1 < e0;
                cases++;
                for (int64_t p = 0; p < len; p++) {
                    cr_expect_leq(q1[p], 15);
                    /* nearest level inside the range, end codes outside */
                    const double d = (double)s1 * q1[p] - z1, tol = 0.5 * s1 * (1 + 1e-5) + fabs(x[p]) * 1e-6;
                    if (x[p] >= -z1 - tol && x[p] <= 15.0 * s1 - z1 + tol)
                        cr_expect_leq(fabs(d - x[p]), tol + 1e-7 * fabs(z1), "len %lld kind %d p %lld",
                                      (long long)len, kind, (long long)p);
                    else
                        cr_expect(q1[p] == (x[p] < -z1 ? 0 : 15));
                }
            }
    /* it does something: most random groups improve */
    cr_expect_gt(strictly_better, cases / 2, "%d of %d", strictly_better, cases);
}

/* Bell-shaped groups of 64: the search lowers the total squared error by
 * at least 10% (about 17% measured; bench/int4_error_sources.py). */
Test(qc4w_quantize, search_lowers_bell_error)
{
    enum { G = 64, NG = 2000 };
    float x[G];
    uint8_t q[G];
    unsigned st = 99;
    double e0 = 0.0, e1 = 0.0;
    for (int g = 0; g < NG; g++) {
        fill(0, x, G, &st);
        float sw, zw;
        aio_qc4w_quantize_group(x, G, 0, q, &sw, &zw);
        e0 += sse(x, G, q, sw, zw);
        aio_qc4w_quantize_group(x, G, 1, q, &sw, &zw);
        e1 += sse(x, G, q, sw, zw);
    }
    cr_expect_lt(e1, 0.9 * e0, "search %.6g vs minmax %.6g", e1, e0);
}

Test(qc4w_quantize, nonfinite_and_zero_groups)
{
    float x[16];
    uint8_t q[16];
    float sw = 1.0f, zw = 1.0f;
    for (int p = 0; p < 16; p++) x[p] = (float)p;
    x[4] = NAN;
    aio_qc4w_quantize_group(x, 16, 1, q, &sw, &zw);
    cr_expect(sw == 0.0f && zw == 0.0f);
    for (int p = 0; p < 16; p++) cr_expect_eq(q[p], 0);
    x[4] = INFINITY;
    aio_qc4w_quantize_group(x, 16, 1, q, &sw, &zw);
    cr_expect(sw == 0.0f && zw == 0.0f);
    for (int p = 0; p < 16; p++) x[p] = 0.0f;
    aio_qc4w_quantize_group(x, 16, 1, q, &sw, &zw);
    cr_expect(sw == 0.0f && zw == 0.0f);
}

/* The packer stores exactly what the quantizer returns, group by group,
 * including a short last group (K not a multiple of the group). */
Test(qc4w_quantize, pack_rows_stores_search)
{
    enum { N = 21, K = 150, G = 32 };
    static float w[N * K];
    unsigned st = 7;
    for (int i = 0; i < N * K; i++) w[i] = bell(&st) * (1 + i / K);
    void *buf = NULL;
    cr_assert_eq(posix_memalign(&buf, 64, aio_qc4w_pack_bytes(N, K, G)), 0);
    aio_packed_weight pw;
    cr_assert_eq(aio_wpack(aio_qc4w_fmt(G), w, K, N, K, buf, &pw), 0);
    for (int j = 0; j < N; j++)
        for (int g = 0; g * G < K; g++) {
            const int len = (g + 1) * G < K ? G : K - g * G;
            uint8_t q[G];
            float sw, zw;
            aio_qc4w_quantize_group(w + j * K + g * G, len, 1, q, &sw, &zw);
            cr_expect(aio_qc4w_get_scale(&pw, j, g) == sw && aio_qc4w_get_zw(&pw, j, g) == zw, "j %d g %d", j, g);
            for (int p = 0; p < G; p++)
                cr_expect_eq(aio_qc4w_get_q(&pw, j, g * G + p), p < len ? q[p] : 0);
        }
    free(buf);
}
