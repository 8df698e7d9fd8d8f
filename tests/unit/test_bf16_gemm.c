/* bf16-dot GEMM: every variant this CPU can run through the shared sweep
 * of bf16_gemm_tester.h, the alpha == 0 rule, the tester's own power to
 * fail, and slot selection. */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <math.h>

#include "aio_kernels.h"
#include "bf16_gemm_tester.h"

typedef struct sweep_ctx {
    const aio_bf16_gemm_variant *v;
    int cases, failures;
} sweep_ctx;

static int check_case(const bf16_gemm_case *tc, void *p)
{
    sweep_ctx *ctx = p;
    char msg[512];
    ctx->cases++;
    if (bf16_gemm_test(ctx->v->fn, tc, msg, sizeof msg)) {
        cr_log_error("%s: %s", ctx->v->name, msg);
        ctx->failures++;
    }
    return ctx->failures >= 10;
}

Test(bf16_gemm, every_variant_sweep, .timeout = 300)
{
    const unsigned isa = aio_isa_detect();
    int ran = 0;
    for (size_t i = 0; i < aio_bf16_gemm_variant_count; i++) {
        const aio_bf16_gemm_variant *v = &aio_bf16_gemm_variants[i];
        if ((v->isa_required & isa) != v->isa_required) {
            cr_log_info("skip %s: CPU lacks its ISA", v->name);
            continue;
        }
        sweep_ctx ctx = {v, 0, 0};
        bf16_gemm_for_each_case(0, check_case, &ctx);
        cr_expect_eq(ctx.failures, 0, "%s: %d failing case(s), see log", v->name, ctx.failures);
        cr_log_info("%s: %d cases", v->name, ctx.cases);
        ran++;
    }
    cr_assert_gt(ran, 0);
}

/* The blocked driver itself, on every CPU: a portable micro-kernel with
 * tiny K/N blocks and A chunks, so the sweep's small shapes cross every
 * block, chunk and tile boundary (native variants run only where the CPU
 * has bf16 dot products). */
Test(bf16_gemm, blocked_driver_small_blocks_sweep, .timeout = 300)
{
    const aio_bf16_gemm_variant v = {"aio_bf16_gemm__scalar_blocked", aio_bf16_gemm__scalar_blocked, 0, 3, 8, 0};
    sweep_ctx ctx = {&v, 0, 0};
    bf16_gemm_for_each_case(0, check_case, &ctx);
    cr_expect_eq(ctx.failures, 0, "%s: %d failing case(s), see log", v.name, ctx.failures);
    cr_expect_gt(ctx.cases, 1000);
}

Test(bf16_gemm, alpha_zero_ignores_a_and_b)
{
    const unsigned isa = aio_isa_detect();
    enum { M = 13, N = 35, K = 21 };
    static float a[M * K], b[N * K], c[M * N], s[N];
    for (int i = 0; i < M * K; i++) a[i] = NAN;
    for (int i = 0; i < N * K; i++) b[i] = NAN;
    for (int j = 0; j < N; j++) s[j] = (float)j - 5.0f;
    for (size_t v = 0; v < aio_bf16_gemm_variant_count; v++) {
        const aio_bf16_gemm_variant *var = &aio_bf16_gemm_variants[v];
        if ((var->isa_required & isa) != var->isa_required)
            continue;
        const aio_bf16_gemm_args g = {
            .m = M, .n = N, .k = K, .a = a, .lda = K, .b = b, .ldb = K, .b_trans = 1,
            .c = c, .ldc = N, .s = s, .s_stride_m = 0, .s_stride_n = 1, .alpha = 0.0f, .beta = 2.0f,
        };
        var->fn(&g, 0, M, 0, N);
        for (int i = 0; i < M; i++)
            for (int j = 0; j < N; j++)
                cr_expect_eq(c[i * N + j], 2.0f * s[j], "%s C[%d][%d]", var->name, i, j);
    }
}

/* A kernel that computes in fp32 without rounding the operands is close,
 * but outside the tester's bound: the tester really checks the rounding. */
static void unrounded_f32(const aio_bf16_gemm_args *g, int64_t m0, int64_t m1, int64_t n0, int64_t n1)
{
    for (int64_t i = m0; i < m1; i++)
        for (int64_t j = n0; j < n1; j++) {
            float acc = 0.0f;
            for (int64_t p = 0; p < g->k; p++) {
                const float av = g->a_bf16 ? aio_bf16_gemm_widen(((const uint16_t *)g->a)[i * g->lda + p])
                                           : ((const float *)g->a)[i * g->lda + p];
                const float bv = g->b_trans ? ((const float *)g->b)[j * g->ldb + p]
                                            : ((const float *)g->b)[p * g->ldb + j];
                acc += av * bv;
            }
            const float sv = g->s && g->beta != 0.0f ? g->s[i * g->s_stride_m + j * g->s_stride_n] : 0.0f;
            g->c[i * g->ldc + j] = g->alpha * acc + g->beta * sv;
        }
}

Test(bf16_gemm, tester_catches_missing_rounding)
{
    char msg[512];
    const bf16_gemm_case tc = {9, 17, 64, 1, 0, 0, 1, 1.0f, 1.0f, 0, 3, 5};
    cr_expect_neq(bf16_gemm_test(unrounded_f32, &tc, msg, sizeof msg), 0);
    cr_expect_eq(bf16_gemm_test(aio_bf16_gemm__ref, &tc, msg, sizeof msg), 0, "%s", msg);
}

Test(bf16_gemm, slot_prefers_native_when_cpu_has_bf16)
{
    aio_kernels k;
    const unsigned isa = aio_isa_detect();
    aio_kernels_init(&k, isa);
    cr_assert_not_null(k.bf16_gemm.fn);
    const unsigned need = AIO_ISA_X86_AVX512 | AIO_ISA_X86_AVX512_BF16;
    if ((isa & need) == need) {
        cr_expect_str_eq(k.bf16_gemm.name, "aio_bf16_gemm__avx512bf16");
        cr_expect_eq(k.bf16_gemm.native, 1);
    }
    aio_kernels_init(&k, isa & ~(unsigned)AIO_ISA_X86_AVX512_BF16);
    cr_expect_str_eq(k.bf16_gemm.name, "aio_bf16_gemm__ref");
    cr_expect_eq(k.bf16_gemm.native, 0);
}

/* The pre-packed path (aio_bf16_gemm_pack_panels + run_panels) through the
 * same sweep: W packed into panels on every call (from fp32 or bf16, ld
 * padded), tiles cut anywhere (run_panels' unaligned leading columns
 * included). b_trans = 0 cases have no panel form: the variant itself. */
static const struct aio_bf16_gemm_ops *g_panel_ops;
static aio_bf16_gemm_fn g_panel_base;

static void via_panels(const aio_bf16_gemm_args *g, int64_t m0, int64_t m1, int64_t n0, int64_t n1)
{
    if (!g->b_trans) {
        g_panel_base(g, m0, m1, n0, n1);
        return;
    }
    const size_t bytes = aio_bf16_gemm_panels_bytes(g_panel_ops, g->n, g->k);
    uint32_t *panels = bytes ? malloc(bytes) : NULL;
    if (bytes)
        aio_bf16_gemm_pack_panels(g_panel_ops, g->b, g->b_bf16, g->ldb, g->n, g->k, panels, 0, g->n);
    aio_bf16_gemm_args h = *g;
    h.b = NULL; /* must not be read */
    aio_bf16_gemm_run_panels(g_panel_ops, &h, panels, m0, m1, n0, n1);
    free(panels);
}

Test(bf16_gemm, prepacked_panels_sweep, .timeout = 300)
{
    const unsigned isa = aio_isa_detect();
    cr_assert_null(aio_bf16_gemm_ops_of(aio_bf16_gemm__ref));
    const aio_bf16_gemm_variant blocked = {"aio_bf16_gemm__scalar_blocked", aio_bf16_gemm__scalar_blocked, 0, 3, 8, 0};
    const aio_bf16_gemm_variant *vs[4] = {&blocked};
    int nv = 1;
    for (size_t i = 0; i < aio_bf16_gemm_variant_count; i++) {
        const aio_bf16_gemm_variant *v = &aio_bf16_gemm_variants[i];
        if ((v->isa_required & isa) == v->isa_required && aio_bf16_gemm_ops_of(v->fn) && nv < 4)
            vs[nv++] = v;
    }
    for (int i = 0; i < nv; i++) {
        g_panel_ops = aio_bf16_gemm_ops_of(vs[i]->fn);
        g_panel_base = vs[i]->fn;
        cr_assert_not_null(g_panel_ops, "%s", vs[i]->name);
        const aio_bf16_gemm_variant v = {vs[i]->name, via_panels, 0, vs[i]->mr, vs[i]->nr, 0};
        sweep_ctx ctx = {&v, 0, 0};
        bf16_gemm_for_each_case(0, check_case, &ctx);
        cr_expect_eq(ctx.failures, 0, "%s panels: %d failing case(s), see log", v.name, ctx.failures);
        cr_log_info("%s panels: %d cases", v.name, ctx.cases);
    }
}
