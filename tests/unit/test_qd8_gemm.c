/* qd8-f32-qc8w GEMM (aio_qd8_gemm.h): every variant this CPU runs through
 * the shared sweeps of qd8_gemm_tester.h, the quantizer's edge rows,
 * packing errors, slot selection, and the tester catching wrong kernels. */
#include <criterion/criterion.h>
#include <criterion/logging.h>

#include "aio_kernels.h"
#include "qd8_gemm_tester.h"

typedef struct sweep_ctx {
    const aio_qd8_gemm_variant *v;
    int cases, failures;
} sweep_ctx;

static int check_case(const qd8_case *tc, void *p)
{
    sweep_ctx *ctx = p;
    char msg[512];
    ctx->cases++;
    if (qd8_test(ctx->v->fn, ctx->v->quantize, ctx->v->a_offset, tc, msg, sizeof msg)) {
        cr_log_error("%s: %s", ctx->v->name, msg);
        ctx->failures++;
    }
    return ctx->failures >= 10;
}

static void sweep(int suite)
{
    const unsigned isa = aio_isa_detect();
    int ran = 0;
    for (size_t i = 0; i < aio_qd8_f32_qc8w_gemm_variant_count; i++) {
        const aio_qd8_gemm_variant *v = &aio_qd8_f32_qc8w_gemm_variants[i];
        if ((v->isa_required & isa) != v->isa_required) {
            cr_log_info("skip %s: CPU lacks its ISA", v->name);
            continue;
        }
        sweep_ctx ctx = {v, 0, 0};
        /* The reference is slow and simple: the quick sizes suffice. */
        qd8_for_each_case(suite, v->isa_required == 0, check_case, &ctx);
        cr_expect_eq(ctx.failures, 0, "%s: %d failing case(s), see log", v->name, ctx.failures);
        cr_log_info("%s: %d cases", v->name, ctx.cases);
        ran++;
    }
    cr_assert_gt(ran, 0);
}

Test(qd8_gemm, sizes_around_tiles, .timeout = 300) { sweep(QD8_SUITE_SIZES); }
Test(qd8_gemm, large_and_blocked, .timeout = 300) { sweep(QD8_SUITE_LARGE); }
Test(qd8_gemm, s_modes_alpha_beta_padding, .timeout = 300) { sweep(QD8_SUITE_OPTIONS); }

/* Rows of zeros, NaN, infinity and subnormal dust; both offsets. */
Test(qd8_gemm, quantize_edge_rows)
{
    enum { K = 21 };
    float a[5][K];
    for (int p = 0; p < K; p++) {
        a[0][p] = 0.0f;
        a[1][p] = p == 3 ? NAN : 1.0f;
        a[2][p] = p == 4 ? -INFINITY : 1.0f;
        a[3][p] = p % 2 ? 0x1p-140f : -0x1p-147f;
        a[4][p] = (float)(p - 10) * 0.1f;
    }
    for (int off = 0; off <= 128; off += 128) {
        uint8_t q[5][32];
        float sa[5];
        aio_qd8_quantize_rows(&a[0][0], K, K, off, &q[0][0], 32, sa, 0, 5);
        cr_expect_eq(sa[0], 0.0f);
        cr_expect(isnan(sa[1]) && isnan(sa[2]), "non-finite rows: %g %g", (double)sa[1], (double)sa[2]);
        cr_expect(sa[3] >= 0.0f && isfinite(sa[3]));
        cr_expect_float_eq(sa[4], 1.0f / 127.0f, 1e-9);
        for (int i = 0; i < 5; i++)
            for (int p = 0; p < 32; p++) {
                const int v = qd8_qa_value(q[i][p], off);
                cr_expect(v >= -127 && v <= 127, "row %d p %d: %d", i, p, v);
                if (i < 3 || p >= K)
                    cr_expect_eq(v, 0, "row %d p %d: %d", i, p, v);
            }
        cr_expect_eq(qd8_qa_value(q[4][0], off), -127);
        cr_expect_eq(qd8_qa_value(q[4][20], off), 127);
        cr_expect_eq(qd8_qa_value(q[4][15], off), 64); /* 0.5 * 127 = 63.5: ties to even */
    }
}

/* Every variant's quantizer gives the portable one's bytes and scales. */
Test(qd8_gemm, quantizers_agree)
{
    static const int64_t ks[] = {1, 15, 16, 17, 100, 1000};
    enum { M = 8 };
    const unsigned isa = aio_isa_detect();
    unsigned st = 99;
    for (size_t x = 0; x < sizeof ks / sizeof ks[0]; x++) {
        const int64_t K = ks[x], ldq = aio_qd8_row_bytes(K) + 16;
        float *a = malloc(sizeof(float) * (size_t)(M * K));
        uint8_t *q0 = malloc((size_t)(M * ldq)), *q1 = malloc((size_t)(M * ldq));
        float s0[M], s1[M];
        static const float mags[M] = {1.0f, 0.0f, 1e-3f, 1e30f, 0x1p-126f, 0x1p-140f, 1.0f, 1.0f};
        for (int i = 0; i < M; i++)
            for (int64_t p = 0; p < K; p++)
                a[i * K + p] = mags[i] * gemm_test_rand(&st);
        a[6 * K + K / 2] = NAN;
        a[7 * K + K - 1] = INFINITY;
        for (size_t v = 0; v < aio_qd8_f32_qc8w_gemm_variant_count; v++) {
            const aio_qd8_gemm_variant *var = &aio_qd8_f32_qc8w_gemm_variants[v];
            if ((var->isa_required & isa) != var->isa_required)
                continue;
            memset(q0, 1, (size_t)(M * ldq));
            memset(q1, 1, (size_t)(M * ldq));
            aio_qd8_quantize_rows(a, K, K, var->a_offset, q0, ldq, s0, 0, M);
            var->quantize(a, K, K, var->a_offset, q1, ldq, s1, 0, M);
            cr_expect(memcmp(q0, q1, (size_t)(M * ldq)) == 0, "%s K=%lld: bytes differ", var->name, (long long)K);
            for (int i = 0; i < M; i++)
                cr_expect(s0[i] == s1[i] || (isnan(s0[i]) && isnan(s1[i])), "%s K=%lld row %d: scale %g vs %g",
                          var->name, (long long)K, i, (double)s1[i], (double)s0[i]);
        }
        free(a);
        free(q0);
        free(q1);
    }
}

/* A NaN activation row gives a NaN output row, the others stay exact. */
Test(qd8_gemm, nan_row_propagates)
{
    enum { M = 3, N = 20, K = 40 };
    float a[M * K], w[N * K], c[M * N];
    for (int i = 0; i < M * K; i++) a[i] = (float)(i % 7) - 3.0f;
    for (int i = 0; i < N * K; i++) w[i] = (float)(i % 5) - 2.0f;
    a[K + 5] = NAN;
    void *buf = NULL;
    cr_assert_eq(posix_memalign(&buf, 64, aio_wpack_bytes(AIO_WFMT_QC8, N, K)), 0);
    aio_packed_weight pw;
    cr_assert_eq(aio_wpack(AIO_WFMT_QC8, w, K, N, K, buf, &pw), 0);
    const unsigned isa = aio_isa_detect();
    for (size_t v = 0; v < aio_qd8_f32_qc8w_gemm_variant_count; v++) {
        const aio_qd8_gemm_variant *var = &aio_qd8_f32_qc8w_gemm_variants[v];
        if ((var->isa_required & isa) != var->isa_required)
            continue;
        uint8_t q[M * 48];
        float sa[M];
        var->quantize(a, K, K, var->a_offset, q, 48, sa, 0, M);
        const aio_qd8_gemm_args g = {.m = M, .qa = q, .ldqa = 48, .a_scale = sa, .w = &pw, .c = c,
                                     .ldc = N, .alpha = 1.0f};
        var->fn(&g, 0, M, 0, N);
        for (int j = 0; j < N; j++) {
            cr_expect(isnan(c[N + j]), "%s: C[1][%d] = %g", var->name, j, (double)c[N + j]);
            cr_expect(!isnan(c[j]) && !isnan(c[2 * N + j]), "%s: NaN leaked to column %d", var->name, j);
        }
    }
    free(buf);
}

Test(qd8_gemm, pack_sizes_and_errors)
{
    /* 20 channels: 2 blocks of (64 + 64 * 16) bytes, then 32 scales. */
    cr_expect_eq(aio_wpack_bytes(AIO_WFMT_QC8, 20, 50), 2u * (64 + 64 * 16) + 32 * 4);
    cr_expect_eq(aio_wpack_bytes(AIO_WFMT_QC8, -1, 4), 0u);
    cr_expect_geq(aio_wpack_bytes(AIO_WFMT_QC8, 0, 0), 1u);
    float w[4] = {1, 2, 3, 4};
    static _Alignas(64) unsigned char buf[4096];
    aio_packed_weight pw;
    cr_expect_eq(aio_wpack(AIO_WFMT_QC8, w, 1, 2, 2, buf, &pw), -1); /* ldw < k */
    cr_expect_eq(aio_wpack(AIO_WFMT_QC8, w, 2, 2, AIO_QD8_MAX_K + 1, buf, &pw), -1);
    cr_expect_eq(aio_wpack(AIO_WFMT_QC8, w, 2, 2, 2, buf, &pw), 0);
    cr_expect_eq(aio_qc8w_get_q(&pw, 0, 0), 64); /* 2/127 scale: 1 -> 63.5 -> 64 (even) */
    cr_expect_eq(aio_qc8w_get_q(&pw, 0, 1), 127);
    cr_expect_eq(aio_qc8w_get_q(&pw, 1, 1), 127);
    cr_expect_eq(aio_qc8w_get_sum(&pw, 0), 191);
    cr_expect_float_eq(aio_wpack_get(&pw, 1, 1), 4.0f, 1e-6);
    cr_expect_float_eq(pw.scales[1], 4.0f / 127.0f, 1e-9);
}

/* The tester itself must catch a wrong kernel. */
static void off_by_one_kernel(const aio_qd8_gemm_args *g, int64_t m0, int64_t m1, int64_t n0, int64_t n1)
{
    aio_qd8_f32_qc8w_gemm__ref(g, m0, m1, n0, n1);
    if (m0 == 0 && n0 == 0) /* one unit of the integer dot, row 0 column 0 */
        g->c[0] += g->alpha * g->a_scale[0] * g->w->scales[0];
}

static void skip_edge_kernel(const aio_qd8_gemm_args *g, int64_t m0, int64_t m1, int64_t n0, int64_t n1)
{
    aio_qd8_f32_qc8w_gemm__ref(g, m0, m1, n0, n1 - 1 > n0 ? n1 - 1 : n1);
}

/* Drops the last K element: a wrong K tail. */
static void short_k_kernel(const aio_qd8_gemm_args *g, int64_t m0, int64_t m1, int64_t n0, int64_t n1)
{
    aio_packed_weight w = *g->w;
    w.k -= 1;
    aio_qd8_gemm_args h = *g;
    h.w = &w;
    aio_qd8_f32_qc8w_gemm__ref(&h, m0, m1, n0, n1);
}

Test(qd8_gemm, tester_catches_bugs)
{
    char msg[512];
    const qd8_case tc = {13, 33, 61, QD8_S_ROW, 1.0f, 1.0f, 0, 2, 3, 7};
    cr_expect_eq(qd8_test(aio_qd8_f32_qc8w_gemm__ref, aio_qd8_quantize_rows, 0, &tc, msg, sizeof msg), 0, "%s", msg);
    cr_expect_eq(qd8_test(off_by_one_kernel, aio_qd8_quantize_rows, 0, &tc, msg, sizeof msg), 1);
    cr_expect_eq(qd8_test(skip_edge_kernel, aio_qd8_quantize_rows, 0, &tc, msg, sizeof msg), 1);
    cr_expect_eq(qd8_test(short_k_kernel, aio_qd8_quantize_rows, 0, &tc, msg, sizeof msg), 1);
    /* Offset 128 rows read as int8 by the reference: wrong. */
    cr_expect_eq(qd8_test(aio_qd8_f32_qc8w_gemm__ref, aio_qd8_quantize_rows, 128, &tc, msg, sizeof msg), 1);
}

Test(qd8_gemm, variant_list_and_slot)
{
    const aio_qd8_gemm_variant *v = aio_qd8_f32_qc8w_gemm_variants;
    cr_assert_geq(aio_qd8_f32_qc8w_gemm_variant_count, 1);
    cr_expect_eq(v[0].isa_required, 0u, "the reference comes first");
    for (size_t i = 0; i < aio_qd8_f32_qc8w_gemm_variant_count; i++) {
        cr_expect_not_null(v[i].fn);
        cr_expect(v[i].mr > 0 && v[i].nr % 16 == 0);
        cr_expect(v[i].a_offset == 0 || v[i].a_offset == 128);
        cr_expect_not_null(strstr(v[i].name, "aio_qd8_f32_qc8w_gemm__"));
    }
    aio_kernels k;
    aio_kernels_init(&k, 0);
    cr_expect_str_eq(k.qd8w.name, "aio_qd8_f32_qc8w_gemm__ref");
    cr_expect_eq(k.qd8w.isa_required, 0u);
#if defined(__x86_64__)
    aio_kernels_init(&k, AIO_ISA_X86_AVX2 | AIO_ISA_X86_AVX512);
    cr_expect_str_eq(k.qd8w.name, "aio_qd8_f32_qc8w_gemm__avx2");
    aio_kernels_init(&k, AIO_ISA_X86_AVX2 | AIO_ISA_X86_AVX512 | AIO_ISA_X86_AVX512_VNNI);
    cr_expect_str_eq(k.qd8w.name, "aio_qd8_f32_qc8w_gemm__avx512vnni");
    cr_expect_eq(k.qd8w.a_offset, 128);
    cr_expect_eq(k.qd8w.max_m, INT64_MAX);
    cr_expect_eq(k.qd8w.quantize, aio_qd8_quantize_rows__avx512);
    cr_expect_str_eq(k.i8w.name, "aio_i8w_gemm__avx512"); /* weight-only slot unchanged */
#endif
}
