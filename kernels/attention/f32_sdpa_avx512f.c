/* AVX-512F fp32 attention over a block of query rows (aio_attention.h):
 *   S = scale * Q_blk K^T   (the fp32 GEMM kernel, K as a W[N][K] operand)
 *   P = softmax(S + mask)   (vectorized here: max, exp, sum, 1/sum)
 *   O_blk = P V             (the fp32 GEMM kernel, V as B[K][N])
 * S/P stay in `scratch` (rows x keys, L2-sized for the block sizes the
 * dispatcher uses), so the B x H x L x L score tensor of the math path is
 * never built. Causal blocks only compute the keys their last row sees.
 * The exp is a small local one (range reduction + degree-6 polynomial +
 * scalef), kept here on purpose: no shared vector-math dependency. */
#if defined(__x86_64__)
#include <immintrin.h>
#include <math.h>

#include "aio_attention.h"
#include "aio_f32_gemm.h"
#include "f32_sdpa_common.h"

#define AIO_TARGET __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")))
#define AIO_INLINE static inline __attribute__((always_inline)) AIO_TARGET

AIO_INLINE __mmask16 first_n(int64_t n)
{
    return n >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << n) - 1u);
}

/* e^x for x <= 0 (softmax arguments after subtracting the max); -inf -> 0.
 * About 1 ulp over the range that does not underflow. */
AIO_INLINE __m512 exp_nonpos(__m512 x)
{
    x = _mm512_max_ps(x, _mm512_set1_ps(-104.0f)); /* e^-104 rounds to 0 */
    const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504f)),
                                          _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693145752f), x); /* ln2 split hi/lo */
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(1.42860677e-06f), r);
    __m512 p = _mm512_set1_ps(1.0f / 720);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 120));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 24));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 6));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.5f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    return _mm512_scalef_ps(p, n);
}

/* Row i of S (n scores) -> probabilities; keys [nv, n) are causally masked.
 * Returns the row's log-sum-exp (0 when every key is masked, row zeroed). */
AIO_INLINE float softmax_row(const aio_f32_sdpa_args *a, int64_t b, int64_t h, int64_t i, float *p,
                             int64_t nv, int64_t n)
{
    const int64_t moff = b * a->m_sb + h * a->m_sh + i * a->m_sl;
    __m512 vmax = _mm512_set1_ps(-INFINITY);
    for (int64_t j = 0; j < nv; j += 16) {
        const __mmask16 m = first_n(nv - j);
        __m512 s = _mm512_maskz_loadu_ps(m, p + j);
        if (a->mask)
            s = _mm512_add_ps(s, _mm512_maskz_loadu_ps(m, a->mask + moff + j));
        _mm512_mask_storeu_ps(p + j, m, s);
        vmax = _mm512_mask_max_ps(vmax, m, vmax, s);
    }
    const float mx = _mm512_reduce_max_ps(vmax);
    if (mx == -INFINITY) {
        for (int64_t j = 0; j < n; j += 16)
            _mm512_mask_storeu_ps(p + j, first_n(n - j), _mm512_setzero_ps());
        return 0.0f;
    }
    const __m512 vm = _mm512_set1_ps(mx);
    __m512 vsum = _mm512_setzero_ps();
    for (int64_t j = 0; j < nv; j += 16) {
        const __mmask16 m = first_n(nv - j);
        const __m512 e = _mm512_maskz_mov_ps(m, exp_nonpos(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, p + j), vm)));
        _mm512_mask_storeu_ps(p + j, m, e);
        vsum = _mm512_add_ps(vsum, e);
    }
    const float sum = _mm512_reduce_add_ps(vsum);
    const __m512 inv = _mm512_set1_ps(1.0f / sum);
    for (int64_t j = 0; j < nv; j += 16) {
        const __mmask16 m = first_n(nv - j);
        _mm512_mask_storeu_ps(p + j, m, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, p + j), inv));
    }
    for (int64_t j = nv; j < n; j++) /* causal tail of the block: no weight */
        p[j] = 0.0f;
    return mx + logf(sum);
}

AIO_TARGET void aio_f32_sdpa__avx512f(const aio_f32_sdpa_args *a, int64_t b, int64_t h, int64_t r0, int64_t r1,
                                      float *scratch)
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
    aio_f32_gemm__avx512f(&qk, 0, rows, 0, n);

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
    aio_f32_gemm__avx512f(&pv, 0, rows, 0, a->ev);
}
#endif
