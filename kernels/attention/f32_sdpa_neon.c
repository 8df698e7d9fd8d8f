/* NEON fp32 attention over a block of query rows (aio_attention.h), the
 * structure of f32_sdpa_avx512f.c:
 *   S = scale * Q_blk K^T   (the NEON fp32 GEMM, K as a W[N][K] operand)
 *   P = softmax(S + mask)   (vectorized here: max, exp, sum, 1/sum)
 *   O_blk = P V             (the NEON fp32 GEMM, V as B[K][N])
 * Until this variant the aarch64 slot held the scalar reference (one
 * scalar dot product per score, libm expf per key), which the dispatcher
 * ran for every causal call. The exp is vmath's (vm_neon.h, ~1 ulp); keys
 * masked to -inf come out of it as exactly 0. */
#if defined(__aarch64__)
#include <arm_neon.h>
#include <math.h>

#include "aio_attention.h"
#include "aio_f32_gemm.h"
#include "aio_mca.h"
#include "f32_sdpa_common.h"
#include "vmath/vm_neon.h"
#include "vmath/vmath_body.inc"

/* Row i of S (n scores) -> probabilities; keys [nv, n) are causally masked.
 * Returns the row's log-sum-exp (0 when every key is masked, row zeroed). */
static inline float softmax_row(const aio_f32_sdpa_args *a, int64_t b, int64_t h, int64_t i, float *p,
                                int64_t nv, int64_t n)
{
    const float *mrow = a->mask ? a->mask + b * a->m_sb + h * a->m_sh + i * a->m_sl : NULL;
    float32x4_t m0 = vdupq_n_f32(-INFINITY), m1 = m0;
    int64_t j = 0;
    for (; j + 8 <= nv; j += 8) {
        float32x4_t s0 = vld1q_f32(p + j), s1 = vld1q_f32(p + j + 4);
        if (mrow) {
            s0 = vaddq_f32(s0, vld1q_f32(mrow + j));
            s1 = vaddq_f32(s1, vld1q_f32(mrow + j + 4));
            vst1q_f32(p + j, s0);
            vst1q_f32(p + j + 4, s1);
        }
        m0 = vmaxq_f32(m0, s0);
        m1 = vmaxq_f32(m1, s1);
    }
    for (; j < nv; j += 4) {
        const size_t k = nv - j < 4 ? (size_t)(nv - j) : 4;
        float32x4_t s = vm_load(AIO_DT_F32, p, (size_t)j, k);
        if (mrow) {
            s = vaddq_f32(s, vm_load(AIO_DT_F32, mrow, (size_t)j, k));
            vm_store(AIO_DT_F32, p, (size_t)j, s, k);
        }
        m0 = vmaxq_f32(m0, k < 4 ? vm_keep(s, k, -INFINITY) : s);
    }
    const float mx = vmaxvq_f32(vmaxq_f32(m0, m1));
    if (mx == -INFINITY) {
        for (j = 0; j < n; j++)
            p[j] = 0.0f;
        return 0.0f;
    }
    const float32x4_t vmx = vdupq_n_f32(mx);
    float32x4_t s0 = vdupq_n_f32(0.0f), s1 = s0;
    for (j = 0; j + 8 <= nv; j += 8) {
        AIO_MCA_BEGIN("aio_f32_sdpa__neon_exp");
        const float32x4_t e0 = vm_exp(vsubq_f32(vld1q_f32(p + j), vmx));
        const float32x4_t e1 = vm_exp(vsubq_f32(vld1q_f32(p + j + 4), vmx));
        vst1q_f32(p + j, e0);
        vst1q_f32(p + j + 4, e1);
        s0 = vaddq_f32(s0, e0);
        s1 = vaddq_f32(s1, e1);
        AIO_MCA_END();
    }
    for (; j < nv; j += 4) {
        const size_t k = nv - j < 4 ? (size_t)(nv - j) : 4;
        const float32x4_t e = vm_exp(vsubq_f32(vm_load(AIO_DT_F32, p, (size_t)j, k), vmx));
        vm_store(AIO_DT_F32, p, (size_t)j, e, k);
        s0 = vaddq_f32(s0, k < 4 ? vm_keep(e, k, 0.0f) : e);
    }
    const float sum = vaddvq_f32(vaddq_f32(s0, s1));
    const float32x4_t inv = vdupq_n_f32(1.0f / sum);
    for (j = 0; j + 4 <= nv; j += 4)
        vst1q_f32(p + j, vmulq_f32(vld1q_f32(p + j), inv));
    if (j < nv)
        vm_store(AIO_DT_F32, p, (size_t)j, vmulq_f32(vm_load(AIO_DT_F32, p, (size_t)j, (size_t)(nv - j)), inv),
                 (size_t)(nv - j));
    for (j = nv; j < n; j++) /* causal tail of the block: no weight */
        p[j] = 0.0f;
    return mx + logf(sum);
}

void aio_f32_sdpa__neon(const aio_f32_sdpa_args *a, int64_t b, int64_t h, int64_t r0, int64_t r1, float *scratch)
{
    const int64_t g = aio_sdpa_kv_head(a, h);
    const int64_t rows = r1 - r0;
    const int64_t n = aio_sdpa_keys_visible(a, r1 - 1); /* keys the block's last row sees */
    const int64_t lds = (n + 15) & ~(int64_t)15;
    float *s = scratch;

    aio_f32_gemm_args qk = {0};
    qk.m = rows, qk.n = n, qk.k = a->e;
    qk.a = a->q + b * a->q_sb + h * a->q_sh + r0 * a->q_sl, qk.lda = a->q_sl;
    qk.b = a->k + b * a->k_sb + g * a->k_sh, qk.ldb = a->k_sl, qk.b_trans = 1;
    qk.c = s, qk.ldc = lds;
    qk.alpha = a->scale, qk.beta = 0.0f;
    aio_f32_gemm__neon(&qk, 0, rows, 0, n);

    for (int64_t i = r0; i < r1; i++) {
        const float lse = softmax_row(a, b, h, i, s + (i - r0) * lds, aio_sdpa_keys_visible(a, i), n);
        aio_sdpa_store_lse(a, b, h, i, lse);
    }

    aio_f32_gemm_args pv = {0};
    pv.m = rows, pv.n = a->ev, pv.k = n;
    pv.a = s, pv.lda = lds;
    pv.b = a->v + b * a->v_sb + g * a->v_sh, pv.ldb = a->v_sl, pv.b_trans = 0;
    pv.c = a->o + b * a->o_sb + h * a->o_sh + r0 * a->o_sl, pv.ldc = a->o_sl;
    pv.alpha = 1.0f, pv.beta = 0.0f;
    aio_f32_gemm__neon(&pv, 0, rows, 0, a->ev);
}
#endif
