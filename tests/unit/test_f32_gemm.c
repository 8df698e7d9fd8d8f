/* fp32 GEMM: every variant this CPU can run, through the shared sweeps of
 * f32_gemm_tester.h, plus slot selection and ISA caps. */
#include <criterion/criterion.h>
#include <criterion/logging.h>

#include "aio_config.h"
#include "aio_kernels.h"
#include "f32_gemm_tester.h"
#include "f32_gemm_panels_tester.h"
#include "aio_cache.h"

typedef struct sweep_ctx {
    const aio_f32_gemm_variant *v;
    int cases, failures;
} sweep_ctx;

static int check_case(const f32_gemm_case *tc, void *p)
{
    sweep_ctx *ctx = p;
    char msg[512];
    ctx->cases++;
    if (f32_gemm_test(ctx->v->fn, tc, msg, sizeof msg)) {
        cr_log_error("%s: %s", ctx->v->name, msg);
        ctx->failures++;
    }
    return ctx->failures >= 10; /* enough to diagnose; keep the log short */
}

static int check_panels_case(const f32_gemm_case *tc, void *p)
{
    sweep_ctx *ctx = p;
    char msg[512];
    ctx->cases++;
    if (f32_gemm_test(panels_adapter, tc, msg, sizeof msg)) {
        cr_log_error("%s panels: %s", ctx->v->name, msg);
        ctx->failures++;
    }
    return ctx->failures >= 10;
}

static void sweep_all_variants(int suite)
{
    const unsigned isa = aio_isa_detect();
    int ran = 0;
    for (size_t i = 0; i < aio_f32_gemm_variant_count; i++) {
        const aio_f32_gemm_variant *v = &aio_f32_gemm_variants[i];
        if ((v->isa_required & isa) != v->isa_required) {
            cr_log_info("skip %s: CPU lacks its ISA", v->name);
            continue;
        }
        sweep_ctx ctx = {v, 0, 0};
        f32_gemm_for_each_case(suite, check_case, &ctx);
        cr_expect_eq(ctx.failures, 0, "%s: %d failing case(s), see log", v->name, ctx.failures);
        cr_log_info("%s: %d cases", v->name, ctx.cases);
        ran++;
    }
    cr_assert_gt(ran, 0);
}

Test(f32_gemm, sizes_around_tiles, .timeout = 300) { sweep_all_variants(F32_GEMM_SUITE_SIZES); }
Test(f32_gemm, large_and_blocked, .timeout = 300) { sweep_all_variants(F32_GEMM_SUITE_LARGE); }
Test(f32_gemm, s_modes_alpha_beta_padding, .timeout = 300)
{
    sweep_all_variants(F32_GEMM_SUITE_OPTIONS);
}

/* The pre-packed path of every variant that has one (all but the
 * reference), over forced and derived blocks. */
Test(f32_gemm, prepacked_panels, .timeout = 300)
{
    const unsigned isa = aio_isa_detect();
    int ran = 0;
    for (size_t i = 0; i < aio_f32_gemm_variant_count; i++) {
        const aio_f32_gemm_variant *v = &aio_f32_gemm_variants[i];
        if ((v->isa_required & isa) != v->isa_required || !v->ops)
            continue;
        g_panels_ops = v->ops();
        sweep_ctx ctx = {v, 0, 0};
        f32_gemm_panels_for_each_case(0, check_panels_case, &ctx);
        cr_expect_eq(ctx.failures, 0, "%s panels: %d failing case(s), see log", v->name, ctx.failures);
        cr_log_info("%s panels: %d cases", v->name, ctx.cases);
        ran++;
    }
    cr_expect_eq(aio_f32_gemm_variants[0].ops, NULL, "the reference has no panel path");
#if defined(__x86_64__)
    cr_assert_gt(ran, 0);
#endif
}

/* Panels apply from AIO_F32_GEMM_PANELS_MIN_M rows, W layout only. */
Test(f32_gemm, panels_apply_rule)
{
    const aio_f32_gemm_variant *v = &aio_f32_gemm_variants[aio_f32_gemm_variant_count - 1];
    if (!v->ops)
        return;
    const struct aio_f32_gemm_ops *ops = v->ops();
    aio_f32_gemm_args g = {.m = 128, .n = 768, .k = 768, .b_trans = 1, .alpha = 1.0f};
    cr_expect(aio_f32_gemm_panels_apply(ops, &g));
    g.m = AIO_F32_GEMM_PANELS_MIN_M - 1;
    cr_expect(!aio_f32_gemm_panels_apply(ops, &g), "small M keeps its own kernels");
    g.m = 128, g.b_trans = 0;
    cr_expect(!aio_f32_gemm_panels_apply(ops, &g));
    g.b_trans = 1, g.alpha = 0.0f;
    cr_expect(!aio_f32_gemm_panels_apply(ops, &g));
    cr_expect(!aio_f32_gemm_panels_apply(NULL, &g));
}

Test(cache_sizes, parse_and_read)
{
    cr_expect_eq(aio_cache_parse_size("32K"), 32768u);
    cr_expect_eq(aio_cache_parse_size("1M"), 1048576u);
    cr_expect_eq(aio_cache_parse_size("512"), 512u);
    cr_expect_eq(aio_cache_parse_size("x"), 0u);
    cr_expect_eq(aio_cache_parse_size("12Q"), 0u);
    cr_expect_eq(aio_cache_count_cpus("0-3,8,10-11"), 7);
    cr_expect_eq(aio_cache_count_cpus("5"), 1);
    cr_expect_eq(aio_cache_count_cpus("3-1"), 0);
    cr_expect_eq(aio_cache_count_cpus("a"), 0);
    const aio_cache_sizes *cs = aio_cache_sizes_get();
    cr_expect_geq(cs->l1d, 4096u);
    cr_expect_geq(cs->l2, cs->l1d);
    cr_expect_eq(aio_cache_sizes_get(), cs, "read once");
}

/* alpha == 0 follows BLAS: A and B are not read, so NaN there stays out. */
Test(f32_gemm, alpha_zero_ignores_a_and_b)
{
    const unsigned isa = aio_isa_detect();
    enum { M = 19, N = 37, K = 23 };
    static float a[M * K], b[N * K], c[M * N], s[N];
    for (int i = 0; i < M * K; i++) a[i] = NAN;
    for (int i = 0; i < N * K; i++) b[i] = NAN;
    for (int j = 0; j < N; j++) s[j] = (float)j - 5.0f;
    for (size_t v = 0; v < aio_f32_gemm_variant_count; v++) {
        const aio_f32_gemm_variant *var = &aio_f32_gemm_variants[v];
        if ((var->isa_required & isa) != var->isa_required)
            continue;
        for (int bt = 0; bt <= 1; bt++) {
            const aio_f32_gemm_args g = {
                .m = M, .n = N, .k = K, .a = a, .lda = K, .b = b, .ldb = bt ? K : N, .b_trans = bt,
                .c = c, .ldc = N, .s = s, .s_stride_m = 0, .s_stride_n = 1, .alpha = 0.0f, .beta = 2.0f,
            };
            var->fn(&g, 0, M, 0, N);
            for (int i = 0; i < M; i++)
                for (int j = 0; j < N; j++)
                    cr_expect_eq(c[i * N + j], 2.0f * s[j], "%s b_trans=%d C[%d][%d] = %g", var->name,
                                 bt, i, j, (double)c[i * N + j]);
        }
    }
}

/* The tester itself must catch a wrong kernel, or the sweeps prove nothing. */
static void off_by_one_kernel(const aio_f32_gemm_args *g, int64_t m0, int64_t m1, int64_t n0,
                              int64_t n1)
{
    aio_f32_gemm__ref(g, m0, m1, n0, n1);
    if (m0 == 0 && n0 == 0)
        g->c[0] += 1e-3f;
}

static void skip_edge_kernel(const aio_f32_gemm_args *g, int64_t m0, int64_t m1, int64_t n0,
                             int64_t n1)
{
    aio_f32_gemm__ref(g, m0, m1, n0, n1 - 1 > n0 ? n1 - 1 : n1);
}

Test(f32_gemm, tester_catches_bugs)
{
    char msg[512];
    const f32_gemm_case tc = {13, 33, 61, 1, F32_GEMM_S_ROW, 1.0f, 1.0f, 0, 2, 3, 7};
    cr_expect_eq(f32_gemm_test(aio_f32_gemm__ref, &tc, msg, sizeof msg), 0, "%s", msg);
    cr_expect_eq(f32_gemm_test(off_by_one_kernel, &tc, msg, sizeof msg), 1);
    cr_expect_eq(f32_gemm_test(skip_edge_kernel, &tc, msg, sizeof msg), 1);
}

static const aio_f32_gemm_variant *find_variant(const char *name)
{
    for (size_t i = 0; i < aio_f32_gemm_variant_count; i++)
        if (strcmp(aio_f32_gemm_variants[i].name, name) == 0)
            return &aio_f32_gemm_variants[i];
    return NULL;
}

Test(f32_gemm, variant_list_is_sane)
{
    cr_assert_geq(aio_f32_gemm_variant_count, 1);
    cr_expect_eq(aio_f32_gemm_variants[0].fn, aio_f32_gemm__ref, "the reference comes first");
    cr_expect_eq(aio_f32_gemm_variants[0].isa_required, 0u);
    for (size_t i = 0; i < aio_f32_gemm_variant_count; i++) {
        const aio_f32_gemm_variant *v = &aio_f32_gemm_variants[i];
        cr_expect_not_null(v->fn);
        cr_expect_gt(v->mr, 0);
        cr_expect_gt(v->nr, 0);
#if defined(__x86_64__)
        cr_expect_eq(v->isa_required & 0xff00u, 0u, "%s: an ARM entry on x86", v->name);
#endif
    }
}

Test(kernels_init, picks_best_variant_for_isa)
{
    aio_kernels k;
    aio_kernels_init(&k, 0);
    cr_expect_eq(k.f32_gemm.fn, aio_f32_gemm__ref);
    cr_expect_str_eq(k.f32_gemm.name, "aio_f32_gemm__ref");
    cr_expect_eq(k.isa, 0u);

#if defined(__x86_64__)
    const unsigned isa = aio_isa_detect();
    aio_kernels_init(&k, isa);
    if (isa & AIO_ISA_X86_AVX512) {
        cr_expect_str_eq(k.f32_gemm.name, "aio_f32_gemm__avx512f");
        cr_expect_eq(k.f32_gemm.fn, aio_f32_gemm__avx512f);
        cr_expect_eq(k.f32_gemm.mr, find_variant("aio_f32_gemm__avx512f")->mr);
        cr_expect_eq(k.f32_gemm.nr, find_variant("aio_f32_gemm__avx512f")->nr);
    }
    /* Synthetic flag sets: the choice follows the flags, not the CPU. */
    aio_kernels_init(&k, AIO_ISA_X86_AVX2);
    cr_expect_str_eq(k.f32_gemm.name, "aio_f32_gemm__avx2");
    aio_kernels_init(&k, AIO_ISA_X86_AVX2 | AIO_ISA_X86_AVX512);
    cr_expect_str_eq(k.f32_gemm.name, "aio_f32_gemm__avx512f");
    aio_kernels_init(&k, AIO_ISA_ARM_NEON); /* foreign flags: nothing usable */
    cr_expect_str_eq(k.f32_gemm.name, "aio_f32_gemm__ref");
#endif
}

Test(kernels_init, respects_isa_cap)
{
    aio_kernels k;
    const unsigned isa = aio_isa_detect();
    aio_kernels_init(&k, aio_isa_apply_cap(isa, AIO_ISA_CAP_REFERENCE));
    cr_expect_str_eq(k.f32_gemm.name, "aio_f32_gemm__ref");
#if defined(__x86_64__)
    if (isa & AIO_ISA_X86_AVX2) {
        aio_kernels_init(&k, aio_isa_apply_cap(isa, AIO_ISA_CAP_AVX2));
        cr_expect_str_eq(k.f32_gemm.name, "aio_f32_gemm__avx2");
    }
#endif
}

Test(isa, apply_cap)
{
    const unsigned all_x86 = AIO_ISA_X86_AVX2 | AIO_ISA_X86_AVX512 | AIO_ISA_X86_AVX512_VNNI |
                             AIO_ISA_X86_AVX512_BF16;
    const unsigned all_arm = AIO_ISA_ARM_NEON | AIO_ISA_ARM_DOTPROD | AIO_ISA_ARM_FP16 |
                             AIO_ISA_ARM_I8MM | AIO_ISA_ARM_BF16 | AIO_ISA_ARM_SVE;
    cr_expect_eq(aio_isa_apply_cap(all_x86, AIO_ISA_CAP_NATIVE), all_x86);
    cr_expect_eq(aio_isa_apply_cap(all_x86, AIO_ISA_CAP_REFERENCE), 0u);
    cr_expect_eq(aio_isa_apply_cap(all_x86, AIO_ISA_CAP_AVX2), (unsigned)AIO_ISA_X86_AVX2);
    cr_expect_eq(aio_isa_apply_cap(all_x86, AIO_ISA_CAP_AVX512), all_x86);
    cr_expect_eq(aio_isa_apply_cap(all_x86, AIO_ISA_CAP_NEON), 0u);
    cr_expect_eq(aio_isa_apply_cap(all_arm, AIO_ISA_CAP_NEON), (unsigned)AIO_ISA_ARM_NEON);
    cr_expect_eq(aio_isa_apply_cap(all_arm, AIO_ISA_CAP_SVE), all_arm);
    cr_expect_eq(aio_isa_apply_cap(all_arm, AIO_ISA_CAP_AVX512), 0u);
    /* A cap never adds flags the CPU lacks. */
    cr_expect_eq(aio_isa_apply_cap(AIO_ISA_X86_AVX2, AIO_ISA_CAP_AVX512), (unsigned)AIO_ISA_X86_AVX2);
}
