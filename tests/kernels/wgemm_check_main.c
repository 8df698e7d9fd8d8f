/* Plain-C weight-compressed GEMM checker for targets without Criterion
 * (aarch64 under qemu): conversions (against the hardware's fp16
 * conversion where the compiler has __fp16), every variant of every format
 * the CPU runs through the shared sweeps of wgemm_tester.h, and slot
 * selection. Prints "N passed, M failed"; exits non-zero on any failure.
 *
 *   wgemm_check [--quick] */
#include <stdio.h>
#include <string.h>

#include "aio_kernels.h"
#include "wgemm_tester.h"

typedef struct check_ctx {
    const aio_wgemm_variant *v;
    int passed, failed;
} check_ctx;

static int check_case(const wgemm_case *tc, void *p)
{
    check_ctx *ctx = p;
    char msg[512];
    if (wgemm_test(ctx->v->fn, tc, msg, sizeof msg)) {
        if (ctx->failed < 10)
            printf("FAIL %s: %s\n", ctx->v->name, msg);
        ctx->failed++;
    } else {
        ctx->passed++;
    }
    return 0;
}

static const aio_wgemm_variant *best_of(const aio_wgemm_variant *list, size_t count, unsigned isa)
{
    const aio_wgemm_variant *best = &list[0];
    for (size_t i = 1; i < count; i++)
        if ((list[i].isa_required & isa) == list[i].isa_required)
            best = &list[i];
    return best;
}

int main(int argc, char **argv)
{
    int quick = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) {
            quick = 1;
        } else {
            fprintf(stderr, "usage: %s [--quick]\n", argv[0]);
            return 2;
        }
    }
    const unsigned isa = aio_isa_detect();
    int passed = 0, failed = 0;
    char msg[512];

    if (wgemm_check_conversions(msg, sizeof msg)) {
        printf("FAIL %s\n", msg);
        failed++;
    } else {
        passed++;
    }
#if defined(__aarch64__) || defined(__FLT16_MAX__)
    {   /* The portable packer must match the hardware conversion (RNE). */
        unsigned st = 777;
        int bad = 0;
        for (int i = 0; i < 300000 && bad == 0; i++) {
            st ^= st << 13;
            st ^= st >> 17;
            st ^= st << 5;
            uint32_t bits = (i & 1) ? st : ((st & 0x80ffffffu) | ((0x60u + (st >> 24) % 0x30u) << 23));
            float f;
            memcpy(&f, &bits, 4);
            if (isnan(f))
                continue;
            const _Float16 hf = (_Float16)f;
            uint16_t want;
            memcpy(&want, &hf, 2);
            if (aio_f32_to_f16(f) != want) {
                printf("FAIL f16 conversion of %a: 0x%04x, hardware 0x%04x\n", (double)f,
                       aio_f32_to_f16(f), want);
                bad = 1;
            }
        }
        bad ? failed++ : passed++;
    }
#endif

    const struct {
        int fmt;
        const aio_wgemm_variant *v;
        size_t count;
    } lists[] = {
        {AIO_WFMT_F16, aio_f16w_gemm_variants, aio_f16w_gemm_variant_count},
        {AIO_WFMT_BF16, aio_bf16w_gemm_variants, aio_bf16w_gemm_variant_count},
        {AIO_WFMT_I8, aio_i8w_gemm_variants, aio_i8w_gemm_variant_count},
    };
    aio_kernels k;
    aio_kernels_init(&k, isa);
    const aio_wgemm_config *slots[] = {&k.f16w, &k.bf16w, &k.i8w};
    for (int f = 0; f < 3; f++) {
        const aio_wgemm_variant *best = best_of(lists[f].v, lists[f].count, isa);
        if (slots[f]->fn != best->fn || lists[f].v[0].isa_required != 0) {
            printf("FAIL kernels_init picked %s, want %s\n", slots[f]->name, best->name);
            failed++;
        }
        for (size_t i = 0; i < lists[f].count; i++) {
            const aio_wgemm_variant *v = &lists[f].v[i];
            if ((v->isa_required & isa) != v->isa_required) {
                printf("skip %s\n", v->name);
                continue;
            }
            /* The reference gets the quick sweep only: it is the slow one. */
            const int q = quick || v->isa_required == 0;
            check_ctx ctx = {v, 0, 0};
            for (int suite = WGEMM_SUITE_SIZES; suite <= WGEMM_SUITE_OPTIONS; suite++)
                if (!q || suite != WGEMM_SUITE_LARGE)
                    wgemm_for_each_case(lists[f].fmt, suite, q, check_case, &ctx);
            printf("%s: %d passed, %d failed\n", v->name, ctx.passed, ctx.failed);
            passed += ctx.passed;
            failed += ctx.failed;
        }
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
