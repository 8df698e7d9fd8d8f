/* The blocked bf16-dot driver (bf16_gemm_driver.c) over a portable C
 * micro-kernel with deliberately small, odd blocks (3 x 8 tiles, K blocks
 * of 6, N blocks of 16, 2 KiB of packed A per chunk), so that the tests'
 * small shapes cross every block boundary the native variants only cross
 * at large sizes. Test-only: not in the variant list (the fp32 GEMM is
 * faster than emulated bf16 dot products). */
#include "bf16_gemm_driver.h"

enum { MR = 3, NR = 8 };

static void ukernel_3x8(size_t kc2, const uint32_t *a, const uint32_t *b, const aio_bf16_gemm_out *o,
                        size_t mr, size_t nr)
{
    float acc[MR][NR] = {{0}};
    for (size_t q = 0; q < kc2; q++, a += MR, b += NR)
        for (int i = 0; i < MR; i++)
            for (int j = 0; j < NR; j++) {
                /* vdpbf16ps: both products exact in fp32, added in pair order */
                const float lo = aio_bf16_gemm_widen((uint16_t)a[i]) * aio_bf16_gemm_widen((uint16_t)b[j]);
                const float hi = aio_bf16_gemm_widen((uint16_t)(a[i] >> 16)) *
                                 aio_bf16_gemm_widen((uint16_t)(b[j] >> 16));
                acc[i][j] += lo;
                acc[i][j] += hi;
            }
    for (size_t i = 0; i < mr; i++) {
        float *c = o->c + i * o->ldc;
        for (size_t j = 0; j < nr; j++) {
            float v = o->alpha * acc[i][j];
            if (o->accumulate)
                v += c[j];
            else if (o->s)
                v += o->beta * o->s[(int64_t)i * o->s_stride_m + (int64_t)j * o->s_stride_n];
            c[j] = v;
        }
    }
}

static const aio_bf16_gemm_ops ops = {
    .mr = MR, .nr = NR, .kc = 6, .nc = 16, .a_bytes = 2048,
    .gemm = ukernel_3x8,
    .pack_t = aio_bf16_gemm_pack_t__scalar,
    .pack_n = aio_bf16_gemm_pack_n__scalar,
};

void aio_bf16_gemm__scalar_blocked(const aio_bf16_gemm_args *args, int64_t m0, int64_t m1, int64_t n0,
                                   int64_t n1)
{
    aio_bf16_gemm_run(&ops, args, m0, m1, n0, n1);
}

const struct aio_bf16_gemm_ops *aio_bf16_gemm_ops__scalar_blocked(void) { return &ops; }
