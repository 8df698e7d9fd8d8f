/* qd8-f32-qc4w GEMM (aio_qc4w_gemm.h): every variant this CPU runs and the
 * weight-only fallback through qc4w_gemm_tester.h's sweep, packing from
 * given q/scale/zero (the GPTQ path), errors, slot selection, and the
 * tester catching wrong kernels. */
#include <criterion/criterion.h>
#include <criterion/logging.h>

#include "aio_kernels.h"
#include "qc4w_gemm_tester.h"

typedef struct sweep_ctx {
    const aio_qc4w_gemm_variant *v;
    aio_wgemm_fn wfn;
    int cases, failures;
} sweep_ctx;

static int check_case(const qc4_case *tc, void *p)
{
    sweep_ctx *ctx = p;
    char msg[512];
    ctx->cases++;
    if (qc4_test(ctx->v ? ctx->v->fn : NULL, ctx->wfn, ctx->v ? ctx->v->quantize : aio_qd8_quantize_rows, tc, msg,
                 sizeof msg)) {
        cr_log_error("%s: %s", ctx->v ? ctx->v->name : "aio_f32_qc4w_gemm__ref", msg);
        ctx->failures++;
    }
    return ctx->failures >= 10;
}

Test(qc4w_gemm, sizes_around_tiles, .timeout = 300)
{
    const unsigned isa = aio_isa_detect();
    int ran = 0;
    for (size_t i = 0; i < aio_qd8_f32_qc4w_gemm_variant_count; i++) {
        const aio_qc4w_gemm_variant *v = &aio_qd8_f32_qc4w_gemm_variants[i];
        if ((v->isa_required & isa) != v->isa_required) {
            cr_log_info("skip %s: CPU lacks its ISA", v->name);
            continue;
        }
        sweep_ctx ctx = {v, NULL, 0, 0};
        qc4_for_each_case(v->isa_required == 0, check_case, &ctx);
        cr_expect_eq(ctx.failures, 0, "%s: %d failing case(s), see log", v->name, ctx.failures);
        cr_expect_gt(ctx.cases, 100, "%s: only %d cases", v->name, ctx.cases);
        cr_log_info("%s: %d cases", v->name, ctx.cases);
        ran++;
    }
    cr_assert_gt(ran, 0);
}

Test(qc4w_gemm, weight_only_fallback, .timeout = 300)
{
    sweep_ctx ctx = {NULL, aio_f32_qc4w_gemm__ref, 0, 0};
    qc4_for_each_case(1, check_case, &ctx);
    cr_expect_eq(ctx.failures, 0);
}

/* Checkpoint values in, the same values out; q above 15 refused. */
Test(qc4w_gemm, pack_q_roundtrip_and_errors)
{
    enum { N = 19, K = 40, G = 16, NG = 3 };
    uint8_t q[N * K];
    float sc[N * NG], z[N * NG];
    unsigned st = 5;
    for (int i = 0; i < N * K; i++) q[i] = (uint8_t)(i * 7 % 16);
    for (int i = 0; i < N * NG; i++) sc[i] = 0.01f * (1 + i % 7), z[i] = (float)(i % 16) + 0.5f * gemm_test_rand(&st);
    void *buf = NULL;
    const size_t bytes = aio_qc4w_pack_bytes(N, K, G);
    cr_assert_eq(bytes, 2u * NG * (G * 8 + 128));
    cr_assert_eq(posix_memalign(&buf, 64, bytes), 0);
    aio_packed_weight pw;
    cr_assert_eq(aio_qc4w_pack_q(q, K, sc, z, NG, N, K, G, buf, &pw, 0, N), 0);
    for (int j = 0; j < N; j++)
        for (int p = 0; p < 48; p++) {
            cr_expect_eq(aio_qc4w_get_q(&pw, j, p), p < K ? q[j * K + p] : 0);
            cr_expect_float_eq(aio_wpack_get(&pw, j, p),
                               sc[j * NG + p / G] * ((p < K ? q[j * K + p] : 0) - z[j * NG + p / G]), 1e-5);
        }
    q[5] = 16;
    cr_expect_eq(aio_qc4w_pack_q(q, K, sc, z, NG, N, K, G, buf, &pw, 0, N), -1);
    cr_expect_eq(aio_qc4w_pack_bytes(4, 4, 12), 0u); /* group not a multiple of 8 */
    cr_expect_eq(aio_wpack_bytes(aio_qc4w_fmt(4), 4, 4), 0u);
    free(buf);
}

/* NaN/inf groups pack as zero; groups without negatives keep 0 exact. */
Test(qc4w_gemm, pack_edge_groups)
{
    enum { K = 16 };
    float w[2 * K];
    for (int p = 0; p < K; p++) w[p] = p == 3 ? NAN : 1.0f, w[K + p] = (float)p;
    static _Alignas(64) unsigned char buf[4096];
    aio_packed_weight pw;
    cr_assert_eq(aio_wpack(aio_qc4w_fmt(8), w, K, 2, K, buf, &pw), 0);
    for (int p = 0; p < 8; p++) cr_expect_eq(aio_wpack_get(&pw, 0, p), 0.0f);
    cr_expect_float_eq(aio_wpack_get(&pw, 0, 9), 1.0f, 1e-6);
    /* the ramp 0..7: the clipping search's refit trades the exact ends for
     * less squared error, each value still within half a min/max step */
    for (int p = 0; p < 8; p++) cr_expect_leq(fabsf(aio_wpack_get(&pw, 1, p) - (float)p), 7.0f / 30.0f + 1e-6f);
}

static void off_by_one_kernel(const aio_qc4w_gemm_args *g, int64_t m0, int64_t m1, int64_t n0, int64_t n1)
{
    aio_qd8_f32_qc4w_gemm__ref(g, m0, m1, n0, n1);
    if (m0 == 0 && n0 == 0)
        g->c[0] += g->alpha * g->a_scale[0] * aio_qc4w_get_scale(g->w, 0, 0);
}

static void no_zero_kernel(const aio_qc4w_gemm_args *g, int64_t m0, int64_t m1, int64_t n0, int64_t n1)
{
    aio_qc4w_gemm_args h = *g;
    int32_t t[64] = {0};
    h.a_gsum = t, h.ldt = 0;
    aio_qd8_f32_qc4w_gemm__ref(&h, m0, m1, n0, n1);
}

Test(qc4w_gemm, tester_catches_bugs)
{
    char msg[512];
    const qc4_case tc = {5, 33, 72, 32, QC4_S_ROW, 1.0f, 1.0f, 1, 3, 7};
    cr_expect_eq(qc4_test(aio_qd8_f32_qc4w_gemm__ref, NULL, aio_qd8_quantize_rows, &tc, msg, sizeof msg), 0, "%s", msg);
    cr_expect_eq(qc4_test(off_by_one_kernel, NULL, aio_qd8_quantize_rows, &tc, msg, sizeof msg), 1);
    cr_expect_eq(qc4_test(no_zero_kernel, NULL, aio_qd8_quantize_rows, &tc, msg, sizeof msg), 1);
}

Test(qc4w_gemm, variant_list_and_slot)
{
    const aio_qc4w_gemm_variant *v = aio_qd8_f32_qc4w_gemm_variants;
    cr_expect_eq(v[0].isa_required, 0u);
    for (size_t i = 0; i < aio_qd8_f32_qc4w_gemm_variant_count; i++) {
        cr_expect_not_null(strstr(v[i].name, "aio_qd8_f32_qc4w_gemm__"));
        cr_expect(v[i].mr > 0 && v[i].nr % 16 == 0);
    }
    aio_kernels k;
    aio_kernels_init(&k, 0);
    cr_expect_str_eq(k.qc4w.name, "aio_qd8_f32_qc4w_gemm__ref");
#if defined(__x86_64__)
    aio_kernels_init(&k, AIO_ISA_X86_AVX2 | AIO_ISA_X86_AVX512);
    cr_expect_str_eq(k.qc4w.name, "aio_qd8_f32_qc4w_gemm__avx2");
    aio_kernels_init(&k, AIO_ISA_X86_AVX2 | AIO_ISA_X86_AVX512 | AIO_ISA_X86_AVX512_VNNI);
    cr_expect_str_eq(k.qc4w.name, "aio_qd8_f32_qc4w_gemm__avx512vnni");
#endif
}
