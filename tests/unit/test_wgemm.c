/* Weight-compressed GEMM (aio_wgemm.h): packing and conversions, every
 * variant of every format this CPU can run through the shared sweeps of
 * wgemm_tester.h, and slot selection. */
#include <criterion/criterion.h>
#include <criterion/logging.h>

#include "aio_kernels.h"
#include "wgemm_tester.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

typedef struct fmt_list {
    int fmt;
    const aio_wgemm_variant *v;
    size_t count;
} fmt_list;

static fmt_list lists[3];

static void init_lists(void)
{
    lists[0] = (fmt_list){AIO_WFMT_F16, aio_f16w_gemm_variants, aio_f16w_gemm_variant_count};
    lists[1] = (fmt_list){AIO_WFMT_BF16, aio_bf16w_gemm_variants, aio_bf16w_gemm_variant_count};
    lists[2] = (fmt_list){AIO_WFMT_I8, aio_i8w_gemm_variants, aio_i8w_gemm_variant_count};
}

typedef struct sweep_ctx {
    const aio_wgemm_variant *v;
    int cases, failures;
} sweep_ctx;

static int check_case(const wgemm_case *tc, void *p)
{
    sweep_ctx *ctx = p;
    char msg[512];
    ctx->cases++;
    if (wgemm_test(ctx->v->fn, tc, msg, sizeof msg)) {
        cr_log_error("%s: %s", ctx->v->name, msg);
        ctx->failures++;
    }
    return ctx->failures >= 10;
}

static void sweep(int fmt_index, int suite)
{
    init_lists();
    const fmt_list *l = &lists[fmt_index];
    const unsigned isa = aio_isa_detect();
    int ran = 0;
    for (size_t i = 0; i < l->count; i++) {
        const aio_wgemm_variant *v = &l->v[i];
        if ((v->isa_required & isa) != v->isa_required) {
            cr_log_info("skip %s: CPU lacks its ISA", v->name);
            continue;
        }
        sweep_ctx ctx = {v, 0, 0};
        wgemm_for_each_case(l->fmt, suite, 0, check_case, &ctx);
        cr_expect_eq(ctx.failures, 0, "%s: %d failing case(s), see log", v->name, ctx.failures);
        cr_log_info("%s: %d cases", v->name, ctx.cases);
        ran++;
    }
    cr_assert_gt(ran, 0);
}

#define SWEEPS(name, idx)                                                                   \
    Test(wgemm_##name, sizes_around_tiles, .timeout = 300) { sweep(idx, WGEMM_SUITE_SIZES); } \
    Test(wgemm_##name, large_and_blocked, .timeout = 300) { sweep(idx, WGEMM_SUITE_LARGE); }  \
    Test(wgemm_##name, s_modes_alpha_beta_padding, .timeout = 300)                          \
    {                                                                                       \
        sweep(idx, WGEMM_SUITE_OPTIONS);                                                    \
    }
SWEEPS(f16, 0)
SWEEPS(bf16, 1)
SWEEPS(i8, 2)

Test(wgemm, conversions_known_values)
{
    char msg[256];
    cr_expect_eq(wgemm_check_conversions(msg, sizeof msg), 0, "%s", msg);
}

#if defined(__x86_64__)
__attribute__((target("f16c"))) static uint16_t hw_f32_to_f16(float f)
{
    return (uint16_t)_cvtss_sh(f, _MM_FROUND_TO_NEAREST_INT);
}
__attribute__((target("f16c"))) static float hw_f16_to_f32(uint16_t h) { return _cvtsh_ss(h); }
#endif

/* The portable f16 packer must agree with F16C bit for bit. */
Test(wgemm, f16_conversion_matches_f16c)
{
#if defined(__x86_64__)
    if (!(aio_isa_detect() & AIO_ISA_X86_AVX2))
        cr_skip_test("no F16C");
    unsigned st = 12345;
    for (int i = 0; i < 2000000; i++) {
        st ^= st << 13;
        st ^= st >> 17;
        st ^= st << 5;
        /* Bias towards the interesting exponent range of half. */
        uint32_t bits = (i & 1) ? st : ((st & 0x80ffffffu) | ((0x60u + (st >> 24) % 0x30u) << 23));
        float f;
        memcpy(&f, &bits, 4);
        if (isnan(f))
            continue;
        const uint16_t want = hw_f32_to_f16(f), got = aio_f32_to_f16(f);
        if (want != got) {
            cr_expect_eq(got, want, "f32 %a (0x%08x): 0x%04x, F16C 0x%04x", (double)f, bits, got, want);
            return;
        }
    }
    for (uint32_t h = 0; h < 0x10000u; h++) {
        const float want = hw_f16_to_f32((uint16_t)h), got = aio_f16_to_f32((uint16_t)h);
        if (memcmp(&want, &got, 4) != 0 && !(isnan(want) && isnan(got))) {
            cr_expect(0, "f16 0x%04x: %a, F16C %a", h, (double)got, (double)want);
            return;
        }
    }
#else
    cr_skip_test("x86 only");
#endif
}

Test(wgemm, pack_sizes_and_errors)
{
    cr_expect_eq(aio_wpack_bytes(0, 4, 4), 0u);
    cr_expect_eq(aio_wpack_bytes(AIO_WFMT_F16, -1, 4), 0u);
    cr_expect_eq(aio_wpack_bytes(AIO_WFMT_F16, 3, 100), 3u * 128 * 2);
    cr_expect_eq(aio_wpack_bytes(AIO_WFMT_I8, 3, 64), 3u * 64 + 64);
    cr_expect_geq(aio_wpack_bytes(AIO_WFMT_BF16, 0, 0), 1u);
    float w[4] = {1, 2, 3, 4};
    static _Alignas(64) unsigned char buf[512];
    aio_packed_weight pw;
    cr_expect_eq(aio_wpack(7, w, 2, 2, 2, buf, &pw), -1);
    cr_expect_eq(aio_wpack(AIO_WFMT_I8, w, 1, 2, 2, buf, &pw), -1); /* ldw < k */
    cr_expect_eq(aio_wpack(AIO_WFMT_I8, w, 2, 2, 2, buf, &pw), 0);
    cr_expect_eq(((int8_t *)pw.data)[0], 64); /* 2/127 scale: 1 -> 63.5 -> 64 (even) */
    cr_expect_eq(((int8_t *)pw.data)[1], 127);
    cr_expect_eq(((int8_t *)pw.data)[pw.kp + 1], 127);
    cr_expect_float_eq(pw.scales[1], 4.0f / 127.0f, 1e-9);
}

/* alpha == 0: A and W are not read, C = beta*S. */
Test(wgemm, alpha_zero_ignores_a_and_w)
{
    init_lists();
    const unsigned isa = aio_isa_detect();
    enum { M = 19, N = 37, K = 23 };
    static float a[M * K], w[N * K], c[M * N], s[N];
    for (int i = 0; i < M * K; i++) a[i] = NAN;
    for (int i = 0; i < N * K; i++) w[i] = 1.0f;
    for (int j = 0; j < N; j++) s[j] = (float)j - 5.0f;
    for (int f = 0; f < 3; f++) {
        void *buf = NULL;
        cr_assert_eq(posix_memalign(&buf, 64, aio_wpack_bytes(lists[f].fmt, N, K)), 0);
        aio_packed_weight pw;
        cr_assert_eq(aio_wpack(lists[f].fmt, w, K, N, K, buf, &pw), 0);
        for (size_t v = 0; v < lists[f].count; v++) {
            const aio_wgemm_variant *var = &lists[f].v[v];
            if ((var->isa_required & isa) != var->isa_required)
                continue;
            const aio_wgemm_args g = {.m = M, .a = a, .lda = K, .w = &pw, .c = c, .ldc = N, .s = s,
                                      .s_stride_m = 0, .s_stride_n = 1, .alpha = 0.0f, .beta = 2.0f};
            var->fn(&g, 0, M, 0, N);
            for (int i = 0; i < M; i++)
                for (int j = 0; j < N; j++)
                    cr_expect_eq(c[i * N + j], 2.0f * s[j], "%s C[%d][%d] = %g", var->name, i, j,
                                 (double)c[i * N + j]);
        }
        free(buf);
    }
}

/* The tester itself must catch a wrong kernel. */
static void off_by_one_kernel(const aio_wgemm_args *g, int64_t m0, int64_t m1, int64_t n0, int64_t n1)
{
    aio_i8w_gemm__ref(g, m0, m1, n0, n1);
    if (m0 == 0 && n0 == 0)
        g->c[0] += 1e-3f;
}

static void skip_edge_kernel(const aio_wgemm_args *g, int64_t m0, int64_t m1, int64_t n0,
                             int64_t n1)
{
    aio_i8w_gemm__ref(g, m0, m1, n0, n1 - 1 > n0 ? n1 - 1 : n1);
}

/* Applies the int8 scale twice on one column: a wrong dequantization. */
static void double_scale_kernel(const aio_wgemm_args *g, int64_t m0, int64_t m1, int64_t n0,
                                int64_t n1)
{
    aio_wgemm_args h = *g;
    h.s = NULL;
    aio_i8w_gemm__ref(&h, m0, m1, n0, n1);
    for (int64_t i = m0; i < m1; i++)
        for (int64_t j = n0; j < n1; j++) {
            float v = g->c[i * g->ldc + j];
            if (j == 5)
                v *= g->w->scales[j];
            if (g->s && g->beta != 0.0f)
                v += g->beta * g->s[i * g->s_stride_m + j * g->s_stride_n];
            g->c[i * g->ldc + j] = v;
        }
}

Test(wgemm, tester_catches_bugs)
{
    char msg[512];
    const wgemm_case tc = {AIO_WFMT_I8, 13, 33, 61, WGEMM_S_ROW, 1.0f, 1.0f, 0, 2, 3, 7};
    cr_expect_eq(wgemm_test(aio_i8w_gemm__ref, &tc, msg, sizeof msg), 0, "%s", msg);
    cr_expect_eq(wgemm_test(off_by_one_kernel, &tc, msg, sizeof msg), 1);
    cr_expect_eq(wgemm_test(skip_edge_kernel, &tc, msg, sizeof msg), 1);
    cr_expect_eq(wgemm_test(double_scale_kernel, &tc, msg, sizeof msg), 1);
}

Test(wgemm, variant_lists_are_sane)
{
    init_lists();
    for (int f = 0; f < 3; f++) {
        cr_assert_geq(lists[f].count, 1);
        cr_expect_eq(lists[f].v[0].isa_required, 0u, "the reference comes first");
        for (size_t i = 0; i < lists[f].count; i++) {
            cr_expect_not_null(lists[f].v[i].fn);
            cr_expect_gt(lists[f].v[i].nr, 0);
            cr_expect_not_null(strstr(lists[f].v[i].name, wgemm_fmt_name(lists[f].fmt)));
        }
    }
}

Test(kernels_init, picks_wgemm_variants)
{
    aio_kernels k;
    aio_kernels_init(&k, 0);
    cr_expect_str_eq(k.f16w.name, "aio_f16w_gemm__ref");
    cr_expect_str_eq(k.bf16w.name, "aio_bf16w_gemm__ref");
    cr_expect_str_eq(k.i8w.name, "aio_i8w_gemm__ref");
    cr_expect_eq(k.i8w.fn, aio_i8w_gemm__ref);
#if defined(__x86_64__)
    aio_kernels_init(&k, AIO_ISA_X86_AVX2);
    cr_expect_str_eq(k.f16w.name, "aio_f16w_gemm__avx2");
    cr_expect_str_eq(k.i8w.name, "aio_i8w_gemm__avx2");
    aio_kernels_init(&k, AIO_ISA_X86_AVX2 | AIO_ISA_X86_AVX512);
    cr_expect_str_eq(k.f16w.name, "aio_f16w_gemm__avx512");
    cr_expect_str_eq(k.bf16w.name, "aio_bf16w_gemm__avx512");
    cr_expect_eq(k.i8w.fn, aio_i8w_gemm__avx512);
    cr_expect_eq(k.i8w.nr, 32);
    aio_kernels_init(&k, AIO_ISA_ARM_NEON);
    cr_expect_str_eq(k.bf16w.name, "aio_bf16w_gemm__ref");
    /* The fp32 slot is unchanged by the new ones. */
    cr_expect_str_eq(k.f32_gemm.name, "aio_f32_gemm__ref");
#endif
}
